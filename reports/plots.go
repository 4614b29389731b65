package reports

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figure is one plot written as SVG and PNG.
type Figure struct {
	Name  string // file stem: Name+".svg", Name+".png"
	Title string
	// Empty is true when the input had no data and the figure only says so.
	Empty bool
	SVG   string // path of the SVG file
	PNG   string // path of the PNG file

	svg []byte // kept to embed in the HTML report
}

// Figure size: wide enough for a time axis, short enough that four fit on a
// laptop screen.
const (
	figureWidth  = 8 * vg.Inch
	figureHeight = 3.5 * vg.Inch
)

// maxCDFPoints bounds the points drawn per CDF line.
const maxCDFPoints = 2000

func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Add(plotter.NewGrid())
	return p
}

// markNoData turns p into a plot that says there was nothing to draw, so a
// report always has the same figures and a reader sees why one is blank.
func markNoData(p *plot.Plot) error {
	l, err := plotter.NewLabels(plotter.XYLabels{
		XYs:    plotter.XYs{{X: 0.5, Y: 0.5}},
		Labels: []string{"no data"},
	})
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].YAlign = draw.YCenter
		l.TextStyle[i].Font.Size = vg.Points(16)
	}
	p.Add(l)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.HideAxes()
	return nil
}

// addLine adds a line named name in the i-th palette colour.
func addLine(p *plot.Plot, i int, name string, xys plotter.XYs) error {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("line %q: %w", name, err)
	}
	l.Color = plotutil.Color(i)
	l.Dashes = plotutil.Dashes(i / len(plotutil.DefaultColors))
	l.Width = vg.Points(1.5)
	p.Add(l)
	if name != "" {
		p.Legend.Add(name, l)
	}
	return nil
}

// addPoints adds a line with point markers, for plots with few x values.
func addPoints(p *plot.Plot, i int, name string, xys plotter.XYs) error {
	if err := addLine(p, i, "", xys); err != nil {
		return err
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return fmt.Errorf("points %q: %w", name, err)
	}
	s.Color = plotutil.Color(i)
	s.Shape = plotutil.Shape(i)
	p.Add(s)
	p.Legend.Add(name, s)
	return nil
}

// legendHeadroom raises the top of the value axis so that a legend of
// entries lines, drawn inside the top corner, does not sit on the highest
// data. Each line takes about legendLineShare of the plot's height.
func legendHeadroom(p *plot.Plot, entries int) {
	const legendLineShare = 0.06
	used := min(0.5, legendLineShare*float64(entries+1))
	if p.Y.Max > 0 && !math.IsInf(p.Y.Max, 0) {
		p.Y.Max /= 1 - used
	}
}

// saveFigure writes p as dir/name.svg and dir/name.png at the usual size.
func saveFigure(p *plot.Plot, dir, name string, empty bool) (Figure, error) {
	return saveFigureSized(p, dir, name, empty, figureHeight)
}

// saveFigureSized writes p as dir/name.svg and dir/name.png, height tall.
func saveFigureSized(p *plot.Plot, dir, name string, empty bool, height vg.Length) (Figure, error) {
	fig := Figure{
		Name:  name,
		Title: p.Title.Text,
		Empty: empty,
		SVG:   filepath.Join(dir, name+".svg"),
		PNG:   filepath.Join(dir, name+".png"),
	}
	for _, format := range []string{"svg", "png"} {
		wt, err := p.WriterTo(figureWidth, height, format)
		if err != nil {
			return fig, fmt.Errorf("reports: drawing %s.%s: %w", name, format, err)
		}
		var buf bytes.Buffer
		if _, err := wt.WriteTo(&buf); err != nil {
			return fig, fmt.Errorf("reports: drawing %s.%s: %w", name, format, err)
		}
		path := fig.PNG
		if format == "svg" {
			path = fig.SVG
			fig.svg = buf.Bytes()
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return fig, fmt.Errorf("reports: %w", err)
		}
	}
	return fig, nil
}
