package guild

import (
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
)

// Hooks connects the gateway to the guilds (gateway.Hooks and
// gateway.ClientOpHooks). Set it as gateway.Options.Hooks.
type Hooks struct{ c *Cluster }

// Hooks returns the cluster's gateway hooks.
func (c *Cluster) Hooks() *Hooks { return &Hooks{c: c} }

// Identified lists the user's guilds in READY (unavailable, as Discord
// does) and tells each guild process about the session; each answers with
// GUILD_CREATE. The guild process, not the directory, decides membership:
// a guild the user has left ignores the join.
func (h *Hooks) Identified(ctx *sim.Ctx, s gateway.SessionInfo, ready *gateway.Ready) {
	for _, id := range h.c.opts.Directory.GuildsOf(s.UserID) {
		ready.Guilds = append(ready.Guilds, gateway.UnavailableGuild{ID: id, Unavailable: true})
		ctx.SendNamed(h.c.placement.NodeOf(id), ProcessName(id), SessionJoin{Session: s.PID, Node: s.Node, User: s.UserID})
	}
}

// RetryJoins tells the guilds again about a session that has not had their
// GUILD_CREATE (the first SessionJoin was lost with a broken link). A
// guild that has the session already ignores it.
func (h *Hooks) RetryJoins(ctx *sim.Ctx, s gateway.SessionInfo, guilds []uint64) {
	for _, id := range guilds {
		ctx.SendNamed(h.c.placement.NodeOf(id), ProcessName(id), SessionJoin{Session: s.PID, Node: s.Node, User: s.UserID})
	}
}

// Ended tells the user's guilds that the session is gone. A crash of the
// gateway node gives no Ended: guilds also monitor session PIDs.
func (h *Hooks) Ended(ctx *sim.Ctx, s gateway.SessionInfo) {
	for _, id := range h.c.opts.Directory.GuildsOf(s.UserID) {
		ctx.SendNamed(h.c.placement.NodeOf(id), ProcessName(id), SessionLeave{Session: s.PID})
	}
}

// ClientOp forwards op 14 (the user opened a guild) to that guild.
func (h *Hooks) ClientOp(ctx *sim.Ctx, s gateway.SessionInfo, p gateway.Payload) {
	if p.Op != gateway.OpGuildSubscriptions {
		return
	}
	d, ok := p.D.(gateway.GuildSubscriptions)
	if !ok || d.GuildID == 0 {
		return
	}
	ctx.SendNamed(h.c.placement.NodeOf(d.GuildID), ProcessName(d.GuildID), SessionOpen{Session: s.PID})
}
