package client_test

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
)

// TestFaultsThenHeal runs 30 clients on three gateway nodes through five
// minutes of random faults drawn from the seed (partitions both ways and one
// way between client and gateway nodes, clogs, crashes and restarts of
// gateway nodes and of the limiter's node, clock drift on client nodes)
// while events are delivered to the clients' sessions, then heals everything
// and gives the system five minutes. Then:
//   - liveness: every client is READY again;
//   - per session, the dispatches a client processed have s = 2, 3, 4, ...
//     with no gap and no repeat, across any number of resumes (READY is 1).
func TestFaultsThenHeal(t *testing.T) {
	const clients = 30
	const faultPhase, healPhase = 5 * sim.Minute, 5 * sim.Minute
	forSeeds(t, func(t *testing.T, seed uint64) {
		tw := newTestWorld(t, seed, spec{gateways: 3, clientNodes: 3})
		for i := range clients {
			tw.addClient(client.Device{Token: userToken(i), Gateway: i % 3})
		}
		r := sim.NewRand(sim.DeriveSeed(seed, "faults"))
		var faults []string
		for at := 10 * sim.Second; at < faultPhase; at += r.Duration(5*sim.Second, 30*sim.Second) {
			hold := r.Duration(sim.Second, 75*sim.Second)
			cn := []sim.NodeID{tw.cnodes[r.Intn(len(tw.cnodes))]}
			gw := []sim.NodeID{tw.gws[r.Intn(len(tw.gws))]}
			var desc string
			var fault func()
			switch r.Intn(6) {
			case 0:
				desc = "partition"
				fault = func() { p := tw.w.Partition(cn, gw); tw.w.After(hold, "heal", func() { tw.w.Heal(p) }) }
			case 1:
				desc = "partition client->gateway"
				fault = func() { p := tw.w.PartitionOneWay(cn, gw); tw.w.After(hold, "heal", func() { tw.w.Heal(p) }) }
			case 2:
				desc = "clog gateway->client"
				fault = func() { p := tw.w.ClogOneWay(gw, cn); tw.w.After(hold, "unclog", func() { tw.w.Unclog(p) }) }
			case 3:
				desc = "crash gateway"
				fault = func() { tw.w.Crash(gw[0]); tw.w.After(hold, "restart", func() { tw.w.Restart(gw[0]) }) }
			case 4:
				desc = "crash control"
				fault = func() { tw.w.Crash(tw.ctl); tw.w.After(hold, "restart", func() { tw.w.Restart(tw.ctl) }) }
			case 5:
				desc = "drift"
				ppm := r.Int64n(200_001) - 100_000
				fault = func() { _ = tw.w.SetClockDrift(cn[0], ppm) }
			}
			faults = append(faults, fmt.Sprintf("%s %s for %s", at, desc, hold))
			tw.at(at, desc, fault)
		}
		ev := uint64(0)
		for at := 5 * sim.Second; at < faultPhase+healPhase/2; at += r.Duration(100*sim.Millisecond, sim.Second) {
			k := r.Intn(clients)
			ev++
			id := ev
			tw.at(at, "deliver", func() {
				if pid := tw.clients[k].Session(); pid != 0 {
					tw.d.Forward(deploy.Forward{To: pid, Msg: deliverOf(id)})
				}
			})
		}
		tw.at(faultPhase, "heal-all", func() {
			tw.w.HealAll()
			for _, n := range tw.w.Nodes() {
				tw.w.Restart(n)
				_ = tw.w.SetClockDrift(n, 0)
			}
		})
		tw.runUntil(faultPhase + healPhase)
		for i, c := range tw.clients {
			id := uint32(i)
			if c.State() != client.StateReady {
				tw.fail(id, "not READY %s after the heal (faults: %v)", healPhase, faults)
			}
			var last uint64
			for _, rec := range tw.records(id) {
				switch rec.Kind {
				case client.KindReady:
					last = rec.Seq
				case client.KindDispatch:
					if rec.Seq != last+1 {
						tw.fail(id, "dispatch s=%d after s=%d in one session: a gap or a repeat (faults: %v)", rec.Seq, last, faults)
					}
					last = rec.Seq
				}
			}
		}
	})
}
