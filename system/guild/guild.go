package guild

import (
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/store"
)

// Guild is one guild's process: the routing point for everything that
// happens in the guild (reference §2: "one process per guild"). It holds the
// members and their roles, the permission policy, the online sessions, and
// the messages awaiting the store; it fans events out by the configured
// strategy.
type Guild struct {
	c    *Cluster
	o    *Options
	id   uint64
	home sim.NodeID

	pol     *policy
	members map[uint64][]uint64 // user -> roles; lookups only
	bans    map[uint64]bool     // banned users (MemberBan); lookups only

	sessions []session
	sessIdx  map[sim.PID]int32 // lookups only

	store   *store.Client
	gen     *store.Generator           // mints the guild's message IDs, in request order
	pending map[store.RequestID]*write // lookups only
	lost    []lostSession              // sessions to rejoin at the next rejoinTick
	watched map[sim.NodeID]bool        // relay nodes under MonitorNode; lookups only
	// reserved is the millisecond up to which minting is covered by the
	// reservation on disk (see idReserveAhead).
	reserved int64
	queues   [][]*write // per channel index, in request order

	relays []relayInfo

	m    meter
	em   emitter
	stat Stats
}

// session is one online session of a member.
type session struct {
	pid    sim.PID
	node   sim.NodeID
	user   uint64
	active bool   // gets MESSAGE_CREATE (false: passive)
	marked uint64 // passive: channels (bit min(index, 63)) already flagged unread
	relay  int32  // relays mode: index in relays
	mon    sim.MonitorRef
	// lostSince is when the guild first lost the session to a broken link
	// (the node's monotonic clock; see rejoinEvery), 0 if it never did.
	lostSince sim.Time
}

// A link between a guild node and a gateway node that breaks (a partition
// longer than the network's link timeout) gives the guild a Down with
// reason noconnection for every session behind it, and loses what was in
// flight; but the sessions may be alive. Discord's sessions then see the
// guild as unavailable and get a fresh GUILD_CREATE when it is back. Here
// the guild keeps such sessions aside and every rejoinEvery tries to join
// them again, as a new SessionJoin would: it monitors the session again
// (a dead one answers noproc and is forgotten; one still cut off answers
// noconnection and waits for the next try) and sends GUILD_CREATE, which
// tells the client to resynchronise (the history it missed is in the
// store). It gives up rejoinFor after the first loss, the gateway's resume
// window: a session cut off that long has been replaced by its client.
const (
	rejoinEvery = 5 * sim.Second // GUESS
	rejoinFor   = 3 * sim.Minute
)

// rejoinTick is the guild's timer message for rejoining lost sessions.
type rejoinTick struct{}

// write is a request awaiting the store: a message create, or a lifecycle
// change (change != nil) with the event it dispatches once stored.
type write struct {
	req    CreateMessage
	from   sim.PID
	ch     int
	done   bool
	failed bool
	id     uint64
	change *change
}

// relayInfo is the guild's view of one relay.
type relayInfo struct {
	node     sim.NodeID
	sessions int
	// restart: the link to the relay's node broke; the relay (which
	// exits when it learns the same) starts again with the next message.
	restart bool
}

// Stats are a guild process's counters, for benchmarks and reports.
type Stats struct {
	Busy       sim.Duration // CPU declared with ctx.Work, in total
	Messages   uint64       // messages stored and fanned out
	Rejected   uint64       // CreateMessage answered with MessageRejected
	Sends      uint64       // messages the guild process itself sent to sessions, partitioners or relays
	Sessions   int          // online sessions now
	Relays     int
	PendingOut int // sends queued, not made yet
}

