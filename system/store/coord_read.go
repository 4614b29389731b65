package store

import (
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// readRound is one request of a read to one partition's replicas: a point
// read, a scan of a bucket, or a read of the bucket index. It asks as many
// replicas as the level needs, the coordinator's own node first when it is
// a replica (a ONE read is then served locally, as Cassandra's snitch
// prefers the local node), the others in ring order; if they have not all
// answered after SpeculativeDelay it asks the remaining replicas believed
// up too (speculative retry), so that a replica that crashed unnoticed
// costs a read a few milliseconds rather than its timeout. The round is
// complete at the level's count of answers; later ones are dropped.
type readRound struct {
	round   uint32 // numbers the op's rounds; answers name theirs
	key     PartitionKey
	index   bool             // an index read: indexReq, else scanReq
	scanReq replicaRead      // op and round filled in when sent
	idxReq  replicaIndexRead // op and round filled in when sent
	order   []sim.NodeID     // replicas believed up, in asking order
	asked   int              // order[:asked] were asked
	need    int
	answers []readAnswer
	spec    sim.TimerID
}

// readAnswer is one replica's answer to a round.
type readAnswer struct {
	node    sim.NodeID
	scan    partitionScan
	buckets []Bucket
	err     error
}

// opSpeculate is a round's speculative retry timer.
type opSpeculate struct {
	op    uint64
	round uint32
}

// startRound sends op's next round (op.read's request) to key's replicas,
// or fails op with ErrUnavailable when too few are believed up.
func (c *Coordinator) startRound(ctx *sim.Ctx, op *coordOp, key PartitionKey) {
	rd := &op.read
	rd.round++
	rd.key, rd.answers, rd.asked = key, rd.answers[:0], 0
	rd.order = c.readOrder(key, rd.order[:0])
	rd.need = op.cl.required(c.opts.ReplicationFactor)
	if len(rd.order) < rd.need {
		c.fail(ctx, op, fmt.Errorf("%w: %s read of channel %d bucket %d: %d of %d replicas up, %d needed",
			ErrUnavailable, op.cl, key.Channel, key.Bucket, len(rd.order), c.opts.ReplicationFactor, rd.need))
		return
	}
	for rd.asked < rd.need {
		c.ask(ctx, op)
	}
	if rd.asked < len(rd.order) {
		delay := c.opts.SpeculativeDelay
		if ctx.Buggify(siteSpeculateAtOnce) {
			delay = 0
		}
		rd.spec = ctx.SetTimer(delay, opSpeculate{op: op.id, round: rd.round})
	}
}

// siteSpeculateAtOnce is a buggify site of reads: the speculative retry
// fires at once, as Cassandra's does when its latency estimate of the
// replicas asked is poor, so every replica is asked and the answers past
// the level's count arrive after the round is complete (and are dropped).
const siteSpeculateAtOnce = "store/speculative-retry-at-once"

// readOrder appends to out key's replicas believed up: this node first if
// it is one, then ring order.
func (c *Coordinator) readOrder(key PartitionKey, out []sim.NodeID) []sim.NodeID {
	replicas := c.ReplicasFor(key)
	if slices.Contains(replicas, c.self) {
		out = append(out, c.self)
	}
	for _, n := range replicas {
		if n != c.self && c.alive(n) {
			out = append(out, n)
		}
	}
	return out
}

// ask sends the round's request to the next replica in order.
func (c *Coordinator) ask(ctx *sim.Ctx, op *coordOp) {
	rd := &op.read
	node := rd.order[rd.asked]
	rd.asked++
	c.stats.ReplicaRequests++
	if rd.index {
		m := rd.idxReq
		m.op, m.round = op.id, rd.round
		ctx.SendNamed(node, c.opts.ReplicaName, m)
		return
	}
	m := rd.scanReq
	m.op, m.round = op.id, rd.round
	ctx.SendNamed(node, c.opts.ReplicaName, m)
}

func (c *Coordinator) onSpeculate(ctx *sim.Ctx, m opSpeculate) {
	op := c.ops[m.op]
	if op == nil || op.phase == phaseWrite || op.phase == phaseRepair || op.read.round != m.round {
		return
	}
	rd := &op.read
	rd.spec = 0
	for rd.asked < len(rd.order) {
		sim.Reachable(ctx, "store/speculative-read")
		c.stats.Speculative++
		c.ask(ctx, op)
	}
}

// onAnswer collects a replica's answer to the current round and, once the
// level is reached, moves op on.
func (c *Coordinator) onAnswer(ctx *sim.Ctx, id uint64, round uint32, a readAnswer) {
	op := c.ops[id]
	if op == nil || op.phase == phaseWrite || op.phase == phaseRepair || op.read.round != round {
		return // late: the round is over (or complete, and repairing)
	}
	rd := &op.read
	sim.Assert(slices.Contains(rd.order[:rd.asked], a.node), "store: an answer from a replica that was not asked")
	for i := range rd.answers {
		sim.Assert(rd.answers[i].node != a.node, "store: a replica answered a round twice")
	}
	if a.err != nil {
		// The replica could not serve the read (too many tombstones):
		// another would fail the same way, so the read fails.
		c.fail(ctx, op, a.err)
		return
	}
	rd.answers = append(rd.answers, a)
	if len(rd.answers) < rd.need {
		return
	}
	if rd.spec != 0 {
		ctx.CancelTimer(rd.spec)
		rd.spec = 0
	}
	switch op.phase {
	case phasePoint:
		c.pointDone(ctx, op)
	case phaseIndex:
		c.indexDone(ctx, op)
	case phaseScan:
		c.scanDone(ctx, op)
	}
}

// readDeadline fails a read that ran out of time, noting which replicas of
// its current round were asked and stayed silent.
func (c *Coordinator) readDeadline(ctx *sim.Ctx, op *coordOp) {
	rd := &op.read
	for _, node := range rd.order[:rd.asked] {
		if !slices.ContainsFunc(rd.answers, func(a readAnswer) bool { return a.node == node }) {
			c.missed(ctx, node)
		}
	}
	sim.Reachable(ctx, "store/read-timed-out")
	c.fail(ctx, op, fmt.Errorf("%w: %s read of channel %d bucket %d: %d of %d replicas answered within %s, %d needed",
		ErrTimeout, op.cl, rd.key.Channel, rd.key.Bucket, len(rd.answers), rd.asked, c.opts.ReadTimeout, rd.need))
}
