package demo

import (
	"fmt"
	"strings"

	"github.com/guildsim/guildsim/sim"
)

// scheduleFaults draws a fault schedule from the seed and schedules it: about
// one fault every few seconds, each healed after a while, and everything
// healed before the last fifth of the run.
func scheduleFaults(w *sim.World, t *topology) []string {
	r := sim.NewRand(sim.DeriveSeed(w.Seed(), "demo-faults"))
	var log []string
	end := t.opts.Duration * 4 / 5
	at := sim.Duration(0)
	pick := func(ids []sim.NodeID) sim.NodeID { return ids[r.Intn(len(ids))] }
	for {
		at += r.Duration(sim.Second, 6*sim.Second)
		if at >= end {
			break
		}
		hold := r.Duration(sim.Second, 12*sim.Second)
		if at+hold > end {
			hold = end - at
		}
		start := w.Now().Add(at)
		var desc string
		switch r.Intn(7) {
		case 0: // random halves
			var a, b []sim.NodeID
			for _, id := range t.all {
				if r.Chance(1, 2) {
					a = append(a, id)
				} else {
					b = append(b, id)
				}
			}
			desc = fmt.Sprintf("partition halves %d|%d", len(a), len(b))
			w.At(start, desc, func() {
				id := w.Partition(a, b)
				w.After(hold, "heal", func() { w.Heal(id) })
			})
		case 1: // one-way: a client node cannot reach a gateway (zombies)
			from, to := pick(t.clients[r.Intn(len(t.clients))]), pick(t.gateways[r.Intn(len(t.gateways))])
			desc = fmt.Sprintf("partition one-way %s->%s", w.NodeName(from), w.NodeName(to))
			w.At(start, desc, func() {
				id := w.PartitionOneWay([]sim.NodeID{from}, []sim.NodeID{to})
				w.After(hold, "heal", func() { w.Heal(id) })
			})
		case 2: // crash and restart a gateway or guild node
			var n sim.NodeID
			if r.Chance(1, 2) {
				n = pick(t.guilds)
			} else {
				n = pick(t.gateways[r.Intn(len(t.gateways))])
			}
			desc = "crash " + w.NodeName(n)
			w.At(start, desc, func() {
				w.Crash(n)
				w.After(hold, "restart", func() { w.Restart(n) })
			})
		case 3: // clock jump
			n := pick(t.all)
			d := r.Duration(-5*sim.Second, 5*sim.Second)
			desc = fmt.Sprintf("clock-jump %s %s", w.NodeName(n), d)
			w.At(start, desc, func() { w.JumpClock(n, d) })
		case 4: // clock drift
			n := pick(t.all)
			ppm := r.Int64n(2001) - 1000
			desc = fmt.Sprintf("clock-drift %s %dppm", w.NodeName(n), ppm)
			w.At(start, desc, func() { _ = w.SetClockDrift(n, ppm) })
		case 5: // clog between a gateway and a guild node
			a, b := pick(t.gateways[r.Intn(len(t.gateways))]), pick(t.guilds)
			desc = fmt.Sprintf("clog %s<->%s", w.NodeName(a), w.NodeName(b))
			w.At(start, desc, func() {
				id := w.Clog([]sim.NodeID{a}, []sim.NodeID{b})
				w.After(hold/4, "unclog", func() { w.Unclog(id) })
			})
		case 6: // lossy, slow link
			a, b := pick(t.clients[r.Intn(len(t.clients))]), pick(t.voice)
			desc = fmt.Sprintf("lossy-link %s->%s", w.NodeName(a), w.NodeName(b))
			w.At(start, desc, func() {
				w.SetLinkConditions(a, b, sim.LinkConditions{ExtraLatency: 50 * sim.Millisecond, ExtraJitter: 30 * sim.Millisecond, DatagramLossPPM: 100_000, StreamLossPPM: 50_000})
				w.After(hold, "clear-link", func() { w.ClearLinkConditions(a, b) })
			})
		}
		if strings.HasPrefix(desc, "clock-") {
			log = append(log, fmt.Sprintf("%s at +%s", desc, at))
		} else {
			log = append(log, fmt.Sprintf("%s at +%s for %s", desc, at, hold))
		}
	}
	return log
}
