package store_test

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/store"
	"github.com/stretchr/testify/require"
)

// engineChannel and engineMsg are the channel and first message the test
// writes: snowflakes of buckets well before the world's start.
var (
	engineChannel = store.Bucket(380).MinID() + 99<<22
	engineMsg     = store.Bucket(400).MinID() + 5<<22
)

// TestEngineOnSimDisk runs the engine inside a sim process on a real sim
// node: writes go through *sim.DiskHandle, a periodic timer syncs the log,
// the node crashes between two timer ticks and restarts, and the boot
// function reopens the engine from what the disk kept. Writes before the last
// sync survive; the ones after it are gone.
func TestEngineOnSimDisk(t *testing.T) {
	opts := store.Options{SyncPeriod: 100 * sim.Millisecond}
	type syncTick struct{}
	var engine *store.Engine // the live process's engine, for the test to read
	var replayed []store.ReplayStats
	var pid sim.PID
	boot := func(ctx *sim.Ctx) {
		pid = ctx.Spawn("store", sim.HandlerFunc(func(ctx *sim.Ctx, msg any) {
			switch m := msg.(type) {
			case store.Write:
				require.NoError(t, engine.Apply(ctx.Disk(), m))
			case syncTick:
				engine.Sync(ctx.Disk())
				ctx.SetTimer(opts.SyncPeriod, syncTick{})
			}
		}))
		e, st, err := store.Open(opts, ctx.Disk())
		require.NoError(t, err)
		engine, replayed = e, append(replayed, st)
	}
	// The engine's node is an extra node: deploy's storage nodes run a
	// replica and a coordinator, and this test wants the engine alone.
	d, err := deploy.New(deploy.Topology{Seed: 7, Extra: []deploy.Extra{{Name: "engine", Boot: boot}}})
	require.NoError(t, err)
	w, node := d.World, d.Extra[0]
	require.NoError(t, w.RunFor(sim.Millisecond))
	w.Send(pid, syncTick{})

	id := func(i int) store.Snowflake { return engineMsg + store.Snowflake(i)<<22 }
	// Writes every 30 ms from 5 ms on; the sync ticks come at about 100, 200
	// and 300 ms; the node crashes at 310 ms, after write 10 (305 ms) was
	// acknowledged but not synced, and is down for writes 11 to 13; write 14
	// (425 ms) reaches the restarted process.
	for i := range 15 {
		w.After(sim.Duration(i*30+5)*sim.Millisecond, "write", func() {
			w.Send(pid, store.Insert(engineChannel, id(i), 1, "m", sim.Time(i+1)))
		})
	}
	w.After(310*sim.Millisecond, "crash", func() { w.Crash(node) })
	w.After(400*sim.Millisecond, "restart", func() { w.Restart(node) })
	require.NoError(t, w.RunFor(500*sim.Millisecond))

	require.Len(t, replayed, 2)
	require.Equal(t, store.ReplayStats{}, replayed[0])
	require.Equal(t, 10, replayed[1].Records, "writes 0..9 were synced by the 300 ms tick")
	p, err := engine.Read(store.Query{Channel: engineChannel, Limit: 100})
	require.NoError(t, err)
	var got []store.Snowflake
	for _, m := range p.Messages {
		got = append(got, m.ID)
	}
	want := []store.Snowflake{id(14)}
	for i := 9; i >= 0; i-- {
		want = append(want, id(i))
	}
	require.Equal(t, want, got, "write 10 was lost with the unsynced tail; 11..13 never arrived")
}
