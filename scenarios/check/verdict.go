package check

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Result is a checker's answer: three values, as Porcupine's CheckResult,
// because "could not decide" must never read as a pass.
type Result uint8

const (
	// Unknown: the checker could not decide (it timed out, or the run did
	// not record what the checker needs). Never a pass.
	Unknown Result = iota
	// Ok: the history satisfies the property.
	Ok
	// Illegal: the history violates the property; Verdict.Detail says how.
	Illegal
)

func (r Result) String() string {
	switch r {
	case Ok:
		return "Ok"
	case Illegal:
		return "Illegal"
	default:
		return "Unknown"
	}
}

// Verdict is one checker's judgement of one run.
type Verdict struct {
	Checker string // the checker's name, e.g. "porcupine", "no-acked-message-lost"
	Result  Result
	// Detail explains the first violation in one paragraph (who, what,
	// when in true virtual time), or why the result is Unknown, or what an
	// Ok covered.
	Detail string
	// Artifact is the path of a visualisation file, if one was written.
	Artifact string
	// At is when the first violation happened, in true virtual time: the
	// instant of the observation that shows it (the read that missed a
	// message, the dispatch out of order). Zero when the verdict is not
	// Illegal or the checker cannot place the violation at one instant;
	// a report marks it on its time axes.
	At sim.Time
}

func (v Verdict) String() string {
	s := fmt.Sprintf("%s: %s", v.Checker, v.Result)
	if v.Detail != "" {
		s += ": " + v.Detail
	}
	if v.Artifact != "" {
		s += " (see " + v.Artifact + ")"
	}
	return s
}

// at returns v with its violation placed at t.
func (v Verdict) at(t sim.Time) Verdict {
	v.At = t
	return v
}

func ok(checker, detail string) Verdict { return Verdict{Checker: checker, Result: Ok, Detail: detail} }

func illegal(checker, format string, args ...any) Verdict {
	return Verdict{Checker: checker, Result: Illegal, Detail: fmt.Sprintf(format, readable(args)...)}
}

func unknown(checker, format string, args ...any) Verdict {
	return Verdict{Checker: checker, Result: Unknown, Detail: fmt.Sprintf(format, readable(args)...)}
}

// readable shows every true time among args as the time since the world
// started ("+11.646s"), as the run's output and trace do; Forever as
// "never".
func readable(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(sim.Time); ok {
			if t == Forever {
				a = "never"
			} else {
				a = fmtTime(int64(t))
			}
		}
		out[i] = a
	}
	return out
}
