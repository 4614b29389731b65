package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/guildsim/guildsim/scenarios"
)

func digestOf(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`digest ([0-9a-f]{16})`).FindStringSubmatch(out)
	require.NotNil(t, m, "no digest in:\n%s", out)
	return m[1]
}

// TestSweepShardsMergeToTheWholeSweep: a sweep of chat-basic over 6 seeds
// and the merge of its two shards give the same lines (but wall time) and
// the same digest; every line carries scenario, seed, options,
// fingerprint, events, verdicts and ok.
func TestSweepShardsMergeToTheWholeSweep(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	code, out, errs := runCLI(t, append([]string{"sweep", "--seeds", "1-6", "--parallel", "2", "--out", whole}, fast...)...)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, out, "sweep: scenario chat-basic, 6 seeds (shard 0/1), 2 at a time")
	require.Contains(t, out, "6 seeds, 6 passed, 0 failed")
	all, err := readJSONLines(filepath.Join(whole, "results.jsonl"))
	require.NoError(t, err)
	require.Len(t, all, 6)
	for i, r := range all {
		require.Equal(t, "chat-basic", r.Scenario)
		require.Equal(t, seedNum(i+1), r.Seed, "results are in seed order")
		require.Equal(t, "ok", r.Result)
		require.True(t, r.Pass)
		require.Equal(t, "5s", r.Options["safety"])
		require.Equal(t, "8", r.Options["members"], "defaults are recorded too")
		require.Len(t, r.Fingerprint, 16)
		require.Positive(t, r.Events)
		require.Len(t, r.Verdicts, len(scenarios.AllCheckers), "one verdict per checker")
		for _, v := range r.Verdicts {
			require.Equal(t, "Ok", v.Result, v.Checker)
		}
	}
	require.NotEqual(t, all[0].Fingerprint, all[1].Fingerprint)
	var j junitSuites
	b, err := os.ReadFile(filepath.Join(whole, "junit.xml"))
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(b, &j))
	require.Equal(t, 6, j.Suites[0].Tests)
	require.Equal(t, "chat-basic seed 1", j.Suites[0].Cases[0].Name)

	var parts []string
	for _, shard := range []string{"0/2", "1/2"} {
		d := filepath.Join(dir, "shard"+shard[:1])
		code, out, errs := runCLI(t, append([]string{"sweep", "--seeds", "1-6", "--shard", shard, "--parallel", "1", "--out", d}, fast...)...)
		require.Equal(t, exitOK, code, errs)
		require.Contains(t, out, "3 seeds, 3 passed")
		parts = append(parts, filepath.Join(d, "results.jsonl"))
	}
	merged := filepath.Join(dir, "merged")
	code, mout, errs := runCLI(t, append([]string{"merge", "--out", merged}, parts...)...)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, mout, "6 seeds, 6 passed")
	require.Equal(t, digestOf(t, out), digestOf(t, mout))
	m, err := readJSONLines(filepath.Join(merged, "results.jsonl"))
	require.NoError(t, err)
	require.Len(t, m, 6)
	for i := range m {
		a, b := all[i], m[i]
		a.WallNS, b.WallNS = 0, 0
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		require.JSONEq(t, string(ja), string(jb), "seed %d: sharded run = whole run", m[i].Seed)
	}
	// Overlapping shards are refused.
	code, _, errs = runCLI(t, "merge", "--out", filepath.Join(dir, "bad"), parts[0], parts[0])
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "shards overlap")
}

