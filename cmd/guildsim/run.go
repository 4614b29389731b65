package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/guildsim/guildsim/sim"
)

// defaultSeed makes `guildsim run` without flags reproducible.
const defaultSeed = 1

func cmdRun(args []string, stdout, stderr io.Writer) int {
	var (
		wf          worldFlags
		seed        uint64
		tracePath   string
		traceFilter string
		stopEvent   uint64
		stopTime    sim.Duration
		outDir      string
		scenario    string
	)
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.Uint64Var(&seed, "seed", defaultSeed, "root seed of the run (one seed, one run)")
	wf.register(fs)
	fs.StringVar(&tracePath, "trace", "", "write a JSON-lines trace to this file")
	fs.StringVar(&traceFilter, "trace-filter", "", "keep trace lines of these nodes/processes: node=a,node=b,process=session")
	fs.Uint64Var(&stopEvent, "stop-at-event", 0, "stop before event number N (0 = never)")
	fs.Var(durationFlag{&stopTime}, "stop-at-time", "stop at this simulated time (0 = never)")
	fs.StringVar(&outDir, "out", "guildsim-out", "report folder root")
	fs.StringVar(&scenario, "scenario", "", "run a scenario of the catalogue (guildsim list) instead of the demo world; writes report.html")
	if code, ok := parseFlags(fs, args, "usage: guildsim run [flags]", stdout, stderr); !ok {
		return code
	}
	if scenario != "" {
		return runScenario(scenario, seed, outDir, stdout, stderr)
	}
	if err := wf.validate(); err != nil {
		fmt.Fprintf(stderr, "guildsim run: %v\n", err)
		return exitUsage
	}
	filter, err := parseTraceFilter(traceFilter)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim run: --trace-filter %q: %v\n", traceFilter, err)
		return exitUsage
	}
	if stopTime < 0 {
		fmt.Fprintf(stderr, "guildsim run: --stop-at-time %s: must not be negative\n", stopTime)
		return exitUsage
	}
	var trace *os.File
	if tracePath != "" {
		if trace, err = os.Create(tracePath); err != nil {
			fmt.Fprintf(stderr, "guildsim run: --trace: %v\n", err)
			return exitUsage
		}
		defer trace.Close()
	}

	s := wf.spec(seed)
	fmt.Fprintf(stdout, "SEED=%d\n", seed)
	fmt.Fprintf(stdout, "world: demo, %d clients, %s simulated, faults=%v, buggify=%v\n", s.Clients, s.Duration, s.Faults, s.Buggify)
	r := runSpec(s, sim.Config{StopAtEvent: stopEvent, StopAtTime: stopTime}, func(w *sim.World) {
		if trace != nil {
			w.SetTrace(trace, filter)
		}
	})
	res := r.res
	wall := time.Duration(r.WallNS)
	for _, fault := range res.Faults {
		fmt.Fprintf(stdout, "fault: %s\n", fault)
	}
	fmt.Fprintf(stdout, "events: %d\n", res.Events)
	fmt.Fprintf(stdout, "simulated: %s   wall: %s   (%.1f simulated s per wall s, %.2f M events/s)\n",
		res.Elapsed, wall.Round(time.Millisecond), res.Elapsed.Seconds()/wall.Seconds(), float64(res.Events)/wall.Seconds()/1e6)
	st := res.Stats
	fmt.Fprintf(stdout, "processes: %d live, %d spawned, %d exited; crashes %d, link breaks %d, stream timeouts %d\n",
		res.Processes, st.Spawns, st.Exits, st.Crashes, st.LinkBreaks, st.StreamTimeouts)
	fmt.Fprintf(stdout, "traffic: %d process messages, %d stream segments, %d datagrams (%d lost)\n",
		st.DistMessages, st.StreamSegments, st.Datagrams, st.DatagramsLost)
	fmt.Fprintf(stdout, "fingerprint: %s\n", r.Fingerprint)

	dir := filepath.Join(outDir, fmt.Sprintf("demo-%d", seed))
	if err := writeSummary(dir, r); err != nil {
		fmt.Fprintf(stderr, "guildsim run: writing report: %v\n", err)
		return exitTestbed
	}
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(dir, "summary.json"))
	switch r.Result {
	case "ok":
		fmt.Fprintln(stdout, "result: ok")
	case "stopped":
		fmt.Fprintf(stdout, "result: stopped as asked (%s)\n", strings.TrimPrefix(r.Error, "sim: stopped as configured "))
	default:
		fmt.Fprintf(stdout, "result: TESTBED FAILURE: %s\n", r.Error)
		fmt.Fprintf(stdout, "replay: %s\n", r.Replay)
	}
	return exitCode([]result{r})
}

func parseTraceFilter(s string) (sim.TraceFilter, error) {
	var f sim.TraceFilter
	if s == "" {
		return f, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || v == "" {
			return f, fmt.Errorf("%q: want node=NAME or process=NAME", part)
		}
		switch k {
		case "node":
			f.Nodes = append(f.Nodes, v)
		case "process", "proc":
			f.Processes = append(f.Processes, v)
		default:
			return f, fmt.Errorf("%q: unknown key %q, want node or process", part, k)
		}
	}
	return f, nil
}

// summary is summary.json: a stable, documented schema (see README).
type summary struct {
	Schema       int       `json:"schema"`
	World        string    `json:"world"`
	Seed         uint64    `json:"seed"`
	Options      spec      `json:"options"`
	Events       uint64    `json:"events"`
	SimulatedNS  int64     `json:"simulated_ns"`
	WallNS       int64     `json:"wall_ns"`
	Fingerprint  string    `json:"fingerprint"`
	Result       string    `json:"result"`
	Error        string    `json:"error,omitempty"`
	Replay       string    `json:"replay,omitempty"`
	Faults       []string  `json:"faults"`
	Stats        sim.Stats `json:"stats"`
	ProcessesEnd int       `json:"processes_end"`
}

func writeSummary(dir string, r result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s := summary{
		Schema: 1, World: r.Spec.World, Seed: r.Spec.Seed, Options: r.Spec,
		Events: r.Events, SimulatedNS: r.SimulatedNS, WallNS: r.WallNS,
		Fingerprint: r.Fingerprint, Result: r.Result, Error: r.Error, Replay: r.Replay,
		Faults: r.res.Faults, Stats: r.res.Stats, ProcessesEnd: r.res.Processes,
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "summary.json"), b.Bytes(), 0o644)
}
