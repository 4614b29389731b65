package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/guildsim/guildsim/reports"
	"github.com/guildsim/guildsim/scenarios"
)

// coverageTable reads the per-site seed counts and the blind spots from a
// sweep's or merge's output.
func coverageTable(t *testing.T, out string) (seeds map[string]int, blind []string) {
	t.Helper()
	seeds = map[string]int{}
	row := regexp.MustCompile(`^  ([a-z]+/[a-z0-9-]+) +(\d+) +(\d+) +(\d+)$`)
	spot := regexp.MustCompile(`^  ([a-z]+/[a-z0-9-]+): `)
	inBlind := false
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "BLIND SPOTS:") {
			inBlind = true
			continue
		}
		if m := row.FindStringSubmatch(l); m != nil && !inBlind {
			n, _ := strconv.Atoi(m[2])
			seeds[m[1]] = n
		}
		if m := spot.FindStringSubmatch(l); m != nil && inBlind {
			blind = append(blind, m[1])
		}
	}
	return seeds, blind
}

// A sweep records every declared site in each results line, prints for
// each site the number of seeds that reached it (as the lines say), lists
// the sites none reached as blind spots, and a merge of its shards prints
// the same table.
func TestSweepPrintsCoverageAndMergeCombinesIt(t *testing.T) {
	dir := t.TempDir()
	args := append([]string{"--scenario", "partition-during-send", "--seeds", "1-4"}, fast...)
	code, out, errs := runCLI(t, append([]string{"sweep", "--parallel", "2", "--out", filepath.Join(dir, "whole")}, args...)...)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, out, "coverage: ")
	require.Contains(t, out, "BLIND SPOTS: ")
	lines, err := readJSONLines(filepath.Join(dir, "whole", "results.jsonl"))
	require.NoError(t, err)
	want := map[string]int{}
	for _, r := range lines {
		var names []string
		for _, c := range r.Coverage {
			names = append(names, c.Site)
			if c.Hits > 0 {
				want[c.Site]++
				require.Positive(t, c.FirstEvent, c.Site)
			}
		}
		require.Equal(t, scenarios.CoverageSites(), names, "seed %d: every declared site, sorted", r.Seed)
	}
	seeds, blind := coverageTable(t, out)
	require.Len(t, seeds, len(scenarios.CoverageSites()), out)
	for site, n := range seeds {
		require.Equal(t, want[site], n, "seeds that reached %s", site)
		if n == 0 {
			require.Contains(t, blind, site)
		} else {
			require.NotContains(t, blind, site)
		}
	}
	require.Positive(t, want["store/hint-stored"], "partition-during-send cuts store nodes off: writes are hinted")
	require.NotEmpty(t, blind, "no scenario drains a gateway node today")

	var parts []string
	for _, shard := range []string{"0/2", "1/2"} {
		d := filepath.Join(dir, "shard"+shard[:1])
		code, _, errs := runCLI(t, append([]string{"sweep", "--shard", shard, "--parallel", "1", "--out", d}, args...)...)
		require.Equal(t, exitOK, code, errs)
		parts = append(parts, filepath.Join(d, "results.jsonl"))
	}
	code, mout, errs := runCLI(t, append([]string{"merge", "--out", filepath.Join(dir, "merged")}, parts...)...)
	require.Equal(t, exitOK, code, errs)
	mseeds, mblind := coverageTable(t, mout)
	require.Equal(t, seeds, mseeds)
	require.Equal(t, blind, mblind)
}

// The run command prints one line on coverage, and summary.json lists
// every site with what it saw.
func TestRunPrintsCoverageLine(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "run", "--scenario", "partition-during-send", "--seed", "1", "--out", dir)
	require.Equal(t, exitOK, code, errs)
	m := regexp.MustCompile(`(?m)^coverage: (\d+) of (\d+) sites reached`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	f, err := os.Open(filepath.Join(dir, "partition-during-send-1", "summary.json"))
	require.NoError(t, err)
	defer f.Close()
	sum, err := reports.ReadSummary(f)
	require.NoError(t, err)
	require.Len(t, sum.Coverage, len(scenarios.CoverageSites()))
	reached := 0
	for _, c := range sum.Coverage {
		if c.Hits > 0 {
			reached++
			require.NotEmpty(t, c.Kind, c.Site)
			require.LessOrEqual(t, c.Hits, c.Asked, c.Site)
		}
	}
	require.Equal(t, m[1], strconv.Itoa(reached))
	require.Equal(t, m[2], strconv.Itoa(len(scenarios.CoverageSites())))
	require.Positive(t, reached)
	_, err = os.Stat(filepath.Join(dir, "partition-during-send-1", "report.html"))
	require.NoError(t, err)
}