func newGuild(c *Cluster, spec *Spec, gen *store.Generator) *Guild {
	o := c.opts
	g := &Guild{c: c, o: o, id: spec.ID, pol: newPolicy(spec), gen: gen,
		members: make(map[uint64][]uint64, len(spec.Members)), sessIdx: map[sim.PID]int32{},
		pending: map[store.RequestID]*write{}}
	for _, m := range spec.Members {
		g.members[m.User] = slices.Clone(m.Roles)
	}
	g.queues = make([][]*write, len(g.pol.channels))
	g.em = emitter{o: o, m: &g.m, perNode: o.Fanout == FanoutPerNode}
	sc, err := store.NewClient(store.ClientOptions{Coordinators: o.StoreCoordinators, DataServices: o.StoreDataServices, Timeout: o.StoreTimeout, MaxPending: o.MaxPendingWrites})
	sim.Assert(err == nil, "guild: store client options were validated")
	g.store = sc
	return g
}

// Stats returns the guild's counters.
func (g *Guild) Stats() Stats {
	s := g.stat
	s.Busy, s.Sends, s.Sessions, s.Relays, s.PendingOut = g.m.busy, g.em.sent, len(g.sessions), len(g.relays), g.em.pending()
	return s
}

// Start registers the guild's name on its node.
func (g *Guild) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Register(ProcessName(g.id)), "guild: a guild's process started twice on one node")
	g.home = ctx.Node()
}

// Receive handles one message.
func (g *Guild) Receive(ctx *sim.Ctx, msg any) {
	if r, ok := g.store.Match(ctx, msg); ok {
		g.onStored(ctx, r)
		return
	}
	switch m := msg.(type) {
	case continueSends:
		g.em.step(ctx)
		return
	case sim.Down:
		g.lose(ctx, m)
		g.leave(ctx, m.PID, false)
		return
	case rejoinTick:
		g.rejoin(ctx)
		return
	case sim.NodeDown:
		g.relayNodeDown(ctx, m.Node)
		return
	case relayLost:
		d := sim.Down{PID: m.pid, Reason: sim.ReasonNoConn}
		g.lose(ctx, d)
		g.leave(ctx, m.pid, true)
		return
	}
	g.m.work(ctx, g.o.RequestCost)
	switch m := msg.(type) {
	case SessionJoin:
		g.join(ctx, m)
	case SessionLeave:
		g.leave(ctx, m.Session, true)
	case SessionOpen:
		g.open(ctx, m.Session)
	case CreateMessage:
		g.create(ctx, m)
	case MemberAdd:
		g.setMember(ctx, m.User, m.Roles, true)
	case MemberSetRoles:
		g.setMember(ctx, m.User, m.Roles, false)
	case MemberRemove:
		g.removeMember(ctx, m.User)
		ctx.Send(ctx.Sender(), MemberRemoved{Guild: g.id, User: m.User})
	case RoleSetPermissions:
		g.setRole(ctx, m)
	case ChannelSetOverwrites:
		g.setChannel(ctx, m)
	case MemberBan:
		g.ban(ctx, m.User)
		ctx.Send(ctx.Sender(), MemberRemoved{Guild: g.id, User: m.User})
	case MemberUnban:
		delete(g.bans, m.User)
	case ChannelDelete:
		g.deleteChannel(ctx, m.Channel)
	case TriggerTyping:
		g.typing(ctx, m)
	case EditMessage:
		g.edit(ctx, m)
	case DeleteMessage:
		g.deleteMessage(ctx, m)
	case BulkDelete:
		g.bulkDelete(ctx, m)
	case AddReaction:
		g.react(ctx, m.Request, m.Channel, m.User, m.Message, m.Emoji, false)
	case RemoveReaction:
		g.react(ctx, m.Request, m.Channel, m.User, m.Message, m.Emoji, true)
	case PinMessage:
		g.pin(ctx, m)
	}
}

// ---- sessions ----

// passiveJoin reports whether a new session starts passive: passive sessions
// are on and the guild is over the threshold.
func (g *Guild) passiveJoin() bool {
	return g.o.PassiveThreshold > 0 && len(g.members) > g.o.PassiveThreshold
}

