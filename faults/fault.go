package faults

import (
	"fmt"
	"strings"

	"github.com/guildsim/guildsim/sim"
)

// Kind is a kind of fault.
type Kind string

// The kinds of fault. Each is a pair of verbs on the world (start, end)
// except ClockJump and Kill, which are instantaneous.
const (
	PartitionNode   Kind = "partition-node"   // isolate one node from all others
	PartitionRegion Kind = "partition-region" // cut one region off from the rest
	PartitionHalves Kind = "partition-halves" // split the nodes into two random halves
	PartitionBridge Kind = "partition-bridge" // two halves that only a bridge node sees both of (Jepsen's bridge)
	PartitionOneWay Kind = "partition-oneway" // one node cannot reach another (zombie connections)
	LatencySpike    Kind = "latency-spike"    // extra latency and jitter on a node's outgoing links
	LossBurst       Kind = "loss-burst"       // datagram loss and stream retransmissions on a node's links
	DupReorder      Kind = "dup-reorder"      // datagram duplication and heavy jitter (reordering)
	Crash           Kind = "crash"            // crash a node, restart it after For
	Kill            Kind = "kill"             // kill one process of a node
	ClockSkew       Kind = "clock-skew"       // offset a node's wall clock for For
	ClockDrift      Kind = "clock-drift"      // make a node's clocks run fast or slow for For
	ClockJump       Kind = "clock-jump"       // step a node's wall clock once
	DiskSlow        Kind = "disk-slow"        // multiply a node's sync latency for For
	DiskLoseSyncs   Kind = "disk-lose-syncs"  // a node's syncs report success but persist nothing, for For
)

// AllKinds lists every kind, in a fixed order.
var AllKinds = []Kind{
	PartitionNode, PartitionRegion, PartitionHalves, PartitionBridge, PartitionOneWay,
	LatencySpike, LossBurst, DupReorder, Crash, Kill, ClockSkew, ClockDrift, ClockJump,
	DiskSlow, DiskLoseSyncs,
}

// instantaneous kinds have no end.
func (k Kind) instantaneous() bool { return k == ClockJump || k == Kill }

// ParseKind returns the kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range AllKinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(AllKinds))
	for i, k := range AllKinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown fault kind %q: want one of %s", s, strings.Join(names, ", "))
}

// Fault is one fault: what, when, for how long, where and how hard.
type Fault struct {
	Kind Kind
	// At is the offset from the start of the schedule; For how long the
	// fault lasts (ignored by instantaneous kinds).
	At, For sim.Duration
	// Nodes are the nodes the fault acts on: one side of a partition, the
	// node that crashes, whose clock or disk or links misbehave. Other is
	// the other side of a partition (PartitionOneWay: from Nodes to Other).
	Nodes, Other []sim.NodeID
	// Bridge is the node that sees both sides of a PartitionBridge.
	Bridge sim.NodeID
	// Amount is how hard: a latency in ns (LatencySpike), a ratio in ppm
	// (LossBurst, DupReorder), a clock offset in ns (ClockSkew, ClockJump), a
	// drift in ppm (ClockDrift), a factor (DiskSlow).
	Amount int64
}

// Describe renders f with node names, for logs and reports: its kind,
// nodes and amount (Subject), then when it starts and for how long, as a
// schedule written out (--faults) reads it.
func (f Fault) Describe(w *sim.World) string {
	s := fmt.Sprintf("%s at +%s", f.Subject(w), f.At)
	if !f.Kind.instantaneous() {
		s += " for " + f.For.String()
	}
	return s
}

// Subject renders f's kind, nodes and amount without its timing, for
// lines that give the fault's true start and end instead.
func (f Fault) Subject(w *sim.World) string {
	names := func(ids []sim.NodeID) string {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = w.NodeName(id)
		}
		return strings.Join(s, ",")
	}
	var what string
	switch f.Kind {
	case PartitionHalves, PartitionRegion:
		what = fmt.Sprintf("[%s] | [%s]", names(f.Nodes), names(f.Other))
	case PartitionBridge:
		what = fmt.Sprintf("[%s] | [%s] bridge %s", names(f.Nodes), names(f.Other), w.NodeName(f.Bridge))
	case PartitionOneWay:
		what = fmt.Sprintf("%s -> %s", names(f.Nodes), names(f.Other))
	case LatencySpike, ClockSkew, ClockJump:
		what = fmt.Sprintf("%s %s", names(f.Nodes), sim.Duration(f.Amount))
	case LossBurst, DupReorder:
		what = fmt.Sprintf("%s %dppm", names(f.Nodes), f.Amount)
	case ClockDrift:
		what = fmt.Sprintf("%s %+dppm", names(f.Nodes), f.Amount)
	case DiskSlow:
		what = fmt.Sprintf("%s x%d", names(f.Nodes), f.Amount)
	default:
		what = names(f.Nodes)
	}
	return fmt.Sprintf("%s %s", f.Kind, what)
}

// Validate says what is wrong with f, if anything.
func (f Fault) Validate(w *sim.World) error {
	if f.At < 0 || f.For < 0 {
		return fmt.Errorf("fault %s: At %s and For %s must not be negative", f.Kind, f.At, f.For)
	}
	if _, err := ParseKind(string(f.Kind)); err != nil {
		return err
	}
	if len(f.Nodes) == 0 {
		return fmt.Errorf("fault %s: no nodes", f.Kind)
	}
	for _, id := range append(append([]sim.NodeID{}, f.Nodes...), f.Other...) {
		if w.NodeName(id) == "" {
			return fmt.Errorf("fault %s: no node with id %d", f.Kind, id)
		}
	}
	switch f.Kind {
	case PartitionHalves, PartitionRegion, PartitionBridge, PartitionOneWay:
		if len(f.Other) == 0 {
			return fmt.Errorf("fault %s: the other side is empty", f.Kind)
		}
	}
	if err := f.CheckAmount(); err != nil {
		return fmt.Errorf("fault %s: %w", f.Kind, err)
	}
	return nil
}

// CheckAmount says whether f.Amount is in range for its kind. It needs no
// world, so a schedule written out (--faults) is checked when it is parsed,
// before anything runs.
func (f Fault) CheckAmount() error {
	switch f.Kind {
	case LossBurst, DupReorder:
		if f.Amount < 0 || f.Amount > 1_000_000 {
			return fmt.Errorf("amount %dppm: a ratio in ppm must be between 0 and 1000000", f.Amount)
		}
	case ClockDrift:
		if f.Amount < -500_000 || f.Amount > 500_000 {
			return fmt.Errorf("amount %+dppm: a drift must be between -500000 and +500000 ppm", f.Amount)
		}
	case DiskSlow:
		if f.Amount < 1 || f.Amount > 10_000 {
			return fmt.Errorf("amount x%d: a slow-down factor must be between x1 and x10000", f.Amount)
		}
	case LatencySpike:
		if f.Amount < 0 {
			return fmt.Errorf("amount %s: an added latency must not be negative", sim.Duration(f.Amount))
		}
	}
	return nil
}

// Schedule is a list of faults; order does not matter (At does).
type Schedule []Fault
