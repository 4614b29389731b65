package store

// # Data services, part 2: request coalescing
//
// When a message pings @everyone in a large guild, thousands of clients ask
// for the channel's latest messages within milliseconds. Without a tier in
// front of it, each ask is one database query on the same partition, on the
// same three replicas: a hot partition, and every other query on those
// nodes slows with it (reference §4). Discord's data services fixed it with
// request coalescing: "the first request for a row starts a worker; later
// requests for the same row subscribe; the database is queried once."
// Routing by consistent hash on channel_id brings every request for a
// channel to one data-service instance, so one Coalescer there sees them
// all.
//
// Coalescer is that bookkeeping as a plain value owned by one data-service
// process; the process does the sending. The key is whatever makes two reads
// identical (a Query, or the channel for "latest page" reads); a flight is one
// backend query in progress for a key, with the readers waiting on it.
//
// # The life of one flight
//
//  1. A read arrives; the process calls Join(key, waiter). The first Join
//     for a key opens a flight and returns first=true with the flight's ID:
//     the process sends one store query tagged with that ID. Later Joins
//     return first=false: the reader is subscribed, nothing is sent.
//  2. A write to the key's data is acknowledged by the store: the process
//     calls Invalidate(key). Readers already waiting may take the flight's
//     answer (their reads were concurrent with the write, either order is
//     allowed), but readers that join from now on joined after the write and
//     must not get a page read before it.
//  3. The store answers: Complete(key, id, page). The process answers every
//     returned waiter in join order. If an Invalidate came during the
//     flight, Settled.Stale says not to cache the page, and if readers
//     joined after the write, they stay in flight as a new flight
//     (Settled.Requery): the process sends one new query for them.
//  4. The store fails, or the process's own timer for the query fires:
//     Fail(key, id, err). Every waiter gets the error. The process must set
//     such a timer for every query it sends: a flight nobody settles holds
//     its key, and its readers, for ever.
//  5. A reader gives up (its own timeout): Abandon(key, waiter). The flight
//     stays: the query is still out, and its answer ends the flight even if
//     nobody is left to receive it.
//
// # What it promises
//
//   - At most one flight per key, whatever the number of readers and
//     writes: the point of coalescing is that a hot key costs the store one
//     query at a time. A write during a flight delays later readers by up to
//     one query time rather than adding a concurrent query. (A query whose
//     flight was failed by the caller's timeout may still be running at the
//     store; the next Join starts a new one.)
//   - Every accepted Join is returned exactly once, by the Complete or Fail
//     that ends its flight, unless it was abandoned first; never twice,
//     never to another key.
//   - No waiter that joined after an Invalidate receives a result of a query
//     that started before it.
//   - Waiters come back in join order; flight IDs increase; nothing depends
//     on map order.
//   - Bounds: MaxWaiters per flight (then ErrTooManyWaiters: the caller sheds
//     the read or queries the store directly) and MaxFlights keys in flight
//     (then ErrTooManyFlights: the store has as many of our queries as we
//     allow it).
//   - A late answer (for a flight already failed by a timeout, or already
//     completed) is recognised by its flight ID, ignored and counted, so a
//     slow query can never complete a newer flight with an older page.

