package check

import (
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// truth: client c is user c; users 1-3 see channel 10 for the whole run,
// user 4 never does. The heal is at 50, the bound 100, the run ends at 1000.
func truth() Truth {
	a := NewAccess()
	for u := uint64(1); u <= 3; u++ {
		a.Grant(u, ch, 0, Forever)
	}
	return Truth{
		UserOf:        func(c uint32) uint64 { return uint64(c) },
		Access:        a,
		HealedAt:      50,
		LivenessBound: 100,
		EndAt:         1000,
	}
}

func TestNoAckedMessageLost(t *testing.T) {
	acked := func() *builder {
		return newBuilder().send(1, 1, ch, 1).ack(2, 1, 1, 100).send(3, 1, ch, 2).ack(4, 1, 2, 200)
	}
	tests := []struct {
		name string
		h    *History
		want Result
	}{
		{"found", acked().read(60, 61, 2, ch, 50, 200, 100).h, Ok},
		{"lost", acked().read(60, 61, 2, ch, 50, 200).h, Illegal},
		{"page too short to reach it", acked().read(60, 61, 2, ch, 1, 200).h, Unknown},
		{"read before the heal only", acked().read(10, 11, 2, ch, 50).h, Unknown},
		{"no reads", acked().h, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v := NoAckedMessageLost(tt.h, truth()); v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
		})
	}
}

// threeMessages: client 1 posts 100, 200, 300 on channel 10.
func threeMessages() *builder {
	return newBuilder().
		send(1, 1, ch, 1).ack(2, 1, 1, 100).
		send(3, 1, ch, 2).ack(4, 1, 2, 200).
		send(5, 1, ch, 3).ack(6, 1, 3, 300)
}

func TestSessionOrder(t *testing.T) {
	tests := []struct {
		name string
		h    *History
		want Result
	}{
		{"in order with a duplicate", threeMessages().ready(0, 2).dispatch(3, 2, 100).dispatch(5, 2, 200).dispatch(6, 2, 100).dispatch(7, 2, 300).h, Ok},
		{"in order across a resume", threeMessages().ready(0, 2).dispatch(3, 2, 100).
			rec(4, 2, client.KindClosed, 1000, 0).rec(5, 2, client.KindResume, 1, 7).rec(6, 2, client.KindResumed, 2, 0).
			dispatch(6, 2, 200).dispatch(7, 2, 300).h, Ok},
		{"new session may start late", threeMessages().ready(0, 2).dispatch(3, 2, 100).
			rec(4, 2, client.KindInvalidSession, 0, 0).ready(5, 2).dispatch(7, 2, 300).h, Ok},
		{"gap across a resume", threeMessages().ready(0, 2).dispatch(3, 2, 100).
			rec(4, 2, client.KindClosed, 1000, 0).rec(5, 2, client.KindResume, 1, 7).rec(6, 2, client.KindResumed, 2, 0).
			dispatch(7, 2, 300).h, Illegal},
		{"out of order", threeMessages().ready(0, 2).dispatch(3, 2, 200).dispatch(5, 2, 100).h, Illegal},
		{"an event replayed twice across a resume", threeMessages().ready(0, 2).dispatch(3, 2, 100).
			rec(4, 2, client.KindClosed, 1000, 0).rec(5, 2, client.KindResume, 1, 7).
			rec(6, 2, client.KindDuplicate, 1, 100).rec(6, 2, client.KindResumed, 2, 0).dispatch(7, 2, 200).h, Illegal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v := SessionOrder(tt.h, truth()); v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
		})
	}
}

// TestSessionOrderLateIsOutOfOrder: a message missing between two others
// that arrives later in the session is diagnosed as out of ID order, not
// as never received.
func TestSessionOrderLateIsOutOfOrder(t *testing.T) {
	h := threeMessages().ready(0, 2).dispatch(3, 2, 100).dispatch(7, 2, 300).dispatch(8, 2, 200).h
	v := SessionOrder(h, truth())
	if v.Result != Illegal || !strings.Contains(v.Detail, "out of ID order") || strings.Contains(v.Detail, "never") {
		t.Fatalf("got %v, want Illegal: out of ID order", v)
	}
}

