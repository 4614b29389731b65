package scenarios

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/guildsim/guildsim/faults"
	"github.com/guildsim/guildsim/sim"
)

// Incident tools: a run can stop at an event number or a time and say what
// an engineer asks first (where, which event, who is backed up, who is
// connected, which faults are on), and a run can end its faults early (the
// probe the bisection in cmd/guildsim uses). They ride on sim's stop points
// (sim.World.SetLimits), so the events before the stop are the run's own,
// event for event.

// Stop says where an incident run stops or ends its faults (RunConfig.Stop).
// The zero value runs the whole scenario.
type Stop struct {
	// AtEvent stops the run before event number N (1-based, as "ev" in the
	// trace): events 1..N-1 ran, event N is described. 0: never.
	AtEvent uint64
	// AtTime stops the run before the first event after this much
	// simulated time since the start. 0: never.
	AtTime sim.Duration
	// MaxEvents is the event budget [1e9]: a run that uses it up ends with
	// a *sim.BudgetError in Result.Err (a testbed failure: a livelock, or a
	// budget too small for the options).
	MaxEvents uint64
	// TraceTail is how many events before a stop the report keeps the
	// trace of [DefaultTraceTail], whether or not RunConfig.Trace is set.
	TraceTail int
	// HealAfterEvent, when not 0, ends every fault right after event N, as
	// the heal at the end of the safety phase does (partitions healed,
	// nodes restarted, later faults dropped), and runs the rest of the
	// scenario as planned, checkers included. Unlike the stop points it
	// changes the run after event N: it is an experiment ("would the run
	// still fail if the faults had stopped here?"), not a way to read one.
	HealAfterEvent uint64
}

// errStopped ends a run's phases at a stop point; it is not an error of
// the run (Result.Stopped says where it stopped).
var errStopped = errors.New("scenarios: stopped at a stop point")

// DefaultTraceTail is Stop.TraceTail's default: about a second of a busy
// default-sized scenario, enough to see what led to the stop.
const DefaultTraceTail = 1000

// StopReport is the world as a stop point froze it.
type StopReport struct {
	// Next is the event the world stopped before (HaveNext false: the
	// queue was empty).
	Next     sim.EventInfo
	HaveNext bool
	// Events ran before the stop; Fingerprint is theirs: stopping at the
	// same point twice gives the same fingerprint.
	Events      uint64
	Fingerprint uint64
	Now         sim.Time     // true virtual time at the stop
	Elapsed     sim.Duration // since the start of the run
	Phase       string
	// Mailboxes are the deepest mailboxes now (up to 5, deepest first).
	Mailboxes []MailboxDepth
	// Gateways are the gateway nodes with the client connections each
	// holds open (its own view: zombies count until it notices them).
	Gateways []GatewayConns
	// ActiveFaults are the faults on at the stop, RecentFaults up to three
	// that ended (or happened, for instantaneous kinds) most recently, and
	// DownNodes the nodes crashed and not restarted.
	ActiveFaults, RecentFaults []faults.Entry
	DownNodes                  []string
	// Trace is the trace of events TraceFrom..Events, the last TraceTail
	// before the stop (JSON lines, filtered as RunConfig.TraceFilter; an
	// event may leave no line, e.g. a cancelled timer).
	Trace     []byte
	TraceFrom uint64
}

// MailboxDepth is one process's mailbox at a stop.
type MailboxDepth struct {
	Node, Process string
	Depth         int
}

// GatewayConns is one gateway node at a stop.
type GatewayConns struct {
	Node  string
	Up    bool
	Conns int
}

// stopMailboxes is how many of the deepest mailboxes a StopReport lists.
const stopMailboxes = 5

// incident applies a Stop to one run.
type incident struct {
	w           *sim.World
	stop        Stop
	tail        *tailWriter
	healPending bool
}

// newIncident sets the world's limits and the trace (the caller's and the
// tail's); it returns nil when stop asks nothing.
func newIncident(w *sim.World, stop Stop, cfg RunConfig) (*incident, error) {
	if stop == (Stop{}) {
		if cfg.Trace != nil {
			w.SetTrace(cfg.Trace, cfg.TraceFilter)
		}
		return nil, nil
	}
	in := &incident{w: w, stop: stop, healPending: stop.HealAfterEvent != 0}
	if err := w.SetLimits(in.limits()); err != nil {
		return nil, err
	}
	filter := cfg.TraceFilter
	if stop.AtEvent != 0 || stop.AtTime != 0 {
		if stop.TraceTail <= 0 {
			stop.TraceTail = DefaultTraceTail
			in.stop.TraceTail = DefaultTraceTail
		}
		in.tail = &tailWriter{events: uint64(stop.TraceTail)}
		if cfg.Trace == nil && stop.AtEvent > uint64(stop.TraceTail) && stop.AtTime == 0 {
			// The stop's event is known: format only the tail's events.
			filter.FromEvent = stop.AtEvent - uint64(stop.TraceTail)
		}
	}
	switch {
	case cfg.Trace != nil && in.tail != nil:
		w.SetTrace(io.MultiWriter(cfg.Trace, in.tail), filter)
	case cfg.Trace != nil:
		w.SetTrace(cfg.Trace, filter)
	case in.tail != nil:
		w.SetTrace(in.tail, filter)
	}
	return in, nil
}

// limits are the world's limits: the caller's stop points, and the event
// after which faults end while that is still to come.
func (in *incident) limits() sim.Limits {
	l := sim.Limits{MaxEvents: in.stop.MaxEvents, StopAtEvent: in.stop.AtEvent, StopAtTime: in.stop.AtTime}
	if in.healPending && (l.StopAtEvent == 0 || in.stop.HealAfterEvent+1 < l.StopAtEvent) {
		l.StopAtEvent = in.stop.HealAfterEvent + 1
	}
	return l
}

