package store

import (
	"errors"
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// The data service's read path: the cache, then the coalescer, then the
// store (dataservice.go tells the life of one read).

// read serves one ReadPage.
func (d *DataService) read(ctx *sim.Ctx, m ReadPage) {
	w := Waiter{From: ctx.Sender(), Request: uint64(m.ID)}
	key := dsReadKey{Query: m.Query, Consistency: m.Consistency}
	if d.cache != nil && d.cacheable(key) {
		if page, ok := d.cached(ctx, key); ok && !ctx.Buggify(siteCacheMiss) {
			sim.Reachable(ctx, "store/dataservice-cache-hit")
			d.stats.CacheHits++
			d.answerPage(ctx, w, page, nil)
			return
		}
		d.stats.CacheMisses++
	}
	if d.co != nil {
		id, first, err := d.co.Join(key, w)
		switch {
		case err == nil && first:
			d.inflight[key.Query.Channel] = append(d.inflight[key.Query.Channel], key)
			d.sendFlight(ctx, key, id)
			return
		case err == nil:
			sim.Reachable(ctx, "store/dataservice-read-coalesced")
			d.stats.Coalesced++
			return
		}
		sim.Assert(errors.Is(err, ErrTooManyWaiters) || errors.Is(err, ErrTooManyFlights),
			"store: the coalescer refused a read for a reason the data service does not know")
		// Past its bounds the coalescer has done what it can: this read
		// costs the store one query, as without the tier, rather than
		// being refused while the store may well have room.
		sim.Reachable(ctx, "store/dataservice-coalescer-full")
		d.stats.Uncoalesced++
	}
	d.sendDirect(ctx, key, w)
}

// sendFlight sends flight id's store query. If it cannot be sent, the
// flight fails at once: nothing else would ever settle it.
func (d *DataService) sendFlight(ctx *sim.Ctx, key dsReadKey, id FlightID) {
	rid, err := d.client.Read(ctx, ReadPage{Query: key.Query, Consistency: key.Consistency})
	if err != nil {
		d.stats.Overloaded++
		s, ok := d.co.Fail(key, id, fmt.Errorf("%w: data service: %w", ErrOverloaded, err))
		sim.Assert(ok, "store: a flight failed before its query was sent is not in flight")
		d.answerSettled(ctx, s)
		d.untrack(key)
		return
	}
	d.stats.StoreReads++
	d.pending[rid] = dsPending{kind: dsFlight, channel: key.Query.Channel, key: key, flight: id, sentAt: ctx.Monotonic()}
}

// sendDirect sends one reader's read to the store on its own.
func (d *DataService) sendDirect(ctx *sim.Ctx, key dsReadKey, w Waiter) {
	rid, err := d.client.Read(ctx, ReadPage{Query: key.Query, Consistency: key.Consistency})
	if err != nil {
		d.stats.Overloaded++
		d.answerError(ctx, w, fmt.Errorf("%w: data service: %w", ErrOverloaded, err))
		return
	}
	d.stats.StoreReads++
	d.pending[rid] = dsPending{kind: dsDirect, channel: key.Query.Channel, caller: w}
}

// settle ends a flight with the store's answer r: it answers the flight's
// waiters, caches the page unless a write raced it, and sends the requery
// for readers that joined after such a write.
func (d *DataService) settle(ctx *sim.Ctx, p dsPending, r Result) {
	var s Settled[[]Message]
	var ok bool
	if r.Err != nil {
		s, ok = d.co.Fail(p.key, p.flight, r.Err)
	} else {
		s, ok = d.co.Complete(p.key, p.flight, r.Messages)
	}
	// The Client drops answers after their timeout and the timeout fails
	// the flight through this same path, so an answer always finds its
	// flight current.
	sim.Assert(ok, "store: a store answer for a flight the coalescer no longer has")
	d.answerSettled(ctx, s)
	if r.Err == nil && !s.Stale && d.cache != nil && d.cacheable(p.key) {
		e := dsCacheEntry{page: r.Messages, limit: p.key.Query.Limit, consistency: p.key.Consistency, readAt: p.sentAt}
		// A page too large for the whole cache is refused by Put and
		// simply not cached: it is still answered.
		d.cache.Put(p.key.Query.Channel, e, int64(PageReply{Messages: e.page}.WireSize()))
	}
	sim.Sometimes(ctx, "store/dataservice-flight-requeried-after-write", s.Requery != 0)
	if s.Requery != 0 {
		d.sendFlight(ctx, p.key, s.Requery)
		return
	}
	d.untrack(p.key)
}

func (d *DataService) answerSettled(ctx *sim.Ctx, s Settled[[]Message]) {
	for _, w := range s.Waiters {
		d.answerPage(ctx, w, s.Result, s.Err)
	}
}

// untrack forgets key as in flight, once the coalescer has.
func (d *DataService) untrack(key dsReadKey) {
	if _, _, still := d.co.InFlight(key); still {
		return
	}
	ch := key.Query.Channel
	keys := d.inflight[ch]
	i := slices.Index(keys, key)
	sim.Assert(i >= 0, "store: a data service flight missing from its channel's list")
	keys = slices.Delete(keys, i, i+1)
	if len(keys) == 0 {
		delete(d.inflight, ch)
		return
	}
	d.inflight[ch] = keys
}

// siteCacheMiss (buggify) makes a read the cache could answer miss it, as
// after an eviction by memory pressure or an instance restart: the read
// goes to the coalescer and the store, where a flight may already be out
// and a write may be settling, the paths a warm cache hides.
const siteCacheMiss = "store/dataservice-cache-miss"

// cacheable reports whether reads of key are served from, and fill, the
// cache: latest-page reads of a sane size at a known consistency. Anything
// else goes to the store, which gives the exact error for a bad argument.
func (d *DataService) cacheable(key dsReadKey) bool {
	q := key.Query
	return q.Channel != 0 && q.Before == 0 && q.After == 0 &&
		q.Limit >= 1 && q.Limit <= d.opts.MaxPageSize && consistencyStrength(key.Consistency) > 0
}

// cached returns the page the cache can answer key with: the entry must
// have been read with at least key's Limit, at least as strong a
// consistency, and within CacheTTL. An entry past its TTL is dropped.
func (d *DataService) cached(ctx *sim.Ctx, key dsReadKey) ([]Message, bool) {
	e, ok := d.cache.Get(key.Query.Channel)
	if !ok {
		return nil, false
	}
	if ctx.Monotonic().Sub(e.readAt) > d.opts.CacheTTL {
		d.cache.Remove(key.Query.Channel)
		return nil, false
	}
	// A page read with a smaller Limit says nothing about the messages
	// beyond it, even when it came back short: a coordinator may return a
	// short page (short read protection gives up), so short is not proof
	// that the channel has no more.
	if key.Query.Limit > e.limit || consistencyStrength(key.Consistency) > consistencyStrength(e.consistency) {
		return nil, false
	}
	return e.page[:min(key.Query.Limit, len(e.page))], true
}

// consistencyStrength orders consistency levels by how many replicas they
// read: a page read at a level serves reads at that level or a weaker one.
// Zero for a level the store does not accept.
func consistencyStrength(cl Consistency) int {
	switch cl {
	case One:
		return 1
	case Quorum:
		return 2
	case All:
		return 3
	}
	return 0
}
