package faults_test

import (
	"strings"
	"testing"

	"github.com/guildsim/guildsim/faults"
	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

func describe(w *sim.World, s faults.Schedule) []string {
	out := make([]string, len(s))
	for i, f := range s {
		out[i] = f.Describe(w)
	}
	return out
}

func TestNemesisIsDeterministicAndKeepsItsRate(t *testing.T) {
	pw := newProbeWorld(t, 1, 6)
	u := faults.Universe{Nodes: pw.nodes}
	var rates []faults.Rate
	for _, k := range faults.AllKinds {
		rates = append(rates, faults.Rate{Kind: k, Every: sim.Second, MaxFor: 3 * sim.Second, Intensity: 2})
	}
	n := faults.Nemesis{Rates: rates}
	a, err := n.Generate(pw.w, u, 42, 100*sim.Second)
	require.NoError(t, err)
	b, err := n.Generate(pw.w, u, 42, 100*sim.Second)
	require.NoError(t, err)
	require.Equal(t, describe(pw.w, a), describe(pw.w, b))
	c, err := n.Generate(pw.w, u, 43, 100*sim.Second)
	require.NoError(t, err)
	require.NotEqual(t, describe(pw.w, a), describe(pw.w, c))

	perKind := map[faults.Kind]int{}
	for _, f := range a {
		require.NoError(t, f.Validate(pw.w), f.Describe(pw.w))
		require.LessOrEqual(t, f.At+f.For, 100*sim.Second)
		perKind[f.Kind]++
	}
	for _, k := range faults.AllKinds {
		if k == faults.PartitionRegion || k == faults.PartitionBridge || k == faults.PartitionHalves {
			continue // region and bridge fall back to halves when they cannot apply
		}
		require.InDelta(t, 100, perKind[k], 35, "%s: about one a second over 100 s", k)
	}

	// Turning one kind off leaves the other kinds' draws alone.
	only := faults.Nemesis{Rates: rates[1:]}
	d, err := only.Generate(pw.w, u, 42, 100*sim.Second)
	require.NoError(t, err)
	var aRest []string
	for _, f := range a {
		if f.Kind != rates[0].Kind {
			aRest = append(aRest, f.Describe(pw.w))
		}
	}
	require.Equal(t, aRest, describe(pw.w, d))
}

func TestNemesisRejectsBadRates(t *testing.T) {
	pw := newProbeWorld(t, 1, 3)
	u := faults.Universe{Nodes: pw.nodes}
	_, err := faults.Nemesis{Rates: []faults.Rate{{Kind: faults.Crash, Every: 0, Intensity: 1}}}.Generate(pw.w, u, 1, sim.Minute)
	require.ErrorContains(t, err, "Every 0s must be positive")
	_, err = faults.Nemesis{Rates: []faults.Rate{{Kind: faults.Crash, Every: sim.Second, Intensity: 9}}}.Generate(pw.w, u, 1, sim.Minute)
	require.ErrorContains(t, err, "Intensity 9")
	_, err = faults.Nemesis{}.Generate(pw.w, faults.Universe{Nodes: pw.nodes[:1]}, 1, sim.Minute)
	require.ErrorContains(t, err, "at least 2 nodes")
}

func TestSwarmDrawsFromTheSeed(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 50; seed++ {
		d := faults.Swarm(seed, time60())
		require.NotEmpty(t, d.Nemesis.Rates)
		require.NoError(t, d.Nemesis.Validate())
		require.Equal(t, d, faults.Swarm(seed, time60()), "same seed, same draw")
		lines := d.Lines()
		require.Len(t, lines, len(d.Nemesis.Rates)+1)
		var kinds []string
		for _, r := range d.Nemesis.Rates {
			kinds = append(kinds, string(r.Kind))
		}
		seen[strings.Join(kinds, ",")] = true
	}
	require.Greater(t, len(seen), 40, "seeds draw different sets of fault kinds")
}

func time60() sim.Duration { return 60 * sim.Second }

// A swarm schedule runs: every fault it starts ends, and after the heal the
// world is whole.
func TestSwarmScheduleRunsAndHeals(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		pw := newProbeWorld(t, seed, 6)
		d := faults.Swarm(seed, 30*sim.Second)
		s, err := d.Nemesis.Generate(pw.w, faults.Universe{Nodes: pw.nodes}, seed, 30*sim.Second)
		require.NoError(t, err)
		log, err := faults.Apply(pw.w, s)
		require.NoError(t, err)
		out, err := faults.RunPhases(pw.w, log, faults.Phases{Safety: 30 * sim.Second, Liveness: 10 * sim.Second}, func() bool { return false })
		require.NoError(t, err, "seed %d", seed)
		require.False(t, out.Converged)
		require.Empty(t, log.Active(), "seed %d", seed)
		pw.revive(t)
		require.True(t, pw.allReach(t), "seed %d: healed world is whole: %v", seed, log.Entries)
	}
}
