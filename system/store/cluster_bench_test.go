package store

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/guildsim/guildsim/sim"
)

// BenchmarkClusterOps measures how fast the simulator runs the store: a
// 5-node cluster (RF 3, QUORUM) serving closed-loop clients, each with one
// request in flight, 70% page reads of the latest 50 messages and 30%
// message writes over 100 channels. One op is one client request answered.
// It reports ops per wall-clock second (the simulator's speed) and ops per
// simulated second (the simulated cluster's throughput, bounded by the cost
// model and the network).
func BenchmarkClusterOps(b *testing.B) {
	for _, sync := range []SyncPolicy{SyncPeriodic, SyncPerBatch} {
		b.Run(sync.String(), func(b *testing.B) {
			ct := newClusterTest(b, clusterConfig{seed: 1, replica: ReplicaOptions{Engine: Options{Sync: sync}}})
			var done, failed int
			const clients = 64
			for i := range clients {
				c, err := NewClient(ClientOptions{Coordinators: []sim.NodeID{ct.nodes[i%len(ct.nodes)]}})
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
	client       *Client
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
	ch := clusterChannel + Snowflake(rng.Intn(100))<<22
	var err error
	if rng.Intn(10) < 3 {
		_, err = c.client.Write(ctx, WriteMessage{Channel: ch, Author: 1, Content: "a message of about forty bytes, typical"})
	} else {
		_, err = c.client.Read(ctx, ReadPage{Query: Query{Channel: ch, Limit: 50}})
	}
	if err != nil {
		panic(err)
	}
}

// BenchmarkMemoryPerMessage measures the heap one stored message costs in
// one engine: 100000 messages of 40-byte content (each its own string)
// over 100 channels and 10 buckets, heap measured after GC before and after. "memtable" keeps only
// the rows (the commit log goes to a disk that drops it); "with-log" also
// keeps the log's bytes in memory, as a sim disk does.
func BenchmarkMemoryPerMessage(b *testing.B) {
	const messages = 100_000
	for _, keepLog := range []bool{false, true} {
		name := "memtable"
		if keepLog {
			name = "with-log"
		}
		b.Run(name, func(b *testing.B) {
			var perMessage, logPerMessage float64
			for range b.N {
				var disk Disk = nullDisk{}
				if keepLog {
					disk = newFakeDisk()
				}
				before := heapInUse()
				e, err := New(Options{})
				if err != nil {
					b.Fatal(err)
				}
				for i := range messages {
					ch := clusterChannel + Snowflake(i%100)<<22
					id := Bucket(400+i%10).MinID() + Snowflake(i)<<22
					// Each message its own content, as read off the wire:
					// a shared literal would hide the content's bytes.
					content := fmt.Sprintf("message %08d of about forty bytes, ok", i)
					if err := e.Apply(disk, Insert(ch, id, 1, content, sim.Time(i))); err != nil {
						b.Fatal(err)
					}
				}
				after := heapInUse()
				runtime.KeepAlive(e)
				runtime.KeepAlive(disk)
				perMessage = float64(after-before) / messages
				logPerMessage = float64(e.Stats().LogBytes) / messages
			}
			b.ReportMetric(perMessage, "heap-B/msg")
			b.ReportMetric(logPerMessage, "log-B/msg")
		})
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// nullDisk drops what is written to it.
type nullDisk struct{}

func (nullDisk) Append(string, []byte)          {}
func (nullDisk) Sync(string)                    {}
func (nullDisk) ReadFile(string) ([]byte, bool) { return nil, false }
func (nullDisk) Truncate(string, int)           {}