// TestSweepFailureKeepsReplayFileAndReplayMatches: seeds 1-2 of the
// failing configuration (see main_test.go) and seed 1 of chat-basic's
// defaults in another sweep: exit 1, a replay file and a JUnit failure per
// failing seed, and the replay file reproduces the run; a tampered
// fingerprint is a mismatch.
func TestSweepFailureKeepsReplayFileAndReplayMatches(t *testing.T) {
	dir := t.TempDir()
	args := append([]string{"sweep", "--seeds", "1-2", "--out", dir, "--quiet"}, failing[0], failing[1])
	args = append(args, failing[4:]...)
	code, out, errs := runCLI(t, args...)
	require.Equal(t, exitLiveness, code, errs)
	require.Contains(t, out, "2 seeds, 0 passed, 2 failed")
	require.Contains(t, out, "gateway-node-crash seed 2: liveness-failed")
	require.Contains(t, out, "(liveness Illegal)")
	require.Contains(t, out, "replay: go run ./cmd/guildsim run --scenario gateway-node-crash --seed 2 --liveness 5s --liveness-bound 1s\n")
	replay := filepath.Join(dir, "replays", "gateway-node-crash-2.json")
	require.FileExists(t, replay)
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	require.NoError(t, err)
	require.Contains(t, string(b), `failures="2"`)
	// The failure body: what failed, the first violation in words, the
	// fingerprint, the version and the replay command.
	var j junitSuites
	require.NoError(t, xml.Unmarshal(b, &j))
	body := j.Suites[0].Cases[1].Failure.Body
	require.Contains(t, body, "liveness Illegal\nliveness: Illegal: client ")
	require.Contains(t, body, "\nversion: "+buildVersion()+"\n")
	require.Contains(t, body, "replay: go run ./cmd/guildsim run --scenario gateway-node-crash --seed 2 --liveness 5s --liveness-bound 1s\n")
	rs, err := readJSONLines(filepath.Join(dir, "results.jsonl"))
	require.NoError(t, err)
	require.False(t, rs[1].Pass)
	live := slices.IndexFunc(rs[1].Verdicts, func(v verdict) bool { return v.Checker == "liveness" })
	require.GreaterOrEqual(t, live, 0, "results.jsonl has the liveness verdict")
	require.Equal(t, "Illegal", rs[1].Verdicts[live].Result)
	require.NotEmpty(t, rs[1].Verdicts[live].Detail, "a failing verdict keeps its detail")

	code, rout, errs := runCLI(t, "replay", replay)
	require.Equal(t, exitLiveness, code, errs)
	require.Contains(t, rout, "fingerprint matches")

	data, err := os.ReadFile(replay)
	require.NoError(t, err)
	var rec map[string]any
	require.NoError(t, json.Unmarshal(data, &rec))
	tampered := filepath.Join(dir, "tampered.json")
	require.NoError(t, os.WriteFile(tampered, []byte(strings.Replace(string(data), rec["fingerprint"].(string), "0000000000000000", 1)), 0o644))
	code, rout, _ = runCLI(t, "replay", tampered)
	require.Equal(t, exitTestbed, code)
	require.Contains(t, rout, "MISMATCH")

	// A passing seed leaves no replay file.
	ok := filepath.Join(dir, "ok")
	code, _, errs = runCLI(t, append([]string{"sweep", "--seeds", "1", "--out", ok}, fast...)...)
	require.Equal(t, exitOK, code, errs)
	require.NoDirExists(t, filepath.Join(ok, "replays"))
}

