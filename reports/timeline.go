package reports

import (
	"cmp"
	"hash/fnv"
	"image/color"
	"math"
	"slices"
	"strconv"
	"unicode"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// FigureFaultTimeline is the Gantt chart of a run's faults.
const FigureFaultTimeline = "fault-timeline"

// worldLane is the lane of a fault that names no node.
const worldLane = "(world)"

// Timeline geometry: one row of bars is rowHeight tall; the figure is as
// tall as its rows need plus room for title, phase names and axis, and
// never shorter than the other figures.
const (
	rowHeight         = 13 // points
	timelineChrome    = 95 // points: title, phase names, time axis
	barShare          = 0.72
	minBarWidthPoints = 2.5
)

// kindColors gives each fault kind a colour by family, so that a reader
// sees "partitions" or "clock faults" before reading the legend:
// partitions red to purple, link trouble orange, crashes black and grey,
// clocks blue, disks brown. A kind not listed gets a palette colour.
var kindColors = map[string]color.Color{
	"partition-node":   color.NRGBA{R: 214, G: 39, B: 40, A: 255},
	"partition-region": color.NRGBA{R: 255, G: 152, B: 150, A: 255},
	"partition-halves": color.NRGBA{R: 227, G: 119, B: 194, A: 255},
	"partition-bridge": color.NRGBA{R: 148, G: 103, B: 189, A: 255},
	"partition-oneway": color.NRGBA{R: 197, G: 176, B: 213, A: 255},
	"latency-spike":    color.NRGBA{R: 255, G: 127, B: 14, A: 255},
	"loss-burst":       color.NRGBA{R: 255, G: 187, B: 120, A: 255},
	"dup-reorder":      color.NRGBA{R: 188, G: 189, B: 34, A: 255},
	"crash":            color.NRGBA{R: 40, G: 40, B: 40, A: 255},
	"kill":             color.NRGBA{R: 127, G: 127, B: 127, A: 255},
	"clock-skew":       color.NRGBA{R: 31, G: 119, B: 180, A: 255},
	"clock-drift":      color.NRGBA{R: 158, G: 190, B: 230, A: 255},
	"clock-jump":       color.NRGBA{R: 23, G: 190, B: 207, A: 255},
	"disk-slow":        color.NRGBA{R: 140, G: 86, B: 75, A: 255},
	"disk-lose-syncs":  color.NRGBA{R: 196, G: 156, B: 148, A: 255},
}

// kindOrder is the legend's order: the families as above.
var kindOrder = []string{
	"partition-node", "partition-region", "partition-halves", "partition-bridge", "partition-oneway",
	"latency-spike", "loss-burst", "dup-reorder", "crash", "kill",
	"clock-skew", "clock-drift", "clock-jump", "disk-slow", "disk-lose-syncs",
}

func kindOf(f FaultWindow) string {
	if f.Kind == "" {
		return "fault"
	}
	return f.Kind
}

func kindColor(kind string) color.Color {
	if c, ok := kindColors[kind]; ok {
		return c
	}
	h := fnv.New32a()
	h.Write([]byte(kind))
	return plotutil.Color(int(h.Sum32() % uint32(len(plotutil.DefaultColors))))
}

// ganttBar is one fault on one lane.
type ganttBar struct {
	fault      int // index in Run.Faults
	kind       string
	start, end float64 // seconds; end == start for an instant
	instant    bool
	row        int // global row, 0 at the top
}

// lane is one node's rows.
type lane struct {
	name       string
	first, n   int // rows [first, first+n)
	bars       []ganttBar
	rowEndSecs []float64
}

// ganttLayout is a run's faults laid out on lanes.
type ganttLayout struct {
	lanes []lane
	bars  []ganttBar
	rows  int
}

// layoutFaults puts every fault on the lane of each node it hit, lanes in
// natural name order (gateway-2 before gateway-10); faults that overlap on
// a lane go on rows of their own, so that no bar hides another. minWidth
// (seconds) is the least width a bar is drawn with, so that an instant
// still takes room.
func layoutFaults(faults []FaultWindow, minWidth float64) ganttLayout {
	byName := map[string]*lane{}
	var names []string
	for i, f := range faults {
		nodes := f.Nodes
		if len(nodes) == 0 {
			nodes = []string{worldLane}
		}
		for _, n := range nodes {
			l, ok := byName[n]
			if !ok {
				l = &lane{name: n}
				byName[n] = l
				names = append(names, n)
			}
			b := ganttBar{fault: i, kind: kindOf(f), start: seconds(f.Start), end: seconds(f.End), instant: f.Instantaneous()}
			if b.instant {
				b.end = b.start
			}
			l.bars = append(l.bars, b)
		}
	}
	slices.SortFunc(names, naturalCompare)
	var g ganttLayout
	for _, n := range names {
		l := byName[n]
		slices.SortStableFunc(l.bars, func(a, b ganttBar) int { return cmp.Compare(a.start, b.start) })
		for i := range l.bars {
			b := &l.bars[i]
			r := 0
			for r < len(l.rowEndSecs) && l.rowEndSecs[r] > b.start {
				r++
			}
			if r == len(l.rowEndSecs) {
				l.rowEndSecs = append(l.rowEndSecs, 0)
			}
			l.rowEndSecs[r] = math.Max(b.end, b.start+minWidth)
			b.row = r
		}
		l.first, l.n = g.rows, max(1, len(l.rowEndSecs))
		for i := range l.bars {
			l.bars[i].row += l.first
			g.bars = append(g.bars, l.bars[i])
		}
		g.rows += l.n
		g.lanes = append(g.lanes, *l)
	}
	return g
}

// naturalCompare orders names with their digit runs compared as numbers.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da != "" && db != "" {
			na, _ := strconv.ParseUint(da, 10, 64)
			nb, _ := strconv.ParseUint(db, 10, 64)
			if c := cmp.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] < unicode.MaxASCII && unicode.IsDigit(rune(s[i])) {
		i++
	}
	return s[:i]
}

