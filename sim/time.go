package sim

import "strconv"

// Time is an instant in virtual time: integer nanoseconds since the Unix epoch.
// The world starts at Config.Start; nothing advances it but processed events.
// A node's local clocks (Ctx.Now, Ctx.Monotonic) are Times too, offset and
// scaled from true time by the node's skew, drift and jumps.
type Time int64

// Duration is a span of virtual time in integer nanoseconds. It mirrors
// time.Duration, which simulated code may not import.
type Duration int64

const (
	Nanosecond  Duration = 1
	Microsecond          = 1000 * Nanosecond
	Millisecond          = 1000 * Microsecond
	Second               = 1000 * Millisecond
	Minute               = 60 * Second
	Hour                 = 60 * Minute
)

// DefaultStart is 2026-01-01T00:00:00Z, the true time at which a world starts
// unless Config.Start says otherwise. Snowflake IDs and other wall-clock users
// need a realistic epoch, not zero.
const DefaultStart Time = 1767225600 * Time(Second)

// Add returns t+d.
func (t Time) Add(d Duration) Time { return t + Time(d) }

// Sub returns t-u.
func (t Time) Sub(u Time) Duration { return Duration(t - u) }

// Before reports whether t is earlier than u.
func (t Time) Before(u Time) bool { return t < u }

// After reports whether t is later than u.
func (t Time) After(u Time) bool { return t > u }

// UnixMilli returns t as milliseconds since the Unix epoch (floor).
func (t Time) UnixMilli() int64 { return floorDiv(int64(t), int64(Millisecond)) }

// Seconds returns d as a floating-point number of seconds, for reports only:
// never use it to decide control flow.
func (d Duration) Seconds() float64 { return float64(d) / float64(Second) }

// Milliseconds returns d in whole milliseconds, truncated.
func (d Duration) Milliseconds() int64 { return int64(d / Millisecond) }

// String formats d like time.Duration does ("1.5s", "250ms", "41.25s").
func (d Duration) String() string {
	if d == 0 {
		return "0s"
	}
	neg := d < 0
	u := uint64(d)
	if neg {
		u = -u
	}
	var s string
	switch {
	case u < uint64(Microsecond):
		s = strconv.FormatUint(u, 10) + "ns"
	case u < uint64(Millisecond):
		s = fracString(u, uint64(Microsecond)) + "µs"
	case u < uint64(Second):
		s = fracString(u, uint64(Millisecond)) + "ms"
	default:
		h := u / uint64(Hour)
		u -= h * uint64(Hour)
		m := u / uint64(Minute)
		u -= m * uint64(Minute)
		if h > 0 {
			s = strconv.FormatUint(h, 10) + "h"
		}
		if h > 0 || m > 0 {
			s += strconv.FormatUint(m, 10) + "m"
		}
		s += fracString(u, uint64(Second)) + "s"
	}
	if neg {
		s = "-" + s
	}
	return s
}

// fracString prints v/unit with up to 9 fractional digits, trailing zeros cut.
func fracString(v, unit uint64) string {
	whole := strconv.FormatUint(v/unit, 10)
	rem := v % unit
	if rem == 0 {
		return whole
	}
	digits := 0
	for u := unit; u > 1; u /= 10 {
		digits++
	}
	frac := strconv.FormatUint(rem, 10)
	for len(frac) < digits {
		frac = "0" + frac
	}
	for frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	return whole + "." + frac
}

// ParseDuration parses "250ms", "41.25s", "1m30s", "2h", "500us", "10ns".
// Simulated code and the command line use it instead of time.ParseDuration.
func ParseDuration(s string) (Duration, error) {
	orig := s
	if s == "" {
		return 0, &durationError{orig}
	}
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
	}
	if s == "0" {
		return 0, nil
	}
	var total Duration
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, &durationError{orig}
		}
		num := s[:i]
		s = s[i:]
		j := 0
		for j < len(s) && !(s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		unitName := s[:j]
		s = s[j:]
		var unit Duration
		switch unitName {
		case "ns":
			unit = Nanosecond
		case "us", "µs":
			unit = Microsecond
		case "ms":
			unit = Millisecond
		case "s":
			unit = Second
		case "m":
			unit = Minute
		case "h":
			unit = Hour
		default:
			return 0, &durationError{orig}
		}
		whole, frac, _ := cut(num, '.')
		w, err := strconv.ParseInt(whole, 10, 64)
		if err != nil && whole != "" {
			return 0, &durationError{orig}
		}
		v := Duration(w) * unit
		if w != 0 && v/unit != Duration(w) {
			return 0, &durationError{orig}
		}
		scale := unit
		for k := 0; k < len(frac); k++ {
			scale /= 10
			if frac[k] < '0' || frac[k] > '9' {
				return 0, &durationError{orig}
			}
			v += Duration(frac[k]-'0') * scale
		}
		total += v
		if total < 0 {
			return 0, &durationError{orig}
		}
	}
	if neg {
		total = -total
	}
	return total, nil
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

type durationError struct{ s string }

func (e *durationError) Error() string {
	return "invalid duration " + strconv.Quote(e.s) + ": want a number and a unit (ns, us, ms, s, m, h), e.g. 250ms or 41.25s"
}

// floorDiv divides rounding towards negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
