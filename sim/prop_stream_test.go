package sim_test

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Property: a stream connection delivers in order, without loss or
// duplication, while connected, whatever the jitter, long tail and segment
// loss, and across clogs of any length and partitions shorter than
// Net.StreamTimeout: both directions see exactly 0..N-1 and neither side
// closes.

type propStreamMsg struct {
	N      int
	SentAt sim.Time
}

type propStreamBurst struct{ k int }

// propStreamEnd is one side of the connection: it sends n numbered messages in
// bursts (the first at once, the others after timer gaps) and records what it
// receives.
type propStreamEnd struct {
	pt       *propT
	w        *sim.World
	name     string
	dial     bool
	peer     sim.NodeID
	port     uint16
	n        int            // messages to send
	gaps     []sim.Duration // one per burst after the first
	work     sim.Duration   // declared per received message
	conn     sim.ConnID
	got      []propStreamMsg
	recvAt   []sim.Time
	sent     int
	closed   []sim.StreamClosed
	closedAt []sim.Time
	// onConnect, if set, runs when the dialler's connection is up.
	onConnect func()
}

func (e *propStreamEnd) Start(ctx *sim.Ctx) {
	if e.dial {
		e.conn = ctx.Dial(e.peer, e.port)
		return
	}
	if err := ctx.Listen(e.port); err != nil {
		e.pt.failLater("%s: Listen: %v", e.name, err)
	}
}

func (e *propStreamEnd) burst(ctx *sim.Ctx, k int) {
	bursts := len(e.gaps) + 1
	hi := (k + 1) * e.n / bursts
	for ; e.sent < hi; e.sent++ {
		if err := ctx.StreamSend(e.conn, propStreamMsg{N: e.sent, SentAt: e.w.Now()}); err != nil {
			e.pt.failLater("%s: StreamSend #%d: %v", e.name, e.sent, err)
		}
	}
	if k < len(e.gaps) {
		ctx.SetTimer(e.gaps[k], propStreamBurst{k + 1})
	}
}

func (e *propStreamEnd) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case sim.StreamAccepted:
		if e.conn != 0 {
			e.pt.failLater("%s: second StreamAccepted %+v", e.name, m)
			return
		}
		e.conn = m.Conn
		e.burst(ctx, 0)
	case sim.StreamConnected:
		if m.Conn != e.conn {
			e.pt.failLater("%s: StreamConnected for conn %d, dialled %d", e.name, m.Conn, e.conn)
		}
		if e.onConnect != nil {
			e.onConnect()
		}
		e.burst(ctx, 0)
	case propStreamBurst:
		e.burst(ctx, m.k)
	case sim.StreamData:
		if m.Conn != e.conn {
			e.pt.failLater("%s: data on conn %d, want %d", e.name, m.Conn, e.conn)
		}
		e.got = append(e.got, m.Msg.(propStreamMsg))
		e.recvAt = append(e.recvAt, e.w.Now())
		ctx.Work(e.work)
	case sim.StreamClosed:
		e.closed = append(e.closed, m)
		e.closedAt = append(e.closedAt, e.w.Now())
	default:
		e.pt.failLater("%s: unexpected message %T %+v", e.name, msg, msg)
	}
}

func propDrawGaps(rt *rapid.T, label string) []sim.Duration {
	return rapid.SliceOfN(rapid.Custom(func(t *rapid.T) sim.Duration {
		return drawDuration(t, "gap", 0, 2*sim.Second, sim.Millisecond)
	}), 0, 8).Draw(rt, label)
}

func propCheckStreamReceived(pt *propT, who string, e *propStreamEnd, n int, minLatency sim.Duration) {
	pt.Helper()
	if len(e.got) != n {
		pt.Fatalf("%s received %d messages, want %d (first 40: %v)", who, len(e.got), n, propFirstN(propStreamNs(e.got), 40))
	}
	for i, m := range e.got {
		if m.N != i {
			pt.Fatalf("%s: message %d is #%d, want #%d (in order, no loss, no duplicates); around it: %v",
				who, i, m.N, i, propStreamNs(e.got[max(0, i-3):min(len(e.got), i+4)]))
		}
		if d := e.recvAt[i].Sub(m.SentAt); d < minLatency {
			pt.Fatalf("%s: message #%d took %s, below the base latency %s", who, i, d, minLatency)
		}
	}
}

func propStreamNs(ms []propStreamMsg) []int {
	ns := make([]int, len(ms))
	for i, m := range ms {
		ns[i] = m.N
	}
	return ns
}

func propFirstN[T any](s []T, n int) []T { return s[:min(len(s), n)] }

// propStreamFault is a clog or a partition window on the client-server pair,
// starting Gap after the previous one ended (the first after connecting).
type propStreamFault struct {
	Kind int
	Gap  sim.Duration
	Len  sim.Duration
}

