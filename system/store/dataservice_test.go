package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/store"
)

var dsModes = []store.DataServiceMode{store.DataServiceOff, store.DataServiceCoalescing, store.DataServiceCoalescingCache}

// callAll sends every message through the caller at once and runs the
// world until each has a reply; it returns them in order, and fails on a
// request that got more than one.
func (dw *dsWorld) callAll(pid sim.PID, c *dsCaller, msgs ...any) []any {
	dw.t.Helper()
	ids := make([]store.RequestID, len(msgs))
	for i, m := range msgs {
		dw.w.Send(pid, dsCall{msg: m, id: &ids[i]})
	}
	all := func() bool {
		for _, id := range ids {
			if id == 0 || len(c.replies[id]) == 0 {
				return false
			}
		}
		return true
	}
	ok, err := dw.w.RunUntilCond(all, 60*sim.Second)
	if err != nil || !ok {
		dw.fatalf("%d requests: not all answered (%v)", len(msgs), err)
	}
	dw.run(100 * sim.Millisecond) // time for a second reply to show up
	out := make([]any, len(msgs))
	for i, id := range ids {
		if n := len(c.replies[id]); n != 1 {
			dw.fatalf("request %d (%T): %d replies", id, msgs[i], n)
		}
		out[i] = c.replies[id][0]
	}
	return out
}

func (dw *dsWorld) wantPage(what string, got any, want []store.Message) {
	dw.t.Helper()
	p, ok := got.(store.PageReply)
	if !ok {
		dw.fatalf("%s: got %+v, want a page", what, got)
	}
	if !slices.Equal(p.Messages, want) {
		dw.fatalf("%s: got %v, want %v", what, p.Messages, want)
	}
}

func (dw *dsWorld) wantError(what string, got any, want error, text string) {
	dw.t.Helper()
	e, ok := got.(store.ErrorReply)
	if !ok || !errors.Is(e.Err, want) || !strings.Contains(e.Err.Error(), text) {
		dw.fatalf("%s: got %+v, want an error wrapping %v containing %q", what, got, want, text)
	}
}

func latest(limit int, cl store.Consistency) store.ReadPage {
	return store.ReadPage{Query: store.Query{Channel: dsChannel, Limit: limit}, Consistency: cl}
}

// TestDataServiceInvalidation runs one script of writes, edits, deletes and
// reads through the tier in each mode and expects the same answers in all
// three (the tier must never change what a caller sees), with the cache
// answering exactly the reads it may: a smaller page of a cached one, a
// weaker consistency, before its TTL, and never after a write, an edit or a
// delete to the channel.
func TestDataServiceInvalidation(t *testing.T) {
	for _, mode := range dsModes {
		t.Run(mode.String(), func(t *testing.T) {
			dw := newDSWorld(t, dsWorldConfig{seed: 21, mode: mode})
			pid, c := dw.caller()
			msg := func(id store.Snowflake, content string) store.Message {
				return store.Message{ID: id, Channel: dsChannel, Author: 7, Content: content}
			}
			a := msg(dw.write(pid, c, dsChannel, "a"), "a")
			b := msg(dw.write(pid, c, dsChannel, "b"), "b")
			cc := msg(dw.write(pid, c, dsChannel, "c"), "c")
			read := func(what string, rp store.ReadPage, want ...store.Message) {
				t.Helper()
				dw.wantPage(what, dw.call(pid, c, rp), want)
			}
			read("first read", latest(10, store.Quorum), cc, b, a)
			read("same read again", latest(10, store.Quorum), cc, b, a)
			read("a smaller page", latest(2, store.Quorum), cc, b)
			read("a larger page", latest(20, store.Quorum), cc, b, a)

			edited := dw.call(pid, c, store.EditMessage{Channel: dsChannel, Message: b.ID, Content: "b, edited"})
			if ack, ok := edited.(store.Ack); !ok || ack.Message != b.ID {
				dw.fatalf("edit: %+v", edited)
			}
			b.Content = "b, edited"
			// EditedAt is the coordinator's clock at the edit: take it from
			// the page, and check below that every mode saw one.
			p := dw.call(pid, c, latest(10, store.Quorum)).(store.PageReply)
			if len(p.Messages) != 3 || p.Messages[1].EditedAt == 0 {
				dw.fatalf("after the edit: %+v", p.Messages)
			}
			b.EditedAt = p.Messages[1].EditedAt
			dw.wantPage("after the edit", p, []store.Message{cc, b, a})

			if del := dw.call(pid, c, store.DeleteMessage{Channel: dsChannel, Message: cc.ID}); del != (store.Ack{ID: del.(store.Ack).ID, Message: cc.ID}) {
				dw.fatalf("delete: %+v", del)
			}
			read("after the delete", latest(10, store.Quorum), b, a)
			d := msg(dw.write(pid, c, dsChannel, "d"), "d")
			read("after a new write", latest(10, store.Quorum), d, b, a)
			read("at ONE", latest(10, store.One), d, b, a)
			read("at ALL", latest(10, store.All), d, b, a)
			dw.run(store.DefaultDataServiceCacheTTL + sim.Second)
			read("past the cache TTL", latest(10, store.Quorum), d, b, a)

			st := dw.service(dsChannel).Stats()
			if st.Reads != 10 || st.Mutations != 6 || st.Invalidations != 6 || st.Replies != 16 {
				dw.fatalf("stats %+v: want 10 reads, 6 mutations, 6 invalidations, 16 replies", st)
			}
			// The cache answers the same read again, the smaller page and
			// the read at ONE; everything else reaches the store.
			wantHits := map[store.DataServiceMode]uint64{store.DataServiceCoalescingCache: 3}[mode]
			if st.CacheHits != wantHits || st.StoreReads != 10-wantHits || st.Coalesced != 0 {
				dw.fatalf("stats %+v: want %d cache hits, %d store reads, none coalesced (the reads never overlap)", st, wantHits, 10-wantHits)
			}
		})
	}
}

