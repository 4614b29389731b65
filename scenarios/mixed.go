package scenarios

import (
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/faults"
	"github.com/guildsim/guildsim/scenarios/check"
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
)

// mixed turns everything on, drawn from the seed as swarm draws faults:
// sizes, rates, lengths and topology (Scenario.Draw); steady chat with the
// message lifecycle; members kicked, banned, leaving, joining and re-added
// while online; roles granted and revoked; channel overwrites changed;
// channels created and deleted; chatty clients (typing, status storms past
// the gateway's limit, reconnect loops); bursts of posts and reads in one
// channel; history reads through the data services (coalescing and the
// cache on); and swarm's faults on every node but the guild nodes.
//
// Guild nodes are left alone: a guild's members, bans, roles and
// overwrites live in its process's memory and a restart starts from the
// spec it booted with (system/guild doc, "Not built yet"), so a crash
// undoes every change the scenario's truth recorded. The scenario says so
// in its output.
func mixed() *Scenario {
	return &Scenario{
		Name:        "mixed",
		Description: "everything at once, drawn from the seed: membership churn, roles, overwrites, channels, the message lifecycle, chatty clients, bursts, reads through the data services, faults",
		Defaults:    Options{ReadPath: "data-services"},
		Draw:        drawMixed,
		Buggify:     func(seed uint64, o Options) bool { return faults.Swarm(seed, o.Safety).Buggify },
		Workload:    MixedWorkload,
		Deploy: func(seed uint64, t *deploy.Topology) {
			l := drawLimits(seed)
			if l.maxInFlight > 0 {
				t.Coordinator.MaxInFlight = l.maxInFlight
			}
			if l.maxHints > 0 {
				t.Coordinator.MaxHints = l.maxHints
			}
			if l.maxWaiters > 0 {
				t.DataService.Coalescer.MaxWaiters = l.maxWaiters
			}
			if l.passive && t.Population.Members >= minPassiveMembers {
				t.Guild.PassiveThreshold = t.Population.Members / 2
			}
		},
		Faults: mixedFaults,
	}
}

// mixedSizes are the guild sizes mixed draws from: mostly small guilds, a
// few large enough for relays to split them and for bursts to pile up.
var mixedSizes = []int{6, 10, 16, 30, 60, 150}

// drawMixed draws a seed's defaults.
func drawMixed(seed uint64) Options {
	r := sim.NewRand(sim.DeriveSeed(seed, "scenarios/mixed/draw"))
	o := Options{ReadPath: "data-services"}
	o.Members = mixedSizes[r.Intn(len(mixedSizes))]
	o.Guilds = 1 + r.Intn(4)
	if o.Members >= 60 {
		o.Guilds = 1 + r.Intn(2)
	}
	o.Channels = 3 + r.Intn(5)
	o.OnlinePercent = 60 + r.Intn(41)
	o.PostEvery = r.Duration(150*sim.Millisecond, 1200*sim.Millisecond)
	o.ReadEvery = r.Duration(500*sim.Millisecond, 3*sim.Second)
	o.Fanout = []guild.Fanout{guild.FanoutDirect, guild.FanoutPerNode, guild.FanoutRelays}[r.Intn(3)]
	o.StoreNodes = 3 + r.Intn(3)
	o.GuildNodes = 1 + r.Intn(3)
	o.GatewayNodes = 1 + r.Intn(3)
	o.Safety = r.Duration(20*sim.Second, 60*sim.Second)
	return o
}

// limits are the store limits mixed draws tight in some seeds (0: the
// default), so that the paths past them are walked: a coordinator refusing
// requests at MaxInFlight, hints dropped at MaxHints, a read the coalescer
// refuses to join. Each is a legal configuration the checkers must accept.
type limits struct {
	maxInFlight, maxHints, maxWaiters int
	passive                           bool // sessions of guilds over half their size start passive
}