import (
	"errors"
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// Coalescer merges concurrent identical reads into one backend query per key.
// It is not safe for concurrent use; in guildsim one process owns it.
type Coalescer[K comparable, R any] struct {
	opts    CoalescerOptions
	flights map[K]*coalesceFlight // looked up, never ranged over
	lastID  FlightID
	stats   CoalescerStats
}

// FlightID names one backend query of a Coalescer. IDs start at 1 and
// increase, so 0 means "none" and a tag on a store reply tells a current
// flight from a late one.
type FlightID uint64

// Waiter is one read waiting for a flight: who to answer and the request ID
// to answer with. A reader's request IDs must be unique per sender for
// Abandon to drop the right one.
type Waiter struct {
	From    sim.PID
	Request uint64
}

type coalesceFlight struct {
	id      FlightID
	waiters []Waiter // join order
	// cut is how many waiters joined before the first Invalidate of this
	// flight, or noCut if none came: waiters[cut:] joined after a write.
	cut int
}

// noCut marks a flight that no Invalidate has touched.
const noCut = -1

// Settled is what Complete and Fail hand back: the waiters to answer now and
// what to answer them with.
type Settled[R any] struct {
	// Waiters to answer, in join order. The slice is the caller's.
	Waiters []Waiter
	// Result is the query's result (Complete), shared by all Waiters: treat
	// it as read-only. Zero after Fail.
	Result R
	// Err is the query's error (Fail); nil after Complete.
	Err error
	// Stale: an Invalidate came while the query was in flight, so Result may
	// predate a write. Answer Waiters with it (they joined before the write
	// was acknowledged), but do not cache it.
	Stale bool
	// Requery is not zero when waiters that joined after the write remain:
	// they form a new flight with this ID, and the caller sends one new
	// query tagged with it. Zero means the key is no longer in flight.
	Requery FlightID
}

// CoalescerOptions bounds a Coalescer. The zero value takes the defaults.
type CoalescerOptions struct {
	_ struct{}
	// MaxWaiters bounds the waiters of one flight. Default
	// DefaultCoalescerMaxWaiters.
	MaxWaiters int
	// MaxFlights bounds the keys in flight: the queries this data service
	// has outstanding at the store. Default DefaultCoalescerMaxFlights.
	MaxFlights int
}

// Coalescer option defaults.
const (
	// DefaultCoalescerMaxWaiters is ours, not a published figure: ending a
	// flight sends one reply per waiter from one handler, and a stuck query
	// holds its waiters' memory until it times out; 4096 keeps both bounded
	// while one flight still absorbs the burst of a large guild's ping
	// (beyond it, each further reader costs at most one direct query).
	DefaultCoalescerMaxWaiters = 4096
	// DefaultCoalescerMaxFlights is 1024, the DataStax Java driver's default
	// max-requests-per-connection: the number of queries a client keeps
	// outstanding on one connection before it queues.
	DefaultCoalescerMaxFlights = 1024
)

// Coalescer errors.
var (
	// ErrTooManyWaiters: the key's flight already has MaxWaiters waiters. The
	// caller sheds the read or sends it to the store on its own.
	ErrTooManyWaiters = errors.New("store: too many waiters on one coalesced read")
	// ErrTooManyFlights: MaxFlights keys are in flight; a new key cannot
	// start a query until one ends.
	ErrTooManyFlights = errors.New("store: too many coalesced reads in flight")
	// ErrCoalescerOptions reports a bad Coalescer option.
	ErrCoalescerOptions = errors.New("store: bad coalescer options")
)

// CoalescerStats counts what a Coalescer did. Requests/QueriesStarted is the
// coalescing factor: store queries saved per query sent.
type CoalescerStats struct {
	Requests       uint64 // Joins accepted
	QueriesStarted uint64 // flights opened: first Joins and requeries
	Coalesced      uint64 // Joins that subscribed to a flight already out
	TooManyWaiters uint64 // Joins refused with ErrTooManyWaiters
	TooManyFlights uint64 // Joins refused with ErrTooManyFlights
	Abandoned      uint64 // waiters dropped by Abandon
	Completed      uint64 // flights ended by Complete
	Failed         uint64 // flights ended by Fail
	Invalidated    uint64 // flights an Invalidate found in flight (counted once each)
	Requeries      uint64 // flights reopened for waiters that joined after a write
	Late           uint64 // Complete or Fail of a flight no longer in flight, ignored
	PeakWaiters    int    // the most waiters one flight has held at once
}

func (o CoalescerOptions) withDefaults() (CoalescerOptions, error) {
	if o.MaxWaiters == 0 {
		o.MaxWaiters = DefaultCoalescerMaxWaiters
	}
	if o.MaxFlights == 0 {
		o.MaxFlights = DefaultCoalescerMaxFlights
	}
	if o.MaxWaiters < 1 {
		return o, fmt.Errorf("%w: max waiters %d: must be at least 1", ErrCoalescerOptions, o.MaxWaiters)
	}
	if o.MaxFlights < 1 {
		return o, fmt.Errorf("%w: max flights %d: must be at least 1", ErrCoalescerOptions, o.MaxFlights)
	}
	return o, nil
}

// NewCoalescer returns a Coalescer with nothing in flight, or says which
// option is out of range.
func NewCoalescer[K comparable, R any](opts CoalescerOptions) (*Coalescer[K, R], error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Coalescer[K, R]{opts: o, flights: make(map[K]*coalesceFlight)}, nil
}

// Options returns the options, defaults filled in.
func (c *Coalescer[K, R]) Options() CoalescerOptions { return c.opts }

// Stats returns the counters.
func (c *Coalescer[K, R]) Stats() CoalescerStats { return c.stats }

// Len returns the number of keys in flight.
func (c *Coalescer[K, R]) Len() int { return len(c.flights) }

// InFlight returns key's current flight and its number of waiters; ok is
// false when key is not in flight.
func (c *Coalescer[K, R]) InFlight(key K) (id FlightID, waiters int, ok bool) {
	f := c.flights[key]
	if f == nil {
		return 0, 0, false
	}
	return f.id, len(f.waiters), true
}

// Join subscribes w to key's flight. If key was not in flight it opens one
// and returns first=true: the caller must send exactly one backend query for
// key, tagged with id. Otherwise first is false and id is the flight w now
// waits on. A refused Join (ErrTooManyWaiters, ErrTooManyFlights) changes
// nothing but the counters.
func (c *Coalescer[K, R]) Join(key K, w Waiter) (id FlightID, first bool, err error) {
	f := c.flights[key]
	if f != nil {
		if len(f.waiters) >= c.opts.MaxWaiters {
			c.stats.TooManyWaiters++
			return 0, false, fmt.Errorf("%w: flight %d already has %d waiters (max waiters %d)",
				ErrTooManyWaiters, f.id, len(f.waiters), c.opts.MaxWaiters)
		}
		f.waiters = append(f.waiters, w)
		c.stats.Requests++
		c.stats.Coalesced++
		c.stats.PeakWaiters = max(c.stats.PeakWaiters, len(f.waiters))
		return f.id, false, nil
	}
	if len(c.flights) >= c.opts.MaxFlights {
		c.stats.TooManyFlights++
		return 0, false, fmt.Errorf("%w: %d keys in flight (max flights %d)",
			ErrTooManyFlights, len(c.flights), c.opts.MaxFlights)
	}
	f = c.open([]Waiter{w})
	c.flights[key] = f
	c.stats.Requests++
	return f.id, true, nil
}

// Invalidate tells the coalescer that a write to key's data was
// acknowledged. Waiters that join key's current flight from now on will not
// get its result; Complete moves them to a new flight. It reports whether key
// was in flight. Call it before passing the write's acknowledgement on.
func (c *Coalescer[K, R]) Invalidate(key K) bool {
	f := c.flights[key]
	if f == nil {
		return false
	}
	// Only the first Invalidate of a flight matters: everyone after it
	// needs a query that starts after it, and the requery starts after
	// every Invalidate so far.
	if f.cut == noCut {
		f.cut = len(f.waiters)
		c.stats.Invalidated++
	}
	return true
}

// Abandon drops the first waiter equal to w from key's flight, when the
// reader gave up (its timeout fired, it went away). It reports whether w was
// waiting. The flight stays in flight, even with no waiters left: its query
// is still out, and a new Join must not start a second one for the key.
// It costs O(waiters of the flight), at most MaxWaiters.
func (c *Coalescer[K, R]) Abandon(key K, w Waiter) bool {
	f := c.flights[key]
	if f == nil {
		return false
	}
	i := slices.Index(f.waiters, w)
	if i < 0 {
		return false
	}
	f.waiters = slices.Delete(f.waiters, i, i+1)
	if f.cut != noCut && i < f.cut {
		f.cut--
	}
	c.stats.Abandoned++
	return true
}

// Complete ends flight id of key with result. It returns the waiters to
// answer with it, in join order; see Settled for a flight that a write
// invalidated. ok is false, and nothing changes but the Late counter, when id
// is not key's current flight: a late answer to a query already failed or
// completed.
func (c *Coalescer[K, R]) Complete(key K, id FlightID, result R) (s Settled[R], ok bool) {
	f := c.current(key, id)
	if f == nil {
		return s, false
	}
	c.stats.Completed++
	s.Result = result
	if f.cut == noCut {
		delete(c.flights, key)
		s.Waiters = f.waiters
		return s, true
	}
	// The full slice expression stops an append to the answered waiters
	// from writing over the ones that stay in flight.
	s.Waiters, s.Stale = f.waiters[:f.cut:f.cut], true
	rest := f.waiters[f.cut:]
	if len(rest) == 0 {
		delete(c.flights, key)
		return s, true
	}
	nf := c.open(rest)
	c.flights[key] = nf
	c.stats.Requeries++
	s.Requery = nf.id
	return s, true
}

// Fail ends flight id of key with err: every waiter gets it, those that
// joined after a write too. A failure (a timeout, an unavailable quorum) says
// the replicas are in trouble; retrying inside the data service would add
// load to the partition that is already failing, so the readers are told
// and their clients back off. ok is false, as in Complete, for a late
// failure.
func (c *Coalescer[K, R]) Fail(key K, id FlightID, err error) (s Settled[R], ok bool) {
	sim.Assert(err != nil, "store: Coalescer.Fail without an error")
	f := c.current(key, id)
	if f == nil {
		return s, false
	}
	c.stats.Failed++
	delete(c.flights, key)
	s.Waiters, s.Err, s.Stale = f.waiters, err, f.cut != noCut
	return s, true
}

// current returns key's flight if it is flight id, and counts a late call
// otherwise.
func (c *Coalescer[K, R]) current(key K, id FlightID) *coalesceFlight {
	f := c.flights[key]
	if f == nil || f.id != id {
		c.stats.Late++
		return nil
	}
	return f
}

// open starts a flight with waiters and counts its query.
func (c *Coalescer[K, R]) open(waiters []Waiter) *coalesceFlight {
	c.lastID++
	c.stats.QueriesStarted++
	c.stats.PeakWaiters = max(c.stats.PeakWaiters, len(waiters))
	return &coalesceFlight{id: c.lastID, waiters: waiters, cut: noCut}
}