// fakeStore stands in for a coordinator where a test needs exact timing:
// a page read is answered readDelay after it arrives with the channel as it
// was on arrival (the window in which a write overtakes a read), a write is
// applied at once and acknowledged writeDelay later.
type fakeStore struct {
	readDelay, writeDelay sim.Duration
	next                  store.Snowflake
	messages              []store.Message // newest first
	reads                 int
}

type fakeStoreDue struct {
	to  sim.PID
	msg any
}

func (f *fakeStore) Start(ctx *sim.Ctx) { ctx.Register(store.DefaultCoordinatorName) }

func (f *fakeStore) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case store.ReadPage:
		f.reads++
		page := slices.Clone(f.messages[:min(m.Query.Limit, len(f.messages))])
		ctx.SetTimer(f.readDelay, fakeStoreDue{to: ctx.Sender(), msg: store.PageReply{ID: m.ID, Messages: page}})
	case store.WriteMessage:
		f.next++
		f.messages = slices.Insert(f.messages, 0, store.Message{ID: f.next, Channel: m.Channel, Author: m.Author, Content: m.Content})
		ctx.SetTimer(f.writeDelay, fakeStoreDue{to: ctx.Sender(), msg: store.Ack{ID: m.ID, Message: f.next}})
	case fakeStoreDue:
		ctx.Send(m.to, m.msg)
	}
}

// flightWriter reads the channel twice (two different pages) and, 1 ms
// later, while those reads are out, writes to it; the moment its write is
// acknowledged it reads both pages again. At 15 ms, when the first reads
// have been answered and the second are still out, it reads once more.
type flightWriter struct {
	router  *store.DataServiceRouter
	ack     store.Snowflake
	replies map[store.RequestID]store.PageReply
}

type (
	flightWrite struct{}
	flightLate  struct{}
)

func (f *flightWriter) Start(ctx *sim.Ctx) {
	f.send(ctx, store.ReadPage{ID: 2, Query: store.Query{Channel: dsChannel, Limit: 10}})
	f.send(ctx, store.ReadPage{ID: 3, Query: store.Query{Channel: dsChannel, Limit: 5}})
	ctx.SetTimer(sim.Millisecond, flightWrite{})
	ctx.SetTimer(15*sim.Millisecond, flightLate{})
}

func (f *flightWriter) send(ctx *sim.Ctx, msg any) {
	if err := f.router.Send(ctx, msg); err != nil {
		panic(err)
	}
}

