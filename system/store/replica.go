package store

import "github.com/guildsim/guildsim/sim"

// Replica is the storage process of one storage node: it owns the node's
// Engine and serves coordinators' requests (wire.go) with it. A node's Boot
// spawns one; a crash kills it with everything in memory, and the next Boot
// spawns a fresh one that rebuilds the engine from the commit log.
//
// Every request declares its CPU cost (CostModel) on the node, growing with
// the rows it writes or examines and the tombstones it scans, so a hot
// partition slows its replicas and everything else they serve.
type Replica struct {
	opts   ReplicaOptions
	engine *Engine
	replay ReplayStats
	stats  ReplicaStats
	// stallsFrom is the monotonic instant from which the slowSync buggify
	// site may stall this replica again (see maybeSlowSync).
	stallsFrom sim.Time
}

// ReplicaOptions configures a Replica. The zero value is valid.
type ReplicaOptions struct {
	_ struct{}
	// Name is the name the replica registers under on its node, where
	// coordinators send to it. Default "store".
	Name string
	// Engine configures the storage engine: the commit log's sync policy
	// (periodic every 10 s by default, or per batch), page and tombstone
	// bounds.
	Engine Options
	// Cost is the CPU each request declares.
	Cost CostModel
}

// DefaultReplicaName is ReplicaOptions.Name when left empty.
const DefaultReplicaName = "store"

// ReplicaStats counts a replica's requests since it started.
type ReplicaStats struct {
	Writes      uint64 // writes applied (client legs, repairs and hints)
	Repairs     uint64 // read-repair writes among them
	Hints       uint64 // hinted writes among them
	Reads       uint64 // partition scans and point reads
	RowsTouched uint64 // rows examined by reads
	Tombstones  uint64 // tombstones scanned by reads
	Busy        sim.Duration
}

// NewReplica returns a replica handler to spawn on a storage node.
func NewReplica(opts ReplicaOptions) (*Replica, error) {
	opts, err := opts.Effective()
	if err != nil {
		return nil, err
	}
	return &Replica{opts: opts}, nil
}

type syncTick struct{}

// lateReply is an answer the replica holds back for a while (buggify:
// see reply); the timer delivers it to the replica, which sends it on.
type lateReply struct {
	to  sim.PID
	msg any
}

// Buggify sites of the replica (sim's Ctx.Buggify; on only in runs that ask
// for it). Each makes a legal but rare timing common:
//   - replicaLateReply: an answer to a coordinator leaves late (a GC pause,
//     a compaction, a queue in front of the disk), usually past the
//     coordinator's speculative delay, now and then past its write timeout.
//     Cassandra's replicas answer from thread pools, so answers to one
//     coordinator need not keep request order: a late one may be overtaken.
//   - slowSync: a commit log sync stalls (an ext4 journal commit, a busy
//     device): the replica is busy for longer, everything queued behind it
//     waits. At most one stall per slowSyncQuiet: a stall is an episode.
//     Asked on every sync, with a stall of 425 ms on average, a replica
//     under SyncPerBatch (one sync per write message) could serve only about
//     9 write messages a second: a small load (mixed seed 1696: 4 guilds, a
//     post every 360 ms each) then queued without end, every write timed
//     out, hints piled up and their replay added syncs, long after the faults
//     healed. That is a failed disk (the slow-disk fault's job), not a rare
//     timing.
const (
	siteReplicaLateReply = "store/replica-late-reply"
	siteSlowSync         = "store/commitlog-slow-sync"
)

// Buggify delays, GUESSes in the range real clusters report.
const (
	lateReplyShortMax = 500 * sim.Millisecond // past SpeculativeDelay (20 ms), within WriteTimeout
	lateReplyLongMin  = DefaultWriteTimeout
	lateReplyLongMax  = DefaultWriteTimeout + sim.Second
	slowSyncStallMin  = 50 * sim.Millisecond
	slowSyncStallMax  = 800 * sim.Millisecond
	// slowSyncQuiet is how long after a stall ends the next may start:
	// stalls then hold a replica at most 800/(800+2000) of the time, so a
	// write queued behind one still meets its WriteTimeout (2 s).
	slowSyncQuiet = 2 * sim.Second
)

// Start registers the replica and opens the engine from the commit log.
func (r *Replica) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Register(r.opts.Name), "store: a replica is already registered on this node")
	e, st, err := Open(r.opts.Engine, ctx.Disk())
	sim.Assert(err == nil, "store: engine options were checked by NewReplica")
	r.engine, r.replay = e, st
	sim.Sometimes(ctx, "store/commitlog-replayed-on-start", st.Records > 0)
	r.work(ctx, r.opts.Cost.PerReplayedWrite*sim.Duration(st.Records))
	if r.opts.Engine.Sync == SyncPeriodic {
		ctx.SetTimer(r.opts.Engine.SyncPeriod, syncTick{})
	}
}

