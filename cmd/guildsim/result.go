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
	"time"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/sim/demo"
)

// result is one run: a line of results.jsonl and, for a failure, the
// content of its replay file.
type result struct {
	Spec        spec   `json:"spec"`
	Result      string `json:"result"` // ok, stopped, testbed-failure
	Error       string `json:"error,omitempty"`
	Fingerprint string `json:"fingerprint"`
	Events      uint64 `json:"events"`
	SimulatedNS int64  `json:"simulated_ns"`
	WallNS      int64  `json:"wall_ns"`
	Replay      string `json:"replay,omitempty"`

	res demo.Result // the full result, for the run command's output
}

func (r result) failed() bool { return r.Result != "ok" && r.Result != "stopped" }

// runSpec runs one spec with extra world settings and a set-up hook.
func runSpec(s spec, cfg sim.Config, setup func(*sim.World)) result {
	o, err := s.options()
	if err != nil {
		return result{Spec: s, Result: "bad-input", Error: err.Error()}
	}
	if cfg.MaxEvents == 0 {
		cfg.MaxEvents = s.MaxEvents
	}
	start := time.Now()
	res, runErr := demo.RunConfig(o, cfg, setup)
	r := result{
		Spec: s, Result: "ok", Fingerprint: fmt.Sprintf("%016x", res.Fingerprint), Events: res.Events,
		SimulatedNS: int64(res.Elapsed), WallNS: time.Since(start).Nanoseconds(), res: res,
	}
	var stopped *sim.StoppedError
	switch {
	case runErr == nil:
	case errors.As(runErr, &stopped):
		r.Result = "stopped"
		r.Error = runErr.Error()
	default:
		r.Result = "testbed-failure"
		r.Error = runErr.Error()
		r.Replay = s.replayCommand()
	}
	return r
}

// exitCode maps results to the documented exit codes.
func exitCode(rs []result) int {
	code := exitOK
	for _, r := range rs {
		switch {
		case r.Result == "bad-input":
			return exitUsage
		case r.Result == "testbed-failure":
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
		rs = append(rs, r)
	}
	return rs, sc.Err()
}

func sortResults(rs []result) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Spec.Seed < rs[j].Spec.Seed })
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
			Name: fmt.Sprintf("%s seed %d", r.Spec.World, r.Spec.Seed), Classname: "guildsim." + r.Spec.World,
			Time: fmt.Sprintf("%.3f", float64(r.WallNS)/1e9),
		}
		body := fmt.Sprintf("%s\nfingerprint %s\nreplay: %s\n", r.Error, r.Fingerprint, r.Spec.replayCommand())
		switch {
		case r.Result == "testbed-failure" || r.Result == "bad-input":
			suite.Errors++
			c.Error = &junitFailure{Message: r.Error, Body: body}
		case r.failed():
			suite.Failures++
			c.Failure = &junitFailure{Message: r.Error, Body: body}
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
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.json", r.Spec.World, r.Spec.Seed))
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

func printResultLine(w io.Writer, r result) {
	fmt.Fprintf(w, "seed %d: %s fingerprint %s events %d", r.Spec.Seed, r.Result, r.Fingerprint, r.Events)
	if r.Error != "" {
		fmt.Fprintf(w, " (%s)", r.Error)
	}
	fmt.Fprintln(w)
}