func (f *flightWriter) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case flightWrite:
		f.send(ctx, store.WriteMessage{ID: 1, Channel: dsChannel, Author: 7, Content: "new"})
	case flightLate:
		f.send(ctx, store.ReadPage{ID: 6, Query: store.Query{Channel: dsChannel, Limit: 5}})
	case store.Ack:
		f.ack = m.Message
		f.send(ctx, store.ReadPage{ID: 4, Query: store.Query{Channel: dsChannel, Limit: 10}})
		f.send(ctx, store.ReadPage{ID: 5, Query: store.Query{Channel: dsChannel, Limit: 5}})
	case store.PageReply:
		if _, dup := f.replies[m.ID]; dup {
			panic(fmt.Sprintf("two replies to request %d", m.ID))
		}
		f.replies[m.ID] = m
	default:
		panic(fmt.Sprintf("flightWriter got %+v", msg))
	}
}

// TestDataServiceWriteDuringFlights: two different queries of one channel
// are in flight when a write to the channel is acknowledged, and the writer
// reads both pages again as soon as it has the acknowledgement, while the
// first queries are still out. Both flights must be invalidated (the tier
// tracks a channel's keys in flight, a write invalidates them all), the
// reads after the acknowledgement must wait for new queries and see the
// write, the first readers get the page from before it, which must not be
// cached (a read between the two answers must not get it from the cache),
// and the cache must then hold only a page with the write. A fake store gives exact timing:
// reads take 10 ms and see the channel as it was when they arrived, writes
// 1 ms.
func TestDataServiceWriteDuringFlights(t *testing.T) {
	// The store and the instance in front of it are extra nodes the test
	// boots itself: deploy's data services read from its storage nodes.
	d, err := deploy.New(deploy.Topology{Seed: 22, ClientNodes: 1,
		Extra: []deploy.Extra{{Name: "fake-store"}, {Name: "data-service"}}})
	if err != nil {
		t.Fatal(err)
	}
	w, storeNode, dsNode, api := d.World, d.Extra[0], d.Extra[1], d.ClientNodes[0]
	fake := &fakeStore{readDelay: 10 * sim.Millisecond, writeDelay: sim.Millisecond}
	w.Spawn(storeNode, "fake-store", fake)
	svc, err := store.NewDataService(store.DataServiceOptions{Coordinators: []sim.NodeID{storeNode}})
	if err != nil {
		t.Fatal(err)
	}
	w.Spawn(dsNode, store.DefaultDataServiceName, svc)
	router, err := store.NewDataServiceRouter(store.DataServiceRouterOptions{Nodes: []sim.NodeID{dsNode}})
	if err != nil {
		t.Fatal(err)
	}
	f := &flightWriter{router: router, replies: map[store.RequestID]store.PageReply{}}
	w.Spawn(api, "flight-writer", f)
	if err := w.RunFor(sim.Second); err != nil {
		t.Fatal(err)
	}

	if f.ack == 0 || len(f.replies) != 5 {
		t.Fatalf("write ack %d, %d page replies: want an ack and 5 pages", f.ack, len(f.replies))
	}
	for id := store.RequestID(2); id <= 6; id++ {
		p := f.replies[id]
		has := len(p.Messages) == 1 && p.Messages[0].ID == f.ack
		if has != (id >= 4) {
			t.Fatalf("read %d got %v: want the write %d in it exactly for the reads sent after its ack", id, pageIDsOf(p.Messages), f.ack)
		}
	}
	if co := svc.CoalescerStats(); co.Invalidated != 2 || co.Requeries != 2 || co.Coalesced != 3 || fake.reads != 4 {
		t.Fatalf("coalescer %+v, %d store reads: want both flights invalidated and requeried", co, fake.reads)
	}
	if page, ok := svc.CachedPageForTest(dsChannel); !ok || len(page) != 1 || page[0].ID != f.ack {
		t.Fatalf("cache holds %+v (%v), want a page with the write", page, ok)
	}
}

