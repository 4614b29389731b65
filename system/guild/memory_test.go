package guild_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/guild"
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

func memoryPerMember(b *testing.B, seed uint64, n int) (perMember, specShare float64) {
	b.Helper()
	var m0, m1, m2 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	// deploy's generated users: their tokens are known without a table,
	// which would cost more than what is measured.
	d, err := deploy.New(deploy.Topology{Seed: seed, StoreNodes: 3, GuildNodes: 1, GatewayNodes: 4, ClientNodes: 4,
		Guilds: []*guild.Spec{largeGuild(n, func(i int) uint64 { return deploy.UserID(i) })}, Tokens: deploy.UserTokens(n)})
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)

	for i := range n {
		u := deploy.UserID(i)
		d.AddClient(u, client.Device{Token: deploy.TokenOf(u), Gateway: i % len(d.Gateways)})
	}
	if err := d.World.RunFor(90 * sim.Second); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m2)
	for i, c := range d.Clients {
		if c.Client.State() != client.StateReady {
			b.Fatalf("seed=%d: client %d not READY (state %d)", seed, i, c.Client.State())
		}
	}
	if s := d.Cluster.Guild(gID).Stats(); s.Sessions != n {
		b.Fatalf("seed=%d: the guild has %d sessions online, want %d", seed, s.Sessions, n)
	}
	runtime.KeepAlive(d)
	return float64(m2.HeapAlloc-m1.HeapAlloc) / float64(n), float64(m1.HeapAlloc-m0.HeapAlloc) / float64(n)
}
