package client_test

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// drainWorld: three gateway nodes, 30 clients spread over them, gateway 0
// drained at drainAt.
const drainAt = 30 * sim.Second

func drainWorld(t testing.TB, seed uint64) *testWorld {
	tw := newTestWorld(t, seed, spec{gateways: 3, clientNodes: 3})
	for i := range 30 {
		tw.addClient(client.Device{Token: userToken(i), Gateway: i % 3})
	}
	tw.drainAt(drainAt, tw.gws[0])
	return tw
}

// TestDrainMovesClients: the drained node sends op 7 to each of its
// clients; each closes, avoids that node, tries to resume elsewhere, gets
// Invalid Session there and identifies: it lands on another node within
// seconds. Clients of the other nodes notice nothing, and the drained node
// ends up with no process at all.
func TestDrainMovesClients(t *testing.T) {
	forSeeds(t, func(t *testing.T, seed uint64) {
		tw := drainWorld(t, seed)
		tw.runUntil(drainAt)
		drained := tw.gws[0]
		var onDrained []uint32
		for i, c := range tw.clients {
			if c.State() != client.StateReady {
				tw.fail(uint32(i), "not READY before the drain")
			}
			if c.Node() == drained {
				onDrained = append(onDrained, uint32(i))
			}
		}
		if len(onDrained) != 10 {
			t.Fatalf("seed=%d: %d clients on the drained node, want 10", seed, len(onDrained))
		}
		tw.runUntil(drainAt + tw.gopts.DrainCloseDelay + sim.Second)
		if procs := tw.w.NodeProcesses(drained); len(procs) != 0 {
			names := ""
			for _, p := range procs {
				names += " " + tw.w.ProcessName(p)
			}
			t.Fatalf("seed=%d: the drained node still runs%s", seed, names)
		}
		tw.runUntil(drainAt + sim.Minute)
		for i, c := range tw.clients {
			id := uint32(i)
			recs := since(tw.records(id), drainAt)
			moved := c.Node() != drained && c.State() == client.StateReady
			if !moved {
				tw.fail(id, "not READY on another node at the end")
			}
			if !containsID(onDrained, id) {
				if len(recs) != 0 {
					tw.fail(id, "a client of another node saw the drain")
				}
				continue
			}
			op7, oi, ok := first(recs, client.KindReconnect)
			if !ok || op7.Node != drained {
				tw.fail(id, "no op 7 from the drained node")
			}
			ready, _, ok := first(recs[oi:], client.KindReady)
			if !ok || ready.Node == drained {
				tw.fail(id, "no READY on another node after op 7")
			}
			if d := ready.At.Sub(op7.At); d > 10*sim.Second {
				tw.fail(id, "READY elsewhere %s after op 7: want within 10 s", d)
			}
			for _, r := range recs[oi:] {
				if r.Kind == client.KindDial && r.Node == drained {
					tw.fail(id, "dialled the drained node after op 7")
				}
			}
		}
	})
}

func containsID(ids []uint32, id uint32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// TestDeterminism runs the drain scenario twice per seed: same fingerprint,
// same client log.
func TestDeterminism(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		run := func() (uint64, string) {
			tw := drainWorld(t, seed)
			tw.runUntil(2 * sim.Minute)
			var log string
			tw.rec.Each(func(r client.Record) {
				log += fmt.Sprintf("%d %d %d %d %d %d\n", r.At, r.Client, r.Kind, r.Node, r.Seq, r.ID)
			})
			return tw.w.Fingerprint(), log
		}
		f1, l1 := run()
		f2, l2 := run()
		if f1 != f2 || l1 != l2 {
			t.Fatalf("seed=%d: two runs differ (fingerprints %x and %x)", seed, f1, f2)
		}
	}
}
