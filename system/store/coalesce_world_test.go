package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/store"
	"github.com/stretchr/testify/require"
)

// ---- The hot channel in a sim world ----

// The hot-channel world's messages.
type (
	hotRead  struct{ Request uint64 } // reader -> data service
	hotReply struct {
		Request uint64
		Version int
	} // data service -> reader
	hotQuery  struct{ Tag uint64 } // data service -> backend
	hotAnswer struct {
		Tag     uint64
		Version int
	} // backend -> data service
	hotAnswerDue struct {
		to     sim.PID
		answer hotAnswer
	} // the backend's own timer
	hotWrite    struct{}              // writer -> data service -> backend
	hotWriteAck struct{ Version int } // backend -> data service -> writer
	hotGo       struct{}              // a reader's or the writer's start timer
)

// hotChannel is the one channel every reader wants.
const hotChannel store.Snowflake = 1 << 40

// hotDirectTag marks a backend query the data service sent for one reader
// alone, so its answer is not taken for a flight's.
const hotDirectTag uint64 = 1 << 63

// hotBackend stands in for the store: it answers a query with the channel's
// version as it was when the query arrived, backendDelay later, the way a
// replica reads its rows and then takes time to reply; that is the window in
// which a write can overtake a query.
type hotBackend struct {
	delay   sim.Duration
	version int
	queries int
}

func (b *hotBackend) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case hotQuery:
		b.queries++
		ctx.SetTimer(b.delay, hotAnswerDue{to: ctx.Sender(), answer: hotAnswer{Tag: m.Tag, Version: b.version}})
	case hotAnswerDue:
		ctx.Send(m.to, m.answer)
	case hotWrite:
		b.version++
		ctx.Send(ctx.Sender(), hotWriteAck{Version: b.version})
	}
}

// hotDataService is the data-service process: with a Coalescer it sends one
// query per flight; without one (co nil) it sends one query per read, as if
// the API talked to the store directly. Reads its Coalescer refuses for
// MaxWaiters go to the store on their own.
type hotDataService struct {
	backend sim.PID
	writer  sim.PID
	co      *store.Coalescer[store.Snowflake, int]
	direct  map[uint64]store.Waiter // looked up, never ranged over
	lastTag uint64
	shed    int // reads sent directly after ErrTooManyWaiters
}

func (d *hotDataService) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case hotRead:
		w := store.Waiter{From: ctx.Sender(), Request: m.Request}
		if d.co != nil {
			id, first, err := d.co.Join(hotChannel, w)
			if err == nil {
				if first {
					ctx.Send(d.backend, hotQuery{Tag: uint64(id)})
				}
				return
			}
			sim.Assert(errors.Is(err, store.ErrTooManyWaiters), "hot data service: unexpected Join error")
			d.shed++
		}
		d.lastTag++
		tag := hotDirectTag | d.lastTag
		d.direct[tag] = w
		ctx.Send(d.backend, hotQuery{Tag: tag})
	case hotAnswer:
		if m.Tag&hotDirectTag != 0 {
			w, ok := d.direct[m.Tag]
			sim.Assert(ok, "hot data service: answer to an unknown direct query")
			delete(d.direct, m.Tag)
			ctx.Send(w.From, hotReply{Request: w.Request, Version: m.Version})
			return
		}
		s, ok := d.co.Complete(hotChannel, store.FlightID(m.Tag), m.Version)
		sim.Assert(ok, "hot data service: answer to a flight not in flight")
		for _, w := range s.Waiters {
			ctx.Send(w.From, hotReply{Request: w.Request, Version: s.Result})
		}
		if s.Requery != 0 {
			ctx.Send(d.backend, hotQuery{Tag: uint64(s.Requery)})
		}
	case hotWrite:
		d.writer = ctx.Sender()
		ctx.Send(d.backend, m)
	case hotWriteAck:
		// Invalidate before the acknowledgement goes on: from the moment the
		// writer can know its write happened, no read may miss it.
		if d.co != nil {
			d.co.Invalidate(hotChannel)
		}
		ctx.Send(d.writer, m)
	}
}

