package sim_test

import (
	"fmt"
	"math/bits"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Property: a timer fires at the earliest true time at which its node's
// monotonic clock reaches the deadline (never earlier than it was set),
// whatever the node's drift and its changes mid-run (SetClockDrift), and
// clock jumps (JumpClock) move Ctx.Now but never when timers fire.
//
// The test keeps its own model of each node's monotonic clock: piecewise
// linear, rate (1e6+ppm)/1e6 of true time, continuous where the drift
// changes, floored to the nanosecond.

type propClockSeg struct {
	baseTrue, baseMono sim.Time
	ppm                int64
}

type propClockModel struct{ segs []propClockSeg }

func (c *propClockModel) mono(t sim.Time) sim.Time {
	i := len(c.segs) - 1
	for i > 0 && c.segs[i].baseTrue > t {
		i--
	}
	s := c.segs[i]
	hi, lo := bits.Mul64(uint64(t-s.baseTrue), uint64(1_000_000+s.ppm))
	q, _ := bits.Div64(hi, lo, 1_000_000)
	return s.baseMono + sim.Time(q)
}

type propTimerFire struct {
	Node     int
	Idx      int // per node, in set order
	SetTrue  sim.Time
	Deadline sim.Time // monotonic
	FireTrue sim.Time
	FireMono sim.Time
	Wall     sim.Duration // Now() - Monotonic() at the firing
}

type propTimerFired struct{ idx int }

// propTimerSetter keeps a few timers pending: each firing sets new ones, until
// it has set total.
type propTimerSetter struct {
	w       *sim.World
	node    int
	total   int
	set     int
	maxD    sim.Duration
	pending map[int]propTimerFire
	fires   *[]propTimerFire
}

func (s *propTimerSetter) setSome(ctx *sim.Ctx, k int) {
	for i := 0; i < k && s.set < s.total; i++ {
		d := ctx.Rand().Duration(0, s.maxD)
		if ctx.Rand().Intn(8) == 0 {
			d = 0
		}
		s.pending[s.set] = propTimerFire{Node: s.node, Idx: s.set, SetTrue: s.w.Now(), Deadline: ctx.Monotonic().Add(d)}
		ctx.SetTimer(d, propTimerFired{s.set})
		s.set++
	}
}

func (s *propTimerSetter) Start(ctx *sim.Ctx) { s.setSome(ctx, 4) }

func (s *propTimerSetter) Receive(ctx *sim.Ctx, msg any) {
	m := msg.(propTimerFired)
	f := s.pending[m.idx]
	delete(s.pending, m.idx)
	f.FireTrue = s.w.Now()
	f.FireMono = ctx.Monotonic()
	f.Wall = ctx.Now().Sub(ctx.Monotonic())
	*s.fires = append(*s.fires, f)
	s.setSome(ctx, 1+ctx.Rand().Intn(2))
}

type propClockChange struct {
	At   sim.Duration
	Node int
	Jump bool
	PPM  int64        // new drift (not a jump)
	By   sim.Duration // jump
}

func (c propClockChange) String() string {
	if c.Jump {
		return fmt.Sprintf("%s: jump n%d by %s", c.At, c.Node, c.By)
	}
	return fmt.Sprintf("%s: drift n%d %dppm", c.At, c.Node, c.PPM)
}

type propTimerScenario struct {
	drift   []int64
	skew    []sim.Duration
	total   []int
	maxD    sim.Duration
	changes []propClockChange
}

// propRunTimers runs the scenario, with or without the clock jumps, and returns
// the firings, the clock models and the expected wall offsets by change.
func propRunTimers(pt *propT, sc propTimerScenario, jumps bool) ([]propTimerFire, []*propClockModel) {
	w := pt.newWorld(sim.Config{})
	var fires []propTimerFire
	models := make([]*propClockModel, len(sc.drift))
	nodes := make([]sim.NodeID, len(sc.drift))
	for i := range sc.drift {
		nodes[i] = w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("n%d", i), ClockDriftPPM: sc.drift[i], ClockSkew: sc.skew[i]})
		models[i] = &propClockModel{segs: []propClockSeg{{baseTrue: w.Now(), baseMono: w.Now(), ppm: sc.drift[i]}}}
		w.Spawn(nodes[i], "timers", &propTimerSetter{w: w, node: i, total: sc.total[i], maxD: sc.maxD, pending: map[int]propTimerFire{}, fires: &fires})
	}
	start := w.Now()
	for _, c := range sc.changes {
		if c.Jump && !jumps {
			continue
		}
		w.At(start.Add(c.At), c.String(), func() {
			id := nodes[c.Node]
			if c.Jump {
				w.JumpClock(id, c.By)
				return
			}
			m := models[c.Node]
			before := w.NodeMonotonic(id)
			if got := m.mono(w.Now()); got != before {
				pt.failLater("model of n%d says mono %d at %s, node says %d", c.Node, got, w.Now().Sub(start), before)
			}
			if err := w.SetClockDrift(id, c.PPM); err != nil {
				pt.failLater("SetClockDrift: %v", err)
			}
			if after := w.NodeMonotonic(id); after != before {
				pt.failLater("SetClockDrift moved n%d's monotonic clock from %d to %d", c.Node, before, after)
			}
			m.segs = append(m.segs, propClockSeg{baseTrue: w.Now(), baseMono: before, ppm: c.PPM})
		})
	}
	pt.run(w)
	return fires, models
}

