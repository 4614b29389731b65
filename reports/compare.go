package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Comparison is the input of a fanout-strategy comparison (guildsim compare):
// one row per (strategy, guild size), and the latency distributions of every
// strategy at the largest size.
type Comparison struct {
	// Title heads compare.html; a default is used when empty.
	Title string
	// Notes are paragraphs printed above the figures: the workload, and
	// how to read a figure whose rows are not alike (a strategy that
	// delivers to fewer clients).
	Notes []string
	Rows  []CompareRow
	CDFs  []StrategyLatencies
	// LatencyTarget is the delivery latency the fanout should keep its
	// p99 under: drawn as a line on the latency figures, and the
	// conclusion names the strategies that meet it. Zero: no target.
	LatencyTarget time.Duration
}

// CompareRow is the outcome of one strategy at one guild size.
type CompareRow struct {
	Strategy string
	Members  int
	P50      time.Duration
	P99      time.Duration
	Max      time.Duration
	// NetworkMessagesPerDelivery is messages put on the network divided by
	// messages delivered to clients: the cost of the fanout.
	NetworkMessagesPerDelivery float64
	// GuildBusyShare is the fraction of simulated time the guild process spent
	// working, in [0, 1]: how close the strategy is to saturating it.
	GuildBusyShare float64

	// The counts behind the ratios, so that a reader can recompute them and
	// compare strategies that deliver to different numbers of clients:
	// messages posted, MESSAGE_CREATE deliveries, unread notifications
	// (CHANNEL_UNREAD, for clients that did not get the message itself),
	// network messages, the guild's busy time and the span it is divided by.
	Messages            int
	Deliveries          int
	UnreadNotifications int
	NetworkMessages     int64
	GuildBusy           time.Duration
	Span                time.Duration
}

// StrategyLatencies holds one strategy's delivery latencies at one size.
type StrategyLatencies struct {
	Strategy  string
	Members   int
	Latencies []time.Duration
}

// Figure and file names of a comparison report.
const (
	FigureP99VsMembers        = "p99-vs-members"
	FigureCompareCDF          = "latency-cdf-largest"
	FigureMessagesPerDelivery = "messages-per-delivery"
	FigureGuildBusyShare      = "guild-busy-share"
	CompareHTMLFile           = "compare.html"
	FiguresCSVFile            = "figures.csv"
)

// ComparisonReport lists what WriteComparison wrote.
type ComparisonReport struct {
	Dir     string
	HTML    string
	CSV     string
	Figures []Figure
}

// WriteComparison writes compare.html, figures.csv and the comparison plots
// as SVG and PNG into dir, creating dir if needed.
func WriteComparison(dir string, c *Comparison) (*ComparisonReport, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	rows := sortedRows(c.Rows)
	strategies := strategiesOf(rows)

	var figs []Figure
	add := func(f Figure, err error) error {
		figs = append(figs, f)
		return err
	}
	// Every metric is drawn on a log y axis too: strategies differ by orders
	// of magnitude (a p99 of milliseconds beside one of seconds, 0.0002
	// network messages per delivery beside 1), and on a linear axis all but
	// the worst would lie flat on zero.
	metric := func(name, title, yLabel string, of func(CompareRow) float64) error {
		return add(drawVsMembers(dir, name, title, yLabel, rows, strategies, of, vsOptions{}))
	}
	if err := add(drawVsMembers(dir, FigureP99VsMembers, "p99 delivery latency vs guild size", "p99 delivery latency (log scale)",
		rows, strategies, func(r CompareRow) float64 { return ms(r.P99) },
		vsOptions{target: ms(c.LatencyTarget), label: latencyLabel})); err != nil {
		return nil, err
	}
	if err := add(drawCompareCDF(dir, c.CDFs, strategies, c.LatencyTarget)); err != nil {
		return nil, err
	}
	if err := metric(FigureMessagesPerDelivery, "Network messages per delivered message", "network messages / delivery (log scale)",
		func(r CompareRow) float64 { return r.NetworkMessagesPerDelivery }); err != nil {
		return nil, err
	}
	if err := metric(FigureGuildBusyShare, "Guild process busy share", "busy share (log scale)",
		func(r CompareRow) float64 { return r.GuildBusyShare }); err != nil {
		return nil, err
	}

	rep := &ComparisonReport{
		Dir:     dir,
		HTML:    filepath.Join(dir, CompareHTMLFile),
		CSV:     filepath.Join(dir, FiguresCSVFile),
		Figures: figs,
	}
	var csvBuf bytes.Buffer
	if err := WriteFiguresCSV(&csvBuf, rows); err != nil {
		return nil, err
	}
	if err := os.WriteFile(rep.CSV, csvBuf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	title := c.Title
	if title == "" {
		title = "guildsim fanout comparison"
	}
	var html bytes.Buffer
	page := comparePage{Title: title, Notes: c.Notes, Rows: rows, Figures: embedFigures(figs),
		Conclusions: conclude(rows, c.LatencyTarget), Target: c.LatencyTarget}
	if err := compareTemplate.Execute(&html, page); err != nil {
		return nil, fmt.Errorf("reports: rendering %s: %w", CompareHTMLFile, err)
	}
	if err := os.WriteFile(rep.HTML, html.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return rep, nil
}

// sortedRows orders rows by strategy in order of first appearance (the order
// the user gave on the command line), then by guild size.
func sortedRows(rows []CompareRow) []CompareRow {
	order := map[string]int{}
	for _, r := range rows {
		if _, ok := order[r.Strategy]; !ok {
			order[r.Strategy] = len(order)
		}
	}
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b CompareRow) int {
		if d := order[a.Strategy] - order[b.Strategy]; d != 0 {
			return d
		}
		return a.Members - b.Members
	})
	return out
}

