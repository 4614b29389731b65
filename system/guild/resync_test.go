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

// TestBackfillAfterResync cuts the guild's node off from client 1's
// gateway node for longer than the link timeout while client 0 posts: the
// guild loses client 1's session, joins it again after the heal with a
// fresh GUILD_CREATE, and the client (Config.Backfill) reads every message
// it missed from history, in KindBackfill pages. Without Backfill it reads
// nothing.
func TestBackfillAfterResync(t *testing.T) {
	for _, seed := range seeds() {
		for _, on := range []bool{true, false} {
			t.Run(fmt.Sprintf("seed=%d/backfill=%v", seed, on), func(t *testing.T) {
				t.Parallel()
				fw := newFanWorldWith(t, seed, fanSpec(), guild.Options{Fanout: guild.FanoutPerNode}, 2, client.Config{Backfill: on})
				home := fw.cluster.Placement().NodeOf(gID)
				gw := fw.d.Gateways[1] // client 1's
				if home == gw {
					t.Skip("the guild's node is the gateway's")
				}
				fw.w.At(sim.DefaultStart.Add(5*sim.Second), "cut", func() { fw.w.Partition([]sim.NodeID{home}, []sim.NodeID{gw}) })
				fw.w.At(sim.DefaultStart.Add(70*sim.Second), "heal", func() { fw.w.HealAll() })
				for k := range 3 {
					fw.toClient(20*sim.Second+sim.Duration(k)*sim.Second, 0,
						client.SendMessage{Guild: gID, Channel: chans[0], Content: "while cut", Nonce: uint64(10 + k)})
				}
				fw.runUntil(100 * sim.Second)

				var acked []uint64
				for _, r := range fw.rec.ForClient(0) {
					if r.Kind == client.KindSendAck {
						acked = append(acked, r.ID)
					}
				}
				if len(acked) != 3 {
					t.Fatalf("seed=%d: %d posts acknowledged, want 3\n%s", seed, len(acked), fw.dump(0))
				}
				got := fw.received(1, gateway.EventMessageCreate)
				var pages int
				recs := fw.rec.ForClient(1)
				for i, r := range recs {
					if r.Kind != client.KindBackfill {
						continue
					}
					pages++
					for _, m := range recs[i+1 : i+1+int(r.Seq)] {
						if m.Kind != client.KindHistoryMessage {
							t.Fatalf("seed=%d: a backfill page of %d messages is followed by %v\n%s", seed, r.Seq, m.Kind, fw.dump(1))
						}
						got = append(got, m.ID)
					}
				}
				if !on {
					if pages != 0 {
						t.Fatalf("seed=%d: %d backfill pages without Config.Backfill\n%s", seed, pages, fw.dump(1))
					}
					return
				}
				if pages == 0 {
					t.Fatalf("seed=%d: no backfill page after the resync\n%s", seed, fw.dump(1))
				}
				for _, id := range acked {
					if !slices.Contains(got, id) {
						t.Fatalf("seed=%d: message %d neither dispatched nor backfilled to client 1\n%s", seed, id, fw.dump(1))
					}
				}
			})
		}
	}
}

