package guild

import (
	"fmt"
	"slices"
)

// Spec is a guild's state when its process starts: what a real guild
// process loads from the database. The @everyone role is Everyone (its ID is
// the guild's ID); Roles are the others.
type Spec struct {
	ID       uint64 // snowflake
	Owner    uint64 // the owner has every permission
	Everyone Permissions
	Roles    []Role
	Channels []Channel
	Members  []Member
}

// Member is one member of a guild: a user and the roles it has (not
// counting @everyone, which everyone has).
type Member struct {
	User  uint64
	Roles []uint64
}

// Directory is the world's guild data as the system's processes read it at
// start: which guilds exist, their state, and which guilds a user is in (for
// the gateway hook, which must tell a new session's guilds about it). It is
// shared read-only by every process, as gateway.TokenTable is; changes after
// the start go to guild processes as messages, and the guild process is
// then the truth.
type Directory interface {
	// Guilds returns every guild's ID, in a fixed order.
	Guilds() []uint64
	// Spec returns a guild's starting state.
	Spec(id uint64) (*Spec, bool)
	// GuildsOf returns the guilds user is a member of at the start.
	GuildsOf(user uint64) []uint64
}

// StaticDirectory is a Directory held in memory, built from specs.
type StaticDirectory struct {
	ids    []uint64
	specs  map[uint64]*Spec    // lookups only
	byUser map[uint64][]uint64 // lookups only
}

// NewStaticDirectory indexes specs; it rejects a duplicate guild ID or a
// guild ID of 0.
func NewStaticDirectory(specs []*Spec) (*StaticDirectory, error) {
	d := &StaticDirectory{specs: map[uint64]*Spec{}, byUser: map[uint64][]uint64{}}
	for i, s := range specs {
		if s.ID == 0 {
			return nil, fmt.Errorf("guild: specs[%d].ID 0: a guild needs a snowflake", i)
		}
		if _, dup := d.specs[s.ID]; dup {
			return nil, fmt.Errorf("guild: specs[%d].ID %d: listed twice", i, s.ID)
		}
		d.ids = append(d.ids, s.ID)
		d.specs[s.ID] = s
		for _, m := range s.Members {
			d.byUser[m.User] = append(d.byUser[m.User], s.ID)
		}
	}
	return d, nil
}

// Guilds implements Directory.
func (d *StaticDirectory) Guilds() []uint64 { return slices.Clone(d.ids) }

// Spec implements Directory.
func (d *StaticDirectory) Spec(id uint64) (*Spec, bool) {
	s, ok := d.specs[id]
	return s, ok
}

// GuildsOf implements Directory.
func (d *StaticDirectory) GuildsOf(user uint64) []uint64 { return d.byUser[user] }
