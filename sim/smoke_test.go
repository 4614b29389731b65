package sim_test

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

type ping struct{ n int }

func TestPingPongAcrossRegions(t *testing.T) {
	w, err := sim.NewWorld(sim.Config{Seed: 1, Regions: []string{"us", "eu"}})
	require.NoError(t, err)
	a := w.MustAddNode(sim.NodeConfig{Name: "a", Region: "us"})
	b := w.MustAddNode(sim.NodeConfig{Name: "b", Region: "eu"})
	var got []int
	var pb sim.PID
	pa := w.Spawn(a, "pinger", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
		p := msg.(ping)
		got = append(got, p.n)
		if p.n < 10 {
			ctx.Send(pb, ping{p.n + 1})
		}
	}))
	pb = w.Spawn(b, "ponger", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
		ctx.Send(ctx.Sender(), ping{msg.(ping).n + 1})
	}))
	w.Send(pa, ping{0})
	require.NoError(t, w.Run())
	require.Equal(t, []int{0, 2, 4, 6, 8, 10}, got)
	// Five round trips between regions at 35ms one way, plus jitter.
	require.GreaterOrEqual(t, w.Elapsed(), 10*35*sim.Millisecond)
	require.Less(t, w.Elapsed(), 10*50*sim.Millisecond)
}
