package guild

import (
	"errors"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
)

// ---- requests from the API edge (and test drivers) to a guild process ----

// CreateMessage asks the guild to post a message (POST
// /channels/{id}/messages, after the API edge authenticated the author). The
// reply goes to the sender: MessageCreated once the store has it, or
// MessageRejected.
type CreateMessage struct {
	Request  uint64 // chosen by the sender, echoed in the reply
	Channel  uint64
	Author   uint64
	Content  string
	Nonce    uint64   // the client's nonce, echoed in the reply and the event
	Mentions []uint64 // users mentioned: delivered even to passive sessions
}

// MessageCreated acknowledges a CreateMessage: the message is stored at
// QUORUM with ID (minted by the store's coordinator).
type MessageCreated struct {
	Request uint64
	ID      uint64
	Nonce   uint64
}

// MessageRejected answers a CreateMessage that was not stored. Err wraps
// ErrNotMember, ErrUnknownChannel, ErrNotPermitted, ErrOverloaded or a
// store error (whose outcome may be unknown: see store.ErrTimeout).
type MessageRejected struct {
	Request uint64
	Err     error
}

// Errors a CreateMessage can get.
var (
	ErrNotMember      = errors.New("guild: the author is not a member")
	ErrUnknownChannel = errors.New("guild: unknown channel")
	ErrNotPermitted   = errors.New("guild: missing VIEW_CHANNEL or SEND_MESSAGES")
	ErrOverloaded     = errors.New("guild: too many messages awaiting the store")
	ErrStore          = errors.New("guild: the store did not take the message")
)

// Membership and permission changes. Each takes effect for every message the
// guild fans out after it handles the change (the next message on): the
// guild's state is the truth, and relays learn it through the same ordered
// channel as the messages.
type (
	// MemberAdd adds a member (or replaces its roles). Its sessions that
	// identify afterwards join the guild; sessions already online learn of
	// the guild when they next identify (GUESS: Discord sends them
	// GUILD_CREATE at once, which needs a user -> sessions registry that
	// does not exist yet).
	MemberAdd struct {
		User  uint64
		Roles []uint64
	}
	// MemberRemove removes a member and drops its sessions from the guild
	// (kick, ban, leave). The guild answers the sender MemberRemoved once
	// it has applied the removal: its sessions are out of the guild's
	// session list and the relays holding them were told, on the same
	// ordered path as every later event. From then on nothing the guild
	// handles after the removal reaches them.
	MemberRemove struct{ User uint64 }
	// MemberRemoved acknowledges a MemberRemove (also one of a user who
	// was no member: the outcome is the same).
	MemberRemoved struct{ Guild, User uint64 }
	// MemberSetRoles replaces a member's roles.
	MemberSetRoles struct {
		User  uint64
		Roles []uint64
	}
	// RoleSetPermissions sets a role's permissions (the guild's ID names
	// @everyone); an unknown role is created.
	RoleSetPermissions struct {
		Role        uint64
		Permissions Permissions
	}
	// ChannelSetOverwrites replaces a channel's overwrites; an unknown
	// channel is created.
	ChannelSetOverwrites struct {
		Channel    uint64
		Overwrites []Overwrite
	}
)

// ---- from the gateway hooks to a guild process ----

// SessionJoin tells a guild that one of its members' sessions is online.
// The guild answers with GUILD_CREATE through the session's delivery path.
type SessionJoin struct {
	Session sim.PID
	Node    sim.NodeID // the session's gateway node
	User    uint64
}

// SessionLeave tells a guild that a session ended for good.
type SessionLeave struct{ Session sim.PID }

// SessionOpen tells a guild that the user opened it on this session (op 14):
// a passive session becomes active.
type SessionOpen struct{ Session sim.PID }

// ---- events the guild dispatches to sessions (gateway.Deliver's Data) ----

// Event names of this layer (gateway.EventMessageCreate and
// gateway.EventGuildCreate are shared with the gateway).
const (
	// EventChannelUnread is the passive session's notice that a channel has
	// unread messages. GUESS: Discord's real passive updates are not
	// documented; this stands for "unread/mention state".
	EventChannelUnread = "CHANNEL_UNREAD"
)

// GuildCreate is GUILD_CREATE's data, reduced to counts: the simulation
// needs its size on the wire, not its contents.
type GuildCreate struct {
	ID       uint64
	Members  int
	Channels int
	Passive  bool // the session starts passive (large guild, not opened)
	// Home is the node of the guild's process (gateway.GuildHomer).
	Home sim.NodeID
	// ChannelIDs are the channels the session's user may view when the
	// guild sent it, in the guild's order (GUESS: Discord's GUILD_CREATE
	// lists only the channels the user can view). A client resynchronising
	// reads their history. Shared: never modified. Not in WireSize, which
	// counts Channels already.
	ChannelIDs []uint64
}

// GuildHome implements gateway.GuildHomer.
func (d GuildCreate) GuildHome() sim.NodeID { return d.Home }

// EventID implements gateway.EventIDer: the guild's ID.
func (d GuildCreate) EventID() uint64 { return d.ID }

// WireSize estimates a GUILD_CREATE over large_threshold: guild fields,
// channels and roles, no member list (reference §1: over 75k members none).
func (d GuildCreate) WireSize() int { return 1024 + 200*d.Channels }

// MessageCreate is MESSAGE_CREATE's data.
type MessageCreate struct {
	ID      uint64 // snowflake minted by the store
	Channel uint64
	Guild   uint64
	Author  uint64
	Nonce   uint64
	Content string
}

// EventID implements gateway.EventIDer: the message's ID.
func (d *MessageCreate) EventID() uint64 { return d.ID }

// WireSize estimates the JSON of a message with an author object.
func (d *MessageCreate) WireSize() int { return 400 + len(d.Content) }

// ChannelUnread is the data of EventChannelUnread: the channel now has
// unread messages, the latest being Last.
type ChannelUnread struct {
	Guild   uint64
	Channel uint64
	Last    uint64
}

// EventID implements gateway.EventIDer: the latest message's ID.
func (d ChannelUnread) EventID() uint64 { return d.Last }

// WireSize estimates `{"guild_id":..,"channel_id":..,"last_message_id":..}`.
func (ChannelUnread) WireSize() int { return 80 }

// ---- wire sizes of the requests ----

func (m CreateMessage) WireSize() int        { return 64 + len(m.Content) + 8*len(m.Mentions) }
func (MessageCreated) WireSize() int         { return 40 }
func (MessageRejected) WireSize() int        { return 64 }
func (m MemberAdd) WireSize() int            { return 32 + 8*len(m.Roles) }
func (MemberRemove) WireSize() int           { return 24 }
func (MemberRemoved) WireSize() int          { return 24 }
func (m MemberSetRoles) WireSize() int       { return 32 + 8*len(m.Roles) }
func (RoleSetPermissions) WireSize() int     { return 32 }
func (m ChannelSetOverwrites) WireSize() int { return 32 + 32*len(m.Overwrites) }
func (SessionJoin) WireSize() int            { return 32 }
func (SessionLeave) WireSize() int           { return 16 }
func (SessionOpen) WireSize() int            { return 16 }

// deliverOf wraps event data for a session.
func deliverOf(event string, data any) gateway.Deliver {
	return gateway.Deliver{Event: event, Data: data}
}
