package reports

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// plainTicks are plot.DefaultTicks labelled with as many decimals as the
// step between major ticks needs and no more: "0 25 50", "0.5 1 1.5",
// never "25.00" beside "0.00".
type plainTicks struct{}

// Ticks implements plot.Ticker.
func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	var major []float64
	for _, t := range ticks {
		if t.Label != "" {
			major = append(major, t.Value)
		}
	}
	decimals := 0
	if len(major) >= 2 {
		if step := math.Abs(major[1] - major[0]); step > 0 {
			decimals = max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
		}
	}
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', decimals, 64)
		}
	}
	return ticks
}

// timeAxes makes p's axes read plainly and its time axis span the whole
// run, [0, the run's end], so that the time plots of a report line up.
func timeAxes(p *plot.Plot, r *Run) {
	p.X.Tick.Marker = plainTicks{}
	p.Y.Tick.Marker = plainTicks{}
	p.X.Min = 0
	if end := seconds(r.Simulated); end > p.X.Max {
		p.X.Max = end
	}
}
