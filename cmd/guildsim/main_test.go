package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadInputIsOneLineAndExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--clients", "0"}, "--clients 0: must be between 1 and 1000000"},
		{[]string{"run", "--clients", "-5"}, "--clients -5"},
		{[]string{"run", "--duration", "5x"}, "want a duration"},
		{[]string{"run", "--duration", "-1s"}, "--duration -1s"},
		{[]string{"run", "--seed", "abc"}, "-seed"},
		{[]string{"run", "--trace-filter", "host=a"}, "unknown key"},
		{[]string{"run", "--trace-filter", "node"}, "want node=NAME"},
		{[]string{"run", "--bogus"}, "bogus"},
		{[]string{"run", "extra"}, "unexpected argument"},
		{[]string{"frobnicate"}, "unknown command"},
	} {
		code, _, errs := runCLI(t, tc.args...)
		require.Equal(t, exitUsage, code, "%v", tc.args)
		require.Contains(t, errs, tc.want, "%v", tc.args)
		require.Equal(t, 1, strings.Count(strings.TrimSpace(errs), "\n")+1, "%v: one line, got %q", tc.args, errs)
	}
}

func TestRunWritesSummaryAndReplays(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.jsonl")
	args := []string{"run", "--seed", "3", "--duration", "5s", "--clients", "300", "--out", dir, "--trace", trace, "--trace-filter", "process=guild-0"}
	code, out, errs := runCLI(t, args...)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, out, "SEED=3")
	require.Contains(t, out, "result: ok")
	b, err := os.ReadFile(filepath.Join(dir, "demo-3", "summary.json"))
	require.NoError(t, err)
	var s summary
	require.NoError(t, json.Unmarshal(b, &s))
	require.Equal(t, uint64(3), s.Seed)
	require.Positive(t, s.Events)
	require.Equal(t, "ok", s.Result)
	tr, err := os.ReadFile(trace)
	require.NoError(t, err)
	require.NotEmpty(t, tr)
	for _, line := range strings.Split(strings.TrimSpace(string(tr)), "\n") {
		require.Contains(t, line, `"proc":"guild-0#`, "the filter keeps only guild-0 lines")
	}
	// Same seed again: same fingerprint.
	code, out2, _ := runCLI(t, args...)
	require.Equal(t, exitOK, code)
	fp := func(s string) string { i := strings.Index(s, "fingerprint: "); return s[i : i+29] }
	require.Equal(t, fp(out), fp(out2))
}

func TestStopAtEvent(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "run", "--seed", "2", "--clients", "100", "--stop-at-event", "500", "--out", dir)
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "events: 499")
	require.Contains(t, out, "stopped as asked")
}

func TestBudgetExhaustedIsTestbedFailure(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "run", "--seed", "2", "--clients", "100", "--max-events", "1000", "--out", dir)
	require.Equal(t, exitTestbed, code)
	require.Contains(t, out, "event budget")
	require.Contains(t, out, "replay: go run ./cmd/guildsim run --seed 2")
}
