package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var small = []string{"--duration", "3s", "--clients", "120", "--quiet"}

func TestSweepShardsMergeToTheWholeSweep(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	code, out, errs := runCLI(t, append([]string{"sweep", "--seeds", "1-6", "--parallel", "2", "--out", whole}, small...)...)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, out, "6 seeds, 6 passed, 0 failed")
	all, err := readJSONLines(filepath.Join(whole, "results.jsonl"))
	require.NoError(t, err)
	require.Len(t, all, 6)
	for i, r := range all {
		require.Equal(t, uint64(i+1), r.Spec.Seed, "results are in seed order")
		require.Equal(t, "ok", r.Result)
	}
	var j junitSuites
	b, err := os.ReadFile(filepath.Join(whole, "junit.xml"))
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(b, &j))
	require.Equal(t, 6, j.Suites[0].Tests)

	var parts []string
	for _, shard := range []string{"0/2", "1/2"} {
		d := filepath.Join(dir, "shard"+shard[:1])
		code, _, errs := runCLI(t, append([]string{"sweep", "--seeds", "1-6", "--shard", shard, "--parallel", "1", "--out", d}, small...)...)
		require.Equal(t, exitOK, code, errs)
		parts = append(parts, filepath.Join(d, "results.jsonl"))
	}
	merged := filepath.Join(dir, "merged")
	code, out, errs = runCLI(t, append([]string{"merge", "--out", merged}, parts...)...)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, out, "6 seeds, 6 passed")
	m, err := readJSONLines(filepath.Join(merged, "results.jsonl"))
	require.NoError(t, err)
	require.Len(t, m, 6)
	for i := range m {
		require.Equal(t, all[i].Fingerprint, m[i].Fingerprint, "seed %d: sharded run = whole run", m[i].Spec.Seed)
	}
	// Overlapping shards are refused.
	code, _, errs = runCLI(t, "merge", "--out", filepath.Join(dir, "bad"), parts[0], parts[0])
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, "shards overlap")
}

func TestSweepFailureKeepsReplayFileAndReplayMatches(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, append([]string{"sweep", "--seeds", "3,4", "--out", dir, "--max-events", "500"}, small...)...)
	require.Equal(t, exitTestbed, code, "a used-up budget is a testbed failure")
	require.Contains(t, out, "2 seeds, 0 passed, 2 failed")
	require.Contains(t, out, "replay: go run ./cmd/guildsim run --seed 3 --duration 3s --clients 120 --max-events 500")
	replay := filepath.Join(dir, "replays", "demo-3.json")
	require.FileExists(t, replay)
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	require.NoError(t, err)
	require.Contains(t, string(b), `errors="2"`)

	code, out, errs := runCLI(t, "replay", replay)
	require.Equal(t, exitTestbed, code, errs)
	require.Contains(t, out, "fingerprint matches")

	// A tampered fingerprint is reported as a mismatch.
	tampered := filepath.Join(dir, "tampered.json")
	data, _ := os.ReadFile(replay)
	var fp string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, `"fingerprint"`) {
			fp = strings.Split(line, `"`)[3]
		}
	}
	require.NoError(t, os.WriteFile(tampered, []byte(strings.Replace(string(data), fp, "0000000000000000", 1)), 0o644))
	code, out, _ = runCLI(t, "replay", tampered)
	require.Equal(t, exitTestbed, code)
	require.Contains(t, out, "MISMATCH")
}

func TestReplayOfARunSummary(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCLI(t, append([]string{"run", "--seed", "9", "--out", dir}, small[:4]...)...)
	require.Equal(t, exitOK, code, errs)
	code, out, errs := runCLI(t, "replay", filepath.Join(dir, "demo-9", "summary.json"))
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, out, "fingerprint matches")
}

func TestSweepAndReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("{not json"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "--seeds", "5-1"}, "low <= high"},
		{[]string{"sweep", "--seeds", "x"}, "want a range"},
		{[]string{"sweep", "--shard", "2/2"}, "0 <= i < n"},
		{[]string{"sweep", "--shard", "a"}, "want i/n"},
		{[]string{"sweep", "--parallel", "0"}, "--parallel 0"},
		{[]string{"sweep", "--clients", "0"}, "--clients 0"},
		{[]string{"replay"}, "want exactly one FILE"},
		{[]string{"replay", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"replay", bad}, "not a replay file"},
		{[]string{"merge"}, "want one or more"},
		{[]string{"merge", bad}, "not a results line"},
	} {
		code, _, errs := runCLI(t, tc.args...)
		require.Equal(t, exitUsage, code, "%v: %s", tc.args, errs)
		require.Contains(t, errs, tc.want, "%v", tc.args)
		require.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "%v: one line: %q", tc.args, errs)
	}
}

func TestListAndVersion(t *testing.T) {
	code, out, _ := runCLI(t, "list")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "demo")
	for _, name := range []string{"chat-basic", "partition-during-send", "gateway-node-crash", "zombie-connections",
		"clock-skew-snowflakes", "hot-channel", "celebrity-join", "swarm"} {
		require.Contains(t, out, name)
	}
	code, out, _ = runCLI(t, "version")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "guildsim ")
	code, out, _ = runCLI(t, "sweep", "--help")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "--shard")
	require.Contains(t, out, "exit codes")
}

func TestRunScenarioWritesAReport(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "run", "--scenario", "chat-basic", "--seed", "1", "--out", dir)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, out, "SEED=1")
	require.Contains(t, out, "porcupine: Ok")
	require.Contains(t, out, "result: ok")
	html, err := os.ReadFile(filepath.Join(dir, "chat-basic-1", "report.html"))
	require.NoError(t, err)
	require.Contains(t, string(html), "porcupine")
	require.FileExists(t, filepath.Join(dir, "chat-basic-1", "latency-cdf.png"))

	code, _, errs = runCLI(t, "run", "--scenario", "no-such-scenario")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errs, `--scenario "no-such-scenario": unknown`)
}
