package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/sim"
)

// incidentFlags are the incident tools of run and replay: stop points, an
// event budget, and (replay) the trace of a window of events.
type incidentFlags struct {
	stopEvent   uint64
	stopTime    sim.Duration
	maxEvents   uint64
	traceWindow int
	traceAround uint64 // replay only
	traceOut    string // replay only
}

// defaultTraceWindow is --trace-window's default: the events kept before a
// stop, and the half-width of replay's --trace-around.
const defaultTraceWindow = 500

// maxTraceWindow bounds --trace-window (a window is held in memory).
const maxTraceWindow = 1_000_000

func (f *incidentFlags) register(fs *flag.FlagSet, replay bool) {
	fs.Uint64Var(&f.stopEvent, "stop-at-event", 0, "stop before event `N` (as \"ev\" in the trace) and print the world there; no checker runs")
	fs.Var(durationFlag{&f.stopTime}, "stop-at-time", "stop before the first event after simulated `TIME` (e.g. 12.5s) and print the world there; no checker runs")
	fs.Uint64Var(&f.maxEvents, "max-events", 0, "event budget `N` of the run (default 1e9): a run that uses it up is a testbed failure (exit 3)")
	if replay {
		fs.Uint64Var(&f.traceAround, "trace-around", 0, "write the trace of the events within --trace-window of event `N` only")
		fs.StringVar(&f.traceOut, "trace-out", "", "file for --trace-around (default: trace-around-N.jsonl beside FILE)")
		fs.IntVar(&f.traceWindow, "trace-window", defaultTraceWindow, "events on each side of --trace-around N, and kept before a stop")
	} else {
		fs.IntVar(&f.traceWindow, "trace-window", defaultTraceWindow, "events of trace kept before a stop (written to stop-N-trace.jsonl)")
	}
}

// validate names the flag that is out of range.
func (f *incidentFlags) validate(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	switch {
	case set["stop-at-event"] && f.stopEvent == 0:
		return fmt.Errorf("--stop-at-event 0: must be at least 1 (events are numbered from 1, as \"ev\" in the trace)")
	case set["stop-at-time"] && f.stopTime <= 0:
		return fmt.Errorf("--stop-at-time %s: must be positive", f.stopTime)
	case set["stop-at-event"] && set["stop-at-time"]:
		return fmt.Errorf("--stop-at-event and --stop-at-time: give one stop point")
	case set["max-events"] && f.maxEvents == 0:
		return fmt.Errorf("--max-events 0: must be at least 1")
	case f.traceWindow < 1 || f.traceWindow > maxTraceWindow:
		return fmt.Errorf("--trace-window %d: must be between 1 and %d", f.traceWindow, maxTraceWindow)
	case set["trace-around"] && f.traceAround == 0:
		return fmt.Errorf("--trace-around 0: must be at least 1 (events are numbered from 1)")
	case set["trace-out"] && !set["trace-around"]:
		return fmt.Errorf("--trace-out: only with --trace-around N")
	}
	return nil
}

// stopping says whether a stop point is set.
func (f *incidentFlags) stopping() bool { return f.stopEvent != 0 || f.stopTime != 0 }

// stop is the scenarios' form of the stop points.
func (f *incidentFlags) stop() scenarios.Stop {
	return scenarios.Stop{AtEvent: f.stopEvent, AtTime: f.stopTime, TraceTail: f.traceWindow}
}

// stoppedLine ends the output of a run stopped as asked.
const stoppedLine = "result: stopped as asked (exit 0); no checker judged this prefix of the run"

