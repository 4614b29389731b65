package client_test

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
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

// tokenOf parses the benchmark's tokens "u<n>" without a table: a map of a
// million tokens would cost more than what is measured.
var tokenOf = gateway.TokenFunc(func(token string) (gateway.TokenInfo, bool) {
	if len(token) < 2 || token[0] != 'u' {
		return gateway.TokenInfo{}, false
	}
	n, err := strconv.ParseUint(token[1:], 10, 64)
	return gateway.TokenInfo{UserID: 1 << 22 * (n + 1)}, err == nil
})

func memoryPerClient(b *testing.B, seed uint64, n int) (perClient, logShare float64) {
	b.Helper()
	const gateways, clientNodes = 4, 4
	w, err := sim.NewWorld(sim.Config{Seed: seed})
	if err != nil {
		b.Fatal(err)
	}
	opts := &gateway.Options{Tokens: tokenOf}
	lb, err := gateway.BootLimiter(opts)
	if err != nil {
		b.Fatal(err)
	}
	w.MustAddNode(sim.NodeConfig{Name: "control", Boot: lb})
	gb, err := gateway.Boot(opts)
	if err != nil {
		b.Fatal(err)
	}
	var urls []gateway.GatewayURL
	for i := range gateways {
		id := w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("gateway-%d", i), Boot: gb})
		urls = append(urls, gateway.GatewayURL{Node: id, Port: opts.Port})
	}
	var cnodes []sim.NodeID
	for i := range clientNodes {
		cnodes = append(cnodes, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("clients-%d", i)}))
	}
	rec := client.NewRecorder(w.Now)
	cfg := &client.Config{Gateways: urls, Recorder: rec}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	if err := w.RunFor(sim.Millisecond); err != nil { // boot the nodes
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	clients := make([]*client.Client, n)
	for i := range n {
		clients[i] = client.New(cfg, uint32(i), client.Device{Token: "u" + strconv.Itoa(i), Gateway: i % gateways})
		w.Spawn(cnodes[i%clientNodes], "client", clients[i])
	}
	if err := w.RunFor(90 * sim.Second); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	for i, c := range clients {
		if c.State() != client.StateReady {
			b.Fatalf("seed=%d: client %d not READY (state %d)", seed, i, c.State())
		}
	}
	runtime.KeepAlive(w)
	runtime.KeepAlive(clients)
	perClient = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	logShare = float64(rec.Len()) * 40 / float64(n)
	return perClient, logShare
}
