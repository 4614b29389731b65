package reports

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figure names of a run report; each is written as name.svg and name.png.
const (
	FigureAckedPerSecond   = "acked-per-second"
	FigureLatencyCDF       = "latency-cdf"
	FigureLatencyOverTime  = "latency-over-time"
	FigureMailboxDepth     = "mailbox-depth"
	FigureConnectedClients = "connected-clients"
)

// latencyBucketCount is how many time buckets the percentiles-over-time plot
// uses: fine enough to show a fault's effect, coarse enough that the p99 of a
// bucket rests on more than a handful of deliveries.
const latencyBucketCount = 60

// maxMailboxSeries bounds the processes drawn in the mailbox plot; more lines
// than the palette has colours cannot be told apart.
const maxMailboxSeries = 5

const timeAxis = "simulated time (s)"

// runFigures draws the plots of a run report into dir, in the order a
// reader of an incident asks: what hit when (fault timeline), did work
// stop (acknowledged sends), how slow did it get (latency over time), how
// slow overall (CDF), and the system's own view (connections, mailboxes).
// sorted holds r's latencies sorted ascending.
func runFigures(dir string, r *Run, sorted []time.Duration) ([]Figure, error) {
	tf := newTimeFrame(r)
	draws := []func() (Figure, error){
		func() (Figure, error) { return drawFaultTimeline(dir, r, tf) },
		func() (Figure, error) { return drawAckedPerSecond(dir, r, tf) },
		func() (Figure, error) { return drawLatencyOverTime(dir, r, tf) },
		func() (Figure, error) { return drawLatencyCDF(dir, sorted) },
		func() (Figure, error) {
			return drawTimeSeries(dir, tf, FigureConnectedClients, "Connected clients", "clients", nonEmpty(r.ConnectedClients))
		},
		func() (Figure, error) {
			return drawTimeSeries(dir, tf, FigureMailboxDepth, "Mailbox depth of the busiest processes", "messages queued",
				busiest(r.MailboxDepths, maxMailboxSeries))
		},
	}
	figs := make([]Figure, 0, len(draws))
	for _, draw := range draws {
		f, err := draw()
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// perSecond counts instants per whole second of the run: counts[k] is the
// number in [k s, k+1 s).
func perSecond(instants []time.Duration) []int {
	var counts []int
	for _, at := range instants {
		k := int(max(0, at) / time.Second)
		for k >= len(counts) {
			counts = append(counts, 0)
		}
		counts[k]++
	}
	return counts
}

// segments splits a series into runs of consecutive points, a new run
// wherever gap(prev, next) says the points are not neighbours: a stretch
// without samples is then drawn as a gap, not as a straight line across
// it.
func segments(xys plotter.XYs, gap func(a, b plotter.XY) bool) []plotter.XYs {
	var out []plotter.XYs
	start := 0
	for i := 1; i <= len(xys); i++ {
		if i == len(xys) || gap(xys[i-1], xys[i]) {
			if i > start {
				out = append(out, xys[start:i])
			}
			start = i
		}
	}
	return out
}

// ackedStyle and failedStyle draw the sends per second.
var (
	ackedColor  = color.NRGBA{R: 31, G: 119, B: 180, A: 255}
	failedColor = color.NRGBA{R: 214, G: 39, B: 40, A: 255}
)

func drawAckedPerSecond(dir string, r *Run, tf timeFrame) (Figure, error) {
	p := newPlot("Sends acknowledged per second (no line: none acknowledged that second)", timeAxis, "sends per second")
	acked, failed := perSecond(r.AckedAt), perSecond(r.FailedAt)
	if len(acked) == 0 && len(failed) == 0 {
		return saveEmpty(p, dir, FigureAckedPerSecond)
	}
	tf.background(p)
	var ackXYs plotter.XYs
	for k, n := range acked {
		if n > 0 {
			ackXYs = append(ackXYs, plotter.XY{X: float64(k) + 0.5, Y: float64(n)})
		}
	}
	entries := 0
	segs := segments(ackXYs, func(a, b plotter.XY) bool { return b.X-a.X > 1.5 })
	lineStyle := draw.LineStyle{Color: ackedColor, Width: vg.Points(1.3)}
	for i, seg := range segs {
		l, err := plotter.NewLine(seg)
		if err != nil {
			return Figure{}, fmt.Errorf("acked per second: %w", err)
		}
		l.LineStyle = lineStyle
		p.Add(l)
		if i == 0 {
			p.Legend.Add("acknowledged", l)
			entries++
		}
	}
	if len(ackXYs) > 0 {
		// A dot per second, so that a lone second between two gaps,
		// a segment of one point, still shows.
		s, err := plotter.NewScatter(ackXYs)
		if err != nil {
			return Figure{}, fmt.Errorf("acked per second: %w", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: ackedColor, Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}
		p.Add(s)
	}
	var failXYs plotter.XYs
	for k, n := range failed {
		if n > 0 {
			failXYs = append(failXYs, plotter.XY{X: float64(k) + 0.5, Y: float64(n)})
		}
	}
	if len(failXYs) > 0 {
		s, err := plotter.NewScatter(failXYs)
		if err != nil {
			return Figure{}, fmt.Errorf("failed per second: %w", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: failedColor, Radius: vg.Points(2.5), Shape: draw.CrossGlyph{}}
		p.Add(s)
		p.Legend.Add("failed (rejected or timed out)", s)
		entries++
	}
	entries += tf.foreground(p, true)
	p.Y.Min = 0
	p.Y.Tick.Marker = plainTicks{}
	legendHeadroom(p, entries)
	return saveFigure(p, dir, FigureAckedPerSecond, false)
}

// percentileStyles tell p50, p99 and max apart even where they coincide
// (a bucket of fewer than a hundred deliveries has its max as its p99): max
// is drawn first, light and dotted with triangles; p99 over it, dashed with
// rings; p50 solid.
var percentileStyles = []struct {
	name   string
	of     func(Percentiles) time.Duration
	line   draw.LineStyle
	glyph  draw.GlyphStyle
	marked bool
}{
	{"max", func(q Percentiles) time.Duration { return q.Max },
		draw.LineStyle{Color: color.Gray{Y: 120}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2)}},
		draw.GlyphStyle{Color: color.Gray{Y: 120}, Radius: vg.Points(2.6), Shape: draw.TriangleGlyph{}}, true},
	{"p99", func(q Percentiles) time.Duration { return q.P99 },
		draw.LineStyle{Color: color.NRGBA{R: 230, G: 110, B: 0, A: 255}, Width: vg.Points(1.6), Dashes: []vg.Length{vg.Points(5), vg.Points(2)}},
		draw.GlyphStyle{Color: color.NRGBA{R: 230, G: 110, B: 0, A: 255}, Radius: vg.Points(1.8), Shape: draw.RingGlyph{}}, true},
	{"p50", func(q Percentiles) time.Duration { return q.P50 },
		draw.LineStyle{Color: color.NRGBA{R: 31, G: 119, B: 180, A: 255}, Width: vg.Points(1.8)},
		draw.GlyphStyle{Color: color.NRGBA{R: 31, G: 119, B: 180, A: 255}, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}, true},
}

func drawLatencyOverTime(dir string, r *Run, tf timeFrame) (Figure, error) {
	p := newPlot("Delivery latency over time, per bucket of delivery time (no line: no delivery)", timeAxis, "delivery latency (log scale)")
	buckets := latencyBuckets(r.Latencies, latencyBucketCount)
	if len(buckets) == 0 {
		return saveEmpty(p, dir, FigureLatencyOverTime)
	}
	tf.background(p)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, b := range buckets {
		for _, ps := range percentileStyles {
			if v := ps.of(b.Percentiles); v > 0 {
				lo, hi = math.Min(lo, ms(v)), math.Max(hi, ms(v))
			}
		}
	}
	if math.IsInf(lo, 0) { // every latency zero: nothing a log axis shows
		return saveEmpty(p, dir, FigureLatencyOverTime)
	}
	entries := 0
	for _, ps := range percentileStyles {
		var xys plotter.XYs
		for _, b := range buckets {
			if v := ps.of(b.Percentiles); v > 0 {
				// Drawn at the bucket's middle, so that a rise lines up
				// with the fault that caused it rather than leading it.
				xys = append(xys, plotter.XY{X: seconds(b.Start + b.Width/2), Y: math.Log10(ms(v))})
			}
		}
		width := seconds(buckets[0].Width)
		var entry plot.Thumbnailer
		for _, seg := range segments(xys, func(a, b plotter.XY) bool { return b.X-a.X > 1.5*width }) {
			l, err := plotter.NewLine(seg)
			if err != nil {
				return Figure{}, fmt.Errorf("latency %s: %w", ps.name, err)
			}
			l.LineStyle = ps.line
			p.Add(l)
			entry = l
			if ps.marked {
				s, err := plotter.NewScatter(seg)
				if err != nil {
					return Figure{}, fmt.Errorf("latency %s: %w", ps.name, err)
				}
				s.GlyphStyle = ps.glyph
				p.Add(s)
				entry = legendPair{l, s}
			}
		}
		if entry != nil {
			p.Legend.Add(ps.name, entry)
			entries++
		}
	}
	entries += tf.foreground(p, true)
	logLatencyAxis(&p.Y, lo, hi, entries)
	return saveFigure(p, dir, FigureLatencyOverTime, false)
}

// legendPair shows a line and its glyph in one legend entry.
type legendPair struct{ a, b plot.Thumbnailer }

// Thumbnail implements plot.Thumbnailer.
func (lp legendPair) Thumbnail(c *draw.Canvas) {
	lp.a.Thumbnail(c)
	lp.b.Thumbnail(c)
}

// logLatencyAxis sets an axis whose values are log10 of milliseconds to
// span [lo, hi] ms with at least a decade, room at the top for a legend of
// entries lines, and ticks labelled as latencies ("10 ms", "1 s"). The
// axis holds log10 values rather than using plot.LogScale because gonum
// places a vertical axis label at the linear middle of the range (near the
// top on a wide log range) and shrinks the plot to make room.
func logLatencyAxis(a *plot.Axis, lo, hi float64, entries int) {
	l, h := math.Log10(lo), math.Log10(hi)
	if h-l < 1 {
		mid := (l + h) / 2
		l, h = mid-0.5, mid+0.5
	}
	l, h = l-0.1, h+0.1
	used := min(0.4, logLegendLineShare*float64(entries+1))
	a.Min, a.Max = l, l+(h-l)/(1-used)
	a.Tick.Marker = log10Ticks{top: h, label: latencyLabel}
}

// latencyLabel labels a power of ten of milliseconds as people say it:
// "1 ms", "100 ms", "10 s".
func latencyLabel(msValue float64) string {
	// Six significant figures drop the float noise of 5 * 0.001.
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	switch {
	case msValue >= 1000:
		return f(msValue/1000) + " s"
	case msValue >= 1:
		return f(msValue) + " ms"
	default:
		return f(msValue*1000) + " µs"
	}
}

func drawLatencyCDF(dir string, sorted []time.Duration) (Figure, error) {
	p := newPlot("Delivery latency CDF", "delivery latency (log scale)", "fraction of deliveries")
	xys, ok := logCDFXYs(sorted)
	if !ok {
		return saveEmpty(p, dir, FigureLatencyCDF)
	}
	q := percentilesOf(sorted)
	var marks quantileMarks
	for i, m := range []struct {
		name string
		at   time.Duration
	}{{"p50", q.P50}, {"p99", q.P99}, {"max", q.Max}} {
		if m.at > 0 {
			line := percentileStyles[2-i].line
			line.Width = vg.Points(1)
			marks = append(marks, quantileMark{label: m.name + " " + humanDuration(m.at), x: math.Log10(ms(m.at)), line: line})
		}
	}
	p.Add(marks)
	l, err := plotter.NewLine(xys)
	if err != nil {
		return Figure{}, fmt.Errorf("latency CDF: %w", err)
	}
	l.LineStyle = draw.LineStyle{Color: color.Gray{Y: 30}, Width: vg.Points(1.6)}
	p.Add(l)
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = plainTicks{}
	lo, hi := xys[0].X, xys[len(xys)-1].X
	if hi-lo < 1 {
		mid := (lo + hi) / 2
		lo, hi = mid-0.5, mid+0.5
	}
	p.X.Min, p.X.Max = lo-0.1, hi+0.1
	p.X.Tick.Marker = log10Ticks{top: p.X.Max, label: latencyLabel}
	return saveFigure(p, dir, FigureLatencyCDF, false)
}

// quantileMarks are vertical lines at quantiles of a CDF, each named beside
// it (a legend would sit on the curve wherever it went): low in the plot,
// under a CDF that has climbed by then, each a line higher than the one
// before so that close quantiles stay legible.
type quantileMarks []quantileMark

type quantileMark struct {
	label string
	x     float64
	line  draw.LineStyle
}

// Plot implements plot.Plotter.
func (qm quantileMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(9)
	sty.YAlign = draw.YBottom
	for i, m := range qm {
		x := trX(m.x)
		c.StrokeLine2(m.line, x, c.Min.Y, x, c.Max.Y)
		sty.Color = m.line.Color
		sty.XAlign = draw.XLeft
		lx := x + vg.Points(3)
		if lx+sty.Width(m.label) > c.Max.X {
			sty.XAlign, lx = draw.XRight, x-vg.Points(3)
		}
		y := c.Min.Y + vg.Points(4) + vg.Length(i)*sty.Height(m.label)*1.3
		c.FillText(sty, vg.Point{X: lx, Y: y}, m.label)
	}
}

// logCDFXYs is the CDF of sorted latencies with x = log10 of the latency in
// ms; a latency of zero cannot be drawn on a log axis, but still counts in
// the fractions. ok is false when nothing can be drawn.
func logCDFXYs(sorted []time.Duration) (plotter.XYs, bool) {
	k, _ := slices.BinarySearch(sorted, 1)
	if k == len(sorted) {
		return nil, false
	}
	xys := cdfXYs(sorted[k:])
	for j := range xys {
		xys[j].X = math.Log10(xys[j].X)
		// Fractions of all the deliveries, not only the positive ones.
		xys[j].Y = (float64(k) + xys[j].Y*float64(len(sorted)-k)) / float64(len(sorted))
	}
	return xys, true
}

func cdfXYs(sorted []time.Duration) plotter.XYs {
	xs, ys := cdfPoints(sorted, maxCDFPoints)
	xys := make(plotter.XYs, len(xs))
	for i := range xs {
		xys[i] = plotter.XY{X: ms(xs[i]), Y: ys[i]}
	}
	return xys
}

// drawTimeSeries draws series over the run's time frame (or says there is
// no data).
func drawTimeSeries(dir string, tf timeFrame, name, title, yLabel string, series []Series) (Figure, error) {
	p := newPlot(title, timeAxis, yLabel)
	if len(series) == 0 {
		return saveEmpty(p, dir, name)
	}
	tf.background(p)
	if err := addSeries(p, series); err != nil {
		return Figure{}, err
	}
	entries := len(series) + tf.foreground(p, true)
	p.Y.Min = 0
	p.Y.Tick.Marker = plainTicks{}
	legendHeadroom(p, entries)
	return saveFigure(p, dir, name, false)
}

func saveEmpty(p *plot.Plot, dir, name string) (Figure, error) {
	if err := markNoData(p); err != nil {
		return Figure{}, err
	}
	return saveFigure(p, dir, name, true)
}

func addSeries(p *plot.Plot, series []Series) error {
	for i, s := range series {
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			xys[j] = plotter.XY{X: seconds(pt.At), Y: pt.Value}
		}
		if err := addLine(p, i, s.Name, xys); err != nil {
			return err
		}
	}
	return nil
}

func nonEmpty(series []Series) []Series {
	var out []Series
	for _, s := range series {
		if len(s.Points) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// busiest returns at most n non-empty series, the highest peak first; ties
// keep the caller's order so the plot is the same for the same input.
func busiest(series []Series, n int) []Series {
	out := nonEmpty(series)
	peak := func(s Series) float64 {
		m := s.Points[0].Value
		for _, pt := range s.Points {
			m = max(m, pt.Value)
		}
		return m
	}
	slices.SortStableFunc(out, func(a, b Series) int { return cmp.Compare(peak(b), peak(a)) })
	return out[:min(n, len(out))]
}