func drawLimits(seed uint64) limits {
	r := sim.NewRand(sim.DeriveSeed(seed, "scenarios/mixed/limits"))
	var l limits
	if r.Intn(4) == 0 {
		// Not below 24: the final reads (two per channel, up to 56 at
		// once) must mostly get through, or no-acked-message-lost cannot
		// judge (mixed seeds 1256 and 1880 at 9 and 14).
		l.maxInFlight = 24 + r.Intn(25)
	}
	if r.Intn(4) == 0 {
		l.maxHints = 5 + r.Intn(46)
	}
	if r.Intn(4) == 0 {
		l.maxWaiters = 1 + r.Intn(3)
	}
	l.passive = r.Intn(3) == 0
	return l
}

// minPassiveMembers is the smallest guild mixed makes passive: a guild of
// fewer members is never large enough to matter.
const minPassiveMembers = 30

func (l limits) lines(members int) []string {
	var out []string
	if l.passive && members >= minPassiveMembers {
		out = append(out, fmt.Sprintf("mixed: sessions of guilds over %d members start passive (CHANNEL_UNREAD until the guild is opened)", members/2))
	}
	if l.maxInFlight > 0 {
		out = append(out, fmt.Sprintf("mixed: store coordinators take at most %d operations in flight", l.maxInFlight))
	}
	if l.maxHints > 0 {
		out = append(out, fmt.Sprintf("mixed: store coordinators hold at most %d hints", l.maxHints))
	}
	if l.maxWaiters > 0 {
		out = append(out, fmt.Sprintf("mixed: a data service's read coalesces at most %d waiters", l.maxWaiters))
	}
	return out
}

// mixedFaults is swarm's draw on every node but the guild nodes, and a
// gateway node drained in some seeds.
func mixedFaults(sw *World, r *sim.Rand) (faults.Schedule, []string, error) {
	lines := drawLimits(sw.W.Seed()).lines(sw.Opts.Members)
	if len(sw.Gateways) > 1 && r.Intn(3) == 0 {
		// An operator drains a gateway node (before a deploy): its
		// sessions get op 7 and move to the other nodes; the node stays
		// out of service for the rest of the run.
		gw := sw.Gateways[r.Intn(len(sw.Gateways))]
		at := r.Duration(0, sw.Opts.Safety)
		lines = append(lines, fmt.Sprintf("mixed: drain %s at +%v (from the safety phase's start)", sw.W.NodeName(gw), at))
		sw.At(sw.Opts.Warmup+at, "drain", func() {
			sw.D.Forward(deploy.Forward{Node: gw, Name: gateway.ListenerName, Msg: gateway.Drain{}})
		})
	}
	var targets []sim.NodeID
	for _, n := range sw.servers() {
		if !slices.Contains(sw.Guild, n) {
			targets = append(targets, n)
		}
	}
	s, more, err := budgetedSwarm(sw, "mixed", targets, "guild nodes are not faulted: a guild's membership, bans, roles and overwrites live in its memory, and a restart would undo the changes the truth recorded")
	return s, append(lines, more...), err
}

// accessSettle is how long mixed gives a guild to apply a membership or
// permission change the driver sent it: one hop between nodes that no
// fault touches, and a guild process that answers in milliseconds.
const accessSettle = sim.Second

// MixedWorkload plans mixed's workload (see mixed).
func MixedWorkload(sw *World, r *sim.Rand) {
	for _, a := range []*check.Access{sw.Access, sw.Send, sw.Manage} {
		a.Settle = accessSettle
	}
	SteadyChat(sw, r)
	// Bursts go to each guild's first public channel, which edits,
	// deletes and reactions leave alone: Porcupine judges it by the
	// message-log model, whose snapshot bounds keep a burst's many
	// overlapping posts and reads quick to search (the lifecycle model
	// has none, and times out on them).
	burstChannels := map[uint64]bool{}
	for _, gi := range sw.Guilds {
		burstChannels[gi.Channels[1]] = true
	}
	lifecycleChatExcept(sw, r, r.Duration(3*sw.Opts.PostEvery, 12*sw.Opts.PostEvery), burstChannels)
	passiveMembers(sw, r)
	smallPages(sw, r)
	mt := newMembership(sw)
	for g := range sw.Guilds {
		mt.plan(g, r)
	}
	mt.run()
	chattyClients(sw, r)
	bursts(sw, r)
}

