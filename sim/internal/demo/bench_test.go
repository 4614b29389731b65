package demo_test

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/sim/internal/demo"
)

// BenchmarkDemo10Min runs ten simulated minutes of the busy demo world
// (2,600 clients, over 5,000 processes, faults on) and reports simulated
// seconds per wall second and events per second:
//
//	go test ./sim/internal/demo -run '^$' -bench Demo10Min -count 5
func BenchmarkDemo10Min(b *testing.B) {
	var events uint64
	for i := 0; i < b.N; i++ {
		res, err := demo.Run(demo.Options{Seed: uint64(i + 1), Duration: 10 * sim.Minute})
		if err != nil {
			b.Fatal(err)
		}
		events += res.Events
	}
	wall := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*600/wall, "sim-s/s")
	b.ReportMetric(float64(events)/wall, "ev/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
}
