package sim_test

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

// netRecorder keeps every message it gets, with the true time.
type netRecorder struct {
	w   *sim.World
	got []any
	at  []sim.Duration
}

func (r *netRecorder) Receive(ctx *sim.Ctx, msg any) {
	r.got = append(r.got, msg)
	r.at = append(r.at, r.w.Elapsed())
}

func twoNetNodes(t *testing.T, cfg sim.Config) (*sim.World, sim.NodeID, sim.NodeID) {
	w := newWorld(t, cfg)
	return w, w.MustAddNode(sim.NodeConfig{Name: "a"}), w.MustAddNode(sim.NodeConfig{Name: "b"})
}

// netStarter is a process whose Start runs f and that ignores messages.
type netStarter func(ctx *sim.Ctx)

func (f netStarter) Start(ctx *sim.Ctx)        { f(ctx) }
func (netStarter) Receive(ctx *sim.Ctx, _ any) {}

// netWatcher monitors a target at start and records what it gets.
type netWatcher struct {
	netRecorder
	target   sim.PID
	node     sim.NodeID
	watchPID bool
}

func (m *netWatcher) Start(ctx *sim.Ctx) {
	if m.watchPID {
		ctx.Monitor(m.target)
	} else {
		ctx.MonitorNode(m.node)
	}
}

func TestDownReasons(t *testing.T) {
	w, a, b := twoNetNodes(t, sim.Config{Seed: 1})
	target := w.Spawn(b, "target", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) { ctx.Exit("oops") }))
	m := &netWatcher{netRecorder: netRecorder{w: w}, target: target, watchPID: true}
	w.Spawn(a, "watcher", m)
	require.NoError(t, w.RunFor(sim.Millisecond))
	w.Send(target, "die")
	require.NoError(t, w.RunFor(sim.Second))
	require.Len(t, m.got, 1)
	down := m.got[0].(sim.Down)
	require.Equal(t, target, down.PID)
	require.Equal(t, sim.Reason("oops"), down.Reason)

	// Monitoring a process that does not exist: Down noproc at once.
	m2 := &netWatcher{netRecorder: netRecorder{w: w}, target: target, watchPID: true}
	w.Spawn(a, "late", m2)
	require.NoError(t, w.RunFor(sim.Millisecond))
	require.Equal(t, sim.ReasonNoProc, m2.got[0].(sim.Down).Reason)
}

func TestShortPartitionDelaysLongPartitionBreaksTheLink(t *testing.T) {
	w, a, b := twoNetNodes(t, sim.Config{Seed: 1, Net: sim.NetConfig{LinkTimeout: 5 * sim.Second}})
	rec := &netRecorder{w: w}
	dst := w.Spawn(b, "dst", rec)
	target := w.Spawn(b, "target", sim.HandlerFunc(func(*sim.Ctx, any) {}))
	m := &netWatcher{netRecorder: netRecorder{w: w}, target: target, watchPID: true}
	w.Spawn(a, "watcher", m)
	nodeWatch := &netWatcher{netRecorder: netRecorder{w: w}, node: b}
	w.Spawn(a, "node-netWatcher", nodeWatch)
	src := w.Spawn(a, "src", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) { ctx.Send(dst, msg) }))
	require.NoError(t, w.RunFor(sim.Millisecond))

	// 2 s partition: messages wait and arrive in order after heal, nothing breaks.
	id := w.Partition([]sim.NodeID{a}, []sim.NodeID{b})
	for i := 0; i < 5; i++ {
		w.Send(src, i)
	}
	require.NoError(t, w.RunFor(2*sim.Second))
	require.Empty(t, rec.got)
	w.Heal(id)
	require.NoError(t, w.RunFor(5*sim.Second))
	require.Equal(t, []any{0, 1, 2, 3, 4}, rec.got)
	require.Empty(t, m.got)
	require.Zero(t, w.Stats().LinkBreaks)

	// 8 s partition: the link breaks at 5 s; held messages are lost; both
	// monitors fire with noconnection; sends while broken are dropped.
	id = w.Partition([]sim.NodeID{a}, []sim.NodeID{b})
	w.Send(src, 10)
	require.NoError(t, w.RunFor(6*sim.Second))
	require.Equal(t, uint64(1), w.Stats().LinkBreaks)
	require.Len(t, m.got, 1)
	require.Equal(t, sim.ReasonNoConn, m.got[0].(sim.Down).Reason)
	require.Equal(t, []any{sim.NodeDown{Node: b}}, nodeWatch.got)
	w.Send(src, 11)
	require.NoError(t, w.RunFor(2*sim.Second))
	w.Heal(id)
	w.Send(src, 12)
	require.NoError(t, w.RunFor(sim.Second))
	require.Equal(t, []any{0, 1, 2, 3, 4, 12}, rec.got, "10 lost with the link, 11 dropped while broken, 12 after heal")
}

