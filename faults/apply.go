package faults

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Log records what a schedule did, in true time, and holds the ends of the
// faults still active so HealAll can run them early.
type Log struct {
	w       *sim.World
	Entries []Entry
	active  []*activeFault // in start order
	healed  bool
}

// Entry is one fault as it happened. End is zero while the fault is active
// (and stays zero for instantaneous kinds).
type Entry struct {
	Fault
	// Description is the fault as scheduled (Fault.Describe: offset from
	// the schedule's start); Subject only its kind, nodes and amount, for
	// lines that give Start and End instead.
	Description string
	Subject     string
	Start, End  sim.Time
}

type activeFault struct {
	entry int
	end   func()
	done  bool
}

// Apply validates s and schedules each fault's start and end on w, relative
// to w.Now(). The returned Log fills in as the run goes.
func Apply(w *sim.World, s Schedule) (*Log, error) {
	for _, f := range s {
		if err := f.Validate(w); err != nil {
			return nil, err
		}
	}
	l := &Log{w: w}
	base := w.Now()
	for _, f := range s {
		f := f
		w.At(base.Add(f.At), "fault-start "+f.Describe(w), func() { l.start(f) })
	}
	return l, nil
}

func (l *Log) start(f Fault) {
	if l.healed {
		return // the run is past its safety phase: faults scheduled late are dropped
	}
	w := l.w
	l.Entries = append(l.Entries, Entry{Fault: f, Description: f.Describe(w), Subject: f.Subject(w), Start: w.Now()})
	idx := len(l.Entries) - 1
	end := startFault(w, f)
	if f.Kind.instantaneous() || end == nil {
		return
	}
	a := &activeFault{entry: idx, end: end}
	l.active = append(l.active, a)
	w.After(f.For, "fault-end "+f.Describe(w), func() { l.finish(a) })
}

func (l *Log) finish(a *activeFault) {
	if a.done {
		return
	}
	a.done = true
	a.end()
	l.Entries[a.entry].End = l.w.Now()
}

// HealAll ends every active fault now (in start order), restarts every node
// that is down, and drops faults scheduled to start later: the heal between
// the safety phase and the liveness phase.
func (l *Log) HealAll() {
	w := l.w
	for _, a := range l.active {
		l.finish(a)
	}
	l.active = nil
	l.healed = true
	w.HealAll()
	for _, id := range w.Nodes() {
		if !w.NodeUp(id) {
			w.Restart(id)
		}
	}
}

// Active returns the descriptions of the faults active now.
func (l *Log) Active() []string {
	var out []string
	for _, a := range l.active {
		if !a.done {
			out = append(out, l.Entries[a.entry].Description)
		}
	}
	return out
}

// startFault starts f on w and returns what ends it (nil for none).
func startFault(w *sim.World, f Fault) func() {
	switch f.Kind {
	case PartitionNode:
		id := w.Isolate(f.Nodes[0])
		return func() { w.Heal(id) }
	case PartitionRegion, PartitionHalves:
		id := w.Partition(f.Nodes, f.Other)
		return func() { w.Heal(id) }
	case PartitionBridge:
		// The two halves cannot see each other; the bridge sees both.
		a := Without(f.Nodes, f.Bridge)
		b := Without(f.Other, f.Bridge)
		id := w.Partition(a, b)
		return func() { w.Heal(id) }
	case PartitionOneWay:
		id := w.PartitionOneWay(f.Nodes, f.Other)
		return func() { w.Heal(id) }
	case LatencySpike, LossBurst, DupReorder:
		var pairs [][2]sim.NodeID
		for _, n := range f.Nodes {
			for _, m := range w.Nodes() {
				if m == n {
					continue
				}
				c := conditions(f)
				w.SetLinkConditions(n, m, c)
				w.SetLinkConditions(m, n, c)
				pairs = append(pairs, [2]sim.NodeID{n, m}, [2]sim.NodeID{m, n})
			}
		}
		return func() {
			for _, p := range pairs {
				w.ClearLinkConditions(p[0], p[1])
			}
		}
	case Crash:
		n := f.Nodes[0]
		w.Crash(n)
		return func() { w.Restart(n) }
	case Kill:
		for _, n := range f.Nodes {
			procs := w.NodeProcesses(n)
			if len(procs) > 0 {
				// Amount picks the victim, so the choice is part of the fault.
				w.Kill(procs[uint64(f.Amount)%uint64(len(procs))])
			}
		}
		return nil
	case ClockSkew:
		for _, n := range f.Nodes {
			w.SetClockSkew(n, sim.Duration(f.Amount))
		}
		return func() {
			for _, n := range f.Nodes {
				w.SetClockSkew(n, 0)
			}
		}
	case ClockDrift:
		for _, n := range f.Nodes {
			sim.Assert(w.SetClockDrift(n, f.Amount) == nil, "faults: drift validated")
		}
		return func() {
			for _, n := range f.Nodes {
				_ = w.SetClockDrift(n, 0)
			}
		}
	case ClockJump:
		for _, n := range f.Nodes {
			w.JumpClock(n, sim.Duration(f.Amount))
		}
		return nil
	case DiskSlow:
		for _, n := range f.Nodes {
			w.DiskOf(n).SyncLatencyFactor = f.Amount
		}
		return func() {
			for _, n := range f.Nodes {
				w.DiskOf(n).SyncLatencyFactor = 0
			}
		}
	case DiskLoseSyncs:
		for _, n := range f.Nodes {
			w.DiskOf(n).LoseSyncs = true
		}
		return func() {
			for _, n := range f.Nodes {
				w.DiskOf(n).LoseSyncs = false
			}
		}
	}
	panic(fmt.Sprintf("faults: kind %q has no start", f.Kind))
}

func conditions(f Fault) sim.LinkConditions {
	switch f.Kind {
	case LatencySpike:
		return sim.LinkConditions{ExtraLatency: sim.Duration(f.Amount), ExtraJitter: sim.Duration(f.Amount) / 2}
	case LossBurst:
		return sim.LinkConditions{DatagramLossPPM: f.Amount, StreamLossPPM: min(f.Amount, 500_000)}
	default: // DupReorder
		return sim.LinkConditions{DatagramDupPPM: f.Amount, ExtraJitter: 20 * sim.Millisecond}
	}
}

// Cut is traffic a partition blocks: from every node of From to every node
// of To.
type Cut struct{ From, To []sim.NodeID }

// Cuts says which traffic a partition fault blocks (what startFault asks
// sim for), given every node of the world; nil for a fault that is not a
// partition.
func (f Fault) Cuts(all []sim.NodeID) []Cut {
	both := func(a, b []sim.NodeID) []Cut { return []Cut{{From: a, To: b}, {From: b, To: a}} }
	switch f.Kind {
	case PartitionNode:
		return both(f.Nodes[:1], Without(all, f.Nodes[0]))
	case PartitionRegion, PartitionHalves:
		return both(f.Nodes, f.Other)
	case PartitionBridge:
		return both(Without(f.Nodes, f.Bridge), Without(f.Other, f.Bridge))
	case PartitionOneWay:
		return []Cut{{From: f.Nodes, To: f.Other}}
	}
	return nil
}

// Without returns ids without x.
func Without(ids []sim.NodeID, x sim.NodeID) []sim.NodeID {
	out := make([]sim.NodeID, 0, len(ids))
	for _, id := range ids {
		if id != x {
			out = append(out, id)
		}
	}
	return out
}
