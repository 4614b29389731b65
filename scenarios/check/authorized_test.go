package check

import (
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// sec is t seconds of true time.
func sec(t int64) sim.Time { return sim.Time(t) * sim.Time(sim.Second) }

// permTruth: truth() with GuildOf (channel ch in guild guildOfCh); users
// 1-3 may post in ch throughout, user 1 alone may manage its messages.
func permTruth() Truth {
	tr := truthWithGuilds()
	tr.Send, tr.Manage = NewAccess(), NewAccess()
	for u := uint64(1); u <= 3; u++ {
		tr.Send.Grant(u, ch, 0, Forever)
	}
	tr.Manage.Grant(1, ch, 0, Forever)
	return tr
}

// TestAuthorizedLifecycleEvents: every dispatch carrying a message of a
// channel is judged, not only MESSAGE_CREATE, and so are backfill pages.
func TestAuthorizedLifecycleEvents(t *testing.T) {
	// Client 1 posts message 100 in ch, edits it at 10 s and deletes it
	// at 20 s.
	base := func() *builder {
		return newBuilder().ready(0, 1).ready(0, 2).ready(0, 4).send(sec(1), 1, ch, 1).ack(sec(2), 1, 1, 100).
			change(sec(10), sec(11), 1, client.KindEdit, 2, 100, client.KindChangeAck, 0, 7).
			change(sec(20), sec(21), 1, client.KindDelete, 3, 100, client.KindChangeAck, 0)
	}
	// User 2 loses the channel at 5 s: before the edit was made.
	revoked := permTruth()
	revoked.Access = NewAccess()
	revoked.Access.Grant(2, ch, 0, sec(5))
	tests := []struct {
		name string
		h    *History
		tr   Truth
		want Result
	}{
		{"update to a member", base().event(sec(11), 2, "MESSAGE_UPDATE", 100).h, permTruth(), Ok},
		{"update to a stranger", base().event(sec(11), 4, "MESSAGE_UPDATE", 100).h, permTruth(), Illegal},
		{"delete to a stranger", base().event(sec(21), 4, "MESSAGE_DELETE", 100).h, permTruth(), Illegal},
		{"bulk delete to a stranger", base().event(sec(21), 4, "MESSAGE_DELETE_BULK", 100).h, permTruth(), Illegal},
		{"reaction to a stranger", base().event(sec(21), 4, "MESSAGE_REACTION_ADD", 100).h, permTruth(), Illegal},
		{"unread to a stranger", base().event(sec(3), 4, "CHANNEL_UNREAD", 100).h, permTruth(), Illegal},
		{"update after the revocation", base().event(sec(11), 2, "MESSAGE_UPDATE", 100).h, revoked, Illegal},
		{"create before the revocation", base().dispatch(sec(3), 2, 100).h, revoked, Ok},
		{"backfill to a member", base().guildCreate(sec(30), 2, guildOfCh).backfill(sec(31), 2, ch, 100).h, permTruth(), Ok},
		{"backfill to a stranger", base().guildCreate(sec(30), 4, guildOfCh).backfill(sec(31), 4, ch, 100).h, permTruth(), Illegal},
		{"backfill after the revocation", base().rec(sec(29), 2, client.KindIdentify, 0, 0).guildCreate(sec(30), 2, guildOfCh).backfill(sec(31), 2, ch, 100).h, revoked, Illegal},
		{"empty backfill page to a stranger", base().guildCreate(sec(30), 4, guildOfCh).backfill(sec(31), 4, ch).h, permTruth(), Ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v := Authorized(tt.h, tt.tr); v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
		})
	}
}

