package reports

import (
	"encoding/csv"
	"html"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func syntheticComparison() *Comparison {
	strategies := []string{"direct", "per-node", "relays", "relays+passive"}
	sizes := []int{100000, 1000, 10000} // out of order on purpose
	c := &Comparison{}
	for si, s := range strategies {
		for _, m := range sizes {
			p99 := time.Duration(m/(si+1)) * time.Microsecond
			c.Rows = append(c.Rows, CompareRow{
				Strategy: s, Members: m,
				P50: p99 / 4, P99: p99, Max: 2 * p99,
				NetworkMessagesPerDelivery: 1 + float64(si)/2,
				GuildBusyShare:             float64(m) / 200000 / float64(si+1),
				Messages:                   5, Deliveries: 5 * m, NetworkMessages: int64(5 * m),
			})
		}
		cdf := StrategyLatencies{Strategy: s, Members: 100000}
		for i := range 3000 {
			cdf.Latencies = append(cdf.Latencies, time.Duration((i*7919)%3000*(si+1))*time.Microsecond)
		}
		c.CDFs = append(c.CDFs, cdf)
	}
	return c
}

func TestWriteComparison(t *testing.T) {
	c := syntheticComparison()
	c.Notes = []string{"relays+passive delivers to fewer clients <b>"}
	rep, err := WriteComparison(t.TempDir(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Figures) != 4 {
		t.Fatalf("figures: got %d, want 4", len(rep.Figures))
	}
	for _, f := range rep.Figures {
		if f.Empty {
			t.Errorf("figure %s is empty", f.Name)
		}
		checkSVG(t, f.SVG)
		checkPNG(t, f.PNG)
	}
	page := readFile(t, rep.HTML)
	checkWellFormed(t, page)
	if got := embeddedSVGs(t, page); got != 4 {
		t.Errorf("embedded plots: got %d, want 4", got)
	}
	if got := strings.Count(page, `<tr class="row">`); got != len(c.Rows) {
		t.Errorf("table rows: got %d, want %d", got, len(c.Rows))
	}
	if !strings.Contains(page, "relays&#43;passive") {
		t.Error("compare.html lacks the escaped strategy name relays+passive")
	}
	if !strings.Contains(page, "<p>relays&#43;passive delivers to fewer clients &lt;b&gt;</p>") {
		t.Error("compare.html lacks the note, escaped")
	}

	f, err := os.Open(rep.CSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(figuresCSVHeader, ",") {
		t.Errorf("header: %v", recs[0])
	}
	recs = recs[1:]
	if len(recs) != len(c.Rows) {
		t.Fatalf("csv rows: got %d, want %d (one per strategy and size)", len(recs), len(c.Rows))
	}
	seen := map[string]bool{}
	for _, r := range recs {
		key := r[0] + "/" + r[1]
		if seen[key] {
			t.Errorf("duplicate csv row %s", key)
		}
		seen[key] = true
	}
	// Strategies in the order given, sizes ascending.
	if recs[0][0] != "direct" || recs[0][1] != "1000" || recs[2][1] != "100000" || recs[len(recs)-1][0] != "relays+passive" {
		t.Errorf("csv order: %v", recs)
	}
	if recs[0][3] != "1000000" { // direct at 1000 members: p99 = 1000µs
		t.Errorf("p99_ns of direct/1000: got %s", recs[0][3])
	}
	if recs[0][8] != "5000" || recs[0][10] != "5000" { // deliveries, network_messages
		t.Errorf("counts of direct/1000: got %v", recs[0])
	}
}

func TestWriteComparisonDegenerate(t *testing.T) {
	for name, c := range map[string]*Comparison{
		"empty":      {},
		"one size":   {Rows: []CompareRow{{Strategy: "direct", Members: 1, P99: time.Millisecond}}},
		"zero size":  {Rows: []CompareRow{{Strategy: "direct", Members: 0}}, CDFs: []StrategyLatencies{{Strategy: "direct"}}},
		"one sample": {CDFs: []StrategyLatencies{{Strategy: "direct", Members: 10, Latencies: []time.Duration{5}}}},
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := WriteComparison(t.TempDir(), c)
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, readFile(t, rep.HTML))
			recs, err := csv.NewReader(strings.NewReader(readFile(t, rep.CSV))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1+len(c.Rows) {
				t.Errorf("csv: got %d records, want %d", len(recs), 1+len(c.Rows))
			}
		})
	}
}

// TestCompareConclusion: compare.html opens with one line per guild size
// naming, for each figure, the strategy with the lowest value at that
// size (computed here from the rows given), the strategies whose p99 is
// under the target, and a winner that delivered to fewer clients.
func TestCompareConclusion(t *testing.T) {
	c := syntheticComparison()
	c.LatencyTarget = 20 * time.Millisecond
	// relays+passive delivers to a tenth of the members.
	for i := range c.Rows {
		if c.Rows[i].Strategy == "relays+passive" {
			c.Rows[i].Deliveries /= 10
		}
	}
	rep, err := WriteComparison(t.TempDir(), c)
	if err != nil {
		t.Fatal(err)
	}
	page := readFile(t, rep.HTML)
	lines := regexp.MustCompile(`(?s)<li class="conclusion-line">(.*?)</li>`).FindAllStringSubmatch(page, -1)
	sizes := map[int]bool{}
	for _, r := range c.Rows {
		sizes[r.Members] = true
	}
	if len(lines) != len(sizes) {
		t.Fatalf("conclusion lines: got %d, want one per size (%d)", len(lines), len(sizes))
	}
	if strings.Index(page, `id="conclusion"`) > strings.Index(page, `<table`) {
		t.Error("the conclusion is not above the table")
	}
	for _, l := range lines {
		line := html.UnescapeString(l[1])
		var size int
		for m := range sizes {
			if strings.HasPrefix(line, "<b>"+thousands(m)+" members</b>") {
				size = m
			}
		}
		if size == 0 {
			t.Fatalf("conclusion line names no size: %s", line)
		}
		best := func(of func(CompareRow) float64) CompareRow {
			var b CompareRow
			for _, r := range c.Rows {
				if r.Members == size && (b.Strategy == "" || of(r) < of(b)) {
					b = r
				}
			}
			return b
		}
		p99 := best(func(r CompareRow) float64 { return float64(r.P99) })
		net := best(func(r CompareRow) float64 { return r.NetworkMessagesPerDelivery })
		cpu := best(func(r CompareRow) float64 { return r.GuildBusyShare })
		for _, want := range []string{
			"lowest p99: <b>" + p99.Strategy + "</b> " + humanDuration(p99.P99),
			"fewest network messages per delivery: <b>" + net.Strategy + "</b> " + humanRatio(net.NetworkMessagesPerDelivery),
			"least guild CPU: <b>" + cpu.Strategy + "</b> " + humanShare(cpu.GuildBusyShare),
		} {
			if !strings.Contains(line, want) {
				t.Errorf("%d members: line lacks %q:\n%s", size, want, line)
			}
		}
		if p99.Strategy == "relays+passive" && !strings.Contains(line, humanDuration(p99.P99)+" (delivers to fewer clients)") {
			t.Errorf("%d members: the p99 winner delivers to fewer clients and the line does not say so:\n%s", size, line)
		}
		var under []string
		for _, r := range sortedRows(c.Rows) {
			if r.Members == size && r.P99 < c.LatencyTarget {
				under = append(under, r.Strategy)
			}
		}
		want := "none"
		if len(under) > 0 {
			want = strings.Join(under, ", ")
		}
		if !strings.Contains(line, "p99 under the "+humanDuration(c.LatencyTarget)+" target: "+want+".") {
			t.Errorf("%d members: line does not name %q under the target:\n%s", size, want, line)
		}
	}
	// The target is drawn on both latency figures.
	for _, f := range rep.Figures {
		svg := readFile(t, f.SVG)
		drawn := strings.Contains(svg, ">20 ms target</text>")
		if latency := f.Name == FigureP99VsMembers || f.Name == FigureCompareCDF; drawn != latency {
			t.Errorf("%s: target drawn %v, want %v", f.Name, drawn, latency)
		}
	}
}

// TestCompareConclusionTie: strategies equal at the precision shown are
// named together, and the runner-up is the first that differs.
func TestCompareConclusionTie(t *testing.T) {
	rows := []CompareRow{
		{Strategy: "a", Members: 10, P99: 31 * time.Millisecond, NetworkMessagesPerDelivery: 1, GuildBusyShare: 0.5},
		{Strategy: "b", Members: 10, P99: 31*time.Millisecond + 100*time.Microsecond, NetworkMessagesPerDelivery: 2, GuildBusyShare: 0.5},
		{Strategy: "c", Members: 10, P99: 40 * time.Millisecond, NetworkMessagesPerDelivery: 3, GuildBusyShare: 0.4},
	}
	got := conclude(rows, 0)
	if len(got) != 1 {
		t.Fatalf("got %d lines, want 1", len(got))
	}
	p99 := got[0].Metrics[0]
	if strings.Join(p99.Winners, ",") != "a,b" || p99.Next != "c "+humanDuration(rows[2].P99) {
		t.Errorf("p99: winners %v next %q, want a and b tied, c next", p99.Winners, p99.Next)
	}
	if cpu := got[0].Metrics[2]; strings.Join(cpu.Winners, ",") != "c" {
		t.Errorf("cpu: winners %v, want c", cpu.Winners)
	}
	if got[0].UnderTarget != nil {
		t.Errorf("no target, yet strategies under it: %v", got[0].UnderTarget)
	}
}
