package faults

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// Budget is what the system under test promises to survive, in terms of
// the faults that can break the promise: a node losing its durable state.
// A node loses state when it crashes while its disk lies about syncs
// (DiskLoseSyncs), or within StateLossGrace after the lie ended (nothing
// the node synced meanwhile is durable until its next honest sync). A
// crash alone loses nothing a node synced; a lying disk alone loses
// nothing while the node stays up (its memory still holds everything).
//
// Each Group names nodes whose durable state one promise rests on and how
// much loss it tolerates. A swarm nemesis keeps its schedule inside the
// budget (Admit refuses the faults that would leave it, and says why); a
// schedule written by hand is run as written and Check names what in it
// goes beyond, so that the run's verdicts are read for what they are.
type Budget struct {
	_ struct{}
	// Groups are the promises, in a fixed order.
	Groups []BudgetGroup
	// StateLossGrace is how long after a disk stopped lying a crash of its
	// node still counts as losing state: the time by which the node has
	// synced again (a storage node syncs its commit log at least every
	// 10 s; a guild rewrites its ID reservation within idReserveAhead).
	StateLossGrace sim.Duration
}

// Tolerance says how much state loss a group survives.
type Tolerance int

const (
	// SoleCopy: each node's disk holds the only copy of its state (a
	// guild's snowflake reservation); no node of the group may lose it.
	SoleCopy Tolerance = iota + 1
	// OneReplica: the nodes hold replicas of the same data (the store,
	// replication factor 3, QUORUM reads and writes); one node may lose
	// state while the others get every write it acknowledged: from the
	// start of the lie to its restart, no other node of the group is down,
	// cut off from the others, slowed (latency, loss, reordering) or losing
	// state, and the lying node's own links are neither cut nor slowed (the
	// writes it coordinates must reach the others before its crash drops
	// what its links hold, and the hints it keeps). Otherwise a write
	// acknowledged by the lying replica and a second can be missing from
	// the third, and a QUORUM of the lying and the third misses it.
	OneReplica
)

// BudgetGroup is one promise: nodes and what loss they tolerate.
type BudgetGroup struct {
	Name      string // "store", "guild": the subsystem that promises
	Nodes     []sim.NodeID
	Tolerance Tolerance
}

// Refusal is a fault of a schedule that goes beyond a budget, and why.
type Refusal struct {
	Fault  Fault
	Reason string
}

// Admit walks s in start order and keeps the faults that leave the budget
// intact: a crash that would make its node lose state beyond its group's
// tolerance is refused (the nemesis says so instead of running it); every
// other fault is kept. The schedule kept is within b.
func (b Budget) Admit(w *sim.World, s Schedule) (Schedule, []Refusal) {
	return b.walk(w, s, true)
}

// Check walks s as Admit does but keeps every fault: the refusals it
// returns are the reasons s goes beyond b (none: s is within it).
func (b Budget) Check(w *sim.World, s Schedule) []Refusal {
	_, out := b.walk(w, s, false)
	return out
}

// window is a stretch of schedule time [from, to] in which a node is
// impaired: down, cut off from other nodes of its group, or losing state.
type window struct {
	node     sim.NodeID
	from, to sim.Duration
	impair   impairment
}

type impairment int

const (
	isDown impairment = iota + 1
	isCut
	isSlow
	losesState
)

func (a window) overlaps(b window) bool { return a.from <= b.to && b.from <= a.to }

func (a window) what() string {
	switch a.impair {
	case losesState:
		return "loses state"
	case isCut:
		return "is cut off from the others"
	case isSlow:
		return "has slow links"
	}
	return "is down"
}

func (b Budget) walk(w *sim.World, s Schedule, drop bool) (Schedule, []Refusal) {
	order := make([]int, len(s))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(s[i].At, s[j].At) })
	var (
		kept     Schedule
		refusals []Refusal
		lies     []Fault  // disk-lose-syncs so far (never refused: a lie alone loses nothing)
		impaired []window // windows of the faults kept so far
	)
	for _, i := range order {
		f := s[i]
		if f.Kind == DiskLoseSyncs {
			lies = append(lies, f)
		}
		ws := b.windowsOf(w, f, lies, impaired)
		reason := ""
		for _, c := range ws {
			if reason = b.exceeds(w, c, impaired); reason != "" {
				break
			}
		}
		if reason != "" {
			refusals = append(refusals, Refusal{Fault: f, Reason: reason})
			if drop {
				continue
			}
		}
		impaired = append(impaired, ws...)
		kept = append(kept, f)
	}
	return kept, refusals
}

// windowsOf are the impairments f brings to nodes of the budget's groups.
func (b Budget) windowsOf(w *sim.World, f Fault, lies []Fault, impaired []window) []window {
	from, to := f.At, f.At+f.For
	var out []window
	switch f.Kind {
	case Crash:
		for _, x := range f.Nodes {
			if b.groupOf(x) == nil {
				continue
			}
			c := window{node: x, from: from, to: to, impair: isDown}
			if lieFrom, ok := b.lieCutShort(x, f.At, lies, impaired); ok {
				c.from, c.impair = lieFrom, losesState
			}
			out = append(out, c)
		}
	case PartitionNode, PartitionHalves, PartitionRegion, PartitionBridge, PartitionOneWay:
		for gi := range b.Groups {
			g := &b.Groups[gi]
			if g.Tolerance != OneReplica {
				continue // a sole copy is not kept up to date by its peers
			}
			for _, x := range cutOff(g, f) {
				out = append(out, window{node: x, from: from, to: to, impair: isCut})
			}
		}
	case LatencySpike, LossBurst, DupReorder:
		for _, x := range f.Nodes {
			if g := b.groupOf(x); g != nil && g.Tolerance == OneReplica {
				out = append(out, window{node: x, from: from, to: to, impair: isSlow})
			}
		}
	}
	return out
}

