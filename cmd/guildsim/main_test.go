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
	require.DirExists(t, reportDirOf(t, other))
	require.NotEqual(t, reportDirOf(t, base), reportDirOf(t, more), "other options, another folder")
}

// reportDirOf is the report folder a run printed.
func reportDirOf(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^report: (.*)/report.html$`).FindStringSubmatch(out)
	require.NotNil(t, m, "no report line in:\n%s", out)
	return m[1]
}

// TestReportFolders: the default options write <scenario>-<seed>; options
// equal to the defaults write there too (the same run); other options
// write <scenario>-<seed>-<hash>, so two runs of one seed never share a
// folder; and a run removes what an earlier run of its folder left
// (replay.json, replays/, artifacts/, Porcupine's page, a trace) but
// nothing else.
func TestReportFolders(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) string {
		code, out, errs := runCLI(t, append([]string{"run", "--out", dir, "--quiet"}, args...)...)
		require.Equal(t, exitOK, code, "%v: %s%s", args, out, errs)
		return reportDirOf(t, out)
	}
	plain := run()
	require.Equal(t, filepath.Join(dir, "chat-basic-1"), plain)
	require.Equal(t, plain, run("--members", "8", "--fanout", "per-node"), "the defaults written out: the same run, the same folder")
	other := run("--members", "12")
	require.Regexp(t, `/chat-basic-1-[0-9a-f]{8}$`, other)
	require.NotEqual(t, other, run("--members", "16"))
	require.Equal(t, other, run("--members", "12"), "the same options, the same folder")

	stale := []string{replayFile, "trace.jsonl", "porcupine-channel-7.html", "replays/chat-basic-1.json", "artifacts/chat-basic-1/x.html"}
	for _, f := range append(stale, "notes.txt") {
		p := filepath.Join(plain, f)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("from an earlier run"), 0o644))
	}
	require.Equal(t, plain, run())
	for _, f := range stale {
		require.NoFileExists(t, filepath.Join(plain, f), "a passing run leaves no earlier run's %s", f)
	}
	require.NoDirExists(t, filepath.Join(plain, "replays"))
	require.NoDirExists(t, filepath.Join(plain, "artifacts"))
	require.FileExists(t, filepath.Join(plain, "notes.txt"), "what guildsim does not write, it leaves")
	require.FileExists(t, filepath.Join(plain, "summary.json"))
}

// failing is a run that fails a checker by design, not by a bug: a 1 s
// liveness bound after a gateway node crash, whose clients notice the dead
// node only at their stream timeout (30 s).
var failing = []string{"--scenario", "gateway-node-crash", "--seed", "1", "--liveness-bound", "1s", "--liveness", "5s"}

// TestRunFailureReplays: a run failing only liveness exits 4, prints the
// failing checker and the replay line, leaves replay.json in the report
// folder; the replay line and the replay file both reproduce the run, and
// so does the report's summary.json (each exiting 4 again).
func TestRunFailureReplays(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, append([]string{"run", "--out", dir, "--quiet"}, failing...)...)
	require.Equal(t, exitLiveness, code, errs)
	require.Contains(t, out, "liveness: Illegal")
	require.Contains(t, out, "result: LIVENESS FAILED: liveness Illegal")
	require.Contains(t, out, "replay: go run ./cmd/guildsim run --scenario gateway-node-crash --seed 1 --liveness 5s --liveness-bound 1s\n")
	report := reportDirOf(t, out)
	replay := filepath.Join(report, replayFile)
	require.Contains(t, out, "or: go run ./cmd/guildsim replay "+replay)
	require.FileExists(t, replay)

	code, rout, errs := runCLI(t, "replay", replay)
	require.Equal(t, exitLiveness, code, errs)
	require.Contains(t, rout, "fingerprint matches")
	require.Contains(t, rout, "failure reproduced: liveness Illegal")
	// The replay line, run as printed (without the go run prefix).
	line := strings.Fields(strings.TrimPrefix(regexp.MustCompile(`replay: (.*)\n`).FindStringSubmatch(out)[1], "go run ./cmd/guildsim "))
	code, again, _ := runCLI(t, append(line, "--out", t.TempDir(), "--quiet")...)
	require.Equal(t, exitLiveness, code)
	require.Equal(t, fingerprintOf(t, out), fingerprintOf(t, again))
	code, rout, _ = runCLI(t, "replay", filepath.Join(report, "summary.json"))
	require.Equal(t, exitLiveness, code)
	require.Contains(t, rout, "fingerprint matches")
}

// safetyFailing is swarm seed 5 with a periodic commit log (Cassandra's
// default): crashes lose acknowledged writes, which Porcupine and
// no-acked-message-lost catch (README, "A failure, and its replay").
var safetyFailing = []string{"--scenario", "swarm", "--seed", "5", "--store-sync", "periodic"}

// TestSafetyFailureExits1: a safety violation exits 1, says so, and
// records it in summary.json (pass false, verdicts Illegal, the seed a
// string, the replay command and the version) and replay.json (the same
// words: pass, result safety-failed, Illegal); report.html shows the
// replay command and the version; replaying either file exits 1 again.
func TestSafetyFailureExits1(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, append([]string{"run", "--out", dir, "--quiet"}, safetyFailing...)...)
	require.Equal(t, exitSafety, code, errs)
	require.Contains(t, out, "result: SAFETY FAILED: porcupine Illegal, no-acked-message-lost Illegal\n")
	report := reportDirOf(t, out)

	var sum map[string]any
	b, err := os.ReadFile(filepath.Join(report, "summary.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &sum))
	require.Equal(t, float64(reports.SummarySchemaVersion), sum["schema_version"])
	require.Equal(t, "5", sum["seed"])
	require.Equal(t, false, sum["pass"])
	require.Equal(t, "go run ./cmd/guildsim run --scenario swarm --seed 5 --store-sync periodic", sum["replay"])
	require.Equal(t, buildVersion(), sum["version"])
	require.Contains(t, sum["version"], "commit ")
	verdicts := map[string]string{}
	for _, v := range sum["verdicts"].([]any) {
		v := v.(map[string]any)
		verdicts[v["checker"].(string)] = v["result"].(string)
	}
	require.Equal(t, "Illegal", verdicts["porcupine"])
	require.Equal(t, "Ok", verdicts["liveness"])

	var rep map[string]any
	b, err = os.ReadFile(filepath.Join(report, replayFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	require.Equal(t, "5", rep["seed"])
	require.Equal(t, false, rep["pass"])
	require.Equal(t, resultSafety, rep["result"])
	require.Equal(t, buildVersion(), rep["version"])
	require.Equal(t, "Illegal", rep["verdicts"].([]any)[0].(map[string]any)["result"])

	html, err := os.ReadFile(filepath.Join(report, "report.html"))
	require.NoError(t, err)
	require.Contains(t, string(html), "go run ./cmd/guildsim run --scenario swarm --seed 5 --store-sync periodic")
	require.Contains(t, string(html), buildVersion())

	for _, f := range []string{replayFile, "summary.json"} {
		code, rout, errs := runCLI(t, "replay", filepath.Join(report, f))
		require.Equal(t, exitSafety, code, "%s: %s%s", f, rout, errs)
		require.Contains(t, rout, "failure reproduced: porcupine Illegal, no-acked-message-lost Illegal")
	}
}

// TestExitCodeClasses: the exit code of a set of runs is the most serious
// class among them: bad input, testbed, safety, liveness; a safety
// failure beats a liveness one whichever comes first, and files of older
// builds (checker-failed) are read as safety.
func TestExitCodeClasses(t *testing.T) {
	r := func(res string) result { return result{Result: res} }
	for _, tc := range []struct {
		results []result
		want    int
	}{
		{nil, exitOK},
		{[]result{r(resultOK), r(resultStopped)}, exitOK},
		{[]result{r(resultOK), r(resultLiveness)}, exitLiveness},
		{[]result{r(resultLiveness), r(resultSafety)}, exitSafety},
		{[]result{r(resultSafety), r(resultLiveness)}, exitSafety},
		{[]result{r(resultLegacyFailed)}, exitSafety},
		{[]result{r(resultLiveness), r(resultTestbed), r(resultSafety)}, exitTestbed},
		{[]result{r(resultTestbed), r(resultBadInput)}, exitUsage},
	} {
		require.Equal(t, tc.want, exitCode(tc.results), "%v", tc.results)
	}
	// The class of a finished run comes from its verdicts: any safety
	// checker not Ok makes it a safety failure, else liveness.
	v := func(c, res string) verdict { return verdict{Checker: c, Result: res} }
	require.Equal(t, resultLiveness, failureClass([]verdict{v("porcupine", "Ok"), v("liveness", "Illegal")}))
	require.Equal(t, resultLiveness, failureClass([]verdict{v("liveness", "Unknown")}))
	require.Equal(t, resultSafety, failureClass([]verdict{v("liveness", "Illegal"), v("session-order", "Illegal")}))
	require.Equal(t, resultSafety, failureClass([]verdict{v("porcupine", "Unknown")}), "Unknown is not Ok")
	require.Equal(t, resultSafety, failureClass([]verdict{v("gateway-protocol", "Illegal")}), "gateway-protocol is a safety checker")
	require.Equal(t, resultSafety, failureClass([]verdict{v("a-new-checker", "Illegal")}), "an unclassified checker counts as safety")
	for _, c := range scenarios.AllCheckers {
		require.Equal(t, c.Name == "liveness", scenarios.IsLivenessChecker(c.Name), c.Name)
	}
}

// TestOldFilesStillReplay: a replay file of an older build (a numeric seed,
// the undivided checker-failed) and a schema 1 summary.json ("passed",
// lower-case verdicts) are read: the seed exactly, the result as its class.
func TestOldFilesStillReplay(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.json")
	require.NoError(t, os.WriteFile(old, []byte(`{"scenario":"chat-basic","seed":18446744073709551615,"fingerprint":"00",`+
		`"verdicts":[{"checker":"liveness","result":"Illegal"}],"ok":false,"result":"checker-failed"}`), 0o644))
	r, err := readReplay(old)
	require.NoError(t, err)
	require.Equal(t, seedNum(18446744073709551615), r.Seed, "a numeric seed is read exactly")
	require.Equal(t, resultLiveness, r.Result)
	sum := filepath.Join(dir, "summary.json")
	require.NoError(t, os.WriteFile(sum, []byte(`{"schema_version":1,"scenario":"chat-basic","seed":"7","fingerprint":"00","passed":false,`+
		`"verdicts":[{"checker":"porcupine","result":"illegal"},{"checker":"liveness","result":"ok"}]}`), 0o644))
	r, err = readReplay(sum)
	require.NoError(t, err)
	require.Equal(t, seedNum(7), r.Seed)
	require.Equal(t, resultSafety, r.Result)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	require.Contains(t, string(b), `"seed":"7"`, "written back as a string")
}

// TestFaultAndVerdictTimesShareAnOrigin: the run says once that instants
// count from the world's start, and fault lines use it (+start to +end),
// as verdicts do: a --faults crash at +3s of the safety phase, after a 2s
// warmup, is printed as starting at +5s.
func TestFaultAndVerdictTimesShareAnOrigin(t *testing.T) {
	code, out, errs := runCLI(t, append([]string{"run", "--out", t.TempDir(), "--faults", "crash store-1 at +3s for 1s"}, fast...)...)
	require.Equal(t, exitOK, code, errs)
	require.Equal(t, 1, strings.Count(out, "counts from the world's start"), "said once")
	require.Contains(t, out, "times: +T counts from the world's start: warmup to +2s, safety phase (faults) +2s to +7s, liveness to +22s (--faults offsets count from +2s)\n")
	require.Contains(t, out, "fault: +5s to +6s: crash store-1\n")
	require.NotContains(t, out, "started ")
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

// TestHelpOnEveryCommand: --help and -h print the command's usage, flags
// and exit codes on stdout and exit 0.
func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range []string{"run", "sweep", "replay", "merge", "compare", "list", "version"} {
		for _, h := range []string{"--help", "-h"} {
			code, out, errs := runCLI(t, cmd, h)
			require.Equal(t, exitOK, code, "%s %s", cmd, h)
			require.Empty(t, errs)
			require.Contains(t, out, "usage: guildsim "+cmd)
			for _, code := range []string{"  0    every run passed", "  1    safety:", "  2    bad usage or input", "  3    the testbed itself failed", "  4    liveness:", "  130  interrupted"} {
				require.Contains(t, out, code, "%s --help documents exit code %q", cmd, code)
			}
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
		require.Contains(t, out, "  1    safety:")
		require.Contains(t, out, "  4    liveness:")
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