// TestDataServiceErrors: a request with a bad argument gets, through the
// tier, the store's own error reply, in every mode, and a bad read never
// poisons the cache or a flight of good ones.
func TestDataServiceErrors(t *testing.T) {
	for _, mode := range dsModes {
		t.Run(mode.String(), func(t *testing.T) {
			dw := newDSWorld(t, dsWorldConfig{seed: 23, mode: mode})
			pid, c := dw.caller()
			m := dw.write(pid, c, dsChannel, "hello")
			gone := dw.write(pid, c, dsChannel, "to delete")
			if _, ok := dw.call(pid, c, store.DeleteMessage{Channel: dsChannel, Message: gone}).(store.Ack); !ok {
				dw.fatalf("delete failed")
			}
			tests := []struct {
				name string
				msg  any
				err  error
				text string
			}{
				{"page size 0", latest(0, store.Quorum), store.ErrPageSize, "limit 0: must be between 1 and 100"},
				{"page size 101", latest(101, store.Quorum), store.ErrPageSize, "limit 101"},
				{"both cursors", store.ReadPage{Query: store.Query{Channel: dsChannel, Limit: 5, Before: m, After: 1}}, store.ErrBadCursor, "give at most one"},
				{"bad consistency", latest(5, 9), store.ErrBadRequest, "consistency 9"},
				{"read of channel 0", store.ReadPage{Query: store.Query{Limit: 5}}, store.ErrUnknownChannel, "channel 0"},
				{"write without author", store.WriteMessage{Channel: dsChannel, Content: "x"}, store.ErrBadRequest, "author 0"},
				{"edit of a deleted message", store.EditMessage{Channel: dsChannel, Message: gone, Content: "y"}, store.ErrMessageDeleted, "edit of message"},
				{"delete of a deleted message", store.DeleteMessage{Channel: dsChannel, Message: gone}, store.ErrMessageDeleted, "delete of message"},
			}
			for _, tc := range tests {
				dw.wantError(tc.name, dw.call(pid, c, tc.msg), tc.err, tc.text)
			}
			// The same bad read from many readers at once shares one
			// flight in the coalescing modes, and all get the error.
			for i, r := range dw.callAll(pid, c, latest(0, store.Quorum), latest(0, store.Quorum), latest(0, store.Quorum)) {
				dw.wantError(fmt.Sprintf("concurrent bad read %d", i), r, store.ErrPageSize, "limit 0")
			}
			want := []store.Message{{ID: m, Channel: dsChannel, Author: 7, Content: "hello"}}
			dw.wantPage("a good read after the bad ones", dw.call(pid, c, latest(5, store.Quorum)), want)
		})
	}
	t.Run("router", func(t *testing.T) {
		r, err := store.NewDataServiceRouter(store.DataServiceRouterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.Route(dsChannel); ok {
			t.Fatalf("an empty router routed a channel")
		}
		d, err := deploy.New(deploy.Topology{Seed: 1, ClientNodes: 1})
		if err != nil {
			t.Fatal(err)
		}
		w := d.World
		var errs []error
		w.Spawn(d.ClientNodes[0], "sender", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
			errs = append(errs, r.Send(ctx, msg))
		}))
		if err := w.RunFor(sim.Millisecond); err != nil {
			t.Fatal(err)
		}
		pid := w.NodeProcesses(d.ClientNodes[0])[0]
		w.Send(pid, latest(5, store.Quorum))
		w.Send(pid, "not a request")
		if err := w.RunFor(sim.Millisecond); err != nil {
			t.Fatal(err)
		}
		if len(errs) != 2 || !errors.Is(errs[0], store.ErrNoDataService) || !strings.Contains(errs[0].Error(), "no data-service node") ||
			!errors.Is(errs[1], store.ErrNoDataService) || !strings.Contains(errs[1].Error(), "string is not a request") {
			t.Fatalf("errors %v", errs)
		}
	})
}