func strategiesOf(rows []CompareRow) []string {
	var out []string
	for _, r := range rows {
		if !slices.Contains(out, r.Strategy) {
			out = append(out, r.Strategy)
		}
	}
	return out
}

// drawVsMembers plots one metric against guild size, one line per strategy,
// on log x and y axes: sizes span orders of magnitude (1k to 100k members),
// and so do the strategies' figures. A value of zero or less cannot be drawn
// on a log axis; such points stay in the CSV and the table.
// vsOptions are drawVsMembers' extras: a target line at y = target (in the
// metric's unit; 0: none) and how to label the y axis's powers of ten.
type vsOptions struct {
	target float64
	label  func(float64) string
}

func drawVsMembers(dir, name, title, yLabel string, rows []CompareRow, strategies []string, of func(CompareRow) float64, vo vsOptions) (Figure, error) {
	p := newPlot(title, "guild members (log scale)", yLabel)
	minMembers, maxMembers := math.Inf(1), math.Inf(-1)
	minY, maxY := math.Inf(1), math.Inf(-1)
	for i, s := range strategies {
		var xys plotter.XYs
		for _, r := range rows {
			y := of(r)
			if r.Strategy != s || r.Members <= 0 || y <= 0 || math.IsNaN(y) || math.IsInf(y, 0) {
				continue
			}
			xys = append(xys, plotter.XY{X: float64(r.Members), Y: math.Log10(y)})
			minMembers, maxMembers = math.Min(minMembers, float64(r.Members)), math.Max(maxMembers, float64(r.Members))
			minY, maxY = math.Min(minY, y), math.Max(maxY, y)
		}
		if len(xys) == 0 {
			continue
		}
		if err := addPoints(p, i, s, xys); err != nil {
			return Figure{}, err
		}
	}
	if math.IsInf(minMembers, 0) {
		return saveEmpty(p, dir, name)
	}
	entries := len(strategies)
	if vo.target > 0 {
		// The target widens the axis so that it always shows, met or not.
		minY, maxY = math.Min(minY, vo.target), math.Max(maxY, vo.target)
		ty := math.Log10(vo.target)
		l, err := plotter.NewLine(plotter.XYs{{X: minMembers / 1.5, Y: ty}, {X: maxMembers * 1.5, Y: ty}})
		if err != nil {
			return Figure{}, err
		}
		l.LineStyle = targetStyle
		p.Add(l)
		p.Legend.Add(targetName(vo.target, vo.label), l)
		entries++
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	// Pad the x range so that a single size still gives a positive range
	// (LogTicks panics on bounds <= 0) and points sit off the frame.
	p.X.Min, p.X.Max = minMembers/1.5, maxMembers*1.5
	// The y axis is linear in log10 of the value, with ticks labelled as
	// the values: plot.LogScale would do the same, but gonum places a
	// vertical axis label at the linear middle of the range, which on a
	// wide log range is near the top, and shrinks the plot to make room.
	lo, hi := math.Log10(minY), math.Log10(maxY)
	if hi-lo < 1 { // at least a decade, so that a labelled tick shows
		mid := (lo + hi) / 2
		lo, hi = mid-0.5, mid+0.5
	}
	lo, hi = lo-0.15, hi+0.15
	// Room at the top for the legend, drawn inside the top corner.
	used := min(0.4, logLegendLineShare*float64(entries+1))
	p.Y.Min, p.Y.Max = lo, lo+(hi-lo)/(1-used)
	p.Y.Tick.Marker = log10Ticks{top: hi, label: vo.label}
	// The metrics grow with guild size, so the top left is the emptiest corner.
	p.Legend.Left = true
	return saveFigure(p, dir, name, false)
}

// log10Ticks marks an axis whose values are log10 of the data: a labelled
// tick at each power of ten, showing the value it stands for (as label
// says, or plainly), and unlabelled ones at 2-9 times it, up to top (above
// it is the legend's room, where a tick would suggest values that no row
// can have, such as a busy share of 100).
type log10Ticks struct {
	top   float64
	label func(float64) string
}

// Ticks implements plot.Ticker.
func (t log10Ticks) Ticks(min, max float64) []plot.Tick {
	max = math.Min(max, t.top)
	var ticks []plot.Tick
	for e := math.Floor(min); e <= math.Ceil(max); e++ {
		if e >= min && e <= max {
			v := math.Pow10(int(e))
			label := strconv.FormatFloat(v, 'f', -1, 64)
			if t.label != nil {
				label = t.label(v)
			}
			ticks = append(ticks, plot.Tick{Value: e, Label: label})
		}
		for k := 2.0; k < 10; k++ {
			if v := e + math.Log10(k); v >= min && v <= max {
				tick := plot.Tick{Value: v}
				// On a range of less than two decades the powers of ten
				// alone leave one label or none: 2 and 5 times them too.
				if max-min < 2 && (k == 2 || k == 5) {
					tick.Label = strconv.FormatFloat(k*math.Pow10(int(e)), 'f', -1, 64)
					if t.label != nil {
						tick.Label = t.label(k * math.Pow10(int(e)))
					}
				}
				ticks = append(ticks, tick)
			}
		}
	}
	return ticks
}

// targetStyle draws the latency target: a dark dashed line that no
// strategy's colour is mistaken for.
var targetStyle = draw.LineStyle{Color: color.NRGBA{R: 200, G: 0, B: 0, A: 255}, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(6), vg.Points(3)}}

