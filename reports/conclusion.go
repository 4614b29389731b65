package reports

import (
	"slices"
	"strconv"
	"time"
)

// conclusion is one guild size's line at the top of compare.html: which
// strategy wins on each figure, and which meet the latency target.
type conclusion struct {
	Members     int
	Metrics     []metricWinner
	UnderTarget []string
}

// metricWinner is the best strategy (or strategies, tied at the precision
// shown) on one figure at one size, with the runner-up for scale.
type metricWinner struct {
	Metric  string
	Winners []string
	Value   string // the winners' figure, as shown
	Next    string // "per-node 34 ms"; empty with one strategy
	// Fewer is set when a winner delivered MESSAGE_CREATE to fewer
	// clients than another strategy at this size (a passive strategy):
	// its per-delivery figures are not like for like.
	Fewer bool
}

// compareMetrics are the figures the conclusion judges, lower is better,
// each formatted as the table shows it so that a tie is what a reader
// would call one.
var compareMetrics = []struct {
	name   string
	of     func(CompareRow) float64
	format func(CompareRow) string
}{
	{"lowest p99", func(r CompareRow) float64 { return float64(r.P99) }, func(r CompareRow) string { return humanDuration(r.P99) }},
	{"fewest network messages per delivery", func(r CompareRow) float64 { return r.NetworkMessagesPerDelivery },
		func(r CompareRow) string { return humanRatio(r.NetworkMessagesPerDelivery) }},
	{"least guild CPU", func(r CompareRow) float64 { return r.GuildBusyShare }, func(r CompareRow) string { return humanShare(r.GuildBusyShare) }},
}

// conclude judges rows (sorted by sortedRows) size by size, smallest size
// first. A target of zero names no strategies under it.
func conclude(rows []CompareRow, target time.Duration) []conclusion {
	var sizes []int
	for _, r := range rows {
		if !slices.Contains(sizes, r.Members) {
			sizes = append(sizes, r.Members)
		}
	}
	slices.Sort(sizes)
	var out []conclusion
	for _, size := range sizes {
		var at []CompareRow
		mostDeliveries := 0
		for _, r := range rows {
			if r.Members == size {
				at = append(at, r)
				mostDeliveries = max(mostDeliveries, r.Deliveries)
			}
		}
		c := conclusion{Members: size}
		for _, m := range compareMetrics {
			byValue := slices.Clone(at)
			slices.SortStableFunc(byValue, func(a, b CompareRow) int {
				va, vb := m.of(a), m.of(b)
				switch {
				case va < vb:
					return -1
				case va > vb:
					return 1
				}
				return 0
			})
			best := m.format(byValue[0])
			w := metricWinner{Metric: m.name, Value: best}
			for _, r := range byValue {
				if m.format(r) != best {
					w.Next = r.Strategy + " " + m.format(r)
					break
				}
				w.Winners = append(w.Winners, r.Strategy)
				w.Fewer = w.Fewer || r.Deliveries < mostDeliveries
			}
			c.Metrics = append(c.Metrics, w)
		}
		if target > 0 {
			for _, r := range at {
				if r.P99 > 0 && r.P99 < target {
					c.UnderTarget = append(c.UnderTarget, r.Strategy)
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// thousands writes n with thousands separators: 100,000.
func thousands(n int) string { return thousands64(int64(n)) }

func thousands64(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
