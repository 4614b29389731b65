package store

// # Data services, part 3: the data-service process
//
// DataService is the tier Discord put between its API and the messages
// cluster after hot partitions melted replicas (reference §4): "one
// endpoint per query, no business logic", routed by consistent hash on
// channel_id (DataServiceRouter, dataservice_router.go), so that every
// request for a channel lands on one instance, where it can do what the
// database cannot: coalesce concurrent identical reads into one query
// (Coalescer, coalesce.go) and keep the latest page of hot channels in
// memory (LRU, lru.go).
//
// Callers (guild processes, clients' history reads) send it the client API
// of api.go unchanged, to the node the router picks, under the name
// DefaultDataServiceName; it answers with the same Ack, PageReply and
// ErrorReply, carrying the caller's own RequestID. Towards the store it is
// an ordinary caller with a Client of its own: its own request IDs, its own
// timeout (StoreTimeout), its own bound on requests out (MaxPending).
//
// # The life of one read (ReadPage)
//
//  1. Mode CoalescingCache, a latest-page read (no cursor): the cache holds
//     the channel's latest page, read at a consistency at least as strong,
//     with at least Limit messages, younger than CacheTTL: answered at once,
//     nothing is sent.
//  2. Modes Coalescing and CoalescingCache: the read joins the coalescer
//     under its exact query and consistency. The first reader opens a flight
//     and one ReadPage goes to the store; later ones wait on it.
//  3. The store answers (or the Client's timeout fires): every waiter gets
//     the page (or the error), and unless a write to the channel was
//     acknowledged during the flight (Settled.Stale), the page is cached.
//     Readers that joined after such a write wait for one new query
//     (Settled.Requery).
//  4. Mode Off, or a read the coalescer refuses for its bounds: one store
//     query for this reader alone, never cached (nothing tells whether a
//     write overtook it).
//
// # The life of one write, edit or delete
//
// It is forwarded to the store as it is. When the store answers, whatever
// the answer, the channel's cached page is dropped and every flight in
// progress for the channel is invalidated, and only then does the answer go
// back to the caller: from the moment a writer can know its write happened,
// no read that starts afterwards can be answered with a page from before
// it. An error answer invalidates too: a write that timed out may still
// have been applied.
//
// # What it promises
//
//   - Every request gets exactly one answer while the instance lives (the
//     Client's timeout bounds the wait on the store; a crashed instance
//     answers nothing, and its callers' own timeouts cover that).
//   - Read-your-writes through the tier: a read that reaches the instance
//     after it passed on a write's Ack is served by a store query sent
//     after the store's answer to the write reached the instance, or by a
//     page cached from such a query. This holds for writes that pass
//     through the instance; a write that bypasses it (a caller with another
//     routing, a channel the router just moved here) can be missed for at
//     most CacheTTL, which is why the cache has a TTL at all.
//   - Per channel, at most one store query in flight per distinct query in
//     the coalescing modes, up to the coalescer's bounds.
//   - Bounds: MaxPending store requests, the coalescer's MaxWaiters and
//     MaxFlights, the cache's entries and bytes.
//   - Cost: every message handled declares RequestWork, and every answer
//     sent ReplyWork, so the tier itself is not free and an instance
//     answering a burst from one handler is busy for it.

