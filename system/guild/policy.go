package guild

import "slices"

// policy is what decides who may see and send in which channel: the owner,
// the roles' permissions and the channels' overwrites. It is immutable once
// built: a change builds a new one (copy on write), so the guild can hand the
// same *policy to its relays in a message without sharing mutable state, and
// a relay's copy is exactly the guild's at the point in the message stream
// where the change was made.
type policy struct {
	guildID  uint64
	ownerID  uint64
	everyone Permissions
	roles    map[uint64]Permissions // role ID -> permissions; lookups only
	roleIDs  []uint64               // the keys of roles, in the spec's order
	channels []Channel
	chanIdx  map[uint64]int // channel ID -> index in channels; lookups only
}

func newPolicy(s *Spec) *policy {
	p := &policy{guildID: s.ID, ownerID: s.Owner, everyone: s.Everyone,
		roles: make(map[uint64]Permissions, len(s.Roles)), chanIdx: make(map[uint64]int, len(s.Channels))}
	for _, r := range s.Roles {
		if _, dup := p.roles[r.ID]; !dup {
			p.roleIDs = append(p.roleIDs, r.ID)
		}
		p.roles[r.ID] = r.Permissions
	}
	for _, c := range s.Channels {
		p.chanIdx[c.ID] = len(p.channels)
		p.channels = append(p.channels, Channel{ID: c.ID, Overwrites: slices.Clone(c.Overwrites)})
	}
	return p
}

// clone copies p for a change. Maps are copied by looking up every key the
// slices name, never by ranging over them.
func (p *policy) clone() *policy {
	q := &policy{guildID: p.guildID, ownerID: p.ownerID, everyone: p.everyone,
		roles: make(map[uint64]Permissions, len(p.roles)), chanIdx: make(map[uint64]int, len(p.channels)),
		roleIDs: slices.Clone(p.roleIDs)}
	for _, id := range p.roleIDs {
		q.roles[id] = p.roles[id]
	}
	for i, c := range p.channels {
		q.chanIdx[c.ID] = i
		q.channels = append(q.channels, Channel{ID: c.ID, Overwrites: slices.Clone(c.Overwrites), Deleted: c.Deleted})
	}
	return q
}

func (p *policy) rolePerms(id uint64) Permissions { return p.roles[id] }

// channelPerms is user's permissions in channel index ch.
func (p *policy) channelPerms(user uint64, roles []uint64, ch int) Permissions {
	base := basePermissions(p.ownerID, user, p.everyone, roles, p.rolePerms)
	return channelPermissions(p.guildID, user, base, roles, &p.channels[ch])
}

// canView reports whether user may receive channel ch's messages.
func (p *policy) canView(user uint64, roles []uint64, ch int) bool {
	return p.channelPerms(user, roles, ch)&PermViewChannel != 0
}
