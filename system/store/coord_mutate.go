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
// deleted nothing. CoordinatorOptions.Timestamps = TimestampsCoordinatorClock
// does exactly that, as Cassandra does (timestamps.go): an unsafe setting
// the lifecycle checker must catch.

// mutation is an edit, delete, reaction or pin as the coordinator carries it
// from its request to its write.
type mutation struct {
	kind             opKind
	req              RequestID
	channel, message Snowflake
	content          string    // edits: the new content; reactions: the key
	author           Snowflake // edits, deletes: the author precondition, 0 if none
	remove           bool      // reactions: remove the key; pins: unpin
}

// verb names the mutation in errors.
func (m *mutation) verb() string {
	switch m.kind {
	case opEdit:
		return "edit"
	case opReact:
		if m.remove {
			return "reaction removal"
		}
		return "reaction"
	case opPin:
		if m.remove {
			return "unpin"
		}
		return "pin"
	}
	return "delete"
}

// startMutation checks an edit, delete or reaction and starts its point
// read.
func (c *Coordinator) startMutation(ctx *sim.Ctx, m mutation, cl Consistency) {
	err := c.checkConsistency(cl)
	if err == nil {
		err = c.checkChannel(ctx, m.channel)
	}
	if err == nil {
		err = checkMessage(m.channel, m.message)
	}
	if err == nil && m.kind == opEdit {
		err = checkContent(m.content)
	}
	if err == nil && m.kind == opReact && !validReactionKey(m.content) {
		err = fmt.Errorf("%w: reaction key %q: must be 1 to %d bytes without spaces", ErrBadRequest, m.content, MaxReactionKeyBytes)
	}
	if err != nil {
		c.refuse(ctx, m.req, err)
		return
	}
	op := c.newOp(ctx, m.kind, m.req, cl)
	if op == nil {
		return
	}
	op.message, op.mut = m.message, m
	channel, message := m.channel, m.message
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
	m, live, _ := r.view(channel)
	if !live {
		err := ErrUnknownMessage
		if r.deleted {
			err = ErrMessageDeleted
		}
		c.stats.BadRequests++
		c.fail(ctx, op, fmt.Errorf("%w: %s of message %d in channel %d", err, op.mut.verb(), op.message, channel))
		return
	}
	if op.mut.author != 0 && m.Author != op.mut.author {
		c.stats.BadRequests++
		c.fail(ctx, op, fmt.Errorf("%w: %s of message %d in channel %d by user %d: written by user %d",
			ErrNotAuthor, op.mut.verb(), op.message, channel, op.mut.author, m.Author))
		return
	}
	at := c.opts.Timestamps.changeTimestamp(ctx.Now(), r.newest())
	var w Write
	switch op.kind {
	case opEdit:
		w = Edit(channel, op.message, op.mut.content, at)
	case opReact:
		w = React(channel, op.message, op.mut.content, !op.mut.remove, at)
	case opPin:
		sim.Reachable(ctx, "store/pin-written")
		w = Pin(channel, op.message, !op.mut.remove, at)
	default:
		w = Delete(channel, op.message, at)
	}
	op.legs = []writeLeg{{key: w.Partition(), writes: []Write{w}}}
	c.runWrite(ctx, op)
}