import (
	"errors"
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// DataServiceMode switches the tier's read path, so that scenarios can show
// what each part buys.
type DataServiceMode uint8

const (
	// DataServiceCoalescingCache (the zero value: what Discord runs)
	// coalesces concurrent identical reads and answers latest-page reads
	// from the cache of the latest page per channel.
	DataServiceCoalescingCache DataServiceMode = iota
	// DataServiceCoalescing coalesces concurrent identical reads; every
	// flight is one store query.
	DataServiceCoalescing
	// DataServiceOff passes everything through: every read is one store
	// query, as if callers talked to the store directly.
	DataServiceOff
)

func (m DataServiceMode) String() string {
	switch m {
	case DataServiceCoalescingCache:
		return "coalescing+cache"
	case DataServiceCoalescing:
		return "coalescing"
	case DataServiceOff:
		return "off"
	}
	return fmt.Sprintf("DataServiceMode(%d)", uint8(m))
}

// DataServiceOptions configures a DataService. Coordinators is required;
// every other field has a default.
type DataServiceOptions struct {
	_ struct{}
	// Mode selects the read path. Default DataServiceCoalescingCache.
	Mode DataServiceMode
	// Coordinators are the storage nodes whose coordinators the instance
	// sends to. Each instance starts at a different one (its node ID modulo
	// their number), so that a tier of instances spreads its queries over
	// the coordinators instead of all using the first; the Client moves on
	// to the next one when one lets a request go unanswered.
	Coordinators []sim.NodeID
	// CoordinatorName is the name coordinators register under. Default
	// DefaultCoordinatorName.
	CoordinatorName string
	// Name is the name the instance registers under on its node, where the
	// router sends. Default DefaultDataServiceName.
	Name string
	// StoreTimeout is how long the instance waits for the store before it
	// answers ErrNoReply. Default DefaultClientTimeout (10 s), above the
	// coordinator's own read and write timeouts, so that a live
	// coordinator's error normally comes first.
	StoreTimeout sim.Duration
	// MaxPending bounds the store requests out at once; past it requests
	// are answered ErrOverloaded. Default DefaultMaxInFlight (4096): the
	// instance sends to one coordinator at a time, and keeping more
	// requests out than that coordinator admits would only turn them into
	// its ErrOverloaded replies.
	MaxPending int
	// MaxPageSize is the largest Limit the cache serves, as the store's.
	// Default DefaultMaxPageSize (100).
	MaxPageSize int
	// Coalescer bounds the coalescer (modes Coalescing and
	// CoalescingCache).
	Coalescer CoalescerOptions
	// Cache bounds the cache of latest pages (mode CoalescingCache).
	Cache LRUOptions
	// CacheTTL is how long a cached page may be served. Invalidation on
	// write keeps the cache fresh for writes that pass through this
	// instance; the TTL bounds how long a write that did not (the router
	// moved the channel, a caller routed elsewhere) can be missed. Default
	// 1 s (GUESS: short enough that a stale page is a blip, long enough that
	// a hot channel's burst is served from one query).
	CacheTTL sim.Duration
	// RequestWork is the CPU one message handled costs the instance
	// (parsing, a map lookup or two, a send). Default 5µs (GUESS).
	RequestWork sim.Duration
	// ReplyWork is the CPU of each answer sent to a caller: ending a flight
	// answers every waiter from one handler, which really occupies a
	// scheduler. Default 1µs (GUESS).
	ReplyWork sim.Duration
}

// DataService option defaults.
const (
	DefaultDataServiceName        = "data-service"
	DefaultDataServiceCacheTTL    = 1 * sim.Second
	DefaultDataServiceRequestWork = 5 * sim.Microsecond
	DefaultDataServiceReplyWork   = 1 * sim.Microsecond
)

// ErrDataServiceOptions reports a bad data-service option.
var ErrDataServiceOptions = errors.New("store: bad data service options")

func (o DataServiceOptions) withDefaults() (DataServiceOptions, error) {
	if o.Name == "" {
		o.Name = DefaultDataServiceName
	}
	if o.CoordinatorName == "" {
		o.CoordinatorName = DefaultCoordinatorName
	}
	if o.StoreTimeout == 0 {
		o.StoreTimeout = DefaultClientTimeout
	}
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxInFlight
	}
	if o.MaxPageSize == 0 {
		o.MaxPageSize = DefaultMaxPageSize
	}
	if o.CacheTTL == 0 {
		o.CacheTTL = DefaultDataServiceCacheTTL
	}
	if o.RequestWork == 0 {
		o.RequestWork = DefaultDataServiceRequestWork
	}
	if o.ReplyWork == 0 {
		o.ReplyWork = DefaultDataServiceReplyWork
	}
	switch {
	case o.Mode > DataServiceOff:
		return o, fmt.Errorf("%w: mode %d: must be CoalescingCache (%d), Coalescing (%d) or Off (%d)",
			ErrDataServiceOptions, o.Mode, DataServiceCoalescingCache, DataServiceCoalescing, DataServiceOff)
	case len(o.Coordinators) == 0:
		return o, fmt.Errorf("%w: coordinators: need at least one storage node", ErrDataServiceOptions)
	case o.StoreTimeout < 0:
		return o, fmt.Errorf("%w: store timeout %s: must be positive", ErrDataServiceOptions, o.StoreTimeout)
	case o.MaxPending < 1:
		return o, fmt.Errorf("%w: max pending %d: must be at least 1", ErrDataServiceOptions, o.MaxPending)
	case o.MaxPageSize < 1:
		return o, fmt.Errorf("%w: max page size %d: must be at least 1", ErrDataServiceOptions, o.MaxPageSize)
	case o.CacheTTL < 0:
		return o, fmt.Errorf("%w: cache TTL %s: must be positive", ErrDataServiceOptions, o.CacheTTL)
	case o.RequestWork < 0 || o.ReplyWork < 0:
		return o, fmt.Errorf("%w: request work %s, reply work %s: must not be negative", ErrDataServiceOptions, o.RequestWork, o.ReplyWork)
	}
	o.Coordinators = slices.Clone(o.Coordinators)
	return o, nil
}

