package store

import (
	"errors"
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// Coordinator is the process that serves the client API (api.go) on one
// storage node, as every Cassandra and ScyllaDB node coordinates the
// requests its clients send it: it finds a partition's replicas on the
// ring, sends them the request, waits for as many answers as the
// consistency level needs, and replies. It also keeps hints for replicas
// that missed writes (hints.go), repairs stale replicas it reads from
// (coord_merge.go) and tracks which storage nodes are alive (peers.go).
//
// Why on the storage nodes and not in the client: this is where Cassandra
// puts it, and where its costs belong. A request's coordination (the
// fan-out, the merge, the hints) spends CPU on a storage node, so a hot
// channel loads the cluster and not its callers; a client only needs the
// address of some coordinator, and a coordinator that is also a replica
// serves a ONE read locally. A coordinator dies with its node, taking its
// requests in flight (their senders time out: outcome unknown) and its hints
// (kept in memory; see doc.go).
type Coordinator struct {
	opts  CoordinatorOptions
	ring  *Ring
	self  sim.NodeID
	gen   *Generator
	peers []peer // one per storage node, by node ID
	ops   map[uint64]*coordOp
	// nextOp numbers operations; replies to an earlier incarnation's
	// operations go to its PID, which died with it.
	nextOp uint64
	// known holds (channel, bucket) pairs whose bucket marker this
	// coordinator wrote at some consistency level (bucketindex.go), so that
	// only a channel's first write into a bucket pays for the marker.
	known     map[PartitionKey]struct{}
	hintTotal int
	hintSeq   uint64
	stats     CoordinatorStats
}

// CoordinatorOptions configures a Coordinator. Nodes is required; every
// other field has a default.
type CoordinatorOptions struct {
	_ struct{}
	// Nodes are the storage nodes: the ring's members. The coordinator's
	// own node must be one of them.
	Nodes []sim.NodeID
	// Name is the name the coordinator registers under. Default
	// "store-coord".
	Name string
	// ReplicaName is the name replicas register under. Default "store".
	ReplicaName string
	// ReplicationFactor is the number of replicas per partition. Default
	// 3 (reference §4: RF 3); at most 8.
	ReplicationFactor int
	// VNodes is the ring's virtual nodes per node. Default 256.
	VNodes int
	// WriteTimeout bounds a write's wait for its replicas. Default 2 s
	// (Cassandra's write_request_timeout_in_ms).
	WriteTimeout sim.Duration
	// ReadTimeout bounds a read's wait, all its rounds together. Default
	// 5 s (Cassandra's read_request_timeout_in_ms).
	ReadTimeout sim.Duration
	// SpeculativeDelay is how long a read round waits for the replicas it
	// asked before asking the others too (Cassandra's speculative_retry,
	// which defaults to the 99th percentile of read latency; a fixed GUESS
	// here: 20 ms, several times a healthy replica's answer).
	SpeculativeDelay sim.Duration
	// MaxPageSize bounds ReadPage's Limit. Default 100, as the engine's.
	MaxPageSize int
	// MaxBucketsPerRead bounds the buckets one page read visits. Default
	// 128 (GUESS: three and a half years of a channel writing every ten
	// days; the index makes empty buckets free).
	MaxBucketsPerRead int
	// MaxShortReadRounds bounds the extra rounds a page read makes in one
	// bucket when replicas disagree on deletes and the merged page comes
	// out short (Cassandra's short read protection). Past it the page is
	// returned short. Default 8 (GUESS).
	MaxShortReadRounds int
	// MaxRereadRounds bounds the rounds a page read makes at one place of
	// its walk while the replicas' answers disagree: a round whose answers
	// differ is repaired and read again, and only a round whose answers
	// agree is taken into the page (a snapshot, coord_page.go). Past it the
	// read fails with ErrTimeout. Default 8 (GUESS: a round after a repair
	// disagrees again only if a write lands meanwhile).
	MaxRereadRounds int
	// MaxInFlight bounds the operations in flight; past it requests get
	// ErrOverloaded. Default 4096 (GUESS).
	MaxInFlight int
	// MaxHints bounds the hints held for all replicas together; past it new
	// hints are dropped. Default 100000 (GUESS).
	MaxHints int
	// MaxHintWindow: no hints are stored for a replica down for longer than
	// this. Default 3 h (Cassandra's max_hint_window_in_ms).
	MaxHintWindow sim.Duration
	// DisableHints turns hinted handoff off (Cassandra's
	// hinted_handoff_enabled: false).
	DisableHints bool
	// HintBatch bounds the writes one hint replay message carries. Default
	// 64 (GUESS).
	HintBatch int
	// ProbeInterval is how often replicas believed down are asked whether
	// they are back, and hint replay is checked. Default 1 s (Cassandra's
	// gossip interval).
	ProbeInterval sim.Duration
	// SuspectAfterMisses: a replica that leaves this many requests in a row
	// unanswered by their deadline is believed down until it answers
	// again, so that a crash is noticed well before the network's link
	// timeout reports it. Default 3 (GUESS, standing in for Cassandra's phi
	// accrual failure detector).
	SuspectAfterMisses int
	// MaxClockAhead is how far in the future of the coordinator's clock a
	// channel ID may have been minted before the channel is refused as
	// unknown (a generous allowance for clock skew between nodes). Default
	// 1 min (GUESS).
	MaxClockAhead sim.Duration
	// MaxKnownBuckets bounds the (channel, bucket) pairs remembered as
	// indexed; when full the memory is dropped and markers are written
	// again. Default 65536 (GUESS).
	MaxKnownBuckets int
	// Timestamps is where the last-write-wins timestamps of edits,
	// deletes, reactions and pins come from [TimestampsReadBumped: the
	// coordinator's clock bumped past what the change's point read saw;
	// TimestampsCoordinatorClock, Cassandra's, is unsafe under clock skew
	// (timestamps.go)].
	Timestamps Timestamps
	// Cost is the CPU the coordinator declares.
	Cost CostModel
}

// Coordinator option defaults.
const (
	DefaultCoordinatorName    = "store-coord"
	DefaultReplicationFactor  = 3
	DefaultWriteTimeout       = 2 * sim.Second
	DefaultReadTimeout        = 5 * sim.Second
	DefaultSpeculativeDelay   = 20 * sim.Millisecond
	DefaultMaxBucketsPerRead  = 128
	DefaultMaxShortReadRounds = 8
	DefaultMaxRereadRounds    = 8
	DefaultMaxInFlight        = 4096
	DefaultMaxHints           = 100_000
	DefaultMaxHintWindow      = 3 * 60 * 60 * sim.Second
	DefaultHintBatch          = 64
	DefaultProbeInterval      = 1 * sim.Second
	DefaultSuspectAfterMisses = 3
	DefaultMaxClockAhead      = 60 * sim.Second
	DefaultMaxKnownBuckets    = 65536

	// maxReplicationFactor keeps replica sets in a byte of flags.
	maxReplicationFactor = 8
)

// ErrCoordinatorOptions reports a bad coordinator option.
var ErrCoordinatorOptions = errors.New("store: bad coordinator options")

func (o CoordinatorOptions) withDefaults() (CoordinatorOptions, error) {
	if o.Name == "" {
		o.Name = DefaultCoordinatorName
	}
	if o.ReplicaName == "" {
		o.ReplicaName = DefaultReplicaName
	}
	ints := []struct {
		p    *int
		def  int
		name string
	}{
		{&o.ReplicationFactor, DefaultReplicationFactor, "replication factor"},
		{&o.MaxPageSize, DefaultMaxPageSize, "max page size"},
		{&o.MaxBucketsPerRead, DefaultMaxBucketsPerRead, "max buckets per read"},
		{&o.MaxShortReadRounds, DefaultMaxShortReadRounds, "max short read rounds"},
		{&o.MaxRereadRounds, DefaultMaxRereadRounds, "max reread rounds"},
		{&o.MaxInFlight, DefaultMaxInFlight, "max in flight"},
		{&o.MaxHints, DefaultMaxHints, "max hints"},
		{&o.HintBatch, DefaultHintBatch, "hint batch"},
		{&o.SuspectAfterMisses, DefaultSuspectAfterMisses, "suspect after misses"},
		{&o.MaxKnownBuckets, DefaultMaxKnownBuckets, "max known buckets"},
	}
	for _, f := range ints {
		if *f.p == 0 {
			*f.p = f.def
		}
		if *f.p < 1 {
			return o, fmt.Errorf("%w: %s %d: must be at least 1", ErrCoordinatorOptions, f.name, *f.p)
		}
	}
	durations := []struct {
		p    *sim.Duration
		def  sim.Duration
		name string
	}{
		{&o.WriteTimeout, DefaultWriteTimeout, "write timeout"},
		{&o.ReadTimeout, DefaultReadTimeout, "read timeout"},
		{&o.SpeculativeDelay, DefaultSpeculativeDelay, "speculative delay"},
		{&o.MaxHintWindow, DefaultMaxHintWindow, "max hint window"},
		{&o.ProbeInterval, DefaultProbeInterval, "probe interval"},
		{&o.MaxClockAhead, DefaultMaxClockAhead, "max clock ahead"},
	}
	for _, f := range durations {
		if *f.p == 0 {
			*f.p = f.def
		}
		if *f.p < 0 {
			return o, fmt.Errorf("%w: %s %s: must be positive", ErrCoordinatorOptions, f.name, *f.p)
		}
	}
	switch {
	case len(o.Nodes) == 0:
		return o, fmt.Errorf("%w: nodes: need at least one storage node", ErrCoordinatorOptions)
	case o.ReplicationFactor > maxReplicationFactor:
		return o, fmt.Errorf("%w: replication factor %d: must be at most %d", ErrCoordinatorOptions, o.ReplicationFactor, maxReplicationFactor)
	case !o.Timestamps.valid():
		return o, fmt.Errorf("%w: timestamps %d: must be read-bumped (%d) or coordinator-clock (%d)", ErrCoordinatorOptions,
			uint8(o.Timestamps), uint8(TimestampsReadBumped), uint8(TimestampsCoordinatorClock))
	case len(o.Nodes) > (MaxWorker+1)*(MaxProcess+1):
		return o, fmt.Errorf("%w: %d nodes: snowflakes tell at most %d coordinators apart", ErrCoordinatorOptions, len(o.Nodes), (MaxWorker+1)*(MaxProcess+1))
	}
	o.Nodes = slices.Clone(o.Nodes)
	slices.Sort(o.Nodes)
	if len(slices.Compact(slices.Clone(o.Nodes))) != len(o.Nodes) {
		return o, fmt.Errorf("%w: nodes %v: a node is listed twice", ErrCoordinatorOptions, o.Nodes)
	}
	o.Cost = o.Cost.withDefaults()
	return o, nil
}

// CoordinatorStats counts what a coordinator did since it started.
type CoordinatorStats struct {
	Requests        uint64 // client requests received
	Acks            uint64 // writes, edits and deletes acknowledged
	Pages           uint64 // pages returned
	BadRequests     uint64 // requests refused for their arguments
	Unavailable     uint64 // requests refused for lack of live replicas
	Timeouts        uint64 // requests that timed out
	Overloaded      uint64 // requests refused for MaxInFlight
	ReplicaRequests uint64 // requests sent to replicas
	Speculative     uint64 // replicas asked by speculative retry
	ShortReads      uint64 // extra rounds of short read protection
	RepairWrites    uint64 // writes sent by read repair
	BlockingRepairs uint64 // read rounds that waited for their repairs
	Rereads         uint64 // scan rounds read again because their answers disagreed
	HintsStored     uint64
	HintsDropped    uint64 // over MaxHints or MaxHintWindow, or hints off
	HintsDelivered  uint64
	MarkedDown      uint64 // times a replica was believed down
	MarkersWritten  uint64 // bucket markers written with a message
}

// NewCoordinator returns a coordinator handler to spawn on a storage node.
func NewCoordinator(opts CoordinatorOptions) (*Coordinator, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ring, err := NewRing(RingOptions{VNodes: o.VNodes})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCoordinatorOptions, err)
	}
	c := &Coordinator{opts: o, ring: ring, ops: map[uint64]*coordOp{}, known: map[PartitionKey]struct{}{}}
	for _, n := range o.Nodes {
		sim.Assert(ring.Add(n) == nil, "store: nodes were checked for duplicates")
		c.peers = append(c.peers, peer{node: n, up: true})
	}
	return c, nil
}