// reportStop prints a stopped run and writes, into dir, the printout
// (stop-N.txt) and the trace of the last events before the stop
// (stop-N-trace.jsonl), N being the event the run stopped before.
func reportStop(r result, dir string, fullTrace string, stdout, stderr io.Writer) int {
	st := r.sc.Stopped
	var b bytes.Buffer
	printStop(&b, r, st)
	n := st.Events + 1
	tracePath := filepath.Join(dir, fmt.Sprintf("stop-%d-trace.jsonl", n))
	textPath := filepath.Join(dir, fmt.Sprintf("stop-%d.txt", n))
	if len(st.Trace) > 0 {
		fmt.Fprintf(&b, "  trace of events %d..%d (the last %d before the stop): %s\n", st.TraceFrom, st.Events, st.Events-st.TraceFrom+1, tracePath)
	} else {
		fmt.Fprintf(&b, "  trace: no line before the stop (the trace filter kept none)\n")
	}
	if fullTrace != "" {
		fmt.Fprintf(&b, "  trace from the start to the stop: %s\n", fullTrace)
	}
	fmt.Fprintf(&b, "  this stop again: %s --stop-at-event %d\n", r.replayCommand(), n)
	fmt.Fprintf(&b, "  the run on from here, judged: %s\n", r.replayCommand())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "guildsim: writing the stop: %v\n", pathErr(err))
		return exitTestbed
	}
	if len(st.Trace) > 0 {
		if err := os.WriteFile(tracePath, st.Trace, 0o644); err != nil {
			fmt.Fprintf(stderr, "guildsim: writing %s: %v\n", tracePath, pathErr(err))
			return exitTestbed
		}
	}
	if err := os.WriteFile(textPath, b.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "guildsim: writing %s: %v\n", textPath, pathErr(err))
		return exitTestbed
	}
	stdout.Write(b.Bytes())
	fmt.Fprintf(stdout, "printout: %s\n", textPath)
	return exitOK
}

// printStop prints what an engineer asks first at a stop.
func printStop(w io.Writer, r result, st *scenarios.StopReport) {
	fmt.Fprintf(w, "stopped: %s seed %d before event %d, at %s since the start (virtual time %s)\n",
		r.Scenario, r.Seed, st.Events+1, st.Elapsed, trueTime(st.Now))
	fmt.Fprintf(w, "  the checkers do not judge a stopped run: a prefix of a history looks like lost messages and clients that never came back\n")
	fmt.Fprintf(w, "  phase: %s\n", st.Phase)
	fmt.Fprintf(w, "  events run: %d   fingerprint of this prefix: %016x\n", st.Events, st.Fingerprint)
	if st.HaveNext {
		fmt.Fprintf(w, "  next event: %s\n", st.Next)
	} else {
		fmt.Fprintf(w, "  next event: none (the queue is empty)\n")
	}
	if len(st.Mailboxes) == 0 {
		fmt.Fprintf(w, "  busiest mailboxes: every mailbox is empty\n")
	} else {
		fmt.Fprintf(w, "  busiest mailboxes (messages waiting):\n")
		for _, m := range st.Mailboxes {
			fmt.Fprintf(w, "    %6d  %s/%s\n", m.Depth, m.Node, m.Process)
		}
	}
	var gws []string
	for _, g := range st.Gateways {
		s := fmt.Sprintf("%s %d", g.Node, g.Conns)
		if !g.Up {
			s += " (down)"
		}
		gws = append(gws, s)
	}
	fmt.Fprintf(w, "  client connections per gateway node (as the gateway sees them): %s\n", strings.Join(gws, ", "))
	if len(st.DownNodes) > 0 {
		fmt.Fprintf(w, "  nodes down: %s\n", strings.Join(st.DownNodes, ", "))
	}
	if len(st.ActiveFaults) == 0 {
		fmt.Fprintf(w, "  faults on: none\n")
	} else {
		fmt.Fprintf(w, "  faults on (%d):\n", len(st.ActiveFaults))
		for _, e := range st.ActiveFaults {
			fmt.Fprintf(w, "    +%s: %s\n", e.Start.Sub(sim.DefaultStart), e.Subject)
		}
	}
	for i, e := range st.RecentFaults {
		if i == 0 {
			fmt.Fprintf(w, "  faults over most recently:\n")
		}
		// From the world's start, as the run's own fault lines and the
		// verdicts count.
		line := fmt.Sprintf("    +%s", e.Start.Sub(sim.DefaultStart))
		if e.End != 0 {
			line += fmt.Sprintf(" to +%s", e.End.Sub(sim.DefaultStart))
		}
		fmt.Fprintln(w, line+": "+e.Subject)
	}
}

// trueTime prints a virtual instant as the world's UTC date (it starts at
// sim.DefaultStart, 2026-01-01T00:00:00Z): what a log line of the real
// system would carry.
func trueTime(t sim.Time) string {
	return time.Unix(0, int64(t)).UTC().Format(time.RFC3339Nano)
}
