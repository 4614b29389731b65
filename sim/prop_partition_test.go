package sim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Property: a partition blocks exactly the ordered node pairs it names (both
// ways, or one way), rules add up, and healing a rule restores exactly the
// pairs no other rule still blocks. Every ordered pair (self included) is
// probed with one datagram per phase; with zero datagram loss a pair gets its
// probe iff it is not blocked.

type propProbeCmd struct{ Phase int }

type propProbeMsg struct {
	Phase    int
	From, To sim.NodeID
}

type propPartRule struct {
	Kind     int // 0 Partition, 1 PartitionOneWay, 2 Isolate
	A, B     []sim.NodeID
	Isolated sim.NodeID
}

func (r propPartRule) String() string {
	switch r.Kind {
	case 0:
		return fmt.Sprintf("Partition(%v, %v)", r.A, r.B)
	case 1:
		return fmt.Sprintf("PartitionOneWay(%v, %v)", r.A, r.B)
	}
	return fmt.Sprintf("Isolate(%d)", r.Isolated)
}

// blocks reports whether r cuts traffic from s to d.
func (r propPartRule) blocks(s, d sim.NodeID) bool {
	if s == d {
		return false
	}
	in := func(x sim.NodeID, set []sim.NodeID) bool {
		for _, y := range set {
			if x == y {
				return true
			}
		}
		return false
	}
	switch r.Kind {
	case 0:
		return in(s, r.A) && in(d, r.B) || in(s, r.B) && in(d, r.A)
	case 1:
		return in(s, r.A) && in(d, r.B)
	}
	return s == r.Isolated || d == r.Isolated
}

func propDrawNodeSet(t *rapid.T, n int, label string) []sim.NodeID {
	var set []sim.NodeID
	for i := 0; i < n; i++ {
		if rapid.Bool().Draw(t, fmt.Sprintf("%s[%d]", label, i)) {
			set = append(set, sim.NodeID(i))
		}
	}
	return set
}

func TestPropPartitionBlocksExactlyNamedPairs(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pt := newPropT(rt)
		regions, lat := drawRegions(rt, 2, 100*sim.Millisecond)
		net := sim.NetConfig{Latency: lat}
		net.JitterPercent = rapid.Int64Range(0, 100).Draw(rt, "jitterPercent")
		net.DatagramDupPPM = 0
		net.DatagramLossPPM = 0
		w := pt.newWorld(sim.Config{Regions: regions, Net: net})
		n := rapid.IntRange(3, 6).Draw(rt, "nodes")
		rules := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) propPartRule {
			r := propPartRule{Kind: rapid.IntRange(0, 2).Draw(t, "kind")}
			if r.Kind == 2 {
				r.Isolated = sim.NodeID(rapid.IntRange(0, n-1).Draw(t, "isolated"))
			} else {
				r.A = propDrawNodeSet(t, n, "a")
				r.B = propDrawNodeSet(t, n, "b")
			}
			return r
		}), 1, 3).Draw(rt, "rules")
		healOrder := rapid.Permutation(func() []int {
			p := make([]int, len(rules))
			for i := range p {
				p[i] = i
			}
			return p
		}()).Draw(rt, "healOrder")

		// received[phase][from][to] counts probe datagrams.
		phases := 1 + 2*len(rules)
		received := make([][][]int, phases)
		for i := range received {
			received[i] = make([][]int, n)
			for j := range received[i] {
				received[i][j] = make([]int, n)
			}
		}
		var pids []sim.PID
		for i := 0; i < n; i++ {
			id := w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("n%d", i), Region: regions[rapid.IntRange(0, len(regions)-1).Draw(rt, fmt.Sprintf("region[%d]", i))]})
			pids = append(pids, w.Spawn(id, "prober", &propProber{pt: pt, n: n, received: received}))
		}

		// Phase 0: no rule. Phases 1..k: after adding rule k. Then one
		// phase after each heal. Phases are 30s apart, far longer than any
		// datagram delay (latency + jitter + capped tail).
		ids := make([]sim.PartitionID, len(rules))
		active := make([]bool, len(rules))
		expect := make([][][]bool, phases) // blocked[phase][from][to]
		snapshot := func() [][]bool {
			b := make([][]bool, n)
			for s := range b {
				b[s] = make([]bool, n)
				for d := range b[s] {
					for i, r := range rules {
						if active[i] && r.blocks(sim.NodeID(s), sim.NodeID(d)) {
							b[s][d] = true
						}
					}
				}
			}
			return b
		}
		step := 30 * sim.Second
		at := w.Now().Add(sim.Second)
		probe := func(phase int) {
			w.At(at.Add(sim.Microsecond), fmt.Sprintf("probe %d", phase), func() {
				for _, pid := range pids {
					w.Send(pid, propProbeCmd{Phase: phase})
				}
			})
			at = at.Add(step)
		}
		expect[0] = snapshot()
		probe(0)
		for i, r := range rules {
			w.At(at, "add "+r.String(), func() {
				switch r.Kind {
				case 0:
					ids[i] = w.Partition(r.A, r.B)
				case 1:
					ids[i] = w.PartitionOneWay(r.A, r.B)
				case 2:
					ids[i] = w.Isolate(r.Isolated)
				}
			})
			active[i] = true
			expect[1+i] = snapshot()
			probe(1 + i)
		}
		for k, i := range healOrder {
			w.At(at, "heal "+rules[i].String(), func() { w.Heal(ids[i]) })
			active[i] = false
			expect[1+len(rules)+k] = snapshot()
			probe(1 + len(rules) + k)
		}
		pt.run(w)
		pt.checkErrs()

		for ph := 0; ph < phases; ph++ {
			var bad []string
			for s := 0; s < n; s++ {
				for d := 0; d < n; d++ {
					want := 1
					if expect[ph][s][d] {
						want = 0
					}
					if got := received[ph][s][d]; got != want {
						bad = append(bad, fmt.Sprintf("n%d->n%d got %d want %d", s, d, got, want))
					}
				}
			}
			if len(bad) > 0 {
				pt.Fatalf("phase %d (rules %v, heal order %v): %s", ph, rules, healOrder, strings.Join(bad, "; "))
			}
		}
	})
}