var propStreamFaultKinds = []string{"clog c<->s", "clog c->s", "clog s->c", "partition c<->s", "partition c->s", "partition s->c"}

func TestPropStreamOrderedReliable(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pt := newPropT(rt)
		regions, lat := drawRegions(rt, 3, 80*sim.Millisecond)
		net := sim.NetConfig{Latency: lat}
		drawJitter(rt, &net)
		net.StreamLossPPM = rapid.Int64Range(0, 300_000).Draw(rt, "streamLossPPM")
		net.MinRTO = drawDuration(rt, "minRTO", 10*sim.Millisecond, sim.Second, sim.Millisecond)
		net.StreamTimeout = drawDuration(rt, "streamTimeout", 2*sim.Second, 30*sim.Second, sim.Millisecond)
		faults := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) propStreamFault {
			f := propStreamFault{
				Kind: rapid.IntRange(0, len(propStreamFaultKinds)-1).Draw(t, "kind"),
				Gap:  drawDuration(t, "gap", 0, 3*sim.Second, sim.Millisecond),
			}
			limit := 2 * net.StreamTimeout // a clog may outlast the stream timeout
			if f.Kind >= 3 {
				limit = net.StreamTimeout - sim.Millisecond
			}
			f.Len = drawDuration(t, "len", 0, limit, sim.Millisecond)
			return f
		}), 0, 3).Draw(rt, "faults")
		w := pt.newWorld(sim.Config{Regions: regions, Net: net})

		cr := rapid.IntRange(0, len(regions)-1).Draw(rt, "clientRegion")
		sr := rapid.IntRange(0, len(regions)-1).Draw(rt, "serverRegion")
		cn := w.MustAddNode(sim.NodeConfig{Name: "client", Region: regions[cr], Schedulers: rapid.IntRange(1, 4).Draw(rt, "clientSchedulers")})
		sn := w.MustAddNode(sim.NodeConfig{Name: "server", Region: regions[sr], Schedulers: rapid.IntRange(1, 4).Draw(rt, "serverSchedulers")})
		port := uint16(rapid.IntRange(1, 65535).Draw(rt, "port"))

		server := &propStreamEnd{pt: pt, w: w, name: "server", port: port,
			n:    rapid.IntRange(0, 300).Draw(rt, "msgsDown"),
			gaps: propDrawGaps(rt, "serverBurstGaps"),
			work: drawDuration(rt, "serverWorkPerMsg", 0, sim.Millisecond, sim.Microsecond)}
		client := &propStreamEnd{pt: pt, w: w, name: "client", dial: true, peer: sn, port: port,
			n:    rapid.IntRange(0, 300).Draw(rt, "msgsUp"),
			gaps: propDrawGaps(rt, "clientBurstGaps"),
			work: drawDuration(rt, "clientWorkPerMsg", 0, sim.Millisecond, sim.Microsecond)}
		// Faults start once the connection is up (a partition during the
		// handshake can make the dial time out, legitimately).
		client.onConnect = func() {
			at := w.Now()
			c, s := []sim.NodeID{cn}, []sim.NodeID{sn}
			for _, f := range faults {
				at = at.Add(f.Gap)
				var id sim.PartitionID
				w.At(at, propStreamFaultKinds[f.Kind], func() {
					switch f.Kind {
					case 0:
						id = w.Clog(c, s)
					case 1:
						id = w.ClogOneWay(c, s)
					case 2:
						id = w.ClogOneWay(s, c)
					case 3:
						id = w.Partition(c, s)
					case 4:
						id = w.PartitionOneWay(c, s)
					case 5:
						id = w.PartitionOneWay(s, c)
					}
				})
				at = at.Add(f.Len)
				w.At(at, "heal "+propStreamFaultKinds[f.Kind], func() { w.Heal(id) })
			}
		}
		w.Spawn(sn, "server", server)
		w.Spawn(cn, "client", client)
		pt.run(w)
		pt.checkErrs()

		if len(client.closed)+len(server.closed) > 0 {
			pt.Fatalf("connection closed: client %+v server %+v (StreamTimeout %s, faults %v)", client.closed, server.closed, net.StreamTimeout, faults)
		}
		propCheckStreamReceived(pt, "server (client->server)", server, client.n, lat[cr][sr])
		propCheckStreamReceived(pt, "client (server->client)", client, server.n, lat[sr][cr])
		if got, want := w.Stats().StreamSegments, uint64(client.n+server.n); got != want {
			pt.Fatalf("Stats.StreamSegments = %d, want %d", got, want)
		}
	})
}

