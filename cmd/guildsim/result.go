package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/guildsim/guildsim/reports"
	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/scenarios/check"
)

// result is one run: a line of results.jsonl and, for a failure, the
// content of its replay file. Its vocabulary is summary.json's: seed a
// string, verdicts Ok/Illegal/Unknown, pass a boolean.
type result struct {
	spec
	Fingerprint string `json:"fingerprint"`
	Events      uint64 `json:"events"`
	SimulatedNS int64  `json:"simulated_ns"`
	WallNS      int64  `json:"wall_ns"`
	// Verdicts are the checkers' verdicts in the scenario's order (none for
	// a stopped run: no checker judges a prefix).
	Verdicts []verdict `json:"verdicts,omitempty"`
	// Buggify is what buggify did, in runs that had it on (--buggify or
	// swarm's draw): a sweep sums it per site.
	Buggify *reports.BuggifySummary `json:"buggify,omitempty"`
	// Coverage is every coverage site of system code and what it saw in
	// this run (summary.json's coverage): a sweep counts the seeds that
	// reached each site and lists those none did.
	Coverage []reports.CoverageSite `json:"coverage,omitempty"`
	// Pass is true when the run finished and every verdict is Ok (as
	// summary.json's pass).
	Pass bool `json:"pass"`
	// Result is ok, safety-failed (a safety checker's verdict is Illegal
	// or Unknown), liveness-failed (only liveness checkers' are),
	// beyond-budget (the fault schedule went beyond the system's fault
	// budget: whatever the checkers said, the run neither passes nor
	// finds a bug),
	// testbed-failure, stopped (--stop-at-event, --stop-at-time) or
	// bad-input. Files written before the split say checker-failed: it is
	// read as one of the two, from the verdicts.
	Result string `json:"result"`
	// BeyondBudget names the faults of the schedule beyond the system's
	// fault budget, with why (result beyond-budget; the verdicts still
	// say what the checkers saw).
	BeyondBudget []string `json:"beyond_budget,omitempty"`
	Error        string   `json:"error,omitempty"`
	Replay       string   `json:"replay,omitempty"`
	// Version is the guildsim build that ran it (guildsim version).
	Version string `json:"version,omitempty"`

	sc *scenarios.Result // the full result, for the run command's report
}

type verdict struct {
	Checker string `json:"checker"`
	Result  string `json:"result"` // Ok, Illegal, Unknown
	Detail  string `json:"detail,omitempty"`
}

// Results, as in results.jsonl.
const (
	resultOK       = "ok"
	resultSafety   = "safety-failed"
	resultLiveness = "liveness-failed"
	resultTestbed  = "testbed-failure"
	resultStopped  = "stopped"
	resultBadInput = "bad-input"
	resultBeyond   = "beyond-budget"
	// resultLegacyFailed is what files written before the split say.
	resultLegacyFailed = "checker-failed"
)

func (r result) failed() bool { return r.Result != resultOK && r.Result != resultStopped }

// checkerFailed says whether the run finished and a checker did not say Ok.
func (r result) checkerFailed() bool {
	return r.Result == resultSafety || r.Result == resultLiveness
}

// failureClass is the result of a finished run whose verdicts are not all
// Ok: safety-failed if a safety checker did not say Ok (it wins over a
// liveness failure: a lost write matters more than a slow recovery, and
// a liveness verdict after a safety violation may be its consequence),
// else liveness-failed.
func failureClass(vs []verdict) string {
	for _, v := range vs {
		if v.Result != "Ok" && !scenarios.IsLivenessChecker(v.Checker) {
			return resultSafety
		}
	}
	for _, v := range vs {
		if v.Result != "Ok" {
			return resultLiveness
		}
	}
	return resultSafety // no verdict says why: take the stricter class
}

// normalize reads a result from a file written by an older guildsim: the
// undivided checker-failed becomes its class.
func (r *result) normalize() {
	if r.Result == resultLegacyFailed {
		r.Result = failureClass(r.Verdicts)
	}
}

// runOptions are how a run is observed; they never change its fingerprint
// (a stop point ends the run early: the events before it are the same).
type runOptions struct {
	observe   scenarios.RunConfig
	tracePath string // where observe.Trace writes, to print
}

// runOne runs one spec. A panic anywhere in the run (a bug in the testbed
// outside sim's own recovery) becomes a testbed failure of this seed, not
// a crash of the whole sweep.
func runOne(s spec, ro runOptions) (r result) {
	if err := s.check(); err != nil {
		return result{spec: s, Result: resultBadInput, Error: err.Error(), Version: buildVersion()}
	}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			r = result{spec: s, Result: resultTestbed, Error: fmt.Sprintf("panic: %v", p), Replay: s.replayCommand(), WallNS: time.Since(start).Nanoseconds(), Version: buildVersion()}
		}
	}()
	o, _ := optionsFromMap(s.Options)
	observe := ro.observe
	observe.Stop.MaxEvents = s.MaxEvents
	res := scenarios.RunWith(s.Scenario, uint64(s.Seed), o, observe)
	s.Options = optionsMap(res.Options)
	r = result{
		spec: s, Fingerprint: fmt.Sprintf("%016x", res.Fingerprint), Events: res.Events,
		SimulatedNS: int64(res.Virtual), WallNS: time.Since(start).Nanoseconds(), sc: &res, Version: buildVersion(),
	}
	if res.Buggify.Enabled {
		b := buggifyOf(res.Buggify)
		r.Buggify = &b
	}
	if len(res.Coverage) > 0 {
		r.Coverage = coverageOf(res)
	}
	for _, v := range res.Verdicts {
		vd := verdict{Checker: v.Checker, Result: v.Result.String()}
		if v.Result != check.Ok {
			vd.Detail = v.Detail
		}
		r.Verdicts = append(r.Verdicts, vd)
	}
	switch {
	case res.Err != nil:
		r.Result, r.Error = resultTestbed, res.Err.Error()
	case res.Stopped != nil:
		r.Result = resultStopped
	case len(res.BeyondBudget) > 0:
		r.Result, r.BeyondBudget, r.Pass = resultBeyond, res.BeyondBudget, res.Ok()
	case !res.Ok():
		r.Result = failureClass(r.Verdicts)
	default:
		r.Result, r.Pass = resultOK, true
	}
	if r.failed() {
		r.Replay = s.replayCommand()
	}
	return r
}

