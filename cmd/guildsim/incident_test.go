package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/scenarios/check"
	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

// swarm5 is the README's incident: swarm seed 5 with a periodic commit log
// loses acknowledged messages when store nodes crash.
var swarm5 = []string{"--scenario", "swarm", "--seed", "5", "--store-sync", "periodic", "--quiet"}

// swarm5Decisive is the event bisect names for swarm5: the start of the
// crash of store-0 at 13.85 s (TestBisectFindsTheDecisiveEvent checks
// the claim without bisect).
const swarm5Decisive = 2147

// swarm5Dir is swarm5's report folder: swarm-5-<hash of its options>.
func swarm5Dir() string {
	return reportDirName(spec{Scenario: "swarm", Seed: 5, Options: map[string]string{"store-sync": "periodic"}})
}

func prefixFingerprint(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`fingerprint of this prefix: ([0-9a-f]{16})`).FindStringSubmatch(out)
	require.NotNil(t, m, "no prefix fingerprint in:\n%s", out)
	return m[1]
}

// traceEvents reads the "ev" of every line of a trace file.
func traceEvents(t *testing.T, path string) []uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var evs []uint64
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		m := regexp.MustCompile(`^\{"ev":(\d+),`).FindStringSubmatch(l)
		require.NotNil(t, m, "not a trace line: %s", l)
		ev, _ := strconv.ParseUint(m[1], 10, 64)
		evs = append(evs, ev)
	}
	return evs
}

// TestStopAtEventPrintsEventN: run --stop-at-event N stops before event N
// and prints it, the deepest mailboxes, connections per gateway node and
// the faults on; it writes the printout and the last --trace-window events
// of trace, no report and no verdict; twice, it prints the same thing.
func TestStopAtEventPrintsEventN(t *testing.T) {
	dir := t.TempDir()
	args := append([]string{"run", "--out", dir, "--stop-at-event", strconv.Itoa(swarm5Decisive), "--trace-window", "200"}, swarm5...)
	code, out, errs := runCLI(t, args...)
	require.Equal(t, exitOK, code, errs)
	for _, want := range []string{
		"stopped: swarm seed 5 before event 2147, at 13.",
		"phase: safety (5s to 35s: faults on)",
		"events run: 2146 ",
		"next event: #2147 at 13.851855761s: call (fault-start crash store-0",
		"busiest mailboxes",
		"client connections per gateway node (as the gateway sees them): gateway-0 ",
		"faults on (4):\n    +12.274269091s: partition-oneway gateway-1 -> store-0\n",
		"the checkers do not judge a stopped run",
		"result: stopped as asked (exit 0)",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "porcupine:", "no checker judges a prefix")
	report := filepath.Join(dir, swarm5Dir())
	require.NoFileExists(t, filepath.Join(report, "report.html"))
	require.NoFileExists(t, filepath.Join(report, "replay.json"))
	text, err := os.ReadFile(filepath.Join(report, "stop-2147.txt"))
	require.NoError(t, err)
	require.Contains(t, out, string(text), "the printout file holds what was printed")
	evs := traceEvents(t, filepath.Join(report, "stop-2147-trace.jsonl"))
	require.Equal(t, uint64(2146), evs[len(evs)-1], "the trace ends with the last event run")
	for _, ev := range evs {
		require.True(t, ev >= 1947 && ev <= 2146, "event %d outside the last 200 before the stop", ev)
	}

	code, again, _ := runCLI(t, args...)
	require.Equal(t, exitOK, code)
	require.Equal(t, out, again, "the same stop twice prints the same world")
	code, later, _ := runCLI(t, append([]string{"run", "--out", dir, "--stop-at-event", "2148"}, swarm5...)...)
	require.Equal(t, exitOK, code)
	require.NotEqual(t, prefixFingerprint(t, out), prefixFingerprint(t, later))
}

// TestStopAtTimeAndWithFullTrace: --stop-at-time T runs every event up to
// T; with --trace the whole trace up to the stop is written too, and it
// ends where the stop's trace ends.
func TestStopAtTimeAndWithFullTrace(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, append([]string{"run", "--out", dir, "--stop-at-time", "12.5s", "--trace"}, swarm5...)...)
	require.Equal(t, exitOK, code, errs)
	m := regexp.MustCompile(`stopped: swarm seed 5 before event (\d+), at (\S+) since the start`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	at, err := sim.ParseDuration(m[2])
	require.NoError(t, err)
	require.LessOrEqual(t, at, 12500*sim.Millisecond)
	next := regexp.MustCompile(`next event: #` + m[1] + ` at (\S+):`).FindStringSubmatch(out)
	require.NotNil(t, next, out)
	nextAt, err := sim.ParseDuration(next[1])
	require.NoError(t, err)
	require.Greater(t, nextAt, 12500*sim.Millisecond)
	full := traceEvents(t, filepath.Join(dir, swarm5Dir(), "trace.jsonl"))
	n, _ := strconv.ParseUint(m[1], 10, 64)
	require.Equal(t, n-1, full[len(full)-1])
	require.Equal(t, uint64(1), full[0])
	require.Contains(t, out, "trace from the start to the stop: "+filepath.Join(dir, swarm5Dir(), "trace.jsonl"))
}

