package client

import (
	"slices"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
)

// The message lifecycle after a post: a scenario sends these to a client,
// which sends the request to the guild's process (standing for the HTTP
// API, as posts do) and records it like a post: the request (KindEdit,
// KindDelete, KindBulkDelete, KindReactAdd, KindReactRemove, KindPin,
// KindUnpin, each with the
// scenario's Nonce, then its arguments as KindChangeArg), then
// KindChangeAck, KindChangeFailed, or nothing. The guild answers
// guild.MessageChanged or guild.MessageRejected.
type (
	// EditMessage edits one of the user's messages.
	EditMessage struct {
		Guild, Channel, Message uint64
		Content                 string
		Nonce                   uint64
	}
	// DeleteMessage deletes a message.
	DeleteMessage struct {
		Guild, Channel, Message uint64
		Nonce                   uint64
	}
	// BulkDelete deletes 2-100 messages of a channel.
	BulkDelete struct {
		Guild, Channel uint64
		Messages       []uint64
		Nonce          uint64
	}
	// AddReaction puts the user's Emoji on a message.
	AddReaction struct {
		Guild, Channel, Message uint64
		Emoji                   string
		Nonce                   uint64
	}
	// RemoveReaction takes the user's Emoji off a message.
	RemoveReaction struct {
		Guild, Channel, Message uint64
		Emoji                   string
		Nonce                   uint64
	}
	// PinMessage pins a message (Unpin: unpins it).
	PinMessage struct {
		Guild, Channel, Message uint64
		Unpin                   bool
		Nonce                   uint64
	}
)

// change sends a lifecycle request built by req (given the request number)
// to the guild, records it and its arguments, and starts its timeout.
func (c *Client) change(ctx *sim.Ctx, g uint64, kind Kind, nonce, id uint64, args []uint64, req func(request uint64) any) {
	a := c.api()
	if c.cfg.Guilds == nil || len(a.sends) >= c.cfg.MaxPendingSends {
		c.record(Record{Kind: KindChangeFailed, Seq: nonce, ID: SendRefused})
		return
	}
	a.next++
	ctx.SendNamed(c.cfg.Guilds.NodeOf(g), guild.ProcessName(g), req(a.next))
	a.sends[a.next] = pendingSend{nonce: nonce, change: true, timer: ctx.SetTimer(c.cfg.SendTimeout, sendTimeout{request: a.next})}
	c.record(Record{Kind: kind, Seq: nonce, ID: id})
	for _, v := range args {
		c.record(Record{Kind: KindChangeArg, Seq: nonce, ID: v})
	}
}

// onChangeCommand handles a lifecycle command; false if msg is none.
func (c *Client) onChangeCommand(ctx *sim.Ctx, msg any) bool {
	switch m := msg.(type) {
	case EditMessage:
		c.change(ctx, m.Guild, KindEdit, m.Nonce, m.Message, []uint64{ContentHash(m.Content)}, func(r uint64) any {
			return guild.EditMessage{Request: r, Channel: m.Channel, User: c.user, Message: m.Message, Content: m.Content}
		})
	case DeleteMessage:
		c.change(ctx, m.Guild, KindDelete, m.Nonce, m.Message, nil, func(r uint64) any {
			return guild.DeleteMessage{Request: r, Channel: m.Channel, User: c.user, Message: m.Message}
		})
	case BulkDelete:
		ids := slices.Clone(m.Messages)
		c.change(ctx, m.Guild, KindBulkDelete, m.Nonce, m.Channel, ids, func(r uint64) any {
			return guild.BulkDelete{Request: r, Channel: m.Channel, User: c.user, Messages: ids}
		})
	case AddReaction:
		key := ContentHash(guild.ReactionKey(m.Emoji, c.user))
		c.change(ctx, m.Guild, KindReactAdd, m.Nonce, m.Message, []uint64{key}, func(r uint64) any {
			return guild.AddReaction{Request: r, Channel: m.Channel, User: c.user, Message: m.Message, Emoji: m.Emoji}
		})
	case RemoveReaction:
		key := ContentHash(guild.ReactionKey(m.Emoji, c.user))
		c.change(ctx, m.Guild, KindReactRemove, m.Nonce, m.Message, []uint64{key}, func(r uint64) any {
			return guild.RemoveReaction{Request: r, Channel: m.Channel, User: c.user, Message: m.Message, Emoji: m.Emoji}
		})
	case PinMessage:
		kind := KindPin
		if m.Unpin {
			kind = KindUnpin
		}
		c.change(ctx, m.Guild, kind, m.Nonce, m.Message, nil, func(r uint64) any {
			return guild.PinMessage{Request: r, Channel: m.Channel, User: c.user, Message: m.Message, Unpin: m.Unpin}
		})
	case guild.MessageChanged:
		c.onSendAnswer(ctx, m.Request, Record{Kind: KindSendAck}, false)
	default:
		return false
	}
	return true
}

// ViewMessage is a message as the client's local view holds it.
type ViewMessage struct {
	Channel   uint64
	Author    uint64
	Content   string
	Edited    bool
	Reactions []string // reaction keys (guild.ReactionKey), in the order added
	Pinned    bool
}

// localView is what the client knows of its channels from dispatches:
// message ID -> its state; a deleted message is dropped. Lookups only.
type localView map[uint64]*ViewMessage

// View returns the client's local view of a message (nil if it has none:
// never seen, or deleted). Config.LocalView must be on.
func (c *Client) View(message uint64) *ViewMessage {
	if c.apis == nil || c.apis.view == nil {
		return nil
	}
	return c.apis.view[message]
}

// applyView applies a dispatch to the local view. An event about a message
// the view lacks (created before the session, or missed across a resume
// that could not replay) changes nothing: a history read brings it.
func (c *Client) applyView(p gateway.Payload) {
	if !c.cfg.LocalView {
		return
	}
	a := c.api()
	if a.view == nil {
		a.view = localView{}
	}
	switch d := p.D.(type) {
	case *guild.MessageCreate:
		a.view[d.ID] = &ViewMessage{Channel: d.Channel, Author: d.Author, Content: d.Content}
	case *guild.MessageUpdate:
		if m := a.view[d.ID]; m != nil {
			m.Content, m.Edited = d.Content, true
		}
	case *guild.MessagePinUpdate:
		if m := a.view[d.ID]; m != nil {
			m.Pinned = d.Pinned
		}
	case *guild.MessageDelete:
		delete(a.view, d.ID)
	case *guild.MessageDeleteBulk:
		for _, id := range d.IDs {
			delete(a.view, id)
		}
	case *guild.Reaction:
		m := a.view[d.Message]
		if m == nil {
			return
		}
		key := guild.ReactionKey(d.Emoji, d.User)
		i := slices.Index(m.Reactions, key)
		switch {
		case p.T == guild.EventMessageReactionAdd && i < 0:
			m.Reactions = append(m.Reactions, key)
		case p.T == guild.EventMessageReactionRemove && i >= 0:
			m.Reactions = slices.Delete(m.Reactions, i, i+1)
		}
	}
}
