package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
		require.Equal(t, uint64(i+1), r.Seed, "results are in seed order")
		require.Equal(t, "ok", r.Result)
		require.True(t, r.OK)
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
	require.Equal(t, exitCheck, code, errs)
	require.Contains(t, out, "2 seeds, 0 passed, 2 failed")
	require.Contains(t, out, "gateway-node-crash seed 2: checker-failed")
	require.Contains(t, out, "(liveness Illegal)")
	require.Contains(t, out, "replay: go run ./cmd/guildsim run --scenario gateway-node-crash --seed 2 --liveness 5s --liveness-bound 1s\n")
	replay := filepath.Join(dir, "replays", "gateway-node-crash-2.json")
	require.FileExists(t, replay)
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	require.NoError(t, err)
	require.Contains(t, string(b), `failures="2"`)
	rs, err := readJSONLines(filepath.Join(dir, "results.jsonl"))
	require.NoError(t, err)
	require.False(t, rs[1].OK)
	require.Equal(t, "liveness", rs[1].Verdicts[4].Checker)
	require.Equal(t, "Illegal", rs[1].Verdicts[4].Result)
	require.NotEmpty(t, rs[1].Verdicts[4].Detail, "a failing verdict keeps its detail")

	code, rout, errs := runCLI(t, "replay", replay)
	require.Equal(t, exitCheck, code, errs)
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