// hotReader sends one read at a random moment of the burst and records every
// reply it gets.
type hotReader struct {
	w       *sim.World
	ds      sim.PID
	request uint64
	spread  sim.Duration
	sentAt  sim.Time // true time
	gotAt   sim.Time
	replies []hotReply
}

func (r *hotReader) Start(ctx *sim.Ctx) { ctx.SetTimer(ctx.Rand().Duration(0, r.spread), hotGo{}) }

func (r *hotReader) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case hotGo:
		r.sentAt = r.w.Now()
		ctx.Send(r.ds, hotRead{Request: r.request})
	case hotReply:
		r.gotAt = r.w.Now()
		r.replies = append(r.replies, m)
	}
}

// hotWriter writes to the channel once, at writeAt, and records when the
// acknowledgement reached it.
type hotWriter struct {
	w       *sim.World
	ds      sim.PID
	writeAt sim.Duration
	ackAt   sim.Time
}

func (wr *hotWriter) Start(ctx *sim.Ctx) { ctx.SetTimer(wr.writeAt, hotGo{}) }

func (wr *hotWriter) Receive(ctx *sim.Ctx, msg any) {
	switch msg.(type) {
	case hotGo:
		ctx.Send(wr.ds, hotWrite{})
	case hotWriteAck:
		wr.ackAt = wr.w.Now()
	}
}

// hotRun is what one run of the hot-channel world measured.
type hotRun struct {
	queries     int // backend queries
	shed        int
	stats       store.CoalescerStats
	meanLatency sim.Duration
	maxLatency  sim.Duration
	fingerprint uint64
}

// Parameters of the hot-channel world.
const (
	hotReaders      = 1000
	hotSpread       = 20 * sim.Millisecond // readers start uniformly within it: the burst after an @everyone ping
	hotBackendDelay = 5 * sim.Millisecond  // a read's time at the store (reference §4: reads < 5 ms in 2017)
	hotWriteAt      = 8 * sim.Millisecond  // a new message lands mid-burst
	hotRunFor       = 200 * sim.Millisecond
)

// runHotChannel builds the world (a backend node and a data-service node,
// extra nodes running the fakes above, and a client node with the readers
// and the writer), runs the burst and checks
// every reader: exactly one reply, to its own request, and a reply that
// includes the write whenever the read was sent after the writer had its
// acknowledgement. co nil turns coalescing off.
func runHotChannel(t *testing.T, seed uint64, co *store.Coalescer[store.Snowflake, int]) hotRun {
	t.Helper()
	d, err := deploy.New(deploy.Topology{Seed: seed, ClientNodes: 1,
		Extra: []deploy.Extra{{Name: "backend"}, {Name: "data-service"}}})
	require.NoError(t, err)
	w := d.World
	start := w.Now()
	backendNode, dsNode, clientNode := d.Extra[0], d.Extra[1], d.ClientNodes[0]

	backend := &hotBackend{delay: hotBackendDelay}
	ds := &hotDataService{co: co, direct: map[uint64]store.Waiter{}}
	ds.backend = w.Spawn(backendNode, "store", backend)
	dsPID := w.Spawn(dsNode, "data-service", ds)
	writer := &hotWriter{w: w, ds: dsPID, writeAt: hotWriteAt}
	w.Spawn(clientNode, "writer", writer)
	readers := make([]*hotReader, hotReaders)
	for i := range readers {
		readers[i] = &hotReader{w: w, ds: dsPID, request: uint64(1000 + i), spread: hotSpread}
		w.Spawn(clientNode, fmt.Sprintf("reader-%d", i), readers[i])
	}
	require.NoError(t, w.RunFor(hotRunFor), "seed %d", seed)

	replay := fmt.Sprintf("seed %d: go test ./system/store -run TestCoalescerHotChannel -count=1", seed)
	require.NotZero(t, writer.ackAt, "the write was acknowledged (%s)", replay)
	var total, worst sim.Duration
	for i, r := range readers {
		require.Len(t, r.replies, 1, "reader %d (%s)", i, replay)
		got := r.replies[0]
		require.Equal(t, r.request, got.Request, "reader %d got another reader's reply (%s)", i, replay)
		want := 0
		if r.sentAt.After(writer.ackAt) {
			want = 1
		}
		require.GreaterOrEqual(t, got.Version, want,
			"reader %d sent at %s, after the write's ack at %s, got a page from before it (%s)",
			i, r.sentAt.Sub(start), writer.ackAt.Sub(start), replay)
		require.LessOrEqual(t, got.Version, 1, "reader %d (%s)", i, replay)
		lat := r.gotAt.Sub(r.sentAt)
		total += lat
		worst = max(worst, lat)
	}
	run := hotRun{queries: backend.queries, shed: ds.shed, meanLatency: total / hotReaders, maxLatency: worst, fingerprint: w.Fingerprint()}
	if co != nil {
		run.stats = co.Stats()
		require.Zero(t, co.Len(), "nothing left in flight (%s)", replay)
		require.Equal(t, uint64(backend.queries-ds.shed), run.stats.QueriesStarted, "one backend query per flight (%s)", replay)
	}
	return run
}

