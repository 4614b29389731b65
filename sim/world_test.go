package sim_test

import (
	"strconv"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

func newWorld(t *testing.T, cfg sim.Config) *sim.World {
	t.Helper()
	w, err := sim.NewWorld(cfg)
	require.NoError(t, err)
	return w
}

func TestConfigErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct {
		cfg  sim.Config
		want string
	}{
		{sim.Config{MailboxLimit: -1}, "MailboxLimit -1"},
		{sim.Config{StopAtTime: -1}, "StopAtTime"},
		{sim.Config{BuggifyFirePercent: 101}, "BuggifyFirePercent 101"},
		{sim.Config{Regions: []string{"a", "a"}}, `region "a" listed twice`},
		{sim.Config{Regions: []string{""}}, "empty region name"},
		{sim.Config{Regions: []string{"a", "b"}, Net: sim.NetConfig{Latency: [][]sim.Duration{{1}}}}, "Net.Latency has 1 rows"},
		{sim.Config{Net: sim.NetConfig{DatagramLossPPM: 2_000_000}}, "Net.DatagramLossPPM 2000000"},
		{sim.Config{Net: sim.NetConfig{StreamLossPPM: 1_000_000}}, "StreamLossPPM"},
		{sim.Config{Net: sim.NetConfig{LinkTimeout: -sim.Second}}, "Net.LinkTimeout"},
		{sim.Config{Net: sim.NetConfig{MinRTO: sim.Second, MaxRTO: sim.Millisecond}}, "MaxRTO"},
	} {
		_, err := sim.NewWorld(tc.cfg)
		require.Error(t, err, "%+v", tc.cfg)
		require.Contains(t, err.Error(), tc.want)
	}
	w := newWorld(t, sim.Config{Regions: []string{"us"}})
	for _, tc := range []struct {
		node sim.NodeConfig
		want string
	}{
		{sim.NodeConfig{}, "Name: empty"},
		{sim.NodeConfig{Name: "a", Region: "mars"}, `region "mars" is not in`},
		{sim.NodeConfig{Name: "a", Region: "us", Schedulers: -2}, "Schedulers -2"},
		{sim.NodeConfig{Name: "a", Region: "us", ClockDriftPPM: 600_000}, "ClockDriftPPM 600000"},
	} {
		_, err := w.AddNode(tc.node)
		require.ErrorContains(t, err, tc.want)
	}
	w.MustAddNode(sim.NodeConfig{Name: "a", Region: "us"})
	_, err := w.AddNode(sim.NodeConfig{Name: "a", Region: "us"})
	require.ErrorContains(t, err, `node "a": name already used`)
}

type boom struct{}

func TestAssertStopsTheRunWithWhere(t *testing.T) {
	w := newWorld(t, sim.Config{Seed: 99})
	n := w.MustAddNode(sim.NodeConfig{Name: "gw"})
	pid := w.Spawn(n, "session", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
		_, isBoom := msg.(boom)
		sim.Assert(!isBoom, "session got boom")
	}))
	w.Send(pid, 1)
	w.After(sim.Second, "boom", func() { w.Send(pid, boom{}) })
	err := w.Run()
	var ae *sim.AssertionError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, uint64(99), ae.Seed)
	require.Equal(t, "gw", ae.Node)
	require.Equal(t, "session#"+strconv.FormatUint(uint64(pid), 10), ae.Process)
	require.Equal(t, "session got boom", ae.Message)
	require.Equal(t, sim.Second, ae.Elapsed)
	require.Equal(t, w.Events(), ae.Event)
	require.Contains(t, err.Error(), "seed=99")
	// The world stays stopped.
	require.ErrorIs(t, w.Run(), err)
}

