package guild

import (
	"slices"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
)

// meter declares a process's CPU with ctx.Work and keeps the sum, so that
// benchmarks and reports can show how busy a guild or relay was.
type meter struct{ busy sim.Duration }

func (m *meter) work(ctx *sim.Ctx, d sim.Duration) {
	if d > 0 {
		ctx.Work(d)
		m.busy += d
	}
}

// sendJob is one event on its way to a fixed list of recipients: sessions
// (direct) or gateway nodes' partitioners (per node, with a batch each).
// The list is taken when the event is emitted, so membership or permission
// changes made while it is being sent apply from the next event on.
type sendJob struct {
	d       gateway.Deliver
	pids    []sim.PID    // direct recipients
	nodes   []sim.NodeID // per-node recipients ...
	batches [][]sim.PID  // ... and their batches
	next    int
}

func (j *sendJob) len() int { return len(j.pids) + len(j.nodes) }

// continueSends is a process's message to itself: send the next chunk.
type continueSends struct{}

// emitter sends events to sets of sessions, directly (one message and one
// SendCost per session) or per node (one NodeBatch per gateway node to its
// partitioner). A guild, a relay and a worker each own one.
//
// Sends are made in chunks of Options.SendChunk per handler run, each
// declaring its CPU, with a continueSends to itself in between: sim sends a
// handler's messages when the handler runs and charges its declared work
// afterwards, so a single handler making 100,000 sends would deliver them
// all at once and be busy only afterwards. Chunks make the k-th send leave
// about k * SendCost after the first, as on a real scheduler, and let
// other messages in between (as the BEAM preempts a process after its
// reductions).
//
// Ordering: events leave in the order they were emitted (jobs are FIFO),
// and every event for a given session leaves through the same path: owner
// -> session, or owner -> partitioner(session's node) -> worker(its pid's
// hash) -> session. Each hop is FIFO (sim delivers process messages
// between two nodes in send order, and on one node at once, in order) and
// each process handles its mailbox one message at a time in arrival order,
// so a session receives its events in the order the owner emitted them.
type emitter struct {
	o       *Options
	perNode bool
	m       *meter
	// the job being built
	cur     *sendJob
	byNode  [][]sim.PID // indexed by NodeID, per-node mode only
	touched []sim.NodeID
	// jobs waiting to be sent, the first one in progress
	jobs  []*sendJob
	armed bool // a continueSends is in our mailbox
	sent  uint64
}

func (e *emitter) begin(d gateway.Deliver) { e.cur = &sendJob{d: d} }

// to addresses the event being built to session pid on node.
func (e *emitter) to(node sim.NodeID, pid sim.PID) {
	if !e.perNode {
		e.cur.pids = append(e.cur.pids, pid)
		return
	}
	for int(node) >= len(e.byNode) {
		e.byNode = append(e.byNode, nil)
	}
	if len(e.byNode[node]) == 0 {
		e.touched = append(e.touched, node)
	}
	e.byNode[node] = append(e.byNode[node], pid)
}

// end queues the event built since begin and starts sending if idle. Per
// node, batches go in the order nodes were first addressed (the order of
// the owner's session list: deterministic).
func (e *emitter) end(ctx *sim.Ctx) {
	j := e.cur
	e.cur = nil
	for _, n := range e.touched {
		j.nodes = append(j.nodes, n)
		j.batches = append(j.batches, e.byNode[n])
		e.byNode[n] = nil // the job owns the slice now
	}
	e.touched = e.touched[:0]
	e.push(ctx, j)
}

// push queues a ready job.
func (e *emitter) push(ctx *sim.Ctx, j *sendJob) {
	if j.len() == 0 {
		return
	}
	e.jobs = append(e.jobs, j)
	if !e.armed {
		e.step(ctx)
	}
}

// siteChunkShort is the emitter's buggify site: a chunk is cut short
// (the process is preempted early, as the BEAM does when a process's
// reductions run out sooner than usual) and the rest waits behind what
// arrived in the mailbox meanwhile. The order of sends is kept: the jobs
// stay FIFO and each resumes where it stopped.
const siteChunkShort = "guild/send-chunk-short"

// step sends the next chunk and, if more remain, asks to continue.
func (e *emitter) step(ctx *sim.Ctx) {
	e.armed = false
	budget := e.o.SendChunk
	if budget > 1 && ctx.Buggify(siteChunkShort) {
		budget = 1 + ctx.Rand().Intn(budget-1)
	}
	for budget > 0 && len(e.jobs) > 0 {
		j := e.jobs[0]
		for budget > 0 && j.next < j.len() {
			e.m.work(ctx, e.o.SendCost)
			if j.next < len(j.pids) {
				ctx.Send(j.pids[j.next], j.d)
			} else {
				k := j.next - len(j.pids)
				ctx.SendNamed(j.nodes[k], PartitionerName, NodeBatch{Sessions: j.batches[k], Deliver: j.d})
				j.batches[k] = nil
			}
			j.next++
			e.sent++
			budget--
		}
		if j.next == j.len() {
			e.jobs[0] = nil
			e.jobs = e.jobs[1:]
		}
	}
	if len(e.jobs) > 0 {
		e.armed = true
		ctx.Send(ctx.Self(), continueSends{})
	}
}

// pending returns the sends not made yet.
func (e *emitter) pending() int {
	n := 0
	for _, j := range e.jobs {
		n += j.len() - j.next
	}
	return n
}

// fanoutTo emits one event of channel ch to sess, by pol: sessions whose
// user may VIEW_CHANNEL get d if active or mentioned; with unread (message
// creates), passive ones get CHANNEL_UNREAD the first time the channel has
// news (bit min(ch, 63) of their marks); without it (the lifecycle events)
// passive sessions get nothing (GUESS: Discord's passive sessions keep only
// unread and mention state, which an edit or a reaction does not change).
// It declares RecipientCost per session checked. The guild runs it for
// direct and per-node fanout, each relay for its own sessions.
func fanoutTo(ctx *sim.Ctx, em *emitter, pol *policy, sess []session, roles func(user uint64) []uint64,
	ch int, d gateway.Deliver, unread *ChannelUnread, mentions []uint64) {
	em.m.work(ctx, sim.Duration(len(sess))*em.o.RecipientCost)
	bit := uint64(1) << min(ch, 63)
	em.begin(d)
	var flag []int32 // indexes of passive sessions to flag
	for i := range sess {
		s := &sess[i]
		if !pol.canView(s.user, roles(s.user), ch) {
			continue
		}
		switch {
		case s.active || slices.Contains(mentions, s.user):
			em.to(s.node, s.pid)
		case unread != nil && s.marked&bit == 0:
			flag = append(flag, int32(i))
		}
	}
	em.end(ctx)
	if len(flag) == 0 {
		return
	}
	sim.Reachable(ctx, "guild/channel-unread-to-passive")
	em.begin(deliverOf(EventChannelUnread, *unread))
	for _, i := range flag {
		s := &sess[i]
		s.marked |= bit
		em.to(s.node, s.pid)
	}
	em.end(ctx)
}