// exitCode maps results to the documented exit codes: bad input first,
// then a testbed failure, then a safety failure, then a liveness failure
// (a sweep with both a safety and a liveness failure exits as safety).
func exitCode(rs []result) int {
	code := exitOK
	rank := map[int]int{exitOK: 0, exitBeyondBudget: 1, exitLiveness: 2, exitSafety: 3, exitTestbed: 4}
	for _, r := range rs {
		c := exitOK
		switch r.Result {
		case resultBadInput:
			return exitUsage
		case resultTestbed:
			c = exitTestbed
		case resultSafety, resultLegacyFailed:
			c = exitSafety
		case resultLiveness:
			c = exitLiveness
		case resultBeyond:
			c = exitBeyondBudget
		}
		if rank[c] > rank[code] {
			code = c
		}
	}
	return code
}

// writeJSONLines writes rs to path through a temporary file renamed into
// place, so that a sweep's streamed lines are replaced by the sorted ones
// at once, never half.
func writeJSONLines(path string, rs []result) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_ = f.Chmod(0o644) // CreateTemp's 0600 would keep CI's other users out
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rs {
		if err = enc.Encode(r); err != nil {
			break
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func readJSONLines(path string) ([]result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rs []result
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s line %d: not a results line: %v", path, line, err)
		}
		r.fromFile = true
		r.normalize()
		if r.Scenario == "" || r.Fingerprint == "" || r.Result == "" {
			return nil, fmt.Errorf("%s line %d: not a results line: no scenario, fingerprint or result", path, line)
		}
		rs = append(rs, r)
	}
	return rs, sc.Err()
}

func sortResults(rs []result) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Scenario != rs[j].Scenario {
			return rs[i].Scenario < rs[j].Scenario
		}
		return rs[i].Seed < rs[j].Seed
	})
}

// JUnit XML, the format CI dashboards read: one test case per seed.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

func writeJUnit(path string, rs []result) error {
	suite := junitSuite{Name: "guildsim", Tests: len(rs)}
	var total int64
	for _, r := range rs {
		total += r.WallNS
		c := junitCase{
			Name: fmt.Sprintf("%s seed %d", r.Scenario, r.Seed), Classname: "guildsim." + r.Scenario,
			Time: fmt.Sprintf("%.3f", float64(r.WallNS)/1e9),
		}
		body := fmt.Sprintf("%s\n%sfingerprint %s\nversion: %s\nreplay: %s\n",
			r.failure(), r.firstViolation(), r.Fingerprint, r.Version, r.replayLine())
		switch {
		case r.Result == resultTestbed || r.Result == resultBadInput:
			suite.Errors++
			c.Error = &junitFailure{Message: r.failure(), Body: body}
		case r.failed():
			suite.Failures++
			c.Failure = &junitFailure{Message: r.failure(), Body: body}
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Time = fmt.Sprintf("%.3f", float64(total)/1e9)
	b, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{suite}}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), append(b, '\n')...), 0o644)
}

// writeReplay keeps a failing run's replay file.
func writeReplay(dir string, r result) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, replayName(r))
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// replayName is the name of r's replay file in a sweep's replays/.
func replayName(r result) string { return fmt.Sprintf("%s-%d.json", r.Scenario, r.Seed) }

// firstViolation is the first failing verdict's explanation, as a line
// (with its newline) for the JUnit failure body, or "".
func (r result) firstViolation() string {
	for _, v := range r.Verdicts {
		if v.Result != "Ok" && v.Detail != "" {
			return fmt.Sprintf("%s: %s: %s\n", v.Checker, v.Result, v.Detail)
		}
	}
	return ""
}

func printResultLine(w io.Writer, r result) {
	fmt.Fprintf(w, "%s seed %d: %s fingerprint %s events %d", r.Scenario, r.Seed, r.Result, r.Fingerprint, r.Events)
	if f := r.failure(); f != "" {
		fmt.Fprintf(w, " (%s)", f)
	}
	fmt.Fprintln(w)
	for _, b := range r.BeyondBudget {
		fmt.Fprintf(w, "  beyond budget: %s\n", b)
	}
}

// replayLine is the command that reruns r: the one recorded with it, or
// one made from its spec.
func (r result) replayLine() string {
	if r.Replay != "" {
		return r.Replay
	}
	return r.replayCommand()
}

// verdictWords lists the checkers that did not say Ok, or says all did.
func (r result) verdictWords() string {
	if w := r.failure(); w != "" {
		return w
	}
	return "every checker Ok"
}

// failure says in one line why the run failed: the error, or the checkers
// that did not say Ok.
func (r result) failure() string {
	if r.Error != "" {
		return r.Error
	}
	var bad []string
	for _, v := range r.Verdicts {
		if v.Result != "Ok" {
			bad = append(bad, v.Checker+" "+v.Result)
		}
	}
	return strings.Join(bad, ", ")
}
