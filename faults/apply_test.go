package faults_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/faults"
	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

func TestScriptedScheduleStartsAndEnds(t *testing.T) {
	pw := newProbeWorld(t, 1, 4)
	w, n := pw.w, pw.nodes
	var trace bytes.Buffer
	w.SetTrace(&trace, sim.TraceFilter{})
	log, err := faults.Apply(w, faults.Schedule{
		{Kind: faults.PartitionNode, At: sim.Second, For: 2 * sim.Second, Nodes: n[:1]},
		{Kind: faults.Crash, At: 5 * sim.Second, For: 2 * sim.Second, Nodes: n[3:4]},
	})
	require.NoError(t, err)
	require.True(t, pw.allReach(t), "nothing yet at +0.5s")
	require.NoError(t, w.RunFor(sim.Second)) // +1.5 s: n0 isolated
	got := pw.reach(t)
	for _, other := range n[1:] {
		require.False(t, got[[2]sim.NodeID{n[0], other}])
		require.False(t, got[[2]sim.NodeID{other, n[0]}])
	}
	require.True(t, got[[2]sim.NodeID{n[1], n[2]}])
	require.Equal(t, []string{"partition-node n0 at +1s for 2s"}, log.Active())
	require.NoError(t, w.RunFor(2*sim.Second)) // +4 s: healed
	require.True(t, pw.allReach(t))
	require.NoError(t, w.RunFor(sim.Second)) // +5.5 s: n3 down
	require.False(t, w.NodeUp(n[3]))
	require.NoError(t, w.RunFor(2*sim.Second)) // +7.5 s: restarted
	require.True(t, w.NodeUp(n[3]))
	require.True(t, pw.allReach(t), "the restarted node booted its probe again")

	require.Len(t, log.Entries, 2)
	require.Equal(t, sim.Second, log.Entries[0].Start.Sub(w.Config().Start.Add(sim.Millisecond)))
	require.Equal(t, 2*sim.Second, log.Entries[0].End.Sub(log.Entries[0].Start))
	require.Equal(t, 2*sim.Second, log.Entries[1].End.Sub(log.Entries[1].Start))
	for _, want := range []string{"fault-start partition-node n0", "fault-end partition-node n0", "fault-start crash n3", "fault-end crash n3"} {
		require.Contains(t, trace.String(), want)
	}
}

func TestHealAllEndsEverything(t *testing.T) {
	pw := newProbeWorld(t, 2, 5)
	w, n := pw.w, pw.nodes
	long := sim.Hour
	log, err := faults.Apply(w, faults.Schedule{
		{Kind: faults.PartitionHalves, For: long, Nodes: n[:2], Other: n[2:]},
		{Kind: faults.PartitionOneWay, For: long, Nodes: n[2:3], Other: n[3:4]},
		{Kind: faults.Crash, For: long, Nodes: n[4:5]},
		{Kind: faults.ClockSkew, For: long, Nodes: n[:1], Amount: int64(3 * sim.Second)},
		{Kind: faults.ClockDrift, For: long, Nodes: n[1:2], Amount: 5000},
		{Kind: faults.LossBurst, For: long, Nodes: n[2:3], Amount: 1_000_000},
		{Kind: faults.DiskLoseSyncs, For: long, Nodes: n[3:4]},
		{Kind: faults.DiskSlow, For: long, Nodes: n[3:4], Amount: 10},
		{Kind: faults.Crash, At: 2 * long, For: long, Nodes: n[:1]}, // after the heal: never starts
	})
	require.NoError(t, err)
	require.NoError(t, w.RunFor(sim.Second))
	require.False(t, pw.allReach(t))
	require.Len(t, log.Active(), 8)
	require.Equal(t, 3*sim.Second, w.NodeWallClock(n[0]).Sub(w.NodeMonotonic(n[0])))
	require.True(t, w.DiskOf(n[3]).LoseSyncs)

	log.HealAll()
	require.Empty(t, log.Active())
	for _, id := range n {
		require.True(t, w.NodeUp(id))
		require.Equal(t, sim.Duration(0), w.NodeWallClock(id).Sub(w.NodeMonotonic(id)), "skew gone")
	}
	pw.revive(t)
	before := w.NodeMonotonic(n[1])
	require.True(t, pw.allReach(t), "no partition or loss left")
	require.Equal(t, 500*sim.Millisecond, w.NodeMonotonic(n[1]).Sub(before), "drift gone")
	require.False(t, w.DiskOf(n[3]).LoseSyncs)
	require.Zero(t, w.DiskOf(n[3]).SyncLatencyFactor)
	require.NoError(t, w.RunFor(3*long))
	require.True(t, w.NodeUp(n[0]), "faults scheduled after the heal are dropped")
	for _, e := range log.Entries {
		require.NotZero(t, e.End, e.Description)
	}
}

func TestBridgeSeesBothSides(t *testing.T) {
	pw := newProbeWorld(t, 3, 5)
	n := pw.nodes
	_, err := faults.Apply(pw.w, faults.Schedule{{Kind: faults.PartitionBridge, For: sim.Minute,
		Nodes: []sim.NodeID{n[0], n[1], n[2]}, Other: []sim.NodeID{n[0], n[3], n[4]}, Bridge: n[0]}})
	require.NoError(t, err)
	require.NoError(t, pw.w.RunFor(sim.Millisecond))
	got := pw.reach(t)
	for _, x := range n[1:] {
		require.True(t, got[[2]sim.NodeID{n[0], x}], "bridge reaches %d", x)
		require.True(t, got[[2]sim.NodeID{x, n[0]}])
	}
	require.False(t, got[[2]sim.NodeID{n[1], n[3]}])
	require.False(t, got[[2]sim.NodeID{n[4], n[2]}])
	require.True(t, got[[2]sim.NodeID{n[1], n[2]}])
}

