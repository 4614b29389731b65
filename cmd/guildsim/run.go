package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/sim/demo"
)

// defaultSeed makes `guildsim run` without flags reproducible.
const defaultSeed = 1

type durationFlag struct{ d *sim.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := sim.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 30s, 1m or 250ms")
	}
	*f.d = d
	return nil
}

type runFlags struct {
	seed        uint64
	duration    sim.Duration
	clients     int
	noFaults    bool
	noBuggify   bool
	tracePath   string
	traceFilter string
	stopEvent   uint64
	stopTime    sim.Duration
	maxEvents   uint64
	outDir      string
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	var f runFlags
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Uint64Var(&f.seed, "seed", defaultSeed, "root seed of the run (one seed, one run)")
	f.duration = 60 * sim.Second
	fs.Var(durationFlag{&f.duration}, "duration", "simulated time to run (default 60s)")
	fs.IntVar(&f.clients, "clients", 2600, "simulated users, between 1 and 1000000")
	fs.BoolVar(&f.noFaults, "no-faults", false, "turn the seed's fault schedule off")
	fs.BoolVar(&f.noBuggify, "no-buggify", false, "turn buggify points off")
	fs.StringVar(&f.tracePath, "trace", "", "write a JSON-lines trace to this file")
	fs.StringVar(&f.traceFilter, "trace-filter", "", "keep trace lines of these nodes/processes: node=a,node=b,process=session")
	fs.Uint64Var(&f.stopEvent, "stop-at-event", 0, "stop before event number N (0 = never)")
	fs.Var(durationFlag{&f.stopTime}, "stop-at-time", "stop at this simulated time (0 = never)")
	fs.Uint64Var(&f.maxEvents, "max-events", 0, "event budget (default 1e9)")
	fs.StringVar(&f.outDir, "out", "guildsim-out", "report folder root")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: guildsim run [flags]\n\nflags:")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return exitOK
		}
		fmt.Fprintf(stderr, "guildsim run: %v\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "guildsim run: unexpected argument %q: all options are flags (see guildsim run --help)\n", fs.Arg(0))
		return exitUsage
	}
	if f.clients < 1 || f.clients > demo.MaxClients {
		fmt.Fprintf(stderr, "guildsim run: --clients %d: must be between 1 and %d\n", f.clients, demo.MaxClients)
		return exitUsage
	}
	if f.duration <= 0 || f.duration > demo.MaxDuration {
		fmt.Fprintf(stderr, "guildsim run: --duration %s: must be between 1ns and %s\n", f.duration, demo.MaxDuration)
		return exitUsage
	}
	opts := demo.Options{Seed: f.seed, Clients: f.clients, Duration: f.duration, NoFaults: f.noFaults, NoBuggify: f.noBuggify}
	if err := opts.Validate(); err != nil {
		fmt.Fprintf(stderr, "guildsim run: --%s\n", err)
		return exitUsage
	}
	filter, err := parseTraceFilter(f.traceFilter)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim run: --trace-filter %q: %v\n", f.traceFilter, err)
		return exitUsage
	}
	if f.stopTime < 0 {
		fmt.Fprintf(stderr, "guildsim run: --stop-at-time %s: must not be negative\n", f.stopTime)
		return exitUsage
	}
	var trace *os.File
	if f.tracePath != "" {
		if trace, err = os.Create(f.tracePath); err != nil {
			fmt.Fprintf(stderr, "guildsim run: --trace: %v\n", err)
			return exitUsage
		}
		defer trace.Close()
	}

	fmt.Fprintf(stdout, "SEED=%d\n", f.seed)
	fmt.Fprintf(stdout, "world: demo, %d clients, %s simulated, faults=%v, buggify=%v\n", opts.Clients, opts.Duration, !opts.NoFaults, !opts.NoBuggify)
	cfg := sim.Config{StopAtEvent: f.stopEvent, StopAtTime: f.stopTime, MaxEvents: f.maxEvents}
	start := time.Now()
	res, runErr := demo.RunConfig(opts, cfg, func(w *sim.World) {
		if trace != nil {
			w.SetTrace(trace, filter)
		}
	})
	wall := time.Since(start)
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
	fmt.Fprintf(stdout, "fingerprint: %016x\n", res.Fingerprint)

	dir := filepath.Join(f.outDir, fmt.Sprintf("demo-%d", f.seed))
	if err := writeSummary(dir, f, res, runErr, wall); err != nil {
		fmt.Fprintf(stderr, "guildsim run: writing report: %v\n", err)
		return exitTestbed
	}
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(dir, "summary.json"))

	replay := fmt.Sprintf("go run ./cmd/guildsim run --seed %d --duration %s --clients %d", f.seed, opts.Duration, opts.Clients)
	if opts.NoFaults {
		replay += " --no-faults"
	}
	if opts.NoBuggify {
		replay += " --no-buggify"
	}
	var stopped *sim.StoppedError
	switch {
	case runErr == nil:
		fmt.Fprintln(stdout, "result: ok")
		return exitOK
	case errors.As(runErr, &stopped):
		fmt.Fprintf(stdout, "result: stopped as asked (%s)\n", stopped.Where)
		return exitOK
	default:
		fmt.Fprintf(stdout, "result: TESTBED FAILURE: %v\n", runErr)
		fmt.Fprintf(stdout, "replay: %s\n", replay)
		return exitTestbed
	}
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
	Schema       int            `json:"schema"`
	World        string         `json:"world"`
	Seed         uint64         `json:"seed"`
	Options      map[string]any `json:"options"`
	Events       uint64         `json:"events"`
	SimulatedNS  int64          `json:"simulated_ns"`
	WallNS       int64          `json:"wall_ns"`
	Fingerprint  string         `json:"fingerprint"`
	Result       string         `json:"result"`
	Error        string         `json:"error,omitempty"`
	Faults       []string       `json:"faults"`
	Stats        sim.Stats      `json:"stats"`
	ProcessesEnd int            `json:"processes_end"`
}

func writeSummary(dir string, f runFlags, res demo.Result, runErr error, wall time.Duration) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s := summary{
		Schema: 1, World: "demo", Seed: f.seed,
		Options: map[string]any{
			"duration": f.duration.String(), "clients": f.clients, "faults": !f.noFaults, "buggify": !f.noBuggify,
		},
		Events: res.Events, SimulatedNS: int64(res.Elapsed), WallNS: wall.Nanoseconds(),
		Fingerprint: fmt.Sprintf("%016x", res.Fingerprint), Result: "ok", Faults: res.Faults,
		Stats: res.Stats, ProcessesEnd: res.Processes,
	}
	if runErr != nil {
		s.Result = "testbed-failure"
		var stopped *sim.StoppedError
		if errors.As(runErr, &stopped) {
			s.Result = "stopped"
		}
		s.Error = runErr.Error()
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
