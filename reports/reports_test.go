package reports

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"html"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runFigureCount is how many figures a run report draws: fault timeline,
// acknowledged sends per second, latency over time, latency CDF, connected
// clients, mailbox depth.
const runFigureCount = 6

// syntheticRun is a run with every kind of input, including text that must
// be escaped in HTML.
func syntheticRun() *Run {
	r := &Run{
		Scenario:    "partition-heal",
		Seed:        18446744073709551615, // above 2^53: must survive JSON
		Fingerprint: "9f2c4e1a",
		Version:     "v1.2.3 commit 0123abc",
		Replay:      "go run ./cmd/guildsim run --scenario partition-heal --seed 18446744073709551615",
		Options:     map[string]string{"members": "1000", "loss_ratio": "0.01", "fanout": "relays"},
		Events:      123456,
		Simulated:   60 * time.Second,
		Wall:        1500 * time.Millisecond,
		Verdicts: []Verdict{
			{Checker: "linearizable", Result: ResultIllegal, Detail: `read <x> returned "7" & not 8`, Artifact: "porcupine.html", At: 18 * time.Second},
			{Checker: "delivery", Result: ResultOK},
			{Checker: "liveness", Result: ResultUnknown, Detail: "timed out"},
		},
		Faults: []FaultWindow{
			{Description: "partition node-1 | node-2", Kind: "partition-halves", Nodes: []string{"node-1"}, Start: 10 * time.Second, End: 20 * time.Second},
			{Description: "clock-jump node-3", Kind: "clock-jump", Nodes: []string{"node-3"}, Start: 30 * time.Second},
		},
		Phases: []Phase{
			{PhaseWarmup, 0, 5 * time.Second}, {PhaseSafety, 5 * time.Second, 35 * time.Second},
			{PhaseHeal, 35 * time.Second, 35 * time.Second}, {PhaseLiveness, 35 * time.Second, 55 * time.Second},
			{PhaseFinalReads, 55 * time.Second, 60 * time.Second},
		},
		Counters: []Counter{{Name: "messages_sent", Value: 9000}, {Name: "deliveries", Value: 8000}},
	}
	for i := range 5000 {
		at := time.Duration(i) * 12 * time.Millisecond
		lat := time.Duration(1+i%50) * time.Millisecond
		if at >= 10*time.Second && at < 20*time.Second {
			lat *= 10
		}
		r.Latencies = append(r.Latencies, LatencySample{At: at, Latency: lat})
	}
	for p := range 10 {
		s := Series{Name: "guild-" + string(rune('a'+p))}
		for i := range 60 {
			s.Points = append(s.Points, Point{At: time.Duration(i) * time.Second, Value: float64(p * (i % 7))})
		}
		r.MailboxDepths = append(r.MailboxDepths, s)
	}
	clients := Series{Name: "clients"}
	for i := range 60 {
		v := 1000.0
		if i >= 10 && i < 20 {
			v = 600
		}
		clients.Points = append(clients.Points, Point{At: time.Duration(i) * time.Second, Value: v})
	}
	r.ConnectedClients = []Series{clients}
	// Five acknowledgements a second, none while node-1 is cut off.
	for ms := 0; ms < 60_000; ms += 200 {
		at := time.Duration(ms) * time.Millisecond
		if at < 10*time.Second || at >= 20*time.Second {
			r.AckedAt = append(r.AckedAt, at)
		}
	}
	r.FailedAt = []time.Duration{15 * time.Second, 15*time.Second + time.Millisecond}
	return r
}

func TestWriteRun(t *testing.T) {
	dir := t.TempDir()
	run := syntheticRun()
	rep, err := WriteRun(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Figures) != runFigureCount {
		t.Fatalf("figures: got %d, want %d", len(rep.Figures), runFigureCount)
	}
	for _, f := range rep.Figures {
		if f.Empty {
			t.Errorf("figure %s is empty for a full run", f.Name)
		}
		checkSVG(t, f.SVG)
		checkPNG(t, f.PNG)
	}

	page := readFile(t, rep.HTML)
	checkWellFormed(t, page)
	for _, want := range []string{
		"partition-heal", "18446744073709551615", "9f2c4e1a",
		// The detail is escaped, never raw.
		`read &lt;x&gt; returned &#34;7&#34; &amp; not 8`,
		`<a href="porcupine.html">Porcupine visualisation</a>`,
		`class="Illegal"`, `class="Unknown"`, "FAIL",
		"partition node-1 | node-2", "clock-jump node-3", "instant", "10 s",
		// The violation's instant and the phase it fell in.
		"+18.00 s", "safety phase",
		"messages_sent", "9000",
		// The version and the replay command, in the summary.
		"<th>guildsim version</th><td><code>v1.2.3 commit 0123abc</code>",
		"<th>replay</th><td><code>go run ./cmd/guildsim run --scenario partition-heal --seed 18446744073709551615</code>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(page, `<x>`) {
		t.Error("report.html contains the verdict detail unescaped")
	}
	if got := strings.Count(page, `<tr class="fault">`); got != len(run.Faults) {
		t.Errorf("fault table rows: got %d, want %d", got, len(run.Faults))
	}
	if got := embeddedSVGs(t, page); got != runFigureCount {
		t.Errorf("embedded plots: got %d, want %d", got, runFigureCount)
	}
	// Options are listed sorted by name.
	if a, b, c := strings.Index(page, ">fanout<"), strings.Index(page, ">loss_ratio<"), strings.Index(page, ">members<"); !(a >= 0 && a < b && b < c) {
		t.Errorf("options not sorted: fanout@%d loss_ratio@%d members@%d", a, b, c)
	}
	// Self-contained: nothing is fetched from elsewhere.
	for _, bad := range []string{"http://", "https://", "<script", "<link"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q", bad)
		}
	}

	f, err := os.Open(rep.Summary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadSummary(f)
	if err != nil {
		t.Fatal(err)
	}
	want := Summarize(run, got.Figures)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary.json does not round-trip:\n got %+v\nwant %+v", got, want)
	}
	if got.Seed != "18446744073709551615" || got.Passed || got.Latency.Count != 5000 || len(got.Figures) != 2*runFigureCount {
		t.Errorf("summary: seed %s passed %v count %d figures %d", got.Seed, got.Passed, got.Latency.Count, len(got.Figures))
	}
	if got.Faults[1].EndNs != 0 {
		t.Errorf("instantaneous fault end_ns: got %d, want 0", got.Faults[1].EndNs)
	}
}

func TestWriteRunEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "out")
	rep, err := WriteRun(dir, &Run{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Figures {
		if !f.Empty {
			t.Errorf("figure %s not marked empty", f.Name)
		}
		checkSVG(t, f.SVG)
		checkPNG(t, f.PNG)
	}
	page := readFile(t, rep.HTML)
	checkWellFormed(t, page)
	if got := embeddedSVGs(t, page); got != runFigureCount {
		t.Errorf("embedded plots: got %d, want %d", got, runFigureCount)
	}
	for _, want := range []string{"No deliveries were recorded", "No checkers ran", "No faults were injected", "PASS", "(no data)"} {
		if !strings.Contains(page, want) {
			t.Errorf("empty report.html lacks %q", want)
		}
	}
	js := readFile(t, rep.Summary)
	for _, want := range []string{`"verdicts": []`, `"faults": []`, `"counters": []`, `"options": {}`, `"schema_version": 2`, `"pass": true`} {
		if !strings.Contains(js, want) {
			t.Errorf("empty summary.json lacks %s:\n%s", want, js)
		}
	}
}

// TestWriteRunOneSample covers degenerate ranges: one delivery, one point,
// a fault with no samples around it.
func TestWriteRunOneSample(t *testing.T) {
	r := &Run{
		Latencies:        []LatencySample{{At: time.Second, Latency: time.Millisecond}},
		MailboxDepths:    []Series{{Name: "only", Points: []Point{{At: 0, Value: 3}}}, {Name: "empty"}},
		ConnectedClients: []Series{{Name: "c", Points: []Point{{At: 0, Value: 0}}}},
		Faults:           []FaultWindow{{Description: "jump", Start: 5 * time.Second}},
	}
	if _, err := WriteRun(t.TempDir(), r); err != nil {
		t.Fatal(err)
	}
}

func TestReadSummaryRejectsOtherVersion(t *testing.T) {
	if _, err := ReadSummary(strings.NewReader(`{"schema_version": 99}`)); err == nil {
		t.Fatal("ReadSummary accepted schema_version 99")
	}
}

func TestPercentiles(t *testing.T) {
	var ls []time.Duration
	for i := 1; i <= 100; i++ {
		ls = append(ls, time.Duration(i))
	}
	q := percentilesOf(ls)
	if q.P50 != 50 || q.P90 != 90 || q.P99 != 99 || q.P999 != 100 || q.Max != 100 || q.Count != 100 {
		t.Errorf("got %+v", q)
	}
	if q := percentilesOf(nil); q != (Percentiles{}) {
		t.Errorf("empty: got %+v", q)
	}
	xs, ys := cdfPoints(ls, 10)
	if len(xs) != 10 || xs[len(xs)-1] != 100 || ys[len(ys)-1] != 1 {
		t.Errorf("cdf: %v %v", xs, ys)
	}
}

// embeddedSVGs decodes the data: URIs of page's images and counts those
// that hold an SVG.
func embeddedSVGs(t *testing.T, page string) int {
	t.Helper()
	n := 0
	for _, m := range regexp.MustCompile(`src="data:image/svg(?:\+|&#43;)xml;base64,([^"]*)"`).FindAllStringSubmatch(page, -1) {
		b, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
		if err != nil {
			t.Errorf("embedded plot: %v", err)
			continue
		}
		if bytes.Contains(b, []byte("<svg")) && bytes.Contains(b, []byte("</svg>")) {
			n++
		}
	}
	return n
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkSVG(t *testing.T, path string) {
	t.Helper()
	s := readFile(t, path)
	if !strings.HasPrefix(s, "<?xml") && !strings.HasPrefix(s, "<svg") {
		t.Errorf("%s does not start like an SVG: %.40q", path, s)
	}
	if !strings.Contains(s, "</svg>") {
		t.Errorf("%s is not a complete SVG", path)
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("%s: image %v too small", path, b)
	}
}

// checkWellFormed checks that page parses as (non-strict) XML, which our
// templates keep it to: tags balance and entities are valid. It is a stand-in
// for an HTML parser, which this module does not depend on.
func checkWellFormed(t *testing.T, page string) {
	t.Helper()
	if !strings.HasPrefix(page, "<!DOCTYPE html>") {
		t.Errorf("page does not start with a doctype")
	}
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = false
	d.AutoClose = append(xml.HTMLAutoClose, "meta", "img", "br")
	d.Entity = xml.HTMLEntity
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("page does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1] != tok.Name.Local {
				t.Fatalf("unbalanced </%s> (open: %v)", tok.Name.Local, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed elements: %v", stack)
	}
	if !bytes.Contains([]byte(page), []byte("</html>")) {
		t.Error("page lacks </html>")
	}
}