// DataServiceStats counts what an instance did since it started.
type DataServiceStats struct {
	Reads       uint64 // ReadPage requests received
	Mutations   uint64 // writes, edits and deletes received and forwarded
	CacheHits   uint64 // reads answered from the cache
	CacheMisses uint64 // latest-page reads the cache could not answer (mode CoalescingCache)
	Coalesced   uint64 // reads that joined a store query already out
	// Uncoalesced counts reads the coalescer refused for its bounds, sent
	// to the store on their own.
	Uncoalesced   uint64
	StoreReads    uint64 // page reads sent to the store: flights and reads on their own
	StoreErrors   uint64 // store requests answered with an error or timed out
	Overloaded    uint64 // requests refused because MaxPending store requests were out
	Invalidations uint64 // store answers to writes, edits and deletes, each invalidating its channel
	Replies       uint64 // answers sent to callers
	LateReplies   uint64 // store replies after the instance's own timeout, dropped
}

// DataService is the data-service process; see the top of this file.
type DataService struct {
	opts   DataServiceOptions
	client *Client
	co     *Coalescer[dsReadKey, []Message] // nil in mode Off
	cache  *LRU[Snowflake, dsCacheEntry]    // nil unless mode CoalescingCache
	// pending maps the Client's request IDs to what each store request is
	// for; at most MaxPending entries. Looked up, never ranged over.
	pending map[RequestID]dsPending
	// inflight lists, per channel, the coalescer keys in flight, so that a
	// write can invalidate every query of its channel: the coalescer is
	// keyed by exact query and cannot be asked for a channel's keys. At most
	// Coalescer.MaxFlights keys in all. Looked up, never ranged over.
	inflight map[Snowflake][]dsReadKey
	replies  int // answers sent by the current handler, for ReplyWork
	stats    DataServiceStats
}

// dsReadKey is what makes two reads identical: the same page of the same
// channel at the same consistency.
type dsReadKey struct {
	Query       Query
	Consistency Consistency
}

// dsCacheEntry is a channel's latest page as a store query returned it.
type dsCacheEntry struct {
	page        []Message // newest first; never handed out without a copy
	limit       int       // the query's Limit: the entry serves Limits up to it
	consistency Consistency
	// readAt is the instance's monotonic time when the query was sent: the
	// page is no older than that, and the TTL counts from it.
	readAt sim.Time
}

