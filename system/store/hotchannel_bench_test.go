package store_test

import (
	"testing"

	"github.com/guildsim/guildsim/system/store"
)

// BenchmarkHotChannel runs TestHotChannel's burst (2000 readers of one
// channel within 50 ms, a write mid-burst, a 5-node cluster at QUORUM) once
// per mode per iteration, from the same seed, and reports for each mode the
// store queries, the replicas' scans and CPU, and the wall time it took to
// simulate, plus the factors against Off. ns/op is the three runs together.
//
//	go test ./system/store -run '^$' -bench HotChannel -benchtime 5x
func BenchmarkHotChannel(b *testing.B) {
	modes := []struct {
		mode store.DataServiceMode
		name string // metric suffix: no spaces or '+'
	}{
		{store.DataServiceOff, "off"},
		{store.DataServiceCoalescing, "coalescing"},
		{store.DataServiceCoalescingCache, "cache"},
	}
	res := make([]burstResult, len(modes))
	wall := make([]float64, len(modes)) // seconds, summed over iterations
	b.ReportAllocs()
	for b.Loop() {
		for i, m := range modes {
			start := b.Elapsed()
			res[i] = runBurst(b, burstConfig{seed: 1, mode: m.mode})
			wall[i] += (b.Elapsed() - start).Seconds()
		}
	}
	off := res[0]
	for i, m := range modes {
		r := res[i]
		b.ReportMetric(float64(r.ds.StoreReads), "store-queries-"+m.name)
		b.ReportMetric(float64(r.load.replicaReads), "replica-scans-"+m.name)
		b.ReportMetric(float64(r.load.replicaBusy)/1e6, "replica-cpu-ms-"+m.name)
		b.ReportMetric(1000*wall[i]/float64(b.N), "wall-ms-"+m.name)
		if i > 0 {
			b.ReportMetric(ratio(off.ds.StoreReads, r.ds.StoreReads), "query-factor-"+m.name)
			b.ReportMetric(ratio(off.load.replicaBusy, r.load.replicaBusy), "cpu-factor-"+m.name)
		}
	}
}