// Receive serves one request.
func (r *Replica) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case replicaWrite:
		err := r.apply(ctx, m.writes)
		if m.repair || m.op == 0 {
			r.stats.Repairs += uint64(len(m.writes))
		}
		if m.op == 0 {
			return
		}
		r.reply(ctx, replicaWriteAck{op: m.op, leg: m.leg, round: m.round, repair: m.repair, node: ctx.Node(), err: err})
	case hintBatch:
		err := r.apply(ctx, m.writes)
		r.stats.Hints += uint64(len(m.writes))
		ctx.Send(ctx.Sender(), hintAck{seq: m.seq, node: ctx.Node(), err: err})
	case replicaRead:
		r.reply(ctx, r.read(ctx, m))
	case replicaIndexRead:
		bs := r.engine.Buckets(m.channel, m.from, m.backwards, m.limit)
		r.work(ctx, r.opts.Cost.read(ReadCost{RowsTouched: len(bs)}))
		r.reply(ctx, replicaIndex{op: m.op, round: m.round, node: ctx.Node(), buckets: bs})
	case probe:
		ctx.Send(ctx.Sender(), probeAck{node: ctx.Node()})
	case syncTick:
		syncs := r.engine.Stats().Syncs
		r.engine.Sync(ctx.Disk())
		r.maybeSlowSync(ctx, syncs)
		ctx.SetTimer(r.opts.Engine.SyncPeriod, syncTick{})
	case lateReply:
		ctx.Send(m.to, m.msg)
	default:
		sim.Assertf(false, "store: replica got an unknown message %T", msg)
	}
}

// apply writes ws through the engine (commit log first, then memory).
func (r *Replica) apply(ctx *sim.Ctx, ws []Write) error {
	r.work(ctx, r.opts.Cost.write(len(ws)))
	syncs := r.engine.Stats().Syncs
	if err := r.engine.Apply(ctx.Disk(), ws...); err != nil {
		return err
	}
	r.maybeSlowSync(ctx, syncs)
	r.stats.Writes += uint64(len(ws))
	return nil
}

// reply answers the coordinator that sent the request being handled, at
// once or, at the replicaLateReply buggify site, after a delay. The write
// is applied either way: only its acknowledgement is late.
func (r *Replica) reply(ctx *sim.Ctx, msg any) {
	if !ctx.Buggify(siteReplicaLateReply) {
		ctx.Send(ctx.Sender(), msg)
		return
	}
	d := ctx.Rand().Duration(DefaultSpeculativeDelay, lateReplyShortMax)
	if ctx.Rand().Chance(1, 4) {
		d = ctx.Rand().Duration(lateReplyLongMin, lateReplyLongMax)
	}
	ctx.SetTimer(d, lateReply{to: ctx.Sender(), msg: msg})
}

// maybeSlowSync stalls the replica if the engine synced its log since it
// counted syncsBefore, the last stall ended slowSyncQuiet ago or more, and
// the slowSync buggify site fires.
func (r *Replica) maybeSlowSync(ctx *sim.Ctx, syncsBefore uint64) {
	if r.engine.Stats().Syncs == syncsBefore || ctx.Monotonic().Before(r.stallsFrom) || !ctx.Buggify(siteSlowSync) {
		return
	}
	d := ctx.Rand().Duration(slowSyncStallMin, slowSyncStallMax)
	r.work(ctx, d)
	r.stallsFrom = ctx.Monotonic().Add(d + slowSyncQuiet)
}

// read serves a point read or a partition scan.
func (r *Replica) read(ctx *sim.Ctx, m replicaRead) replicaRows {
	out := replicaRows{op: m.op, round: m.round, node: ctx.Node()}
	if m.point != 0 {
		found, ok := r.engine.lookupRow(m.key.Channel, m.point)
		out.scan = partitionScan{exhausted: true, cost: ReadCost{Partitions: 1}}
		if ok {
			out.scan.rows = []row{found}
			out.scan.cost.RowsTouched = 1
		}
	} else {
		out.scan, out.err = r.engine.scanPartition(m.key, m.cursor, m.forwards, m.limit)
	}
	c := out.scan.cost
	r.stats.Reads++
	r.stats.RowsTouched += uint64(c.RowsTouched)
	r.stats.Tombstones += uint64(c.Tombstones)
	r.work(ctx, r.opts.Cost.read(c))
	return out
}

func (r *Replica) work(ctx *sim.Ctx, d sim.Duration) {
	ctx.Work(d)
	r.stats.Busy += d
}

// Engine returns the replica's engine (nil before Start), for inspection
// between events: tests and reports read it, nothing writes through it.
func (r *Replica) Engine() *Engine { return r.engine }

// Stats returns the replica's counters.
func (r *Replica) Stats() ReplicaStats { return r.stats }

// Replayed returns what the engine's commit log replay found at Start.
func (r *Replica) Replayed() ReplayStats { return r.replay }
