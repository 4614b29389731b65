package store

import (
	"errors"

	"github.com/guildsim/guildsim/sim"
)

// coordOp is one client request in flight at a coordinator. It goes
// through phases, each a round of requests to one partition's replicas:
//
//	write:         phaseWrite
//	edit, delete:  phasePoint (is the message alive?), then phaseWrite
//	read page:     phaseIndex (which buckets?), then phaseScan per bucket
//
// A read round whose answers disagreed waits in phaseRepair until the
// replicas it repaired acknowledged, before the operation goes on.
//
// One deadline timer covers the reads of an operation, a fresh one its
// write phase. A write stays in flight after its reply until every replica
// it sent to answered or the deadline passed: the replicas still silent
// then get hints.
type coordOp struct {
	id      uint64
	kind    opKind
	phase   opPhase
	client  sim.PID
	req     RequestID
	cl      Consistency
	timer   sim.TimerID
	replied bool
	message Snowflake // the message written, edited or deleted

	legs []writeLeg // phaseWrite
	// mark is the (channel, bucket) whose marker leg this write carries,
	// remembered as indexed once the write succeeds.
	mark    PartitionKey
	hasMark bool

	read readRound // phasePoint, phaseIndex, phaseScan

	// phaseRepair: how many replicas were sent a read repair in the
	// current round and have not acknowledged it, and what the operation
	// does once they all have (coord_merge.go, blocking read repair).
	repairWait int
	resume     func(*sim.Ctx)

	// Edits, deletes and reactions: what to change once the point read
	// finds the message alive.
	mut mutation

	// Page reads.
	query   Query
	buckets []Bucket // to visit, in walk order
	next    int      // index in buckets of the one being read
	cursor  Snowflake
	short   int // short read rounds in this bucket
	reread  int // rounds read again at the current cursor (answers disagreed)
	page    []Message
}

type opKind uint8

const (
	opWrite opKind = iota
	opEdit
	opDelete
	opReact
	opPin
	opPage
)

type opPhase uint8

const (
	phaseWrite opPhase = iota
	phasePoint
	phaseIndex
	phaseScan
	phaseRepair
)

// opDeadline is an operation's deadline timer.
type opDeadline struct{ op uint64 }

// newOp registers an operation, or replies ErrOverloaded and returns nil.
func (c *Coordinator) newOp(ctx *sim.Ctx, kind opKind, req RequestID, cl Consistency) *coordOp {
	if len(c.ops) >= c.opts.MaxInFlight {
		sim.Reachable(ctx, "store/coordinator-overloaded")
		c.stats.Overloaded++
		ctx.Send(ctx.Sender(), ErrorReply{ID: req, Err: ErrOverloaded})
		return nil
	}
	c.nextOp++
	op := &coordOp{id: c.nextOp, kind: kind, client: ctx.Sender(), req: req, cl: cl}
	c.ops[op.id] = op
	return op
}

// siteEarlyTimeout is the coordinator's buggify site: a deadline fires
// early, at a tenth to a half of the configured timeout, as on a
// coordinator configured with a shorter timeout or one shedding load. It
// bites when replicas are slow too (other sites, or faults): the caller
// then gets ErrTimeout for a write that may well land (outcome unknown),
// the replicas still silent get hints and a miss each, and a read fails.
// Not shorter: a coordinator that cannot wait for a healthy replica's
// round trip fails nearly every request, which is an outage, not a rare
// timing (an early version drew 1-50 ms and made both final reads of a
// channel fail now and then).
const siteEarlyTimeout = "store/coordinator-early-timeout"

// arm (re)starts op's deadline.
func (c *Coordinator) arm(ctx *sim.Ctx, op *coordOp, d sim.Duration) {
	if ctx.Buggify(siteEarlyTimeout) {
		d = ctx.Rand().Duration(d/10, d/2)
	}
	if op.timer != 0 {
		ctx.CancelTimer(op.timer)
	}
	op.timer = ctx.SetTimer(d, opDeadline{op: op.id})
}

// finish forgets op and its timers.
func (c *Coordinator) finish(ctx *sim.Ctx, op *coordOp) {
	if op.timer != 0 {
		ctx.CancelTimer(op.timer)
	}
	if op.read.spec != 0 {
		ctx.CancelTimer(op.read.spec)
	}
	delete(c.ops, op.id)
}

// reply sends op's reply, once.
func (c *Coordinator) reply(ctx *sim.Ctx, op *coordOp, msg any) {
	sim.Assert(!op.replied, "store: an operation replied twice")
	op.replied = true
	ctx.Send(op.client, msg)
}

// fail replies err (unless op already replied) and forgets op.
func (c *Coordinator) fail(ctx *sim.Ctx, op *coordOp, err error) {
	switch {
	case errors.Is(err, ErrTimeout):
		c.stats.Timeouts++
	case errors.Is(err, ErrUnavailable):
		c.stats.Unavailable++
	}
	if !op.replied {
		c.reply(ctx, op, ErrorReply{ID: op.req, Err: err})
	}
	c.finish(ctx, op)
}

// refuse answers a request that never became an operation.
func (c *Coordinator) refuse(ctx *sim.Ctx, req RequestID, err error) {
	c.stats.BadRequests++
	ctx.Send(ctx.Sender(), ErrorReply{ID: req, Err: err})
}

// onDeadline ends whatever phase op is in.
func (c *Coordinator) onDeadline(ctx *sim.Ctx, id uint64) {
	op := c.ops[id]
	if op == nil {
		return
	}
	op.timer = 0
	switch op.phase {
	case phaseWrite:
		c.writeDeadline(ctx, op)
	case phaseRepair:
		c.repairDeadline(ctx, op)
	default:
		c.readDeadline(ctx, op)
	}
}