// TestBackfillRetriesFailedRead: as TestBackfillAfterResync, but the
// client's node is cut off from the store when the guild joins its session
// again, so the backfill's first reads fail; messages posted meanwhile are
// dispatched to it. Once the store is reachable the client reads the page
// again, from where the gap began (not after the newer dispatches), and
// gets every message it missed. Without the retry a failed backfill read
// lost the gap for good (swarm seeds 2483, 6483, 14750).
func TestBackfillRetriesFailedRead(t *testing.T) {
	for _, seed := range seeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			fw := newFanWorldWith(t, seed, fanSpec(), guild.Options{Fanout: guild.FanoutPerNode}, 2, client.Config{Backfill: true})
			home := fw.cluster.Placement().NodeOf(gID)
			gw := fw.d.Gateways[1] // client 1's
			if home == gw {
				t.Skip("the guild's node is the gateway's")
			}
			var cut, storeCut sim.PartitionID
			fw.w.At(sim.DefaultStart.Add(5*sim.Second), "cut", func() { cut = fw.w.Partition([]sim.NodeID{home}, []sim.NodeID{gw}) })
			fw.w.At(sim.DefaultStart.Add(70*sim.Second), "heal the guild, cut the store", func() {
				fw.w.Heal(cut)
				storeCut = fw.w.Partition([]sim.NodeID{fw.d.ClientNodes[0]}, fw.d.Store)
			})
			fw.w.At(sim.DefaultStart.Add(100*sim.Second), "heal the store", func() { fw.w.Heal(storeCut) })
			for k, at := range []sim.Duration{20, 21, 22, 85, 90} {
				fw.toClient(at*sim.Second, 0, client.SendMessage{Guild: gID, Channel: chans[0], Content: "post", Nonce: uint64(10 + k)})
			}
			fw.runUntil(150 * sim.Second)

			var acked []uint64
			for _, r := range fw.rec.ForClient(0) {
				if r.Kind == client.KindSendAck {
					acked = append(acked, r.ID)
				}
			}
			if len(acked) != 5 {
				t.Fatalf("seed=%d: %d posts acknowledged, want 5\n%s", seed, len(acked), fw.dump(0))
			}
			dispatched := fw.received(1, gateway.EventMessageCreate)
			for _, id := range acked[3:] {
				if !slices.Contains(dispatched, id) {
					t.Fatalf("seed=%d: message %d, posted after the guild's heal, was not dispatched to client 1\n%s", seed, id, fw.dump(1))
				}
			}
			var failed, pages int
			backfilled := map[uint64]bool{}
			recs := fw.rec.ForClient(1)
			for i, r := range recs {
				switch {
				case r.Kind == client.KindBackfillFailed && r.ID == chans[0] && pages == 0:
					failed++
				case r.Kind == client.KindBackfill && r.ID == chans[0]:
					pages++
					for _, m := range recs[i+1 : i+1+int(r.Seq)] {
						backfilled[m.ID] = true
					}
				}
			}
			if failed == 0 {
				t.Fatalf("seed=%d: no backfill read of channel %d failed while the store was cut off\n%s", seed, chans[0], fw.dump(1))
			}
			if pages == 0 {
				t.Fatalf("seed=%d: %d failed backfill reads of channel %d and no page after the store's heal\n%s", seed, failed, chans[0], fw.dump(1))
			}
			for _, id := range acked[:3] {
				if !backfilled[id] && !slices.Contains(dispatched, id) {
					t.Fatalf("seed=%d: message %d, posted while the guild was cut off, neither dispatched nor backfilled to client 1\n%s", seed, id, fw.dump(1))
				}
			}
		})
	}
}

// TestMemberRemovedAcknowledged: the guild answers MemberRemove with
// MemberRemoved, and a message posted after the acknowledgement reaches
// the removed member's session no more.
func TestMemberRemovedAcknowledged(t *testing.T) {
	for _, seed := range seeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			fw := newFanWorld(t, seed, fanSpec(), guild.Options{Fanout: guild.FanoutRelays}, 3)
			fw.toClient(5*sim.Second, 0, client.SendMessage{Guild: gID, Channel: chans[0], Content: "before", Nonce: 1})
			fw.toGuild(6*sim.Second, gID, guild.MemberRemove{User: userID(2)})
			fw.toClient(8*sim.Second, 0, client.SendMessage{Guild: gID, Channel: chans[0], Content: "after", Nonce: 2})
			fw.runUntil(12 * sim.Second)
			if !slices.Equal(fw.edge.removed, []uint64{userID(2)}) {
				t.Fatalf("seed=%d: removals acknowledged %v, want [%d]", seed, fw.edge.removed, userID(2))
			}
			if n := len(fw.received(1, gateway.EventMessageCreate)); n != 2 {
				t.Fatalf("seed=%d: member 1 got %d messages, want 2\n%s", seed, n, fw.dump(1))
			}
			if n := len(fw.received(2, gateway.EventMessageCreate)); n != 1 {
				t.Fatalf("seed=%d: removed member 2 got %d messages, want only the one before its removal\n%s", seed, n, fw.dump(2))
			}
		})
	}
}