// TestMaxEventsIsTestbedFailure: a budget used up is exit 3 with one
// reason line, and its replay line and replay file carry the budget.
func TestMaxEventsIsTestbedFailure(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, append([]string{"run", "--out", dir, "--max-events", "300"}, fast...)...)
	require.Equal(t, exitTestbed, code)
	lines := regexp.MustCompile(`(?m)^result: .*$`).FindAllString(out, -1)
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "result: TESTBED FAILURE: sim: event budget of 300 events used up (seed=1 event=300")
	require.Contains(t, out, "replay: go run ./cmd/guildsim run --scenario chat-basic --seed 1")
	require.Contains(t, out, "--max-events 300\n")
	code, rout, errs := runCLI(t, "replay", filepath.Join(reportDirOf(t, out), "replay.json"))
	require.Equal(t, exitTestbed, code, errs)
	require.Contains(t, rout, "fingerprint matches")
}

// TestReplayTraceAround: replay --trace-around N writes only events within
// the window (both ends reached), still compares the whole run, and a
// replay stopped at an event prints what run printed there.
func TestReplayTraceAround(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, append([]string{"run", "--out", dir}, swarm5...)...)
	require.Equal(t, exitSafety, code)
	replay := filepath.Join(dir, swarm5Dir(), "replay.json")
	require.FileExists(t, replay)

	code, rout, errs := runCLI(t, "replay", "--trace-around", "3000", "--trace-window", "100", replay)
	require.Equal(t, exitSafety, code, errs)
	require.Contains(t, rout, "fingerprint matches")
	path := filepath.Join(dir, swarm5Dir(), "trace-around-3000.jsonl")
	require.Contains(t, rout, "trace: events 2900..3100 (")
	require.Contains(t, rout, "written to "+path)
	evs := traceEvents(t, path)
	for _, ev := range evs {
		require.True(t, ev >= 2900 && ev <= 3100, "event %d outside 3000±100", ev)
	}
	require.LessOrEqual(t, evs[0], uint64(2905))
	require.GreaterOrEqual(t, evs[len(evs)-1], uint64(3095))
	require.Contains(t, rout, strconv.Itoa(len(evs))+" lines")

	custom := filepath.Join(t.TempDir(), "w.jsonl")
	code, _, _ = runCLI(t, "replay", "--trace-around", "3000", "--trace-window", "100", "--trace-out", custom, replay)
	require.Equal(t, exitSafety, code)
	b1, _ := os.ReadFile(path)
	b2, _ := os.ReadFile(custom)
	require.Equal(t, b1, b2)

	code, _, errs = runCLI(t, "replay", "--trace-around", "99999999", replay)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "--trace-around 99999999: the run has only")

	code, rstop, _ := runCLI(t, "replay", "--stop-at-event", "3000", replay)
	require.Equal(t, exitOK, code)
	require.Contains(t, rstop, "stopped before the end: the fingerprint is not compared")
	code, stop, _ := runCLI(t, append([]string{"run", "--out", dir, "--stop-at-event", "3000"}, swarm5...)...)
	require.Equal(t, exitOK, code)
	require.Equal(t, prefixFingerprint(t, stop), prefixFingerprint(t, rstop))
	_ = out
}

// TestBisectFindsTheDecisiveEvent: bisect names an event D of the failing
// swarm run, and the claim holds when checked without bisect: faults
// ended after D-1 pass the checker, after D fail it.
func TestBisectFindsTheDecisiveEvent(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, append([]string{"bisect", "--out", dir}, swarm5[:len(swarm5)-1]...)...)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, out, "decided at event 2147: faults ended after event 2146: porcupine Ok; after event 2147: Illegal")
	require.Contains(t, out, "next event: #2147 at 13.851855761s: call (fault-start crash store-0")
	require.FileExists(t, filepath.Join(dir, swarm5Dir(), "stop-2147.txt"))

	o := scenarios.Options{StoreSync: "periodic"}
	verdict := func(after uint64) check.Result {
		r := scenarios.RunWith("swarm", 5, o, scenarios.RunConfig{Stop: scenarios.Stop{HealAfterEvent: after}})
		require.NoError(t, r.Err)
		v, ok := pickVerdict(r.Verdicts, "porcupine")
		require.True(t, ok)
		return v.Result
	}
	require.Equal(t, check.Ok, verdict(swarm5Decisive-1))
	require.Equal(t, check.Illegal, verdict(swarm5Decisive))

	// A passing run has nothing to bisect.
	code, out, _ = runCLI(t, append([]string{"bisect", "--out", dir}, fast[:len(fast)-1]...)...)
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "nothing to bisect")
}