type probeTick struct{}

// Start registers the coordinator, watches every other storage node and
// starts the probe timer. Its generator's worker and process fields come
// from its node's place in Nodes, so no two coordinators share them.
func (c *Coordinator) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Register(c.opts.Name), "store: a coordinator is already registered on this node")
	c.self = ctx.Node()
	i, found := slices.BinarySearch(c.opts.Nodes, c.self)
	sim.Assert(found, "store: a coordinator must run on one of its storage nodes")
	gen, err := NewGenerator(GeneratorOptions{Worker: i >> processBits, Process: i & MaxProcess})
	sim.Assert(err == nil, "store: generator fields come from a bounded node index")
	c.gen = gen
	for i := range c.peers {
		if c.peers[i].node != c.self {
			ctx.MonitorNode(c.peers[i].node)
			c.peers[i].monitored = true
		}
	}
	ctx.SetTimer(c.opts.ProbeInterval, probeTick{})
}

// Receive handles client requests, replica answers and timers.
func (c *Coordinator) Receive(ctx *sim.Ctx, msg any) {
	rows := 0
	switch m := msg.(type) {
	case WriteMessage:
		c.stats.Requests++
		c.startWrite(ctx, m)
	case EditMessage:
		c.stats.Requests++
		c.startMutation(ctx, mutation{kind: opEdit, req: m.ID, channel: m.Channel, message: m.Message, content: m.Content, author: m.Author}, m.Consistency)
	case DeleteMessage:
		c.stats.Requests++
		c.startMutation(ctx, mutation{kind: opDelete, req: m.ID, channel: m.Channel, message: m.Message, author: m.Author}, m.Consistency)
	case ReactMessage:
		c.stats.Requests++
		c.startMutation(ctx, mutation{kind: opReact, req: m.ID, channel: m.Channel, message: m.Message, content: m.Key, remove: m.Remove}, m.Consistency)
	case PinMessage:
		c.stats.Requests++
		c.startMutation(ctx, mutation{kind: opPin, req: m.ID, channel: m.Channel, message: m.Message, remove: m.Unpin}, m.Consistency)
	case ReadPage:
		c.stats.Requests++
		c.startPage(ctx, m)
	case replicaWriteAck:
		c.heard(ctx, m.node)
		c.onWriteAck(ctx, m)
	case replicaRows:
		c.heard(ctx, m.node)
		rows = len(m.scan.rows)
		c.onAnswer(ctx, m.op, m.round, readAnswer{node: m.node, scan: m.scan, err: m.err})
	case replicaIndex:
		c.heard(ctx, m.node)
		rows = len(m.buckets)
		c.onAnswer(ctx, m.op, m.round, readAnswer{node: m.node, buckets: m.buckets})
	case opDeadline:
		c.onDeadline(ctx, m.op)
	case opSpeculate:
		c.onSpeculate(ctx, m)
	case hintAck:
		c.heard(ctx, m.node)
		c.onHintAck(ctx, m)
	case probeAck:
		c.heard(ctx, m.node)
	case sim.NodeDown:
		c.onNodeDown(ctx, m.Node)
	case probeTick:
		c.onProbeTick(ctx)
		ctx.SetTimer(c.opts.ProbeInterval, probeTick{})
	default:
		sim.Assertf(false, "store: coordinator got an unknown message %T", msg)
	}
	ctx.Work(c.opts.Cost.coordinator(rows))
}

// Stats returns the coordinator's counters.
func (c *Coordinator) Stats() CoordinatorStats { return c.stats }

// InFlight returns the number of operations in flight (writes stay in
// flight after their reply until every replica answered or the deadline).
func (c *Coordinator) InFlight() int { return len(c.ops) }

// Hints returns the number of hints held for node.
func (c *Coordinator) Hints(node sim.NodeID) int {
	if p := c.peer(node); p != nil {
		return len(p.hints)
	}
	return 0
}

// ReplicasFor returns the replicas of a partition, the owner first: the
// ring's placement, for tests and reports.
func (c *Coordinator) ReplicasFor(key PartitionKey) []sim.NodeID {
	return c.ring.ReplicasFor(key.Token(), c.opts.ReplicationFactor)
}
