package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/guildsim/guildsim/reports"
	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/sim"
)

// defaultSeed and defaultScenario make `guildsim run` without flags
// reproducible.
const (
	defaultSeed     = 1
	defaultScenario = "chat-basic"
)

// replayFile is the replay file a failed run leaves in its report folder.
const replayFile = "replay.json"

const runUsage = `usage: guildsim run [--scenario NAME] [--seed N] [scenario options] [--out DIR] [--trace[=FILE]]
                    [--stop-at-event N | --stop-at-time T] [--max-events N]

Runs one scenario (default chat-basic) with one seed (default 1), prints the
seed, every option, a summary, the fingerprint and each checker's verdict,
and writes the report folder DIR/<scenario>-<seed>/ (with the scenario's
default options) or DIR/<scenario>-<seed>-<hash>/ (hash: 8 hex digits of
the options that differ from the defaults, so runs of other options never
share a folder): report.html, summary.json, the plots as SVG and PNG, and
on a failure replay.json and the line that replays the run. What an
earlier run of the same folder left (replay.json, trace.jsonl, plots,
Porcupine's pages, stop and trace-around files, artifacts/, replays/) is
removed first. An absent scenario option takes the scenario's default
(guildsim list). Instants in the output (faults, verdicts) count from the
world's start.

--stop-at-event N stops the run before event N (--stop-at-time T: before
the first event after T) and prints the world there: the event, the
deepest mailboxes, connections per gateway node, the faults on; it writes
stop-N.txt and stop-N-trace.jsonl (the last --trace-window events) into the
report folder, runs no checker, and exits 0.`

func cmdRun(args []string, stdout, stderr io.Writer) int {
	var (
		inc         incidentFlags
		given       scenarios.Options
		seed        uint64
		trace       traceFlag
		traceFilter string
		outDir      string
		scenario    string
		quiet       bool
	)
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&scenario, "scenario", defaultScenario, "scenario of the catalogue (guildsim list)")
	seed = defaultSeed
	fs.Var(seedFlag{&seed}, "seed", "root seed of the run (one seed, one run): 0 to 18446744073709551615")
	registerOptions(fs, &given)
	fs.Var(&trace, "trace", "write the JSON-lines trace: --trace into the report folder's trace.jsonl, --trace=FILE into FILE")
	fs.StringVar(&traceFilter, "trace-filter", "", "with --trace: keep the lines of these nodes and processes only, e.g. node=store-0,process=gateway/session (an unknown name is an error)")
	fs.StringVar(&outDir, "out", "guildsim-out", "report folder root: the report goes to DIR/<scenario>-<seed>/ (default options) or DIR/<scenario>-<seed>-<hash>/ (other options)")
	fs.BoolVar(&quiet, "quiet", false, "no progress lines on stderr")
	inc.register(fs, false)
	if code, ok := parseFlags(fs, args, runUsage, stdout, stderr); !ok {
		return code
	}
	specOf, err := worldSpec(fs, scenario, given)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim run: %v\n", err)
		return exitUsage
	}
	filter, err := parseTraceFilter(traceFilter)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim run: --trace-filter %q: %v\n", traceFilter, err)
		return exitUsage
	}
	if traceFilter != "" && !trace.on {
		fmt.Fprintf(stderr, "guildsim run: --trace-filter %q: without --trace there is no trace to filter (add --trace or --trace=FILE)\n", traceFilter)
		return exitUsage
	}
	s := specOf(seed)
	s.MaxEvents = inc.maxEvents
	o, _ := optionsFromMap(s.Options)
	if err := scenarios.CheckTraceFilter(o, filter); err != nil {
		fmt.Fprintf(stderr, "guildsim run: --trace-filter %q: %v\n", traceFilter, err)
		return exitUsage
	}
	if err := inc.validate(fs); err != nil {
		fmt.Fprintf(stderr, "guildsim run: %v\n", err)
		return exitUsage
	}
	// --trace=FILE is opened before the report folder is touched: a bad
	// path is bad input, and bad input writes no folder.
	var traceFile *os.File
	var tracePath string
	if trace.on && trace.path != "" {
		tracePath = trace.path
		if traceFile, err = os.Create(trace.path); err != nil {
			fmt.Fprintf(stderr, "guildsim run: --trace=%s: %v\n", trace.path, bareErr(err))
			return exitUsage
		}
		defer traceFile.Close()
	}
	dir := filepath.Join(outDir, reportDirName(s))
	if err := cleanOutputs(dir, runOutputs); err != nil {
		fmt.Fprintf(stderr, "guildsim run: --out %s: %v\n", outDir, err)
		return exitUsage
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "guildsim run: --out %s: cannot create the report folder: %v\n", outDir, pathErr(err))
		return exitUsage
	}
	if trace.on && trace.path == "" {
		path := filepath.Join(dir, "trace.jsonl")
		tracePath = path
		if traceFile, err = os.Create(path); err != nil {
			fmt.Fprintf(stderr, "guildsim run: --trace: %v\n", pathErr(err))
			return exitTestbed
		}
		defer traceFile.Close()
	}

	fmt.Fprintf(stdout, "SEED=%d\n", seed)
	ro := runOptions{observe: scenarios.RunConfig{ArtifactDir: dir, TraceFilter: filter, Series: true, Stop: inc.stop()}, tracePath: tracePath}
	if traceFile != nil {
		ro.observe.Trace = traceFile
	}
	if !quiet {
		ro.observe.Progress = newProgress(stderr, 2*time.Second).update
	}
	return runScenarioCmd(s, dir, ro, stdout, stderr)
}

