package guild_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
)

// TestGatewayCrash crashes gateway-1 while messages flow. Its sessions die
// without Hooks.Ended; the guild must drop them on Down (else it keeps
// sending to the dead and its session list grows with every reconnect). Its
// clients reconnect to gateway-0 and identify again, and their new sessions
// join the guild. Checked from the clients' records: clients that never lost
// their connection get every message they may see, once, in ID order;
// everyone gets every message sent after the reconnections, once, in ID
// order. And the guild's count of online sessions (an operator statistic)
// equals the sessions alive.
func TestGatewayCrash(t *testing.T) {
	for _, fc := range fanCases()[:4] {
		t.Run(fc.name, func(t *testing.T) {
			for _, seed := range seeds() {
				t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
					t.Parallel()
					runGatewayCrash(t, seed, fc)
				})
			}
		})
	}
}

func runGatewayCrash(t *testing.T, seed uint64, fc fanCase) {
	fw := newFanWorld(t, seed, fanSpec(), fc.opts, 10)
	gw1, _ := fw.w.Node("gateway-1")
	fw.w.At(sim.DefaultStart.Add(5200*sim.Millisecond), "crash", func() { fw.w.Crash(gw1) })
	// Messages 0-5 around the crash, 6-11 from 120 s on (the clients of the crashed node notice after the stream timeout, 30 s, and reconnect by ~70 s), all in C1 (public:
	// every member but user 9 may see it).
	at := func(k int) sim.Duration {
		if k < 6 {
			return 5*sim.Second + sim.Duration(k)*100*sim.Millisecond
		}
		return 120*sim.Second + sim.Duration(k)*100*sim.Millisecond
	}
	for k := range nMsgs {
		fw.toGuild(at(k), gID, guild.CreateMessage{Request: uint64(k + 1), Channel: chans[0], Author: userID(author), Content: "hi"})
	}
	fw.runUntil(at(nMsgs-1) + 2*sim.Second)
	if len(fw.edge.acked) != nMsgs {
		t.Fatalf("seed=%d: %d of %d messages acknowledged", seed, len(fw.edge.acked), nMsgs)
	}
	ids := make([]uint64, nMsgs)
	for k := range nMsgs {
		ids[k] = fw.edge.acked[uint64(k+1)]
	}
	alive := 0
	for c, cl := range fw.clients {
		u := fw.users[c]
		if cl.State() != client.StateReady {
			t.Fatalf("seed=%d: client %d not connected at the end\n%s", seed, c, fw.dump(c))
		}
		if u != userID(9) {
			alive++
		}
		want := ids[6:]
		if cl.Node() != gw1 && !slices.ContainsFunc(fw.rec.ForClient(uint32(c)), func(r client.Record) bool { return r.Kind == client.KindClosed }) {
			want = ids // never disconnected
		}
		got := fw.received(c, gateway.EventMessageCreate)
		if u == userID(9) {
			want = nil
		} else if len(want) < len(ids) {
			got = slices.DeleteFunc(got, func(id uint64) bool { return id < ids[6] })
		}
		if !slices.Equal(got, want) {
			t.Fatalf("seed=%d (replay: go test ./system/guild -run 'TestGatewayCrash/%s/seed=%d$' -count=1 -v): client %d: MESSAGE_CREATE %v, want %v\n%s",
				seed, fc.name, seed, c, got, want, fw.dump(c))
		}
	}
	if s := fw.cluster.Guild(gID).Stats(); s.Sessions != alive {
		t.Fatalf("seed=%d: the guild counts %d sessions online, %d are alive", seed, s.Sessions, alive)
	}
}
