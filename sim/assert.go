package sim

import (
	"fmt"
	"runtime/debug"
)

// Assert stops the run when cond is false. Use it for programmer errors: a
// failed assertion in a simulation is a found bug, and the run returns an
// *AssertionError that names the seed, the event number, the time, the node
// and the process, so the failure replays with one command. Assertions are
// on in every run.
func Assert(cond bool, msg string) {
	if !cond {
		panic(assertionPanic{msg: msg})
	}
}

// Assertf is Assert with a formatted message. Its arguments are evaluated
// (and may allocate) even when cond holds: prefer Assert on hot paths.
func Assertf(cond bool, format string, args ...any) {
	if !cond {
		panic(assertionPanic{msg: fmt.Sprintf(format, args...)})
	}
}

type assertionPanic struct{ msg string }

// Where tells where in a run something happened.
type Where struct {
	Seed    uint64
	Event   uint64   // number of the event being processed (1-based)
	Elapsed Duration // virtual time since the start of the run
	Node    string   // "" outside any node
	Process string   // "name#pid", "" outside any process
}

func (w Where) String() string {
	s := fmt.Sprintf("seed=%d event=%d t=%s", w.Seed, w.Event, w.Elapsed)
	if w.Node != "" {
		s += " node=" + w.Node
	}
	if w.Process != "" {
		s += " process=" + w.Process
	}
	return s
}

// AssertionError is returned by the run methods when an assertion failed.
type AssertionError struct {
	Where
	Message string
}

func (e *AssertionError) Error() string {
	return "sim: assertion failed: " + e.Message + " (" + e.Where.String() + ")"
}

// PanicError is returned when simulated code panicked: a bug in the system
// under test or in the testbed. Stack holds the goroutine stack for debugging.
type PanicError struct {
	Where
	Value any
	Stack string
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("sim: panic: %v (%s)", e.Value, e.Where.String())
}

// BudgetError is returned when a run used up Config.MaxEvents: no run hangs.
type BudgetError struct {
	Where
	MaxEvents uint64
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("sim: event budget of %d events used up (%s): raise Config.MaxEvents or look for a livelock", e.MaxEvents, e.Where.String())
}

// StoppedError is returned when the run reached Config.StopAtEvent or
// Config.StopAtTime: the world is frozen there so an incident can be read.
type StoppedError struct{ Where }

func (e *StoppedError) Error() string { return "sim: stopped as configured (" + e.Where.String() + ")" }

// recoverRun turns a panic in the event loop into an error on w.
func (w *World) recoverRun(r any) {
	where := w.where()
	if a, ok := r.(assertionPanic); ok {
		w.failed = &AssertionError{Where: where, Message: a.msg}
	} else {
		w.failed = &PanicError{Where: where, Value: r, Stack: string(debug.Stack())}
	}
	w.traceLine(traceRecord{kind: "failure", node: w.curNode(), pid: w.curPID(), detail: w.failed.Error()})
}
