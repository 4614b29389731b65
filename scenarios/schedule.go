package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/guildsim/guildsim/faults"
	"github.com/guildsim/guildsim/sim"
)

// A fault schedule as text (Options.Faults, --faults): the faults as
// faults.Fault.Describe prints them, separated by ";":
//
//	crash store-1 at +3s for 5s; partition-halves [guild-0] | [store-0,store-1] at +8s for 4s
//
// One fault per kind of line:
//
//	partition-node NODE                      crash NODE          disk-lose-syncs NODE
//	partition-halves [A,B] | [C,D]           partition-region [A] | [B,C]
//	partition-bridge [A,B] | [C,D] bridge X  partition-oneway A,B -> C
//	latency-spike NODE 200ms                 clock-skew NODE -5s  clock-jump NODE 30s
//	loss-burst NODE 300000ppm                dup-reorder NODE 100000ppm
//	clock-drift NODE +500ppm                 disk-slow NODE x10
//
// each followed by "at +OFFSET" (from the start of the safety phase) and,
// except clock-jump, "for DURATION". Nodes are named as the run names them
// (store-0, guild-1, gateway-0, clients-0, control). kill is not accepted:
// nothing in system/ supervises processes (see swarm).

// scheduleFault is one parsed fault with node names, before the names are
// resolved against a topology.
type scheduleFault struct {
	text         string // as written, for errors
	f            faults.Fault
	nodes, other []string
	bridge       string
}

// parseSchedule parses text into faults with node names.
func parseSchedule(text string) ([]scheduleFault, error) {
	var out []scheduleFault
	for _, part := range strings.Split(text, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		sf, err := parseFault(part)
		if err != nil {
			return nil, fmt.Errorf("guildsim: --faults %q: %w", part, err)
		}
		sf.text = part
		out = append(out, sf)
	}
	return out, nil
}

func parseFault(s string) (scheduleFault, error) {
	var sf scheduleFault
	kindName, rest, _ := strings.Cut(s, " ")
	kind, err := faults.ParseKind(kindName)
	if err != nil {
		return sf, err
	}
	if kind == faults.Kill {
		return sf, fmt.Errorf("kill is not accepted: nothing in system/ supervises processes")
	}
	sf.f.Kind = kind
	// The tail: "at +D" and, unless instantaneous, "for D".
	what, when, ok := strings.Cut(rest, " at +")
	if !ok {
		return sf, fmt.Errorf(`want "at +OFFSET" after the nodes`)
	}
	atText, forText, hasFor := strings.Cut(when, " for ")
	if sf.f.At, err = parseDur(atText); err != nil || sf.f.At < 0 {
		return sf, fmt.Errorf("offset %q: want a duration such as 3s", atText)
	}
	if kind == faults.ClockJump {
		if hasFor {
			return sf, fmt.Errorf("clock-jump is instantaneous: no \"for\"")
		}
	} else {
		if !hasFor {
			return sf, fmt.Errorf(`want "for DURATION" after the offset`)
		}
		if sf.f.For, err = parseDur(forText); err != nil || sf.f.For <= 0 {
			return sf, fmt.Errorf("duration %q: want a positive duration such as 5s", forText)
		}
	}
	what = strings.TrimSpace(what)
	list := func(s string) ([]string, error) {
		s = strings.TrimSpace(s)
		// A side is [A,B] or a bare A,B: a bracket anywhere else is a typo
		// that would otherwise become part of a node name, or vanish.
		if inner, ok := strings.CutPrefix(s, "["); ok {
			if s, ok = strings.CutSuffix(inner, "]"); !ok {
				return nil, fmt.Errorf("unbalanced brackets in %q: want [A,B]", "["+inner)
			}
		}
		if strings.ContainsAny(s, "[]") {
			return nil, fmt.Errorf("unbalanced brackets in %q: want [A,B]", s)
		}
		var names []string
		for _, n := range strings.Split(s, ",") {
			if n = strings.TrimSpace(n); n == "" {
				return nil, fmt.Errorf("an empty node name in %q", s)
			}
			names = append(names, n)
		}
		return names, nil
	}
	// nodeAndAmount splits "NODE AMOUNT".
	nodeAndAmount := func() (string, error) {
		nodes, amount, ok := strings.Cut(what, " ")
		if !ok {
			return "", fmt.Errorf("want NODE and an amount")
		}
		if sf.nodes, err = list(nodes); err != nil {
			return "", err
		}
		return strings.TrimSpace(amount), nil
	}
	// twoSides splits s at sep into the fault's two node lists.
	twoSides := func(s, sep, want string) error {
		a, b, ok := strings.Cut(s, sep)
		if !ok {
			return fmt.Errorf("want %q", want)
		}
		if sf.nodes, err = list(a); err != nil {
			return err
		}
		sf.other, err = list(b)
		return err
	}
	switch kind {
	case faults.PartitionHalves, faults.PartitionRegion, faults.PartitionBridge:
		sides := what
		if kind == faults.PartitionBridge {
			var bridge string
			var ok bool
			if sides, bridge, ok = strings.Cut(what, " bridge "); !ok {
				return sf, fmt.Errorf(`want "[A,B] | [C,D] bridge X"`)
			}
			sf.bridge = strings.TrimSpace(bridge)
		}
		if err := twoSides(sides, "|", "[A,B] | [C,D]"); err != nil {
			return sf, err
		}
	case faults.PartitionOneWay:
		if err := twoSides(what, "->", "A -> B"); err != nil {
			return sf, err
		}
	case faults.LatencySpike, faults.ClockSkew, faults.ClockJump:
		amount, err := nodeAndAmount()
		if err != nil {
			return sf, err
		}
		d, err := parseDur(amount)
		if err != nil {
			return sf, fmt.Errorf("amount %q: want a duration", amount)
		}
		sf.f.Amount = int64(d)
	case faults.LossBurst, faults.DupReorder, faults.ClockDrift:
		amount, err := nodeAndAmount()
		if err != nil {
			return sf, err
		}
		v, err := strconv.ParseInt(strings.TrimSuffix(amount, "ppm"), 10, 64)
		if err != nil || !strings.HasSuffix(amount, "ppm") {
			return sf, fmt.Errorf("amount %q: want parts per million such as 250000ppm", amount)
		}
		sf.f.Amount = v
	case faults.DiskSlow:
		amount, err := nodeAndAmount()
		if err != nil {
			return sf, err
		}
		v, err := strconv.ParseInt(strings.TrimPrefix(amount, "x"), 10, 64)
		if err != nil || !strings.HasPrefix(amount, "x") {
			return sf, fmt.Errorf("amount %q: want a factor such as x10", amount)
		}
		sf.f.Amount = v
	default:
		if sf.nodes, err = list(what); err != nil {
			return sf, err
		}
	}
	if err := sf.f.CheckAmount(); err != nil {
		return sf, err
	}
	return sf, sf.checkSides()
}