// TestPermitted: a request the user was allowed to make, refused for
// permissions, is Illegal; the same refusal is fine when the user was not
// allowed, or when the refusal had another reason.
func TestPermitted(t *testing.T) {
	const np = client.SendNotPermitted
	// Client 1 posted message 100, client 2 message 200, both in ch.
	base := func() *builder {
		return newBuilder().ready(0, 1).ready(0, 2).ready(0, 4).
			send(sec(1), 1, ch, 1).ack(sec(2), 1, 1, 100).
			send(sec(1), 2, ch, 1).ack(sec(2), 2, 1, 200)
	}
	refusedPost := func(c uint32, reason uint64) *History {
		return base().send(sec(10), c, ch, 5).rec(sec(11), c, client.KindSendFailed, 5, reason).h
	}
	// User 2 may post only from 9.5 s: a post at 10 s is too close to the
	// grant's start to be judged.
	late := permTruth()
	late.Send = NewAccess()
	late.Send.Grant(2, ch, sec(10)-sim.Time(sim.Second/2), Forever)
	tests := []struct {
		name string
		h    *History
		tr   Truth
		want Result
	}{
		{"allowed post refused", refusedPost(2, np), permTruth(), Illegal},
		{"allowed post failed in the store", refusedPost(2, client.SendRejected), permTruth(), Ok},
		{"stranger's post refused", refusedPost(4, np), permTruth(), Ok},
		{"post refused near the grant's start", refusedPost(2, np), late, Ok},
		{"own edit refused", base().change(sec(10), sec(11), 2, client.KindEdit, 6, 200, client.KindChangeFailed, np, 7).h, permTruth(), Illegal},
		{"edit of another's refused", base().change(sec(10), sec(11), 2, client.KindEdit, 6, 100, client.KindChangeFailed, np, 7).h, permTruth(), Ok},
		{"own delete refused", base().change(sec(10), sec(11), 2, client.KindDelete, 6, 200, client.KindChangeFailed, np).h, permTruth(), Illegal},
		{"moderator's delete refused", base().change(sec(10), sec(11), 1, client.KindDelete, 6, 200, client.KindChangeFailed, np).h, permTruth(), Illegal},
		{"member's delete of another's refused", base().change(sec(10), sec(11), 2, client.KindDelete, 6, 100, client.KindChangeFailed, np).h, permTruth(), Ok},
		{"moderator's bulk delete refused", base().change(sec(10), sec(11), 1, client.KindBulkDelete, 6, ch, client.KindChangeFailed, np, 100, 200).h, permTruth(), Illegal},
		{"member's bulk delete refused", base().change(sec(10), sec(11), 2, client.KindBulkDelete, 6, ch, client.KindChangeFailed, np, 100, 200).h, permTruth(), Ok},
		{"reaction refused", base().change(sec(10), sec(11), 3, client.KindReactAdd, 6, 100, client.KindChangeFailed, np, 9).h, permTruth(), Illegal},
		{"stranger's reaction refused", base().change(sec(10), sec(11), 4, client.KindReactAdd, 6, 100, client.KindChangeFailed, np, 9).h, permTruth(), Ok},
		{"no truth", base().h, Truth{}, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v := Permitted(tt.h, tt.tr); v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
		})
	}
}

// TestRemovedGetsNothing: user 2 is removed from the guild, acknowledged
// at 10 s; it may be re-added at 50 s.
func TestRemovedGetsNothing(t *testing.T) {
	removed := func(until sim.Time) Truth {
		tr := permTruth()
		tr.Removals = []Removal{{User: 2, Guild: guildOfCh, AckedAt: sec(10), Until: until}}
		return tr
	}
	// Message 100 sent before the removal, 300 after it.
	base := func() *builder {
		return newBuilder().ready(0, 1).rec(0, 2, client.KindIdentify, 0, 0).ready(0, 2).
			send(sec(5), 1, ch, 1).ack(sec(6), 1, 1, 100).
			send(sec(20), 1, ch, 2).ack(sec(21), 1, 2, 300)
	}
	tests := []struct {
		name string
		h    *History
		tr   Truth
		want Result
	}{
		{"nothing after", base().dispatch(sec(7), 2, 100).h, removed(Forever), Ok},
		{"made before, arrived after", base().dispatch(sec(12), 2, 100).h, removed(Forever), Ok},
		{"message sent after the ack", base().dispatch(sec(22), 2, 300).h, removed(Forever), Illegal},
		{"edit requested after the ack", base().change(sec(30), sec(31), 1, client.KindEdit, 3, 100, client.KindChangeAck, 0, 7).
			event(sec(31), 2, "MESSAGE_UPDATE", 100).h, removed(Forever), Illegal},
		{"GUILD_CREATE in a session identified after", base().rec(sec(40), 2, client.KindIdentify, 0, 0).ready(sec(41), 2).
			guildCreate(sec(41), 2, guildOfCh).h, removed(Forever), Illegal},
		{"re-added before", base().rec(sec(60), 2, client.KindIdentify, 0, 0).guildCreate(sec(61), 2, guildOfCh).
			send(sec(62), 1, ch, 3).ack(sec(63), 1, 3, 400).dispatch(sec(63), 2, 400).h, removed(sec(50)), Ok},
		{"no removals", base().dispatch(sec(22), 2, 300).h, permTruth(), Ok},
		// A pin before the removal, replayed after it (a resume), and an
		// edit refused for permissions after it: the refused edit caused
		// nothing, so the MESSAGE_UPDATE is the pin's (mixed property case,
		// world seed 8).
		{"a pin's update replayed, an edit refused after", base().change(sec(8), sec(9), 1, client.KindPin, 3, 100, client.KindChangeAck, 0).
			change(sec(30), sec(31), 1, client.KindEdit, 4, 100, client.KindChangeFailed, client.SendNotPermitted, 7).
			event(sec(32), 2, "MESSAGE_UPDATE", 100).h, removed(Forever), Ok},
		{"an edit refused after, nothing else could cause it", base().change(sec(30), sec(31), 1, client.KindEdit, 4, 100, client.KindChangeFailed, client.SendNotPermitted, 7).
			change(sec(33), sec(34), 1, client.KindEdit, 5, 100, client.KindChangeAck, 0, 8).
			event(sec(35), 2, "MESSAGE_UPDATE", 100).h, removed(Forever), Illegal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := RemovedGetsNothing(tt.h, tt.tr)
			if v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
			if v.Result == Illegal && (v.At == 0 || !strings.Contains(v.Detail, "removal")) {
				t.Fatalf("an Illegal verdict must say when and why: %v", v)
			}
		})
	}
}
