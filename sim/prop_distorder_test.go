package sim_test

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Property: process messages between nodes arrive exactly once, in send
// order per (sender, receiver), and in send order per node pair, whatever the
// jitter and long tail, and across clogs and partitions shorter than
// Net.LinkTimeout.

type propDistMsg struct {
	Sender, Receiver int
	Seq              int // per (sender, receiver)
	PairSeq          int // per (sender node, receiver node), in send order
	Named            bool
}

type propDistTick struct{}

type propDistState struct {
	pt        *propT
	w         *sim.World
	recvPID   []sim.PID
	recvNode  []sim.NodeID
	sentPair  map[[2]int]int          // (sender, receiver) -> messages sent
	sentNodes map[[2]sim.NodeID]int   // (src node, dst node) -> messages sent
	got       map[[2]int][]int        // (sender, receiver) -> seqs in arrival order
	arrivals  map[[2]sim.NodeID][]int // (src node, dst node) -> PairSeq in arrival order
}

// propDistSender sends its messages in bursts: each timer tick sends a random
// burst to random receivers, by PID or by registered name.
type propDistSender struct {
	st    *propDistState
	idx   int
	left  int
	gap   sim.Duration
	work  sim.Duration
	named bool // may use SendNamed
}

func (s *propDistSender) Start(ctx *sim.Ctx) { ctx.SetTimer(0, propDistTick{}) }

func (s *propDistSender) Receive(ctx *sim.Ctx, msg any) {
	st := s.st
	r := ctx.Rand()
	burst := min(s.left, 1+r.Intn(12))
	for i := 0; i < burst; i++ {
		to := r.Intn(len(st.recvPID))
		dst := st.recvNode[to]
		key := [2]int{s.idx, to}
		nkey := [2]sim.NodeID{ctx.Node(), dst}
		m := propDistMsg{Sender: s.idx, Receiver: to, Seq: st.sentPair[key], PairSeq: st.sentNodes[nkey]}
		st.sentPair[key]++
		st.sentNodes[nkey]++
		if s.named && r.Intn(3) == 0 {
			m.Named = true
			ctx.SendNamed(dst, fmt.Sprintf("recv%d", to), m)
		} else {
			ctx.Send(st.recvPID[to], m)
		}
	}
	s.left -= burst
	ctx.Work(s.work)
	if s.left > 0 {
		ctx.SetTimer(r.Duration(0, s.gap), propDistTick{})
	}
}

type propDistReceiver struct {
	st  *propDistState
	idx int
}

func (d *propDistReceiver) Start(ctx *sim.Ctx) {
	if !ctx.Register(fmt.Sprintf("recv%d", d.idx)) {
		d.st.pt.failLater("recv%d: Register failed", d.idx)
	}
}

func (d *propDistReceiver) Receive(ctx *sim.Ctx, msg any) {
	st := d.st
	m, ok := msg.(propDistMsg)
	if !ok {
		st.pt.failLater("recv%d: unexpected %T %+v", d.idx, msg, msg)
		return
	}
	if m.Receiver != d.idx {
		st.pt.failLater("recv%d: got a message for recv%d: %+v", d.idx, m.Receiver, m)
	}
	key := [2]int{m.Sender, m.Receiver}
	st.got[key] = append(st.got[key], m.Seq)
	src, ok := st.w.ProcessNode(ctx.Sender())
	if !ok {
		st.pt.failLater("recv%d: sender %d of %+v is not alive", d.idx, ctx.Sender(), m)
	}
	nkey := [2]sim.NodeID{src, ctx.Node()}
	st.arrivals[nkey] = append(st.arrivals[nkey], m.PairSeq)
}

// propDistFault is one fault window: kind, start after the previous window's
// end, and length.
type propDistFault struct {
	Kind int
	Gap  sim.Duration
	Len  sim.Duration
}

var propDistFaultKinds = []string{
	"clog A<->B", "clog A->B", "clog B->A", "partition A<->B", "partition A->B",
	"partition B->A", "isolate A", "isolate B", "isolate C", "partition A<->{B,C}",
}

