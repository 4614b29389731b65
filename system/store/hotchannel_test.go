package store_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/store"
)

// The hot channel (issue 3's acceptance): an @everyone ping in a large guild
// sends thousands of clients to one channel's latest page within
// milliseconds. Through the data-service tier, in front of a real
// replicated cluster at QUORUM, the same burst runs once per mode (Off,
// Coalescing, CoalescingCache) from the same seed, and the store's load is
// compared.

// Parameters of the burst.
const (
	burstReaders     = 2000
	burstClientNodes = 4
	// burstSpread: readers start uniformly within it, the clients of a
	// large guild reacting to one notification.
	burstSpread = 50 * sim.Millisecond
	// burstWriteAt: a new message lands in the middle of the burst, so the
	// tier must invalidate what it holds while readers keep coming.
	burstWriteAt  = 20 * sim.Millisecond
	burstMessages = 30 // in the channel before the burst
	burstLimit    = 20 // each reader's page: the channel's latest 20
	// burstRunFor bounds the wait for every reply, in simulated time: Off
	// queues every read at one coordinator, which takes a while.
	burstRunFor = 60 * sim.Second
)

// burstGo is a reader's or the writer's start timer.
type burstGo struct{}

// burstReader reads the channel's latest page once, at a moment of the
// burst drawn from its own random stream (the same in every mode), and
// keeps every reply.
type burstReader struct {
	w       *sim.World
	router  *store.DataServiceRouter
	sentAt  sim.Time // true time
	gotAt   sim.Time
	replies []any
}

func (r *burstReader) Start(ctx *sim.Ctx) {
	ctx.SetTimer(ctx.Rand().Duration(0, burstSpread), burstGo{})
}

func (r *burstReader) Receive(ctx *sim.Ctx, msg any) {
	switch msg.(type) {
	case burstGo:
		r.sentAt = r.w.Now()
		if err := r.router.Send(ctx, store.ReadPage{ID: 1, Query: store.Query{Channel: dsChannel, Limit: burstLimit}}); err != nil {
			panic(err)
		}
	default:
		if len(r.replies) == 0 {
			r.gotAt = r.w.Now()
		}
		r.replies = append(r.replies, msg)
	}
}

// burstWriter writes the ping's message at burstWriteAt and keeps when its
// acknowledgement arrived.
type burstWriter struct {
	w       *sim.World
	router  *store.DataServiceRouter
	ackAt   sim.Time
	message store.Snowflake
	replies []any
}

// burstPing is the content of the message written mid-burst.
const burstPing = "@everyone the raid starts now"

func (wr *burstWriter) Start(ctx *sim.Ctx) { ctx.SetTimer(burstWriteAt, burstGo{}) }

func (wr *burstWriter) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case burstGo:
		if err := wr.router.Send(ctx, store.WriteMessage{ID: 1, Channel: dsChannel, Author: 9, Content: burstPing}); err != nil {
			panic(err)
		}
	case store.Ack:
		wr.ackAt, wr.message = wr.w.Now(), m.Message
		wr.replies = append(wr.replies, msg)
	default:
		wr.replies = append(wr.replies, msg)
	}
}

// burstResult is what one run of the burst measured, from the burst's start.
type burstResult struct {
	mode  store.DataServiceMode
	load  dsStoreLoad            // the storage nodes' work during the burst
	ds    store.DataServiceStats // the hot channel's instance
	co    store.CoalescerStats
	cache store.LRUStats
	// afterAck counts readers that started after the writer had its
	// acknowledgement: those that must see the write.
	afterAck    int
	meanLatency sim.Duration
	maxLatency  sim.Duration
	fingerprint uint64
}

// burstConfig picks the run: the parameters above are fixed.
type burstConfig struct {
	seed uint64
	mode store.DataServiceMode
}

