package guild_test

import (
	"runtime"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
)

// BenchmarkFanout100k fans one message out in a guild of 100,000 online
// members under each strategy and reports, from one run each: delivery
// latency in simulated time from the CreateMessage leaving the API edge to
// each session receiving MESSAGE_CREATE (p50, p99, max), the process
// messages that crossed the network for it (sim Stats.DistMessages delta),
// and the guild process's busy time (the CPU it declared).
//
// The world (built by deploy): 3 storage nodes, 4 guild nodes, 10 gateway
// nodes of 4 schedulers with 10,000 sessions each, the driver node with
// the API edge. Sessions are bare session-like processes on the gateway
// nodes (they join the guild as the gateway hook would and time what they
// receive), not the full gateway + client stack: the fanout, not the
// WebSocket, is what is measured here.
// A first message warms up (passive sessions get their CHANNEL_UNREAD);
// the second is measured.
//
//	go test ./system/guild -run '^$' -bench Fanout100k -benchtime 1x
func BenchmarkFanout100k(b *testing.B) {
	cases := []struct {
		name   string
		opts   guild.Options
		openPc int // share of sessions that opened the guild (passive cases)
	}{
		{"direct", guild.Options{Fanout: guild.FanoutDirect}, 100},
		{"per-node", guild.Options{Fanout: guild.FanoutPerNode}, 100},
		{"relays", guild.Options{Fanout: guild.FanoutRelays}, 100},
		{"relays+per-node", guild.Options{Fanout: guild.FanoutRelays, RelaysPerNode: true}, 100},
		{"direct+passive-10pc-open", guild.Options{Fanout: guild.FanoutDirect, PassiveThreshold: 75_000}, 10},
		{"relays+passive-10pc-open", guild.Options{Fanout: guild.FanoutRelays, PassiveThreshold: 75_000}, 10},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var r fanResult
			for i := 0; i < b.N; i++ {
				r = fanOut100k(b, uint64(i+1), c.opts, 100_000, c.openPc)
			}
			b.ReportMetric(r.p50.Seconds()*1000, "p50-ms")
			b.ReportMetric(r.p99.Seconds()*1000, "p99-ms")
			b.ReportMetric(r.max.Seconds()*1000, "max-ms")
			b.ReportMetric(float64(r.delivered), "delivered")
			b.ReportMetric(float64(r.dist), "net-msgs")
			b.ReportMetric(r.busy.Seconds(), "guild-busy-s")
		})
	}
}

type fanResult struct {
	p50, p99, max sim.Duration
	delivered     int
	dist          uint64
	busy          sim.Duration
}

// benchSession stands for a gateway session: it joins the guild from its
// gateway node and notes when the measured MESSAGE_CREATE arrives.
type benchSession struct {
	user  uint64
	open  bool
	guild sim.NodeID
	probe *fanProbe
}

type fanProbe struct {
	w    *sim.World
	sent sim.Time
	lat  []sim.Duration
}

func (s *benchSession) Start(ctx *sim.Ctx) {
	name := guild.ProcessName(gID)
	ctx.SendNamed(s.guild, name, guild.SessionJoin{Session: ctx.Self(), Node: ctx.Node(), User: s.user})
	if s.open {
		ctx.SendNamed(s.guild, name, guild.SessionOpen{Session: ctx.Self()})
	}
}

func (s *benchSession) Receive(ctx *sim.Ctx, msg any) {
	d, ok := msg.(gateway.Deliver)
	if !ok || d.Event != gateway.EventMessageCreate {
		return
	}
	if m := d.Data.(*guild.MessageCreate); m.Nonce == 2 {
		s.probe.lat = append(s.probe.lat, s.probe.w.Now().Sub(s.probe.sent))
	}
}

// largeGuild is the benchmarks' guild gID: one channel, chans[0], which
// everyone may view and post in, and n members, user(0) .. user(n-1),
// without roles.
func largeGuild(n int, user func(i int) uint64) *guild.Spec {
	spec := &guild.Spec{ID: gID, Everyone: guild.PermViewChannel | guild.PermSendMessages, Channels: []guild.Channel{{ID: chans[0]}}}
	spec.Members = make([]guild.Member, n)
	for i := range n {
		spec.Members[i] = guild.Member{User: user(i)}
	}
	return spec
}

func fanOut100k(b *testing.B, seed uint64, opts guild.Options, n, openPc int) fanResult {
	b.Helper()
	spec := largeGuild(n, userID)
	e := &edge{acked: map[uint64]uint64{}}
	// No client identifies: the sessions are spawned straight onto the
	// gateway nodes, whose own gateway stays idle.
	d, err := deploy.New(deploy.Topology{Seed: seed, StoreNodes: 3, GuildNodes: 4, GatewayNodes: 10,
		Guilds: []*guild.Spec{spec}, Guild: opts, Tokens: gateway.TokenMap{},
		Driver: &deploy.Driver{Name: "edge", Handler: &deploy.Edge{OnReply: e.reply}}})
	if err != nil {
		b.Fatal(err)
	}
	w, cl, gws := d.World, d.Cluster, d.Gateways
	if err := w.RunFor(sim.Millisecond); err != nil {
		b.Fatal(err)
	}
	home := cl.Placement().NodeOf(gID)
	probe := &fanProbe{w: w}
	for i := range n {
		w.Spawn(gws[i%len(gws)], "session", &benchSession{user: userID(i), open: i%100 < openPc, guild: home, probe: probe})
	}
	send := func(k uint64) {
		d.Forward(deploy.Forward{Node: home, Name: guild.ProcessName(gID), Msg: guild.CreateMessage{
			Request: k, Channel: chans[0], Author: userID(0), Content: "hello", Nonce: k}})
	}
	// Joining costs the guild a GUILD_CREATE per session (5 s direct):
	// let it settle, warm up, settle.
	if err := w.RunFor(30 * sim.Second); err != nil {
		b.Fatal(err)
	}
	send(1)
	if err := w.RunFor(30 * sim.Second); err != nil {
		b.Fatal(err)
	}
	g := cl.Guild(gID)
	busy0, dist0 := g.Stats().Busy, w.Stats().DistMessages
	probe.sent = w.Now()
	send(2)
	if err := w.RunFor(60 * sim.Second); err != nil {
		b.Fatal(err)
	}
	if len(e.acked) != 2 {
		b.Fatalf("seed=%d: %d of 2 messages acknowledged", seed, len(e.acked))
	}
	want := n * openPc / 100
	if len(probe.lat) != want {
		b.Fatalf("seed=%d: %d sessions got the message, want %d", seed, len(probe.lat), want)
	}
	slices.Sort(probe.lat)
	r := fanResult{
		p50: probe.lat[len(probe.lat)/2], p99: probe.lat[len(probe.lat)*99/100], max: probe.lat[len(probe.lat)-1],
		delivered: len(probe.lat), dist: w.Stats().DistMessages - dist0, busy: g.Stats().Busy - busy0,
	}
	runtime.KeepAlive(w)
	return r
}