// run runs one step of the scenario (step); when the step stops for the
// early heal, it calls heal and runs the step on. Any other stop, or an
// error, is returned.
func (in *incident) run(step func() error, heal func()) error {
	for {
		err := step()
		var stopped *sim.StoppedError
		if in == nil || !in.healPending || !errors.As(err, &stopped) || in.w.Events() != in.stop.HealAfterEvent {
			return err
		}
		in.healPending = false
		heal()
		if err := in.w.SetLimits(in.limits()); err != nil {
			return err
		}
	}
}

// healedAsPlanned tells the incident that the run reached its own heal:
// an early heal still pending is moot.
func (in *incident) healedAsPlanned() {
	if in != nil && in.healPending {
		in.healPending = false
		_ = in.w.SetLimits(in.limits()) // the limits were valid when set
	}
}

// report reads the stopped world.
func (in *incident) report(sw *World, o Options, log *faults.Log) *StopReport {
	w := sw.W
	r := &StopReport{Events: w.Events(), Fingerprint: w.Fingerprint(), Now: w.Now(), Elapsed: w.Elapsed()}
	r.Next, r.HaveNext = w.NextEvent()
	r.Phase = phaseAt(o, r.Elapsed)
	w.EachProcess(func(pid sim.PID) {
		d := w.MailboxDepth(pid)
		if d == 0 {
			return
		}
		m := MailboxDepth{Process: w.ProcessName(pid), Depth: d}
		if n, ok := w.ProcessNode(pid); ok {
			m.Node = w.NodeName(n)
		}
		// Keep the deepest few: ties go to the older process (EachProcess
		// runs in PID order, and a stable sort keeps it).
		r.Mailboxes = append(r.Mailboxes, m)
		slices.SortStableFunc(r.Mailboxes, func(a, b MailboxDepth) int { return cmp.Compare(b.Depth, a.Depth) })
		r.Mailboxes = r.Mailboxes[:min(len(r.Mailboxes), stopMailboxes)]
	})
	for _, n := range sw.Gateways {
		r.Gateways = append(r.Gateways, GatewayConns{Node: w.NodeName(n), Up: w.NodeUp(n), Conns: w.OpenConns(n)})
	}
	for _, n := range w.Nodes() {
		if !w.NodeUp(n) {
			r.DownNodes = append(r.DownNodes, w.NodeName(n))
		}
	}
	if log != nil {
		var recent []faults.Entry
		for _, e := range log.Entries {
			switch {
			case e.Kind == faults.ClockJump || e.Kind == faults.Kill:
				recent = append(recent, e)
			case e.End == 0:
				r.ActiveFaults = append(r.ActiveFaults, e)
			default:
				recent = append(recent, e)
			}
		}
		over := func(e faults.Entry) sim.Time { return max(e.Start, e.End) }
		slices.SortStableFunc(recent, func(a, b faults.Entry) int { return cmp.Compare(over(b), over(a)) })
		r.RecentFaults = recent[:min(len(recent), 3)]
	}
	if in.tail != nil {
		r.Trace = in.tail.bytes()
		r.TraceFrom = r.Events - min(r.Events, in.tail.events) + 1
	}
	return r
}

// phaseAt names the phase of a run at elapsed time at.
func phaseAt(o Options, at sim.Duration) string {
	switch {
	case at < o.Warmup:
		return fmt.Sprintf("warmup (until %s: no faults yet)", o.Warmup)
	case at < o.Warmup+o.Safety:
		return fmt.Sprintf("safety (%s to %s: faults on)", o.Warmup, o.Warmup+o.Safety)
	case at < o.Warmup+o.Safety+o.Liveness:
		return fmt.Sprintf("liveness (healed at %s; until %s)", o.Warmup+o.Safety, o.Warmup+o.Safety+o.Liveness)
	default:
		return fmt.Sprintf("final reads (after %s)", o.Warmup+o.Safety+o.Liveness)
	}
}

// tailWriter keeps the trace lines of the last `events` events: each line
// starts with {"ev":N, and lines come in event order.
type tailWriter struct {
	events uint64
	lines  [][]byte
	evs    []uint64
	head   int
}

func (t *tailWriter) Write(b []byte) (int, error) {
	ev := traceLineEvent(b)
	t.lines = append(t.lines, append([]byte(nil), b...))
	t.evs = append(t.evs, ev)
	for t.head < len(t.evs) && t.evs[t.head]+t.events <= ev {
		t.lines[t.head] = nil
		t.head++
	}
	if t.head > 4096 && t.head > len(t.lines)/2 {
		t.lines = append(t.lines[:0], t.lines[t.head:]...)
		t.evs = append(t.evs[:0], t.evs[t.head:]...)
		t.head = 0
	}
	return len(b), nil
}

// bytes returns the lines kept.
func (t *tailWriter) bytes() []byte {
	var out bytes.Buffer
	for _, l := range t.lines[t.head:] {
		out.Write(l)
	}
	return out.Bytes()
}

// traceLineEvent reads N from a trace line {"ev":N,...}; 0 if it is not one.
func traceLineEvent(b []byte) uint64 {
	rest, ok := bytes.CutPrefix(b, []byte(`{"ev":`))
	if !ok {
		return 0
	}
	end := bytes.IndexByte(rest, ',')
	if end < 0 {
		return 0
	}
	n, _ := strconv.ParseUint(string(rest[:end]), 10, 64)
	return n
}
