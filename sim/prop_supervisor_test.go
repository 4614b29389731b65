package sim_test

import (
	"fmt"
	"math/bits"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Property: a supervisor restarts its children (by policy) while the
// restarts within Period stay at or below MaxRestarts; the restart that
// exceeds it makes it stop every child and exit with ReasonMaxRestarts, which
// a monitor on another node sees. A model of the restart window (measured on
// the node's monotonic clock) predicts every step.

type propChildExitCmd struct{ Reason sim.Reason }

// propSupChild exits with the reason it is told.
type propSupChild struct{}

func (propSupChild) Receive(ctx *sim.Ctx, msg any) {
	if m, ok := msg.(propChildExitCmd); ok {
		ctx.Exit(m.Reason)
	}
}

type propSupCrash struct {
	Gap    sim.Duration // after the previous crash (whole ms)
	Child  int
	Normal bool // exit with ReasonNormal instead of an error
}

var propPolicyNames = []string{"permanent", "transient", "temporary"}

func TestPropSupervisorRestartIntensity(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pt := newPropT(rt)
		nChildren := rapid.IntRange(1, 3).Draw(rt, "children")
		spec := sim.SupervisorSpec{
			MaxRestarts: rapid.IntRange(1, 5).Draw(rt, "maxRestarts"),
			// Half a millisecond off the crash grid, so that no restart is
			// exactly Period after another (absent drift).
			Period: drawDuration(rt, "periodMs", sim.Millisecond, 10*sim.Second, sim.Millisecond) + 500*sim.Microsecond,
		}
		for i := 0; i < nChildren; i++ {
			pol := sim.RestartPolicy(rapid.IntRange(0, 2).Draw(rt, fmt.Sprintf("policy[%d]", i)))
			spec.Children = append(spec.Children, sim.ChildSpec{Name: fmt.Sprintf("child%d", i), Restart: pol, Start: func() sim.Handler { return propSupChild{} }})
		}
		drift := rapid.Int64Range(-200_000, 200_000).Draw(rt, "supervisorNodeDrift")
		crashes := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) propSupCrash {
			return propSupCrash{
				Gap:    drawDuration(t, "gapMs", sim.Millisecond, 4*sim.Second, sim.Millisecond),
				Child:  rapid.IntRange(0, nChildren-1).Draw(t, "child"),
				Normal: rapid.IntRange(0, 3).Draw(t, "normal") == 0,
			}
		}), 0, 15).Draw(rt, "crashes")

		w := pt.newWorld(sim.Config{Regions: []string{"us", "eu"}})
		sn := w.MustAddNode(sim.NodeConfig{Name: "sup", Region: "us", ClockDriftPPM: drift})
		on := w.MustAddNode(sim.NodeConfig{Name: "obs", Region: "eu"})
		sup := sim.NewSupervisor(spec)
		supPID := w.Spawn(sn, "sup", sup)
		var downs []sim.Down
		w.Spawn(on, "observer", &propStartFunc{
			start: func(ctx *sim.Ctx) { ctx.Monitor(supPID) },
			recv: func(ctx *sim.Ctx, msg any) {
				if d, ok := msg.(sim.Down); ok {
					downs = append(downs, d)
				}
			},
		})
		start := w.Now()
		mono := func(t sim.Time) sim.Time { // the supervisor node's monotonic clock
			hi, lo := bits.Mul64(uint64(t-start), uint64(1_000_000+drift))
			q, _ := bits.Div64(hi, lo, 1_000_000)
			return start + sim.Time(q)
		}

		// The model.
		running := make([]bool, nChildren)
		for i := range running {
			running[i] = true
		}
		var window []sim.Time // restart times (monotonic) within Period
		alive := true
		var seen []sim.PID // every child PID ever observed
		pids := make([]sim.PID, nChildren)
		var log []string

		// Check the live state against the model (a world action just after
		// each crash has been handled).
		check := func(when string) {
			if w.Alive(supPID) != alive {
				pt.failLater("%s: supervisor alive=%v, model says %v (log %v)", when, w.Alive(supPID), alive, log)
				return
			}
			if !alive {
				for _, pid := range seen {
					if w.Alive(pid) {
						pt.failLater("%s: child %d still alive after the supervisor gave up (log %v)", when, pid, log)
					}
				}
				return
			}
			kids := sup.Children()
			for i := range kids {
				if running[i] != (kids[i] != 0) {
					pt.failLater("%s: child %d running=%v, model says %v (log %v)", when, i, kids[i] != 0, running[i], log)
					continue
				}
				if !running[i] {
					continue
				}
				if !w.Alive(kids[i]) {
					pt.failLater("%s: child %d (pid %d) is not alive (log %v)", when, i, kids[i], log)
				}
				if kids[i] != pids[i] {
					for _, old := range seen {
						if old == kids[i] {
							pt.failLater("%s: child %d restarted with an old PID %d (log %v)", when, i, old, log)
						}
					}
					seen = append(seen, kids[i])
					pids[i] = kids[i]
				}
			}
			if got := sup.Restarts(); got != len(window) {
				pt.failLater("%s: Restarts() = %d, model window %d (log %v)", when, got, len(window), log)
			}
		}
		w.At(start.Add(sim.Microsecond), "initial check", func() { check("start") })

		at := start
		for k, c := range crashes {
			at = at.Add(c.Gap)
			w.At(at, fmt.Sprintf("crash %d", k), func() {
				if !alive || !running[c.Child] {
					return
				}
				reason := sim.Reason("boom")
				if c.Normal {
					reason = sim.ReasonNormal
				}
				w.Send(pids[c.Child], propChildExitCmd{Reason: reason})
				// Model the supervisor's answer.
				pol := spec.Children[c.Child].Restart
				if pol == sim.Temporary || pol == sim.Transient && c.Normal {
					running[c.Child] = false
					log = append(log, fmt.Sprintf("%s: child%d (%s) exits %s, not restarted", w.Now().Sub(start), c.Child, propPolicyNames[pol], reason))
					return
				}
				now := mono(w.Now())
				kept := window[:0]
				for _, t := range window {
					if now.Sub(t) < spec.Period {
						kept = append(kept, t)
					}
				}
				window = append(kept, now)
				if len(window) > spec.MaxRestarts {
					alive = false
					log = append(log, fmt.Sprintf("%s: child%d exits %s: %d restarts in %s: give up", w.Now().Sub(start), c.Child, reason, len(window), spec.Period))
					return
				}
				log = append(log, fmt.Sprintf("%s: child%d (%s) exits %s, restart %d in window", w.Now().Sub(start), c.Child, propPolicyNames[pol], reason, len(window)))
			})
			w.At(at.Add(sim.Microsecond), fmt.Sprintf("check %d", k), func() { check(fmt.Sprintf("after crash %d", k)) })
		}
		pt.run(w)
		pt.checkErrs()

		if alive {
			if len(downs) != 0 {
				pt.Fatalf("supervisor did not give up, yet the observer got %+v (log %v)", downs, log)
			}
			return
		}
		if len(downs) != 1 || downs[0].PID != supPID || downs[0].Reason != sim.ReasonMaxRestarts {
			pt.Fatalf("observer got %+v, want one Down for %d with reason %q (log %v)", downs, supPID, sim.ReasonMaxRestarts, log)
		}
	})
}