// bareErr drops the operation and path of an *os.PathError, for a message
// that names the path already.
func bareErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// runOutputs are what a run writes into its report folder (glob
// patterns), removed before it writes: a folder must never show the
// replay.json or Porcupine page of an earlier failing run beside a
// passing one.
var runOutputs = []string{
	reports.RunHTMLFile, reports.SummaryFile, replayFile, "trace.jsonl",
	"*.svg", "*.png", "porcupine-*.html", "stop-*.txt", "stop-*-trace.jsonl", "trace-around-*.jsonl", replaysDir, artifactDir,
}

// reportDirName is the report folder of a run: <scenario>-<seed> with the
// scenario's default options, else <scenario>-<seed>-<hash>, the hash of
// the options that differ from the defaults: two runs of one seed with
// other options would otherwise overwrite each other's report (and
// --members 8, chat-basic's default, is the same run as no flag, and the
// same folder).
func reportDirName(s spec) string {
	base := fmt.Sprintf("%s-%d", s.Scenario, s.Seed)
	def, err := scenarios.ResolveFor(s.Scenario, uint64(s.Seed), scenarios.Options{})
	if err != nil {
		return base
	}
	defaults := optionsMap(def)
	var diff []string
	if s.MaxEvents != 0 {
		diff = append(diff, fmt.Sprintf("max-events=%d", s.MaxEvents))
	}
	for k, v := range s.Options {
		if defaults[k] != v {
			diff = append(diff, k+"="+v)
		}
	}
	if len(diff) == 0 {
		return base
	}
	slices.Sort(diff)
	h := fnv.New32a()
	for _, d := range diff {
		fmt.Fprintln(h, d)
	}
	return fmt.Sprintf("%s-%08x", base, h.Sum32())
}

// pathErr drops the operation and path from an *os.PathError, which the
// caller's message already names.
func pathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// progress prints a line on stderr at most every `every` of wall time:
// nothing for a short run, a heartbeat for a long one.
type progress struct {
	w     io.Writer
	start time.Time
	last  time.Time
	every time.Duration
}

func newProgress(w io.Writer, every time.Duration) *progress {
	now := time.Now()
	return &progress{w: w, start: now, last: now, every: every}
}

func (p *progress) update(pr scenarios.Progress) {
	now := time.Now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	pct := 0
	if pr.Total > 0 {
		pct = int(100 * pr.Elapsed / pr.Total)
	}
	fmt.Fprintf(p.w, "progress: %s of %s simulated (%d%%), %d events, %s wall\n",
		pr.Elapsed/sim.Second*sim.Second, pr.Total, pct, pr.Events, now.Sub(p.start).Round(time.Second))
}