// TestDataServiceStoreDown: the coordinator an instance sends to crashes.
// The readers waiting on the flight out get exactly one error each when the
// instance's own timeout fires; the instance moves on to the next
// coordinator and the next read succeeds.
func TestDataServiceStoreDown(t *testing.T) {
	const timeout = 300 * sim.Millisecond
	dw := newDSWorld(t, dsWorldConfig{seed: 24, mode: store.DataServiceCoalescingCache, ds: store.DataServiceOptions{StoreTimeout: timeout}})
	pid, c := dw.caller()
	m := dw.write(pid, c, dsChannel, "hello")
	want := []store.Message{{ID: m, Channel: dsChannel, Author: 7, Content: "hello"}}
	dsNode, _ := dw.router.Route(dsChannel)
	// An instance starts at coordinator (node ID mod coordinators).
	first := dw.storage[int(dsNode)%len(dw.storage)]
	dw.w.Crash(first)
	reads := make([]any, 20)
	for i := range reads {
		reads[i] = latest(10, store.Quorum)
	}
	for i, r := range dw.callAll(pid, c, reads...) {
		dw.wantError(fmt.Sprintf("read %d through a crashed coordinator", i), r, store.ErrNoReply, "after 300ms")
	}
	svc := dw.service(dsChannel)
	if st, co := svc.Stats(), svc.CoalescerStats(); st.StoreReads != 1 || st.StoreErrors != 1 || co.Failed != 1 || co.Coalesced != 19 {
		dw.fatalf("stats %+v, coalescer %+v: want one store read, failed, with 19 readers coalesced on it", st, co)
	}
	dw.wantPage("a read after the timeout", dw.call(pid, c, latest(10, store.Quorum)), want)
	dw.wantPage("and a cached one", dw.call(pid, c, latest(10, store.Quorum)), want)
	if st := svc.Stats(); st.CacheHits != 1 || st.StoreReads != 2 {
		dw.fatalf("stats %+v: want the second read from the cache", st)
	}
}

// TestDataServiceBounds: past its bounds the tier degrades as it says.
// Reads the coalescer refuses (MaxWaiters) go to the store on their own and
// are answered; requests past MaxPending get ErrOverloaded at once.
func TestDataServiceBounds(t *testing.T) {
	reads := make([]any, 20)
	for i := range reads {
		reads[i] = latest(10, store.Quorum)
	}
	t.Run("max waiters", func(t *testing.T) {
		dw := newDSWorld(t, dsWorldConfig{seed: 25, mode: store.DataServiceCoalescing,
			ds: store.DataServiceOptions{Coalescer: store.CoalescerOptions{MaxWaiters: 3}}})
		pid, c := dw.caller()
		m := dw.write(pid, c, dsChannel, "hello")
		want := []store.Message{{ID: m, Channel: dsChannel, Author: 7, Content: "hello"}}
		for i, r := range dw.callAll(pid, c, reads...) {
			dw.wantPage(fmt.Sprintf("read %d", i), r, want)
		}
		// How many reads overlap depends on the network's jitter and long
		// tail; what must hold is the bound and the accounting.
		svc := dw.service(dsChannel)
		st, co := svc.Stats(), svc.CoalescerStats()
		if st.Uncoalesced == 0 || co.PeakWaiters > 3 || st.StoreReads != st.Uncoalesced+co.QueriesStarted || st.Coalesced+st.Uncoalesced+co.QueriesStarted != 20 {
			dw.fatalf("stats %+v, coalescer %+v: want reads past 3 waiters sent on their own, one store read per flight or lone read", st, co)
		}
	})
	t.Run("max pending", func(t *testing.T) {
		dw := newDSWorld(t, dsWorldConfig{seed: 26, mode: store.DataServiceOff, ds: store.DataServiceOptions{MaxPending: 4}})
		pid, c := dw.caller()
		dw.write(pid, c, dsChannel, "hello")
		pages, overloaded := 0, 0
		for i, r := range dw.callAll(pid, c, reads...) {
			switch r.(type) {
			case store.PageReply:
				pages++
			default:
				dw.wantError(fmt.Sprintf("read %d", i), r, store.ErrOverloaded, "too many requests awaiting replies")
				overloaded++
			}
		}
		// Which reads find the 4 slots taken depends on the network's
		// jitter and long tail; that some do, and are told at once, is what
		// must hold.
		if st := dw.service(dsChannel).Stats(); overloaded == 0 || pages < 4 || st.Overloaded != uint64(overloaded) || st.StoreReads != uint64(pages) {
			dw.fatalf("%d pages, %d overloaded, stats %+v: want at least 4 pages, some overloaded, and one store read per page", pages, overloaded, st)
		}
	})
}
