package reports

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// timeFrame is the time axis every time plot of a run report shares, so
// that a reader's eye can go straight down the page from a fault to its
// effect: the same range, the same scale, the run's phases shaded and
// named, the first violation of each failing checker marked.
type timeFrame struct {
	end float64 // seconds: the run's end
	// focus, when positive, is where the axis stops being linear: [0,
	// focus] (the faults and the settling after the heal) takes
	// focusShare of the width, and the rest of the run, where a healthy
	// system only carries on, is compressed into what is left.
	focus      float64
	phases     []Phase
	violations []violationMark
}

// violationMark is one failing checker's first violation.
type violationMark struct {
	checker string
	at      float64 // seconds
}

// Focus bounds: the axis is compressed only when the faulty part of the run
// is short beside the whole (a 30 s safety phase in a 3 min run), and then
// it gets focusShare of the width; settleAfterHeal is how much of the
// liveness phase stays at full scale, where reconnections and late
// deliveries show.
const (
	focusShare        = 0.7
	focusWorthBelow   = 0.45
	settleAfterHeal   = 15 * time.Second
	phaseLabelPadding = 14 // points above the data area for phase names
)

// newTimeFrame builds the frame of r's time plots.
func newTimeFrame(r *Run) timeFrame {
	tf := timeFrame{end: seconds(r.Simulated), phases: r.Phases}
	for _, p := range r.Phases {
		tf.end = math.Max(tf.end, seconds(p.End))
	}
	for _, f := range r.Faults {
		tf.end = math.Max(tf.end, seconds(max(f.Start, f.End)))
	}
	for _, v := range r.Verdicts {
		if v.Result == ResultIllegal && v.At > 0 {
			tf.violations = append(tf.violations, violationMark{checker: v.Checker, at: seconds(v.At)})
			tf.end = math.Max(tf.end, seconds(v.At))
		}
	}
	for _, p := range r.Phases {
		if p.Name == PhaseHeal {
			if f := seconds(p.Start + settleAfterHeal); f < focusWorthBelow*tf.end {
				tf.focus = f
			}
		}
	}
	return tf
}

// background adds the phase shading to p: call it before adding data, so
// that data is drawn over it.
func (tf timeFrame) background(p *plot.Plot) {
	if len(tf.phases) > 0 {
		p.Add(phaseBands(tf.phases))
		p.Title.Padding = vg.Points(phaseLabelPadding)
	}
}

// foreground marks the violations on p, sets the time axis and, with
// legend, names the violation lines in p's legend. Call it after adding
// data. It returns how many legend entries it added.
func (tf timeFrame) foreground(p *plot.Plot, legend bool) (entries int) {
	if len(tf.violations) > 0 {
		vm := violationLines{marks: tf.violations, labels: !legend}
		p.Add(vm)
		if legend {
			p.Legend.Add(vm.legendName(), vm)
			entries++
		}
	}
	p.X.Min, p.X.Max = 0, math.Max(tf.end, 1e-9)
	p.X.Label.Text = timeAxis
	if tf.focus > 0 {
		p.X.Scale = focusScale{focus: tf.focus}
		p.X.Label.Text = fmt.Sprintf("%s; after %s, compressed %.0f×", timeAxis, secondsLabel(tf.focus), tf.compression())
	}
	p.X.Tick.Marker = timeTicks{focus: tf.focus}
	return entries
}

// compression is how many times denser the compressed part of the axis is
// than the focus.
func (tf timeFrame) compression() float64 {
	return ((tf.end - tf.focus) / (1 - focusShare)) / (tf.focus / focusShare)
}

// focusScale maps [min, focus] linearly onto [0, focusShare] and [focus,
// max] onto [focusShare, 1].
type focusScale struct{ focus float64 }

// Normalize implements plot.Normalizer.
func (s focusScale) Normalize(min, max, x float64) float64 {
	if s.focus <= min || s.focus >= max {
		return (x - min) / (max - min)
	}
	if x <= s.focus {
		return focusShare * (x - min) / (s.focus - min)
	}
	return focusShare + (1-focusShare)*(x-s.focus)/(max-s.focus)
}

// timeTicks labels a time axis in seconds, with a finer step before the
// focus than after it (where a compressed axis would crowd labels).
type timeTicks struct{ focus float64 }

// Ticks implements plot.Ticker.
func (t timeTicks) Ticks(min, max float64) []plot.Tick {
	if t.focus <= min || t.focus >= max {
		return niceTicks(min, max, 10)
	}
	ticks := niceTicks(min, t.focus, 7)
	step := niceStep((max - t.focus) / 3)
	for v := math.Ceil(t.focus/step) * step; v <= max+1e-9; v += step {
		if v-t.focus < step/2 {
			continue // too close to the last label before the focus
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ticks
}

// niceTicks are labelled ticks at a round step giving about n labels over
// [min, max], with an unlabelled tick halfway between.
func niceTicks(min, max float64, n int) []plot.Tick {
	if !(max > min) {
		return []plot.Tick{{Value: min, Label: strconv.FormatFloat(min, 'f', -1, 64)}}
	}
	step := niceStep((max - min) / float64(n))
	var ticks []plot.Tick
	for k := math.Ceil(min / step); k*step <= max+1e-9*step; k++ {
		v := k * step
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(roundTo(v, step), 'f', -1, 64)})
		if h := v + step/2; h <= max {
			ticks = append(ticks, plot.Tick{Value: h})
		}
	}
	return ticks
}