// membership is the scenario's own account of who is in each guild with
// which role, who is banned, and which channels exist and are restricted:
// the truth every change updates, and from which check.Access learns when
// each user could see each channel. Changes are planned first, then applied
// to the account in time order (a change's target is picked from the
// account as it is at that instant).
type membership struct {
	sw      *World
	guilds  []*guildAccount
	changes []change
	extra   int // extra users joined so far
}

type guildAccount struct {
	g        int
	members  map[uint64]bool // user -> holds the guild's role; lookups only
	users    []uint64        // every user ever a member, in order
	banned   map[uint64]bool // lookups only
	channels []channelAccount
	created  int
}

type channelAccount struct {
	id         uint64
	restricted bool // only the role sees it (channel 0, or overwrites made it so)
	deleted    bool
}

// change is one planned membership or permission change.
type change struct {
	at   sim.Duration
	g    int
	kind changeKind
	pick int
	user uint64 // follow-ups: whom it is about
}

type changeKind int

const (
	changeKick changeKind = iota
	changeLeave
	changeBan
	changeRoles
	changeOverwrites
	changeCreateChannel
	changeDeleteChannel
	changeJoin
	changeKinds // the kinds drawn; the ones below are follow-ups
	changeReadd
	changeAddBanned
	changeUnbanAdd
)

func newMembership(sw *World) *membership {
	mt := &membership{sw: sw}
	for g, gi := range sw.Guilds {
		ga := &guildAccount{g: g, members: map[uint64]bool{}, banned: map[uint64]bool{}}
		for i, u := range gi.Members {
			ga.members[u] = deploy.HasRole(i)
			ga.users = append(ga.users, u)
		}
		for k, ch := range gi.Channels {
			ga.channels = append(ga.channels, channelAccount{id: ch, restricted: k == 0})
		}
		mt.guilds = append(mt.guilds, ga)
	}
	return mt
}

// plan draws guild g's changes over the safety phase: one every few
// seconds, at least twice accessSettle apart, so that the truth of one
// change has settled before the next touches the same user.
func (mt *membership) plan(g int, r *sim.Rand) {
	o := mt.sw.Opts
	every := r.Duration(3*sim.Second, 10*sim.Second)
	end := o.Warmup + o.Safety - 3*sim.Second
	for t := o.Warmup + r.Duration(sim.Second, every); t < end; t += r.Duration(2*accessSettle+sim.Millisecond, 2*every) {
		mt.changes = append(mt.changes, change{at: t, g: g, kind: changeKind(r.Intn(int(changeKinds))), pick: r.Intn(1 << 30)})
	}
}

// run applies the planned changes in time order (follow-ups included).
func (mt *membership) run() {
	slices.SortStableFunc(mt.changes, func(a, b change) int { return int(a.at - b.at) })
	for i := 0; i < len(mt.changes); i++ {
		mt.apply(mt.changes[i])
	}
}

// follow plans a follow-up change, keeping the list sorted after the
// current one.
func (mt *membership) follow(c change) {
	i, _ := slices.BinarySearchFunc(mt.changes, c.at, func(x change, t sim.Duration) int {
		if x.at <= t {
			return -1
		}
		return 1
	})
	mt.changes = slices.Insert(mt.changes, i, c)
}

