package guild_test

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// BenchmarkMemoryPerMember measures the heap cost of one online member with
// the whole stack: the client process and its log records, its stream
// connection, its gateway session with its replay buffer (READY and
// GUILD_CREATE in it), the guild's member entry and session entry, and the
// guild's monitor of the session. One guild holds every member (direct
// fanout); the heap is read once the nodes are added, before they boot
// (so the guild's member map is counted; the directory it is built from is
// input, reported apart as B/member-spec), and again after 90 simulated
// seconds with everyone READY:
//
//	go test ./system/guild -run '^$' -bench MemoryPerMember -benchtime 1x
func BenchmarkMemoryPerMember(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("online=%d", n), func(b *testing.B) {
			var per, spec float64
			for i := 0; i < b.N; i++ {
				per, spec = memoryPerMember(b, uint64(i+1), n)
			}
			b.ReportMetric(per, "B/member")
			b.ReportMetric(spec, "B/member-spec")
		})
	}
}

// benchTokens parses "u<n>" into user n without a table.
var benchTokens = gateway.TokenFunc(func(token string) (gateway.TokenInfo, bool) {
	if len(token) < 2 || token[0] != 'u' {
		return gateway.TokenInfo{}, false
	}
	n, err := strconv.Atoi(token[1:])
	return gateway.TokenInfo{UserID: userID(n)}, err == nil
})

func memoryPerMember(b *testing.B, seed uint64, n int) (perMember, specShare float64) {
	b.Helper()
	var m0, m1, m2 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	spec := &guild.Spec{ID: gID, Everyone: guild.PermViewChannel | guild.PermSendMessages, Channels: []guild.Channel{{ID: chans[0]}}}
	spec.Members = make([]guild.Member, n)
	for i := range n {
		spec.Members[i] = guild.Member{User: userID(i)}
	}
	dir, err := guild.NewStaticDirectory([]*guild.Spec{spec})
	if err != nil {
		b.Fatal(err)
	}
	w, err := sim.NewWorld(sim.Config{Seed: seed})
	if err != nil {
		b.Fatal(err)
	}
	gopts := &gateway.Options{Tokens: benchTokens}
	lb, err := gateway.BootLimiter(gopts)
	if err != nil {
		b.Fatal(err)
	}
	w.MustAddNode(sim.NodeConfig{Name: "control", Boot: lb})
	var storage []sim.NodeID
	storeBoot := func(ctx *sim.Ctx) {
		r, _ := store.NewReplica(store.ReplicaOptions{})
		c, err := store.NewCoordinator(store.CoordinatorOptions{Nodes: storage})
		if err != nil {
			panic(err)
		}
		ctx.Spawn(store.DefaultReplicaName, r)
		ctx.Spawn(store.DefaultCoordinatorName, c)
	}
	for i := range 3 {
		storage = append(storage, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("store-%d", i), Boot: storeBoot}))
	}
	var cl *guild.Cluster
	gn := w.MustAddNode(sim.NodeConfig{Name: "guild-0", Boot: func(ctx *sim.Ctx) { cl.BootGuildNode(ctx) }})
	if cl, err = guild.NewCluster(&guild.Options{Directory: dir, GuildNodes: []sim.NodeID{gn}, StoreCoordinators: storage}); err != nil {
		b.Fatal(err)
	}
	gopts.Hooks = cl.Hooks()
	gb, err := gateway.Boot(gopts)
	if err != nil {
		b.Fatal(err)
	}
	var urls []gateway.GatewayURL
	for i := range 4 {
		id := w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("gateway-%d", i), Boot: cl.BootGatewayNode(gb)})
		urls = append(urls, gateway.GatewayURL{Node: id, Port: gopts.Port})
	}
	var cnodes []sim.NodeID
	for i := range 4 {
		cnodes = append(cnodes, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("clients-%d", i)}))
	}
	rec := client.NewRecorder(w.Now)
	cfg := &client.Config{Gateways: urls, Recorder: rec}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)

	clients := make([]*client.Client, n)
	for i := range n {
		clients[i] = client.New(cfg, uint32(i), client.Device{Token: "u" + strconv.Itoa(i), Gateway: i % len(urls)})
		w.Spawn(cnodes[i%len(cnodes)], "client", clients[i])
	}
	if err := w.RunFor(90 * sim.Second); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m2)
	for i, c := range clients {
		if c.State() != client.StateReady {
			b.Fatalf("seed=%d: client %d not READY (state %d)", seed, i, c.State())
		}
	}
	if s := cl.Guild(gID).Stats(); s.Sessions != n {
		b.Fatalf("seed=%d: the guild has %d sessions online, want %d", seed, s.Sessions, n)
	}
	runtime.KeepAlive(w)
	runtime.KeepAlive(clients)
	runtime.KeepAlive(dir)
	return float64(m2.HeapAlloc-m1.HeapAlloc) / float64(n), float64(m1.HeapAlloc-m0.HeapAlloc) / float64(n)
}