// runBurst builds the world in mode, fills the channel, runs the burst and
// checks every reader: exactly one reply, its page of the channel's latest
// messages with the right contents, from before or after the write, and
// after it for every reader that started once the write was acknowledged.
func runBurst(tb testing.TB, cfg burstConfig) burstResult {
	tb.Helper()
	mode := cfg.mode
	dw := newDSWorld(tb, dsWorldConfig{seed: cfg.seed, mode: mode, clients: burstClientNodes})
	pid, c := dw.caller()
	var before []store.Message // the latest page before the write, newest first
	for i := range burstMessages {
		content := fmt.Sprintf("message %d", i)
		id := dw.write(pid, c, dsChannel, content)
		before = slices.Insert(before, 0, store.Message{ID: id, Channel: dsChannel, Author: 7, Content: content})
	}
	before = before[:burstLimit]
	dw.run(100 * sim.Millisecond) // let the writes' stragglers settle

	start, load0 := dw.w.Now(), dw.storeLoad()
	svc := dw.service(dsChannel)
	ds0, co0, cache0 := svc.Stats(), svc.CoalescerStats(), svc.CacheStats()
	writer := &burstWriter{w: dw.w, router: dw.router}
	dw.w.Spawn(dw.clients[0], "writer", writer)
	readers := make([]*burstReader, burstReaders)
	for i := range readers {
		readers[i] = &burstReader{w: dw.w, router: dw.router}
		dw.w.Spawn(dw.clients[i%len(dw.clients)], fmt.Sprintf("reader-%d", i), readers[i])
	}
	done := func() bool {
		for _, r := range readers {
			if len(r.replies) == 0 {
				return false
			}
		}
		return len(writer.replies) > 0
	}
	ok, err := dw.w.RunUntilCond(done, burstRunFor)
	if err != nil || !ok {
		dw.fatalf("the burst did not end within %s: %v", burstRunFor, err)
	}
	// Long enough for any second reply to a request to show up.
	dw.run(100 * sim.Millisecond)

	if len(writer.replies) != 1 || writer.ackAt == 0 {
		dw.fatalf("the writer got %v, want one Ack", writer.replies)
	}
	after := append([]store.Message{{ID: writer.message, Channel: dsChannel, Author: 9, Content: burstPing}}, before[:burstLimit-1]...)
	res := burstResult{mode: mode}
	var total sim.Duration
	for i, r := range readers {
		if len(r.replies) != 1 {
			dw.fatalf("reader %d got %d replies: %v", i, len(r.replies), r.replies)
		}
		p, ok := r.replies[0].(store.PageReply)
		if !ok || p.ID != 1 {
			dw.fatalf("reader %d got %+v, want its PageReply", i, r.replies[0])
		}
		isBefore, isAfter := slices.Equal(p.Messages, before), slices.Equal(p.Messages, after)
		if !isBefore && !isAfter {
			dw.fatalf("reader %d got the page %v, which is neither the page before the write %v nor after it %v",
				i, pageIDsOf(p.Messages), pageIDsOf(before), pageIDsOf(after))
		}
		if r.sentAt.After(writer.ackAt) {
			res.afterAck++
			if !isAfter {
				dw.fatalf("reader %d started at %s, after the write's ack at %s, and got the page from before it (a stale cache)",
					i, r.sentAt.Sub(start), writer.ackAt.Sub(start))
			}
		}
		lat := r.gotAt.Sub(r.sentAt)
		total += lat
		res.maxLatency = max(res.maxLatency, lat)
	}
	res.meanLatency = total / burstReaders
	res.load = dw.storeLoad().minus(load0)
	ds, co, cache := svc.Stats(), svc.CoalescerStats(), svc.CacheStats()
	res.ds = store.DataServiceStats{Reads: ds.Reads - ds0.Reads, StoreReads: ds.StoreReads - ds0.StoreReads,
		CacheHits: ds.CacheHits - ds0.CacheHits, Coalesced: ds.Coalesced - ds0.Coalesced,
		Uncoalesced: ds.Uncoalesced - ds0.Uncoalesced, Invalidations: ds.Invalidations - ds0.Invalidations}
	res.co = store.CoalescerStats{QueriesStarted: co.QueriesStarted - co0.QueriesStarted, Requeries: co.Requeries - co0.Requeries}
	res.cache = store.LRUStats{Hits: cache.Hits - cache0.Hits, Invalidations: cache.Invalidations - cache0.Invalidations}
	if res.ds.Reads != burstReaders {
		dw.fatalf("the hot channel's instance got %d reads, want all %d: routing must bring a channel to one instance", res.ds.Reads, burstReaders)
	}
	for _, n := range dw.dsNodes {
		if s := dw.d.DataService(n); s != svc && s.Stats().Reads != 0 {
			dw.fatalf("instance on node %d served %d reads of a channel routed elsewhere", n, s.Stats().Reads)
		}
	}
	// The store saw what the tier sent and nothing else: one coordinator
	// request per store read, plus the write.
	if want := res.ds.StoreReads + 1; res.load.coordRequests != want {
		dw.fatalf("coordinators got %d requests during the burst, the tier sent %d reads and 1 write", res.load.coordRequests, res.ds.StoreReads)
	}
	res.fingerprint = dw.w.Fingerprint()
	return res
}

