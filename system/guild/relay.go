package guild

import (
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
)

// Relays (reference §2, Maxjourney 2023): a guild's sessions are split into
// relay processes of at most RelayCapacity sessions each, spread over the
// guild nodes. The guild sends each event once per relay; the relay keeps
// only its own sessions and their members' roles (not the whole member list:
// "relays that copied the whole member list stalled the guild"), checks
// permissions and sends.
//
// A guild reaches its relays through the relay host of the relay's node: the
// guild sends relayEnvelope{guild, index, msg} to RelayHostName there, and
// the host forwards msg to the relay, which it started on the first
// envelope (relayStart). The host is needed because a relay spawned on
// another node has no name the guild could send to before it runs; the
// forward is a local send, so the path guild -> host -> relay stays FIFO.

// relayEnvelope carries a message from a guild to one of its relays.
type relayEnvelope struct {
	guild uint64
	index int32
	msg   any
}

// WireSize is the inner message's, plus the addressing.
func (e relayEnvelope) WireSize() int {
	if s, ok := e.msg.(sim.Sizer); ok {
		return 16 + s.WireSize()
	}
	return 16 + 64
}

// Messages from a guild to its relay.
type (
	relayStart struct {
		pol  *policy
		home sim.NodeID // the guild's node: the relay exits if its link breaks
	}
	relayAdd struct {
		pid    sim.PID
		node   sim.NodeID
		user   uint64
		roles  []uint64 // not to be modified: the guild replaces, never edits
		active bool
		create GuildCreate
	}
	relayRemove struct{ pid sim.PID }
	relayActive struct{ pid sim.PID }
	// relayLost goes the other way: the relay lost a session to a broken
	// link (its own link to the session's gateway node, which may differ
	// from the guild's), and the guild keeps it aside to join it again.
	relayLost   struct{ pid sim.PID }
	relayMember struct {
		user  uint64
		roles []uint64
	}
	relayPolicy  struct{ pol *policy }
	relayMessage struct {
		ch       int
		d        gateway.Deliver
		unread   *ChannelUnread // message creates only
		mentions []uint64
	}
)

func (relayStart) WireSize() int    { return 256 }
func (relayLost) WireSize() int     { return 8 }
func (m relayAdd) WireSize() int    { return 48 + 8*len(m.roles) }
func (relayRemove) WireSize() int   { return 8 }
func (relayActive) WireSize() int   { return 8 }
func (m relayMember) WireSize() int { return 16 + 8*len(m.roles) }
func (relayPolicy) WireSize() int   { return 256 }
func (m relayMessage) WireSize() int {
	n := 8 * len(m.mentions)
	if s, ok := m.d.Data.(sim.Sizer); ok {
		n += s.WireSize()
	}
	return n
}

// assignRelay picks the relay for a new session: the first with room, or a
// new one while fewer than MaxRelays exist; past that the least loaded
// (over capacity: the bound on relays wins over the bound per relay).
func (g *Guild) assignRelay(ctx *sim.Ctx) int32 {
	best := -1
	for i, r := range g.relays {
		if r.sessions < g.o.RelayCapacity {
			g.relays[i].sessions++
			return int32(i)
		}
		if best < 0 || r.sessions < g.relays[best].sessions {
			best = i
		}
	}
	if len(g.relays) < g.o.MaxRelays {
		i := len(g.relays)
		g.relays = append(g.relays, relayInfo{node: g.c.placement.relayNode(g.home, i), sessions: 1, restart: true})
		g.toRelay(ctx, i, nil)
		return int32(i)
	}
	g.relays[best].sessions++
	return int32(best)
}

// toRelay sends msg to relay i, declaring one send; a relay to (re)start
// first gets relayStart, and the guild watches the link to its node.
func (g *Guild) toRelay(ctx *sim.Ctx, i int, msg any) {
	if r := &g.relays[i]; r.restart {
		r.restart = false
		if r.node != ctx.Node() && !g.watched[r.node] {
			if g.watched == nil {
				g.watched = map[sim.NodeID]bool{}
			}
			g.watched[r.node] = true
			ctx.MonitorNode(r.node)
		}
		g.toRelay(ctx, i, relayStart{pol: g.pol, home: ctx.Node()})
	}
	if msg == nil {
		return
	}
	g.m.work(ctx, g.o.SendCost)
	g.em.sent++
	ctx.SendNamed(g.relays[i].node, RelayHostName, relayEnvelope{guild: g.id, index: int32(i), msg: msg})
}

// relayNodeDown handles a broken link to a node with relays: what was in
// flight to them is lost and they exit (they watch the guild's node too),
// so their sessions are kept aside to join again (through a relay started
// afresh) like sessions the guild itself lost.
func (g *Guild) relayNodeDown(ctx *sim.Ctx, node sim.NodeID) {
	delete(g.watched, node)
	hit := false
	for i := range g.relays {
		if g.relays[i].node == node {
			g.relays[i].restart = true
			hit = true
		}
	}
	if !hit {
		return
	}
	sim.Reachable(ctx, "guild/relay-node-down")
	var cut []sim.PID
	for _, s := range g.sessions {
		if s.relay >= 0 && g.relays[s.relay].node == node {
			cut = append(cut, s.pid)
		}
	}
	for _, pid := range cut {
		g.lose(ctx, sim.Down{PID: pid, Reason: sim.ReasonNoConn})
		g.leave(ctx, pid, true)
	}
}

