package reports

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/plotter"
)

// svgFill is how gonum's SVG writer spells a fill colour.
func svgFill(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("fill:#%02X%02X%02X", r>>8, g>>8, b>>8)
}

func svgStroke(c color.Color) string {
	return strings.Replace(svgFill(c), "fill:", "stroke:", 1)
}

func figureByName(t *testing.T, rep *RunReport, name string) string {
	t.Helper()
	for _, f := range rep.Figures {
		if f.Name == name {
			return readFile(t, f.SVG)
		}
	}
	t.Fatalf("no figure %s", name)
	return ""
}

// TestFaultTimelineLanesAndBars: one lane per node a fault hit, named on
// the axis, and one bar per fault per node it hit, in its kind's colour
// (plus the kind's legend swatch). Overlapping faults on one node get rows
// of their own.
func TestFaultTimelineLanesAndBars(t *testing.T) {
	r := &Run{
		Simulated: 60 * time.Second,
		Faults: []FaultWindow{
			{Kind: "crash", Nodes: []string{"store-1"}, Start: 10 * time.Second, End: 14 * time.Second},
			{Kind: "crash", Nodes: []string{"store-2"}, Start: 12 * time.Second, End: 30 * time.Second},
			{Kind: "partition-halves", Nodes: []string{"gateway-0", "store-1"}, Start: 11 * time.Second, End: 16 * time.Second},
			{Kind: "clock-jump", Nodes: []string{"gateway-10"}, Start: 20 * time.Second},
			{Kind: "disk-slow", Nodes: []string{"gateway-0"}, Start: 40 * time.Second, End: 41 * time.Second},
		},
	}
	lanes := map[string]bool{}
	bars := map[string]int{}
	for _, f := range r.Faults {
		for _, n := range f.Nodes {
			lanes[n] = true
		}
		bars[f.Kind] += len(f.Nodes)
	}
	rep, err := WriteRun(t.TempDir(), r)
	if err != nil {
		t.Fatal(err)
	}
	svg := figureByName(t, rep, FigureFaultTimeline)
	for lane := range lanes {
		if got := strings.Count(svg, ">"+lane+"</text>"); got != 1 {
			t.Errorf("lane %s named %d times on the axis, want once", lane, got)
		}
	}
	for kind, n := range bars {
		if got := strings.Count(svg, svgFill(kindColor(kind))); got != n+1 {
			t.Errorf("kind %s: %d shapes in its colour, want %d bars and a legend swatch", kind, got, n)
		}
	}

	g := layoutFaults(r.Faults, 0.1)
	if len(g.lanes) != len(lanes) {
		t.Fatalf("layout: %d lanes, want %d", len(g.lanes), len(lanes))
	}
	var names []string
	for _, l := range g.lanes {
		names = append(names, l.name)
		if l.name == "store-1" && l.n != 2 {
			t.Errorf("store-1: crash and partition overlap, want 2 rows, got %d", l.n)
		}
		if l.name == "gateway-0" && l.n != 1 {
			t.Errorf("gateway-0: faults apart in time share a row, got %d rows", l.n)
		}
	}
	// gateway-10 after gateway-0 and before store-1: numbers compare as numbers.
	if want := "gateway-0 gateway-10 store-1 store-2"; strings.Join(names, " ") != want {
		t.Errorf("lane order %q, want %q", strings.Join(names, " "), want)
	}
	seen := map[[2]int]bool{}
	for _, b := range g.bars {
		key := [2]int{b.fault, b.row}
		if seen[key] {
			t.Errorf("fault %d twice on row %d", b.fault, b.row)
		}
		seen[key] = true
	}
}

