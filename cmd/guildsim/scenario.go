package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/guildsim/guildsim/reports"
	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/scenarios/check"
	"github.com/guildsim/guildsim/sim"
)

// runScenario runs one scenario of the catalogue with one seed, prints what
// it drew and every checker's verdict, and writes the report folder.
func runScenario(name string, seed uint64, outDir string, stdout, stderr io.Writer) int {
	if _, err := scenarios.Lookup(name); err != nil {
		fmt.Fprintln(stderr, err.Error())
		return exitUsage
	}
	fmt.Fprintf(stdout, "SEED=%d\n", seed)
	res := scenarios.Run(name, seed, scenarios.Options{})
	fmt.Fprint(stdout, res.String())
	replay := fmt.Sprintf("go run ./cmd/guildsim run --scenario %s --seed %d", name, seed)

	dir := filepath.Join(outDir, fmt.Sprintf("%s-%d", name, seed))
	rep, err := reports.WriteRun(dir, reportOf(res))
	if err != nil {
		fmt.Fprintf(stderr, "guildsim run: %v\n", err)
		return exitTestbed
	}
	fmt.Fprintf(stdout, "report: %s\n", rep.HTML)
	if res.Err != nil {
		fmt.Fprintf(stdout, "result: TESTBED FAILURE: %v\nreplay: %s\n", res.Err, replay)
		return exitTestbed
	}
	if !res.Ok() {
		fmt.Fprintf(stdout, "result: CHECKER FAILED\nreplay: %s\n", replay)
		return exitCheck
	}
	fmt.Fprintln(stdout, "result: ok")
	return exitOK
}

// reportOf turns a scenario result into the report's input.
func reportOf(res scenarios.Result) *reports.Run {
	r := &reports.Run{
		Scenario: res.Scenario, Seed: res.Seed, Fingerprint: fmt.Sprintf("%016x", res.Fingerprint),
		Options: map[string]string{}, Events: int64(res.Events),
		Simulated: time.Duration(res.Virtual), Wall: res.Elapsed,
	}
	for _, line := range res.Options.Lines() {
		for _, kv := range strings.Fields(line) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				r.Options[k] = v
			}
		}
	}
	for _, v := range res.Verdicts {
		result := reports.ResultUnknown
		switch v.Result {
		case check.Ok:
			result = reports.ResultOK
		case check.Illegal:
			result = reports.ResultIllegal
		}
		r.Verdicts = append(r.Verdicts, reports.Verdict{Checker: v.Checker, Result: result, Detail: v.Detail, Artifact: v.Artifact})
	}
	for _, e := range res.FaultLog {
		fw := reports.FaultWindow{Description: e.Description, Start: time.Duration(e.Start.Sub(sim.DefaultStart))}
		if e.End != 0 {
			fw.End = time.Duration(e.End.Sub(sim.DefaultStart))
		}
		r.Faults = append(r.Faults, fw)
	}
	for _, d := range res.Deliveries {
		r.Latencies = append(r.Latencies, reports.LatencySample{At: time.Duration(d.At), Latency: time.Duration(d.Latency)})
	}
	r.Counters = []reports.Counter{{Name: "deliveries", Value: int64(len(res.Deliveries))}, {Name: "fault events", Value: int64(len(res.FaultLog))}}
	return r
}