func (g *Guild) join(ctx *sim.Ctx, m SessionJoin) {
	roles, member := g.members[m.User]
	if !member {
		return // left the guild since the directory was written
	}
	if _, dup := g.sessIdx[m.Session]; dup {
		return
	}
	s := session{pid: m.Session, node: m.Node, user: m.User, active: !g.passiveJoin(), relay: -1}
	s.mon = ctx.Monitor(m.Session)
	g.sessIdx[s.pid] = int32(len(g.sessions))
	var visible []uint64
	for ch := range g.pol.channels {
		if g.pol.canView(m.User, roles, ch) {
			visible = append(visible, g.pol.channels[ch].ID)
		}
	}
	gc := GuildCreate{ID: g.id, Members: len(g.members), Channels: len(g.pol.channels), Passive: !s.active, Home: ctx.Node(), ChannelIDs: visible}
	if g.o.Fanout == FanoutRelays {
		s.relay = g.assignRelay(ctx)
		g.sessions = append(g.sessions, s)
		g.toRelay(ctx, int(s.relay), relayAdd{pid: s.pid, node: s.node, user: s.user, roles: roles, active: s.active, create: gc})
		return
	}
	g.sessions = append(g.sessions, s)
	g.em.begin(deliverOf(gateway.EventGuildCreate, gc))
	g.em.to(s.node, s.pid)
	g.em.end(ctx)
}

// lose keeps aside a session whose link broke (see rejoinEvery).
func (g *Guild) lose(ctx *sim.Ctx, m sim.Down) {
	i, ok := g.sessIdx[m.PID]
	if !ok || m.Reason != sim.ReasonNoConn {
		return
	}
	s := g.sessions[i]
	if s.lostSince == 0 {
		s.lostSince = ctx.Monotonic()
	}
	if ctx.Monotonic().Sub(s.lostSince) >= rejoinFor {
		return
	}
	if len(g.lost) == 0 {
		ctx.SetTimer(rejoinEvery, rejoinTick{})
	}
	g.lost = append(g.lost, lostSession{join: SessionJoin{Session: s.pid, Node: s.node, User: s.user}, since: s.lostSince})
}

// lostSession is a session kept aside to rejoin.
type lostSession struct {
	join  SessionJoin
	since sim.Time
}

// rejoin joins the lost sessions again, in the order they were lost.
func (g *Guild) rejoin(ctx *sim.Ctx) {
	lost := g.lost
	g.lost = nil
	for _, l := range lost {
		if _, back := g.sessIdx[l.join.Session]; back {
			continue // it joined again by itself
		}
		sim.Reachable(ctx, "guild/lost-session-rejoined")
		g.join(ctx, l.join)
		if i, ok := g.sessIdx[l.join.Session]; ok {
			g.sessions[i].lostSince = l.since
		}
	}
}

// leave drops a session: it ended (SessionLeave), or died or became
// unreachable (Down: a gateway node crash gives no Ended).
func (g *Guild) leave(ctx *sim.Ctx, pid sim.PID, demonitor bool) {
	i, ok := g.sessIdx[pid]
	if !ok {
		return
	}
	s := g.sessions[i]
	if demonitor {
		ctx.Demonitor(s.mon)
	}
	if s.relay >= 0 {
		g.relays[s.relay].sessions--
		if !g.relays[s.relay].restart {
			g.toRelay(ctx, int(s.relay), relayRemove{pid: pid})
		}
	}
	g.sessions = dropSession(g.sessions, g.sessIdx, i)
}

// dropSession removes sess[i] by moving the last session into its place,
// keeping idx (pid -> index) in step; it returns the shorter slice.
func dropSession(sess []session, idx map[sim.PID]int32, i int32) []session {
	pid := sess[i].pid
	last := int32(len(sess) - 1)
	if i != last {
		sess[i] = sess[last]
		idx[sess[i].pid] = i
	}
	delete(idx, pid)
	return sess[:last]
}

// open makes a passive session active (the user opened the guild: op 14).
func (g *Guild) open(ctx *sim.Ctx, pid sim.PID) {
	i, ok := g.sessIdx[pid]
	if !ok || g.sessions[i].active {
		return
	}
	s := &g.sessions[i]
	s.active, s.marked = true, 0
	if s.relay >= 0 {
		g.toRelay(ctx, int(s.relay), relayActive{pid: pid})
	}
}

// ---- membership and permissions ----

