package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"errors"
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
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/sim/demo"
)

// result is one run: a line of results.jsonl and, for a failure, the
// content of its replay file.
type result struct {
	spec
	Fingerprint string `json:"fingerprint"`
	Events      uint64 `json:"events"`
	SimulatedNS int64  `json:"simulated_ns"`
	WallNS      int64  `json:"wall_ns"`
	// Verdicts are the checkers' verdicts in the scenario's order (none for
	// the demo world, which has no checkers).
	Verdicts []verdict `json:"verdicts,omitempty"`
	// Buggify is what buggify did, in runs that had it on (--buggify or
	// swarm's draw): a sweep sums it per site.
	Buggify *reports.BuggifySummary `json:"buggify,omitempty"`
	OK      bool                    `json:"ok"`
	// Result is ok, checker-failed (a verdict Illegal or Unknown),
	// testbed-failure, stopped (the demo world's --stop-at-*) or bad-input.
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
	Replay string `json:"replay,omitempty"`

	sc   *scenarios.Result // the full result, for the run command's report
	demo demo.Result
}

type verdict struct {
	Checker string `json:"checker"`
	Result  string `json:"result"` // Ok, Illegal, Unknown
	Detail  string `json:"detail,omitempty"`
}

// Results, as in results.jsonl.
const (
	resultOK       = "ok"
	resultFailed   = "checker-failed"
	resultTestbed  = "testbed-failure"
	resultStopped  = "stopped"
	resultBadInput = "bad-input"
)

func (r result) failed() bool { return r.Result != resultOK && r.Result != resultStopped }

// runOptions are how a run is observed; they never change its fingerprint.
type runOptions struct {
	sim     sim.Config       // demo world: stop points, event budget
	setup   func(*sim.World) // demo world: trace
	observe scenarios.RunConfig
}

// runOne runs one spec. A panic anywhere in the run (a bug in the testbed
// outside sim's own recovery) becomes a testbed failure of this seed, not
// a crash of the whole sweep.
func runOne(s spec, ro runOptions) (r result) {
	if err := s.check(); err != nil {
		return result{spec: s, Result: resultBadInput, Error: err.Error()}
	}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			r = result{spec: s, Result: resultTestbed, Error: fmt.Sprintf("panic: %v", p), Replay: s.replayCommand(), WallNS: time.Since(start).Nanoseconds()}
		}
	}()
	if s.Scenario == demoWorld {
		return runDemo(s, ro, start)
	}
	o, _ := optionsFromMap(s.Options)
	res := scenarios.RunWith(s.Scenario, s.Seed, o, ro.observe)
	s.Options = optionsMap(res.Options)
	r = result{
		spec: s, Fingerprint: fmt.Sprintf("%016x", res.Fingerprint), Events: res.Events,
		SimulatedNS: int64(res.Virtual), WallNS: time.Since(start).Nanoseconds(), sc: &res,
	}
	if res.Buggify.Enabled {
		b := buggifyOf(res.Buggify)
		r.Buggify = &b
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
	case !res.Ok():
		r.Result = resultFailed
	default:
		r.Result, r.OK = resultOK, true
	}
	if r.failed() {
		r.Replay = s.replayCommand()
	}
	return r
}

// runDemo runs sim's demo world.
func runDemo(s spec, ro runOptions, start time.Time) result {
	o, _ := s.demoOptions()
	cfg := ro.sim
	if cfg.MaxEvents == 0 {
		cfg.MaxEvents = s.Demo.MaxEvents
	}
	res, runErr := demo.RunConfig(o, cfg, ro.setup)
	r := result{
		spec: s, Result: resultOK, OK: true, Fingerprint: fmt.Sprintf("%016x", res.Fingerprint), Events: res.Events,
		SimulatedNS: int64(res.Elapsed), WallNS: time.Since(start).Nanoseconds(), demo: res,
	}
	var stopped *sim.StoppedError
	switch {
	case runErr == nil:
	case errors.As(runErr, &stopped):
		r.Result, r.Error = resultStopped, runErr.Error()
	default:
		r.Result, r.OK, r.Error = resultTestbed, false, runErr.Error()
		r.Replay = s.replayCommand()
	}
	return r
}

// exitCode maps results to the documented exit codes: bad input first,
// then a testbed failure, then a checker failure.
func exitCode(rs []result) int {
	code := exitOK
	for _, r := range rs {
		switch {
		case r.Result == resultBadInput:
			return exitUsage
		case r.Result == resultTestbed:
			code = exitTestbed
		case r.failed() && code == exitOK:
			code = exitCheck
		}
	}
	return code
}

func writeJSONLines(path string, rs []result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
		body := fmt.Sprintf("%s\nfingerprint %s\nreplay: %s\n", r.failure(), r.Fingerprint, r.replayLine())
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
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.json", r.Scenario, r.Seed))
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

func printResultLine(w io.Writer, r result) {
	fmt.Fprintf(w, "%s seed %d: %s fingerprint %s events %d", r.Scenario, r.Seed, r.Result, r.Fingerprint, r.Events)
	if f := r.failure(); f != "" {
		fmt.Fprintf(w, " (%s)", f)
	}
	fmt.Fprintln(w)
}

// replayLine is the command that reruns r: the one recorded with it, or
// one made from its spec.
func (r result) replayLine() string {
	if r.Replay != "" {
		return r.Replay
	}
	return r.replayCommand()
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