// rowY is the data y of the middle of row r (row 0 at the top).
func (g ganttLayout) rowY(r int) float64 { return float64(g.rows-r) - 0.5 }

// drawFaultTimeline draws the Gantt chart: one lane per node, one bar per
// fault on each node it hit, coloured by kind, over the run's phases, with
// the first violations marked.
func drawFaultTimeline(dir string, r *Run, tf timeFrame) (Figure, error) {
	p := plot.New()
	p.Title.Text = "Faults by node"
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Legend.Top = true
	p.Y.Label.Text = ""
	if len(r.Faults) == 0 {
		// The run's phases still say when faults would have come: a
		// figure with something to read, not an empty one.
		tf.background(p)
		p.Add(centredText("no faults were injected"))
		p.Y.Min, p.Y.Max = 0, 1
		p.HideY()
		tf.foreground(p, false)
		return saveFigureSized(p, dir, FigureFaultTimeline, len(r.Phases) == 0, figureHeight*0.6)
	}
	g := layoutFaults(r.Faults, 0.004*tf.end)
	grid := plotter.NewGrid()
	grid.Horizontal.Color = nil
	p.Add(grid)
	p.Add(laneStripes{g})
	tf.background(p)
	p.Add(ganttBars{g})
	var kinds []string
	for _, f := range r.Faults {
		if k := kindOf(f); !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	slices.SortStableFunc(kinds, func(a, b string) int { return cmp.Compare(kindRank(a), kindRank(b)) })
	for _, k := range kinds {
		p.Legend.Add(k, kindSwatch{kindColor(k)})
	}
	tf.foreground(p, false)
	p.Y.Min, p.Y.Max = 0, float64(g.rows)
	p.Y.Tick.Marker = laneTicks{g}
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	height := max(figureHeight*0.75, vg.Points(float64(rowHeight*g.rows+timelineChrome)))
	return saveFigureSized(p, dir, FigureFaultTimeline, false, height)
}

func kindRank(k string) int {
	if i := slices.Index(kindOrder, k); i >= 0 {
		return i
	}
	return len(kindOrder)
}

// laneTicks names each lane at its middle, with unlabelled ticks at the
// lane boundaries.
type laneTicks struct{ g ganttLayout }

// Ticks implements plot.Ticker.
func (t laneTicks) Ticks(_, _ float64) []plot.Tick {
	var ticks []plot.Tick
	for _, l := range t.g.lanes {
		mid := float64(t.g.rows) - float64(l.first) - float64(l.n)/2
		ticks = append(ticks, plot.Tick{Value: mid, Label: l.name}, plot.Tick{Value: float64(t.g.rows - l.first)})
	}
	return ticks
}

// laneStripes shades every other lane, so that a bar reads as belonging to
// its node across the width of the plot.
type laneStripes struct{ g ganttLayout }

// Plot implements plot.Plotter.
func (s laneStripes) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	for i, l := range s.g.lanes {
		top, bottom := trY(float64(s.g.rows-l.first)), trY(float64(s.g.rows-l.first-l.n))
		if i%2 == 1 {
			c.FillPolygon(color.Gray{Y: 243}, []vg.Point{{X: c.Min.X, Y: bottom}, {X: c.Max.X, Y: bottom}, {X: c.Max.X, Y: top}, {X: c.Min.X, Y: top}})
		}
		c.StrokeLine2(draw.LineStyle{Color: color.Gray{Y: 200}, Width: vg.Points(0.5)}, c.Min.X, top, c.Max.X, top)
	}
}

