package reports

import (
	"cmp"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// Figure names of a run report; each is written as name.svg and name.png.
const (
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

// runFigures draws the four plots of a run report into dir.
// sorted holds r's latencies sorted ascending.
func runFigures(dir string, r *Run, sorted []time.Duration) ([]Figure, error) {
	draws := []func(string, *Run, []time.Duration) (Figure, error){
		drawLatencyCDF, drawLatencyOverTime, drawMailboxDepth, drawConnectedClients,
	}
	figs := make([]Figure, 0, len(draws))
	for _, draw := range draws {
		f, err := draw(dir, r, sorted)
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

func drawLatencyCDF(dir string, _ *Run, sorted []time.Duration) (Figure, error) {
	p := newPlot("Delivery latency CDF", "delivery latency (ms)", "fraction of deliveries")
	if len(sorted) == 0 {
		return saveEmpty(p, dir, FigureLatencyCDF)
	}
	if err := addLine(p, 0, "", cdfXYs(sorted)); err != nil {
		return Figure{}, err
	}
	p.Y.Min, p.Y.Max = 0, 1
	p.X.Tick.Marker, p.Y.Tick.Marker = plainTicks{}, plainTicks{}
	return saveFigure(p, dir, FigureLatencyCDF, false)
}

func cdfXYs(sorted []time.Duration) plotter.XYs {
	xs, ys := cdfPoints(sorted, maxCDFPoints)
	xys := make(plotter.XYs, len(xs))
	for i := range xs {
		xys[i] = plotter.XY{X: ms(xs[i]), Y: ys[i]}
	}
	return xys
}

func drawLatencyOverTime(dir string, r *Run, _ []time.Duration) (Figure, error) {
	p := newPlot("Delivery latency over time", timeAxis, "delivery latency (ms)")
	buckets := latencyBuckets(r.Latencies, latencyBucketCount)
	if len(buckets) == 0 {
		return saveEmpty(p, dir, FigureLatencyOverTime)
	}
	shadeFaults(p, r.Faults)
	lines := []struct {
		name string
		of   func(Percentiles) time.Duration
	}{
		{"p50", func(q Percentiles) time.Duration { return q.P50 }},
		{"p99", func(q Percentiles) time.Duration { return q.P99 }},
		{"max", func(q Percentiles) time.Duration { return q.Max }},
	}
	for i, l := range lines {
		xys := make(plotter.XYs, len(buckets))
		for j, b := range buckets {
			// Drawn at the bucket's middle, so that a rise lines up with
			// the fault window that caused it rather than leading it.
			xys[j] = plotter.XY{X: seconds(b.Start + b.Width/2), Y: ms(l.of(b.Percentiles))}
		}
		if err := addLine(p, i, l.name, xys); err != nil {
			return Figure{}, err
		}
	}
	p.Y.Min = 0
	timeAxes(p, r)
	legendHeadroom(p, len(lines)+min(1, len(r.Faults)))
	return saveFigure(p, dir, FigureLatencyOverTime, false)
}

func drawMailboxDepth(dir string, r *Run, _ []time.Duration) (Figure, error) {
	return drawTimeSeries(dir, r, FigureMailboxDepth, "Mailbox depth of the busiest processes", "messages queued",
		busiest(r.MailboxDepths, maxMailboxSeries))
}

func drawConnectedClients(dir string, r *Run, _ []time.Duration) (Figure, error) {
	return drawTimeSeries(dir, r, FigureConnectedClients, "Connected clients", "clients", nonEmpty(r.ConnectedClients))
}

// drawTimeSeries draws series over the run's time with its fault windows
// shaded (or says there is no data).
func drawTimeSeries(dir string, r *Run, name, title, yLabel string, series []Series) (Figure, error) {
	p := newPlot(title, timeAxis, yLabel)
	if len(series) == 0 {
		return saveEmpty(p, dir, name)
	}
	shadeFaults(p, r.Faults)
	if err := addSeries(p, series); err != nil {
		return Figure{}, err
	}
	p.Y.Min = 0
	timeAxes(p, r)
	legendHeadroom(p, len(series)+min(1, len(r.Faults)))
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