func TestClogHoldsWithoutLoss(t *testing.T) {
	w, a, b := twoNetNodes(t, sim.Config{Seed: 1, Net: sim.NetConfig{LinkTimeout: sim.Second}})
	rec := &netRecorder{w: w}
	dst := w.Spawn(b, "dst", rec)
	src := w.Spawn(a, "src", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) { ctx.Send(dst, msg) }))
	id := w.Clog([]sim.NodeID{a}, []sim.NodeID{b})
	for i := 0; i < 100; i++ {
		w.Send(src, i)
	}
	require.NoError(t, w.RunFor(10*sim.Second))
	require.Empty(t, rec.got)
	w.Unclog(id)
	require.NoError(t, w.RunFor(3*sim.Minute))
	require.Len(t, rec.got, 100)
	for i, m := range rec.got {
		require.Equal(t, i, m)
	}
	require.Zero(t, w.Stats().LinkBreaks, "a clog never breaks a link")
}

func TestCrashKillsRestartBootsAndPeersLearn(t *testing.T) {
	w := newWorld(t, sim.Config{Seed: 1, Net: sim.NetConfig{LinkTimeout: 10 * sim.Second}})
	boots := 0
	var svc sim.PID
	b := w.MustAddNode(sim.NodeConfig{Name: "b", Boot: func(ctx *sim.Ctx) {
		boots++
		svc = ctx.Spawn("svc", sim.HandlerFunc(func(*sim.Ctx, any) {}))
	}})
	a := w.MustAddNode(sim.NodeConfig{Name: "a"})
	require.NoError(t, w.RunFor(sim.Millisecond))
	first := svc
	m := &netWatcher{netRecorder: netRecorder{w: w}, target: first, watchPID: true}
	w.Spawn(a, "watcher", m)
	require.NoError(t, w.RunFor(sim.Millisecond))

	w.Crash(b)
	require.False(t, w.Alive(first))
	require.False(t, w.NodeUp(b))
	require.NoError(t, w.RunFor(5*sim.Second))
	require.Empty(t, m.got, "a machine that vanished is noticed only after LinkTimeout")
	w.Restart(b)
	require.NoError(t, w.RunFor(sim.Millisecond))
	require.Equal(t, 2, boots)
	require.True(t, w.Alive(svc))
	require.NotEqual(t, first, svc, "a restarted node runs new processes")
	require.Len(t, m.got, 1, "the restart tells peers the old node is gone")
	require.Equal(t, sim.ReasonNoConn, m.got[0].(sim.Down).Reason)
}

// streamSide records stream events of one side.
type streamSide struct {
	netRecorder
	dial   sim.NodeID
	listen bool
	conn   sim.ConnID
	closed []sim.StreamClosed
}

func (s *streamSide) Start(ctx *sim.Ctx) {
	if s.listen {
		sim.Assert(ctx.Listen(443) == nil, "port 443 taken")
		return
	}
	s.conn = ctx.Dial(s.dial, 443)
}

func (s *streamSide) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case sim.StreamAccepted:
		s.conn = m.Conn
	case sim.StreamClosed:
		s.closed = append(s.closed, m)
	case string:
		_ = ctx.StreamSend(s.conn, m) // a driver asks this side to send
		return
	case closeWithCode:
		_ = ctx.StreamClose(s.conn, m.code)
		return
	}
	s.netRecorder.Receive(ctx, msg)
}

func TestStreamZombieOneWayPartition(t *testing.T) {
	w, c, g := twoNetNodes(t, sim.Config{Seed: 1, Net: sim.NetConfig{StreamTimeout: 10 * sim.Second}})
	srv := &streamSide{netRecorder: netRecorder{w: w}, listen: true}
	srvPID := w.Spawn(g, "server", srv)
	cli := &streamSide{netRecorder: netRecorder{w: w}, dial: g}
	cliPID := w.Spawn(c, "client", cli)
	require.NoError(t, w.RunFor(sim.Second))
	require.IsType(t, sim.StreamConnected{}, cli.got[0])

	// Client -> gateway is cut. The client's heartbeat stalls and, after
	// StreamTimeout, its side gives up. The server hears nothing and keeps
	// believing the connection is up: a zombie.
	id := w.PartitionOneWay([]sim.NodeID{c}, []sim.NodeID{g})
	w.Send(cliPID, "heartbeat")
	require.NoError(t, w.RunFor(11*sim.Second))
	require.Len(t, cli.closed, 1)
	require.Equal(t, sim.CloseTimeout, cli.closed[0].Reason)
	require.Empty(t, srv.closed, "the server side does not know")

	// The server sends; the client side has forgotten the connection and
	// answers with a reset, which the one-way partition drops: still a zombie.
	w.Send(srvPID, "dispatch")
	require.NoError(t, w.RunFor(sim.Second))
	require.Empty(t, srv.closed)
	// After heal, the next server send gets the reset.
	w.Heal(id)
	w.Send(srvPID, "dispatch")
	require.NoError(t, w.RunFor(sim.Second))
	require.Len(t, srv.closed, 1)
	require.Equal(t, sim.CloseReset, srv.closed[0].Reason)
}