// onlineMember picks a member of ga with a client, or 0.
func (mt *membership) onlineMember(ga *guildAccount, pick int) (uint64, uint32) {
	var cands []uint32
	for _, c := range mt.sw.Guilds[ga.g].Online {
		if _, ok := ga.members[mt.sw.UserOf(c)]; ok {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return 0, 0
	}
	c := cands[pick%len(cands)]
	return mt.sw.UserOf(c), c
}

// clientOf returns a client of user (the first), if any.
func (mt *membership) clientOf(user uint64) (uint32, bool) {
	for c := range mt.sw.D.Clients {
		if mt.sw.UserOf(uint32(c)) == user {
			return uint32(c), true
		}
	}
	return 0, false
}

func (mt *membership) apply(c change) {
	sw, ga := mt.sw, mt.guilds[c.g]
	gi := &sw.Guilds[c.g]
	id := gi.ID
	switch c.kind {
	case changeKick, changeLeave, changeBan:
		u, _ := mt.onlineMember(ga, c.pick)
		if u == 0 {
			return
		}
		var msg any = guild.MemberRemove{User: u}
		if c.kind == changeBan {
			msg = guild.MemberBan{User: u}
		}
		mt.update(c, msg, func() {
			delete(ga.members, u)
			if c.kind == changeBan {
				ga.banned[u] = true
			}
		})
		// The removal itself is recorded when the guild's MemberRemoved
		// reaches the driver (World.Removed, check.Truth.Removals).
		back := c.at + 3*sim.Second + sim.Duration(c.pick%7)*sim.Second
		switch {
		case c.kind == changeBan:
			mt.follow(change{at: back, g: c.g, kind: changeAddBanned, user: u, pick: c.pick / 3})
		case c.pick%2 == 0:
			mt.follow(change{at: back, g: c.g, kind: changeReadd, user: u, pick: c.pick / 3})
		}
	case changeReadd, changeAddBanned, changeUnbanAdd:
		u := c.user
		if c.kind == changeUnbanAdd {
			sw.ToGuild(c.at, c.g, guild.MemberUnban{User: u})
			delete(ga.banned, u)
		}
		role := c.pick%2 == 0
		var roles []uint64
		if role {
			roles = []uint64{gi.Role}
		}
		if !ga.banned[u] {
			sw.Readded(u, id, sim.DefaultStart.Add(c.at))
		}
		mt.update(c, guild.MemberAdd{User: u, Roles: roles}, func() {
			if !ga.banned[u] {
				ga.members[u] = role
			}
		})
		// Sessions already online learn of a membership only when they
		// identify again (system/guild doc): the user reconnects afresh,
		// after the add and before the grant has settled.
		if cl, ok := mt.clientOf(u); ok {
			pid := sw.D.Clients[cl].PID
			sw.At(c.at+accessSettle/2, "reconnect", func() { sw.W.Send(pid, client.Reconnect{}) })
		}
		if c.kind == changeAddBanned && c.pick%2 == 0 {
			mt.follow(change{at: c.at + 3*sim.Second, g: c.g, kind: changeUnbanAdd, user: u, pick: c.pick / 2})
		}
	case changeJoin:
		if mt.extra == extraUsers {
			return
		}
		u := sw.ExtraUser(mt.extra)
		mt.extra++
		ga.users = append(ga.users, u)
		cl := sw.AddClient(u)
		mt.update(c, guild.MemberAdd{User: u}, func() { ga.members[u] = false })
		gi.Online = append(gi.Online, cl)
		// Its sessions never join the guild: the gateway learns a user's
		// guilds from the directory written at the start, and a guild
		// does not tell sessions already online of a new membership
		// (system/guild doc, "Not built yet"). It posts and reads, and
		// is not expected to receive (as celebrity-join's celebrity).
		sw.NotReceiving(cl)
	case changeRoles:
		u, _ := mt.onlineMember(ga, c.pick)
		if u == 0 {
			return
		}
		role := !ga.members[u]
		var roles []uint64
		if role {
			roles = []uint64{gi.Role}
		}
		mt.update(c, guild.MemberSetRoles{User: u, Roles: roles}, func() { ga.members[u] = role })
	case changeOverwrites:
		k := 1 + c.pick%(len(ga.channels)-1) // never channel 0: it stays the role's
		ch := &ga.channels[k]
		if ch.deleted {
			return
		}
		var ows []guild.Overwrite
		if !ch.restricted {
			ows = []guild.Overwrite{
				{ID: id, Kind: guild.OverwriteRole, Deny: guild.PermViewChannel},
				{ID: gi.Role, Kind: guild.OverwriteRole, Allow: guild.PermViewChannel},
			}
		}
		mt.update(c, guild.ChannelSetOverwrites{Channel: ch.id, Overwrites: ows}, func() { ch.restricted = !ch.restricted })
	case changeCreateChannel:
		if ga.created == maxCreatedChannels {
			return
		}
		ch := id + createdChannelBase + uint64(ga.created)
		ga.created++
		mt.update(c, guild.ChannelSetOverwrites{Channel: ch}, func() {
			ga.channels = append(ga.channels, channelAccount{id: ch})
			gi.Channels = append(gi.Channels, ch)
			sw.guildOf = nil
		})
		// A few posts in the new channel by members who see it by then.
		for k := range 3 {
			u, cl := mt.onlineMember(ga, c.pick+k)
			if u != 0 {
				sw.Post(c.at+2*accessSettle+sim.Duration(k)*300*sim.Millisecond, cl, c.g, ch)
			}
		}
	case changeDeleteChannel:
		var open []int
		for k := 1; k < len(ga.channels); k++ {
			if !ga.channels[k].deleted && !ga.channels[k].restricted {
				open = append(open, k)
			}
		}
		if len(open) < 2 { // keep a public channel to talk in
			return
		}
		ch := &ga.channels[open[c.pick%len(open)]]
		mt.update(c, guild.ChannelDelete{Channel: ch.id}, func() { ch.deleted = true })
	}
}

// Channels a guild creates take IDs from createdChannelBase past its ID
// (the generated channels take the first 50, its role the 50th).
const (
	createdChannelBase = 60
	maxCreatedChannels = 30
)

// update sends msg to the guild at the change's time and, around edit
// (which changes the account), records in the truth's timelines every
// user whose view of a channel (Access, Send) or MANAGE_MESSAGES there
// (Manage) changed: revoked at the change, granted from it (Settle covers
// the guild's delay).
func (mt *membership) update(c change, msg any, edit func()) {
	ga := mt.guilds[c.g]
	before := mt.views(ga)
	edit()
	after := mt.views(ga)
	mt.sw.ToGuild(c.at, c.g, msg)
	at := sim.DefaultStart.Add(c.at)
	for _, u := range ga.users {
		for _, ch := range ga.channels {
			k := userChannel{u, ch.id}
			b, a := before[k], after[k]
			switch {
			case b == a:
			case a == 0:
				mt.sw.revoke(u, ch.id, at)
			case b == 0:
				mt.sw.grant(u, ch.id, a == viewManage, at)
			case a == viewManage:
				mt.sw.Manage.Grant(u, ch.id, at, Forever())
			default:
				mt.sw.Manage.Revoke(u, ch.id, at)
			}
		}
	}
}

// A user's standing in a channel by the account: nothing, viewing (and
// sending), or viewing with MANAGE_MESSAGES (the guild's role has it).
const (
	viewOnly   = 1
	viewManage = 2
)

type userChannel struct{ user, channel uint64 }

// views says who sees which channel by the account, and with which
// standing.
func (mt *membership) views(ga *guildAccount) map[userChannel]int {
	out := map[userChannel]int{}
	for _, u := range ga.users {
		role, member := ga.members[u]
		if !member {
			continue
		}
		for _, ch := range ga.channels {
			switch {
			case ch.deleted || (ch.restricted && !role):
			case role:
				out[userChannel{u, ch.id}] = viewManage
			default:
				out[userChannel{u, ch.id}] = viewOnly
			}
		}
	}
	return out
}

// chattyClients picks a few online clients that type, storm the gateway
// with status changes (some past its 120 a minute: 4008, then a resume)
// and drop their connections in loops.
func chattyClients(sw *World, r *sim.Rand) {
	o := sw.Opts
	var all []uint32
	for _, gi := range sw.Guilds {
		all = append(all, gi.Online...)
	}
	if len(all) == 0 {
		return
	}
	from, until := o.Warmup, o.Warmup+o.Safety
	for range r.Intn(4) { // typists
		c := all[r.Intn(len(all))]
		pid := sw.D.Clients[c].PID
		g := r.Intn(len(sw.Guilds))
		gi := sw.Guilds[g]
		ch := gi.Channels[1+r.Intn(len(gi.Channels)-1)]
		for t := from + r.Duration(0, 5*sim.Second); t < until; t += r.Duration(sim.Second, 6*sim.Second) {
			sw.At(t, "typing", func() { sw.W.Send(pid, client.StartTyping{Guild: gi.ID, Channel: ch}) })
		}
	}
	statuses := []string{"online", "idle", "dnd", "invisible"}
	for range r.Intn(3) { // status storms
		c := all[r.Intn(len(all))]
		pid := sw.D.Clients[c].PID
		n := 60 + r.Intn(100) // over 110 (120 less the heartbeats' room) closes it
		start := r.Duration(from, until)
		span := r.Duration(10*sim.Second, 40*sim.Second)
		for k := range n {
			st := statuses[(k+int(c))%len(statuses)]
			sw.At(start+span*sim.Duration(k)/sim.Duration(n), "status", func() { sw.W.Send(pid, client.SetStatus{Status: st}) })
		}
	}
	for range r.Intn(3) { // reconnect loops
		c := all[r.Intn(len(all))]
		pid := sw.D.Clients[c].PID
		start := r.Duration(from, until)
		for t := start; t < until; t += r.Duration(3*sim.Second, 15*sim.Second) {
			resume := r.Intn(3) != 0
			sw.At(t, "reconnect", func() { sw.W.Send(pid, client.Reconnect{Resume: resume}) })
		}
	}
}

// bursts plans one to three bursts in the safety phase: many members post
// in one public channel within a few hundred milliseconds, and many read
// it at once (the data services coalesce the reads and cache the page).
func bursts(sw *World, r *sim.Rand) {
	o := sw.Opts
	for range 1 + r.Intn(3) {
		g := r.Intn(len(sw.Guilds))
		gi := sw.Guilds[g]
		if len(gi.Online) == 0 {
			continue
		}
		ch := gi.Channels[1] // see MixedWorkload
		at := r.Duration(o.Warmup, o.Warmup+o.Safety)
		for _, c := range gi.Online[:min(len(gi.Online), 20)] {
			if sw.CanSee(c, ch) {
				sw.Post(at+r.Duration(0, 300*sim.Millisecond), c, g, ch)
			}
		}
		readAt := at + r.Duration(0, 2*sim.Second)
		for _, c := range gi.Online[:min(len(gi.Online), 20)] {
			sw.Read(readAt+r.Duration(0, 50*sim.Millisecond), c, ch)
		}
	}
}

// passiveMembers marks the guilds whose sessions start passive (the seed
// drew guild.Options.PassiveThreshold): their members are not expected to
// get MESSAGE_CREATE (check.Truth.Receives), and some of them open the
// guild (op 14) during the run.
func passiveMembers(sw *World, r *sim.Rand) {
	threshold := sw.D.Options.Guild.PassiveThreshold
	if threshold == 0 {
		return
	}
	sw.passiveGuilds = map[uint64]bool{}
	o := sw.Opts
	for _, gi := range sw.Guilds {
		if len(gi.Members) <= threshold || len(gi.Online) == 0 {
			continue
		}
		sw.passiveGuilds[gi.ID] = true
		for range 1 + r.Intn(5) {
			c := gi.Online[r.Intn(len(gi.Online))]
			pid, id := sw.D.Clients[c].PID, gi.ID
			sw.At(r.Duration(o.Warmup, o.Warmup+o.Safety), "open", func() { sw.W.Send(pid, client.OpenGuild{GuildID: id}) })
		}
	}
}

// smallPages plans reads of a few messages, besides steady chat's whole
// pages: with deleted messages at a channel's head the store must read
// further to fill such a page (short read protection).
func smallPages(sw *World, r *sim.Rand) {
	o := sw.Opts
	for _, gi := range sw.Guilds {
		if len(gi.Online) == 0 {
			continue
		}
		every := r.Duration(2*sim.Second, 8*sim.Second)
		for t := o.Warmup + r.Duration(0, every); t < o.Warmup+o.Safety+o.Liveness; t += r.Duration(sim.Second, 2*every) {
			c := gi.Online[r.Intn(len(gi.Online))]
			sw.ReadLimit(t, c, gi.Channels[r.Intn(len(gi.Channels))], 1+r.Intn(5))
		}
	}
}
