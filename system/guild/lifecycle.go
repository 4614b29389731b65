package guild

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/store"
)

// change is a lifecycle request (lifecycle_protocol.go) in the channel's
// queue: its store requests, and the event it dispatches once they are
// answered and every earlier request of the channel was released.
type change struct {
	request uint64
	left    int    // store requests not answered yet
	err     error  // the first store error
	event   string // the dispatch's name
	data    any    // the dispatch's data
	// bulk delete: the messages asked, and those the store deleted (the
	// event names only them: a bulk delete that partly failed is rejected,
	// but what it deleted is gone and its viewers must learn it).
	asked, deleted []uint64
}

// stored counts one store answer of w's change, and reports whether it
// was the last.
func (c *change) stored(w *write, r store.Result) bool {
	c.left--
	switch {
	case r.Err != nil && c.err == nil:
		c.err = r.Err
	case r.Err == nil && c.asked != nil:
		c.deleted = append(c.deleted, uint64(r.Message))
	}
	if c.left > 0 {
		return false
	}
	w.done, w.failed = true, c.err != nil
	return true
}

// releaseChange answers a change whose turn in the channel's queue came,
// and dispatches its event if the store took it (for a bulk delete, the
// part the store took).
func (g *Guild) releaseChange(ctx *sim.Ctx, w *write) {
	c := w.change
	if c.asked != nil {
		// The event lists the deleted messages in the order asked.
		var ids []uint64
		for _, id := range c.asked {
			if slices.Contains(c.deleted, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			d := c.data.(*MessageDeleteBulk)
			d.IDs = ids
			g.dispatch(ctx, w.ch, deliverOf(c.event, d), nil, nil)
		}
	}
	if c.err != nil {
		g.stat.Rejected++
		ctx.Send(w.from, MessageRejected{Request: c.request, Err: fmt.Errorf("%w: %w", ErrStore, c.err)})
		return
	}
	ctx.Send(w.from, MessageChanged{Request: c.request})
	if c.asked == nil {
		g.dispatch(ctx, w.ch, deliverOf(c.event, c.data), nil, nil)
	}
}

// allowed checks that user is a member who holds need in channel, and
// returns the channel's index and the user's permissions there.
func (g *Guild) allowed(user, channel uint64, need Permissions) (int, Permissions, error) {
	roles, member := g.members[user]
	ch, known := g.pol.liveChannel(channel)
	switch {
	case !member:
		return 0, 0, fmt.Errorf("%w: user %d in guild %d", ErrNotMember, user, g.id)
	case !known:
		return 0, 0, fmt.Errorf("%w: channel %d in guild %d", ErrUnknownChannel, channel, g.id)
	}
	p := g.pol.channelPerms(user, roles, ch)
	if p&need != need {
		return 0, 0, fmt.Errorf("%w: user %d in channel %d lacks %#x", ErrNotAllowed, user, channel, uint64(need&^p))
	}
	return ch, p, nil
}

// reject answers a lifecycle request the guild refused.
func (g *Guild) reject(ctx *sim.Ctx, request uint64, err error) {
	g.stat.Rejected++
	ctx.Send(ctx.Sender(), MessageRejected{Request: request, Err: err})
}

// enqueue sends a change's store requests (send is called once per
// request) and queues it behind the channel's earlier requests.
func (g *Guild) enqueue(ctx *sim.Ctx, ch int, c *change, n int, send func(i int) (store.RequestID, error)) {
	if g.store.Pending()+n > g.o.MaxPendingWrites {
		g.reject(ctx, c.request, fmt.Errorf("%w: %d store requests pending", ErrOverloaded, g.store.Pending()))
		return
	}
	w := &write{from: ctx.Sender(), ch: ch, change: c}
	for i := range n {
		id, err := send(i)
		sim.Assert(err == nil, "guild: a store request refused within MaxPendingWrites")
		g.pending[id] = w
	}
	c.left = n
	g.queues[ch] = append(g.queues[ch], w)
}

func (g *Guild) edit(ctx *sim.Ctx, m EditMessage) {
	ch, _, err := g.allowed(m.User, m.Channel, PermViewChannel)
	if err != nil {
		g.reject(ctx, m.Request, err)
		return
	}
	c := &change{request: m.Request, event: EventMessageUpdate,
		data: &MessageUpdate{ID: m.Message, Channel: m.Channel, Guild: g.id, Content: m.Content}}
	g.enqueue(ctx, ch, c, 1, func(int) (store.RequestID, error) {
		// The store checks the author: only they may edit.
		return g.store.Edit(ctx, store.EditMessage{Channel: store.Snowflake(m.Channel), Message: store.Snowflake(m.Message),
			Content: m.Content, Consistency: g.o.WriteConsistency, Author: store.Snowflake(m.User)})
	})
}

func (g *Guild) deleteMessage(ctx *sim.Ctx, m DeleteMessage) {
	ch, perms, err := g.allowed(m.User, m.Channel, PermViewChannel)
	if err != nil {
		g.reject(ctx, m.Request, err)
		return
	}
	// Without MANAGE_MESSAGES only one's own message: the store checks.
	author := store.Snowflake(m.User)
	if perms&PermManageMessages != 0 {
		author = 0
	}
	c := &change{request: m.Request, event: EventMessageDelete,
		data: &MessageDelete{ID: m.Message, Channel: m.Channel, Guild: g.id}}
	g.enqueue(ctx, ch, c, 1, func(int) (store.RequestID, error) {
		return g.store.Delete(ctx, store.DeleteMessage{Channel: store.Snowflake(m.Channel), Message: store.Snowflake(m.Message),
			Consistency: g.o.WriteConsistency, Author: author})
	})
}

func (g *Guild) bulkDelete(ctx *sim.Ctx, m BulkDelete) {
	ch, _, err := g.allowed(m.User, m.Channel, PermViewChannel|PermManageMessages)
	if err != nil {
		g.reject(ctx, m.Request, err)
		return
	}
	ids := slices.Clone(m.Messages)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	nowMillis := store.MinIDAt(ctx.Now()).Millis()
	switch {
	case len(ids) != len(m.Messages) || len(ids) < BulkDeleteMin || len(ids) > BulkDeleteMax:
		err = fmt.Errorf("%w: %d messages, %d distinct", ErrBadBulk, len(m.Messages), len(ids))
	case nowMillis-store.Snowflake(ids[0]).Millis() >= BulkDeleteMaxAge:
		err = fmt.Errorf("%w: message %d is older than 14 days", ErrBadBulk, ids[0])
	}
	if err != nil {
		g.reject(ctx, m.Request, err)
		return
	}
	asked := slices.Clone(m.Messages)
	c := &change{request: m.Request, event: EventMessageDeleteBulk, asked: asked,
		data: &MessageDeleteBulk{Channel: m.Channel, Guild: g.id}}
	g.enqueue(ctx, ch, c, len(asked), func(i int) (store.RequestID, error) {
		return g.store.Delete(ctx, store.DeleteMessage{Channel: store.Snowflake(m.Channel), Message: store.Snowflake(asked[i]),
			Consistency: g.o.WriteConsistency})
	})
}

func (g *Guild) react(ctx *sim.Ctx, request, channel, user, message uint64, emoji string, remove bool) {
	need, event := PermViewChannel|PermReadMessageHistory|PermAddReactions, EventMessageReactionAdd
	if remove {
		need, event = PermViewChannel|PermReadMessageHistory, EventMessageReactionRemove
	}
	ch, _, err := g.allowed(user, channel, need)
	if err == nil && !ValidEmoji(emoji) {
		err = fmt.Errorf("%w: emoji %q", ErrBadEmoji, emoji)
	}
	if err != nil {
		g.reject(ctx, request, err)
		return
	}
	c := &change{request: request, event: event,
		data: &Reaction{Message: message, Channel: channel, Guild: g.id, User: user, Emoji: emoji}}
	g.enqueue(ctx, ch, c, 1, func(int) (store.RequestID, error) {
		return g.store.React(ctx, store.ReactMessage{Channel: store.Snowflake(channel), Message: store.Snowflake(message),
			Key: ReactionKey(emoji, user), Remove: remove, Consistency: g.o.WriteConsistency})
	})
}

// pin pins or unpins a message: MANAGE_MESSAGES (with VIEW_CHANNEL and
// READ_MESSAGE_HISTORY), checked here since the store knows no
// permissions; the store checks the message is alive.
func (g *Guild) pin(ctx *sim.Ctx, m PinMessage) {
	ch, _, err := g.allowed(m.User, m.Channel, PermViewChannel|PermReadMessageHistory|PermManageMessages)
	if err != nil {
		sim.Reachable(ctx, "guild/pin-refused-without-permission")
		g.reject(ctx, m.Request, err)
		return
	}
	c := &change{request: m.Request, event: EventMessageUpdate,
		data: &MessagePinUpdate{ID: m.Message, Channel: m.Channel, Guild: g.id, Pinned: !m.Unpin}}
	g.enqueue(ctx, ch, c, 1, func(int) (store.RequestID, error) {
		return g.store.Pin(ctx, store.PinMessage{Channel: store.Snowflake(m.Channel), Message: store.Snowflake(m.Message),
			Unpin: m.Unpin, Consistency: g.o.WriteConsistency})
	})
}

// ReactionKey is the store's key of a user's reaction: one per user and
// emoji, as Discord keeps them.
func ReactionKey(emoji string, user uint64) string {
	return emoji + ":" + strconv.FormatUint(user, 10)
}

// ValidEmoji: 1 to 32 bytes, no space nor colon (the key's separator).
func ValidEmoji(emoji string) bool {
	if emoji == "" || len(emoji) > 32 {
		return false
	}
	for i := 0; i < len(emoji); i++ {
		if emoji[i] == ' ' || emoji[i] == ':' {
			return false
		}
	}
	return true
}
