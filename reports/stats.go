package reports

import (
	"slices"
	"time"
)

// Percentiles summarises a set of latencies.
type Percentiles struct {
	Count                     int
	Mean, P50, P90, P99, P999 time.Duration
	Max                       time.Duration
}

// sortedLatencies returns the latencies of samples, sorted ascending.
func sortedLatencies(samples []LatencySample) []time.Duration {
	ls := make([]time.Duration, len(samples))
	for i, s := range samples {
		ls[i] = s.Latency
	}
	slices.Sort(ls)
	return ls
}

// percentilesOf computes percentiles of sorted latencies by the nearest-rank
// method, which always reports a latency that was actually observed.
func percentilesOf(sorted []time.Duration) Percentiles {
	p := Percentiles{Count: len(sorted)}
	if len(sorted) == 0 {
		return p
	}
	var sum float64
	for _, l := range sorted {
		sum += float64(l)
	}
	p.Mean = time.Duration(sum / float64(len(sorted)))
	p.P50 = rank(sorted, 0.50)
	p.P90 = rank(sorted, 0.90)
	p.P99 = rank(sorted, 0.99)
	p.P999 = rank(sorted, 0.999)
	p.Max = sorted[len(sorted)-1]
	return p
}

// rank returns the q-quantile of non-empty sorted latencies.
func rank(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999999) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

// bucket is the latency percentiles of the deliveries in [Start, Start+width).
type bucket struct {
	Start, Width time.Duration
	Percentiles
}

// latencyBuckets splits samples into about n equal buckets of delivery time
// and computes each non-empty bucket's percentiles.
func latencyBuckets(samples []LatencySample, n int) []bucket {
	if len(samples) == 0 || n <= 0 {
		return nil
	}
	lo, hi := samples[0].At, samples[0].At
	for _, s := range samples {
		lo, hi = min(lo, s.At), max(hi, s.At)
	}
	width := (hi - lo) / time.Duration(n)
	if width <= 0 {
		width = 1
	}
	groups := make([][]time.Duration, n+1)
	for _, s := range samples {
		i := min(int((s.At-lo)/width), n)
		groups[i] = append(groups[i], s.Latency)
	}
	var out []bucket
	for i, g := range groups {
		if len(g) == 0 {
			continue
		}
		slices.Sort(g)
		out = append(out, bucket{Start: lo + time.Duration(i)*width, Width: width, Percentiles: percentilesOf(g)})
	}
	return out
}

// cdfPoints returns up to maxPoints (latency, fraction) pairs of the empirical
// CDF of sorted latencies. Thinning keeps SVGs small for millions of
// deliveries; the last point (the maximum) is always kept.
func cdfPoints(sorted []time.Duration, maxPoints int) (xs []time.Duration, ys []float64) {
	n := len(sorted)
	if n == 0 {
		return nil, nil
	}
	step := max(1, n/maxPoints)
	for i := step - 1; i < n; i += step {
		xs = append(xs, sorted[i])
		ys = append(ys, float64(i+1)/float64(n))
	}
	if xs[len(xs)-1] != sorted[n-1] || ys[len(ys)-1] != 1 {
		xs = append(xs, sorted[n-1])
		ys = append(ys, 1)
	}
	return xs, ys
}

// ms converts a duration to float milliseconds, the unit of every latency axis.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// seconds converts a duration to float seconds, the unit of every time axis.
func seconds(d time.Duration) float64 { return d.Seconds() }
