package check

import (
	"math"

	"github.com/anishathalye/porcupine"
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// lifecycleOperations turns a history with edits, deletes or reactions into
// operations of the lifecycle model (chanmap.go), timed in true virtual
// time. Creates: an acknowledged send is a create between its call and its
// ack; a send with an unknown outcome whose echo named its message is a
// create that returned by the echo; a message a read returned that neither named
// (an orphan) is a create called when the channel's first send of unknown
// outcome was and returned by the first read that showed it: weaker than
// msglog.go's orphan matching, but never refusing a legal history.
// Changes keep their clients' records: acknowledged ones return at the
// ack, the others never; a bulk delete becomes one delete per message. A change of a message whose channel no send nor
// read tells is left out (nothing could show its effect).
func lifecycleOperations(ix *index) []porcupine.Operation {
	chanOf := map[uint64]uint64{}
	var ops []porcupine.Operation
	created := map[uint64]bool{}
	for _, s := range ix.sends {
		id := s.id
		if s.outcome != outcomeAcked {
			id = s.echoed
			if s.lateID != 0 {
				id = s.lateID
			}
		}
		if id == 0 || created[id] {
			continue
		}
		created[id] = true
		chanOf[id] = s.channel
		op := porcupine.Operation{ClientId: int(s.client), Call: int64(s.sentAt), Return: int64(s.answeredAt)}
		in := mapInput{Op: mapCreate, Channel: s.channel, Client: s.client, Nonce: s.nonce, Messages: []uint64{id}}
		if s.outcome != outcomeAcked {
			// The guild dispatches a message only once the store took
			// it: the sender's echo says it happened, by the echo; so does
			// the guild's acknowledgement after the timeout.
			op.Return = int64(s.echoedAt)
			if s.lateAckAt != 0 && (s.echoedAt == 0 || s.lateAckAt < s.echoedAt) {
				op.Return = int64(s.lateAckAt)
			}
		}
		op.Input, op.Output = in, mapOutput{}
		ops = append(ops, op)
	}
	// An orphan was written by one of its channel's sends whose outcome is
	// unknown: not before the first of them was sent.
	firstUnknown := map[uint64]sim.Time{}
	for _, s := range ix.sends {
		if t, seen := firstUnknown[s.channel]; s.outcome != outcomeAcked && (!seen || s.sentAt < t) {
			firstUnknown[s.channel] = s.sentAt
		}
	}
	for _, r := range ix.reads {
		for _, id := range r.ids {
			if r.channel != 0 && !created[id] {
				created[id] = true
				chanOf[id] = r.channel
				// Reads are in the order they returned: this is the first
				// that showed it, so it was written by then.
				ops = append(ops, porcupine.Operation{ClientId: int(r.client), Call: int64(firstUnknown[r.channel]), Return: int64(r.returnedAt),
					Input: mapInput{Op: mapCreate, Channel: r.channel, Client: r.client, Messages: []uint64{id}}, Output: mapOutput{}})
			}
		}
	}
	kinds := map[client.Kind]mapOp{client.KindEdit: mapEdit, client.KindDelete: mapDelete, client.KindBulkDelete: mapDelete,
		client.KindReactAdd: mapReactAdd, client.KindReactRemove: mapReactRemove, client.KindPin: mapPin, client.KindUnpin: mapUnpin}
	seen := observedValues(ix)
	for _, c := range ix.changes {
		if c.outcome == outcomeUnknown && c.lateAckAt == 0 && unobserved(c, seen) {
			continue
		}
		ch := c.channel
		if ch == 0 && len(c.messages) > 0 {
			ch = chanOf[c.messages[0]]
		}
		if ch == 0 || len(c.messages) == 0 || c.outcome == outcomeDenied {
			continue // a denied change surely did not happen
		}
		// A bulk delete is one delete per message: the guild sends the
		// store one DeleteMessage each, answered and applied each on its
		// own (system/guild/lifecycle.go: bulkDelete), so a read between
		// two of them shows some deleted and the others not, and one that
		// partly failed leaves what it deleted deleted. As one atomic step
		// the model would refuse both (mixed seed 107: a read at +14.38 s
		// between a bulk delete's two store deletes, +13.98 s and +14.50 s).
		msgs := [][]uint64{c.messages}
		if c.kind == client.KindBulkDelete {
			msgs = msgs[:0]
			for _, id := range c.messages {
				msgs = append(msgs, []uint64{id})
			}
		}
		for _, m := range msgs {
			in := mapInput{Op: kinds[c.kind], Channel: ch, Client: c.client, Nonce: c.nonce, Messages: m, Value: c.value}
			op := porcupine.Operation{ClientId: int(c.client), Call: int64(c.calledAt), Return: int64(c.answeredAt)}
			switch {
			case c.outcome == outcomeAcked:
			case c.lateAckAt != 0: // acknowledged after the client's timeout
				op.Return = int64(c.lateAckAt)
			default:
				op.Return, in.Unknown = math.MaxInt64, true
			}
			op.Input, op.Output = in, mapOutput{}
			ops = append(ops, op)
		}
	}
	for _, r := range ix.reads {
		if r.failed || !r.complete || r.channel == 0 {
			continue
		}
		page := make([]pageEntry, len(r.ids))
		for k, id := range r.ids {
			page[k].ID = id
			if k < len(r.versions) {
				page[k].Version, page[k].Reactions = r.versions[k], r.reactions[k]
			}
			if k < len(r.pinned) {
				page[k].Pinned = r.pinned[k]
			}
		}
		op := porcupine.Operation{ClientId: int(r.client), Return: int64(r.returnedAt),
			Input: mapInput{Op: mapRead, Channel: r.channel, Client: r.client, Limit: r.limit}, Output: mapOutput{Page: page}}
		if r.called {
			op.Call = int64(r.callAt)
		}
		ops = append(ops, op)
	}
	return ops
}

// observed is what the reads showed of one message: its versions and
// reaction keys (hashes).
type observed struct{ versions, reactions map[uint64]bool }

func observedValues(ix *index) map[uint64]observed {
	seen := map[uint64]observed{}
	for _, r := range ix.reads {
		for k, id := range r.ids {
			o, ok := seen[id]
			if !ok {
				o = observed{versions: map[uint64]bool{}, reactions: map[uint64]bool{}}
				seen[id] = o
			}
			if k < len(r.versions) {
				o.versions[r.versions[k]] = true
				for _, key := range r.reactions[k] {
					o.reactions[key] = true
				}
			}
		}
	}
	return seen
}

// unobserved reports whether c, a change of unknown outcome, can be left
// out without changing the verdict: an edit whose content no read ever
// showed, or a reaction add whose key no read ever showed on its message.
// Such a change never makes another operation legal or illegal (an edit
// or an add changes only what reads show; where it would be illegal, an
// unknown change is a no-op), and whatever it set, no read saw: any order
// with it is an order without it, and the other way round. Left in, each
// multiplies the orders Porcupine tries (a message with ten edits of
// unknown outcome under a partition: a search of minutes).
func unobserved(c changeOp, seen map[uint64]observed) bool {
	if len(c.messages) != 1 {
		return false
	}
	o := seen[c.messages[0]]
	switch c.kind {
	case client.KindEdit:
		return !o.versions[c.value]
	case client.KindReactAdd:
		return !o.reactions[c.value]
	}
	return false
}