// dsPending is one store request out.
type dsPending struct {
	kind    dsPendingKind
	channel Snowflake
	caller  Waiter    // dsDirect, dsMutation: whom to answer
	key     dsReadKey // dsFlight
	flight  FlightID  // dsFlight
	sentAt  sim.Time  // dsFlight: monotonic time sent
}

type dsPendingKind uint8

const (
	dsFlight   dsPendingKind = iota + 1 // a coalesced read's query
	dsDirect                            // one reader's query
	dsMutation                          // a write, edit or delete
)

// NewDataService returns a data-service handler to spawn on a
// data-service node, or says which option is out of range.
func NewDataService(opts DataServiceOptions) (*DataService, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &DataService{opts: o, pending: map[RequestID]dsPending{}, inflight: map[Snowflake][]dsReadKey{}}
	// The Client is built again in Start, when the node is known; this one
	// only checks its options now, where the caller can handle the error.
	if d.client, err = d.newClient(0); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDataServiceOptions, err)
	}
	// The coalescer's and the cache's options are checked in every mode,
	// so that a bad setting shows when it is written, not when a scenario
	// first switches the mode that uses it.
	if d.co, err = NewCoalescer[dsReadKey, []Message](o.Coalescer); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDataServiceOptions, err)
	}
	if d.cache, err = NewLRU[Snowflake, dsCacheEntry](o.Cache); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDataServiceOptions, err)
	}
	if o.Mode == DataServiceOff {
		d.co = nil
	}
	if o.Mode != DataServiceCoalescingCache {
		d.cache = nil
	}
	return d, nil
}

// newClient returns a Client whose coordinators start at index first.
func (d *DataService) newClient(first int) (*Client, error) {
	n := len(d.opts.Coordinators)
	order := make([]sim.NodeID, 0, n)
	for i := range n {
		order = append(order, d.opts.Coordinators[(first+i)%n])
	}
	return NewClient(ClientOptions{Coordinators: order, CoordinatorName: d.opts.CoordinatorName,
		Timeout: d.opts.StoreTimeout, MaxPending: d.opts.MaxPending})
}

// Start registers the instance and points its Client at its first
// coordinator.
func (d *DataService) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Register(d.opts.Name), "store: a data service is already registered on this node")
	c, err := d.newClient(int(ctx.Node()) % len(d.opts.Coordinators))
	sim.Assert(err == nil, "store: client options were checked by NewDataService")
	d.client = c
}

// Receive handles callers' requests, the store's answers and the Client's
// timeouts.
func (d *DataService) Receive(ctx *sim.Ctx, msg any) {
	d.replies = 0
	switch m := msg.(type) {
	case ReadPage:
		d.stats.Reads++
		d.read(ctx, m)
	case WriteMessage:
		d.forward(ctx, m.ID, m.Channel, func() (RequestID, error) { return d.client.Write(ctx, m) })
	case EditMessage:
		d.forward(ctx, m.ID, m.Channel, func() (RequestID, error) { return d.client.Edit(ctx, m) })
	case DeleteMessage:
		d.forward(ctx, m.ID, m.Channel, func() (RequestID, error) { return d.client.Delete(ctx, m) })
	case ReactMessage:
		d.forward(ctx, m.ID, m.Channel, func() (RequestID, error) { return d.client.React(ctx, m) })
	case PinMessage:
		d.forward(ctx, m.ID, m.Channel, func() (RequestID, error) { return d.client.Pin(ctx, m) })
	default:
		// The Client drops, and reports false for, a reply to a request
		// whose timeout already fired: its caller has had ErrNoReply.
		r, ok := d.client.Match(ctx, msg)
		switch {
		case ok:
			d.onResult(ctx, r)
		case isStoreReply(msg):
			sim.Reachable(ctx, "store/dataservice-late-store-reply")
			d.stats.LateReplies++
		default:
			sim.Assert(false, fmt.Sprintf("store: data service got an unknown message %T", msg))
		}
	}
	ctx.Work(d.opts.RequestWork + d.opts.ReplyWork*sim.Duration(d.replies))
}

