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

// TestFanoutBurstOrder posts 40 messages 1 ms apart over the three channels
// with a send cost of 2 ms, so that every process on the way holds a queue
// of fanout jobs and the store's acknowledgements overlap: under every
// strategy each session must still get each channel's messages in ID order,
// each exactly once.
func TestFanoutBurstOrder(t *testing.T) {
	const burst = 40
	for _, fc := range fanCases() {
		t.Run(fc.name, func(t *testing.T) {
			for _, seed := range seeds() {
				t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
					t.Parallel()
					opts := fc.opts
					opts.SendCost = 2 * sim.Millisecond
					// Two workers a node: each gets ~3 sessions per
					// message, more than the guild's pace, so workers
					// build backlogs that a wrong split would reorder.
					opts.Workers = 2
					fw := newFanWorld(t, seed, fanSpec(), opts, 10)
					if fc.passive {
						for c := range 10 {
							fw.toClient(4*sim.Second, c, client.OpenGuild{GuildID: gID})
						}
					}
					for k := range burst {
						fw.toGuild(5*sim.Second+sim.Duration(k)*sim.Millisecond, gID,
							guild.CreateMessage{Request: uint64(k + 1), Channel: chans[k%3], Author: userID(author), Content: "x"})
					}
					fw.runUntil(15 * sim.Second)
					if len(fw.edge.acked) != burst {
						t.Fatalf("seed=%d: %d of %d acknowledged", seed, len(fw.edge.acked), burst)
					}
					chanOf := map[uint64]int{}
					for k := range burst {
						chanOf[fw.edge.acked[uint64(k+1)]] = k % 3
					}
					for c := range 10 {
						var perChan [3][]uint64
						n := 0
						for _, r := range fw.rec.ForClient(uint32(c)) {
							if r.Kind == client.KindDispatch && fw.rec.EventName(r.Name) == gateway.EventMessageCreate {
								perChan[chanOf[r.ID]] = append(perChan[chanOf[r.ID]], r.ID)
								n++
							}
						}
						for ch, ids := range perChan {
							want := 0
							for k := ch; k < burst; k += 3 {
								// No permission changes here: message ch's
								// visibility is the channel's.
								if canSee(c, ch) {
									want++
								}
							}
							if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) || len(ids) != want {
								t.Fatalf("seed=%d: client %d, channel %d: %v: want %d messages, each once, in ID order\n%s",
									seed, c, ch, ids, want, fw.dump(c))
							}
						}
					}
				})
			}
		})
	}
}