func TestPanicInHandlerIsReportedNotRaised(t *testing.T) {
	w := newWorld(t, sim.Config{Seed: 5})
	n := w.MustAddNode(sim.NodeConfig{Name: "n"})
	pid := w.Spawn(n, "p", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
		var m map[string]int
		m["x"] = 1 // nil map write
	}))
	w.Send(pid, 1)
	var pe *sim.PanicError
	require.ErrorAs(t, w.Run(), &pe)
	require.Equal(t, uint64(5), pe.Seed)
	require.Contains(t, pe.Stack, "world_test.go")
}

// ticker re-arms a timer forever: a run that would never end by itself.
type ticker struct{}

func (ticker) Start(ctx *sim.Ctx)            { ctx.SetTimer(sim.Millisecond, nil) }
func (ticker) Receive(ctx *sim.Ctx, msg any) { ctx.SetTimer(sim.Millisecond, nil) }

func TestEventBudgetStopsAnEndlessRun(t *testing.T) {
	w := newWorld(t, sim.Config{Seed: 1, MaxEvents: 5000})
	w.Spawn(w.MustAddNode(sim.NodeConfig{Name: "n"}), "ticker", ticker{})
	var be *sim.BudgetError
	require.ErrorAs(t, w.Run(), &be)
	require.Equal(t, uint64(5000), w.Events())
}

func TestStopAtEventAndTime(t *testing.T) {
	w := newWorld(t, sim.Config{Seed: 1, StopAtEvent: 100})
	w.Spawn(w.MustAddNode(sim.NodeConfig{Name: "n"}), "ticker", ticker{})
	var se *sim.StoppedError
	require.ErrorAs(t, w.Run(), &se)
	require.Equal(t, uint64(99), w.Events(), "stops before event 100")

	w = newWorld(t, sim.Config{Seed: 1, StopAtTime: 50 * sim.Millisecond})
	w.Spawn(w.MustAddNode(sim.NodeConfig{Name: "n"}), "ticker", ticker{})
	require.ErrorAs(t, w.Run(), &se)
	require.LessOrEqual(t, w.Elapsed(), 50*sim.Millisecond)
	require.GreaterOrEqual(t, w.Elapsed(), 49*sim.Millisecond)
}

func TestRunControl(t *testing.T) {
	w := newWorld(t, sim.Config{Seed: 1})
	var fired int
	n := w.MustAddNode(sim.NodeConfig{Name: "n"})
	w.Spawn(n, "ticker", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) { fired++ }))
	w.Spawn(n, "t2", ticker{})
	require.NoError(t, w.RunFor(10*sim.Millisecond))
	require.Equal(t, 10*sim.Millisecond, w.Elapsed(), "RunFor leaves the clock at now+d")
	ok, err := w.RunUntilCond(func() bool { return w.Elapsed() >= 25*sim.Millisecond }, sim.Second)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 25*sim.Millisecond, w.Elapsed())
	ok, err = w.RunUntilCond(func() bool { return false }, 5*sim.Millisecond)
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, 30*sim.Millisecond, w.Elapsed())
	before := w.Events()
	stepped, err := w.Step()
	require.NoError(t, err)
	require.True(t, stepped)
	require.Equal(t, before+1, w.Events())
	require.Zero(t, fired)
}

func TestMailboxBoundDropsAndCounts(t *testing.T) {
	w := newWorld(t, sim.Config{Seed: 1, MailboxLimit: 10})
	n := w.MustAddNode(sim.NodeConfig{Name: "n", Schedulers: 1})
	var handled int
	slow := w.Spawn(n, "slow", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
		handled++
		ctx.Work(sim.Second)
	}))
	for i := 0; i < 50; i++ {
		w.Send(slow, i)
	}
	require.NoError(t, w.RunFor(100*sim.Millisecond))
	require.Equal(t, 10, w.MailboxDepth(slow))
	require.Equal(t, uint64(39), w.Stats().MailboxDrops, "1 handled at once, 10 queued, 39 dropped")
	require.NoError(t, w.Run())
	require.Equal(t, 11, handled)
}