// relayHost starts relays on its node and forwards envelopes to them.
type relayHost struct {
	c      *Cluster
	relays map[relayKey]sim.PID // lookups only
}

type relayKey struct {
	guild uint64
	index int32
}

// Start registers the host.
func (h *relayHost) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Register(RelayHostName), "guild: a second relay host on one node")
	h.relays = map[relayKey]sim.PID{}
}

// Receive forwards an envelope, starting the relay on relayStart.
func (h *relayHost) Receive(ctx *sim.Ctx, msg any) {
	e, ok := msg.(relayEnvelope)
	if !ok {
		return
	}
	k := relayKey{guild: e.guild, index: e.index}
	if st, ok := e.msg.(relayStart); ok {
		r := newRelay(h.c.opts, e.guild, st.pol)
		r.owner, r.home = ctx.Sender(), st.home
		h.relays[k] = ctx.Spawn("guild/relay", r)
		return
	}
	if pid, ok := h.relays[k]; ok {
		ctx.Send(pid, e.msg)
	}
}

// relay is one relay process: up to RelayCapacity sessions of one guild.
type relay struct {
	o       *Options
	guild   uint64
	owner   sim.PID    // the guild process
	home    sim.NodeID // its node
	pol     *policy
	members map[uint64]*relayMemberEntry // only users with a session here; lookups only
	sess    []session
	idx     map[sim.PID]int32 // lookups only
	m       meter
	em      emitter
}

type relayMemberEntry struct {
	roles    []uint64
	sessions int
}

func newRelay(o *Options, guild uint64, pol *policy) *relay {
	r := &relay{o: o, guild: guild, pol: pol, members: map[uint64]*relayMemberEntry{}, idx: map[sim.PID]int32{}}
	r.em = emitter{o: o, m: &r.m, perNode: o.RelaysPerNode}
	return r
}

// Start watches the link to the guild's node: when it breaks, what the
// guild sent is lost, and the guild starts the relay afresh.
func (r *relay) Start(ctx *sim.Ctx) {
	if r.home != ctx.Node() {
		ctx.MonitorNode(r.home)
	}
}

// Receive handles the guild's messages.
func (r *relay) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case continueSends:
		r.em.step(ctx)
	case relayAdd:
		r.m.work(ctx, r.o.RequestCost)
		e := r.members[m.user]
		if e == nil {
			e = &relayMemberEntry{}
			r.members[m.user] = e
		}
		e.roles = m.roles
		e.sessions++
		if _, dup := r.idx[m.pid]; dup {
			r.remove(ctx, m.pid)
		}
		r.idx[m.pid] = int32(len(r.sess))
		// The relay watches its sessions itself: its link to their gateway
		// node can break while the guild's holds.
		r.sess = append(r.sess, session{pid: m.pid, node: m.node, user: m.user, active: m.active, relay: -1, mon: ctx.Monitor(m.pid)})
		r.em.begin(deliverOf(gateway.EventGuildCreate, m.create))
		r.em.to(m.node, m.pid)
		r.em.end(ctx)
	case relayRemove:
		r.remove(ctx, m.pid)
	case sim.NodeDown:
		if m.Node == r.home {
			ctx.Exit(sim.ReasonNormal)
		}
	case sim.Down:
		if _, ok := r.idx[m.PID]; !ok {
			return
		}
		r.remove(ctx, m.PID)
		if m.Reason == sim.ReasonNoConn {
			ctx.Send(r.owner, relayLost{pid: m.PID})
		}
	case relayActive:
		if i, ok := r.idx[m.pid]; ok {
			r.sess[i].active, r.sess[i].marked = true, 0
		}
	case relayMember:
		if e := r.members[m.user]; e != nil {
			e.roles = m.roles
			sim.Reachable(ctx, "guild/relay-roles-refreshed")
		}
	case relayPolicy:
		r.pol = m.pol
	case relayMessage:
		r.fanout(ctx, m)
	}
}

func (r *relay) remove(ctx *sim.Ctx, pid sim.PID) {
	i, ok := r.idx[pid]
	if !ok {
		return
	}
	ctx.Demonitor(r.sess[i].mon)
	user := r.sess[i].user
	if e := r.members[user]; e != nil {
		e.sessions--
		if e.sessions == 0 {
			delete(r.members, user)
		}
	}
	r.sess = dropSession(r.sess, r.idx, i)
}

// fanout is the guild's fanout, done by the relay for its sessions.
func (r *relay) fanout(ctx *sim.Ctx, m relayMessage) {
	fanoutTo(ctx, &r.em, r.pol, r.sess, func(u uint64) []uint64 { return r.members[u].roles }, m.ch, m.d, m.unread, m.mentions)
}