// lieCutShort says whether a crash of x at the offset at cuts a lie short:
// a lie on x that began before the crash, ended at most StateLossGrace
// before it, and lasted past x's previous restart. It returns when the
// state the crash loses began to be lost.
func (b Budget) lieCutShort(x sim.NodeID, at sim.Duration, lies []Fault, impaired []window) (sim.Duration, bool) {
	best, found := sim.Duration(0), false
	for _, l := range lies {
		end := l.At + l.For + b.StateLossGrace
		if !slices.Contains(l.Nodes, x) || l.At > at || end < at {
			continue
		}
		from := l.At
		for _, d := range impaired {
			if d.node == x && d.impair != isCut && d.to <= at && d.to > from {
				from = d.to // restarted since: what the lie cost before is already lost
			}
		}
		if from > end {
			continue
		}
		if !found || from < best {
			best, found = from, true
		}
	}
	return best, found
}

// cutOff are the nodes of g that f cuts off from others of g: they miss
// the writes the others coordinate. Of a two-sided cut, the side with fewer
// of g's nodes (both on a tie); of a one-way cut, both ends; of a node cut
// off from everyone, that node.
func cutOff(g *BudgetGroup, f Fault) []sim.NodeID {
	in := func(ids []sim.NodeID) []sim.NodeID {
		var out []sim.NodeID
		for _, id := range ids {
			if id != f.Bridge || f.Kind != PartitionBridge {
				if slices.Contains(g.Nodes, id) && !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
		return out
	}
	a, o := in(f.Nodes), in(f.Other)
	switch {
	case f.Kind == PartitionNode:
		if len(g.Nodes) > 1 {
			return a
		}
		return nil
	case len(a) == 0 || len(o) == 0:
		return nil
	case f.Kind == PartitionOneWay || len(a) == len(o):
		return append(a, o...)
	case len(a) < len(o):
		return a
	}
	return o
}

// conflict says whether two overlapping windows of one group's nodes
// impair two replicas at once: one of them loses state and the other is
// impaired in any way, or, on the node that loses state, its own links are
// cut or slow (its legs to the other replicas are lost or late when it
// crashes).
func conflict(c, o window) bool {
	if c.impair != losesState && o.impair != losesState {
		return false
	}
	if c.node != o.node {
		return true
	}
	other := c
	if c.impair == losesState {
		other = o
	}
	return other.impair == isCut || other.impair == isSlow
}

// exceeds says why c goes beyond the budget given the windows kept so far
// ("" if it does not).
func (b Budget) exceeds(w *sim.World, c window, impaired []window) string {
	g := b.groupOf(c.node)
	if g == nil {
		return ""
	}
	if c.impair == losesState && g.Tolerance == SoleCopy {
		return fmt.Sprintf("%s: %s would lose the only copy of its state (its disk lied about syncs from +%s)",
			g.Name, w.NodeName(c.node), c.from)
	}
	if g.Tolerance != OneReplica {
		return ""
	}
	for _, o := range impaired {
		if !slices.Contains(g.Nodes, o.node) || !o.overlaps(c) || !conflict(c, o) {
			continue
		}
		if o.node == c.node {
			loss, link := c, o
			if o.impair == losesState {
				loss, link = o, c
			}
			return fmt.Sprintf("%s: %s would lose state (+%s to +%s) while it %s (+%s to +%s): the writes it coordinated may not reach the others, and their hints die with it",
				g.Name, w.NodeName(c.node), loss.from, loss.to, link.what(), link.from, link.to)
		}
		return fmt.Sprintf("%s: %s would be impaired while %s is (%s %s +%s to +%s, %s %s +%s to +%s): two of its replicas at once",
			g.Name, w.NodeName(c.node), w.NodeName(o.node),
			w.NodeName(c.node), c.what(), c.from, c.to, w.NodeName(o.node), o.what(), o.from, o.to)
	}
	return ""
}

func (b Budget) groupOf(x sim.NodeID) *BudgetGroup {
	for i := range b.Groups {
		if slices.Contains(b.Groups[i].Nodes, x) {
			return &b.Groups[i]
		}
	}
	return nil
}

// Describe says what r refuses and why, with the fault as a schedule
// writes it.
func (r Refusal) Describe(w *sim.World) string {
	return fmt.Sprintf("%s: beyond the fault budget (offsets from the schedule's start): %s", r.Fault.Describe(w), r.Reason)
}

// Lines says what b promises, one line per group, for a run's output.
func (b Budget) Lines(w *sim.World) []string {
	var out []string
	for _, g := range b.Groups {
		names := make([]string, len(g.Nodes))
		for i, id := range g.Nodes {
			names[i] = w.NodeName(id)
		}
		what := "no node loses its state"
		if g.Tolerance == OneReplica {
			what = "one node may lose state while the others are up, connected, not slowed and whole, and its own links too"
		}
		out = append(out, fmt.Sprintf("budget: %s [%s]: %s (a crash within %s of a disk lying about syncs loses state)",
			g.Name, joinNames(names), what, b.StateLossGrace))
	}
	return out
}

func joinNames(s []string) string {
	out := ""
	for i, n := range s {
		if i > 0 {
			out += ","
		}
		out += n
	}
	return out
}
