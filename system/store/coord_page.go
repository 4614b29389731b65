package store

import (
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// A page read walks a channel's buckets from the newest (or Before's) back,
// or from After's forwards:
//
//  1. phaseIndex: one round on the channel's bucket index partition gets
//     the buckets that hold data, at most MaxBucketsPerRead, in walk order
//     (bucketindex.go). Empty buckets are never visited.
//  2. phaseScan: one round per bucket asks the bucket's replicas for the
//     rows past the cursor until each has Limit-minus-found live rows,
//     merges the answers (coord_merge.go) and takes the live messages in
//     order. A bucket the replicas run out of moves the walk to the next;
//     a full page ends it.
//  3. When replicas disagree about deletes, the merged answer can hold
//     fewer live rows than asked for although more exist further on: the
//     round then reads on from where the replicas' answers all reach
//     (short read protection), at most MaxShortReadRounds times per bucket.
//
// The whole walk shares one ReadTimeout.
//
// # Snapshots
//
// A scan round's answers are taken at different instants: a replica asked
// late (speculative retry, a request held back by a partition, a slow
// mailbox) answers seconds after the first. Their union can then hold a
// message Y written after the first answer was taken and lack a message X
// acknowledged before Y was sent, whose replicas were the first (too early
// to have it) and a third that did not answer: a page no instant explains
// (swarm seed 16782: answers 2.3 s apart). So a round whose answers
// disagree (one lacks a row, or a cell, another has) is not taken into the
// page: its merge is written back to the replicas that answered (blocking
// read repair) and the same range is read again, until a round's answers
// agree, at most MaxRereadRounds times (then the read fails, ErrTimeout).
//
// A round whose answers agree is the channel at the instant T of its
// earliest answer: a row in it was on that replica at T, so its write had
// begun by T; a write acknowledged by T is on a QUORUM, which meets the
// replicas that answered, each at T or later, so it is in the round.
// The rows it returns are on every replica that answered, a QUORUM, so no
// later read misses them. The walk's later rounds read older IDs at later
// instants, which keeps the page a log's newest messages: a message
// acknowledged before another was sent has the smaller ID (guilds mint in
// request order), so it is in the same round or a later one.

// lastBucket is the bucket of the largest snowflake: where a read with no
// cursor starts, so that messages minted by a node whose clock runs ahead
// are found too.
const lastBucket = Bucket(maxMillis / bucketMillis)

// startPage checks a page read and starts it with the index round.
func (c *Coordinator) startPage(ctx *sim.Ctx, m ReadPage) {
	if err := c.checkPage(ctx, m); err != nil {
		c.refuse(ctx, m.ID, err)
		return
	}
	op := c.newOp(ctx, opPage, m.ID, m.Consistency)
	if op == nil {
		return
	}
	q := m.Query
	op.query = q
	c.arm(ctx, op, c.opts.ReadTimeout)
	from, backwards := lastBucket, true
	switch {
	case q.Before != 0:
		from = q.Before.Bucket()
	case q.After != 0:
		from, backwards = q.After.Bucket(), false
	}
	op.phase = phaseIndex
	op.read.index = true
	op.read.idxReq = replicaIndexRead{channel: q.Channel, from: from, backwards: backwards, limit: c.opts.MaxBucketsPerRead}
	c.startRound(ctx, op, IndexPartition(q.Channel))
}

func (c *Coordinator) indexDone(ctx *sim.Ctx, op *coordOp) {
	op.buckets = c.mergeIndex(ctx, op)
	c.afterRepairs(ctx, op, func(ctx *sim.Ctx) {
		op.next = -1
		c.nextBucket(ctx, op)
	})
}

// nextBucket moves the walk to the next bucket, or ends it.
func (c *Coordinator) nextBucket(ctx *sim.Ctx, op *coordOp) {
	op.next++
	op.short, op.reread = 0, 0
	if op.next >= len(op.buckets) {
		c.finishPage(ctx, op)
		return
	}
	b, q := op.buckets[op.next], op.query
	op.cursor = 0
	switch {
	case q.Before != 0 && b == q.Before.Bucket():
		op.cursor = q.Before
	case q.After != 0 && b == q.After.Bucket():
		op.cursor = q.After
	}
	c.scanRound(ctx, op)
}

// scanRound reads the current bucket past op.cursor.
func (c *Coordinator) scanRound(ctx *sim.Ctx, op *coordOp) {
	op.phase = phaseScan
	key := PartitionKey{Channel: op.query.Channel, Bucket: op.buckets[op.next]}
	op.read.index = false
	op.read.scanReq = replicaRead{key: key, cursor: op.cursor, forwards: op.query.After != 0,
		limit: op.query.Limit - len(op.page)}
	c.startRound(ctx, op, key)
}

// scanDone takes a scan round whose answers agree; one whose answers
// disagree is repaired (blocking) and read again, so that every round
// taken into the page is a snapshot (see "Snapshots" above).
func (c *Coordinator) scanDone(ctx *sim.Ctx, op *coordOp) {
	merged, exhausted, bound := c.mergeScans(ctx, op)
	if op.repairWait == 0 {
		c.scanMerged(ctx, op, merged, exhausted, bound)
		return
	}
	c.afterRepairs(ctx, op, func(ctx *sim.Ctx) {
		if op.reread >= c.opts.MaxRereadRounds {
			c.fail(ctx, op, fmt.Errorf("%w: %s read of channel %d bucket %d: replicas' answers still disagreed after %d rounds",
				ErrTimeout, op.cl, op.read.key.Channel, op.read.key.Bucket, op.reread+1))
			return
		}
		op.reread++
		sim.Reachable(ctx, "store/page-reread")
		c.stats.Rereads++
		c.scanRound(ctx, op)
	})
}

// scanMerged takes a scan round's merged rows into the page and moves the
// walk on.
func (c *Coordinator) scanMerged(ctx *sim.Ctx, op *coordOp, merged []row, exhausted bool, bound Snowflake) {
	for i := range merged {
		if len(op.page) == op.query.Limit {
			break
		}
		if m, live, _ := merged[i].view(op.query.Channel); live {
			op.page = append(op.page, m)
		}
	}
	switch {
	case len(op.page) == op.query.Limit:
		c.finishPage(ctx, op)
	case exhausted:
		c.nextBucket(ctx, op)
	case op.short >= c.opts.MaxShortReadRounds:
		sim.Reachable(ctx, "store/short-read-rounds-exhausted")
		// Give up on this page rather than skip rows: a short page is
		// still a correct prefix, and the next page starts after it.
		c.finishPage(ctx, op)
	default:
		op.short++
		sim.Reachable(ctx, "store/short-read-round")
		c.stats.ShortReads++
		op.cursor, op.reread = bound, 0
		c.scanRound(ctx, op)
	}
}

// finishPage replies the page, newest first.
func (c *Coordinator) finishPage(ctx *sim.Ctx, op *coordOp) {
	if op.query.After != 0 {
		slices.Reverse(op.page)
	}
	c.stats.Pages++
	c.reply(ctx, op, PageReply{ID: op.req, Messages: op.page})
	c.finish(ctx, op)
}
