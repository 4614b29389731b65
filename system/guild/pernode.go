package guild

import (
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
)

// NodeBatch is one event for many sessions of one gateway node: Manifold's
// one send per node (reference §2).
type NodeBatch struct {
	Sessions []sim.PID
	Deliver  gateway.Deliver
}

// WireSize counts the event once and 4 bytes per PID.
func (b NodeBatch) WireSize() int { return b.Deliver.WireSize() + 4*len(b.Sessions) }

// workerBatch is a partitioner's share for one worker (a local message).
type workerBatch struct {
	sessions []sim.PID
	deliver  gateway.Deliver
}

// partitioner is Manifold's per-node process: it receives one NodeBatch per
// event and splits it across Options.Workers worker processes (one per
// scheduler: "splits by core count"), which do the per-session sends in
// parallel. A session always goes to worker workerOf(pid), so all of a
// session's events go through one worker, in order: a split by position in
// the batch would let a lightly loaded worker overtake a busy one and
// reorder a session's events.
type partitioner struct {
	o       *Options
	workers []sim.PID
	shares  [][]sim.PID
	m       meter
}

// Start registers the partitioner and starts its workers.
func (p *partitioner) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Register(PartitionerName), "guild: a second partitioner on one node")
	for range p.o.Workers {
		p.workers = append(p.workers, ctx.Spawn("guild/worker", newWorker(p.o)))
	}
	p.shares = make([][]sim.PID, p.o.Workers)
}

// Receive splits a batch.
func (p *partitioner) Receive(ctx *sim.Ctx, msg any) {
	b, ok := msg.(NodeBatch)
	if !ok {
		return
	}
	p.m.work(ctx, sim.Duration(len(b.Sessions))*p.o.RecipientCost)
	for _, pid := range b.Sessions {
		k := workerOf(pid, len(p.workers))
		p.shares[k] = append(p.shares[k], pid)
	}
	for k, share := range p.shares {
		if len(share) == 0 {
			continue
		}
		p.shares[k] = nil
		p.m.work(ctx, p.o.SendCost)
		ctx.Send(p.workers[k], workerBatch{sessions: share, deliver: b.Deliver})
	}
}

// workerOf is the worker of a session: a hash of its PID, not the PID
// itself, because PIDs on one node follow spawn patterns (every 10th PID when
// sessions are spawned round a 10-node cluster) and pid % 4 would then use
// only two of four workers.
func workerOf(pid sim.PID, workers int) int { return int(sim.Mix64(uint64(pid)) % uint64(workers)) }

// worker sends one event to each session of its share, declaring SendCost
// per send (in chunks, see emitter): the node's schedulers share the work.
type worker struct {
	m meter
	e emitter
}

func newWorker(o *Options) *worker {
	w := &worker{}
	w.e = emitter{o: o, m: &w.m}
	return w
}

// Receive sends a share.
func (w *worker) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case workerBatch:
		w.e.push(ctx, &sendJob{d: m.deliver, pids: m.sessions})
	case continueSends:
		w.e.step(ctx)
	}
}
