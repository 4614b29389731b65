package faults

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// SwarmDraw is what a seed drew in swarm mode: which fault kinds are on, how
// often and how hard, and whether buggify is on.
type SwarmDraw struct {
	Nemesis Nemesis
	Buggify bool
}

// Swarm draws a nemesis from the seed: each kind is on with probability 1/2
// (at least one is), with its own rate, longest duration and intensity. A
// window is the length of the safety phase the rates are scaled to.
func Swarm(seed uint64, window sim.Duration) SwarmDraw {
	r := sim.NewRand(sim.DeriveSeed(seed, "faults/swarm"))
	var d SwarmDraw
	for _, k := range AllKinds {
		on := r.Chance(1, 2)
		every := r.Duration(window/16+1, window/2+2)
		maxFor := r.Duration(sim.Second, max(window/4, sim.Second)+1)
		intensity := 1 + r.Intn(MaxIntensity)
		if on {
			d.Nemesis.Rates = append(d.Nemesis.Rates, Rate{Kind: k, Every: every, MaxFor: maxFor, Intensity: intensity})
		}
	}
	if len(d.Nemesis.Rates) == 0 {
		k := AllKinds[r.Intn(len(AllKinds))]
		d.Nemesis.Rates = []Rate{{Kind: k, Every: window / 4, MaxFor: max(window/8, sim.Second), Intensity: 1}}
	}
	d.Buggify = r.Chance(1, 2)
	return d
}

// Lines describes the draw, one line per fault kind on, for the run's
// output ("every option drawn from the seed").
func (d SwarmDraw) Lines() []string {
	out := []string{fmt.Sprintf("swarm: buggify=%v, %d fault kinds on", d.Buggify, len(d.Nemesis.Rates))}
	for _, r := range d.Nemesis.Rates {
		out = append(out, fmt.Sprintf("swarm: %s every ~%s for up to %s, intensity %d", r.Kind, r.Every, r.MaxFor, r.Intensity))
	}
	return out
}
