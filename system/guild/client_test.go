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

// TestClientPostAndHistory: clients post with nonces and wait for the
// acknowledgement; a post the author may not make is rejected; a history
// read returns the acknowledged messages, newest first; the other members
// receive exactly the acknowledged IDs. All read from the clients' records.
func TestClientPostAndHistory(t *testing.T) {
	for _, seed := range seeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			fw := newFanWorld(t, seed, fanSpec(), guild.Options{Fanout: guild.FanoutPerNode}, 10)
			for k := range 3 {
				fw.toClient(5*sim.Second+sim.Duration(k)*50*sim.Millisecond, 0,
					client.SendMessage{Guild: gID, Channel: chans[0], Content: "hi", Nonce: uint64(70 + k)})
			}
			// User 3 is denied VIEW_CHANNEL in C3 by a member overwrite.
			fw.toClient(5*sim.Second, 3, client.SendMessage{Guild: gID, Channel: chans[2], Content: "no", Nonce: 99})
			fw.toClient(8*sim.Second, 1, client.ReadHistory{Channel: chans[0], Limit: 10})
			fw.runUntil(10 * sim.Second)

			var acked []uint64
			for _, r := range fw.rec.ForClient(0) {
				if r.Kind == client.KindSendAck {
					if r.Seq != uint64(70+len(acked)) {
						t.Fatalf("seed=%d: ack %d has nonce %d, want %d\n%s", seed, len(acked), r.Seq, 70+len(acked), fw.dump(0))
					}
					acked = append(acked, r.ID)
				}
			}
			if len(acked) != 3 || !slices.IsSorted(acked) {
				t.Fatalf("seed=%d: acks %v: want 3, increasing\n%s", seed, acked, fw.dump(0))
			}
			var failed []client.Record
			for _, r := range fw.rec.ForClient(3) {
				if r.Kind == client.KindSendFailed || r.Kind == client.KindSendAck {
					failed = append(failed, r)
				}
			}
			if len(failed) != 1 || failed[0].Kind != client.KindSendFailed || failed[0].Seq != 99 || failed[0].ID != client.SendNotPermitted {
				t.Fatalf("seed=%d: user 3's forbidden post: %v, want one send-failed (not permitted) with nonce 99\n%s", seed, failed, fw.dump(3))
			}
			for c := range fw.clients {
				want := acked
				if c == 9 {
					want = nil
				}
				if got := fw.received(c, gateway.EventMessageCreate); !slices.Equal(got, want) {
					t.Fatalf("seed=%d: client %d got %v, want %v\n%s", seed, c, got, want, fw.dump(c))
				}
			}
			var history []uint64
			for _, r := range fw.rec.ForClient(1) {
				if r.Kind == client.KindHistoryMessage {
					history = append(history, r.ID)
				}
			}
			newestFirst := slices.Clone(acked)
			slices.Reverse(newestFirst)
			if !slices.Equal(history, newestFirst) {
				t.Fatalf("seed=%d: history %v, want %v\n%s", seed, history, newestFirst, fw.dump(1))
			}
		})
	}
}
