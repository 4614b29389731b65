package guild

import "errors"

// The message lifecycle after create: edit, delete, bulk delete,
// reactions and pins, as the HTTP API takes them (PATCH and DELETE
// /channels/{c}/messages/{m}, POST .../bulk-delete, PUT and DELETE
// .../reactions/{emoji}/@me, PUT and DELETE /channels/{c}/pins/{m}). Each is checked against the guild's
// permissions, written through the store, answered to the sender
// (MessageChanged or MessageRejected) and dispatched to the channel's
// viewers through the channel's queue, after every earlier request of the
// channel: a session sees a message's MESSAGE_CREATE before its
// MESSAGE_UPDATE, and the changes of a channel in the order the guild
// acknowledged them.
type (
	// EditMessage replaces a message's content. Only its author may
	// (Discord: 50005 Cannot edit a message authored by another user):
	// the store checks the author it holds, since the guild keeps no
	// messages.
	EditMessage struct {
		Request uint64
		Channel uint64
		User    uint64 // who edits
		Message uint64
		Content string
	}
	// DeleteMessage deletes a message: one's own, or anyone's with
	// MANAGE_MESSAGES.
	DeleteMessage struct {
		Request uint64
		Channel uint64
		User    uint64
		Message uint64
	}
	// BulkDelete deletes 2-100 distinct messages younger than 14 days
	// (Discord's limits) with MANAGE_MESSAGES.
	BulkDelete struct {
		Request  uint64
		Channel  uint64
		User     uint64
		Messages []uint64
	}
	// AddReaction puts the user's Emoji on a message: it needs
	// VIEW_CHANNEL, READ_MESSAGE_HISTORY and ADD_REACTIONS.
	AddReaction struct {
		Request uint64
		Channel uint64
		User    uint64
		Message uint64
		Emoji   string
	}
	// RemoveReaction takes the user's own Emoji off a message (needs
	// VIEW_CHANNEL and READ_MESSAGE_HISTORY: removing one's own reaction
	// needs no ADD_REACTIONS).
	RemoveReaction struct {
		Request uint64
		Channel uint64
		User    uint64
		Message uint64
		Emoji   string
	}
	// PinMessage pins a message (Unpin: unpins it). It needs
	// VIEW_CHANNEL, READ_MESSAGE_HISTORY and MANAGE_MESSAGES, as Discord
	// asked for pins until 2025 (it has since split a PIN_MESSAGES
	// permission off MANAGE_MESSAGES; one permission here).
	PinMessage struct {
		Request uint64
		Channel uint64
		User    uint64
		Message uint64
		Unpin   bool
	}
	// MessageChanged acknowledges an edit, delete, bulk delete, reaction
	// or pin: the store has it at the guild's write level.
	MessageChanged struct{ Request uint64 }
)

// Errors of the lifecycle requests (with ErrNotMember, ErrUnknownChannel,
// ErrStore and ErrOverloaded of CreateMessage).
var (
	ErrNotAllowed = errors.New("guild: missing a permission the request needs")
	ErrBadBulk    = errors.New("guild: bulk delete needs 2-100 distinct messages younger than 14 days")
	// ErrBadEmoji: a reaction's emoji is empty, too long or has a space
	// or a colon (a bad request, not a missing permission).
	ErrBadEmoji = errors.New("guild: bad emoji")
)

// Bulk delete's limits (Discord's: POST /channels/{id}/messages/bulk-delete).
const (
	BulkDeleteMin    = 2
	BulkDeleteMax    = 100
	BulkDeleteMaxAge = 14 * 24 * 3600 * 1000 // ms: a message older than 14 days cannot be bulk deleted
)

// Event names of the lifecycle dispatches (Discord's).
const (
	EventMessageUpdate         = "MESSAGE_UPDATE"
	EventMessageDelete         = "MESSAGE_DELETE"
	EventMessageDeleteBulk     = "MESSAGE_DELETE_BULK"
	EventMessageReactionAdd    = "MESSAGE_REACTION_ADD"
	EventMessageReactionRemove = "MESSAGE_REACTION_REMOVE"
)

// MessagePinUpdate is MESSAGE_UPDATE's data for a pin or unpin: a
// partial message with its pinned field, as Discord sends it. A pin
// dispatches this, not CHANNEL_PINS_UPDATE: that event carries only the
// channel and last_pin_timestamp, no message ID, so a client could not
// apply it to its view of the message without fetching the channel's pins
// (a request the simulated API does not have).
type MessagePinUpdate struct {
	ID      uint64
	Channel uint64
	Guild   uint64
	Pinned  bool
}

// EventID implements gateway.EventIDer: the message's ID.
func (d *MessagePinUpdate) EventID() uint64 { return d.ID }

// WireSize estimates `{"id":..,"channel_id":..,"guild_id":..,"pinned":true}`.
func (*MessagePinUpdate) WireSize() int { return 96 }

// MessageUpdate is MESSAGE_UPDATE's data: the message's new content.
type MessageUpdate struct {
	ID      uint64
	Channel uint64
	Guild   uint64
	Content string
}

// EventID implements gateway.EventIDer: the message's ID.
func (d *MessageUpdate) EventID() uint64 { return d.ID }

// WireSize estimates a partial message object.
func (d *MessageUpdate) WireSize() int { return 200 + len(d.Content) }

// MessageDelete is MESSAGE_DELETE's data.
type MessageDelete struct {
	ID      uint64
	Channel uint64
	Guild   uint64
}

// EventID implements gateway.EventIDer: the message's ID.
func (d *MessageDelete) EventID() uint64 { return d.ID }

// WireSize estimates `{"id":..,"channel_id":..,"guild_id":..}`.
func (*MessageDelete) WireSize() int { return 80 }

// MessageDeleteBulk is MESSAGE_DELETE_BULK's data.
type MessageDeleteBulk struct {
	IDs     []uint64
	Channel uint64
	Guild   uint64
}

// EventID implements gateway.EventIDer: the first message's ID.
func (d *MessageDeleteBulk) EventID() uint64 {
	if len(d.IDs) == 0 {
		return 0
	}
	return d.IDs[0]
}

// WireSize estimates the ID list and the channel.
func (d *MessageDeleteBulk) WireSize() int { return 60 + 22*len(d.IDs) }

// Reaction is MESSAGE_REACTION_ADD's and MESSAGE_REACTION_REMOVE's data.
type Reaction struct {
	Message uint64
	Channel uint64
	Guild   uint64
	User    uint64
	Emoji   string
}

// EventID implements gateway.EventIDer: the message's ID.
func (d *Reaction) EventID() uint64 { return d.Message }

// WireSize estimates the ids and a unicode emoji object.
func (d *Reaction) WireSize() int { return 120 + len(d.Emoji) }

func (m EditMessage) WireSize() int    { return 48 + len(m.Content) }
func (DeleteMessage) WireSize() int    { return 40 }
func (m BulkDelete) WireSize() int     { return 32 + 8*len(m.Messages) }
func (m AddReaction) WireSize() int    { return 40 + len(m.Emoji) }
func (m RemoveReaction) WireSize() int { return 40 + len(m.Emoji) }
func (MessageChanged) WireSize() int   { return 16 }
func (PinMessage) WireSize() int       { return 40 }