func TestPropDistMessagesOrdered(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pt := newPropT(rt)
		regions, lat := drawRegions(rt, 3, 60*sim.Millisecond)
		net := sim.NetConfig{Latency: lat}
		drawJitter(rt, &net)
		net.LinkTimeout = drawDuration(rt, "linkTimeout", 2*sim.Second, 60*sim.Second, sim.Millisecond)
		net.MinRTO = drawDuration(rt, "minRTO", 10*sim.Millisecond, sim.Second, sim.Millisecond)
		w := pt.newWorld(sim.Config{Regions: regions, Net: net})
		var nodes [3]sim.NodeID
		for i, name := range []string{"A", "B", "C"} {
			r := rapid.IntRange(0, len(regions)-1).Draw(rt, "region"+name)
			nodes[i] = w.MustAddNode(sim.NodeConfig{Name: name, Region: regions[r]})
		}
		st := &propDistState{pt: pt, w: w,
			sentPair: map[[2]int]int{}, sentNodes: map[[2]sim.NodeID]int{},
			got: map[[2]int][]int{}, arrivals: map[[2]sim.NodeID][]int{}}

		// Receivers on B and C; senders on A.
		nB := rapid.IntRange(1, 3).Draw(rt, "receiversOnB")
		nC := rapid.IntRange(0, 2).Draw(rt, "receiversOnC")
		for i := 0; i < nB+nC; i++ {
			node := nodes[1]
			if i >= nB {
				node = nodes[2]
			}
			st.recvNode = append(st.recvNode, node)
			st.recvPID = append(st.recvPID, w.Spawn(node, fmt.Sprintf("recv%d", i), &propDistReceiver{st: st, idx: i}))
		}
		nS := rapid.IntRange(1, 4).Draw(rt, "sendersOnA")
		named := rapid.Bool().Draw(rt, "useSendNamed")
		gap := drawDuration(rt, "maxSendGap", 10*sim.Millisecond, 3*sim.Second, sim.Millisecond)
		total := 0
		for i := 0; i < nS; i++ {
			s := &propDistSender{st: st, idx: i, gap: gap, named: named,
				left: rapid.IntRange(0, 150).Draw(rt, fmt.Sprintf("msgs[%d]", i)),
				work: drawDuration(rt, fmt.Sprintf("work[%d]", i), 0, sim.Millisecond, sim.Microsecond)}
			total += s.left
			w.Spawn(nodes[0], fmt.Sprintf("send%d", i), s)
		}

		// Fault windows: one after the other, or (overlapping) all inside
		// one span shorter than the link timeout. Either way no node pair
		// stays partitioned for Net.LinkTimeout.
		overlap := rapid.Bool().Draw(rt, "overlappingFaults")
		faults := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) propDistFault {
			f := propDistFault{
				Kind: rapid.IntRange(0, len(propDistFaultKinds)-1).Draw(t, "kind"),
				Gap:  drawDuration(t, "gap", 0, 5*sim.Second, sim.Millisecond),
			}
			limit := 20 * sim.Second
			if f.Kind >= 3 {
				limit = net.LinkTimeout - sim.Millisecond
			}
			f.Len = drawDuration(t, "len", 0, limit, sim.Millisecond)
			return f
		}), 0, 5).Draw(rt, "faults")
		span := net.LinkTimeout - sim.Millisecond
		at := w.Now()
		A, B, C := nodes[0], nodes[1], nodes[2]
		one := func(n sim.NodeID) []sim.NodeID { return []sim.NodeID{n} }
		for _, f := range faults {
			if overlap {
				at = w.Now().Add(min(f.Gap, span))
				if f.Kind >= 3 {
					f.Len = min(f.Len, span-min(f.Gap, span))
				}
			} else {
				at = at.Add(f.Gap)
			}
			var id sim.PartitionID
			var heal func(sim.PartitionID)
			w.At(at, propDistFaultKinds[f.Kind], func() {
				heal = w.Heal
				switch f.Kind {
				case 0:
					id, heal = w.Clog(one(A), one(B)), w.Unclog
				case 1:
					id, heal = w.ClogOneWay(one(A), one(B)), w.Unclog
				case 2:
					id, heal = w.ClogOneWay(one(B), one(A)), w.Unclog
				case 3:
					id = w.Partition(one(A), one(B))
				case 4:
					id = w.PartitionOneWay(one(A), one(B))
				case 5:
					id = w.PartitionOneWay(one(B), one(A))
				case 6:
					id = w.Isolate(A)
				case 7:
					id = w.Isolate(B)
				case 8:
					id = w.Isolate(C)
				case 9:
					id = w.Partition(one(A), []sim.NodeID{B, C})
				}
			})
			at = at.Add(f.Len)
			w.At(at, "heal "+propDistFaultKinds[f.Kind], func() { heal(id) })
		}

		pt.run(w)
		pt.checkErrs()

		if s := w.Stats(); s.DistLost != 0 || s.LinkBreaks != 0 || s.DeadLetters != 0 {
			pt.Fatalf("lost=%d linkBreaks=%d deadLetters=%d, want none (faults %v)", s.DistLost, s.LinkBreaks, s.DeadLetters, faults)
		}
		received := 0
		for _, key := range propSortedKeys(st.sentPair) {
			n := st.sentPair[key]
			got := st.got[key]
			received += len(got)
			if len(got) != n {
				pt.Fatalf("sender %d -> receiver %d: %d of %d messages arrived (faults %v)", key[0], key[1], len(got), n, faults)
			}
			for i, seq := range got {
				if seq != i {
					pt.Fatalf("sender %d -> receiver %d: arrival %d is #%d, want #%d: %v (faults %v)", key[0], key[1], i, seq, i, got, faults)
				}
			}
		}
		if received != total {
			pt.Fatalf("received %d messages, sent %d", received, total)
		}
		// Per node pair: PID and name sends share the pair's link, so
		// arrivals (handled at once: receivers never declare work) follow
		// the send order on A.
		for _, key := range propSortedKeys(st.sentNodes) {
			n := st.sentNodes[key]
			got := st.arrivals[key]
			require.Len(pt, got, n, "node pair %v", key)
			for i, seq := range got {
				if seq != i {
					pt.Fatalf("node pair %s->%s: arrival %d is pair message #%d, want #%d (faults %v)",
						w.NodeName(key[0]), w.NodeName(key[1]), i, seq, i, faults)
				}
			}
		}
	})
}

