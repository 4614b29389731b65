package gateway

import "github.com/guildsim/guildsim/sim"

// Drain takes a gateway node out of service, as an operator does before a
// deploy: send it to the node's listener (ctx.SendNamed(node, ListenerName,
// Drain{})). The listener tells every session process of the node to drain
// and exits, which closes the port, so new connections are refused and
// clients go to other nodes. Each session with a connection sends op 7
// Reconnect and closes the connection Options.DrainCloseDelay later if the
// client has not closed it first; sessions without a connection end at once.
//
// Sessions do not move between nodes (see session IDs in resume.go), so a
// client that reconnects elsewhere and sends Resume gets Invalid Session and
// identifies there: the real clients' behaviour after op 7 (resume first),
// and the simulated client's dial choice (it avoids the node that sent op 7),
// land it on another node. A drained session never waits for a resume: the
// only node that could resume it is the one going away.
type Drain struct{}

type (
	drainNow   struct{} // listener -> session
	drainClose struct{} // session timer
)

func (l *listener) drain(ctx *sim.Ctx) {
	// Bounded by Options.MaxSessionsPerNode.
	for _, pid := range l.slots {
		if pid != 0 {
			ctx.Send(pid, drainNow{})
		}
	}
	ctx.Exit(sim.ReasonNormal)
}

func (s *session) onDrain(ctx *sim.Ctx) {
	if s.draining {
		return
	}
	sim.Reachable(ctx, "gateway/session-drained")
	s.draining = true
	switch s.state {
	case sDetached, sAttaching:
		// Nobody can resume here any more; an attaching session lets the
		// resume fail (the handoff to an ended process fails, the client
		// sees its connection close and resumes elsewhere).
		s.end(ctx)
	default:
		s.send(ctx, Payload{Op: OpReconnect})
		ctx.SetTimer(s.o.DrainCloseDelay, drainClose{})
	}
}

func (s *session) onDrainClose(ctx *sim.Ctx) {
	// 4000 is resumable: a client that ignored op 7 still reconnects and
	// tries to resume, and the Invalid Session it gets elsewhere sends it to
	// Identify.
	s.closeWith(ctx, CloseUnknownError)
}