// runScenarioCmd runs one scenario and seed, prints what it drew, a summary
// and every checker's verdict, and writes the report folder.
func runScenarioCmd(s spec, dir string, ro runOptions, stdout, stderr io.Writer) int {
	sc, _ := scenarios.Lookup(s.Scenario)
	fmt.Fprintf(stdout, "scenario: %s (%s)\n", s.Scenario, sc.Description)
	o, _ := optionsFromMap(s.Options)
	resolved, _ := scenarios.ResolveFor(s.Scenario, uint64(s.Seed), o)
	for _, l := range resolved.Lines() {
		fmt.Fprintf(stdout, "options: %s\n", l)
	}
	// Said once: every instant below counts from the world's start. The
	// schedule (--faults) alone counts from the safety phase's start, as
	// it is written before a run.
	safetyEnd := resolved.Warmup + resolved.Safety
	fmt.Fprintf(stdout, "times: +T counts from the world's start: warmup to +%s, safety phase (faults) +%s to +%s, liveness to +%s (--faults offsets count from +%s)\n",
		resolved.Warmup, resolved.Warmup, safetyEnd, safetyEnd+resolved.Liveness, resolved.Warmup)
	r := runOne(s, ro)
	if r.sc == nil { // a panic outside the world
		fmt.Fprintf(stdout, "result: TESTBED FAILURE: %s\nreplay: %s\n", r.Error, r.replayLine())
		return exitTestbed
	}
	res := *r.sc
	if res.Stopped != nil {
		code := reportStop(r, dir, ro.tracePath, stdout, stderr)
		if code == exitOK {
			fmt.Fprintln(stdout, stoppedLine)
		}
		return code
	}
	for _, f := range res.Faults {
		fmt.Fprintf(stdout, "fault: %s\n", f)
	}
	rep := reportOf(res, dir)
	rep.Version, rep.Replay = r.Version, r.replayLine()
	sum := reports.Summarize(rep, nil)
	lat := sum.Latency
	wall := time.Duration(r.WallNS)
	fmt.Fprintf(stdout, "events: %d   simulated: %s   wall: %s   (%.0f simulated s per wall s)\n",
		res.Events, res.Virtual, wall.Round(time.Millisecond), res.Virtual.Seconds()/wall.Seconds())
	fmt.Fprintf(stdout, "messages: %d sent, %d acknowledged, %d failed; %d deliveries\n", res.Sent, res.Acked, res.SendFailed, len(res.Deliveries))
	if len(res.Requests) > 0 {
		var parts []string
		for _, q := range res.Requests {
			parts = append(parts, fmt.Sprintf("%s %d (%d acknowledged, %d refused, %d unknown)", q.Kind, q.Sent, q.Acked, q.Refused, q.Unanswered))
		}
		fmt.Fprintf(stdout, "requests: %s\n", strings.Join(parts, "; "))
	}
	if len(res.Dispatches) > 0 {
		var parts []string
		for _, d := range res.Dispatches {
			parts = append(parts, fmt.Sprintf("%s %d", d.Name, d.Count))
		}
		fmt.Fprintf(stdout, "received: %s\n", strings.Join(parts, ", "))
	}
	if lat.Count > 0 {
		fmt.Fprintf(stdout, "delivery latency: p50 %s   p90 %s   p99 %s   max %s\n",
			us(lat.P50Ns), us(lat.P90Ns), us(lat.P99Ns), us(lat.MaxNs))
	}
	fmt.Fprintf(stdout, "fingerprint: %s\n", r.Fingerprint)
	fmt.Fprintln(stdout, buggifyLine(rep.Buggify))
	fmt.Fprintln(stdout, coverageLine(rep.Coverage))
	for _, b := range res.BeyondBudget {
		fmt.Fprintf(stdout, "beyond budget: %s\n", b)
	}
	for _, v := range res.Verdicts {
		line := fmt.Sprintf("%s: %s", v.Checker, v.Result)
		if v.Detail != "" {
			line += ": " + v.Detail
		}
		if v.Artifact != "" {
			line += " (see " + v.Artifact + ")"
		}
		fmt.Fprintln(stdout, line)
	}
	written, err := reports.WriteRun(dir, rep)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim run: writing the report: %v\n", err)
		return exitTestbed
	}
	fmt.Fprintf(stdout, "report: %s\n", written.HTML)
	if r.failed() {
		path := filepath.Join(dir, replayFile)
		if err := writeJSON(path, r); err != nil {
			fmt.Fprintf(stderr, "guildsim run: writing %s: %v\n", path, err)
			return exitTestbed
		}
		switch r.Result {
		case resultBeyond:
			fmt.Fprintf(stdout, "result: BEYOND BUDGET: %d faults of the schedule go beyond the system's fault budget (above); checkers: %s\n",
				len(r.BeyondBudget), r.verdictWords())
		case resultTestbed:
			fmt.Fprintf(stdout, "result: TESTBED FAILURE: %s\n", r.Error)
		case resultLiveness:
			fmt.Fprintf(stdout, "result: LIVENESS FAILED: %s\n", r.failure())
		default:
			fmt.Fprintf(stdout, "result: SAFETY FAILED: %s\n", r.failure())
		}
		fmt.Fprintf(stdout, "replay: %s\n", r.replayLine())
		fmt.Fprintf(stdout, "    or: go run ./cmd/guildsim replay %s\n", path)
		return exitCode([]result{r})
	}
	fmt.Fprintln(stdout, "result: ok")
	return exitOK
}

// us rounds nanoseconds to microseconds for printing.
func us(ns int64) time.Duration { return time.Duration(ns).Round(time.Microsecond) }