func pageIDsOf(ms []store.Message) []store.Snowflake {
	out := make([]store.Snowflake, len(ms))
	for i := range ms {
		out[i] = ms[i].ID
	}
	return out
}

// ratio returns a/b, or a when b is 0 (a factor "at least a").
func ratio[T ~uint64 | ~int64](a, b T) float64 {
	if b == 0 {
		return float64(a)
	}
	return float64(a) / float64(b)
}

// TestHotChannel: 2000 readers on four client nodes read one channel's
// latest page within 50 ms, through the data-service tier, against a
// 5-node cluster at QUORUM, with a write landing mid-burst. For each seed,
// once per mode. Coalescing must cut the store's queries, the replicas'
// scans and their CPU by a large factor, the cache by more; every reader
// must get exactly one correct page, and none that started after the
// write's acknowledgement a page from before it.
func TestHotChannel(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { testHotChannel(t, seed) })
	}
}

func testHotChannel(t *testing.T, seed uint64) {
	replay := fmt.Sprintf("replay: go test ./system/store -run '^TestHotChannel$/^seed=%d$' -count=1 -v", seed)
	modes := []store.DataServiceMode{store.DataServiceOff, store.DataServiceCoalescing, store.DataServiceCoalescingCache}
	res := map[store.DataServiceMode]burstResult{}
	for _, mode := range modes {
		r := runBurst(t, burstConfig{seed: seed, mode: mode})
		res[mode] = r
		t.Logf("seed=%d %-16s store reads %4d (coordinator requests %4d), replica scans %4d, rows %5d, replica CPU %9s; "+
			"cache hits %4d, coalesced %4d, requeries %d; readers after the ack %4d; latency mean %s max %s",
			seed, mode, r.ds.StoreReads, r.load.coordRequests, r.load.replicaReads, r.load.replicaRows, r.load.replicaBusy,
			r.ds.CacheHits, r.ds.Coalesced, r.co.Requeries, r.afterAck, r.meanLatency, r.maxLatency)
	}
	off := res[store.DataServiceOff]
	if off.ds.StoreReads != burstReaders {
		t.Fatalf("seed=%d: with the tier off every read is a store query: got %d, want %d\n%s", seed, off.ds.StoreReads, burstReaders, replay)
	}
	for _, mode := range modes[1:] {
		r := res[mode]
		queries, scans, cpu := ratio(off.ds.StoreReads, r.ds.StoreReads), ratio(off.load.replicaReads, r.load.replicaReads),
			ratio(off.load.replicaBusy, r.load.replicaBusy)
		t.Logf("seed=%d %-16s vs off: %.0fx fewer store queries, %.0fx fewer replica scans, %.0fx less replica CPU",
			seed, mode, queries, scans, cpu)
		if queries < 20 || scans < 20 || cpu < 10 {
			t.Fatalf("seed=%d %s: factors %.1fx queries, %.1fx scans, %.1fx CPU; want at least 20x, 20x, 10x\n%s",
				seed, mode, queries, scans, cpu, replay)
		}
		if r.afterAck == 0 {
			t.Fatalf("seed=%d %s: no reader started after the write's ack; the stale-read check has no teeth\n%s", seed, mode, replay)
		}
	}
	cached, coalescing := res[store.DataServiceCoalescingCache], res[store.DataServiceCoalescing]
	if cached.ds.StoreReads >= coalescing.ds.StoreReads || cached.ds.CacheHits == 0 || cached.cache.Invalidations == 0 {
		t.Fatalf("seed=%d: the cache must save queries beyond coalescing and be invalidated by the write: %d store reads with it, %d without; %d hits, %d invalidations\n%s",
			seed, cached.ds.StoreReads, coalescing.ds.StoreReads, cached.ds.CacheHits, cached.cache.Invalidations, replay)
	}
	if again := runBurst(t, burstConfig{seed: seed, mode: store.DataServiceCoalescingCache}); again.fingerprint != cached.fingerprint {
		t.Fatalf("seed=%d: the same seed gave fingerprints %#x and %#x\n%s", seed, cached.fingerprint, again.fingerprint, replay)
	}
}
