package faults

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Universe is what faults may touch.
type Universe struct {
	// Nodes take part in partitions and link, clock and disk faults.
	Nodes []sim.NodeID
	// Crashable nodes may crash, lose processes, and get disk faults
	// (default: Nodes). Leave out nodes whose loss the run cannot survive
	// by design, such as the only copy of something.
	Crashable []sim.NodeID
}

func (u Universe) crashable() []sim.NodeID {
	if len(u.Crashable) > 0 {
		return u.Crashable
	}
	return u.Nodes
}

// Rate says how often a nemesis starts one kind of fault and how hard.
type Rate struct {
	Kind Kind
	// Every is the mean time between starts (uniform in [0, 2*Every)).
	Every sim.Duration
	// MaxFor bounds how long each fault lasts (uniform in [MaxFor/10, MaxFor]).
	MaxFor sim.Duration
	// Intensity, 1 to 4, scales each fault's Amount.
	Intensity int
}

// Nemesis starts faults at random with the given rates.
type Nemesis struct{ Rates []Rate }

// Limits of a nemesis.
const (
	MaxIntensity     = 4
	maxFaultsPerKind = 10_000 // a bound on one kind's faults in one window
)

// Validate says what is wrong with n, if anything.
func (n Nemesis) Validate() error {
	for _, r := range n.Rates {
		if _, err := ParseKind(string(r.Kind)); err != nil {
			return err
		}
		if r.Every <= 0 || r.MaxFor < 0 {
			return fmt.Errorf("nemesis rate for %s: Every %s must be positive and MaxFor %s not negative", r.Kind, r.Every, r.MaxFor)
		}
		if r.Intensity < 1 || r.Intensity > MaxIntensity {
			return fmt.Errorf("nemesis rate for %s: Intensity %d must be between 1 and %d", r.Kind, r.Intensity, MaxIntensity)
		}
	}
	return nil
}

// Generate draws a schedule for a window of virtual time from seed. The
// same inputs give the same schedule.
func (n Nemesis) Generate(w *sim.World, u Universe, seed uint64, window sim.Duration) (Schedule, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if len(u.Nodes) < 2 {
		return nil, fmt.Errorf("nemesis: the universe needs at least 2 nodes, has %d", len(u.Nodes))
	}
	var s Schedule
	for _, rate := range n.Rates {
		// One stream per kind: turning a kind on or off leaves the others'
		// draws alone.
		r := sim.NewRand(sim.DeriveSeed(seed, "faults/nemesis/"+string(rate.Kind)))
		t := sim.Duration(0)
		for k := 0; k < maxFaultsPerKind; k++ {
			t += r.Duration(0, 2*rate.Every)
			if t >= window {
				break
			}
			f := draw(w, u, r, rate.Kind, rate.Intensity)
			f.At = t
			f.For = r.Duration(rate.MaxFor/10, rate.MaxFor+1)
			if f.At+f.For > window {
				f.For = window - f.At
			}
			s = append(s, f)
		}
	}
	return s, nil
}

// draw picks the nodes and amount of one fault.
func draw(w *sim.World, u Universe, r *sim.Rand, k Kind, intensity int) Fault {
	nodes := u.Nodes
	pick := func(ids []sim.NodeID) sim.NodeID { return ids[r.Intn(len(ids))] }
	scale := int64(intensity)
	sign := func() int64 {
		if r.Chance(1, 2) {
			return -1
		}
		return 1
	}
	f := Fault{Kind: k}
	switch k {
	case PartitionNode:
		f.Nodes = []sim.NodeID{pick(nodes)}
	case PartitionRegion:
		region := w.NodeRegion(pick(nodes))
		for _, id := range nodes {
			if w.NodeRegion(id) == region {
				f.Nodes = append(f.Nodes, id)
			} else {
				f.Other = append(f.Other, id)
			}
		}
		if len(f.Other) == 0 { // one region: fall back to halves
			return draw(w, u, r, PartitionHalves, intensity)
		}
	case PartitionHalves, PartitionBridge:
		shuffled := append([]sim.NodeID{}, nodes...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if k == PartitionBridge && len(shuffled) >= 3 {
			f.Bridge = shuffled[0]
			rest := shuffled[1:]
			cut := 1 + r.Intn(len(rest)-1)
			f.Nodes = append([]sim.NodeID{f.Bridge}, rest[:cut]...)
			f.Other = append([]sim.NodeID{f.Bridge}, rest[cut:]...)
		} else {
			f.Kind = PartitionHalves
			cut := 1 + r.Intn(len(shuffled)-1)
			f.Nodes, f.Other = shuffled[:cut], shuffled[cut:]
		}
	case PartitionOneWay:
		a := pick(nodes)
		b := a
		for b == a {
			b = pick(nodes)
		}
		f.Nodes, f.Other = []sim.NodeID{a}, []sim.NodeID{b}
	case LatencySpike:
		f.Nodes = []sim.NodeID{pick(nodes)}
		f.Amount = scale * int64(r.Duration(20*sim.Millisecond, 200*sim.Millisecond))
	case LossBurst:
		f.Nodes = []sim.NodeID{pick(nodes)}
		f.Amount = min(scale*r.Int64n(80_000)+20_000, 1_000_000)
	case DupReorder:
		f.Nodes = []sim.NodeID{pick(nodes)}
		f.Amount = min(scale*(r.Int64n(40_000)+10_000), 1_000_000)
	case Crash, DiskLoseSyncs:
		f.Nodes = []sim.NodeID{pick(u.crashable())}
	case Kill:
		f.Nodes = []sim.NodeID{pick(u.crashable())}
		f.Amount = r.Int64n(1 << 30)
	case ClockSkew:
		f.Nodes = []sim.NodeID{pick(nodes)}
		f.Amount = sign() * scale * int64(r.Duration(100*sim.Millisecond, 2*sim.Second))
	case ClockJump:
		f.Nodes = []sim.NodeID{pick(nodes)}
		f.Amount = sign() * scale * int64(r.Duration(100*sim.Millisecond, 5*sim.Second))
	case ClockDrift:
		f.Nodes = []sim.NodeID{pick(nodes)}
		f.Amount = sign() * scale * (100 + r.Int64n(900))
	case DiskSlow:
		f.Nodes = []sim.NodeID{pick(u.crashable())}
		f.Amount = scale * (2 + r.Int64n(9))
	}
	return f
}
