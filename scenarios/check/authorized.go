package check

import (
	"fmt"
	"sort"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// Authorization is judged both ways: Authorized (nobody gets what they
// could not see), Permitted (nobody is refused what they were allowed to
// do) and RemovedGetsNothing (a removed member's sessions get nothing of
// the guild after the removal was acknowledged).

// Event names of the dispatches that carry a message of a channel, with
// the lifecycle request that causes each (0: a message create).
var channelEvents = map[string]client.Kind{
	EventMessageCreate:        0,
	"CHANNEL_UNREAD":          0,
	"MESSAGE_UPDATE":          client.KindEdit,
	"MESSAGE_DELETE":          client.KindDelete,
	"MESSAGE_DELETE_BULK":     client.KindBulkDelete,
	"MESSAGE_REACTION_ADD":    client.KindReactAdd,
	"MESSAGE_REACTION_REMOVE": client.KindReactRemove,
}

// PermissionMargin is how far inside a grant (Truth.Access, Send, Manage)
// a request must be sent and answered for Permitted to call its refusal
// wrong: a permission change reaches the guild through the driver and the
// guild's mailbox, and relays through the guild's queue, so the instants
// next to a grant's ends are the propagation's, not the guild's fault.
const PermissionMargin = 2 * sim.Second

// changesOf returns the indexes in ix.changes of the requests of kind k
// naming message id (a bulk delete names several), in record order.
func (ix *index) changesOf(k client.Kind, id uint64) []int {
	if ix.byMessage == nil {
		ix.byMessage = map[uint64][]int{}
		for i, c := range ix.changes {
			for _, m := range c.messages {
				ix.byMessage[m] = append(ix.byMessage[m], i)
			}
		}
	}
	var out []int
	for _, i := range ix.byMessage[id] {
		if ix.changes[i].kind == k {
			out = append(out, i)
		}
	}
	return out
}

// trigger returns when the event of a dispatch received at `at` could have
// been caused: for a message create (and CHANNEL_UNREAD) its send to its
// acknowledgement; for a lifecycle event, the earliest request of its kind
// (MESSAGE_UPDATE: an edit, pin or unpin) naming the message called by
// `at` and not refused for permissions, to `at` (the message's send when
// no request is known). ok is false when the message's channel is unknown.
func (ix *index) trigger(kind client.Kind, id uint64, at sim.Time) (m sendOp, from, to sim.Time, ok bool) {
	i, known := ix.acked[id]
	if !known {
		return sendOp{}, 0, 0, false
	}
	m = ix.sends[i]
	if kind == 0 {
		return m, m.sentAt, m.answeredAt, true
	}
	from, to = m.sentAt, at
	first := true
	kinds := []client.Kind{kind}
	if kind == client.KindEdit {
		// A pin or unpin is dispatched as MESSAGE_UPDATE too.
		kinds = append(kinds, client.KindPin, client.KindUnpin)
	}
	for _, k := range kinds {
		for _, j := range ix.changesOf(k, id) {
			c := ix.changes[j]
			if c.outcome == outcomeDenied {
				continue // refused before anything was written: it caused nothing
			}
			if c.calledAt <= at && (first || c.calledAt < from) {
				from, first = c.calledAt, false
			}
		}
	}
	return m, from, to, true
}

// Authorized checks that nobody got a message of a channel its user could
// not see (Truth.Access):
//   - a dispatch carrying a message of a channel (MESSAGE_CREATE,
//     CHANNEL_UNREAD, MESSAGE_UPDATE, MESSAGE_DELETE, MESSAGE_DELETE_BULK,
//     MESSAGE_REACTION_ADD and _REMOVE): the user must have been able to
//     see the channel at some instant while the event was made: a
//     create's send to its acknowledgement; a lifecycle event's earliest
//     request of its kind on that message to the dispatch;
//   - a backfill page with messages (client.KindBackfill): the user must
//     have been able to see its channel at some instant from the Identify
//     of the session that got the guild's latest GUILD_CREATE (which
//     listed the channel) to the page (Truth.GuildOf; without it, from the
//     start).
//
// A dispatch of a message whose send was not acknowledged has no known
// channel and is not judged (counted in the detail).
func Authorized(h *History, t Truth) Verdict {
	const name = "authorized"
	if h.Dropped > 0 {
		return unknown(name, "the recorder dropped %d records", h.Dropped)
	}
	if t.UserOf == nil || t.Access == nil {
		return unknown(name, "Truth.UserOf or Truth.Access is nil")
	}
	ix := buildIndex(h)
	checked, unjudged, pages := 0, 0, 0
	for _, c := range ix.clients {
		user := t.UserOf(c)
		var identifiedAt sim.Time
		gcIdentified := map[uint64]sim.Time{} // guild -> identify before its latest GUILD_CREATE
		for _, rec := range ix.byClient[c] {
			switch rec.Kind {
			case client.KindIdentify:
				identifiedAt = rec.At
			case client.KindBackfill:
				if rec.Seq == 0 {
					continue
				}
				pages++
				var from sim.Time
				if t.GuildOf != nil {
					from = gcIdentified[t.GuildOf(rec.ID)]
				}
				if !t.Access.canSeeDuring(user, rec.ID, from, rec.At) {
					return illegal(name, "client %d (user %d) read a backfill page of %d messages of channel %d at %v, but the user could not see the channel from %v (the Identify before the guild's GUILD_CREATE) to then.",
						c, user, rec.Seq, rec.ID, rec.At, from).at(rec.At)
				}
			case client.KindDispatch:
				ev := h.eventName(rec)
				if ev == EventGuildCreate {
					gcIdentified[rec.ID] = identifiedAt
					continue
				}
				kind, carries := channelEvents[ev]
				if !carries {
					continue
				}
				m, from, to, known := ix.trigger(kind, rec.ID, rec.At)
				if !known {
					unjudged++
					continue
				}
				checked++
				if !t.Access.canSeeDuring(user, m.channel, from, to) {
					return illegal(name, "client %d (user %d) received %s of message %d of channel %d at %v, but the user could not see the channel while the event was made (from %v to %v; the message was sent by client %d at %v, acknowledged at %v).",
						c, user, ev, m.id, m.channel, rec.At, from, to, m.client, m.sentAt, m.answeredAt).at(rec.At)
				}
			}
		}
	}
	return ok(name, fmt.Sprintf("%d channel dispatches and %d backfill pages authorized; %d dispatches of messages with an unknown channel not judged", checked, pages, unjudged))
}

// Permitted checks the other way: no post, edit, delete, bulk delete or
// reaction that the user was allowed to make was refused for permissions
// (client.SendNotPermitted: the guild's ErrNotMember, ErrNotPermitted or
// ErrNotAllowed, or the store's ErrNotAuthor). Allowed means, throughout
// [call - PermissionMargin, answer + PermissionMargin]:
//   - a post or a reaction added: Truth.Send in its channel;
//   - a reaction removed: Truth.Access;
//   - an edit: Truth.Access, of one's own message (Discord: only the
//     author edits);
//   - a delete: Truth.Access of one's own message, or Truth.Manage;
//   - a bulk delete: Truth.Manage in its channel.
//
// A request on a message whose send was not acknowledged (unknown channel
// or author) is not judged; nor are posts and reactions added without
// Truth.Send, or others' deletes and bulk deletes without Truth.Manage.
func Permitted(h *History, t Truth) Verdict {
	const name = "permitted"
	if h.Dropped > 0 {
		return unknown(name, "the recorder dropped %d records", h.Dropped)
	}
	if t.UserOf == nil || t.Access == nil {
		return unknown(name, "Truth.UserOf or Truth.Access is nil")
	}
	ix := buildIndex(h)
	judged, refused := 0, 0
	allowed := func(a *Access, user, ch uint64, from, to sim.Time) bool {
		return a != nil && a.canSeeThroughout(user, ch, max(0, from-sim.Time(PermissionMargin)), to.Add(PermissionMargin))
	}
	for _, s := range ix.sends {
		if s.answeredAt == 0 || t.Send == nil {
			continue
		}
		judged++
		if s.outcome == outcomeAcked || s.reason != client.SendNotPermitted {
			continue
		}
		refused++
		user := t.UserOf(s.client)
		if allowed(t.Send, user, s.channel, s.sentAt, s.answeredAt) {
			return illegal(name, "client %d (user %d) was refused a post in channel %d (nonce %d, sent at %v, refused at %v) for permissions, but the user could post there throughout.",
				s.client, user, s.channel, s.nonce, s.sentAt, s.answeredAt).at(s.answeredAt)
		}
	}
	for _, c := range ix.changes {
		if c.answeredAt == 0 || c.outcome == outcomeAcked || len(c.messages) == 0 {
			continue
		}
		user := t.UserOf(c.client)
		ch := c.channel
		var own bool
		if c.kind != client.KindBulkDelete {
			i, known := ix.acked[c.messages[0]]
			if !known {
				continue
			}
			ch, own = ix.sends[i].channel, t.UserOf(ix.sends[i].client) == user
		}
		judged++
		if c.reason != client.SendNotPermitted {
			continue
		}
		refused++
		var ok bool
		var why string
		switch c.kind {
		case client.KindEdit:
			ok, why = own && allowed(t.Access, user, ch, c.calledAt, c.answeredAt), "edit its own message (it could see the channel)"
		case client.KindDelete:
			ok, why = (own && allowed(t.Access, user, ch, c.calledAt, c.answeredAt)) || allowed(t.Manage, user, ch, c.calledAt, c.answeredAt),
				"delete it (its own message in a channel it could see, or with MANAGE_MESSAGES)"
		case client.KindBulkDelete:
			ok, why = allowed(t.Manage, user, ch, c.calledAt, c.answeredAt), "bulk delete (MANAGE_MESSAGES)"
		case client.KindReactAdd:
			ok, why = allowed(t.Send, user, ch, c.calledAt, c.answeredAt), "react (it could post there)"
		case client.KindReactRemove:
			ok, why = allowed(t.Access, user, ch, c.calledAt, c.answeredAt), "remove its reaction (it could see the channel)"
		}
		if ok {
			return illegal(name, "client %d (user %d) was refused a %s of message %d in channel %d (nonce %d, called at %v, refused at %v) for permissions, but the user was allowed to %s throughout.",
				c.client, user, c.kind, c.messages[0], ch, c.nonce, c.calledAt, c.answeredAt, why).at(c.answeredAt)
		}
	}
	return ok(name, fmt.Sprintf("%d answered requests judged, %d refused for permissions, none of them allowed", judged, refused))
}

// RemovedGetsNothing checks Truth.Removals: no session of a removed user
// gets, after the removal was acknowledged and before the re-adding was
// issued, anything of the guild that happened after the acknowledgement:
//   - a channel dispatch (the events Authorized judges) of the guild
//     (Truth.GuildOf) whose every possible cause was requested after
//     AckedAt (a create sent after it; the lifecycle requests of its kind
//     on that message, all called after it) and that arrived before Until;
//   - the guild's GUILD_CREATE in a session identified after AckedAt.
//
// A request sent after the acknowledgement reached the driver reaches the
// guild after the guild applied the removal (the guild acknowledges only
// once it has), so none of these can be in flight from before. Events
// made before the removal may still arrive afterwards (in flight, or
// replayed by a resume), and are not judged.
func RemovedGetsNothing(h *History, t Truth) Verdict {
	const name = "removed-gets-nothing"
	if len(t.Removals) == 0 {
		return ok(name, "no member was removed")
	}
	if h.Dropped > 0 {
		return unknown(name, "the recorder dropped %d records", h.Dropped)
	}
	if t.UserOf == nil || t.GuildOf == nil {
		return unknown(name, "Truth.UserOf or Truth.GuildOf is nil")
	}
	ix := buildIndex(h)
	byUser := map[uint64][]Removal{}
	for _, r := range t.Removals {
		byUser[r.User] = append(byUser[r.User], r)
	}
	for u := range byUser {
		sort.Slice(byUser[u], func(i, j int) bool { return byUser[u][i].AckedAt < byUser[u][j].AckedAt })
	}
	checked := 0
	for _, c := range ix.clients {
		user := t.UserOf(c)
		rs := byUser[user]
		if len(rs) == 0 {
			continue
		}
		var identifiedAt sim.Time
		for _, rec := range ix.byClient[c] {
			if rec.Kind == client.KindIdentify {
				identifiedAt = rec.At
				continue
			}
			if rec.Kind != client.KindDispatch {
				continue
			}
			ev := h.eventName(rec)
			if ev == EventGuildCreate {
				for _, r := range rs {
					if r.Guild == rec.ID && identifiedAt > r.AckedAt && rec.At < r.Until {
						return illegal(name, "client %d (user %d) got GUILD_CREATE of guild %d at %v in a session identified at %v, after the guild acknowledged the user's removal at %v.",
							c, user, r.Guild, rec.At, identifiedAt, r.AckedAt).at(rec.At)
					}
				}
				continue
			}
			kind, carries := channelEvents[ev]
			if !carries {
				continue
			}
			m, from, _, known := ix.trigger(kind, rec.ID, rec.At)
			if !known {
				continue
			}
			g := t.GuildOf(m.channel)
			for _, r := range rs {
				if r.Guild != g || rec.At <= r.AckedAt {
					continue
				}
				checked++
				if from > r.AckedAt && rec.At < r.Until {
					return illegal(name, "client %d (user %d) received %s of message %d of channel %d (guild %d) at %v, made after the guild acknowledged the user's removal at %v (its cause was requested from %v on).",
						c, user, ev, m.id, m.channel, g, rec.At, r.AckedAt, from).at(rec.At)
				}
			}
		}
	}
	return ok(name, fmt.Sprintf("%d removals; %d dispatches of their guilds after the acknowledgement, all made before it", len(t.Removals), checked))
}
