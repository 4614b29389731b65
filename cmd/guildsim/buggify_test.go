package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/reports"
	"github.com/stretchr/testify/require"
)

// TestBuggifyFlag: --buggify says buggify=on among the options, prints the
// sites that fired, writes them to summary.json sorted by name, changes
// the run, carries into the replay command, and replays to the same
// fingerprint from summary.json; a sweep sums the sites over its seeds.
func TestBuggifyFlag(t *testing.T) {
	dir := t.TempDir()
	args := append([]string{"run", "--seed", "2", "--out", dir}, fast...)
	code, off, errs := runCLI(t, args...)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, off, "buggify: off\n")
	require.NotContains(t, off, "buggify=on")

	dirOn := t.TempDir()
	code, on, errs := runCLI(t, append([]string{"run", "--seed", "2", "--buggify", "--out", dirOn}, fast...)...)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, on, "options: buggify=on\n")
	require.Contains(t, on, "buggify: on, ")
	require.NotEqual(t, fingerprintOf(t, off), fingerprintOf(t, on), "buggify on must change seed 2's run")

	path := filepath.Join(dirOn, "chat-basic-2", "summary.json")
	f, err := os.Open(path)
	require.NoError(t, err)
	s, err := reports.ReadSummary(f)
	f.Close()
	require.NoError(t, err)
	require.True(t, s.Buggify.Enabled)
	require.Equal(t, "on", s.Options["buggify"])
	require.True(t, slices.IsSortedFunc(s.Buggify.Sites, func(a, b reports.BuggifySite) int { return strings.Compare(a.Site, b.Site) }))
	fired := uint64(0)
	for _, site := range s.Buggify.Sites {
		fired += site.Fired
		require.True(t, site.Active || site.Fired == 0, site.Site)
	}
	require.NotZero(t, fired)

	code, out, errs := runCLI(t, "replay", path)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, out, "fingerprint matches")

	code, out, errs = runCLI(t, append([]string{"sweep", "--seeds", "1-3", "--buggify", "--parallel", "1", "--out", t.TempDir()}, fast...)...)
	require.Equal(t, exitOK, code, errs)
	require.Contains(t, out, "options: buggify=on\n")
	require.Contains(t, out, "buggify: on in 3 of 3 seeds; per site over those seeds:\n")
	require.Contains(t, out, "  store/replica-late-reply ")

	code, _, errs = runCLI(t, "run", "--buggify=maybe", "--out", t.TempDir())
	require.Equal(t, exitUsage, code)
	require.Equal(t, 1, strings.Count(errs, "\n"), errs)
	require.Contains(t, errs, "buggify")
}

// A failing run's replay command carries a bare --buggify.
func TestBuggifyReplayCommand(t *testing.T) {
	o, err := optionsFromMap(map[string]string{"buggify": "on", "members": "9"})
	require.NoError(t, err)
	s := spec{Scenario: "chat-basic", Seed: 4, Given: o}
	require.Equal(t, "go run ./cmd/guildsim run --scenario chat-basic --seed 4 --members 9 --buggify", s.replayCommand())
}
