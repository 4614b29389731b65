package store

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Edits and deletes read before they write: Discord answers an edit or a
// delete of a message that does not exist with 10008 Unknown Message, so
// the coordinator first reads the message's row at the request's level
// (phasePoint), and only if it is alive writes the change (phaseWrite).
// The two steps are not atomic, as in Cassandra: a delete racing an edit can
// land between them, and then the edit's cells outlive the tombstone on a
// row without author, which reads drop (reference §4).
//
// The change is timestamped after every cell the read saw, not merely with
// the coordinator's clock: a coordinator whose clock runs behind the one
// that wrote the message would otherwise write a delete older than the
// insert, which last-write-wins would ignore, and acknowledge a delete that
// deleted nothing.

// startMutation checks an edit or delete and starts its point read.
func (c *Coordinator) startMutation(ctx *sim.Ctx, kind opKind, req RequestID, channel, message Snowflake, content string, cl Consistency) {
	err := c.checkConsistency(cl)
	if err == nil {
		err = c.checkChannel(ctx, channel)
	}
	if err == nil {
		err = checkMessage(channel, message)
	}
	if err == nil && kind == opEdit {
		err = checkContent(content)
	}
	if err != nil {
		c.refuse(ctx, req, err)
		return
	}
	op := c.newOp(ctx, kind, req, cl)
	if op == nil {
		return
	}
	op.message, op.content = message, content
	op.query.Channel = channel
	c.arm(ctx, op, c.opts.ReadTimeout)
	op.phase = phasePoint
	key := PartitionOf(channel, message)
	op.read.scanReq = replicaRead{key: key, point: message}
	c.startRound(ctx, op, key)
}

// pointDone decides from the merged row whether the change may be made,
// and writes it.
func (c *Coordinator) pointDone(ctx *sim.Ctx, op *coordOp) {
	merged, _, _ := c.mergeScans(ctx, op)
	c.afterRepairs(ctx, op, func(ctx *sim.Ctx) { c.pointMerged(ctx, op, merged) })
}

// pointMerged decides from the merged row of a point read whether the
// change may be made, and writes it.
func (c *Coordinator) pointMerged(ctx *sim.Ctx, op *coordOp, merged []row) {
	channel := op.query.Channel
	var r row
	if len(merged) > 0 {
		r = merged[0]
	}
	if _, live, _ := r.view(channel); !live {
		err := ErrUnknownMessage
		if r.deleted {
			err = ErrMessageDeleted
		}
		c.stats.BadRequests++
		verb := "delete"
		if op.kind == opEdit {
			verb = "edit"
		}
		c.fail(ctx, op, fmt.Errorf("%w: %s of message %d in channel %d", err, verb, op.message, channel))
		return
	}
	at := max(ctx.Now(), r.newest()+1)
	w := Delete(channel, op.message, at)
	if op.kind == opEdit {
		w = Edit(channel, op.message, op.content, at)
	}
	op.legs = []writeLeg{{key: w.Partition(), writes: []Write{w}}}
	c.runWrite(ctx, op)
}