func TestKillAndJumpAreInstantaneous(t *testing.T) {
	pw := newProbeWorld(t, 4, 2)
	w, n := pw.w, pw.nodes
	victim := pw.pids[1]
	log, err := faults.Apply(w, faults.Schedule{
		{Kind: faults.Kill, At: sim.Second, Nodes: n[1:2]},
		{Kind: faults.ClockJump, At: sim.Second, Nodes: n[:1], Amount: int64(-4 * sim.Second)},
	})
	require.NoError(t, err)
	require.NoError(t, w.RunFor(2*sim.Second))
	require.False(t, w.Alive(victim))
	require.Equal(t, -4*sim.Second, w.NodeWallClock(n[0]).Sub(w.NodeMonotonic(n[0])))
	require.Empty(t, log.Active())
	require.Len(t, log.Entries, 2)
}

func TestValidateRejectsBadFaults(t *testing.T) {
	pw := newProbeWorld(t, 5, 2)
	n := pw.nodes
	for _, tc := range []struct {
		f    faults.Fault
		want string
	}{
		{faults.Fault{Kind: "meteor", Nodes: n}, `unknown fault kind "meteor"`},
		{faults.Fault{Kind: faults.Crash}, "no nodes"},
		{faults.Fault{Kind: faults.Crash, Nodes: []sim.NodeID{99}}, "no node with id 99"},
		{faults.Fault{Kind: faults.Crash, At: -1, Nodes: n}, "must not be negative"},
		{faults.Fault{Kind: faults.PartitionHalves, Nodes: n}, "other side is empty"},
		{faults.Fault{Kind: faults.ClockDrift, Nodes: n, Amount: 900_000}, "drift must be between"},
		{faults.Fault{Kind: faults.LossBurst, Nodes: n, Amount: 2_000_000}, "ppm must be between"},
		{faults.Fault{Kind: faults.DiskSlow, Nodes: n, Amount: 0}, "slow-down factor"},
	} {
		_, err := faults.Apply(pw.w, faults.Schedule{tc.f})
		require.ErrorContains(t, err, tc.want)
	}
	_, err := faults.ParseKind("crash")
	require.NoError(t, err)
}

func TestRunPhasesHealsThenWaitsForConvergence(t *testing.T) {
	pw := newProbeWorld(t, 6, 3)
	w, n := pw.w, pw.nodes
	log, err := faults.Apply(w, faults.Schedule{{Kind: faults.Crash, At: sim.Second, For: sim.Hour, Nodes: n[2:3]}})
	require.NoError(t, err)
	out, err := faults.RunPhases(w, log, faults.Phases{Safety: 10 * sim.Second, Liveness: 5 * sim.Second},
		func() bool { return w.NodeUp(n[2]) && len(w.NodeProcesses(n[2])) == 1 })
	require.NoError(t, err)
	require.True(t, out.Converged)
	require.Less(t, out.ConvergedAfter, sim.Second)
	require.True(t, strings.HasPrefix(log.Entries[0].Description, "crash n2"))

	// A predicate that never holds reports the bound, not a pass.
	out, err = faults.RunPhases(w, log, faults.Phases{Safety: sim.Second, Liveness: 2 * sim.Second}, func() bool { return false })
	require.NoError(t, err)
	require.False(t, out.Converged)
	require.Equal(t, 2*sim.Second, out.ConvergedAfter)
}

// TestCutsMatchWhatApplyBlocks: while a partition runs, datagrams cross
// exactly the pairs Fault.Cuts does not name (every partition kind).
func TestCutsMatchWhatApplyBlocks(t *testing.T) {
	for _, kind := range []faults.Kind{faults.PartitionNode, faults.PartitionHalves, faults.PartitionBridge, faults.PartitionOneWay} {
		t.Run(string(kind), func(t *testing.T) {
			pw := newProbeWorld(t, 3, 5)
			n := pw.nodes
			f := faults.Fault{Kind: kind, For: sim.Minute, Nodes: n[:2], Other: n[2:]}
			switch kind {
			case faults.PartitionNode:
				f.Nodes, f.Other = n[:1], nil
			case faults.PartitionBridge:
				f.Nodes, f.Other, f.Bridge = n[:3], n[2:], n[2]
			}
			_, err := faults.Apply(pw.w, faults.Schedule{f})
			require.NoError(t, err)
			require.NoError(t, pw.w.RunFor(sim.Millisecond))
			blocked := map[[2]sim.NodeID]bool{}
			for _, c := range f.Cuts(pw.w.Nodes()) {
				for _, a := range c.From {
					for _, b := range c.To {
						blocked[[2]sim.NodeID{a, b}] = true
					}
				}
			}
			got := pw.reach(t)
			for _, a := range n {
				for _, b := range n {
					if a != b {
						require.Equal(t, !blocked[[2]sim.NodeID{a, b}], got[[2]sim.NodeID{a, b}], "%s -> %s", pw.w.NodeName(a), pw.w.NodeName(b))
					}
				}
			}
		})
	}
}
