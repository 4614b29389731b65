package deploy

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// Population generates guilds and their members, the shape every scenario
// starts from: Guilds guilds of Channels channels and Members members each;
// consecutive guilds share a quarter of their members (guild g's members
// are users g*stride .. g*stride+Members-1, stride = 3/4 of Members), so a
// user's session carries several guilds. Each guild has one role, held by
// every other member (the 0th, 2nd, ...), and channel 0 is private to it:
// @everyone is denied VIEW_CHANNEL there and the role allowed it. Everyone
// may view, send and read history everywhere else.
type Population struct {
	_ struct{}

	Guilds   int // [0: no generated population]
	Channels int // per guild
	Members  int // per guild
	// OnlinePercent of the users get a client at the start, drawn from the
	// seed; the others are offline [0: none].
	OnlinePercent int
	// ExtraUsers have tokens but are in no guild at the start (a celebrity
	// who joins later).
	ExtraUsers int
}

func (p Population) generated() bool { return p.Guilds != 0 || p.Channels != 0 || p.Members != 0 }

func (p Population) validate() error {
	switch {
	case p.Guilds < 1 || p.Guilds > MaxGuilds:
		return fmt.Errorf("deploy: Population.Guilds %d: must be between 1 and %d", p.Guilds, MaxGuilds)
	case p.Channels < 1 || p.Channels > MaxChannels:
		return fmt.Errorf("deploy: Population.Channels %d: must be between 1 and %d", p.Channels, MaxChannels)
	case p.Members < 1 || p.Members > MaxMembers:
		return fmt.Errorf("deploy: Population.Members %d: must be between 1 and %d", p.Members, MaxMembers)
	case p.OnlinePercent < 0 || p.OnlinePercent > 100:
		return fmt.Errorf("deploy: Population.OnlinePercent %d: must be between 0 and 100", p.OnlinePercent)
	case p.ExtraUsers < 0 || p.ExtraUsers > MaxExtraUsers:
		return fmt.Errorf("deploy: Population.ExtraUsers %d: must be between 0 and %d", p.ExtraUsers, MaxExtraUsers)
	}
	return nil
}

// stride is how far apart consecutive guilds' member windows start.
func (p Population) stride() int { return max(1, p.Members*3/4) }

// Users is the number of distinct users in the guilds.
func (p Population) Users() int { return (p.Guilds-1)*p.stride() + p.Members }

// Member returns the user ID of member i of guild g.
func (p Population) Member(g, i int) uint64 { return UserID(g*p.stride() + i) }

// ExtraUser returns the user ID of extra user k (0 <= k < ExtraUsers).
func (p Population) ExtraUser(k int) uint64 { return UserID(p.Users() + k) }

// HasRole says whether member i of a guild holds the guild's role.
func HasRole(memberIdx int) bool { return memberIdx%2 == 0 }

// IDBase is an ID minted a day before the default start: guild, channel,
// role and user IDs must not be in the store's future.
var IDBase = uint64(store.MinIDAt(sim.DefaultStart.Add(-24 * sim.Hour)))

// UserID is user u's ID; GuildID guild g's. A guild's channels follow its
// ID (GuildID+1+c) and its role is GuildID+50.
func UserID(u int) uint64  { return IDBase + 1_000_000 + uint64(u) }
func GuildID(g int) uint64 { return IDBase + 1 + uint64(g)*100 }

// RoleOf returns the role of generated guild id.
func RoleOf(guildID uint64) uint64 { return guildID + 50 }

// TokenOf is the token a generated user identifies with.
func TokenOf(user uint64) string { return fmt.Sprintf("token-%d", user) }

// Specs generates the guilds.
func (p Population) Specs() []*guild.Spec {
	// Everyone may react; the role's holders (every other member) may
	// also delete others' messages and bulk delete, so that the lifecycle
	// workload meets both answers of the MANAGE_MESSAGES check.
	everyone := guild.PermViewChannel | guild.PermSendMessages | guild.PermReadMessageHistory | guild.PermAddReactions
	owner := UserID(p.Users() + 1_000)
	specs := make([]*guild.Spec, 0, p.Guilds)
	for g := range p.Guilds {
		id := GuildID(g)
		role := RoleOf(id)
		spec := &guild.Spec{ID: id, Owner: owner, Everyone: everyone, Roles: []guild.Role{{ID: role, Permissions: guild.PermManageMessages}}}
		for c := range p.Channels {
			ch := guild.Channel{ID: id + 1 + uint64(c)}
			if c == 0 {
				ch.Overwrites = []guild.Overwrite{
					{ID: id, Kind: guild.OverwriteRole, Deny: guild.PermViewChannel},
					{ID: role, Kind: guild.OverwriteRole, Allow: guild.PermViewChannel},
				}
			}
			spec.Channels = append(spec.Channels, ch)
		}
		for i := range p.Members {
			m := guild.Member{User: p.Member(g, i)}
			if HasRole(i) {
				m.Roles = []uint64{role}
			}
			spec.Members = append(spec.Members, m)
		}
		specs = append(specs, spec)
	}
	return specs
}
