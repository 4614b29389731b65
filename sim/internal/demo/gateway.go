package demo

import "github.com/guildsim/guildsim/sim"

// listener accepts connections and hands each to a new session process.
type listener struct{ topo *topology }

func (l *listener) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Listen(gatewayPort) == nil, "demo: gateway port taken")
}

func (l *listener) Receive(ctx *sim.Ctx, msg any) {
	if a, ok := msg.(sim.StreamAccepted); ok {
		s := ctx.Spawn("session", &session{topo: l.topo, conn: a.Conn})
		_ = ctx.StreamHandoff(a.Conn, s)
	}
}

// session is the gateway side of one connection: hello, identify, heartbeat
// timeout (close 4009), and dispatch of guild messages with increasing seq.
type session struct {
	topo    *topology
	conn    sim.ConnID
	user    int
	seq     uint64
	timeout sim.TimerID
	guild   int
}

func (s *session) Start(ctx *sim.Ctx) {
	iv := s.topo.opts.HeartbeatInterval
	_ = ctx.StreamSend(s.conn, hello{interval: iv})
	s.timeout = ctx.SetTimer(iv+iv/2, hbTimeout{})
}

func (s *session) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case sim.StreamData:
		s.onClient(ctx, m.Msg)
	case messageCreate:
		s.seq++
		_ = ctx.StreamSend(s.conn, dispatch{seq: s.seq, msg: m})
	case hbTimeout:
		_ = ctx.StreamClose(s.conn, closeSessionTimeout)
		ctx.Exit(sim.ReasonNormal)
	case sim.StreamClosed:
		ctx.Exit(sim.ReasonNormal)
	}
}

func (s *session) onClient(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case identify:
		s.user = m.user
		s.guild = m.user % s.topo.guildCount()
		_ = ctx.StreamSend(s.conn, ready{session: ctx.Self()})
		node, name := s.topo.guildHome(s.guild)
		ctx.SendNamed(node, name, join{session: ctx.Self()})
	case heartbeat:
		ctx.CancelTimer(s.timeout)
		iv := s.topo.opts.HeartbeatInterval
		s.timeout = ctx.SetTimer(iv+iv/2, hbTimeout{})
		_ = ctx.StreamSend(s.conn, heartbeatAck{})
	case chatSend:
		node, name := s.topo.guildHome(m.guild)
		ctx.SendNamed(node, name, post{user: s.user, nonce: m.nonce})
	}
}
