package sim_test

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

// TestMailboxPeakAndEachProcess: a process busy for 1 s while 5 messages
// arrive has a mailbox peak of 4 (the first runs at once), the next call
// starts a new interval at the current depth, and EachProcess lists live
// processes in PID order.
func TestMailboxPeakAndEachProcess(t *testing.T) {
	w := newWorld(t, sim.Config{Seed: 1})
	n := w.MustAddNode(sim.NodeConfig{Name: "n", Region: "local", Schedulers: 1})
	slow := w.Spawn(n, "slow", sim.HandlerFunc(func(ctx *sim.Ctx, _ any) { ctx.Work(sim.Second) }))
	idle := w.Spawn(n, "idle", sim.HandlerFunc(func(*sim.Ctx, any) {}))
	require.NoError(t, w.RunFor(sim.Millisecond))
	for range 5 {
		w.Send(slow, "x")
	}
	require.NoError(t, w.RunFor(sim.Millisecond))
	require.Equal(t, 4, w.MailboxDepth(slow))
	require.Equal(t, 4, w.MailboxPeak(slow))
	require.NoError(t, w.RunFor(2500*sim.Millisecond))
	require.Equal(t, 4, w.MailboxPeak(slow), "the interval starts at the depth of the previous call")
	require.Equal(t, 2, w.MailboxDepth(slow), "two handled, one running")
	require.Equal(t, 2, w.MailboxPeak(slow), "nothing arrived since: the peak is the depth")
	require.Equal(t, 0, w.MailboxPeak(idle))
	var pids []sim.PID
	w.EachProcess(func(pid sim.PID) { pids = append(pids, pid) })
	require.Equal(t, []sim.PID{slow, idle}, pids)
	w.Kill(idle)
	pids = pids[:0]
	w.EachProcess(func(pid sim.PID) { pids = append(pids, pid) })
	require.Equal(t, []sim.PID{slow}, pids)
}
