package gateway

import "github.com/guildsim/guildsim/sim"

// listener accepts connections on a gateway node's port, spawns one session
// process per connection and hands the connection to it. It also keeps the
// node's table of live session processes, so that a drain can reach every
// one of them: a slot per process, reused through a free list, so the table
// costs 4 bytes per session and never needs to be searched.
type listener struct {
	o     *Options
	slots []sim.PID // 0 = free
	free  []int32
	live  int
}

// Start registers the listener and opens the port.
func (l *listener) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Register(ListenerName), "gateway: a second listener on one node")
	sim.Assert(ctx.Listen(l.o.Port) == nil, "gateway: the gateway port is taken on this node")
}

// Receive handles new connections, session exits and Drain.
func (l *listener) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case sim.StreamAccepted:
		l.accept(ctx, m.Conn)
	case sessionExited:
		l.release(ctx.Sender(), m.slot)
	case Drain:
		l.drain(ctx)
	}
}

func (l *listener) accept(ctx *sim.Ctx, conn sim.ConnID) {
	if l.live >= l.o.MaxSessionsPerNode {
		// Full: 1001 sends the client elsewhere with a fresh session.
		_ = ctx.StreamClose(conn, int(CloseGoingAway))
		return
	}
	var slot int32
	if n := len(l.free); n > 0 {
		slot = l.free[n-1]
		l.free = l.free[:n-1]
	} else {
		slot = int32(len(l.slots))
		l.slots = append(l.slots, 0)
	}
	pid := ctx.Spawn(sessionName, &session{o: l.o, conn: conn, listener: ctx.Self(), slot: slot})
	l.slots[slot] = pid
	l.live++
	// The session's Start (Hello) runs after this handler, when it already
	// owns the connection.
	sim.Assert(ctx.StreamHandoff(conn, pid) == nil, "gateway: could not hand a new connection to its session")
}

func (l *listener) release(pid sim.PID, slot int32) {
	if slot < 0 || int(slot) >= len(l.slots) || l.slots[slot] != pid || pid == 0 {
		return
	}
	l.slots[slot] = 0
	l.free = append(l.free, slot)
	l.live--
}
