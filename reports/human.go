package reports

import (
	"math"
	"strconv"
	"time"
)

// Numbers for people: a reader compares 261 ms with 5.7 ms at a glance,
// not 261.040139ms with 5.700524ms. Two significant figures below ten of a
// unit, none after the point above; machine-readable files keep every
// digit.

// humanDuration prints d in the largest unit that keeps it at least 1:
// "9.0 s", "261 ms", "5.7 ms", "830 µs".
func humanDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	neg := d < 0
	if neg {
		d = -d
	}
	var v float64
	var unit string
	switch {
	case d >= time.Second:
		v, unit = d.Seconds(), "s"
	case d >= time.Millisecond:
		v, unit = float64(d)/float64(time.Millisecond), "ms"
	case d >= time.Microsecond:
		v, unit = float64(d)/float64(time.Microsecond), "µs"
	default:
		v, unit = float64(d), "ns"
	}
	s := humanFloat(v) + " " + unit
	if neg {
		s = "-" + s
	}
	return s
}

// humanFloat prints v with one decimal below 10 and none above.
func humanFloat(v float64) string {
	if math.Abs(v) < 9.95 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// humanRatio prints a ratio such as network messages per delivery with
// three significant figures: "1.00", "0.0216", "2.82".
func humanRatio(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	decimals := max(2, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// humanShare prints a share in [0, 1] as a percentage, "6.2%", with two
// significant figures when small, "0.031%", so that a small share does
// not read as none.
func humanShare(v float64) string {
	pct := 100 * v
	switch {
	case pct == 0:
		return "0%"
	case math.Abs(pct) >= 9.95:
		return strconv.FormatFloat(pct, 'f', 0, 64) + "%"
	case math.Abs(pct) >= 0.995:
		return strconv.FormatFloat(pct, 'f', 1, 64) + "%"
	default:
		decimals := 1 - int(math.Floor(math.Log10(math.Abs(pct))))
		return strconv.FormatFloat(pct, 'f', decimals, 64) + "%"
	}
}
