package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var smallCompare = []string{"compare", "--members", "50,200", "--strategies", "direct,per-node,relays,relays+passive", "--quiet"}

// TestCompareWritesReportAndIsDeterministic runs a small comparison with
// two workers and again with one: the same figures.csv, byte for byte.
func TestCompareWritesReportAndIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	var csvs []string
	for _, parallel := range []string{"2", "1"} {
		out := filepath.Join(dir, "p"+parallel)
		code, stdout, errs := runCLI(t, append(smallCompare, "--parallel", parallel, "--out", out, "--seed", "4")...)
		require.Equal(t, exitOK, code, "%s\n%s", stdout, errs)
		require.Contains(t, stdout, "SEED=4")
		for _, f := range []string{"compare.html", "figures.csv", "p99-vs-members.png", "p99-vs-members.svg",
			"latency-cdf-largest.png", "messages-per-delivery.svg", "guild-busy-share.png"} {
			require.FileExists(t, filepath.Join(out, f))
		}
		b, err := os.ReadFile(filepath.Join(out, "figures.csv"))
		require.NoError(t, err)
		csvs = append(csvs, string(b))
		html, err := os.ReadFile(filepath.Join(out, "compare.html"))
		require.NoError(t, err)
		require.Contains(t, string(html), "opened the guild", "the passive strategy's caveat is in the page")
	}
	require.Equal(t, csvs[0], csvs[1], "same seed, same figures, whatever the parallelism")

	recs, err := csv.NewReader(strings.NewReader(csvs[0])).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 1+8, "a header and one row per (strategy, size)")
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, r := range recs[1:] {
		want := map[string]string{"50": "250", "200": "1000"}[r[col["members"]]]
		if r[col["strategy"]] == "relays+passive" {
			want = map[string]string{"50": "25", "200": "100"}[r[col["members"]]]
		}
		require.Equal(t, want, r[col["deliveries"]], "%v", r)
		require.NotEqual(t, "0", r[col["p99_ns"]], "%v", r)
	}
}
