package guild

// Permissions is Discord's permission bit set. Only the bits the simulation
// decides with are named; the numbers are the real ones.
type Permissions uint64

const (
	PermAdministrator      Permissions = 1 << 3 // bypasses every overwrite
	PermAddReactions       Permissions = 1 << 6
	PermViewChannel        Permissions = 1 << 10 // see the channel and receive its messages
	PermSendMessages       Permissions = 1 << 11
	PermManageMessages     Permissions = 1 << 13 // delete others' messages, bulk delete
	PermReadMessageHistory Permissions = 1 << 16

	// PermAll is what an administrator or the owner has.
	PermAll Permissions = 1<<50 - 1
)

// Role is a guild role. The @everyone role has the guild's ID.
type Role struct {
	ID          uint64
	Permissions Permissions
}

// OverwriteKind says whom an overwrite applies to.
type OverwriteKind uint8

const (
	OverwriteRole   OverwriteKind = 0 // Discord's type 0
	OverwriteMember OverwriteKind = 1 // Discord's type 1
)

// Overwrite is a channel permission overwrite: Allow and Deny for one role
// (the @everyone role included, by the guild's ID) or one member.
type Overwrite struct {
	ID    uint64
	Kind  OverwriteKind
	Allow Permissions
	Deny  Permissions
}

// Channel is a guild text channel and its overwrites.
type Channel struct {
	ID         uint64
	Overwrites []Overwrite
	// Deleted: nobody sees it any more (ChannelDelete); its index stays,
	// since the guild's queues and relays' policies are by index.
	Deleted bool
}

// basePermissions is a member's guild-level permissions, in the order
// Discord documents ("Permission Hierarchy"): the owner has everything; then
// @everyone's permissions OR'd with every role of the member; ADMINISTRATOR
// among them grants everything.
func basePermissions(ownerID, user uint64, everyone Permissions, roles []uint64, perms func(role uint64) Permissions) Permissions {
	if user == ownerID {
		return PermAll
	}
	p := everyone
	for _, r := range roles {
		p |= perms(r)
	}
	if p&PermAdministrator != 0 {
		return PermAll
	}
	return p
}

// channelPermissions applies ch's overwrites to base, in Discord's order:
// the @everyone overwrite (deny, then allow), then all of the member's role
// overwrites together (their denies OR'd and removed, then their allows OR'd
// and added), then the member's own overwrite (deny, then allow). An
// administrator bypasses overwrites. Without VIEW_CHANNEL every other
// channel permission is implicitly denied, as Discord does.
func channelPermissions(guildID, user uint64, base Permissions, roles []uint64, ch *Channel) Permissions {
	if ch.Deleted {
		return 0
	}
	if base&PermAdministrator != 0 {
		return PermAll
	}
	p := base
	var roleAllow, roleDeny Permissions
	var member *Overwrite
	for i := range ch.Overwrites {
		ow := &ch.Overwrites[i]
		switch {
		case ow.Kind == OverwriteRole && ow.ID == guildID:
			p = p&^ow.Deny | ow.Allow
		case ow.Kind == OverwriteMember && ow.ID == user:
			member = ow
		case ow.Kind == OverwriteRole && hasRole(roles, ow.ID):
			roleAllow |= ow.Allow
			roleDeny |= ow.Deny
		}
	}
	// The @everyone overwrite may come anywhere in the list; role and member
	// overwrites apply after it, which the accumulation above allows.
	p = p&^roleDeny | roleAllow
	if member != nil {
		p = p&^member.Deny | member.Allow
	}
	if p&PermViewChannel == 0 {
		return 0
	}
	return p
}

func hasRole(roles []uint64, id uint64) bool {
	for _, r := range roles {
		if r == id {
			return true
		}
	}
	return false
}