func targetName(target float64, label func(float64) string) string {
	v := strconv.FormatFloat(target, 'f', -1, 64)
	if label != nil {
		v = label(target)
	}
	return v + " target"
}

// logLegendLineShare is the share of a log plot's height one legend line
// takes (as legendHeadroom's for linear plots).
const logLegendLineShare = 0.06

// drawCompareCDF draws each strategy's latency CDF at the largest size, on a
// log latency axis: one strategy's p99 may be a hundred times another's. A
// strategy keeps the colour it has in the other figures (its place in
// strategies). A positive target is drawn as a vertical line.
func drawCompareCDF(dir string, cdfs []StrategyLatencies, strategies []string, target time.Duration) (Figure, error) {
	title := "Delivery latency CDF at the largest guild size"
	largest := 0
	for _, c := range cdfs {
		largest = max(largest, c.Members)
	}
	if largest > 0 {
		title = fmt.Sprintf("Delivery latency CDF at %s members", thousands(largest))
	}
	p := newPlot(title, "delivery latency (log scale)", "fraction of deliveries")
	drawn := 0
	minX, maxX := math.Inf(1), math.Inf(-1)
	for i, c := range cdfs {
		sorted := slices.Clone(c.Latencies)
		slices.Sort(sorted)
		xys, ok := logCDFXYs(sorted)
		if !ok {
			continue
		}
		colour := i
		if j := slices.Index(strategies, c.Strategy); j >= 0 {
			colour = j
		}
		if err := addLine(p, colour, c.Strategy, xys); err != nil {
			return Figure{}, err
		}
		minX, maxX = math.Min(minX, xys[0].X), math.Max(maxX, xys[len(xys)-1].X)
		drawn++
	}
	if drawn == 0 {
		return saveEmpty(p, dir, FigureCompareCDF)
	}
	if target > 0 {
		tx := math.Log10(ms(target))
		minX, maxX = math.Min(minX, tx), math.Max(maxX, tx)
		l, err := plotter.NewLine(plotter.XYs{{X: tx, Y: 0}, {X: tx, Y: 1}})
		if err != nil {
			return Figure{}, err
		}
		l.LineStyle = targetStyle
		p.Add(l)
		p.Legend.Add(targetName(ms(target), latencyLabel), l)
	}
	// At least one decade, so that a labelled tick shows.
	lo, hi := minX-0.15, math.Max(maxX+0.15, minX+1)
	p.X.Min, p.X.Max = lo, hi
	p.X.Tick.Marker = log10Ticks{top: hi, label: latencyLabel}
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = plainTicks{}
	// Fast strategies climb at the left, slow ones at the right: the top
	// left is empty once the fastest has not reached its median yet.
	p.Legend.Left = true
	p.Legend.Top = true
	return saveFigure(p, dir, FigureCompareCDF, false)
}

