package reports

import (
	"encoding/csv"
	"os"
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