// TestPropSupervisorGivesUp: three quick crashes with MaxRestarts 2 make the
// supervisor give up; its monitor sees ReasonMaxRestarts.
func TestPropSupervisorGivesUp(t *testing.T) {
	w, err := sim.NewWorld(sim.Config{Seed: 1})
	require.NoError(t, err)
	n := w.MustAddNode(sim.NodeConfig{Name: "n"})
	sup := sim.NewSupervisor(sim.SupervisorSpec{MaxRestarts: 2, Period: sim.Second,
		Children: []sim.ChildSpec{{Name: "c", Start: func() sim.Handler { return propSupChild{} }}}})
	sp := w.Spawn(n, "sup", sup)
	var down []sim.Down
	obs := w.Spawn(n, "obs", &propStartFunc{start: func(ctx *sim.Ctx) { ctx.Monitor(sp) }, recv: func(_ *sim.Ctx, msg any) { down = append(down, msg.(sim.Down)) }})
	var first sim.PID
	for i := 1; i <= 3; i++ {
		w.After(sim.Duration(i)*100*sim.Millisecond, "crash", func() {
			c := sup.Children()[0]
			if first == 0 {
				first = c
			}
			w.Send(c, propChildExitCmd{Reason: "boom"})
		})
	}
	require.NoError(t, w.RunFor(250*sim.Millisecond))
	require.True(t, w.Alive(sp))
	require.NotEqual(t, first, sup.Children()[0])
	require.True(t, w.Alive(sup.Children()[0]))
	require.NoError(t, w.Run())
	require.False(t, w.Alive(sp))
	require.Equal(t, []sim.Down{{Ref: down[0].Ref, PID: sp, Reason: sim.ReasonMaxRestarts}}, down)
	require.Equal(t, []sim.PID{obs}, w.NodeProcesses(n), "the children are gone")
}
