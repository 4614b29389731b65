package store_test

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/store"
)

// BenchmarkClusterOps measures how fast the simulator runs the store: a
// 5-node cluster (RF 3, QUORUM) serving closed-loop clients, each with one
// request in flight, 70% page reads of the latest 50 messages and 30%
// message writes over 100 channels. One op is one client request answered.
// It reports ops per wall-clock second (the simulator's speed) and ops per
// simulated second (the simulated cluster's throughput, bounded by the cost
// model and the network).
func BenchmarkClusterOps(b *testing.B) {
	for _, sync := range []store.SyncPolicy{store.SyncPeriodic, store.SyncPerBatch} {
		b.Run(sync.String(), func(b *testing.B) {
			ct := newClusterTest(b, clusterConfig{seed: 1, replica: store.ReplicaOptions{Engine: store.Options{Sync: sync}}})
			var done, failed int
			const clients = 64
			for i := range clients {
				c, err := store.NewClient(store.ClientOptions{Coordinators: []sim.NodeID{ct.nodes[i%len(ct.nodes)]}})
				if err != nil {
					b.Fatal(err)
				}
				ct.w.Spawn(ct.api, fmt.Sprintf("bench-%d", i), &benchClient{client: c, done: &done, failed: &failed})
			}
			start := ct.w.Elapsed()
			b.ResetTimer()
			ok, err := ct.w.RunUntilCond(func() bool { return done >= b.N }, 24*60*60*sim.Second)
			b.StopTimer()
			if err != nil || !ok {
				b.Fatalf("seed=1: %d of %d ops done: %v", done, b.N, err)
			}
			simulated := (ct.w.Elapsed() - start).Seconds()
			b.ReportMetric(float64(done)/b.Elapsed().Seconds(), "ops/wall-s")
			b.ReportMetric(float64(done)/simulated, "ops/sim-s")
			b.ReportMetric(float64(failed)/float64(done), "errors/op")
		})
	}
}

// benchClient keeps one request in flight.
type benchClient struct {
	client       *store.Client
	done, failed *int
}

type benchNext struct{}

func (c *benchClient) Start(ctx *sim.Ctx) { c.issue(ctx) }

func (c *benchClient) Receive(ctx *sim.Ctx, msg any) {
	r, ok := c.client.Match(ctx, msg)
	if !ok {
		return
	}
	*c.done++
	if r.Err != nil {
		*c.failed++
	}
	c.issue(ctx)
}

func (c *benchClient) issue(ctx *sim.Ctx) {
	rng := ctx.Rand()
	ch := clusterChannel + store.Snowflake(rng.Intn(100))<<22
	var err error
	if rng.Intn(10) < 3 {
		_, err = c.client.Write(ctx, store.WriteMessage{Channel: ch, Author: 1, Content: "a message of about forty bytes, typical"})
	} else {
		_, err = c.client.Read(ctx, store.ReadPage{Query: store.Query{Channel: ch, Limit: 50}})
	}
	if err != nil {
		panic(err)
	}
}
