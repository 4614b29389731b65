package sim_test

import (
	"fmt"
	"strings"

	"github.com/guildsim/guildsim/sim"
	"pgregory.net/rapid"
)

// Helpers shared by the property tests (prop_*_test.go). Every property draws
// the world's seed with rapid and reports it in each failure message, next to
// rapid's own seed and replay command, so that a failing world can also be
// replayed outside rapid (sim.Config{Seed: ...} with the other drawn values
// that rapid prints).

// propT wraps *rapid.T so that every failure, including testify's require
// helpers, names the world seed.
type propT struct {
	*rapid.T
	seed uint64
	errs []string // failures seen inside handlers, reported after the run
}

// newPropT draws the world seed.
func newPropT(rt *rapid.T) *propT {
	return &propT{T: rt, seed: rapid.Uint64().Draw(rt, "worldSeed")}
}

func (p *propT) prefix() string { return fmt.Sprintf("[world seed %d] ", p.seed) }

// Errorf is what testify's require calls before FailNow.
func (p *propT) Errorf(format string, args ...any) {
	p.T.Helper()
	p.T.Errorf(p.prefix()+format, args...)
}

// Fatalf fails the check at once.
func (p *propT) Fatalf(format string, args ...any) {
	p.T.Helper()
	p.T.Fatalf(p.prefix()+format, args...)
}

// failLater records a failure seen inside a simulated handler: a panic there
// would be caught by the world's run loop and turned into a *sim.PanicError,
// so handlers record and the test reports after the run (checkErrs).
func (p *propT) failLater(format string, args ...any) {
	if len(p.errs) < 20 {
		p.errs = append(p.errs, fmt.Sprintf(format, args...))
	}
}

// checkErrs fails if a handler recorded a failure.
func (p *propT) checkErrs() {
	p.T.Helper()
	if len(p.errs) > 0 {
		p.Fatalf("%d failure(s) inside the run:\n  %s", len(p.errs), strings.Join(p.errs, "\n  "))
	}
}

// newWorld builds a world with the drawn seed.
func (p *propT) newWorld(cfg sim.Config) *sim.World {
	p.T.Helper()
	cfg.Seed = p.seed
	w, err := sim.NewWorld(cfg)
	if err != nil {
		p.Fatalf("NewWorld: %v", err)
	}
	return w
}

// run runs w until no event is left and fails on a run error.
func (p *propT) run(w *sim.World) {
	p.T.Helper()
	if err := w.Run(); err != nil {
		p.Fatalf("run: %v", err)
	}
}

// runFor runs w for d of virtual time and fails on a run error.
func (p *propT) runFor(w *sim.World, d sim.Duration) {
	p.T.Helper()
	if err := w.RunFor(d); err != nil {
		p.Fatalf("run: %v", err)
	}
}

var propRegionNames = []string{"r0", "r1", "r2", "r3"}

// drawRegions draws 1..max regions and a latency matrix for them (one-way
// base latency, asymmetric, up to maxLatency).
func drawRegions(rt *rapid.T, max int, maxLatency sim.Duration) ([]string, [][]sim.Duration) {
	n := rapid.IntRange(1, max).Draw(rt, "regions")
	lat := make([][]sim.Duration, n)
	for i := range lat {
		lat[i] = make([]sim.Duration, n)
		for j := range lat[i] {
			lat[i][j] = drawDuration(rt, fmt.Sprintf("latency[%d][%d]", i, j), 0, maxLatency, sim.Microsecond)
		}
	}
	return propRegionNames[:n], lat
}

// drawJitter draws the jitter and long-tail parameters of a NetConfig. (A
// zero field takes its default, so the smallest jitter is the default 10%.)
func drawJitter(rt *rapid.T, net *sim.NetConfig) {
	net.JitterPercent = rapid.Int64Range(0, 200).Draw(rt, "jitterPercent")
	net.JitterFloor = drawDuration(rt, "jitterFloor", 0, 5*sim.Millisecond, sim.Microsecond)
	net.TailPPM = rapid.Int64Range(0, 200_000).Draw(rt, "tailPPM")
	net.TailCap = rapid.IntRange(0, 8).Draw(rt, "tailCap")
}

// drawDuration draws a duration in [lo, hi] in whole units (rapid favours
// small integers, so drawing nanoseconds would mostly give a few ns).
func drawDuration(rt *rapid.T, label string, lo, hi, unit sim.Duration) sim.Duration {
	return unit * sim.Duration(rapid.Int64Range(int64(lo/unit), int64(hi/unit)).Draw(rt, label))
}
