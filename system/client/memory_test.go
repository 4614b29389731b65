package client_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
)

// BenchmarkMemoryPerClient measures the heap cost of one connected client:
// the client process, its stream connection (both ends, both pipes), its
// session process with an empty replay buffer, the limiter's entry for its
// token, pending timers, and its records in the log. It builds the cluster
// (a control node, 4 gateway nodes, 4 client nodes), takes a heap snapshot,
// spawns the clients, runs 90 simulated seconds (everyone READY, two
// heartbeats each), and takes another:
//
//	go test ./system/client -run '^$' -bench MemoryPerClient -benchtime 1x
func BenchmarkMemoryPerClient(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			var perClient, logShare float64
			for i := 0; i < b.N; i++ {
				perClient, logShare = memoryPerClient(b, uint64(i+1), n)
			}
			b.ReportMetric(perClient, "B/client")
			b.ReportMetric(logShare, "B/client-log")
		})
	}
}

func memoryPerClient(b *testing.B, seed uint64, n int) (perClient, logShare float64) {
	b.Helper()
	// deploy.UserTokens knows the users' tokens without a table: a map of
	// a million tokens would cost more than what is measured.
	d, err := deploy.New(deploy.Topology{Seed: seed, GatewayNodes: 4, ClientNodes: 4, Tokens: deploy.UserTokens(n)})
	if err != nil {
		b.Fatal(err)
	}
	if err := d.World.RunFor(sim.Millisecond); err != nil { // boot the nodes
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	for i := range n {
		u := deploy.UserID(i)
		d.AddClient(u, client.Device{Token: deploy.TokenOf(u), Gateway: i % len(d.Gateways)})
	}
	if err := d.World.RunFor(90 * sim.Second); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	for i, c := range d.Clients {
		if c.Client.State() != client.StateReady {
			b.Fatalf("seed=%d: client %d not READY (state %d)", seed, i, c.Client.State())
		}
	}
	runtime.KeepAlive(d)
	perClient = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	logShare = float64(d.Recorder.Len()) * 40 / float64(n)
	return perClient, logShare
}