func TestAuthorized(t *testing.T) {
	base := func() *builder { return newBuilder().send(1, 1, ch, 1).ack(2, 1, 1, 100).ready(0, 2).ready(0, 4) }
	revoked := truth()
	revoked.Access = NewAccess()
	revoked.Access.Grant(2, ch, 0, 1)
	tests := []struct {
		name string
		h    *History
		tr   Truth
		want Result
	}{
		{"member", base().dispatch(3, 2, 100).h, truth(), Ok},
		{"stranger", base().dispatch(3, 2, 100).dispatch(3, 4, 100).h, truth(), Illegal},
		{"revoked before the message", base().dispatch(3, 2, 100).h, revoked, Illegal},
		{"no truth", base().h, Truth{}, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v := Authorized(tt.h, tt.tr); v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
		})
	}
}

// guildOfCh: channel ch is in guild 7.
const guildOfCh = 7

func truthWithGuilds() Truth {
	tr := truth()
	tr.GuildOf = func(c uint64) uint64 {
		if c == ch {
			return guildOfCh
		}
		return 0
	}
	return tr
}

// TestResyncByGuildCreate: a guild that joined a session again sends
// GUILD_CREATE; messages of its channels missed before it are neither a
// gap (SessionOrder) nor undelivered (Liveness), but only for that guild.
func TestResyncByGuildCreate(t *testing.T) {
	gap := func(g uint64) *History {
		return threeMessages().ready(0, 2).dispatch(3, 2, 100).guildCreate(5, 2, g).dispatch(7, 2, 300).h
	}
	if v := SessionOrder(gap(guildOfCh), truthWithGuilds()); v.Result != Ok {
		t.Errorf("gap across the guild's GUILD_CREATE: got %v, want Ok", v)
	}
	if v := SessionOrder(gap(99), truthWithGuilds()); v.Result != Illegal {
		t.Errorf("gap across another guild's GUILD_CREATE: got %v, want Illegal", v)
	}
	// Message 500 is missed by client 2's dispatches; the guild's
	// GUILD_CREATE comes again at 90 and the client backfills.
	missed := func() *builder {
		return newBuilder().ready(0, 1).ready(0, 2).send(70, 1, ch, 1).ack(71, 1, 1, 500).dispatch(75, 1, 500).guildCreate(90, 2, guildOfCh)
	}
	if v := Liveness(missed().backfill(95, 2, ch, 500).h, truthWithGuilds()); v.Result != Ok || !strings.Contains(v.Detail, "1 by backfill") {
		t.Errorf("missed, then backfilled: got %v, want Ok with 1 by backfill", v)
	}
	if v := Liveness(missed().h, truthWithGuilds()); v.Result != Illegal || !strings.Contains(v.Detail, "GUILD_CREATE came again") {
		t.Errorf("missed, GUILD_CREATE again, never backfilled: got %v, want Illegal", v)
	}
	if v := Liveness(missed().backfill(95, 2, ch).h, truthWithGuilds()); v.Result != Illegal {
		t.Errorf("missed, backfill page without it: got %v, want Illegal", v)
	}
	if v := Liveness(missed().backfill(95, 2, ch+1, 500).h, truthWithGuilds()); v.Result != Illegal {
		t.Errorf("missed, backfilled from another channel's page: got %v, want Illegal", v)
	}
	if v := Liveness(missed().backfill(500, 2, ch, 500).h, truthWithGuilds()); v.Result != Illegal || !strings.Contains(v.Detail, "only at") {
		t.Errorf("missed, backfilled after the deadline: got %v, want Illegal", v)
	}
	deleted := missed().change(80, 81, 1, client.KindDelete, 9, 500, client.KindChangeAck, 0).h
	if v := Liveness(deleted, truthWithGuilds()); v.Result != Ok || !strings.Contains(v.Detail, "1 excused by a delete") {
		t.Errorf("missed, then deleted: got %v, want Ok", v)
	}
}