// TestPropStreamLossShowsAsDelay: with heavy segment loss every message still
// arrives, in order, and some of them needed retransmissions.
func TestPropStreamLossShowsAsDelay(t *testing.T) {
	w, err := sim.NewWorld(sim.Config{Seed: 7, Regions: []string{"us", "eu"}, Net: sim.NetConfig{StreamLossPPM: 300_000}})
	require.NoError(t, err)
	a := w.MustAddNode(sim.NodeConfig{Name: "a", Region: "us"})
	b := w.MustAddNode(sim.NodeConfig{Name: "b", Region: "eu"})
	pt := &propT{seed: 7}
	server := &propStreamEnd{pt: pt, w: w, name: "server", port: 80, n: 200}
	client := &propStreamEnd{pt: pt, w: w, name: "client", dial: true, peer: b, port: 80, n: 200, gaps: []sim.Duration{sim.Millisecond, 0, sim.Second}}
	w.Spawn(b, "server", server)
	w.Spawn(a, "client", client)
	require.NoError(t, w.Run())
	require.Empty(t, pt.errs)
	require.Len(t, server.got, 200)
	require.Len(t, client.got, 200)
	for i := range server.got {
		require.Equal(t, i, server.got[i].N)
		require.Equal(t, i, client.got[i].N)
	}
	require.Greater(t, w.Stats().StreamRetrans, uint64(50), "30%% loss over 400 segments")
}

// propStreamFaultRun dials from a to b, sends a message every second for 20s
// from the client, and applies faults (at times after the start).
func propStreamFaultRun(t *testing.T, faults func(w *sim.World, a, b sim.NodeID)) (*propStreamEnd, *propStreamEnd, *sim.World) {
	t.Helper()
	w, err := sim.NewWorld(sim.Config{Seed: 9})
	require.NoError(t, err)
	a := w.MustAddNode(sim.NodeConfig{Name: "a"})
	b := w.MustAddNode(sim.NodeConfig{Name: "b"})
	pt := &propT{seed: 9}
	gaps := make([]sim.Duration, 19)
	for i := range gaps {
		gaps[i] = sim.Second
	}
	server := &propStreamEnd{pt: pt, w: w, name: "server", port: 80}
	client := &propStreamEnd{pt: pt, w: w, name: "client", dial: true, peer: b, port: 80, n: 20, gaps: gaps}
	w.Spawn(b, "server", server)
	w.Spawn(a, "client", client)
	faults(w, a, b)
	require.NoError(t, w.Run())
	require.Empty(t, pt.errs)
	return client, server, w
}

// TestPropStreamClogLongerThanStreamTimeout: a clog holds a stream's data without
// anyone giving up (World.Clog's contract), however long it lasts. (It used
// to close the sender with CloseTimeout after Net.StreamTimeout.)
func TestPropStreamClogLongerThanStreamTimeout(t *testing.T) {
	client, server, w := propStreamFaultRun(t, func(w *sim.World, a, b sim.NodeID) {
		var id sim.PartitionID
		w.After(1500*sim.Millisecond, "clog", func() { id = w.Clog([]sim.NodeID{a}, []sim.NodeID{b}) })
		w.After(100*sim.Second, "unclog", func() { w.Unclog(id) })
	})
	require.Empty(t, client.closed)
	require.Len(t, server.got, 20)
	for i, m := range server.got {
		require.Equal(t, i, m.N)
	}
	require.Zero(t, w.Stats().StreamTimeouts)
}

// TestPropStreamPartitionLongerThanStreamTimeout: a partition does make the
// sender give up after Net.StreamTimeout (30s) of held data, counted from
// when the partition began even if a clog held the data before.
func TestPropStreamPartitionLongerThanStreamTimeout(t *testing.T) {
	for _, clogFirst := range []bool{false, true} {
		client, _, w := propStreamFaultRun(t, func(w *sim.World, a, b sim.NodeID) {
			as, bs := []sim.NodeID{a}, []sim.NodeID{b}
			if clogFirst {
				w.After(1500*sim.Millisecond, "clog", func() { w.Clog(as, bs) })
			}
			w.After(10*sim.Second+500*sim.Millisecond, "partition", func() { w.Partition(as, bs) })
		})
		require.Len(t, client.closed, 1, "clogFirst=%v", clogFirst)
		require.Equal(t, sim.CloseTimeout, client.closed[0].Reason)
		require.Equal(t, uint64(1), w.Stats().StreamTimeouts)
		// Without the clog the first held segment (sent at 11s) stalls at
		// 11s plus latency; with it, the partition starts the count at 10.5s.
		elapsed := client.closedAt[0].Sub(sim.DefaultStart)
		require.GreaterOrEqual(t, elapsed, 40*sim.Second+500*sim.Millisecond, "clogFirst=%v", clogFirst)
		require.Less(t, elapsed, 41*sim.Second+10*sim.Millisecond, "clogFirst=%v", clogFirst)
	}
}