// TestGapsAreGaps: a stretch with no acknowledgement splits the line, and
// the SVG draws one line per stretch with acknowledgements.
func TestGapsAreGaps(t *testing.T) {
	xys := plotter.XYs{{X: 0.5, Y: 3}, {X: 1.5, Y: 4}, {X: 7.5, Y: 2}, {X: 8.5, Y: 2}, {X: 20.5, Y: 1}}
	segs := segments(xys, func(a, b plotter.XY) bool { return b.X-a.X > 1.5 })
	if len(segs) != 3 || len(segs[0]) != 2 || len(segs[1]) != 2 || len(segs[2]) != 1 {
		t.Fatalf("segments: got %v, want [2 points] [2 points] [1 point]", segs)
	}

	r := &Run{Simulated: 30 * time.Second}
	// Two acknowledgements a second, none in [10 s, 20 s).
	for ms := 0; ms < 30_000; ms += 500 {
		if at := time.Duration(ms) * time.Millisecond; at < 10*time.Second || at >= 20*time.Second {
			r.AckedAt = append(r.AckedAt, at)
		}
	}
	rep, err := WriteRun(t.TempDir(), r)
	if err != nil {
		t.Fatal(err)
	}
	svg := figureByName(t, rep, FigureAckedPerSecond)
	// Two segments and the legend's sample line.
	if got := strings.Count(svg, svgStroke(ackedColor)); got != 2+1 {
		t.Errorf("acknowledged lines: got %d strokes, want 2 segments and a legend line", got)
	}
}

// TestPhasesAndViolationOnEveryTimeAxis: every time plot names the
// phases above it and draws the first violation as a red line; the
// timeline writes the checker's name and instant beside it.
func TestPhasesAndViolationOnEveryTimeAxis(t *testing.T) {
	run := syntheticRun()
	rep, err := WriteRun(t.TempDir(), run)
	if err != nil {
		t.Fatal(err)
	}
	timePlots := []string{FigureFaultTimeline, FigureAckedPerSecond, FigureLatencyOverTime, FigureConnectedClients, FigureMailboxDepth}
	for _, name := range timePlots {
		svg := figureByName(t, rep, name)
		for _, phase := range []string{PhaseSafety, PhaseHeal, PhaseLiveness} {
			if !strings.Contains(svg, ">"+phase+"</text>") {
				t.Errorf("%s does not name the %s phase", name, phase)
			}
		}
		if !strings.Contains(svg, svgStroke(violationColor)) {
			t.Errorf("%s has no violation line", name)
		}
	}
	v := run.Verdicts[0]
	label := fmt.Sprintf("%s +%s", v.Checker, secondsLabel(v.At.Seconds()))
	if svg := figureByName(t, rep, FigureFaultTimeline); !strings.Contains(svg, label) {
		t.Errorf("timeline lacks the violation's label %q", label)
	}
	// The CDF is not a time plot.
	if svg := figureByName(t, rep, FigureLatencyCDF); strings.Contains(svg, ">"+PhaseSafety+"</text>") {
		t.Error("the latency CDF names phases")
	}
}

// TestLatencyPercentilesDistinct: p50, p99 and max each have their own
// legend entry and their own stroke in the latency plot, even where they
// coincide; the CDF names each quantile with its value.
func TestLatencyPercentilesDistinct(t *testing.T) {
	run := syntheticRun()
	rep, err := WriteRun(t.TempDir(), run)
	if err != nil {
		t.Fatal(err)
	}
	svg := figureByName(t, rep, FigureLatencyOverTime)
	for _, ps := range percentileStyles {
		if !strings.Contains(svg, ">"+ps.name+"</text>") {
			t.Errorf("latency over time: no legend entry %s", ps.name)
		}
		if !strings.Contains(svg, svgStroke(ps.line.Color)) {
			t.Errorf("latency over time: no %s line", ps.name)
		}
	}
	q := percentilesOf(sortedLatencies(run.Latencies))
	cdf := figureByName(t, rep, FigureLatencyCDF)
	for name, d := range map[string]time.Duration{"p50": q.P50, "p99": q.P99, "max": q.Max} {
		if want := name + " " + humanDuration(d); !strings.Contains(cdf, want) {
			t.Errorf("CDF lacks %q", want)
		}
	}
	// A log axis: the labels of the CDF's latency axis are powers of ten.
	if !strings.Contains(cdf, ">10 ms</text>") {
		t.Error("CDF: no 10 ms tick")
	}
}