func isStoreReply(msg any) bool {
	switch msg.(type) {
	case Ack, PageReply, ErrorReply:
		return true
	}
	return false
}

// forward sends a write, edit or delete on to the store with send.
func (d *DataService) forward(ctx *sim.Ctx, callerID RequestID, channel Snowflake, send func() (RequestID, error)) {
	d.stats.Mutations++
	caller := Waiter{From: ctx.Sender(), Request: uint64(callerID)}
	id, err := send()
	if err != nil {
		d.stats.Overloaded++
		d.answerError(ctx, caller, fmt.Errorf("%w: data service: %w", ErrOverloaded, err))
		return
	}
	d.pending[id] = dsPending{kind: dsMutation, channel: channel, caller: caller}
}

// onResult handles the store's answer to one of the instance's requests.
func (d *DataService) onResult(ctx *sim.Ctx, r Result) {
	p, ok := d.pending[r.ID]
	sim.Assert(ok, "store: the data service's Client matched a request it has no record of")
	delete(d.pending, r.ID)
	if r.Err != nil {
		d.stats.StoreErrors++
	}
	switch p.kind {
	case dsMutation:
		d.invalidate(p.channel)
		if r.Err != nil {
			d.answerError(ctx, p.caller, r.Err)
		} else {
			d.answer(ctx, p.caller, Ack{ID: RequestID(p.caller.Request), Message: r.Message})
		}
	case dsDirect:
		d.answerPage(ctx, p.caller, r.Messages, r.Err)
	case dsFlight:
		d.settle(ctx, p, r)
	default:
		sim.Assert(false, "store: a data service request of no kind")
	}
}

// invalidate drops what the instance holds of channel after the store
// answered a write to it: the cached page, and the right of the flights in
// progress to answer readers that join from now on.
func (d *DataService) invalidate(channel Snowflake) {
	d.stats.Invalidations++
	if d.cache != nil {
		d.cache.Invalidate(channel)
	}
	for _, k := range d.inflight[channel] {
		d.co.Invalidate(k)
	}
}

// answer sends msg to w.
func (d *DataService) answer(ctx *sim.Ctx, w Waiter, msg any) {
	ctx.Send(w.From, msg)
	d.replies++
	d.stats.Replies++
}

func (d *DataService) answerError(ctx *sim.Ctx, w Waiter, err error) {
	d.answer(ctx, w, ErrorReply{ID: RequestID(w.Request), Err: err})
}

// answerPage answers a read with page, or with err. Each reader gets its
// own copy: on the wire a reply is a copy, and sharing one backing array
// between processes would let one reader's change show in another's page,
// or in the cache.
func (d *DataService) answerPage(ctx *sim.Ctx, w Waiter, page []Message, err error) {
	if err != nil {
		d.answerError(ctx, w, err)
		return
	}
	d.answer(ctx, w, PageReply{ID: RequestID(w.Request), Messages: slices.Clone(page)})
}

// Mode returns the instance's mode.
func (d *DataService) Mode() DataServiceMode { return d.opts.Mode }

// Stats returns the instance's counters.
func (d *DataService) Stats() DataServiceStats { return d.stats }

// CoalescerStats returns the coalescer's counters (zero in mode Off).
func (d *DataService) CoalescerStats() CoalescerStats {
	if d.co == nil {
		return CoalescerStats{}
	}
	return d.co.Stats()
}

// CacheStats returns the cache's counters (zero unless mode
// CoalescingCache). Its Hits count lookups that found the channel, also
// those the entry could not serve (a larger Limit, a stronger consistency,
// past its TTL); DataServiceStats.CacheHits counts reads answered.
func (d *DataService) CacheStats() LRUStats {
	if d.cache == nil {
		return LRUStats{}
	}
	return d.cache.Stats()
}

// Pending returns the number of store requests out.
func (d *DataService) Pending() int { return len(d.pending) }
