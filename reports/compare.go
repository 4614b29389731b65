package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// Comparison is the input of a fanout-strategy comparison (guildsim compare):
// one row per (strategy, guild size), and the latency distributions of every
// strategy at the largest size.
type Comparison struct {
	// Title heads compare.html; a default is used when empty.
	Title string
	Rows  []CompareRow
	CDFs  []StrategyLatencies
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
	metric := func(name, title, yLabel string, of func(CompareRow) float64) error {
		return add(drawVsMembers(dir, name, title, yLabel, rows, strategies, of))
	}
	if err := metric(FigureP99VsMembers, "p99 delivery latency vs guild size", "p99 delivery latency (ms)",
		func(r CompareRow) float64 { return ms(r.P99) }); err != nil {
		return nil, err
	}
	if err := add(drawCompareCDF(dir, c.CDFs)); err != nil {
		return nil, err
	}
	if err := metric(FigureMessagesPerDelivery, "Network messages per delivered message", "network messages / delivery",
		func(r CompareRow) float64 { return r.NetworkMessagesPerDelivery }); err != nil {
		return nil, err
	}
	if err := metric(FigureGuildBusyShare, "Guild process busy share", "busy share",
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
	page := comparePage{Title: title, Rows: rows, Figures: embedFigures(figs)}
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
// on a log x axis: sizes span orders of magnitude (1k to 100k members).
func drawVsMembers(dir, name, title, yLabel string, rows []CompareRow, strategies []string, of func(CompareRow) float64) (Figure, error) {
	p := newPlot(title, "guild members (log scale)", yLabel)
	minMembers, maxMembers := math.Inf(1), math.Inf(-1)
	for i, s := range strategies {
		var xys plotter.XYs
		for _, r := range rows {
			// A log axis cannot show a size of zero or less; such rows stay
			// in the CSV and the table.
			if r.Strategy != s || r.Members <= 0 || math.IsNaN(of(r)) || math.IsInf(of(r), 0) {
				continue
			}
			xys = append(xys, plotter.XY{X: float64(r.Members), Y: of(r)})
			minMembers, maxMembers = math.Min(minMembers, float64(r.Members)), math.Max(maxMembers, float64(r.Members))
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
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	// Pad the x range so that a single size still gives a positive range
	// (LogTicks panics on bounds <= 0) and points sit off the frame.
	p.X.Min, p.X.Max = minMembers/1.5, maxMembers*1.5
	p.Y.Min = math.Min(0, p.Y.Min)
	// The metrics grow with guild size, so the top left is the emptiest corner.
	p.Legend.Left = true
	legendHeadroom(p, len(strategies))
	return saveFigure(p, dir, name, false)
}

func drawCompareCDF(dir string, cdfs []StrategyLatencies) (Figure, error) {
	title := "Delivery latency CDF at the largest guild size"
	largest := 0
	for _, c := range cdfs {
		largest = max(largest, c.Members)
	}
	if largest > 0 {
		title = fmt.Sprintf("Delivery latency CDF at %d members", largest)
	}
	p := newPlot(title, "delivery latency (ms)", "fraction of deliveries")
	drawn := 0
	for i, c := range cdfs {
		if len(c.Latencies) == 0 {
			continue
		}
		sorted := slices.Clone(c.Latencies)
		slices.Sort(sorted)
		if err := addLine(p, i, c.Strategy, cdfXYs(sorted)); err != nil {
			return Figure{}, err
		}
		drawn++
	}
	if drawn == 0 {
		return saveEmpty(p, dir, FigureCompareCDF)
	}
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Left = false
	p.Legend.Top = false
	return saveFigure(p, dir, FigureCompareCDF, false)
}

// figuresCSVHeader is the first line of figures.csv. Latencies are given in
// nanoseconds so that no precision is lost; spreadsheets can divide.
var figuresCSVHeader = []string{
	"strategy", "members", "p50_ns", "p99_ns", "max_ns",
	"network_messages_per_delivery", "guild_busy_share",
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
	Title   string
	Rows    []CompareRow
	Figures []embeddedFigure
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

<h2 id="figures">Figures</h2>
{{if .Rows}}<table>
<tr><th>strategy</th><th>members</th><th>p50</th><th>p99</th><th>max</th><th>network messages / delivery</th><th>guild busy share</th></tr>
{{range .Rows}}<tr class="row"><td>{{.Strategy}}</td><td class="num">{{.Members}}</td><td class="num">{{dur .P50}}</td><td class="num">{{dur .P99}}</td><td class="num">{{dur .Max}}</td><td class="num">{{printf "%.2f" .NetworkMessagesPerDelivery}}</td><td class="num">{{printf "%.1f%%" (percent .GuildBusyShare)}}</td></tr>
{{end}}</table>{{else}}<p>No results.</p>{{end}}
<p><a href="` + FiguresCSVFile + `">` + FiguresCSVFile + `</a></p>

<h2 id="plots">Plots</h2>
{{template "figures" .Figures}}
</body>
</html>
`))
