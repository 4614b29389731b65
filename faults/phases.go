package faults

import "github.com/guildsim/guildsim/sim"

// Phases are the two parts of a faulty run: a safety phase under faults, then
// a heal and a liveness phase in which the system must converge within a
// bound (TigerBeetle's VOPR does the same: a healed cluster must recover).
type Phases struct {
	Safety   sim.Duration
	Liveness sim.Duration
}

// Outcome says how the liveness phase went.
type Outcome struct {
	HealedAt       sim.Time
	Converged      bool
	ConvergedAfter sim.Duration // from the heal; the bound if it did not converge
}

// RunPhases runs the safety phase, heals everything log started (and
// restarts every node that is down), then runs until converged returns true
// or the liveness bound passes.
func RunPhases(w *sim.World, log *Log, p Phases, converged func() bool) (Outcome, error) {
	if err := w.RunFor(p.Safety); err != nil {
		return Outcome{}, err
	}
	log.HealAll()
	out := Outcome{HealedAt: w.Now()}
	ok, err := w.RunUntilCond(converged, p.Liveness)
	out.Converged = ok
	out.ConvergedAfter = w.Now().Sub(out.HealedAt)
	return out, err
}
