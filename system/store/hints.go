package store

import "github.com/guildsim/guildsim/sim"

// Hinted handoff. A replica that did not acknowledge a write by the write's
// deadline (or was believed down when the write was sent) missed it; the
// coordinator keeps the write as a hint for that replica and sends it again
// once the replica is back, so that it catches up without waiting for a read
// to repair it. Writes merge by last-write-wins, so a hint that arrives
// twice, or after the write itself finally got through a healed partition,
// changes nothing.
//
// Hints are bounded by MaxHints for all replicas together and not stored for
// a replica down longer than MaxHintWindow (Cassandra stops hinting after 3
// hours: such a node needs a full repair, not replay). They live in the
// coordinator's memory, so they die with its node: Cassandra keeps them on
// disk; here read repair is what heals a replica whose hints were lost.
// Replay sends one batch of up to HintBatch at a time per replica and waits
// for its acknowledgement, so a returning node is not flooded.

// hint keeps w for node.
func (c *Coordinator) hint(ctx *sim.Ctx, node sim.NodeID, w Write) {
	p := c.peer(node)
	sim.Assert(p != nil, "store: hint for a node outside the ring")
	if c.opts.DisableHints || c.hintTotal >= c.opts.MaxHints ||
		(!p.up && ctx.Monotonic().Sub(p.downSince) > c.opts.MaxHintWindow) {
		sim.Sometimes(ctx, "store/hint-dropped-at-max-hints", c.hintTotal >= c.opts.MaxHints)
		c.stats.HintsDropped++
		return
	}
	p.hints = append(p.hints, w)
	c.hintTotal++
	sim.Reachable(ctx, "store/hint-stored")
	c.stats.HintsStored++
}

// replayHints sends p's next batch if p is up, has hints and has no batch
// in flight (or the one in flight is older than a write timeout: it, or its
// answer, was lost).
func (c *Coordinator) replayHints(ctx *sim.Ctx, p *peer) {
	if !p.up || len(p.hints) == 0 {
		return
	}
	now := ctx.Monotonic()
	if p.batchSeq != 0 && now.Sub(p.batchSent) < c.opts.WriteTimeout {
		return
	}
	c.hintSeq++
	p.batchSeq, p.batchLen, p.batchSent = c.hintSeq, min(len(p.hints), c.opts.HintBatch), now
	batch := append([]Write(nil), p.hints[:p.batchLen]...)
	ctx.SendNamed(p.node, c.opts.ReplicaName, hintBatch{seq: p.batchSeq, writes: batch})
}

// onHintAck drops the acknowledged batch and sends the next.
func (c *Coordinator) onHintAck(ctx *sim.Ctx, m hintAck) {
	p := c.peer(m.node)
	if p == nil || m.seq != p.batchSeq {
		return // a batch given up on and sent again since
	}
	p.batchSeq = 0
	// A replica refusing hinted writes is a bug: they were checked before
	// they were first sent.
	sim.Assert(m.err == nil, "store: a replica refused hinted writes")
	// Hints are only ever appended behind the batch, so it is the prefix.
	p.hints = append(p.hints[:0:0], p.hints[p.batchLen:]...)
	c.hintTotal -= p.batchLen
	sim.Reachable(ctx, "store/hints-replayed")
	c.stats.HintsDelivered += uint64(p.batchLen)
	p.batchLen = 0
	c.replayHints(ctx, p)
}