// TestPorcupineLinksBack: an HTML artifact in the report folder gets one
// link back to report.html, even when the report is written twice.
func TestPorcupineLinksBack(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "artifacts"), 0o755); err != nil {
		t.Fatal(err)
	}
	page := "<html><head></head><body class=\"x\"><p>history</p></body></html>"
	for _, name := range []string{"porcupine.html", "artifacts/porcupine-2.html"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := &Run{Verdicts: []Verdict{
		{Checker: "porcupine", Result: ResultIllegal, Artifact: "porcupine.html"},
		{Checker: "other", Result: ResultIllegal, Artifact: "artifacts/porcupine-2.html"},
	}}
	for range 2 {
		if _, err := WriteRun(dir, run); err != nil {
			t.Fatal(err)
		}
	}
	for name, href := range map[string]string{"porcupine.html": "report.html", "artifacts/porcupine-2.html": "../report.html"} {
		got := readFile(t, filepath.Join(dir, name))
		if n := strings.Count(got, `href="`+href+`"`); n != 1 {
			t.Errorf("%s: %d links to %s, want 1:\n%s", name, n, href, got)
		}
		if !strings.Contains(got, "<p>history</p>") || strings.Index(got, href) < strings.Index(got, "<body") {
			t.Errorf("%s: link not after <body> or page damaged:\n%s", name, got)
		}
	}
}

// TestVerdictWrapsAndLinkShows: a verdict of one unbroken 2000-character
// word still leaves its artifact link in the page's first box, and the
// page's style wraps long words.
func TestVerdictWrapsAndLinkShows(t *testing.T) {
	long := strings.Repeat("1456074615922229248,", 100)
	run := &Run{Verdicts: []Verdict{{Checker: "porcupine", Result: ResultIllegal, Detail: long, Artifact: "porcupine-channel-3.html", At: 31 * time.Second}}}
	rep, err := WriteRun(t.TempDir(), run)
	if err != nil {
		t.Fatal(err)
	}
	page := readFile(t, rep.HTML)
	box := page[strings.Index(page, `id="incident"`):]
	box = box[:strings.Index(box, "</div>")]
	if !strings.Contains(box, `<a href="porcupine-channel-3.html">Porcupine visualisation</a>`) {
		t.Errorf("incident box lacks the artifact link:\n%s", box)
	}
	if strings.Contains(box, long) {
		t.Error("incident box repeats the long detail")
	}
	if !regexp.MustCompile(`pre \{[^}]*overflow-wrap: anywhere`).MatchString(page) {
		t.Error("verdict text does not wrap long words")
	}
}

// TestFocusScale: the time axis stays monotonic and continuous across the
// focus, and the focus takes focusShare of the width.
func TestFocusScale(t *testing.T) {
	s := focusScale{focus: 50}
	prev := -1.0
	for x := 0.0; x <= 200; x += 0.5 {
		n := s.Normalize(0, 200, x)
		if n < prev || n < 0 || n > 1 {
			t.Fatalf("Normalize(%v) = %v after %v", x, n, prev)
		}
		prev = n
	}
	if got := s.Normalize(0, 200, 50); got != focusShare {
		t.Errorf("focus at %v of the width, want %v", got, focusShare)
	}
	if got := (focusScale{focus: 300}).Normalize(0, 200, 100); got != 0.5 {
		t.Errorf("focus beyond the range: got %v, want linear 0.5", got)
	}
}

func TestHumanNumbers(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{humanDuration(9 * time.Second), "9.0 s"},
		{humanDuration(261040139 * time.Nanosecond), "261 ms"},
		{humanDuration(5700524 * time.Nanosecond), "5.7 ms"},
		{humanDuration(13801954734 * time.Nanosecond), "14 s"},
		{humanDuration(830 * time.Microsecond), "830 µs"},
		{humanRatio(1.0018), "1.00"},
		{humanRatio(0.0021642), "0.00216"},
		{humanRatio(2.8196), "2.82"},
		{humanShare(0.0618), "6.2%"},
		{humanShare(0.154), "15%"},
		{humanShare(0.0000312), "0.0031%"},
		{thousands(100000), "100,000"},
		{thousands(999), "999"},
		{latencyLabel(0.005), "5 µs"},
		{latencyLabel(1000), "1 s"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
