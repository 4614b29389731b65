package scenarios

import (
	"slices"

	"github.com/guildsim/guildsim/scenarios/check"
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/guild"
)

// Removing and re-adding members, with the truth the checkers need
// (check.Truth.Removals, Access, Send, Manage). A workload calls Kick and
// Readd; Removed and Readded are the records underneath, for a workload
// that drives the guild itself.

// Kick makes the driver remove user from guild g (index in sw.Guilds) at
// elapsed time d (guild.MemberRemove: a kick or a ban; the guild drops its
// sessions). It revokes the user's grants of the guild's channels at d
// (the instant it is issued) and, when the guild's acknowledgement
// (guild.MemberRemoved) reaches the driver, records the removal
// (Removed) with that instant as its AckedAt: from then on
// check.RemovedGetsNothing requires that the user's sessions get nothing
// of the guild made after it, until a Readd.
func (sw *World) Kick(d sim.Duration, g int, user uint64) {
	gi := sw.Guilds[g]
	at := sim.DefaultStart.Add(d)
	for _, ch := range gi.Channels {
		sw.revoke(user, ch, at)
	}
	sw.ToGuild(d, g, guild.MemberRemove{User: user})
}

// Readd makes the driver add user back to guild g at elapsed time d with
// roles (guild.MemberAdd), ends the user's open removal from the guild at
// d (Readded), and grants the user the guild's channels from d +
// readdSettle, as the generated population's permissions give them: every
// channel but the first, private one to everyone; that one, and
// MANAGE_MESSAGES everywhere, with the guild's role (GuildInfo.Role).
// A session that identified before the re-adding does not get the guild
// back until it identifies again (guild.MemberAdd).
func (sw *World) Readd(d sim.Duration, g int, user uint64, roles []uint64) {
	gi := sw.Guilds[g]
	at := sim.DefaultStart.Add(d)
	sw.Readded(user, gi.ID, at)
	role := slices.Contains(roles, gi.Role)
	for c, ch := range gi.Channels {
		if c != 0 || role {
			sw.grant(user, ch, role, at.Add(readdSettle))
		}
	}
	sw.ToGuild(d, g, guild.MemberAdd{User: user, Roles: roles})
}

// readdSettle is how long after a re-adding is issued it is surely applied
// (the driver is one hop from the guild: a few ms without faults, GUESS).
const readdSettle = sim.Second

// Removed records that guild (an ID) acknowledged user's removal at
// ackedAt (true time): check.Truth.Removals gets {user, guild, ackedAt,
// Forever} until Readded ends it. Kick calls it for you.
func (sw *World) Removed(user, guild uint64, ackedAt sim.Time) {
	sw.removals = append(sw.removals, check.Removal{User: user, Guild: guild, AckedAt: ackedAt, Until: check.Forever})
}

// Readded ends user's open removals from guild at at (true time: when the
// re-adding was issued). Readd calls it for you. A removal whose
// acknowledgement comes after at (not recorded yet) is not ended: issue a
// re-adding only after the removal's acknowledgement.
func (sw *World) Readded(user, guild uint64, at sim.Time) {
	sw.pendingReadds = append(sw.pendingReadds, check.Removal{User: user, Guild: guild, Until: at})
}

// Removals returns the removals recorded, each ended by the first
// re-adding issued after its acknowledgement.
func (sw *World) Removals() []check.Removal {
	out := slices.Clone(sw.removals)
	for i := range out {
		for _, r := range sw.pendingReadds {
			if r.User == out[i].User && r.Guild == out[i].Guild && r.Until > out[i].AckedAt && r.Until < out[i].Until {
				out[i].Until = r.Until
			}
		}
	}
	return out
}

// onEdgeReply gets the guilds' answers to the driver (deploy.Edge.OnReply).
func (sw *World) onEdgeReply(msg any) {
	if m, ok := msg.(guild.MemberRemoved); ok {
		sw.Removed(m.User, m.Guild, sw.W.Now())
	}
}