// ganttBars draws the bars: a box from start to end, an instant as a
// narrow diamond, with the kind written inside a box wide enough for it.
type ganttBars struct{ g ganttLayout }

// Plot implements plot.Plotter.
func (gb ganttBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(7)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	for _, b := range gb.g.bars {
		y := gb.g.rowY(b.row)
		y0, y1 := trY(y-barShare/2), trY(y+barShare/2)
		x0 := trX(b.start)
		clr := kindColor(b.kind)
		if b.instant {
			ym, half := (y0+y1)/2, (y1-y0)/2
			c.FillPolygon(clr, []vg.Point{{X: x0, Y: y0}, {X: x0 + half*0.6, Y: ym}, {X: x0, Y: y1}, {X: x0 - half*0.6, Y: ym}})
			continue
		}
		x1 := max(trX(b.end), x0+vg.Points(minBarWidthPoints))
		c.FillPolygon(clr, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		c.StrokeLines(draw.LineStyle{Color: color.White, Width: vg.Points(0.5)},
			[]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
		if sty.Width(b.kind)+vg.Points(4) <= x1-x0 {
			sty.Color = textOn(clr)
			c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, b.kind)
		}
	}
}

// DataRange implements plot.DataRanger.
func (gb ganttBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, b := range gb.g.bars {
		xmin, xmax = math.Min(xmin, b.start), math.Max(xmax, b.end)
	}
	return xmin, xmax, 0, float64(gb.g.rows)
}

// textOn is black or white, whichever reads on background clr.
func textOn(clr color.Color) color.Color {
	r, g, b, _ := clr.RGBA()
	if 0.299*float64(r)+0.587*float64(g)+0.114*float64(b) > 0.55*0xffff {
		return color.Black
	}
	return color.White
}

// centredText writes its text in the middle of the data area.
type centredText string

// Plot implements plot.Plotter.
func (t centredText) Plot(c draw.Canvas, p *plot.Plot) {
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(14)
	sty.Color = color.Gray{Y: 90}
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}, string(t))
}

// kindSwatch is a legend entry's coloured box.
type kindSwatch struct{ clr color.Color }

// Thumbnail implements plot.Thumbnailer.
func (k kindSwatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(k.clr, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}
