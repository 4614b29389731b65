package check

import (
	"fmt"
	"sort"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// NoAckedMessageLost checks that every acknowledged message is in every
// history read of its channel that was called after both the heal (or
// Truth.ConvergedAt, for reads at ONE) and the message's acknowledgement,
// as far as the page reaches: a page covers a
// message if the page is shorter than its limit (it is the whole channel)
// or the message's ID is at least the page's oldest. Unknown if the run
// recorded no such reads, or some acknowledged message is covered by none
// (a channel longer than a page).
func NoAckedMessageLost(h *History, t Truth) Verdict {
	const name = "no-acked-message-lost"
	if h.Dropped > 0 {
		return unknown(name, "the recorder dropped %d records", h.Dropped)
	}
	ix := buildIndex(h)
	var finals []readOp
	for _, r := range ix.reads {
		if r.called && !r.failed && r.complete && r.callAt >= max(t.HealedAt, t.ConvergedAt) {
			finals = append(finals, r)
		}
	}
	if len(finals) == 0 {
		return unknown(name, "no history read was called after the heal at %v (the scenario must issue final reads, and pass them as History.Reads)", t.HealedAt)
	}
	acked, uncovered := 0, 0
	var firstUncovered *sendOp
	// A message some delete asked for (acknowledged or not) may be gone
	// for good: not lost. The lifecycle model judges the delete itself.
	deleteAsked := map[uint64]bool{}
	for _, c := range ix.changes {
		if c.kind == client.KindDelete || c.kind == client.KindBulkDelete {
			for _, id := range c.messages {
				deleteAsked[id] = true
			}
		}
	}
	for i := range ix.sends {
		s := &ix.sends[i]
		if s.outcome != outcomeAcked || deleteAsked[s.id] {
			continue
		}
		acked++
		covered := false
		for _, r := range finals {
			if r.channel != s.channel || r.callAt < s.answeredAt {
				continue
			}
			full := r.limit > 0 && len(r.ids) >= r.limit
			if full && (len(r.ids) == 0 || s.id < r.ids[len(r.ids)-1]) {
				continue // older than the page reaches
			}
			covered = true
			if !containsID(r.ids, s.id) {
				return illegal(name, "message %d (channel %d), sent by client %d with nonce %d at %v and acknowledged at %v, is missing from client %d's read of channel %d called at %v, after the heal at %v, which returned %d messages [%s].",
					s.id, s.channel, s.client, s.nonce, s.sentAt, s.answeredAt, r.client, r.channel, r.callAt, t.HealedAt, len(r.ids), joinIDs(r.ids)).at(r.returnedAt)
			}
		}
		if !covered {
			uncovered++
			if firstUncovered == nil {
				firstUncovered = s
			}
		}
	}
	if uncovered > 0 {
		s := firstUncovered
		return unknown(name, "%d of %d acknowledged messages are in no final read's reach, the first message %d of channel %d acknowledged at %v", uncovered, acked, s.id, s.channel, s.answeredAt)
	}
	return ok(name, fmt.Sprintf("%d acknowledged messages found by %d final reads", acked, len(finals)))
}

func containsID(ids []uint64, id uint64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// SessionOrder checks, for each client and each gateway session (READY to
// INVALID_SESSION, exit or next READY; resumes continue a session), that
// the session's MESSAGE_CREATE dispatches of each channel, duplicates
// removed by ID, arrive in ID order and without a gap.
//
// A gap is an acknowledged message m of the channel, with a < m < b where a
// and b are consecutive messages of that channel the session received,
// that the session never received, although the client's user could see
// the channel throughout m's creation window [its send, its
// acknowledgement] (Truth.Access) and Truth.Receives says the client gets
// the channel's messages. Since the session received a before m and b
// after it, the session was alive on both sides of m, disconnections
// included: a resume must replay what was missed. Messages before the
// session's first dispatch of a channel are not required (the session may
// have started after them), nor are messages whose channel is unknown (their
// send was not acknowledged). A missing m that arrives later in the same
// session is reported as out of ID order (m after b), not as a gap.
func SessionOrder(h *History, t Truth) Verdict {
	const name = "session-order"
	if h.Dropped > 0 {
		return unknown(name, "the recorder dropped %d records", h.Dropped)
	}
	if t.UserOf == nil {
		return unknown(name, "Truth.UserOf is nil")
	}
	ix := buildIndex(h)
	byChan := ix.ackedByChannel()
	checked := 0
	for _, c := range ix.clients {
		user := t.UserOf(c)
		var last map[uint64]uint64 // channel -> newest ID received in this session
		var seen map[uint64]bool
		lastAt := map[uint64]sim.Time{}
		for j, rec := range ix.byClient[c] {
			if rec.Kind == client.KindReady || rec.Kind == client.KindInvalidSession || last == nil {
				last, seen = map[uint64]uint64{}, map[uint64]bool{}
			}
			if rec.Kind == client.KindDispatch && h.eventName(rec) == EventGuildCreate {
				// A guild that lost the session to a broken link joins it
				// again with a fresh GUILD_CREATE: the client resynchronises
				// from history, so a gap across it is no violation. Its
				// channels restart (all of them without Truth.GuildOf).
				for ch := range last {
					if t.GuildOf == nil || t.GuildOf(ch) == rec.ID {
						delete(last, ch)
					}
				}
			}
			if rec.Kind == client.KindDuplicate {
				// The client already had this s: a resume must replay
				// strictly after the s the client sent, and a session
				// never sends an s twice.
				return illegal(name, "client %d (user %d) got event s=%d (%s) again at %v in the same session: a resume must replay only events after the client's s.",
					c, user, rec.Seq, h.eventName(rec), rec.At).at(rec.At)
			}
			if rec.Kind != client.KindDispatch || h.eventName(rec) != EventMessageCreate || seen[rec.ID] {
				continue
			}
			seen[rec.ID] = true
			ch, known := ix.channelOf(rec.ID)
			if !known {
				continue
			}
			checked++
			prev, had := last[ch]
			if had && rec.ID < prev {
				return illegal(name, "client %d (user %d) received message %d of channel %d at %v after message %d (at %v) in the same session: out of ID order.",
					c, user, rec.ID, ch, rec.At, prev, lastAt[ch]).at(rec.At)
			}
			if had {
				ids := byChan[ch]
				i := sort.Search(len(ids), func(i int) bool { return ids[i] > prev })
				for ; i < len(ids) && ids[i] < rec.ID; i++ {
					m := ix.sends[ix.acked[ids[i]]]
					if !t.receives(c, ch) || !t.Access.canSeeThroughout(user, ch, m.sentAt, m.answeredAt) {
						continue
					}
					if at, later := laterInSession(h, ix.byClient[c][j+1:], m.id); later {
						return illegal(name, "client %d (user %d) received message %d of channel %d at %v after message %d (at %v) in the same session: out of ID order.",
							c, user, m.id, ch, at, rec.ID, rec.At).at(at)
					}
					return illegal(name, "client %d (user %d) has a gap in channel %d: it received message %d at %v and then message %d at %v in the same session, but never message %d between them (sent by client %d at %v, acknowledged at %v, visible to the user throughout).",
						c, user, ch, prev, lastAt[ch], rec.ID, rec.At, m.id, m.client, m.sentAt, m.answeredAt).at(rec.At)
				}
			}
			last[ch], lastAt[ch] = rec.ID, rec.At
		}
	}
	return ok(name, fmt.Sprintf("%d first receipts of MESSAGE_CREATE in order and without gaps", checked))
}

// laterInSession reports whether recs (a client's records after some
// point) hold a MESSAGE_CREATE of id before the session ends, and when.
func laterInSession(h *History, recs []client.Record, id uint64) (sim.Time, bool) {
	for _, rec := range recs {
		if rec.Kind == client.KindReady || rec.Kind == client.KindInvalidSession {
			break
		}
		if rec.Kind == client.KindDispatch && rec.ID == id && h.eventName(rec) == EventMessageCreate {
			return rec.At, true
		}
	}
	return 0, false
}