func TestStreamRefusedAndConnectTimeout(t *testing.T) {
	w, c, g := twoNetNodes(t, sim.Config{Seed: 1})
	cli := &streamSide{netRecorder: netRecorder{w: w}, dial: g}
	w.Spawn(c, "client", cli)
	require.NoError(t, w.RunFor(sim.Second))
	require.Equal(t, []sim.StreamClosed{{Conn: cli.conn, Reason: sim.CloseRefused}}, cli.closed)

	w.Spawn(g, "server", &streamSide{netRecorder: netRecorder{w: w}, listen: true})
	w.Partition([]sim.NodeID{c}, []sim.NodeID{g})
	cli2 := &streamSide{netRecorder: netRecorder{w: w}, dial: g}
	w.Spawn(c, "client2", cli2)
	require.NoError(t, w.RunFor(9*sim.Second))
	require.Empty(t, cli2.closed)
	require.NoError(t, w.RunFor(2*sim.Second))
	require.Equal(t, sim.CloseConnectTimeout, cli2.closed[0].Reason)
}

type closeWithCode struct{ code int }

func TestStreamPeerCloseCarriesCode(t *testing.T) {
	w, c, g := twoNetNodes(t, sim.Config{Seed: 1})
	srv := &streamSide{netRecorder: netRecorder{w: w}, listen: true}
	srvPID := w.Spawn(g, "server", srv)
	cli := &streamSide{netRecorder: netRecorder{w: w}, dial: g}
	w.Spawn(c, "client", cli)
	require.NoError(t, w.RunFor(sim.Second))
	// The server sends one more message and closes with 4009: the client
	// gets the message first, then the close with its code.
	w.Send(srvPID, "last words")
	w.Send(srvPID, closeWithCode{4009})
	require.NoError(t, w.RunFor(sim.Second))
	require.Equal(t, sim.StreamData{Conn: cli.conn, Msg: "last words"}, cli.got[len(cli.got)-2])
	require.Equal(t, sim.StreamClosed{Conn: cli.conn, Reason: sim.ClosePeer, Code: 4009}, cli.got[len(cli.got)-1])
}

// Monitoring or linking across a link that is already broken answers at once
// with noconnection (found by the property tests: the Down used to be lost).
func TestMonitorAcrossBrokenLinkAnswersAtOnce(t *testing.T) {
	w, a, b := twoNetNodes(t, sim.Config{Seed: 1, Net: sim.NetConfig{LinkTimeout: 5 * sim.Second}})
	target := w.Spawn(b, "target", sim.HandlerFunc(func(*sim.Ctx, any) {}))
	w.Partition([]sim.NodeID{a}, []sim.NodeID{b})
	require.NoError(t, w.RunFor(10*sim.Second))
	m := &netWatcher{netRecorder: netRecorder{w: w}, target: target, watchPID: true}
	w.Spawn(a, "watcher", m)
	nm := &netWatcher{netRecorder: netRecorder{w: w}, node: b}
	w.Spawn(a, "node-watcher", nm)
	require.NoError(t, w.RunFor(sim.Millisecond))
	require.Len(t, m.got, 1)
	require.Equal(t, sim.ReasonNoConn, m.got[0].(sim.Down).Reason)
	require.Equal(t, []any{sim.NodeDown{Node: b}}, nm.got)
}

// What a listener sends while accepting arrives after the connection is up
// (the SYN-ACK leaves first).
func TestAcceptorDataFollowsConnected(t *testing.T) {
	w, c, g := twoNetNodes(t, sim.Config{Seed: 3})
	w.Spawn(g, "listener", &listenThenAccept{})
	cli := &streamSide{netRecorder: netRecorder{w: w}, dial: g}
	w.Spawn(c, "client", cli)
	require.NoError(t, w.RunFor(sim.Second))
	require.Len(t, cli.got, 2)
	require.IsType(t, sim.StreamConnected{}, cli.got[0])
	require.Equal(t, sim.StreamData{Conn: cli.conn, Msg: "hello"}, cli.got[1])
}

// listenThenAccept listens on 443 and greets each connection at once.
type listenThenAccept struct{}

func (listenThenAccept) Start(ctx *sim.Ctx) { sim.Assert(ctx.Listen(443) == nil, "port taken") }
func (listenThenAccept) Receive(ctx *sim.Ctx, msg any) {
	if a, ok := msg.(sim.StreamAccepted); ok {
		sim.Assert(ctx.StreamSend(a.Conn, "hello") == nil, "send on accept")
	}
}

// A dial whose SYN-ACK never arrives fails at ConnectTimeout.
func TestDialNeverHangs(t *testing.T) {
	w, c, g := twoNetNodes(t, sim.Config{Seed: 3, Net: sim.NetConfig{ConnectTimeout: 5 * sim.Second}})
	w.Spawn(g, "listener", &listenThenAccept{})
	require.NoError(t, w.RunFor(sim.Millisecond))
	w.PartitionOneWay([]sim.NodeID{g}, []sim.NodeID{c}) // SYNs get through, SYN-ACKs do not
	cli := &streamSide{netRecorder: netRecorder{w: w}, dial: g}
	w.Spawn(c, "client", cli)
	require.NoError(t, w.RunFor(6*sim.Second))
	require.Len(t, cli.closed, 1)
	require.Equal(t, sim.CloseConnectTimeout, cli.closed[0].Reason)
}
