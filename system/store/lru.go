package store

// # Data services, part 1: the cache of hot channels
//
// Discord put a tier of "data services" between its API and the messages
// cluster after hot partitions melted replicas (reference §4): one endpoint
// per query, routed by consistent hash on channel_id, so every request for a
// channel reaches the same data-service instance. Landing on one instance is
// what lets that instance do two things the database cannot:
//
//   - coalesce concurrent identical reads into one query (coalesce.go), and
//   - keep the latest page of each hot channel in memory (this file), so a
//     burst of readers after an @everyone ping costs the replicas nothing
//     at all once the first query has answered.
//
// LRU is that cache: a plain value owned by one data-service process, keyed
// by channel ID (or any comparable key), holding the recent messages page
// with its size in bytes. It is bounded twice, by entries and by bytes,
// because either alone fails: a count bound lets a few channels of long
// messages take all the memory, a byte bound lets millions of tiny entries
// cost more in bookkeeping than in data. Read states (reference §4: one per
// user per channel, LRU with tens of millions of entries, committed to the
// database on eviction) fit the same type; OnEvict is there for them.
//
// # How a data service uses it
//
//  1. A read for channel c: Get(c). A hit answers at once.
//  2. A miss joins the coalescer (coalesce.go); the first reader's query
//     goes to the store, later ones wait on it.
//  3. When the query answers, the process answers every waiter, and Puts the
//     page into the cache unless the coalescer says a write raced the query
//     (Settled.Stale): a page read before a write must not be served after
//     it. A read sent to the store outside the coalescer (one it refused with
//     ErrTooManyWaiters) has no such flag, so its page is not cached.
//  4. A write to c, once the store acknowledges it: Invalidate(c) here and
//     Coalescer.Invalidate(c) there, before the acknowledgement goes on, so
//     that no read that starts after the writer hears "ok" can see the page
//     from before the write (the read-your-writes order the Porcupine
//     checker holds reads to).
//
// # What it promises
//
//   - Len() <= MaxEntries and Bytes() <= MaxBytes after every call.
//   - Eviction takes exactly the least recently used entries, one by one,
//     until both bounds hold: recency is a total order over the entries
//     (Get and Put make an entry the most recent; nothing else reorders), so
//     what is evicted depends only on the sequence of calls, never on map
//     order or addresses.
//   - Get, Put, Remove and Invalidate are O(1) (amortised over arena growth),
//     plus O(1) per entry a Put evicts.
//   - An entry larger than MaxBytes is never stored: caching it would evict
//     everything else for one value; the Put is refused and counted.

