package faults_test

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

// probeWorld has n nodes in two regions; each node boots a probe process
// that records datagrams on port 9 and sends one to each node it is told of.
type probeWorld struct {
	w     *sim.World
	nodes []sim.NodeID
	pids  []sim.PID
	got   map[[2]sim.NodeID]bool
}

type probe struct{ from sim.NodeID }

type probeHandler struct{ pw *probeWorld }

func (h probeHandler) Start(ctx *sim.Ctx) { sim.Assert(ctx.BindUDP(9) == nil, "port 9 taken") }

func (h probeHandler) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case sim.Datagram:
		h.pw.got[[2]sim.NodeID{m.Msg.(probe).from, ctx.Node()}] = true
	case []sim.NodeID:
		for _, to := range m {
			ctx.SendDatagram(9, sim.Addr{Node: to, Port: 9}, probe{from: ctx.Node()})
		}
	}
}

func newProbeWorld(t *testing.T, seed uint64, n int) *probeWorld {
	t.Helper()
	w, err := sim.NewWorld(sim.Config{Seed: seed, Regions: []string{"east", "west"}})
	require.NoError(t, err)
	pw := &probeWorld{w: w, got: map[[2]sim.NodeID]bool{}, pids: make([]sim.PID, n)}
	for i := 0; i < n; i++ {
		i := i
		id := w.MustAddNode(sim.NodeConfig{
			Name: fmt.Sprintf("n%d", i), Region: []string{"east", "west"}[i%2],
			Boot: func(ctx *sim.Ctx) { pw.pids[i] = ctx.Spawn("probe", probeHandler{pw}) },
		})
		pw.nodes = append(pw.nodes, id)
	}
	require.NoError(t, w.RunFor(sim.Millisecond))
	return pw
}

// reach sends a datagram along every ordered pair of up nodes and reports
// which arrived within 500 ms.
func (pw *probeWorld) reach(t *testing.T) map[[2]sim.NodeID]bool {
	t.Helper()
	pw.got = map[[2]sim.NodeID]bool{}
	for i, from := range pw.nodes {
		var to []sim.NodeID
		for _, n := range pw.nodes {
			if n != from {
				to = append(to, n)
			}
		}
		if pw.w.NodeUp(from) {
			pw.w.Send(pw.pids[i], to)
		}
	}
	require.NoError(t, pw.w.RunFor(500*sim.Millisecond))
	return pw.got
}

// revive respawns probes that a Kill fault took (a crash's restart boots
// them again by itself).
func (pw *probeWorld) revive(t *testing.T) {
	t.Helper()
	require.NoError(t, pw.w.RunFor(sim.Millisecond)) // let restarted nodes boot
	for i, id := range pw.nodes {
		if pw.w.NodeUp(id) && !pw.w.Alive(pw.pids[i]) {
			pw.pids[i] = pw.w.Spawn(id, "probe", probeHandler{pw})
		}
	}
	require.NoError(t, pw.w.RunFor(sim.Millisecond))
}

func (pw *probeWorld) allReach(t *testing.T) bool {
	t.Helper()
	return len(pw.reach(t)) == len(pw.nodes)*(len(pw.nodes)-1)
}
