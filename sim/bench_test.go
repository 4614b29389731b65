package sim

import (
	"fmt"
	"runtime"
	"testing"
)

// The benchmarks put the world beside a bare event-queue loop with the same
// number of pending events, so the overhead ratio comes from one run:
//
//	go test ./sim -run '^$' -bench 'Queue|World' -count 5
//
// Each reports events/s (ev/s); compare medians.

var pendingSizes = []int{1_000, 100_000, 1_000_000}

// holdDelay draws the next delay of the hold model: uniform in [0, 2s), the
// spread of heartbeat timers of many sessions.
func holdDelay(r *Rand) Duration { return r.Duration(0, 2*Second) }

// BenchmarkQueue is the bare loop: pop the earliest event, push one back at
// a random later time (the classic hold model).
func BenchmarkQueue(b *testing.B) {
	for _, n := range pendingSizes {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			var q queue
			r := NewRand(1)
			for i := 0; i < n; i++ {
				q.push(event{at: Time(holdDelay(r)), kind: evTimer, pid: PID(i)})
			}
			runtime.GC() // measure the steady state, not the set-up's garbage
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				e, _ := q.pop()
				e.at += Time(holdDelay(r))
				q.push(e)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ev/s")
		})
	}
}

// timerProc re-arms its timer each time it fires.
type timerProc struct{}

func (timerProc) Start(ctx *Ctx)          { ctx.SetTimer(holdDelay(ctx.Rand()), nil) }
func (timerProc) Receive(ctx *Ctx, _ any) { ctx.SetTimer(holdDelay(ctx.Rand()), nil) }

// BenchmarkWorldTimers: n processes on 16 nodes, one pending timer each.
func BenchmarkWorldTimers(b *testing.B) {
	for _, n := range pendingSizes {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			w, err := NewWorld(Config{Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			nodes := make([]NodeID, 16)
			for i := range nodes {
				nodes[i] = w.MustAddNode(NodeConfig{Name: fmt.Sprintf("n%d", i)})
			}
			for i := 0; i < n; i++ {
				w.Spawn(nodes[i%len(nodes)], "timer", timerProc{})
			}
			runEvents(b, w, uint64(2*n)) // boot and start events, first timers
			runtime.GC()                 // measure the steady state, not the set-up's garbage
			b.ResetTimer()
			runEvents(b, w, uint64(b.N))
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ev/s")
		})
	}
}

// pingProc forwards every message it gets to a random peer after a random
// think time (a timer), so the world mixes process messages between nodes
// and timers: n tokens keep n events pending.
type pingProc struct{ peers *[]PID }

type token struct{}

type thinkDone struct{}

func (p pingProc) Receive(ctx *Ctx, msg any) {
	switch msg.(type) {
	case token:
		ctx.SetTimer(holdDelay(ctx.Rand()), thinkDone{})
	case thinkDone:
		peers := *p.peers
		ctx.Send(peers[ctx.Rand().Intn(len(peers))], token{})
	}
}

// BenchmarkWorldPingPong: n tokens passed between 10,000 processes on 16
// nodes in 3 regions, each holding a token for a random think time.
func BenchmarkWorldPingPong(b *testing.B) {
	for _, n := range pendingSizes {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			w, err := NewWorld(Config{Seed: 1, Regions: []string{"a", "b", "c"}})
			if err != nil {
				b.Fatal(err)
			}
			nodes := make([]NodeID, 16)
			for i := range nodes {
				nodes[i] = w.MustAddNode(NodeConfig{Name: fmt.Sprintf("n%d", i), Region: []string{"a", "b", "c"}[i%3]})
			}
			var peers []PID
			for i := 0; i < 10_000; i++ {
				peers = append(peers, w.Spawn(nodes[i%len(nodes)], "ping", pingProc{peers: &peers}))
			}
			for i := 0; i < n; i++ {
				w.Send(peers[i%len(peers)], token{})
			}
			runEvents(b, w, uint64(2*n))
			runtime.GC() // measure the steady state, not the set-up's garbage
			b.ResetTimer()
			runEvents(b, w, uint64(b.N))
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ev/s")
		})
	}
}

// runEvents runs n events through the world's own run loop.
func runEvents(b *testing.B, w *World, n uint64) {
	before := w.Events()
	if err := w.RunEvents(n); err != nil || w.Events() != before+n {
		b.Fatalf("world stopped after %d of %d events: %v", w.Events()-before, n, err)
	}
}

// BenchmarkIdleProcessMemory spawns 1M idle processes and reports the heap
// bytes per process, minus the handler itself (the user's state).
func BenchmarkIdleProcessMemory(b *testing.B) {
	const n = 1_000_000
	for i := 0; i < b.N; i++ {
		w, err := NewWorld(Config{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		node := w.MustAddNode(NodeConfig{Name: "n"})
		h := HandlerFunc(func(*Ctx, any) {})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for k := 0; k < n; k++ {
			w.Spawn(node, "session", h)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/proc")
		runtime.KeepAlive(w)
	}
}
