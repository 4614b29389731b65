package sim_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Property: declared work (Ctx.Work) holds the process and one of its node's
// schedulers for its duration: messages queue in the mailbox behind it (up to
// MailboxLimit, beyond which they are dropped) and are handled in order as
// soon as the work ends; with every scheduler of a node busy, other processes
// of the node wait too, and get the schedulers in FIFO order as they free.
//
// All arrivals are at t0 + whole µs + 500ns and all work is whole µs, so no
// arrival ties with the end of some work and the expected times are exact.

type propWorkMsg struct {
	Idx  int
	Work sim.Duration
}

type propWorkHandled struct {
	Idx int
	At  sim.Time
}

// propWorker handles workMsg by declaring its work and recording when.
type propWorker struct {
	w   *sim.World
	log *[]propWorkHandled
}

func (k *propWorker) Receive(ctx *sim.Ctx, msg any) {
	m := msg.(propWorkMsg)
	*k.log = append(*k.log, propWorkHandled{Idx: m.Idx, At: k.w.Now()})
	ctx.Work(m.Work)
}

type propWorkArrival struct {
	Offset sim.Duration // after t0: whole µs, plus 500ns added by the test
	Work   sim.Duration
}

func propDrawArrivals(rt *rapid.T, label string, maxOffset sim.Duration, maxN int) []propWorkArrival {
	arr := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) propWorkArrival {
		a := propWorkArrival{Offset: drawDuration(t, "offsetUs", 0, maxOffset, sim.Microsecond)}
		if rapid.Bool().Draw(t, "works") {
			a.Work = drawDuration(t, "workUs", sim.Microsecond, 20*sim.Millisecond, sim.Microsecond)
		}
		return a
	}), 0, maxN).Draw(rt, label)
	slices.SortStableFunc(arr, func(a, b propWorkArrival) int { return int(a.Offset - b.Offset) })
	return arr
}