func (g *Guild) setMember(ctx *sim.Ctx, user uint64, roles []uint64, add bool) {
	if _, ok := g.members[user]; !ok && (!add || g.banned(ctx, user)) {
		return
	}
	roles = slices.Clone(roles) // ours now: relays may hold it
	g.members[user] = roles
	if g.o.Fanout == FanoutRelays {
		g.eachRelayOf(user, func(r int) { g.toRelay(ctx, r, relayMember{user: user, roles: roles}) })
	}
}

func (g *Guild) removeMember(ctx *sim.Ctx, user uint64) {
	if _, ok := g.members[user]; !ok {
		return
	}
	delete(g.members, user)
	// Scan backwards: leave moves the last session into the freed slot.
	for i := len(g.sessions) - 1; i >= 0; i-- {
		if i < len(g.sessions) && g.sessions[i].user == user {
			sim.Reachable(ctx, "guild/member-removed-while-online")
			g.leave(ctx, g.sessions[i].pid, true)
		}
	}
}

// eachRelayOf calls fn once for each relay holding a session of user.
func (g *Guild) eachRelayOf(user uint64, fn func(relay int)) {
	var seen []int32
	for i := range g.sessions {
		s := &g.sessions[i]
		if s.user == user && s.relay >= 0 && !slices.Contains(seen, s.relay) {
			seen = append(seen, s.relay)
			fn(int(s.relay))
		}
	}
}

func (g *Guild) setRole(ctx *sim.Ctx, m RoleSetPermissions) {
	p := g.pol.clone()
	if m.Role == g.id {
		p.everyone = m.Permissions
	} else {
		if _, ok := p.roles[m.Role]; !ok {
			p.roleIDs = append(p.roleIDs, m.Role)
		}
		p.roles[m.Role] = m.Permissions
	}
	g.setPolicy(ctx, p)
}

func (g *Guild) setChannel(ctx *sim.Ctx, m ChannelSetOverwrites) {
	p := g.pol.clone()
	i, ok := p.chanIdx[m.Channel]
	switch {
	case ok && p.channels[i].Deleted:
		return // a deleted channel's ID is never used again
	case !ok:
		i = len(p.channels)
		p.chanIdx[m.Channel] = i
		p.channels = append(p.channels, Channel{ID: m.Channel})
		g.queues = append(g.queues, nil)
	default:
		sim.Reachable(ctx, "guild/channel-overwrites-changed")
	}
	p.channels[i].Overwrites = slices.Clone(m.Overwrites)
	g.setPolicy(ctx, p)
	if !ok {
		g.channelCreated(ctx, i)
	}
}

// setPolicy installs a new policy; relays get it before any later message,
// since both travel the same ordered path.
func (g *Guild) setPolicy(ctx *sim.Ctx, p *policy) {
	g.pol = p
	for r := range g.relays {
		g.toRelay(ctx, r, relayPolicy{pol: p})
	}
}

// ---- messages ----

func (g *Guild) create(ctx *sim.Ctx, m CreateMessage) {
	roles, member := g.members[m.Author]
	ch, known := g.pol.liveChannel(m.Channel)
	var err error
	switch {
	case !member:
		err = fmt.Errorf("%w: user %d in guild %d", ErrNotMember, m.Author, g.id)
	case !known:
		err = fmt.Errorf("%w: channel %d in guild %d", ErrUnknownChannel, m.Channel, g.id)
	case g.pol.channelPerms(m.Author, roles, ch)&(PermViewChannel|PermSendMessages) != PermViewChannel|PermSendMessages:
		err = fmt.Errorf("%w: user %d in channel %d", ErrNotPermitted, m.Author, m.Channel)
	}
	sim.Sometimes(ctx, "guild/post-refused-by-checks", err != nil)
	var msg store.Snowflake
	if err == nil {
		// The guild assigns the snowflake (reference: "assign a
		// snowflake, persist through the store"): minted here, in request
		// order, IDs of a channel follow its queue whichever coordinator
		// stores them.
		if msg, err = g.gen.Next(ctx.Now()); err != nil {
			err = fmt.Errorf("%w: %w", ErrStore, err)
		} else {
			g.reserveIDs(ctx, msg.Millis())
			sim.Sometimes(ctx, "guild/id-minted-ahead-of-clock", msg.Millis() > ctx.Now().UnixMilli()-store.DiscordEpoch)
		}
	}
	if err == nil {
		w := &write{req: m, from: ctx.Sender(), ch: ch}
		var id store.RequestID
		id, err = g.store.Write(ctx, store.WriteMessage{Channel: store.Snowflake(m.Channel), Message: msg,
			Author: store.Snowflake(m.Author), Content: m.Content, Consistency: g.o.WriteConsistency})
		if err == nil {
			g.pending[id] = w
			g.queues[ch] = append(g.queues[ch], w)
			return
		}
		err = fmt.Errorf("%w: %w", ErrOverloaded, err)
	}
	g.stat.Rejected++
	ctx.Send(ctx.Sender(), MessageRejected{Request: m.Request, Err: err})
}