// checkSides rejects a node on both sides of a partition (partitioned
// from itself) or named twice on one side: such a fault cuts nothing the
// user meant, or cuts a node off from itself, which sim cannot do.
func (sf scheduleFault) checkSides() error {
	seen := map[string]string{}
	for _, side := range []struct {
		name  string
		nodes []string
	}{{"first side", sf.nodes}, {"other side", sf.other}} {
		for _, n := range side.nodes {
			if prev, ok := seen[n]; ok {
				if prev == side.name {
					return fmt.Errorf("node %q named twice on the %s", n, side.name)
				}
				return fmt.Errorf("node %q is on both sides: a node cannot be partitioned from itself", n)
			}
			seen[n] = side.name
		}
	}
	return nil
}

// parseDur reads a duration with an optional sign ("+500ms", "-5s").
func parseDur(s string) (sim.Duration, error) {
	return sim.ParseDuration(strings.TrimPrefix(strings.TrimSpace(s), "+"))
}

// resolve turns parsed faults into a schedule, naming the first unknown
// node.
func resolveSchedule(sfs []scheduleFault, known []string, lookup func(string) (sim.NodeID, bool)) (faults.Schedule, error) {
	ids := func(names []string) ([]sim.NodeID, error) {
		var out []sim.NodeID
		for _, n := range names {
			id, ok := lookup(n)
			if !ok {
				return nil, fmt.Errorf("guildsim: --faults: unknown node %q (this run's nodes: %s)", n, strings.Join(known, ", "))
			}
			out = append(out, id)
		}
		return out, nil
	}
	var sched faults.Schedule
	for _, sf := range sfs {
		f := sf.f
		var err error
		if f.Nodes, err = ids(sf.nodes); err != nil {
			return nil, err
		}
		if f.Other, err = ids(sf.other); err != nil {
			return nil, err
		}
		if sf.bridge != "" {
			b, err := ids([]string{sf.bridge})
			if err != nil {
				return nil, err
			}
			f.Bridge = b[0]
		}
		sched = append(sched, f)
	}
	return sched, nil
}

// nodeNames are the names of the nodes a run with options o has, in
// deploy's order, as deploy names them (the driver's aside: faults leave
// it alone), for checking --faults and --trace-filter before a world
// exists.
func (o Options) nodeNames() []string {
	names, err := o.nodes().NodeNames()
	sim.Assert(err == nil, "scenarios: options in range make a valid topology")
	return names
}

// validateSchedule checks o.Faults without a world: syntax, amounts, node
// names, and that every fault starts within the safety phase (the heal
// at its end drops a fault that has not started: accepting one would
// run without it and say ok).
func validateSchedule(o Options) error {
	sfs, err := parseSchedule(o.Faults)
	if err != nil {
		return err
	}
	for _, sf := range sfs {
		if sf.f.At >= o.Safety {
			return fmt.Errorf("guildsim: --faults %q: starts at +%s, after the safety phase (--safety %s) in which faults run: start it earlier or lengthen --safety",
				strings.TrimSpace(sf.text), sf.f.At, o.Safety)
		}
	}
	list := o.nodeNames()
	_, err = resolveSchedule(sfs, list, func(n string) (sim.NodeID, bool) { return 0, slices.Contains(list, n) })
	return err
}

// FormatSchedule renders a schedule in the text form ParseSchedule reads.
func FormatSchedule(w *sim.World, s faults.Schedule) string {
	parts := make([]string, len(s))
	for i, f := range s {
		parts[i] = f.Describe(w)
	}
	return strings.Join(parts, "; ")
}

// ParseSchedule parses text (see the format above) against w's nodes.
func ParseSchedule(w *sim.World, text string) (faults.Schedule, error) {
	sfs, err := parseSchedule(text)
	if err != nil {
		return nil, err
	}
	var known []string
	for _, id := range w.Nodes() {
		if n := w.NodeName(id); n != "driver" {
			known = append(known, n)
		}
	}
	return resolveSchedule(sfs, known, w.Node)
}