// One process: a first message declares d0 of work at t0; more messages
// arrive while it works (and after). Handling times, mailbox depths at probe
// times and drops at a full mailbox all follow the single-server FIFO model.
func TestPropWorkDelaysQueuedMessages(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pt := newPropT(rt)
		d0 := drawDuration(rt, "firstWorkUs", sim.Microsecond, 50*sim.Millisecond, sim.Microsecond)
		arr := propDrawArrivals(rt, "arrivals", 80*sim.Millisecond, 60)
		limit := rapid.IntRange(1, 64).Draw(rt, "mailboxLimit")
		probes := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) sim.Duration {
			return drawDuration(t, "probeUs", 0, 100*sim.Millisecond, sim.Microsecond) + 250*sim.Nanosecond
		}), 0, 10).Draw(rt, "probes")
		slices.Sort(probes)
		w := pt.newWorld(sim.Config{MailboxLimit: limit})
		n := w.MustAddNode(sim.NodeConfig{Name: "n", Schedulers: rapid.IntRange(1, 4).Draw(rt, "schedulers")})
		var log []propWorkHandled
		pid := w.Spawn(n, "worker", &propWorker{w: w, log: &log})
		t0 := w.Now().Add(sim.Millisecond)

		// The model: message 0 is handled at t0; each later one when it
		// arrives if the process is free and nothing waits, else in FIFO
		// order as the work before it ends; it is dropped if it arrives to
		// a full mailbox.
		type ev struct {
			at    sim.Time
			idx   int // -1 for a probe
			probe int
		}
		var evs []ev
		for i, a := range arr {
			evs = append(evs, ev{at: t0.Add(a.Offset + 500*sim.Nanosecond), idx: i + 1})
		}
		for i, p := range probes {
			evs = append(evs, ev{at: t0.Add(p), idx: -1, probe: i})
		}
		slices.SortStableFunc(evs, func(a, b ev) int { return int(a.at - b.at) })
		work := func(idx int) sim.Duration {
			if idx == 0 {
				return d0
			}
			return arr[idx-1].Work
		}
		want := map[int]sim.Time{0: t0}
		busyUntil := t0.Add(d0)
		var queue []int
		drain := func(t sim.Time) {
			for len(queue) > 0 && busyUntil <= t {
				idx := queue[0]
				queue = queue[1:]
				want[idx] = busyUntil
				busyUntil = busyUntil.Add(work(idx))
			}
		}
		wantDepth := make([]int, len(probes))
		dropped := 0
		for _, e := range evs {
			drain(e.at)
			switch {
			case e.idx < 0:
				wantDepth[e.probe] = len(queue)
			case busyUntil <= e.at && len(queue) == 0:
				want[e.idx] = e.at
				busyUntil = e.at.Add(work(e.idx))
			case len(queue) >= limit:
				dropped++
			default:
				queue = append(queue, e.idx)
			}
		}
		drain(sim.Time(1 << 62))

		w.At(t0, "first", func() { w.Send(pid, propWorkMsg{Idx: 0, Work: d0}) })
		for i, a := range arr {
			w.At(t0.Add(a.Offset+500*sim.Nanosecond), fmt.Sprintf("send %d", i+1), func() { w.Send(pid, propWorkMsg{Idx: i + 1, Work: a.Work}) })
		}
		gotDepth := make([]int, len(probes))
		for i, p := range probes {
			w.At(t0.Add(p), "probe", func() { gotDepth[i] = w.MailboxDepth(pid) })
		}
		pt.run(w)

		if len(log) != len(want) {
			pt.Fatalf("%d messages handled, model says %d (dropped %d, limit %d): %v", len(log), len(want), dropped, limit, log)
		}
		prev := -1
		for _, h := range log {
			if h.Idx <= prev {
				pt.Fatalf("message %d handled after message %d: mailbox order broken", h.Idx, prev)
			}
			prev = h.Idx
			wt, ok := want[h.Idx]
			if !ok {
				pt.Fatalf("message %d handled, but the model drops it at a full mailbox (limit %d)", h.Idx, limit)
			}
			if h.At != wt {
				pt.Fatalf("message %d (arrival %s) handled at t0+%s, model says t0+%s (d0 %s, arrivals %v)",
					h.Idx, propArrivalOffset(arr, h.Idx), h.At.Sub(t0), wt.Sub(t0), d0, arr)
			}
		}
		for i := range probes {
			if gotDepth[i] != wantDepth[i] {
				pt.Fatalf("MailboxDepth at t0+%s = %d, model says %d (d0 %s, arrivals %v)", probes[i], gotDepth[i], wantDepth[i], d0, arr)
			}
		}
		if got := w.Stats().MailboxDrops; got != uint64(dropped) {
			pt.Fatalf("Stats.MailboxDrops = %d, model says %d", got, dropped)
		}
	})
}

func propArrivalOffset(arr []propWorkArrival, idx int) sim.Duration {
	if idx == 0 {
		return 0
	}
	return arr[idx-1].Offset + 500*sim.Nanosecond
}