func TestLiveness(t *testing.T) {
	// Client 2 loses its connection at 40 and identifies again at 60; client
	// 1 posts message 500 at 70, acknowledged at 71.
	base := func() *builder {
		return newBuilder().ready(0, 1).ready(0, 2).
			rec(40, 2, client.KindClosed, 0, uint64(sim.CloseReason(0))).
			ready(60, 2).
			send(70, 1, ch, 1).ack(71, 1, 1, 500)
	}
	early := truth()
	early.EndAt = 100
	// posts: client 1 posts 25 times after the heal (nonces 10..34); the
	// first failed of them time out (or are refused for permissions), the
	// others are acknowledged and reach both clients.
	posts := func(failed int, reason uint64) *History {
		b := base().dispatch(75, 1, 500).dispatch(80, 2, 500)
		for i := range 25 {
			at, nonce := sim.Time(100+4*i), uint64(10+i)
			b.send(at, 1, ch, nonce)
			if i < failed {
				b.rec(at+1, 1, client.KindSendFailed, nonce, reason)
				continue
			}
			id := uint64(1000 + i)
			b.ack(at+1, 1, nonce, id).dispatch(at+2, 1, id).dispatch(at+2, 2, id)
		}
		return b.h
	}
	tests := []struct {
		name string
		h    *History
		tr   Truth
		want Result
	}{
		{"delivered", base().dispatch(75, 1, 500).dispatch(80, 2, 500).h, truth(), Ok},
		{"never delivered", base().dispatch(75, 1, 500).h, truth(), Illegal},
		{"delivered too late", base().dispatch(75, 1, 500).dispatch(500, 2, 500).h, truth(), Illegal},
		{"never reconnected", newBuilder().ready(0, 1).ready(0, 2).rec(40, 2, client.KindClosed, 0, 0).h, truth(), Illegal},
		{"exited after heal", newBuilder().ready(0, 1).ready(0, 2).rec(60, 2, client.KindStopped, 4004, 0).h, truth(), Illegal},
		{"run too short", base().dispatch(80, 2, 500).h, early, Unknown},
		// 26 answered posts after the heal: 7 acknowledged (27%) pass, 6 (23%) not.
		{"a quarter of posts after the heal acknowledged", posts(19, client.SendTimedOut), truth(), Ok},
		{"most posts after the heal failed", posts(20, client.SendTimedOut), truth(), Illegal},
		{"most posts after the heal rejected", posts(25, client.SendRejected), truth(), Illegal},
		{"refusals for permissions not counted", posts(25, client.SendNotPermitted), truth(), Ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if v := Liveness(tt.h, tt.tr); v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
		})
	}
}

func TestFromRecorder(t *testing.T) {
	now := sim.Time(5)
	r := client.NewRecorder(func() sim.Time { return now })
	h := FromRecorder(r, []ReadCall{{Client: 1, Channel: ch, Limit: 10, At: 3}})
	if len(h.Records) != 0 || h.Dropped != 0 || len(h.Reads) != 1 || len(h.EventNames) != 1 {
		t.Fatalf("got %+v", h)
	}
}

// TestIllegalVerdictsSayWhen: an Illegal verdict places its first
// violation at the observation that shows it, so that a report can mark
// it on a time axis; an Ok verdict has no instant.
func TestIllegalVerdictsSayWhen(t *testing.T) {
	const readCall, readReturn, late, early sim.Time = 60, 61, 7, 8
	acked := func() *builder {
		return newBuilder().send(1, 1, ch, 1).ack(2, 1, 1, 100).send(3, 1, ch, 2).ack(4, 1, 2, 200)
	}
	tests := []struct {
		name string
		v    Verdict
		want sim.Time
	}{
		// The read that returned without message 100 shows the loss when it returns.
		{"lost", NoAckedMessageLost(acked().read(readCall, readReturn, 2, ch, 50, 200).h, truth()), readReturn},
		// Message 200 came first; 100 arriving after it is the violation.
		{"out of order", SessionOrder(threeMessages().ready(0, 2).dispatch(early-3, 2, 200).dispatch(early, 2, 100).h, truth()), early},
		// 300 arrives with 200 never seen between: the gap shows at 300's arrival.
		{"gap", SessionOrder(threeMessages().ready(0, 2).dispatch(3, 2, 100).
			rec(4, 2, client.KindClosed, 1000, 0).rec(5, 2, client.KindResume, 1, 7).rec(6, 2, client.KindResumed, 2, 0).
			dispatch(late, 2, 300).h, truth()), late},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v.Result != Illegal || tt.v.At != tt.want {
				t.Fatalf("got %v at %d, want Illegal at %d", tt.v, tt.v.At, tt.want)
			}
		})
	}
	if v := NoAckedMessageLost(acked().read(readCall, readReturn, 2, ch, 50, 200, 100).h, truth()); v.Result != Ok || v.At != 0 {
		t.Errorf("ok verdict: got %v at %d, want Ok with no instant", v, v.At)
	}
}
