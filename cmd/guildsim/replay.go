package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/sim"
)

const replayUsage = `usage: guildsim replay [--trace-around N [--trace-window W] [--trace-out F]]
                      [--stop-at-event N | --stop-at-time T] [--max-events N] FILE

Reruns a recorded run and says whether it is the same run, event for event
(same fingerprint, same outcome). FILE is a replay file (a failed run's
<report>/replay.json, a sweep's replays/<scenario>-<seed>.json, a line of
results.jsonl saved alone) or a report's summary.json.

--trace-around N writes the trace of events N-W..N+W only (W is
--trace-window, default 500) to trace-around-N.jsonl beside FILE (or
--trace-out F); the whole run still runs and is compared. --stop-at-event
and --stop-at-time stop the replay and print the world there, as run does
(written beside FILE; nothing is compared, exit 0).`

// replayRecord is what replay reads: the fields that replay files, results
// lines and reports' summary.json share.
type replayRecord struct {
	Scenario    string            `json:"scenario"`
	Seed        *seedNum          `json:"seed"` // a string; a number in files of older builds
	Options     map[string]string `json:"options"`
	MaxEvents   uint64            `json:"max_events"`
	Fingerprint string            `json:"fingerprint"`
	Result      string            `json:"result"`
	Verdicts    []verdict         `json:"verdicts"`
	Pass        *bool             `json:"pass"`   // reports' summary.json
	Passed      *bool             `json:"passed"` // reports' summary.json, schema 1
	Version     string            `json:"version"`
}

func cmdReplay(args []string, stdout, stderr io.Writer) int {
	var inc incidentFlags
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	inc.register(fs, true)
	if code, ok := parseFlags(fs, args, replayUsage, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "guildsim replay: want exactly one FILE: a replay file (replay.json, replays/*.json) or a summary.json")
		return exitUsage
	}
	if err := inc.validate(fs); err != nil {
		fmt.Fprintf(stderr, "guildsim replay: %v\n", err)
		return exitUsage
	}
	path := fs.Arg(0)
	want, err := readReplay(path)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim replay: %s: %v\n", path, err)
		return exitUsage
	}
	if inc.maxEvents != 0 {
		want.MaxEvents = inc.maxEvents
	}
	ro := runOptions{observe: scenarios.RunConfig{Stop: inc.stop()}}
	var window *traceWindow
	if inc.traceAround != 0 {
		if window, err = openTraceWindow(path, &inc); err != nil {
			fmt.Fprintf(stderr, "guildsim replay: --trace-out %s: %v\n", inc.traceOut, pathErr(err))
			return exitUsage
		}
		ro.observe.Trace, ro.observe.TraceFilter = window, window.filter
	}
	fmt.Fprintf(stdout, "replaying %s seed %d (recorded: %s, fingerprint %s)\n", want.Scenario, want.Seed, want.Result, want.Fingerprint)
	got := runOne(want.spec, ro)
	if window != nil {
		if code, ok := window.finish(got, stdout, stderr); !ok {
			return code
		}
	}
	if got.Result == resultStopped {
		fmt.Fprintln(stdout, "stopped before the end: the fingerprint is not compared")
		code := reportStop(got, filepath.Dir(path), "", stdout, stderr)
		if code == exitOK {
			fmt.Fprintln(stdout, stoppedLine)
		}
		return code
	}
	printResultLine(stdout, got)
	if got.Fingerprint != want.Fingerprint || got.Result != want.Result {
		fmt.Fprintf(stdout, "MISMATCH: recorded %s %s, replayed %s %s: the code changed since, or determinism broke\n",
			want.Result, want.Fingerprint, got.Result, got.Fingerprint)
		if want.Version != "" && want.Version != got.Version {
			fmt.Fprintf(stdout, "recorded by guildsim %s; this is guildsim %s\n", want.Version, got.Version)
		}
		return exitTestbed
	}
	fmt.Fprintln(stdout, "fingerprint matches: the same run, event for event")
	if got.failed() {
		fmt.Fprintf(stdout, "failure reproduced: %s\n", got.failure())
	}
	return exitCode([]result{got})
}

// readReplay reads a replay file into the result it recorded, or says
// what is missing or wrong.
func readReplay(path string) (result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return result{}, bareErr(err) // the caller names the file
	}
	var rec replayRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return result{}, fmt.Errorf("not a replay file: %v", err)
	}
	if rec.Scenario == "" || rec.Seed == nil || rec.Fingerprint == "" {
		return result{}, fmt.Errorf("not a replay file: no scenario, seed or fingerprint recorded")
	}
	r := result{
		spec:        spec{Scenario: rec.Scenario, Seed: *rec.Seed, Options: rec.Options, MaxEvents: rec.MaxEvents, fromFile: true},
		Fingerprint: rec.Fingerprint, Result: rec.Result, Verdicts: rec.Verdicts, Version: rec.Version,
	}
	pass := rec.Pass
	if pass == nil {
		pass = rec.Passed
	}
	if r.Result == "" && pass != nil {
		// summary.json says pass and the verdicts, not the result.
		r.Result = resultOK
		if !*pass {
			r.Result = failureClass(r.Verdicts)
		}
	}
	r.normalize()
	if err := r.check(); err != nil {
		return result{}, err
	}
	return r, nil
}

// traceWindow is replay's --trace-around: the trace of the events within
// --trace-window of event N, written to a file as the run goes (sim
// formats only the window's lines: a long run costs no more than it does
// untraced).
type traceWindow struct {
	f        *os.File
	path     string
	around   uint64
	from, to uint64
	lines    int
	filter   sim.TraceFilter
}

func openTraceWindow(replayPath string, inc *incidentFlags) (*traceWindow, error) {
	n, w := inc.traceAround, uint64(inc.traceWindow)
	tw := &traceWindow{path: inc.traceOut, around: n, from: max(1, n-min(n, w)), to: n + w}
	if tw.path == "" {
		tw.path = filepath.Join(filepath.Dir(replayPath), fmt.Sprintf("trace-around-%d.jsonl", n))
	}
	tw.filter = sim.TraceFilter{FromEvent: tw.from, ToEvent: tw.to}
	f, err := os.Create(tw.path)
	if err != nil {
		return nil, err
	}
	tw.f = f
	return tw, nil
}

func (tw *traceWindow) Write(b []byte) (int, error) {
	tw.lines++
	return tw.f.Write(b)
}

// finish closes the file and says what it holds; ok is false (with the
// exit code) when the window holds nothing: the run is shorter than N.
func (tw *traceWindow) finish(r result, stdout, stderr io.Writer) (code int, ok bool) {
	if err := tw.f.Close(); err != nil {
		fmt.Fprintf(stderr, "guildsim replay: writing %s: %v\n", tw.path, err)
		return exitTestbed, false
	}
	if tw.lines == 0 && r.Events < tw.from {
		os.Remove(tw.path)
		fmt.Fprintf(stderr, "guildsim replay: --trace-around %d: the run has only %d events, none within %d of it\n", tw.around, r.Events, tw.to-tw.around)
		return exitUsage, false
	}
	last := min(tw.to, r.Events)
	fmt.Fprintf(stdout, "trace: events %d..%d (%d lines) written to %s\n", tw.from, last, tw.lines, tw.path)
	return 0, true
}
