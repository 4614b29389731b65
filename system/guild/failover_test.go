package guild_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
)

// TestStoreFailoverIDOrder is partition-during-send's incident in small: the
// guild's store client fails over to another coordinator between two writes
// of one channel while the first is held by a partition, so the later write
// is stored first. The guild mints the IDs, so the acked IDs still increase
// in request order and every session gets the channel's MESSAGE_CREATE in
// ID order (when the coordinators minted, the later write got the smaller
// ID and the fanout went out of ID order).
func TestStoreFailoverIDOrder(t *testing.T) {
	for _, seed := range seeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			const timeout = 2 * sim.Second
			fw := newFanWorld(t, seed, fanSpec(), guild.Options{StoreTimeout: timeout}, 10)
			store0, ok := fw.w.Node("store-0") // the guild's first coordinator
			if !ok {
				t.Fatal("no node store-0")
			}
			home := fw.cluster.Placement().NodeOf(gID)
			var part sim.PartitionID
			fw.w.At(sim.DefaultStart.Add(5*sim.Second), "partition", func() {
				part = fw.w.Partition([]sim.NodeID{home}, []sim.NodeID{store0})
			})
			msg := func(req uint64, ch int) guild.CreateMessage {
				return guild.CreateMessage{Request: req, Channel: chans[ch], Author: userID(author), Content: "x"}
			}
			// Request 1 (another channel) times out at 7 s: the client
			// moves to store-1. Request 2 went to store-0 just before and
			// is held until the heal; request 3 goes to store-1 and is
			// stored first.
			fw.toGuild(5*sim.Second, gID, msg(1, 1))
			fw.toGuild(5*sim.Second+timeout-100*sim.Millisecond, gID, msg(2, 0))
			fw.toGuild(5*sim.Second+timeout+100*sim.Millisecond, gID, msg(3, 0))
			fw.w.At(sim.DefaultStart.Add(5*sim.Second+timeout+300*sim.Millisecond), "heal", func() { fw.w.Heal(part) })
			fw.toGuild(12*sim.Second, gID, msg(4, 0))
			fw.runUntil(20 * sim.Second)

			var want []uint64
			for req := uint64(2); req <= 4; req++ {
				id, ok := fw.edge.acked[req]
				if !ok {
					t.Fatalf("seed=%d: request %d not acknowledged (acked %v, %d rejected)", seed, req, fw.edge.acked, fw.edge.rejected)
				}
				want = append(want, id)
			}
			if !slices.IsSorted(want) {
				t.Fatalf("seed=%d: acked IDs of requests 2, 3, 4: %v: want them increasing in request order", seed, want)
			}
			chanOf := map[uint64]bool{}
			for _, id := range want {
				chanOf[id] = true
			}
			for c := range 10 {
				if !canSee(c, 0) {
					continue
				}
				var got []uint64
				for _, id := range fw.received(c, gateway.EventMessageCreate) {
					if chanOf[id] {
						got = append(got, id)
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("seed=%d: client %d got channel 0's messages %v, want %v (ID order)\n%s", seed, c, got, want, fw.dump(c))
				}
			}
		})
	}
}