// onStored handles the store's answer. Messages of one channel are acked
// and fanned out in request order: a message waits for the ones before it
// in its channel. The guild minted their IDs in request order (create), so
// request order is ID order whatever the store does (a failover to another
// coordinator, a partition holding one write back); a write's own ack can
// arrive before an earlier one's (another coordinator, a bucket marker leg,
// a slow replica), and without the queue a session could see a channel's
// messages out of ID order.
func (g *Guild) onStored(ctx *sim.Ctx, r store.Result) {
	w, ok := g.pending[r.ID]
	if !ok {
		return
	}
	delete(g.pending, r.ID)
	if w.change != nil {
		if !w.change.stored(w, r) {
			return
		}
	} else {
		w.done = true
		if r.Err != nil {
			w.failed = true
			g.stat.Rejected++
			sim.Reachable(ctx, "guild/post-failed-in-store")
			ctx.Send(w.from, MessageRejected{Request: w.req.Request, Err: fmt.Errorf("%w: %w", ErrStore, r.Err)})
		} else {
			w.id = uint64(r.Message)
		}
	}
	q := g.queues[w.ch]
	sim.Sometimes(ctx, "guild/store-acked-out-of-queue-order", len(q) > 0 && q[0] != w)
	for len(q) > 0 && q[0].done {
		head := q[0]
		q[0] = nil
		q = q[1:]
		switch {
		case head.change != nil:
			g.releaseChange(ctx, head)
		case head.failed:
		default:
			ctx.Send(head.from, MessageCreated{Request: head.req.Request, ID: head.id, Nonce: head.req.Nonce})
			g.fanout(ctx, head)
		}
	}
	g.queues[w.ch] = q
}

// fanout sends a stored message to every session allowed to see it, by the
// guild's strategy. Active sessions (and passive ones whose user is
// mentioned) get MESSAGE_CREATE; other passive sessions get CHANNEL_UNREAD
// the first time the channel has news since they joined.
func (g *Guild) fanout(ctx *sim.Ctx, w *write) {
	g.stat.Messages++
	mc := &MessageCreate{ID: w.id, Channel: w.req.Channel, Guild: g.id, Author: w.req.Author, Nonce: w.req.Nonce, Content: w.req.Content}
	unread := &ChannelUnread{Guild: g.id, Channel: mc.Channel, Last: mc.ID}
	g.dispatch(ctx, w.ch, deliverOf(gateway.EventMessageCreate, mc), unread, w.req.Mentions)
}

// dispatch fans one event of channel index ch out by the guild's strategy.
func (g *Guild) dispatch(ctx *sim.Ctx, ch int, d gateway.Deliver, unread *ChannelUnread, mentions []uint64) {
	if g.o.Fanout == FanoutRelays {
		rm := relayMessage{ch: ch, d: d, unread: unread, mentions: mentions}
		for r := range g.relays {
			g.toRelay(ctx, r, rm)
		}
		return
	}
	fanoutTo(ctx, &g.em, g.pol, g.sessions, func(u uint64) []uint64 { return g.members[u] }, ch, d, unread, mentions)
}