// TestCoalescerHotChannel is the hot-partition case in a sim world: 1000
// readers ask for one channel's latest page within 20 ms, a write lands in
// the middle of the burst, and the backend takes 5 ms per query. The same
// seed runs with coalescing off, on, and on with a MaxWaiters too small for
// the burst (the overflow goes to the store directly). Coalescing must cut
// backend queries by a large factor while every reader still gets exactly
// one reply, its own, and no reader that started after the write's
// acknowledgement gets a page from before it.
func TestCoalescerHotChannel(t *testing.T) {
	newCo := func(maxWaiters int) *store.Coalescer[store.Snowflake, int] {
		co, err := store.NewCoalescer[store.Snowflake, int](store.CoalescerOptions{MaxWaiters: maxWaiters})
		require.NoError(t, err)
		return co
	}
	for _, seed := range []uint64{1, 2, 3} {
		off := runHotChannel(t, seed, nil)
		on := runHotChannel(t, seed, newCo(0))
		small := runHotChannel(t, seed, newCo(64))
		require.Equal(t, hotReaders, off.queries, "seed %d: without coalescing every read is a query", seed)
		factor := float64(off.queries) / float64(on.queries)
		t.Logf("seed %d: backend queries off %d, coalescing %d (factor %.0fx, %d requeries after the write), MaxWaiters 64: %d (%d shed to direct queries)",
			seed, off.queries, on.queries, factor, on.stats.Requeries, small.queries, small.shed)
		t.Logf("seed %d: reader latency mean/max off %s/%s, coalescing %s/%s, MaxWaiters 64 %s/%s",
			seed, off.meanLatency, off.maxLatency, on.meanLatency, on.maxLatency, small.meanLatency, small.maxLatency)
		require.GreaterOrEqual(t, factor, 100.0, "seed %d: coalescing must cut backend queries by a large factor", seed)
		require.Equal(t, uint64(hotReaders), on.stats.Requests, "seed %d", seed)
		require.Equal(t, uint64(1), on.stats.Requeries, "seed %d: the write mid-burst forces exactly one requery", seed)
		require.Zero(t, on.shed, "seed %d: the default MaxWaiters absorbs the burst", seed)
		require.Positive(t, small.shed, "seed %d: MaxWaiters 64 overflows", seed)
		require.Less(t, small.queries, off.queries, "seed %d", seed)

		again := runHotChannel(t, seed, newCo(0))
		require.Equal(t, on.fingerprint, again.fingerprint, "seed %d: same seed, same run", seed)
	}
}