// figuresCSVHeader is the first line of figures.csv. Latencies are given in
// nanoseconds so that no precision is lost; spreadsheets can divide. The
// counts behind the ratios come after them (added later, at the end, so
// that readers by column position keep working).
var figuresCSVHeader = []string{
	"strategy", "members", "p50_ns", "p99_ns", "max_ns",
	"network_messages_per_delivery", "guild_busy_share",
	"messages", "deliveries", "unread_notifications", "network_messages", "guild_busy_ns", "span_ns",
}

// WriteFiguresCSV writes figures.csv: a header, then one line per row, in
// the order given.
func WriteFiguresCSV(w io.Writer, rows []CompareRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(figuresCSVHeader); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	for _, r := range rows {
		rec := []string{
			r.Strategy,
			strconv.Itoa(r.Members),
			strconv.FormatInt(int64(r.P50), 10),
			strconv.FormatInt(int64(r.P99), 10),
			strconv.FormatInt(int64(r.Max), 10),
			strconv.FormatFloat(r.NetworkMessagesPerDelivery, 'g', -1, 64),
			strconv.FormatFloat(r.GuildBusyShare, 'g', -1, 64),
			strconv.Itoa(r.Messages),
			strconv.Itoa(r.Deliveries),
			strconv.Itoa(r.UnreadNotifications),
			strconv.FormatInt(r.NetworkMessages, 10),
			strconv.FormatInt(int64(r.GuildBusy), 10),
			strconv.FormatInt(int64(r.Span), 10),
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

type comparePage struct {
	Title       string
	Notes       []string
	Rows        []CompareRow
	Figures     []embeddedFigure
	Conclusions []conclusion
	Target      time.Duration
}

var compareTemplate = template.Must(template.New("compare.html").Funcs(funcs).Parse(figuresTemplate + `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>` + pageStyle + `</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .Conclusions}}<div class="conclusion" id="conclusion">
<ul>
{{range .Conclusions}}<li class="conclusion-line"><b>{{thousands .Members}} members</b>:{{range $i, $m := .Metrics}}{{if $i}};{{end}} {{$m.Metric}}: <b>{{join $m.Winners " = "}}</b> {{$m.Value}}{{if $m.Fewer}} (delivers to fewer clients){{end}}{{with $m.Next}} (next {{.}}){{end}}{{end}}{{if $.Target}}; p99 under the {{human $.Target}} target: {{if .UnderTarget}}{{join .UnderTarget ", "}}{{else}}none{{end}}{{end}}.</li>
{{end}}</ul>
<p class="muted">Lower is better on every figure. Where strategies tie at the precision shown, all are named.</p>
</div>{{end}}

<h2 id="figures">Results</h2>
{{if .Rows}}<table class="fit">
<tr><th>strategy</th><th class="num">members</th><th class="num">p50</th><th class="num">p99</th><th class="num">max</th><th class="num">network messages / delivery</th><th class="num">guild busy share</th><th class="num">deliveries</th><th class="num">unread notifications</th><th class="num">network messages</th></tr>
{{range .Rows}}<tr class="row"><td>{{.Strategy}}</td><td class="num">{{thousands .Members}}</td><td class="num">{{human .P50}}</td><td class="num">{{human .P99}}</td><td class="num">{{human .Max}}</td><td class="num">{{ratio .NetworkMessagesPerDelivery}}</td><td class="num">{{share .GuildBusyShare}}</td><td class="num">{{thousands .Deliveries}}</td><td class="num">{{thousands .UnreadNotifications}}</td><td class="num">{{thousands64 .NetworkMessages}}</td></tr>
{{end}}</table>{{else}}<p>No results.</p>{{end}}
<p class="muted">Rounded for reading; <a href="` + FiguresCSVFile + `">` + FiguresCSVFile + `</a> has every digit.</p>

<h2 id="plots">Plots</h2>
{{template "figures" .Figures}}

{{if .Notes}}<h2 id="notes">How these were measured</h2>
{{range .Notes}}<p>{{.}}</p>
{{end}}{{end}}
</body>
</html>
`))
