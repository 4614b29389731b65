package scenarios

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// lifecycle is the chat-basic world whose members also edit, delete, bulk
// delete, react to, pin and unpin the channel's messages, so that every step of the
// message lifecycle runs end to end: the guild's permission checks, the
// store's point reads and writes, the dispatches, and the lifecycle model's
// judgement (check/chanmap.go). Opt-in as its own scenario: the others'
// fingerprints, which the README quotes, stay as they were.
func lifecycle() *Scenario {
	return &Scenario{
		Name:        "lifecycle",
		Description: "steady chat with edits, deletes, bulk deletes, reactions and pins (the message lifecycle), no faults",
		Defaults:    Options{Liveness: 130 * sim.Second},
		Workload: func(sw *World, r *sim.Rand) {
			SteadyChat(sw, r)
			LifecycleChat(sw, r, 2*sw.Opts.PostEvery)
		},
	}
}

// LifecycleChat plans, about every `every` per guild, one lifecycle request
// by an online member: an edit of one of their own acknowledged messages,
// a delete (their own, or anyone's: without MANAGE_MESSAGES the guild
// refuses it), a bulk delete of two, a reaction added or removed, or a pin
// or unpin (refused without MANAGE_MESSAGES, which half the members hold). Which
// message is decided when the request is due, from what the clients
// recorded by then (an ID is known only once acknowledged), so the plan
// depends on the run only through the run's own deterministic records.
func LifecycleChat(sw *World, r *sim.Rand, every sim.Duration) {
	lifecycleChatExcept(sw, r, every, nil)
}

// lifecycleChatExcept is LifecycleChat leaving the messages of the
// channels in skip alone.
func lifecycleChatExcept(sw *World, r *sim.Rand, every sim.Duration, skip map[uint64]bool) {
	o := sw.Opts
	end := o.Warmup + o.Safety
	lc := &lifecycleState{sw: sw, skip: skip}
	for g := range sw.Guilds {
		gi := sw.Guilds[g]
		if len(gi.Online) == 0 {
			continue
		}
		for t := o.Warmup + r.Duration(0, 2*every); t < end; t += r.Duration(1, 2*every) {
			c := gi.Online[r.Intn(len(gi.Online))]
			kind, pick := r.Intn(12), r.Intn(1<<30)
			guildID := gi.ID
			sw.At(t, "lifecycle", func() { lc.act(c, guildID, kind, pick) })
		}
	}
}

// lifecycleState follows the acknowledged messages through the recorder.
type lifecycleState struct {
	sw     *World
	skip   map[uint64]bool     // channels left alone; lookups only
	next   int                 // recorder records read so far
	sent   map[uint64]uint64   // (client<<32 | nonce) -> channel, of posts
	msgs   []ackedMessage      // in ack order
	nonce  uint64              // lifecycle nonces (above the posts' range)
	byChan map[uint64][]uint64 // channel -> acknowledged message IDs
}

type ackedMessage struct {
	id, channel uint64
	client      uint32
}

func (lc *lifecycleState) catchUp() {
	if lc.sent == nil {
		lc.sent, lc.byChan = map[uint64]uint64{}, map[uint64][]uint64{}
	}
	rec := lc.sw.Rec
	for ; lc.next < rec.Len(); lc.next++ {
		x := rec.At(lc.next)
		key := uint64(x.Client)<<32 | x.Seq
		switch x.Kind {
		case client.KindSend:
			lc.sent[key] = x.ID
		case client.KindSendAck:
			if ch, ok := lc.sent[key]; ok {
				lc.msgs = append(lc.msgs, ackedMessage{id: x.ID, channel: ch, client: x.Client})
				lc.byChan[ch] = append(lc.byChan[ch], x.ID)
			}
		}
	}
}

// act sends client c's request of the given kind (0-11), on a message
// chosen by pick among those acknowledged so far in guild g's channels.
func (lc *lifecycleState) act(c uint32, g uint64, kind, pick int) {
	lc.catchUp()
	var mine, seen []ackedMessage
	for _, m := range lc.msgs {
		if lc.sw.GuildOf(m.channel) != g || !lc.sw.CanSee(c, m.channel) || lc.skip[m.channel] {
			continue
		}
		seen = append(seen, m)
		if m.client == c {
			mine = append(mine, m)
		}
	}
	if len(seen) == 0 {
		return
	}
	lc.nonce++
	nonce := 1<<40 + lc.nonce
	pid := lc.sw.D.Clients[c].PID
	m := seen[pick%len(seen)]
	var msg any
	switch {
	case kind < 3 && len(mine) > 0: // edit one's own
		m = mine[pick%len(mine)]
		msg = client.EditMessage{Guild: g, Channel: m.channel, Message: m.id, Content: fmt.Sprintf("edit %d", nonce), Nonce: nonce}
	case kind < 5: // delete (own or others')
		msg = client.DeleteMessage{Guild: g, Channel: m.channel, Message: m.id, Nonce: nonce}
	case kind < 6: // bulk delete two of the channel
		ids := lc.byChan[m.channel]
		if len(ids) < 2 {
			return
		}
		k := pick % (len(ids) - 1)
		msg = client.BulkDelete{Guild: g, Channel: m.channel, Messages: []uint64{ids[k], ids[k+1]}, Nonce: nonce}
	case kind < 9:
		msg = client.AddReaction{Guild: g, Channel: m.channel, Message: m.id, Emoji: emojis[pick%len(emojis)], Nonce: nonce}
	case kind < 10:
		msg = client.RemoveReaction{Guild: g, Channel: m.channel, Message: m.id, Emoji: emojis[pick%len(emojis)], Nonce: nonce}
	default: // pin (10) or unpin (11)
		msg = client.PinMessage{Guild: g, Channel: m.channel, Message: m.id, Unpin: kind == 11, Nonce: nonce}
	}
	lc.sw.W.Send(pid, msg)
}

var emojis = []string{"👍", "🎉", "lol"}
