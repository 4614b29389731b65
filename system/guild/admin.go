package guild

import "github.com/guildsim/guildsim/sim"

// Moderation and channel management besides roles and overwrites: bans,
// channel deletion and typing indicators, as the HTTP API takes them (PUT
// and DELETE /guilds/{g}/bans/{u}, DELETE /channels/{c}, POST
// /channels/{c}/typing). Like the other membership changes they come from
// the API edge (the scenario's driver) and apply from the next message the
// guild fans out.
type (
	// MemberBan removes a member (as MemberRemove) and keeps them out: a
	// MemberAdd of a banned user is ignored until MemberUnban.
	MemberBan struct{ User uint64 }
	// MemberUnban lifts a ban; the user is not added back.
	MemberUnban struct{ User uint64 }
	// ChannelDelete deletes a channel: its viewers get CHANNEL_DELETE, and
	// from then on it refuses posts and changes (ErrUnknownChannel) and
	// fans nothing out. The store keeps its messages (Discord deletes them
	// lazily); a deleted channel is never created again.
	ChannelDelete struct{ Channel uint64 }
	// TriggerTyping is a member typing in a channel (VIEW_CHANNEL and
	// SEND_MESSAGES): the channel's viewers get TYPING_START. No answer:
	// the HTTP API's 204 carries nothing a client waits for.
	TriggerTyping struct {
		Channel uint64
		User    uint64
	}
)

// Event names of this file's dispatches (Discord's).
const (
	EventChannelCreate = "CHANNEL_CREATE"
	EventChannelDelete = "CHANNEL_DELETE"
	EventTypingStart   = "TYPING_START"
)

// ChannelEvent is CHANNEL_CREATE's and CHANNEL_DELETE's data.
type ChannelEvent struct {
	Guild, Channel uint64
}

// EventID is the channel's ID: what checkers judge the dispatch by (who
// could see that channel then).
func (d *ChannelEvent) EventID() uint64 { return d.Channel }

// WireSize is a channel object's size.
func (*ChannelEvent) WireSize() int { return 300 }

// TypingStart is TYPING_START's data.
type TypingStart struct {
	Guild, Channel, User uint64
}

// EventID is the channel's ID, as ChannelEvent's.
func (d *TypingStart) EventID() uint64 { return d.Channel }

// WireSize is TYPING_START's size with a member object.
func (*TypingStart) WireSize() int { return 180 }

func (MemberBan) WireSize() int     { return 24 }
func (MemberUnban) WireSize() int   { return 24 }
func (ChannelDelete) WireSize() int { return 24 }
func (TriggerTyping) WireSize() int { return 32 }

func (g *Guild) ban(ctx *sim.Ctx, user uint64) {
	if g.bans == nil {
		g.bans = map[uint64]bool{}
	}
	g.bans[user] = true
	g.removeMember(ctx, user)
}

// banned reports whether a MemberAdd of user must be ignored.
func (g *Guild) banned(ctx *sim.Ctx, user uint64) bool {
	if !g.bans[user] {
		return false
	}
	sim.Reachable(ctx, "guild/banned-user-not-added")
	return true
}

func (g *Guild) deleteChannel(ctx *sim.Ctx, channel uint64) {
	ch, known := g.pol.chanIdx[channel]
	if !known || g.pol.channels[ch].Deleted {
		return
	}
	// Its viewers learn of it before the channel stops fanning out.
	g.dispatch(ctx, ch, deliverOf(EventChannelDelete, &ChannelEvent{Guild: g.id, Channel: channel}), nil, nil)
	p := g.pol.clone()
	p.channels[ch].Deleted = true
	sim.Sometimes(ctx, "guild/channel-deleted-with-requests-queued", len(g.queues[ch]) > 0)
	g.setPolicy(ctx, p)
}

func (g *Guild) typing(ctx *sim.Ctx, m TriggerTyping) {
	ch, _, err := g.allowed(m.User, m.Channel, PermViewChannel|PermSendMessages)
	if err != nil {
		return
	}
	g.dispatch(ctx, ch, deliverOf(EventTypingStart, &TypingStart{Guild: g.id, Channel: m.Channel, User: m.User}), nil, nil)
}

// channelCreated dispatches CHANNEL_CREATE for a channel the policy just
// gained.
func (g *Guild) channelCreated(ctx *sim.Ctx, ch int) {
	id := g.pol.channels[ch].ID
	g.dispatch(ctx, ch, deliverOf(EventChannelCreate, &ChannelEvent{Guild: g.id, Channel: id}), nil, nil)
}

// liveChannel reports whether channel is known and not deleted, and its
// index.
func (p *policy) liveChannel(channel uint64) (int, bool) {
	ch, known := p.chanIdx[channel]
	if !known || p.channels[ch].Deleted {
		return 0, false
	}
	return ch, true
}