// niceStep rounds a step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow10(int(math.Floor(math.Log10(raw))))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// roundTo removes the float noise of k*step (0.30000000000000004).
func roundTo(v, step float64) float64 {
	decimals := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', decimals, 64), 64)
	return r
}

// secondsLabel prints seconds for an axis label: "50 s", "2.5 s".
func secondsLabel(s float64) string {
	return strconv.FormatFloat(math.Round(s*10)/10, 'f', -1, 64) + " s"
}

// Phase shading: the faulty safety phase warm, the liveness phase (a
// healed system that must converge) cool, the rest neutral; all faint, so
// that data reads over them.
var phaseColors = map[string]color.Color{
	PhaseWarmup:     color.NRGBA{R: 128, G: 128, B: 128, A: 22},
	PhaseSafety:     color.NRGBA{R: 230, G: 120, B: 20, A: 30},
	PhaseLiveness:   color.NRGBA{R: 40, G: 140, B: 60, A: 18},
	PhaseFinalReads: color.NRGBA{R: 60, G: 90, B: 200, A: 22},
}

var (
	phaseTextColor = color.Gray{Y: 80}
	healColor      = color.NRGBA{R: 30, G: 130, B: 60, A: 255}
	violationColor = color.NRGBA{R: 200, G: 0, B: 0, A: 255}
)

// phaseBands shades each phase and names it above the data area; an
// instant (the heal) is a dashed vertical line.
type phaseBands []Phase

// Plot implements plot.Plotter.
func (pb phaseBands) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(8)
	sty.Color = phaseTextColor
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
	for _, ph := range pb {
		x0, x1 := trX(seconds(ph.Start)), trX(seconds(ph.End))
		if ph.End <= ph.Start {
			ls := draw.LineStyle{Color: healColor, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(2)}}
			if x0 >= c.Min.X && x0 <= c.Max.X {
				c.StrokeLine2(ls, x0, c.Min.Y, x0, c.Max.Y+vg.Points(phaseLabelPadding-2))
				hs := sty
				hs.Color, hs.XAlign = healColor, draw.XLeft
				c.FillText(hs, vg.Point{X: x0 + vg.Points(2), Y: c.Max.Y + vg.Points(3)}, ph.Name)
			}
			continue
		}
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 <= x0 {
			continue
		}
		if clr, ok := phaseColors[ph.Name]; ok {
			c.FillPolygon(clr, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
		}
		// The name goes above the band when it fits; a narrow phase
		// (warmup on a long run) stays unnamed rather than overprinted.
		if sty.Width(ph.Name)+vg.Points(4) <= x1-x0 {
			c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: c.Max.Y + vg.Points(3)}, ph.Name)
		}
		c.StrokeLine2(draw.LineStyle{Color: color.Gray{Y: 170}, Width: vg.Points(0.5)}, x0, c.Min.Y, x0, c.Max.Y)
	}
}

// DataRange implements plot.DataRanger: phases widen the time axis only.
func (pb phaseBands) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, ph := range pb {
		xmin, xmax = math.Min(xmin, seconds(ph.Start)), math.Max(xmax, seconds(ph.End))
	}
	return xmin, xmax, math.Inf(1), math.Inf(-1)
}

// violationLines draws a red vertical line where each failing checker saw
// its first violation, named beside the line when labels is set (the
// fault timeline) or in the legend otherwise.
type violationLines struct {
	marks  []violationMark
	labels bool
}

func (vl violationLines) style() draw.LineStyle {
	return draw.LineStyle{Color: violationColor, Width: vg.Points(1.5)}
}

// Plot implements plot.Plotter.
func (vl violationLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := p.X.Tick.Label
	sty.Font.Size = vg.Points(8)
	sty.Color = violationColor
	sty.YAlign = draw.YTop
	for i, m := range vl.marks {
		x := trX(m.at)
		if x < c.Min.X || x > c.Max.X {
			continue
		}
		c.StrokeLine2(vl.style(), x, c.Min.Y, x, c.Max.Y)
		if !vl.labels {
			continue
		}
		label := fmt.Sprintf("%s +%s", m.checker, secondsLabel(m.at))
		// Right of the line, unless that runs off the plot; each mark a
		// line lower than the one before, so that close marks stay apart.
		sty.XAlign = draw.XLeft
		lx := x + vg.Points(3)
		if lx+sty.Width(label) > c.Max.X {
			sty.XAlign, lx = draw.XRight, x-vg.Points(3)
		}
		y := c.Max.Y - vg.Points(2) - vg.Length(i)*sty.Height(label)*1.2
		// On a white box: the label crosses bars and the heal line.
		w, h := sty.Width(label), sty.Height(label)
		bx := lx
		if sty.XAlign == draw.XRight {
			bx = lx - w
		}
		c.FillPolygon(color.NRGBA{R: 255, G: 255, B: 255, A: 220}, []vg.Point{
			{X: bx - 1, Y: y + 1}, {X: bx + w + 1, Y: y + 1}, {X: bx + w + 1, Y: y - h - 1}, {X: bx - 1, Y: y - h - 1}})
		c.FillText(sty, vg.Point{X: lx, Y: y}, label)
	}
}

// Thumbnail implements plot.Thumbnailer.
func (vl violationLines) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(vl.style(), x, c.Min.Y, x, c.Max.Y)
}

func (vl violationLines) legendName() string {
	if len(vl.marks) == 1 {
		return "first violation (" + vl.marks[0].checker + ")"
	}
	return "first violations"
}
