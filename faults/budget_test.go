package faults_test

import (
	"testing"

	"github.com/guildsim/guildsim/faults"
	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

// TestBudget: which schedules a budget of three replicas (n0-n2, one of
// them may lose state while the others are whole) and one sole copy (n3,
// no loss) admits, and what Admit refuses and Check reports otherwise.
func TestBudget(t *testing.T) {
	pw := newProbeWorld(t, 1, 5)
	n := pw.nodes
	b := faults.Budget{
		Groups: []faults.BudgetGroup{
			{Name: "store", Nodes: n[:3], Tolerance: faults.OneReplica},
			{Name: "guild", Nodes: n[3:4], Tolerance: faults.SoleCopy},
		},
		StateLossGrace: 10 * sim.Second,
	}
	s := sim.Second
	lie := func(node sim.NodeID, at, d sim.Duration) faults.Fault {
		return faults.Fault{Kind: faults.DiskLoseSyncs, Nodes: []sim.NodeID{node}, At: at, For: d}
	}
	crash := func(node sim.NodeID, at, d sim.Duration) faults.Fault {
		return faults.Fault{Kind: faults.Crash, Nodes: []sim.NodeID{node}, At: at, For: d}
	}
	cut := func(node sim.NodeID, at, d sim.Duration) faults.Fault {
		return faults.Fault{Kind: faults.PartitionNode, Nodes: []sim.NodeID{node}, At: at, For: d}
	}
	cases := []struct {
		name    string
		s       faults.Schedule
		refused []int // indexes into s, in start order
		reason  string
	}{
		{"crashes alone lose nothing synced", faults.Schedule{crash(n[0], 1*s, 5*s), crash(n[1], 2*s, 5*s), crash(n[2], 3*s, 5*s), crash(n[3], s, s)}, nil, ""},
		{"a lie alone loses nothing", faults.Schedule{lie(n[0], 1*s, 5*s), lie(n[1], 1*s, 5*s), lie(n[3], 1*s, 5*s), crash(n[2], 2*s, 3*s)}, nil, ""},
		{"one replica loses state, the others whole", faults.Schedule{lie(n[0], 1*s, 5*s), crash(n[0], 4*s, 2*s)}, nil, ""},
		// Seed 1970: the third replica down while the lying one acknowledged
		// writes, then the lying one crashes.
		{"lie, another down, crash", faults.Schedule{crash(n[1], 0, 3*s), lie(n[0], 1*s, 5*s), crash(n[0], 4*s, 2*s)}, []int{2},
			"store: n0 would be impaired while n1 is (n0 loses state +1s to +6s, n1 is down +0s to +3s): two of its replicas at once"},
		{"down after the loss began", faults.Schedule{lie(n[0], 1*s, 5*s), crash(n[0], 4*s, 2*s), crash(n[2], 5*s, 3*s)}, []int{2},
			"store: n2 would be impaired while n0 is (n2 is down +5s to +8s, n0 loses state +1s to +6s): two of its replicas at once"},
		// Seed 4142: the third replica cut off instead of down.
		{"lie, another cut off, crash", faults.Schedule{lie(n[0], 1*s, 5*s), cut(n[2], 2*s, 2*s), crash(n[0], 7*s, 2*s)}, []int{2},
			"store: n0 would be impaired while n2 is (n0 loses state +1s to +9s, n2 is cut off from the others +2s to +4s): two of its replicas at once"},
		// Seed 8576: the lying replica itself cut off: the legs it
		// coordinated to the others were lost, and its hints with its crash.
		{"lie, cut off itself, crash", faults.Schedule{lie(n[0], 1*s, 2*s), cut(n[0], 3*s, 4*s), crash(n[0], 6*s, 2*s)}, []int{2},
			"store: n0 would lose state (+1s to +8s) while it is cut off from the others (+3s to +7s): the writes it coordinated may not reach the others, and their hints die with it"},
		{"lie, another slowed, crash", faults.Schedule{lie(n[0], 1*s, 2*s), {Kind: faults.LatencySpike, Nodes: []sim.NodeID{n[1]}, At: 2 * s, For: s, Amount: int64(100 * sim.Millisecond)}, crash(n[0], 6*s, 2*s)}, []int{2},
			"store: n0 would be impaired while n1 is (n0 loses state +1s to +8s, n1 has slow links +2s to +3s): two of its replicas at once"},
		{"a crash past the grace loses nothing", faults.Schedule{crash(n[1], 0, 3*s), lie(n[0], 1*s, 2*s), crash(n[0], 14*s, 2*s)}, nil, ""},
		{"a restart starts the loss afresh", faults.Schedule{lie(n[0], 0, 20*s), crash(n[0], 2*s, 1*s), crash(n[1], 4*s, 1*s), crash(n[0], 8*s, 1*s)}, []int{3},
			"store: n0 would be impaired while n1 is (n0 loses state +3s to +9s, n1 is down +4s to +5s): two of its replicas at once"},
		// Seed 6632: a guild node's reservation is its only copy.
		{"a sole copy loses state", faults.Schedule{lie(n[3], 1*s, 2*s), crash(n[3], 5*s, 1*s)}, []int{1},
			"guild: n3 would lose the only copy of its state (its disk lied about syncs from +1s)"},
		{"nodes outside the budget", faults.Schedule{lie(n[4], 1*s, 2*s), crash(n[4], 2*s, 1*s)}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refusals := b.Check(pw.w, c.s)
			kept, admitted := b.Admit(pw.w, c.s)
			require.Equal(t, refusals, admitted, "Check and Admit refuse the same faults")
			require.Len(t, refusals, len(c.refused))
			require.Len(t, kept, len(c.s)-len(c.refused))
			for i, r := range refusals {
				require.Equal(t, c.s[c.refused[i]], r.Fault)
				require.Equal(t, c.reason, r.Reason)
			}
			require.Empty(t, b.Check(pw.w, kept), "what Admit keeps is within the budget")
		})
	}
}

// TestSwarmWithinBudget: over many seeds, what the swarm nemesis draws and
// the budget admits is within the budget, and refusals happen (the budget
// is not vacuous).
func TestSwarmWithinBudget(t *testing.T) {
	pw := newProbeWorld(t, 1, 6)
	b := faults.Budget{
		Groups: []faults.BudgetGroup{
			{Name: "store", Nodes: pw.nodes[:3], Tolerance: faults.OneReplica},
			{Name: "guild", Nodes: pw.nodes[3:5], Tolerance: faults.SoleCopy},
		},
		StateLossGrace: 10 * sim.Second,
	}
	refused := 0
	for seed := uint64(1); seed <= 300; seed++ {
		d := faults.Swarm(seed, 30*sim.Second)
		s, err := d.Nemesis.Generate(pw.w, faults.Universe{Nodes: pw.nodes}, seed, 30*sim.Second)
		require.NoError(t, err)
		kept, rs := b.Admit(pw.w, s)
		refused += len(rs)
		require.Empty(t, b.Check(pw.w, kept), "seed %d", seed)
	}
	require.Positive(t, refused)
}