// TestPropDistPartitionShorterThanLinkTimeout: a partition that heals before the
// link timeout delays messages but loses none.
func TestPropDistPartitionShorterThanLinkTimeout(t *testing.T) {
	w, err := sim.NewWorld(sim.Config{Seed: 3})
	require.NoError(t, err)
	a := w.MustAddNode(sim.NodeConfig{Name: "a"})
	b := w.MustAddNode(sim.NodeConfig{Name: "b"})
	var got []int
	var times []sim.Time
	rcv := w.Spawn(b, "rcv", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
		got = append(got, msg.(int))
		times = append(times, w.Now())
	}))
	snd := w.Spawn(a, "snd", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
		n := msg.(int)
		ctx.Send(rcv, n)
		if n < 99 {
			ctx.SetTimer(100*sim.Millisecond, n+1)
		}
	}))
	w.Send(snd, 0)
	var pid sim.PartitionID
	w.After(2*sim.Second, "partition", func() { pid = w.Partition([]sim.NodeID{a}, []sim.NodeID{b}) })
	w.After(32*sim.Second, "heal", func() { w.Heal(pid) })
	require.NoError(t, w.Run())
	require.Len(t, got, 100)
	for i := range got {
		require.Equal(t, i, got[i])
	}
	require.Zero(t, w.Stats().LinkBreaks)
	// Messages held by the partition arrive after the heal, not before.
	require.GreaterOrEqual(t, times[25], sim.DefaultStart.Add(32*sim.Second))
}

// propSortedKeys returns the keys of a map keyed by pairs, in order (so that the
// first failure reported is the same on every replay).
func propSortedKeys[K ~[2]E, E cmp.Ordered, V any](m map[K]V) []K {
	return slices.SortedFunc(maps.Keys(m), func(a, b K) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
}
