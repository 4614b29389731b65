package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/reports"
	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/scenarios/check"
	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// fast are options that make chat-basic a short run (about 40 simulated
// seconds) for tests that need many runs.
var fast = []string{"--warmup", "2s", "--safety", "5s", "--liveness", "15s", "--liveness-bound", "10s", "--quiet"}

func fingerprintOf(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^fingerprint: ([0-9a-f]{16})$`).FindStringSubmatch(out)
	require.NotNil(t, m, "no fingerprint line in:\n%s", out)
	return m[1]
}

// TestDefaultRunIsChatBasicSeed1: `guildsim run` with no flag but --out
// runs chat-basic with seed 1, prints the seed, every option, the summary,
// the fingerprint and every verdict, writes a report with four plots that
// all have data, and gives the same fingerprint twice.
func TestDefaultRunIsChatBasicSeed1(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "run", "--out", dir)
	require.Equal(t, exitOK, code, errs)
	for _, want := range []string{
		"SEED=1\n", "scenario: chat-basic", "options: regions=1 store-nodes=3 guild-nodes=2 gateway-nodes=2",
		"options: guilds=3 channels=3 members=8 online-percent=100", "fanout=per-node", "liveness-bound=2m0s",
		"events: ", "simulated: 3m13s", "wall: ", "messages: ", " sent, ", " deliveries",
		"delivery latency: p50 ", " p90 ", " p99 ", " max ",
		"porcupine: Ok", "no-acked-message-lost: Ok", "session-order: Ok", "authorized: Ok", "liveness: Ok",
		"result: ok",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "replay:", "a passing run prints no replay line")
	report := filepath.Join(dir, "chat-basic-1")
	f, err := os.Open(filepath.Join(report, "summary.json"))
	require.NoError(t, err)
	s, err := reports.ReadSummary(f)
	f.Close()
	require.NoError(t, err)
	require.Equal(t, "chat-basic", s.Scenario)
	require.Equal(t, "1", s.Seed)
	require.Equal(t, fingerprintOf(t, out), s.Fingerprint)
	require.Equal(t, "8", s.Options["members"])
	require.True(t, s.Passed)
	require.Positive(t, s.Latency.Count)
	require.Len(t, s.Figures, 12)
	html, err := os.ReadFile(filepath.Join(report, "report.html"))
	require.NoError(t, err)
	require.NotContains(t, string(html), "(no data)", "every plot has data")
	for _, fig := range []string{"fault-timeline", "acked-per-second", "latency-cdf", "latency-over-time", "mailbox-depth", "connected-clients"} {
		require.FileExists(t, filepath.Join(report, fig+".png"))
	}
	require.NoFileExists(t, filepath.Join(report, replayFile))

	code, out2, _ := runCLI(t, "run", "--out", dir, "--quiet")
	require.Equal(t, exitOK, code)
	require.Equal(t, fingerprintOf(t, out), fingerprintOf(t, out2))
}

// TestOptionsChangeTheRun: a scenario option reaches the world (another
// fingerprint, the option printed), and the seed does too.
func TestOptionsChangeTheRun(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) string {
		code, out, errs := runCLI(t, append([]string{"run", "--out", dir}, append(fast, args...)...)...)
		require.Equal(t, exitOK, code, "%v: %s%s", args, out, errs)
		return out
	}
	base := run()
	more := run("--members", "12", "--fanout", "direct")
	require.Contains(t, more, "members=12")
	require.Contains(t, more, "fanout=direct")
	other := run("--seed", "2")
	require.Contains(t, other, "SEED=2")
	require.NotEqual(t, fingerprintOf(t, base), fingerprintOf(t, more))
	require.NotEqual(t, fingerprintOf(t, base), fingerprintOf(t, other))
	require.DirExists(t, filepath.Join(dir, "chat-basic-2"))
}

// failing is a run that fails a checker by design, not by a bug: a 1 s
// liveness bound after a gateway node crash, whose clients notice the dead
// node only at their stream timeout (30 s).
var failing = []string{"--scenario", "gateway-node-crash", "--seed", "1", "--liveness-bound", "1s", "--liveness", "5s"}

// TestRunFailureReplays: a failing run exits 1, prints the failing checker
// and the replay line, leaves replay.json in the report folder; the replay
// line and the replay file both reproduce the run, and so does the
// report's summary.json.
func TestRunFailureReplays(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, append([]string{"run", "--out", dir, "--quiet"}, failing...)...)
	require.Equal(t, exitCheck, code, errs)
	require.Contains(t, out, "liveness: Illegal")
	require.Contains(t, out, "result: CHECKER FAILED: liveness Illegal")
	require.Contains(t, out, "replay: go run ./cmd/guildsim run --scenario gateway-node-crash --seed 1 --liveness 5s --liveness-bound 1s\n")
	report := filepath.Join(dir, "gateway-node-crash-1")
	replay := filepath.Join(report, replayFile)
	require.Contains(t, out, "or: go run ./cmd/guildsim replay "+replay)
	require.FileExists(t, replay)

	code, rout, errs := runCLI(t, "replay", replay)
	require.Equal(t, exitCheck, code, errs)
	require.Contains(t, rout, "fingerprint matches")
	require.Contains(t, rout, "failure reproduced: liveness Illegal")
	// The replay line, run as printed (without the go run prefix).
	line := strings.Fields(strings.TrimPrefix(regexp.MustCompile(`replay: (.*)\n`).FindStringSubmatch(out)[1], "go run ./cmd/guildsim "))
	code, again, _ := runCLI(t, append(line, "--out", t.TempDir(), "--quiet")...)
	require.Equal(t, exitCheck, code)
	require.Equal(t, fingerprintOf(t, out), fingerprintOf(t, again))
	code, rout, _ = runCLI(t, "replay", filepath.Join(report, "summary.json"))
	require.Equal(t, exitCheck, code)
	require.Contains(t, rout, "fingerprint matches")
}

// TestReportLinksTheArtifactRelatively: a verdict's artifact (Porcupine's
// visualisation, written by the checker into the report folder) is linked
// from report.html by a path relative to the folder, so the folder can be
// moved or uploaded as a CI artifact.
func TestReportLinksTheArtifactRelatively(t *testing.T) {
	dir := t.TempDir()
	vis := filepath.Join(dir, "porcupine-channel-7.html")
	require.NoError(t, os.WriteFile(vis, []byte("<html></html>"), 0o644))
	res := scenarios.Result{Scenario: "chat-basic", Seed: 1, Verdicts: []check.Verdict{
		{Checker: "porcupine", Result: check.Illegal, Detail: "channel 7 is not linearizable", Artifact: vis},
		{Checker: "liveness", Result: check.Ok},
	}}
	rep := reportOf(res, dir)
	require.Equal(t, "porcupine-channel-7.html", rep.Verdicts[0].Artifact)
	require.Equal(t, reports.ResultIllegal, rep.Verdicts[0].Result)
	require.Empty(t, rep.Verdicts[1].Artifact)
	written, err := reports.WriteRun(dir, rep)
	require.NoError(t, err)
	html, err := os.ReadFile(written.HTML)
	require.NoError(t, err)
	require.Contains(t, string(html), `href="porcupine-channel-7.html"`)
}

// TestRunTrace: --trace writes the JSON-lines trace, --trace-filter keeps
// only the named node, and tracing leaves the fingerprint alone.
func TestRunTrace(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.jsonl")
	code, out, errs := runCLI(t, append([]string{"run", "--out", dir, "--trace=" + trace, "--trace-filter", "node=store-0"}, fast...)...)
	require.Equal(t, exitOK, code, errs)
	b, err := os.ReadFile(trace)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Greater(t, len(lines), 100)
	for _, l := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &rec), l)
		require.Equal(t, "store-0", rec["node"], l)
	}
	code, plain, _ := runCLI(t, append([]string{"run", "--out", dir}, fast...)...)
	require.Equal(t, exitOK, code)
	require.Equal(t, fingerprintOf(t, plain), fingerprintOf(t, out))
}

// TestProgressGoesToStderr: progress lines, when a run is long enough to
// print any, are on stderr, never in the output tests and scripts read.
func TestProgressGoesToStderr(t *testing.T) {
	var errb bytes.Buffer
	p := newProgress(&errb, 0)
	p.update(scenariosProgress(30, 120, 1000))
	require.Equal(t, "progress: 30s of 2m0s simulated (25%), 1000 events, 0s wall\n", errb.String())
}

func TestBadInputIsOneLineAndExit2(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--scenario", "no-such"}, `--scenario "no-such": unknown: want one of [chat-basic`},
		{[]string{"run", "--members", "-5"}, "--members -5: must be between 2 and 100000"},
		{[]string{"run", "--consistency", "two"}, `--consistency "two": must be one, quorum or all`},
		{[]string{"run", "--store-sync", "never"}, `--store-sync "never": must be batch or periodic`},
		{[]string{"run", "--faults", "crush store-1 at +3s for 5s"}, `unknown fault kind "crush"`},
		{[]string{"run", "--faults", "crash store-9 at +3s for 5s"}, `--faults: unknown node "store-9"`},
		{[]string{"run", "--faults", "crash store-1 at +3s"}, `want "for DURATION" after the offset`},
		{[]string{"sweep", "--seeds", "1-3", "--faults", "kill store-1 at +1s"}, `kill is not accepted`},
		{[]string{"run", "--members", "1"}, "--members 1: must be between 2 and 100000"},
		{[]string{"run", "--members", "many"}, "invalid value \"many\" for flag -members: want a whole number"},
		{[]string{"run", "--regions", "9"}, "--regions 9: must be between 1 and 8"},
		{[]string{"run", "--guilds", "1001"}, "--guilds 1001"},
		{[]string{"run", "--online-percent", "101"}, "--online-percent 101"},
		{[]string{"run", "--post-every", "2h"}, "--post-every 2h0m0s: must be between 1ms and 1h0m0s"},
		{[]string{"run", "--safety", "-1s"}, "--safety -1s"},
		{[]string{"run", "--liveness", "10s"}, "--liveness 10s: must be between 2m0s and 1h0m0s"},
		{[]string{"run", "--warmup", "soon"}, "want a duration"},
		{[]string{"run", "--fanout", "carrier-pigeon"}, "want direct, per-node or relays"},
		{[]string{"run", "--scenario", "demo"}, `--scenario "demo": unknown`},
		{[]string{"run", "--clients", "5"}, "flag provided but not defined: -clients"},
		{[]string{"run", "--seed", "abc"}, "-seed"},
		{[]string{"run", "--seed", "-1"}, "-seed"},
		{[]string{"run", "--trace-filter", "host=a"}, "unknown key"},
		{[]string{"run", "--trace-filter", "node"}, "want node=NAME"},
		{[]string{"run", "--out", "/proc/x"}, "--out /proc/x: cannot create the report folder"},
		{[]string{"run", "--out", filepath.Join(file, "out")}, "not a directory"},
		{[]string{"run", "--out", dir, "--trace=" + filepath.Join(file, "t.jsonl")}, "--trace"},
		{[]string{"run", "--bogus"}, "bogus"},
		{[]string{"run", "extra"}, "unexpected argument"},
		{[]string{"sweep", "--scenario", "no-such"}, `--scenario "no-such": unknown`},
		{[]string{"sweep", "--seeds", "5-1"}, "low <= high"},
		{[]string{"sweep", "--seeds", "x"}, "want a range"},
		{[]string{"sweep", "--seeds", "1-"}, "want a range low-high of whole numbers"},
		{[]string{"sweep", "--seeds", ""}, "empty"},
		{[]string{"sweep", "--seeds", "1-99999999999"}, "at most 1000000 seeds"},
		{[]string{"sweep", "--seeds", "1-18446744073709551615"}, "at most 1000000 seeds"},
		{[]string{"sweep", "--seeds", "99999999999999999999"}, "want a range"},
		{[]string{"sweep", "--seeds", "1-5,3"}, "seed 3 given twice"},
		{[]string{"sweep", "--shard", "3/2"}, "0 <= i < n"},
		{[]string{"sweep", "--shard", "0/0"}, "0 <= i < n"},
		{[]string{"sweep", "--shard", "a/b"}, "want i/n"},
		{[]string{"sweep", "--shard", "-1/2"}, "want i/n"},
		{[]string{"sweep", "--shard", "2"}, "want i/n"},
		{[]string{"sweep", "--parallel", "0"}, "--parallel 0"},
		{[]string{"sweep", "--members", "-5"}, "--members -5"},
		{[]string{"sweep", "--out", filepath.Join(file, "out")}, "not a directory"},
		{[]string{"replay"}, "want exactly one FILE"},
		{[]string{"replay", "a", "b"}, "want exactly one FILE"},
		{[]string{"replay", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"merge"}, "want one or more"},
		{[]string{"merge", filepath.Join(dir, "missing.jsonl")}, "no such file"},
		{[]string{"list", "extra"}, "unexpected argument"},
		{[]string{"version", "--bogus"}, "bogus"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{}, "usage: guildsim <command>"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		require.Equal(t, exitUsage, code, "%v: %s", tc.args, errs)
		require.Contains(t, errs, tc.want, "%v", tc.args)
		if len(tc.args) > 0 {
			require.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "%v: one line, got %q", tc.args, errs)
		}
		require.NotContains(t, errs, "goroutine", "%v", tc.args)
		require.NotContains(t, out, "SEED=", "%v: nothing ran", tc.args)
	}
}

// TestBadFilesAreOneLineAndExit2: replay and merge name the file and what
// is wrong with it.
func TestBadFilesAreOneLineAndExit2(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	notJSON := write("bad.json", "{not json")
	empty := write("empty.json", "{}")
	unknown := write("unknown.json", `{"scenario":"no-such","seed":1,"fingerprint":"00"}`)
	badOpt := write("badopt.json", `{"scenario":"chat-basic","seed":1,"options":{"members":"-5"},"fingerprint":"00"}`)
	oddKey := write("oddkey.json", `{"scenario":"chat-basic","seed":1,"options":{"colour":"red"},"fingerprint":"00"}`)
	badSeed := write("badseed.json", `{"scenario":"chat-basic","seed":"x","fingerprint":"00"}`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"replay", notJSON}, "not a replay file"},
		{[]string{"replay", empty}, "no scenario, seed or fingerprint"},
		{[]string{"replay", unknown}, `--scenario "no-such": unknown`},
		{[]string{"replay", badOpt}, "--members -5"},
		{[]string{"replay", oddKey}, `option "colour": unknown`},
		{[]string{"replay", badSeed}, "want a whole number"},
		{[]string{"merge", notJSON}, "not a results line"},
		{[]string{"merge", empty}, "not a results line"},
	} {
		code, _, errs := runCLI(t, tc.args...)
		require.Equal(t, exitUsage, code, "%v: %s", tc.args, errs)
		require.Contains(t, errs, tc.want, "%v", tc.args)
		require.Contains(t, errs, dir, "%v: names the file", tc.args)
		require.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "%v: one line, got %q", tc.args, errs)
	}
}

// TestHelpOnEveryCommand: --help and -h print the command's usage, flags
// and exit codes on stdout and exit 0.
func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range []string{"run", "sweep", "replay", "merge", "list", "version"} {
		for _, h := range []string{"--help", "-h"} {
			code, out, errs := runCLI(t, cmd, h)
			require.Equal(t, exitOK, code, "%s %s", cmd, h)
			require.Empty(t, errs)
			require.Contains(t, out, "usage: guildsim "+cmd)
			require.Contains(t, out, "exit codes: 0 ok; 1 a checker failed; 2 bad usage or input; 3 the testbed itself failed")
		}
	}
	code, out, _ := runCLI(t, "run", "--help")
	require.Equal(t, exitOK, code)
	for _, flag := range []string{"-scenario", "-seed", "-regions", "-store-nodes", "-guild-nodes", "-gateway-nodes", "-guilds",
		"-channels", "-members", "-online-percent", "-post-every", "-read-every", "-max-per-channel", "-warmup", "-safety",
		"-liveness", "-liveness-bound", "-fanout", "-trace-filter", "-out", "-consistency", "-store-sync", "-faults"} {
		require.Contains(t, out, "  "+flag+" ", "run --help lists %s", flag)
	}
	require.Contains(t, out, "  -trace\n", "run --help lists -trace (a boolean flag that also takes =FILE)")
	for _, h := range []string{"help", "--help", "-h"} {
		code, out, _ := runCLI(t, h)
		require.Equal(t, exitOK, code)
		require.Contains(t, out, "Exit codes: 0 ok, 1 a checker failed, 2 bad usage or input, 3 the testbed itself failed")
	}
}

func TestListAndVersion(t *testing.T) {
	code, out, _ := runCLI(t, "list")
	require.Equal(t, exitOK, code)
	for _, name := range []string{"chat-basic", "partition-during-send", "gateway-node-crash", "zombie-connections",
		"clock-skew-snowflakes", "hot-channel", "celebrity-join", "swarm"} {
		require.Contains(t, out, "  "+name+" ")
	}
	require.NotContains(t, out, "demo", "sim's demo world is a fixture of sim's tests, not a scenario")
	require.Contains(t, out, "defaults: --regions 1 --store-nodes 3")
	code, out, _ = runCLI(t, "version")
	require.Equal(t, exitOK, code)
	require.Regexp(t, `^guildsim github.com/guildsim/guildsim \S+ commit \S+`, out)
}

func scenariosProgress(elapsedS, totalS int, events uint64) scenarios.Progress {
	return scenarios.Progress{Elapsed: sim.Duration(elapsedS) * sim.Second, Total: sim.Duration(totalS) * sim.Second, Events: events}
}

// TestGitHead: the commit fallback of guildsim version reads a loose ref,
// a packed ref and a detached HEAD.
func TestGitHead(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	dir := t.TempDir()
	git := filepath.Join(dir, ".git")
	require.NoError(t, os.MkdirAll(filepath.Join(git, "refs", "heads"), 0o755))
	sub := filepath.Join(dir, "a", "b")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(git, name), []byte(body), 0o644))
	}

	write("HEAD", "ref: refs/heads/main\n")
	write("refs/heads/main", sha+"\n")
	got, ok := gitHead(sub)
	require.True(t, ok)
	require.Equal(t, sha, got, "loose ref, found from a subfolder")

	require.NoError(t, os.Remove(filepath.Join(git, "refs", "heads", "main")))
	write("packed-refs", "# pack-refs with: peeled\n"+sha+" refs/heads/main\n")
	got, ok = gitHead(dir)
	require.True(t, ok)
	require.Equal(t, sha, got, "packed ref")

	write("HEAD", sha+"\n")
	got, ok = gitHead(dir)
	require.True(t, ok)
	require.Equal(t, sha, got, "detached HEAD")

	_, ok = gitHead(t.TempDir())
	require.False(t, ok, "no checkout")
}
