package store

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// writeLeg is the part of a write that goes to one partition's replicas. A
// message write has one leg, or two when it is the channel's first write
// into a bucket this coordinator knows of: the message, and the bucket
// marker in the channel's index partition (bucketindex.go). The write
// succeeds when every leg reached the consistency level.
type writeLeg struct {
	key      PartitionKey
	writes   []Write
	replicas []sim.NodeID
	need     int
	sent     uint8 // bit i: replicas[i] was sent the writes
	acked    uint8 // bit i: replicas[i] acknowledged them
}

// startWrite mints the message's ID (unless the caller did: m.Message)
// and writes it.
func (c *Coordinator) startWrite(ctx *sim.Ctx, m WriteMessage) {
	if err := c.checkWrite(ctx, m); err != nil {
		c.refuse(ctx, m.ID, err)
		return
	}
	now := ctx.Now()
	id, err := m.Message, error(nil)
	if id == 0 {
		id, err = c.gen.Next(now)
	}
	if err != nil {
		// The node's clock is outside the snowflake range: not the
		// caller's mistake, but nothing can be minted.
		ctx.Send(ctx.Sender(), ErrorReply{ID: m.ID, Err: err})
		return
	}
	op := c.newOp(ctx, opWrite, m.ID, m.Consistency)
	if op == nil {
		return
	}
	op.message = id
	w := Insert(m.Channel, id, m.Author, m.Content, now)
	op.legs = append(op.legs, writeLeg{key: w.Partition(), writes: []Write{w}})
	if _, ok := c.known[w.Partition()]; !ok {
		op.legs = append(op.legs, writeLeg{key: IndexPartition(m.Channel), writes: []Write{BucketMarker(m.Channel, id.Bucket(), now)}})
		op.mark, op.hasMark = w.Partition(), true
		c.stats.MarkersWritten++
	}
	c.runWrite(ctx, op)
}

// runWrite sends op's legs to their replicas believed up and hints the
// others at once, or replies ErrUnavailable without sending anything when
// a leg has too few replicas up to reach the level.
func (c *Coordinator) runWrite(ctx *sim.Ctx, op *coordOp) {
	op.phase = phaseWrite
	for i := range op.legs {
		leg := &op.legs[i]
		leg.replicas = c.ReplicasFor(leg.key)
		leg.need = op.cl.required(c.opts.ReplicationFactor)
		if up := c.countUp(leg.replicas); up < leg.need {
			c.fail(ctx, op, fmt.Errorf("%w: %s write to channel %d bucket %d: %d of %d replicas up, %d needed",
				ErrUnavailable, op.cl, leg.key.Channel, leg.key.Bucket, up, len(leg.replicas), leg.need))
			return
		}
	}
	for i := range op.legs {
		leg := &op.legs[i]
		for r, node := range leg.replicas {
			if !c.alive(node) {
				for _, w := range leg.writes {
					c.hint(ctx, node, w)
				}
				continue
			}
			leg.sent |= 1 << r
			c.stats.ReplicaRequests++
			ctx.SendNamed(node, c.opts.ReplicaName, replicaWrite{op: op.id, leg: i, writes: leg.writes})
		}
	}
	c.arm(ctx, op, c.opts.WriteTimeout)
}

func (c *Coordinator) countUp(nodes []sim.NodeID) int {
	n := 0
	for _, node := range nodes {
		if c.alive(node) {
			n++
		}
	}
	return n
}

// onWriteAck counts an acknowledgement; the first time every leg reaches
// the level, the client gets its Ack.
func (c *Coordinator) onWriteAck(ctx *sim.Ctx, m replicaWriteAck) {
	if m.repair {
		c.onRepairAck(ctx, m)
		return
	}
	op := c.ops[m.op]
	if op == nil || op.phase != phaseWrite {
		return
	}
	sim.Assert(m.err == nil, "store: a replica refused a write the coordinator had checked")
	leg := &op.legs[m.leg]
	r := slices.Index(leg.replicas, m.node)
	sim.Assert(r >= 0 && leg.sent&(1<<r) != 0, "store: a write acknowledged by a replica it was not sent to")
	leg.acked |= 1 << r
	done, reached := true, true
	for i := range op.legs {
		l := &op.legs[i]
		done = done && l.acked == l.sent
		reached = reached && bits.OnesCount8(l.acked) >= l.need
	}
	if reached && !op.replied {
		c.stats.Acks++
		if op.hasMark {
			c.remember(op.mark)
		}
		c.reply(ctx, op, Ack{ID: op.req, Message: op.message})
	}
	if done {
		c.finish(ctx, op)
	}
}

// writeDeadline hints every replica that was sent a leg and did not
// acknowledge it, and fails the write if it had not reached its level.
func (c *Coordinator) writeDeadline(ctx *sim.Ctx, op *coordOp) {
	for i := range op.legs {
		leg := &op.legs[i]
		for r, node := range leg.replicas {
			if leg.sent&(1<<r) == 0 || leg.acked&(1<<r) != 0 {
				continue
			}
			c.missed(ctx, node)
			for _, w := range leg.writes {
				c.hint(ctx, node, w)
			}
		}
	}
	if op.replied {
		c.finish(ctx, op)
		return
	}
	leg := &op.legs[0]
	for i := range op.legs {
		if bits.OnesCount8(op.legs[i].acked) < op.legs[i].need {
			leg = &op.legs[i]
			break
		}
	}
	sim.Sometimes(ctx, "store/write-timed-out-after-partial-ack", leg.acked != 0)
	c.fail(ctx, op, fmt.Errorf("%w: %s write to channel %d bucket %d: %d of %d replicas acknowledged within %s, %d needed",
		ErrTimeout, op.cl, leg.key.Channel, leg.key.Bucket, bits.OnesCount8(leg.acked), len(leg.replicas), c.opts.WriteTimeout, leg.need))
}

// remember notes that key's bucket is in its channel's index.
func (c *Coordinator) remember(key PartitionKey) {
	if len(c.known) >= c.opts.MaxKnownBuckets {
		c.known = map[PartitionKey]struct{}{}
	}
	c.known[key] = struct{}{}
}