// reportOf turns a scenario result into the report's input.
func reportOf(res scenarios.Result, dir string) *reports.Run {
	r := &reports.Run{
		Scenario: res.Scenario, Seed: res.Seed, Fingerprint: fmt.Sprintf("%016x", res.Fingerprint),
		Options: optionsMap(res.Options), Events: int64(res.Events),
		Simulated: time.Duration(res.Virtual), Wall: res.Elapsed,
		Buggify: buggifyOf(res.Buggify), Coverage: coverageOf(res), BeyondBudget: res.BeyondBudget,
	}
	for _, v := range res.Verdicts {
		result := reports.ResultUnknown
		switch v.Result.String() {
		case "Ok":
			result = reports.ResultOK
		case "Illegal":
			result = reports.ResultIllegal
		}
		artifact := v.Artifact
		if rel, err := filepath.Rel(dir, artifact); artifact != "" && err == nil {
			artifact = filepath.ToSlash(rel)
		}
		rv := reports.Verdict{Checker: v.Checker, Result: result, Detail: v.Detail, Artifact: artifact}
		if v.At != 0 {
			rv.At = time.Duration(v.At.Sub(sim.DefaultStart))
		}
		r.Verdicts = append(r.Verdicts, rv)
	}
	for _, p := range res.Phases {
		r.Phases = append(r.Phases, reports.Phase{Name: p.Name, Start: time.Duration(p.Start), End: time.Duration(p.End)})
	}
	for _, at := range res.AckedAt {
		r.AckedAt = append(r.AckedAt, time.Duration(at))
	}
	for _, at := range res.FailedAt {
		r.FailedAt = append(r.FailedAt, time.Duration(at))
	}
	for _, e := range res.FaultLog {
		// The subject alone: the window, from the world's start, is Start
		// and End (Description's offset counts from the safety phase).
		fw := reports.FaultWindow{Description: e.Subject, Kind: string(e.Kind), Nodes: res.FaultNodes(e), Start: time.Duration(e.Start.Sub(sim.DefaultStart))}
		if e.End != 0 {
			fw.End = time.Duration(e.End.Sub(sim.DefaultStart))
		}
		r.Faults = append(r.Faults, fw)
	}
	for _, d := range res.Deliveries {
		r.Latencies = append(r.Latencies, reports.LatencySample{At: time.Duration(d.At), Latency: time.Duration(d.Latency)})
	}
	if len(res.Connected) > 0 {
		s := reports.Series{Name: "connected (as clients see it)"}
		for _, p := range res.Connected {
			s.Points = append(s.Points, reports.Point{At: time.Duration(p.At), Value: float64(p.Value)})
		}
		r.ConnectedClients = []reports.Series{s}
	}
	for _, m := range res.Mailboxes {
		s := reports.Series{Name: m.Name}
		for _, p := range m.Points {
			s.Points = append(s.Points, reports.Point{At: time.Duration(p.At), Value: float64(p.Value)})
		}
		r.MailboxDepths = append(r.MailboxDepths, s)
	}
	r.Counters = []reports.Counter{
		{Name: "messages sent", Value: int64(res.Sent)},
		{Name: "messages acknowledged", Value: int64(res.Acked)},
		{Name: "sends failed (rejected or timed out)", Value: int64(res.SendFailed)},
		{Name: "deliveries (first receipt per client)", Value: int64(len(res.Deliveries))},
		{Name: "fault events", Value: int64(len(res.FaultLog))},
	}
	for _, q := range res.Requests {
		r.Counters = append(r.Counters, reports.Counter{Name: q.Kind + " requests (acknowledged)", Value: int64(q.Acked)},
			reports.Counter{Name: q.Kind + " requests (sent)", Value: int64(q.Sent)})
	}
	for _, d := range res.Dispatches {
		r.Counters = append(r.Counters, reports.Counter{Name: d.Name + " received", Value: int64(d.Count)})
	}
	return r
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

// writeJSON writes v as indented JSON.
func writeJSON(path string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// traceFlag is --trace: alone (a boolean flag), the trace goes to the
// report folder's trace.jsonl; --trace=FILE writes it to FILE.
type traceFlag struct {
	on   bool
	path string
}

func (f *traceFlag) String() string {
	if f == nil || !f.on {
		return ""
	}
	if f.path == "" {
		return "true"
	}
	return f.path
}

func (f *traceFlag) Set(s string) error {
	switch s {
	case "true":
		f.on, f.path = true, ""
	case "false":
		f.on, f.path = false, ""
	case "":
		return fmt.Errorf("want --trace or --trace=FILE")
	default:
		f.on, f.path = true, s
	}
	return nil
}

// IsBoolFlag lets --trace stand alone.
func (f *traceFlag) IsBoolFlag() bool { return true }
