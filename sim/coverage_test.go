package sim_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

// coverWorld runs a ping-pong of rounds messages between two nodes; with
// cover set, each handler asks coverage sites as it goes.
func coverWorld(t testing.TB, seed uint64, rounds int, cover bool, trace *bytes.Buffer) *sim.World {
	w, err := sim.NewWorld(sim.Config{Seed: seed})
	require.NoError(t, err)
	if trace != nil {
		w.SetTrace(trace, sim.TraceFilter{})
	}
	w.DeclareCoverage("demo/even", "demo/pong", "demo/never", "demo/over-limit")
	a := w.MustAddNode(sim.NodeConfig{Name: "a"})
	b := w.MustAddNode(sim.NodeConfig{Name: "b"})
	var pb sim.PID
	pa := w.Spawn(a, "pinger", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
		p := msg.(ping)
		if cover {
			sim.Sometimes(ctx, "demo/even", p.n%4 == 0)
			sim.Sometimes(ctx, "demo/over-limit", p.n > 1_000_000)
		}
		if p.n < rounds {
			ctx.Send(pb, ping{p.n + 1})
		}
	}))
	pb = w.Spawn(b, "ponger", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
		if cover {
			sim.Reachable(ctx, "demo/pong")
			sim.Reachable(ctx, "demo/undeclared")
		}
		ctx.Send(ctx.Sender(), ping{msg.(ping).n + 1})
	}))
	w.Send(pa, ping{0})
	require.NoError(t, w.Run())
	return w
}

func TestCoverageCounts(t *testing.T) {
	w := coverWorld(t, 1, 10, true, nil)
	got := w.Coverage()
	names := make([]string, len(got))
	for i, s := range got {
		names[i] = s.Site
	}
	require.Equal(t, []string{"demo/even", "demo/never", "demo/over-limit", "demo/pong", "demo/undeclared"}, names, "sorted by name, declared and asked alike")
	byName := map[string]sim.CoverageSite{}
	for _, s := range got {
		byName[s.Site] = s
	}
	// The pinger handles 0, 2, 4, 6, 8, 10: six asks, of which 0, 4, 8 are
	// multiples of 4.
	even := byName["demo/even"]
	require.Equal(t, sim.CoverageSometimes, even.Kind)
	require.Equal(t, uint64(6), even.Asked)
	require.Equal(t, uint64(3), even.Hits)
	require.True(t, even.Reached())
	require.True(t, even.Declared)
	require.Equal(t, sim.Duration(0), even.FirstAt, "0 is even: the first ask at the start holds")

	pong := byName["demo/pong"]
	require.Equal(t, sim.CoverageReachable, pong.Kind)
	require.Equal(t, uint64(5), pong.Asked)
	require.Equal(t, uint64(5), pong.Hits)
	require.Greater(t, pong.FirstAt, sim.Duration(0), "the first pong arrives after a network hop")
	require.Greater(t, pong.FirstEvent, uint64(0))

	never := byName["demo/never"]
	require.False(t, never.Reached())
	require.Equal(t, "", never.Kind, "declared, never asked: no kind")
	require.Equal(t, uint64(0), never.Asked)

	over := byName["demo/over-limit"]
	require.Equal(t, uint64(6), over.Asked)
	require.False(t, over.Reached(), "asked but the condition never held")

	require.False(t, byName["demo/undeclared"].Declared)
	require.True(t, byName["demo/undeclared"].Reached())
}

// Recording coverage must never change the run: the same seed with and
// without sites asked gives the same fingerprint and event count.
func TestCoverageKeepsTheFingerprint(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		with := coverWorld(t, seed, 50, true, nil)
		without := coverWorld(t, seed, 50, false, nil)
		require.Equal(t, without.Fingerprint(), with.Fingerprint(), "seed %d", seed)
		require.Equal(t, without.Events(), with.Events(), "seed %d", seed)
	}
}

// A site's first hit is one trace line; later hits write none.
func TestCoverageTracesTheFirstHit(t *testing.T) {
	var buf bytes.Buffer
	coverWorld(t, 1, 10, true, &buf)
	lines := strings.Count(buf.String(), `"kind":"coverage"`)
	require.Equal(t, 3, lines, "demo/even, demo/pong and demo/undeclared, once each:\n%s", buf.String())
	require.Contains(t, buf.String(), `"kind":"coverage","node":"b","proc":"ponger#2","detail":"demo/pong"`)
}

// BenchmarkCoverageHit is the cost of one call of a site that a run hits
// millions of times, among 40 declared sites:
//
//	go test ./sim -run '^$' -bench Coverage -count 5
func BenchmarkCoverageHit(b *testing.B) {
	w, err := sim.NewWorld(sim.Config{Seed: 1})
	require.NoError(b, err)
	var names []string
	for i := 0; i < 40; i++ {
		names = append(names, "store/some-rare-path-"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	w.DeclareCoverage(names...)
	n := w.MustAddNode(sim.NodeConfig{Name: "a"})
	site := names[17]
	for _, kind := range []string{"sometimes", "reachable"} {
		b.Run(kind, func(b *testing.B) {
			pid := w.Spawn(n, "hitter", sim.HandlerFunc(func(ctx *sim.Ctx, _ any) {
				b.ReportAllocs()
				b.ResetTimer()
				if kind == "sometimes" {
					for i := 0; i < b.N; i++ {
						sim.Sometimes(ctx, site, i&1 == 0)
					}
				} else {
					for i := 0; i < b.N; i++ {
						sim.Reachable(ctx, site)
					}
				}
				b.StopTimer()
			}))
			w.Send(pid, ping{})
			require.NoError(b, w.Run())
		})
	}
}
