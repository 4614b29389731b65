package store

import (
	"cmp"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// peer is what a coordinator knows of one storage node: whether it is
// believed alive, and the hints held for it.
//
// A node is believed down when the network reports it (NodeDown, after
// its link timed out or when it restarted), or when it left
// SuspectAfterMisses requests in a row unanswered; it is believed up again
// as soon as anything from it arrives: an answer, or the answer to the
// probe sent every ProbeInterval while it is down. Writes skip a node
// believed down and hint it at once; reads ask only nodes believed up, so
// one crashed replica does not cost every read a speculative retry.
type peer struct {
	node      sim.NodeID
	up        bool
	monitored bool     // a MonitorNode is in place
	missed    int      // requests in a row left unanswered by their deadline
	downSince sim.Time // monotonic clock, valid while !up

	hints     []Write  // oldest first
	batchSeq  uint64   // hint batch in flight; 0 if none
	batchLen  int      // writes in it: hints[:batchLen]
	batchSent sim.Time // monotonic clock
}

func (c *Coordinator) peer(node sim.NodeID) *peer {
	i, found := slices.BinarySearchFunc(c.peers, node, func(p peer, n sim.NodeID) int { return cmp.Compare(p.node, n) })
	if !found {
		return nil
	}
	return &c.peers[i]
}

// alive reports whether node is believed up.
func (c *Coordinator) alive(node sim.NodeID) bool {
	p := c.peer(node)
	return p != nil && p.up
}

// heard notes that node answered: it is up.
func (c *Coordinator) heard(ctx *sim.Ctx, node sim.NodeID) {
	p := c.peer(node)
	if p == nil {
		return
	}
	p.missed = 0
	if p.up {
		return
	}
	sim.Reachable(ctx, "store/replica-marked-up")
	p.up = true
	if !p.monitored {
		ctx.MonitorNode(node)
		p.monitored = true
	}
	c.replayHints(ctx, p)
}

// missed notes that node left a request unanswered by its deadline.
func (c *Coordinator) missed(ctx *sim.Ctx, node sim.NodeID) {
	p := c.peer(node)
	if p == nil || node == c.self {
		return
	}
	p.missed++
	if p.missed >= c.opts.SuspectAfterMisses {
		c.markDown(ctx, p)
	}
}

func (c *Coordinator) onNodeDown(ctx *sim.Ctx, node sim.NodeID) {
	p := c.peer(node)
	if p == nil {
		return
	}
	p.monitored = false
	c.markDown(ctx, p)
}

func (c *Coordinator) markDown(ctx *sim.Ctx, p *peer) {
	if !p.up || p.node == c.self {
		return
	}
	p.up = false
	p.downSince = ctx.Monotonic()
	sim.Reachable(ctx, "store/replica-marked-down")
	c.stats.MarkedDown++
}

// onProbeTick asks every node believed down whether it is back, and keeps
// hint replay going for the others.
func (c *Coordinator) onProbeTick(ctx *sim.Ctx) {
	for i := range c.peers {
		p := &c.peers[i]
		if !p.up {
			ctx.SendNamed(p.node, c.opts.ReplicaName, probe{})
			continue
		}
		c.replayHints(ctx, p)
	}
}