func TestPropTimersFireOnMonotonicClock(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pt := newPropT(rt)
		n := rapid.IntRange(1, 3).Draw(rt, "nodes")
		sc := propTimerScenario{maxD: drawDuration(rt, "maxTimer", sim.Millisecond, 5*sim.Second, sim.Millisecond)}
		for i := 0; i < n; i++ {
			sc.drift = append(sc.drift, rapid.Int64Range(-200_000, 200_000).Draw(rt, fmt.Sprintf("drift[%d]", i)))
			sc.skew = append(sc.skew, drawDuration(rt, fmt.Sprintf("skew[%d]", i), -10*sim.Second, 10*sim.Second, sim.Millisecond))
			sc.total = append(sc.total, rapid.IntRange(0, 60).Draw(rt, fmt.Sprintf("timers[%d]", i)))
		}
		sc.changes = rapid.SliceOfN(rapid.Custom(func(t *rapid.T) propClockChange {
			c := propClockChange{
				At:   drawDuration(t, "at", 0, 20*sim.Second, sim.Microsecond),
				Node: rapid.IntRange(0, n-1).Draw(t, "node"),
				Jump: rapid.Bool().Draw(t, "jump"),
			}
			if c.Jump {
				c.By = drawDuration(t, "by", -30*sim.Second, 30*sim.Second, sim.Millisecond)
			} else {
				c.PPM = rapid.Int64Range(-200_000, 200_000).Draw(t, "ppm")
			}
			return c
		}), 0, 8).Draw(rt, "clockChanges")
		slices.SortStableFunc(sc.changes, func(a, b propClockChange) int { return int(a.At - b.At) })

		fires, models := propRunTimers(pt, sc, true)
		pt.checkErrs()

		want := 0
		for _, k := range sc.total {
			want += k
		}
		if len(fires) != want {
			pt.Fatalf("%d timers fired, %d were set", len(fires), want)
		}
		start := sim.DefaultStart
		lastMono := map[int]sim.Time{}
		for _, f := range fires {
			m := models[f.Node]
			if got := m.mono(f.FireTrue); got != f.FireMono {
				pt.Fatalf("timer n%d#%d: Ctx.Monotonic %d at %s, model %d (changes %v)", f.Node, f.Idx, f.FireMono, f.FireTrue.Sub(start), got, sc.changes)
			}
			if f.FireMono < f.Deadline {
				pt.Fatalf("timer n%d#%d fired early: monotonic %d < deadline %d (by %s) at %s (changes %v)",
					f.Node, f.Idx, f.FireMono, f.Deadline, f.Deadline.Sub(f.FireMono), f.FireTrue.Sub(start), sc.changes)
			}
			if f.FireTrue > f.SetTrue {
				if prev := m.mono(f.FireTrue - 1); prev >= f.Deadline {
					pt.Fatalf("timer n%d#%d fired late: at %s monotonic is %d, but one ns earlier it was already %d >= deadline %d (changes %v)",
						f.Node, f.Idx, f.FireTrue.Sub(start), f.FireMono, prev, f.Deadline, sc.changes)
				}
			}
			if f.FireMono < lastMono[f.Node] {
				pt.Fatalf("n%d's monotonic clock went back: %d after %d", f.Node, f.FireMono, lastMono[f.Node])
			}
			lastMono[f.Node] = f.FireMono
			// Wall clock = monotonic + skew + the jumps so far.
			off := sc.skew[f.Node]
			for _, c := range sc.changes {
				if c.Jump && c.Node == f.Node && start.Add(c.At) <= f.FireTrue {
					off += c.By
				}
			}
			if f.Wall != off && !propJumpAt(sc.changes, f, start) {
				pt.Fatalf("timer n%d#%d: Now()-Monotonic() = %s, want skew+jumps %s", f.Node, f.Idx, f.Wall, off)
			}
		}

		// The same run without the jumps fires the same timers at the same
		// true and monotonic times.
		noJumps, _ := propRunTimers(pt, sc, false)
		pt.checkErrs()
		if len(noJumps) != len(fires) {
			pt.Fatalf("without clock jumps %d timers fired, with them %d", len(noJumps), len(fires))
		}
		for i := range fires {
			a, b := fires[i], noJumps[i]
			a.Wall, b.Wall = 0, 0
			if a != b {
				pt.Fatalf("firing %d differs with clock jumps: %+v, without: %+v (changes %v)", i, a, b, sc.changes)
			}
		}
	})
}