// TestSweepWritesResultsAsSeedsFinish: results.jsonl holds a line per
// finished seed while the sweep runs (seeds as strings, pass, verdicts Ok);
// an interrupt stops taking seeds, keeps the finished ones (sorted, with
// junit.xml), says how many and where, and exits 130.
func TestSweepWritesResultsAsSeedsFinish(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, resultsFile)
	var linesSeen int
	notifyInterrupt = func(c chan<- os.Signal) func() {
		// Interrupt as a user watching the file would: once the first
		// seed's line is there.
		go func() {
			for {
				b, _ := os.ReadFile(results)
				if n := strings.Count(string(b), "\n"); n > 0 {
					linesSeen = n
					c <- os.Interrupt
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		return func() {}
	}
	defer func() { notifyInterrupt = realNotifyInterrupt }()
	code, out, errs := runCLI(t, "sweep", "--seeds", "1-6", "--parallel", "1", "--out", dir, "--quiet")
	require.Equal(t, exitInterrupted, code, "%s%s", out, errs)
	require.Positive(t, linesSeen, "a line was in results.jsonl before the sweep ended")
	require.Contains(t, errs, "interrupt: taking no more seeds")
	m := regexp.MustCompile(`interrupted: (\d) of 6 seeds finished; their results are in (.*)\n`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	require.Equal(t, results, m[2])
	finished := int(m[1][0] - '0')
	require.Less(t, finished, 6, "the interrupt stopped the sweep")
	rs, err := readJSONLines(results)
	require.NoError(t, err)
	require.Len(t, rs, finished)
	for i, r := range rs {
		require.Equal(t, seedNum(i+1), r.Seed, "kept in seed order")
	}
	raw, err := os.ReadFile(results)
	require.NoError(t, err)
	require.Contains(t, string(raw), `"seed":"1"`, "seeds are strings")
	require.Contains(t, string(raw), `"pass":true`)
	require.Contains(t, string(raw), `"result":"Ok"`)
	require.NotContains(t, string(raw), `"ok":`)
	require.FileExists(t, filepath.Join(dir, junitFile))
}

// realNotifyInterrupt is the real notifyInterrupt, restored after tests.
var realNotifyInterrupt = notifyInterrupt

// TestMergeExpectShardsKeepsArtifacts: a swarm sweep of seeds 4-5 with a
// periodic commit log (seed 5 fails safety, with Porcupine's page) in two
// shards; merge --expect-shards 2 takes both, keeps the failing seed's
// artifacts and replay file, and exits 1; a sweep folder reused for
// another sweep holds nothing of the first.
func TestMergeExpectShardsKeepsArtifacts(t *testing.T) {
	dir := t.TempDir()
	var parts []string
	for _, shard := range []string{"0/2", "1/2"} {
		d := filepath.Join(dir, "shard"+shard[:1])
		code, out, errs := runCLI(t, "sweep", "--scenario", "swarm", "--store-sync", "periodic", "--seeds", "4-5", "--shard", shard, "--out", d, "--quiet")
		require.Contains(t, []int{exitOK, exitSafety}, code, "%s%s", out, errs)
		require.FileExists(t, filepath.Join(d, manifestFile))
		parts = append(parts, d)
	}
	require.DirExists(t, filepath.Join(dir, "shard1", artifactDir, "swarm-5"))
	merged := filepath.Join(dir, "merged")
	code, out, errs := runCLI(t, "merge", "--expect-shards", "2", "--out", merged, parts[0], filepath.Join(parts[1], resultsFile))
	require.Equal(t, exitSafety, code, "%s%s", out, errs)
	require.Contains(t, out, "2 seeds, 1 passed, 1 failed")
	require.Contains(t, out, "swarm seed 5: safety-failed")
	pages, err := filepath.Glob(filepath.Join(merged, artifactDir, "swarm-5", "porcupine-channel-*.html"))
	require.NoError(t, err)
	require.NotEmpty(t, pages, "merge keeps the shards' artifacts")
	require.FileExists(t, filepath.Join(merged, replaysDir, "swarm-5.json"))

	// The shard's folder, reused for a passing sweep: no replays/ or
	// artifacts/ of the failing one remain.
	code, _, errs = runCLI(t, append([]string{"sweep", "--seeds", "1", "--out", parts[1]}, fast...)...)
	require.Equal(t, exitOK, code, errs)
	require.NoDirExists(t, filepath.Join(parts[1], replaysDir))
	require.NoDirExists(t, filepath.Join(parts[1], artifactDir))
	rs, err := readJSONLines(filepath.Join(parts[1], resultsFile))
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.Equal(t, "chat-basic", rs[0].Scenario)
}

// TestProgressIsLinesOffATerminal: a sweep's progress written to anything
// but a terminal (a CI log) is a line every 5% of the seeds, without
// carriage returns.
func TestProgressIsLinesOffATerminal(t *testing.T) {
	var b strings.Builder
	forEach(40, 2, false, &b, "seeds", nil, func(int) {})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 20, b.String())
	require.Regexp(t, `^seeds: 2/40 done, \d+s$`, lines[0])
	require.Regexp(t, `^seeds: 40/40 done, \d+s$`, lines[19])
	require.NotContains(t, b.String(), "\r")
	require.False(t, isTerminal(&b))
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	defer f.Close()
	require.False(t, isTerminal(f), "a file is no terminal")
}