// All S schedulers of a node are taken by S hogs at t0; other processes of
// the node that get a message meanwhile wait, and take the schedulers in
// arrival order as they free (a FIFO multi-server queue), each keeping its
// scheduler for the work it declares.
func TestPropWorkBusySchedulersDelayOthers(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pt := newPropT(rt)
		s := rapid.IntRange(1, 4).Draw(rt, "schedulers")
		hogWork := make([]sim.Duration, s)
		for i := range hogWork {
			hogWork[i] = drawDuration(rt, fmt.Sprintf("hogWorkUs[%d]", i), sim.Microsecond, 30*sim.Millisecond, sim.Microsecond)
		}
		arr := propDrawArrivals(rt, "victims", 40*sim.Millisecond, 20)
		w := pt.newWorld(sim.Config{})
		n := w.MustAddNode(sim.NodeConfig{Name: "n", Schedulers: s})
		var hogLog, log []propWorkHandled
		hogs := make([]sim.PID, s)
		for i := range hogs {
			hogs[i] = w.Spawn(n, fmt.Sprintf("hog%d", i), &propWorker{w: w, log: &hogLog})
		}
		victims := make([]sim.PID, len(arr))
		for i := range victims {
			victims[i] = w.Spawn(n, fmt.Sprintf("victim%d", i), &propWorker{w: w, log: &log})
		}
		t0 := w.Now().Add(sim.Millisecond)
		for i := range hogs {
			w.At(t0, "hog", func() { w.Send(hogs[i], propWorkMsg{Idx: i, Work: hogWork[i]}) })
		}
		for i, a := range arr {
			w.At(t0.Add(a.Offset+500*sim.Nanosecond), "victim", func() { w.Send(victims[i], propWorkMsg{Idx: i, Work: a.Work}) })
		}

		// The model: free[k] is when scheduler k frees; each victim, in
		// arrival order, takes the earliest.
		free := make([]sim.Time, s)
		for i := range free {
			free[i] = t0.Add(hogWork[i])
		}
		want := make([]sim.Time, len(arr))
		for i, a := range arr {
			k := 0
			for j := range free {
				if free[j] < free[k] {
					k = j
				}
			}
			at := max(free[k], t0.Add(a.Offset+500*sim.Nanosecond))
			want[i] = at
			free[k] = at.Add(a.Work)
		}
		pt.run(w)

		if len(hogLog) != s {
			pt.Fatalf("%d hogs ran, want %d", len(hogLog), s)
		}
		for _, h := range hogLog {
			if h.At != t0 {
				pt.Fatalf("hog %d ran at t0+%s, want t0", h.Idx, h.At.Sub(t0))
			}
		}
		if len(log) != len(arr) {
			pt.Fatalf("%d victims ran, want %d", len(log), len(arr))
		}
		for _, h := range log {
			if h.At != want[h.Idx] {
				pt.Fatalf("victim %d (arrival t0+%s, work %s) ran at t0+%s, model says t0+%s (schedulers %d, hog work %v, victims %v)",
					h.Idx, arr[h.Idx].Offset+500, arr[h.Idx].Work, h.At.Sub(t0), want[h.Idx].Sub(t0), s, hogWork, arr)
			}
		}
	})
}

// TestPropWorkQueuesBehind: a 10ms handler makes the next two messages wait for
// it, and the mailbox holds them meanwhile.
func TestPropWorkQueuesBehind(t *testing.T) {
	w, err := sim.NewWorld(sim.Config{Seed: 1})
	require.NoError(t, err)
	n := w.MustAddNode(sim.NodeConfig{Name: "n", Schedulers: 1})
	var log, otherLog []propWorkHandled
	pid := w.Spawn(n, "busy", &propWorker{w: w, log: &log})
	other := w.Spawn(n, "other", &propWorker{w: w, log: &otherLog})
	t0 := w.Now()
	w.Send(pid, propWorkMsg{Idx: 0, Work: 10 * sim.Millisecond})
	var depth int
	w.After(sim.Millisecond, "more", func() {
		w.Send(pid, propWorkMsg{Idx: 1})
		w.Send(pid, propWorkMsg{Idx: 2})
		w.Send(other, propWorkMsg{Idx: 0})
	})
	w.After(2*sim.Millisecond, "depth", func() { depth = w.MailboxDepth(pid) })
	require.NoError(t, w.Run())
	require.Equal(t, 2, depth)
	require.Equal(t, []propWorkHandled{{0, t0}, {1, t0.Add(10 * sim.Millisecond)}, {2, t0.Add(10 * sim.Millisecond)}}, log)
	// One scheduler: the other process waited for it too.
	require.Equal(t, []propWorkHandled{{0, t0.Add(10 * sim.Millisecond)}}, otherLog)
}