import (
	"errors"
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// LRU is a least-recently-used cache bounded by entry count and by total
// size. The entries live in a slice arena linked by int32 indices into a
// doubly linked recency list, with a map from key to slot: the garbage
// collector sees one slice and one map instead of a pointer per entry, and
// freed slots are reused through a free list, so a full cache that keeps
// turning over allocates nothing.
//
// It is not safe for concurrent use; in guildsim one process owns it.
type LRU[K comparable, V any] struct {
	opts    LRUOptions
	index   map[K]int32     // key -> slot; looked up, never ranged over
	slots   []lruSlot[K, V] // live entries and free slots
	head    int32           // most recently used, or lruNil
	tail    int32           // least recently used (the next victim), or lruNil
	free    int32           // first free slot, chained through next, or lruNil
	bytes   int64           // sum of live entries' sizes
	onEvict func(key K, val V)
	stats   LRUStats
}

type lruSlot[K comparable, V any] struct {
	key  K
	val  V
	size int64
	// prev points towards the head (more recent), next towards the tail;
	// a free slot uses next for the free list.
	prev, next int32
}

// lruNil ends the recency list and the free list.
const lruNil int32 = -1

// LRUOptions bounds an LRU. The zero value takes the defaults.
type LRUOptions struct {
	_ struct{}
	// MaxEntries bounds the number of entries. Default
	// DefaultLRUMaxEntries; at most maxLRUEntries.
	MaxEntries int
	// MaxBytes bounds the sum of the sizes given to Put. Default
	// DefaultLRUMaxBytes.
	MaxBytes int64
}

// LRU option defaults. Discord publishes no figure for its message cache,
// so these are ours: a latest page is at most 100 messages
// (DefaultMaxPageSize), typically a few kilobytes, so 64 MiB holds the
// latest pages of several thousand channels, the hot set of one
// data-service instance; the entry bound is set above what the byte budget
// holds at typical page sizes, so that for pages the byte budget is the one
// that binds and the entry bound only stops a flood of tiny entries.
const (
	DefaultLRUMaxEntries       = 16_384
	DefaultLRUMaxBytes   int64 = 64 << 20
	// maxLRUEntries keeps slot indices within int32.
	maxLRUEntries = 1<<31 - 1
)

// LRUStats counts what a cache did.
type LRUStats struct {
	Hits          uint64 // Gets that found their key
	Misses        uint64 // Gets that did not
	Puts          uint64 // values stored (new keys and replacements)
	Refused       uint64 // Puts of an entry larger than MaxBytes, not stored
	Evictions     uint64 // entries dropped to keep a bound
	EvictedBytes  uint64 // their sizes
	Invalidations uint64 // Invalidates that dropped an entry
	Removals      uint64 // Removes that dropped an entry
}

// ErrLRUOptions reports a bad LRU option.
var ErrLRUOptions = errors.New("store: bad LRU options")

func (o LRUOptions) withDefaults() (LRUOptions, error) {
	if o.MaxEntries == 0 {
		o.MaxEntries = DefaultLRUMaxEntries
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultLRUMaxBytes
	}
	if o.MaxEntries < 1 || o.MaxEntries > maxLRUEntries {
		return o, fmt.Errorf("%w: max entries %d: must be between 1 and %d", ErrLRUOptions, o.MaxEntries, maxLRUEntries)
	}
	if o.MaxBytes < 1 {
		return o, fmt.Errorf("%w: max bytes %d: must be at least 1", ErrLRUOptions, o.MaxBytes)
	}
	return o, nil
}

// NewLRU returns an empty cache, or says which option is out of range.
func NewLRU[K comparable, V any](opts LRUOptions) (*LRU[K, V], error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &LRU[K, V]{
		opts:  o,
		index: make(map[K]int32),
		head:  lruNil,
		tail:  lruNil,
		free:  lruNil,
	}, nil
}

// OnEvict sets a function called with each entry evicted to keep a bound,
// least recently used first, before the Put that evicted it returns. It is
// not called for Remove, Invalidate or a replacing Put: those are the
// owner's own decisions. Read states need it: their dirty entries are
// committed to the database on eviction (reference §4). fn must not call
// back into the cache.
func (c *LRU[K, V]) OnEvict(fn func(key K, val V)) { c.onEvict = fn }

// Options returns the cache's options, defaults filled in.
func (c *LRU[K, V]) Options() LRUOptions { return c.opts }

// Len returns the number of entries.
func (c *LRU[K, V]) Len() int { return len(c.index) }

// Bytes returns the sum of the entries' sizes.
func (c *LRU[K, V]) Bytes() int64 { return c.bytes }

// Stats returns the counters.
func (c *LRU[K, V]) Stats() LRUStats { return c.stats }

// Get returns key's value and makes it the most recently used entry.
func (c *LRU[K, V]) Get(key K) (V, bool) {
	i, ok := c.index[key]
	if !ok {
		c.stats.Misses++
		var zero V
		return zero, false
	}
	c.stats.Hits++
	c.moveToFront(i)
	return c.slots[i].val, true
}

// Peek returns key's value without touching its recency or the hit and miss
// counters: for inspection, not for serving reads.
func (c *LRU[K, V]) Peek(key K) (V, bool) {
	i, ok := c.index[key]
	if !ok {
		var zero V
		return zero, false
	}
	return c.slots[i].val, true
}

// Put stores val under key with its size in bytes, as the most recently used
// entry, replacing any value key had, then evicts least recently used entries
// until both bounds hold. It returns false, and drops any old value of key,
// when size alone exceeds MaxBytes: the old value is no fresher than the one
// refused, so keeping it would serve what the caller just replaced. size must
// not be negative.
func (c *LRU[K, V]) Put(key K, val V, size int64) bool {
	sim.Assert(size >= 0, "store: LRU.Put with a negative size")
	i, had := c.index[key]
	if size > c.opts.MaxBytes {
		c.stats.Refused++
		if had {
			c.drop(i)
		}
		return false
	}
	c.stats.Puts++
	if had {
		s := &c.slots[i]
		c.bytes += size - s.size
		s.val, s.size = val, size
		c.moveToFront(i)
	} else {
		i = c.alloc()
		c.slots[i] = lruSlot[K, V]{key: key, val: val, size: size, prev: lruNil, next: lruNil}
		c.index[key] = i
		c.bytes += size
		c.pushFront(i)
	}
	// The entry just put is at the head and fits alone, so eviction stops
	// before reaching it; the loop runs at most once per entry.
	for len(c.index) > c.opts.MaxEntries || c.bytes > c.opts.MaxBytes {
		victim := c.tail
		sim.Assert(victim != i, "store: LRU evicting the entry just put")
		k, v, sz := c.slots[victim].key, c.slots[victim].val, c.slots[victim].size
		c.drop(victim)
		c.stats.Evictions++
		c.stats.EvictedBytes += uint64(sz)
		if c.onEvict != nil {
			c.onEvict(k, v)
		}
	}
	return true
}

// Invalidate drops key's entry because a write made it stale; it reports
// whether there was one. Counted apart from Remove, so a report can tell how
// often writes defeat the cache.
func (c *LRU[K, V]) Invalidate(key K) bool {
	i, ok := c.index[key]
	if !ok {
		return false
	}
	c.stats.Invalidations++
	c.drop(i)
	return true
}

// Remove drops key's entry for any other reason (the channel moved to
// another data service, the owner wants the memory); it reports whether
// there was one.
func (c *LRU[K, V]) Remove(key K) bool {
	i, ok := c.index[key]
	if !ok {
		return false
	}
	c.stats.Removals++
	c.drop(i)
	return true
}

// Keys returns the keys from the most to the least recently used. It walks
// the whole cache: for tests, reports and debugging, not for request paths.
func (c *LRU[K, V]) Keys() []K {
	out := make([]K, 0, len(c.index))
	// The list holds exactly len(index) entries; the bound guards a
	// corrupted list against looping for ever.
	for i, n := c.head, 0; i != lruNil && n <= len(c.index); i, n = c.slots[i].next, n+1 {
		out = append(out, c.slots[i].key)
	}
	sim.Assert(len(out) == len(c.index), "store: LRU recency list and index disagree")
	return out
}

// drop unlinks slot i, forgets its key and frees the slot.
func (c *LRU[K, V]) drop(i int32) {
	s := &c.slots[i]
	c.unlink(i)
	delete(c.index, s.key)
	c.bytes -= s.size
	// Zero the slot so the arena does not keep the value (a page of
	// messages) alive for the garbage collector.
	*s = lruSlot[K, V]{prev: lruNil, next: c.free}
	c.free = i
}

// alloc returns a free slot, growing the arena when none is free.
func (c *LRU[K, V]) alloc() int32 {
	if c.free != lruNil {
		i := c.free
		c.free = c.slots[i].next
		return i
	}
	c.slots = append(c.slots, lruSlot[K, V]{})
	return int32(len(c.slots) - 1)
}

func (c *LRU[K, V]) moveToFront(i int32) {
	if c.head == i {
		return
	}
	c.unlink(i)
	c.pushFront(i)
}

func (c *LRU[K, V]) pushFront(i int32) {
	s := &c.slots[i]
	s.prev, s.next = lruNil, c.head
	if c.head != lruNil {
		c.slots[c.head].prev = i
	}
	c.head = i
	if c.tail == lruNil {
		c.tail = i
	}
}

func (c *LRU[K, V]) unlink(i int32) {
	s := &c.slots[i]
	if s.prev != lruNil {
		c.slots[s.prev].next = s.next
	} else {
		c.head = s.next
	}
	if s.next != lruNil {
		c.slots[s.next].prev = s.prev
	} else {
		c.tail = s.prev
	}
	s.prev, s.next = lruNil, lruNil
}