// propProber sends one datagram to every node (itself included) when told, and
// counts the probes it receives.
type propProber struct {
	pt       *propT
	n        int
	received [][][]int
}

func (p *propProber) Start(ctx *sim.Ctx) {
	if err := ctx.BindUDP(7); err != nil {
		p.pt.failLater("BindUDP: %v", err)
	}
}

func (p *propProber) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case propProbeCmd:
		for d := 0; d < p.n; d++ {
			to := sim.NodeID(d)
			ctx.SendDatagram(7, sim.Addr{Node: to, Port: 7}, propProbeMsg{Phase: m.Phase, From: ctx.Node(), To: to})
		}
	case sim.Datagram:
		pm := msg.(sim.Datagram).Msg.(propProbeMsg)
		if pm.To != ctx.Node() || m.From.Node != pm.From {
			p.pt.failLater("probe %+v from %+v arrived at n%d", pm, m.From, ctx.Node())
		}
		p.received[pm.Phase][pm.From][pm.To]++
	default:
		p.pt.failLater("unexpected %T", msg)
	}
}

// TestPropPartitionOneWayThenHeal: a one-way partition cuts only its direction,
// and a datagram already in flight when a partition starts is dropped on
// arrival.
func TestPropPartitionOneWayThenHeal(t *testing.T) {
	w, err := sim.NewWorld(sim.Config{Seed: 5, Regions: []string{"us", "eu"}})
	require.NoError(t, err)
	a := w.MustAddNode(sim.NodeConfig{Name: "a", Region: "us"})
	b := w.MustAddNode(sim.NodeConfig{Name: "b", Region: "eu"})
	received := make([][][]int, 3)
	for i := range received {
		received[i] = [][]int{{0, 0}, {0, 0}}
	}
	pt := &propT{seed: 5}
	pa := w.Spawn(a, "pa", &propProber{pt: pt, n: 2, received: received})
	pb := w.Spawn(b, "pb", &propProber{pt: pt, n: 2, received: received})
	var id sim.PartitionID
	w.After(sim.Second, "probe 0", func() { w.Send(pa, propProbeCmd{0}); w.Send(pb, propProbeCmd{0}) })
	// 10ms after the probes left (35ms one way): they are in flight.
	w.After(sim.Second+10*sim.Millisecond, "cut a->b", func() { id = w.PartitionOneWay([]sim.NodeID{a}, []sim.NodeID{b}) })
	w.After(2*sim.Second, "probe 1", func() { w.Send(pa, propProbeCmd{1}); w.Send(pb, propProbeCmd{1}) })
	w.After(3*sim.Second, "heal", func() { w.Heal(id) })
	w.After(4*sim.Second, "probe 2", func() { w.Send(pa, propProbeCmd{2}); w.Send(pb, propProbeCmd{2}) })
	require.NoError(t, w.Run())
	require.Empty(t, pt.errs)
	require.Equal(t, [][]int{{1, 0}, {1, 1}}, received[0], "a->b probe in flight when the cut began is dropped")
	require.Equal(t, [][]int{{1, 0}, {1, 1}}, received[1])
	require.Equal(t, [][]int{{1, 1}, {1, 1}}, received[2])
}