func TestBuggifyIsDeterministicAndRare(t *testing.T) {
	count := func(seed uint64, on bool) (fired int, active bool) {
		w := newWorld(t, sim.Config{Seed: seed, Buggify: on, BuggifyActivatePercent: 100, BuggifyFirePercent: 10})
		n := w.MustAddNode(sim.NodeConfig{Name: "n"})
		pid := w.Spawn(n, "p", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
			if ctx.Buggify("slow-sync") {
				fired++
			}
		}))
		for i := 0; i < 10000; i++ {
			w.Send(pid, i)
		}
		require.NoError(t, w.Run())
		return fired, w.BuggifyActive("slow-sync")
	}
	a, active := count(3, true)
	b, _ := count(3, true)
	require.True(t, active)
	require.Equal(t, a, b, "same seed, same firings")
	require.InDelta(t, 1000, a, 150, "fires about 10%% of the time")
	off, _ := count(3, false)
	require.Zero(t, off)
}

func TestBuggifySitesCountFiringsSortedByName(t *testing.T) {
	run := func(on bool) ([]sim.BuggifySite, uint64) {
		w := newWorld(t, sim.Config{Seed: 5, Buggify: on, BuggifyActivatePercent: 100, BuggifyFirePercent: 50})
		n := w.MustAddNode(sim.NodeConfig{Name: "n"})
		fired := map[string]uint64{}
		pid := w.Spawn(n, "p", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
			// Asked in an order that is not the names' order.
			for _, site := range []string{"z/last", "a/first", "m/middle"} {
				if msg.(int)%3 == 0 && site == "m/middle" {
					continue
				}
				if ctx.Buggify(site) {
					fired[site]++
				}
			}
		}))
		for i := 0; i < 300; i++ {
			w.Send(pid, i)
		}
		require.NoError(t, w.Run())
		sites := w.BuggifySites()
		for _, s := range sites {
			require.Equal(t, fired[s.Site], s.Fired, s.Site)
		}
		return sites, w.Stats().BuggifyFired
	}
	sites, total := run(true)
	require.Len(t, sites, 3)
	require.Equal(t, []string{"a/first", "m/middle", "z/last"}, []string{sites[0].Site, sites[1].Site, sites[2].Site})
	require.Equal(t, uint64(300), sites[0].Asked)
	require.Equal(t, uint64(200), sites[1].Asked, "asked only for messages not divisible by 3")
	require.Equal(t, total, sites[0].Fired+sites[1].Fired+sites[2].Fired)
	for _, s := range sites {
		require.True(t, s.Active)
		require.InDelta(t, float64(s.Asked)/2, float64(s.Fired), float64(s.Asked)/5, s.Site)
	}
	off, offTotal := run(false)
	require.Empty(t, off, "no site is known when buggify is off")
	require.Zero(t, offTotal)
}

func TestSameSeedSameFingerprintDifferentSeedDifferent(t *testing.T) {
	run := func(seed uint64) uint64 {
		w := newWorld(t, sim.Config{Seed: seed, Regions: []string{"a", "b"}})
		a := w.MustAddNode(sim.NodeConfig{Name: "a", Region: "a"})
		b := w.MustAddNode(sim.NodeConfig{Name: "b", Region: "b"})
		var peer sim.PID
		p1 := w.Spawn(a, "x", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
			if n := msg.(int); n < 200 {
				ctx.Send(peer, n+1)
			}
		}))
		peer = w.Spawn(b, "y", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) { ctx.Send(p1, msg.(int)+1) }))
		w.Send(p1, 0)
		require.NoError(t, w.Run())
		return w.Fingerprint()
	}
	require.Equal(t, run(1), run(1))
	require.NotEqual(t, run(1), run(2))
}

func TestRunEvents(t *testing.T) {
	w := newWorld(t, sim.Config{Seed: 1})
	w.Spawn(w.MustAddNode(sim.NodeConfig{Name: "n"}), "ticker", ticker{})
	require.NoError(t, w.RunEvents(100))
	require.Equal(t, uint64(100), w.Events())
	require.NoError(t, w.RunEvents(50))
	require.Equal(t, uint64(150), w.Events())
}