// propJumpAt reports whether a jump of f's node happens at exactly f's firing
// time: then whether the firing sees it depends on event order.
func propJumpAt(changes []propClockChange, f propTimerFire, start sim.Time) bool {
	for _, c := range changes {
		if c.Jump && c.Node == f.Node && start.Add(c.At) == f.FireTrue {
			return true
		}
	}
	return false
}

// TestPropTimerIgnoresClockJump: a 1s timer on a node whose wall clock jumps back
// an hour still fires after 1s of monotonic time.
func TestPropTimerIgnoresClockJump(t *testing.T) {
	w, err := sim.NewWorld(sim.Config{Seed: 1})
	require.NoError(t, err)
	n := w.MustAddNode(sim.NodeConfig{Name: "n", ClockDriftPPM: 100_000})
	var firedAt, firedMono, firedWall sim.Time
	w.Spawn(n, "t", &propStartFunc{start: func(ctx *sim.Ctx) { ctx.SetTimer(sim.Second, "tick") }, recv: func(ctx *sim.Ctx, _ any) {
		firedAt, firedMono, firedWall = w.Now(), ctx.Monotonic(), ctx.Now()
	}})
	w.After(500*sim.Millisecond, "jump", func() { w.JumpClock(n, -sim.Hour) })
	require.NoError(t, w.Run())
	// 1s of a clock running 10% fast is 1s/1.1 of true time, rounded up.
	require.Equal(t, sim.DefaultStart.Add(909_090_910), firedAt)
	require.Equal(t, sim.DefaultStart.Add(sim.Second+1), firedMono) // floor(909090910 * 1.1)
	require.Equal(t, firedMono.Add(-sim.Hour), firedWall)
}

// propStartFunc is a handler with a Start.
type propStartFunc struct {
	start func(*sim.Ctx)
	recv  func(*sim.Ctx, any)
}

func (s *propStartFunc) Start(ctx *sim.Ctx) {
	if s.start != nil {
		s.start(ctx)
	}
}

func (s *propStartFunc) Receive(ctx *sim.Ctx, msg any) {
	if s.recv != nil {
		s.recv(ctx, msg)
	}
}
