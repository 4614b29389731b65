package guild

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/store"
)

// Fanout names how a guild's events reach its sessions (see doc.go).
type Fanout uint8

const (
	// FanoutDirect: the guild sends one message per session.
	FanoutDirect Fanout = iota + 1
	// FanoutPerNode (Manifold): the guild sends one message per gateway
	// node, to the node's partitioner, which splits it over its workers.
	FanoutPerNode
	// FanoutRelays: the guild sends one message per relay; relays of up to
	// RelayCapacity sessions check permissions and send.
	FanoutRelays
)

func (f Fanout) String() string {
	switch f {
	case FanoutDirect:
		return "direct"
	case FanoutPerNode:
		return "per-node"
	case FanoutRelays:
		return "relays"
	}
	return "unknown"
}

// Options configure every guild process of a world (shared, read-only once
// validated). Zero fields take the defaults in brackets.
type Options struct {
	_ struct{} // keyed literals only

	// Directory holds the guilds' starting state (required).
	Directory Directory
	// GuildNodes are the nodes guild processes and relays run on, placed by
	// a consistent-hash ring (required).
	GuildNodes []sim.NodeID
	// StoreCoordinators are the storage nodes whose coordinators the guilds
	// write messages through (required).
	StoreCoordinators []sim.NodeID
	// StoreDataServices, when set, carries the guilds' writes instead:
	// each goes to its channel's data-service instance, which forwards it
	// to a coordinator and, seeing its answer, invalidates the channel's
	// cached page. Readers that go through the data services need the
	// writes to go there too: a write that bypasses the tier is missed by
	// its cache for up to the cache's TTL.
	StoreDataServices *store.DataServiceRouter
	// StoreTimeout is the guild's own timeout on a store write [store's
	// client default, 10 s].
	StoreTimeout sim.Duration
	// WriteConsistency is the level messages are stored at [QUORUM, as
	// Discord runs it]. ONE is legitimate but unsafe: an acknowledged
	// message may live on one replica, and a QUORUM read that misses it
	// shows a channel without it (the checkers say so).
	WriteConsistency store.Consistency

	// Fanout is the strategy [FanoutDirect]. RelaysPerNode makes relays
	// send through the gateway nodes' partitioners instead of one message
	// per session (the two combined).
	Fanout        Fanout
	RelaysPerNode bool
	// RelayCapacity bounds the sessions of one relay [15,000: "up to 15,000
	// connected sessions per relay", reference §2 [2nd]].
	RelayCapacity int
	// MaxRelays bounds a guild's relays [1,000: 15M sessions].
	MaxRelays int
	// PassiveThreshold: in a guild with more members than this, a session
	// starts passive and gets only CHANNEL_UNREAD (once per channel until
	// opened) and the messages that mention its user, until the user opens
	// the guild (op 14) [0 = passive sessions off; Discord uses 75,000 for
	// its unsubscribed-client rule, reference §1].
	PassiveThreshold int
	// Workers is the number of worker processes of each gateway node's
	// partitioner: Manifold "splits by core count" [4, sim's default
	// schedulers per node].
	Workers int

	// SendCost is the CPU a process declares per message it sends to a
	// session, a partitioner, a worker or a relay [50 µs: send/2 cost
	// 30-70 µs in 2017, reference §2].
	SendCost sim.Duration
	// RecipientCost is the CPU per recipient for work short of a send:
	// checking one session's permissions, putting a PID in a node's batch
	// [1 µs, GUESS: a few map lookups and an append].
	RecipientCost sim.Duration
	// SendChunk is how many sends a process makes per handler run before
	// it lets other messages in and continues [20, GUESS: 20 x 50 µs = 1 ms,
	// about a BEAM process's time slice of 4000 reductions].
	SendChunk int
	// RequestCost is the CPU of handling one request (a message create, a
	// member change, a session join) before any sends [10 µs, GUESS].
	RequestCost sim.Duration
	// MaxPendingWrites bounds messages awaiting the store per guild;
	// beyond it CreateMessage gets ErrOverloaded [1024, the store client's
	// MaxPending].
	MaxPendingWrites int

	validated bool
}

// Option defaults.
const (
	DefaultRelayCapacity    = 15_000
	DefaultMaxRelays        = 1_000
	DefaultWorkers          = 4
	DefaultSendCost         = 50 * sim.Microsecond
	DefaultRecipientCost    = 1 * sim.Microsecond
	DefaultRequestCost      = 10 * sim.Microsecond
	DefaultSendChunk        = 20
	DefaultMaxPendingWrites = 1024
)

// Validate fills defaults and rejects values out of range, naming the field.
func (o *Options) Validate() error {
	if o.Directory == nil {
		return fmt.Errorf("guild: Options.Directory: required")
	}
	if len(o.GuildNodes) == 0 {
		return fmt.Errorf("guild: Options.GuildNodes: empty: list at least one node")
	}
	if len(o.StoreCoordinators) == 0 {
		return fmt.Errorf("guild: Options.StoreCoordinators: empty: list at least one storage node")
	}
	if o.StoreTimeout == 0 {
		o.StoreTimeout = store.DefaultClientTimeout
	}
	if o.Fanout == 0 {
		o.Fanout = FanoutDirect
	}
	defInt := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	defDur := func(p *sim.Duration, v sim.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	defInt(&o.RelayCapacity, DefaultRelayCapacity)
	defInt(&o.MaxRelays, DefaultMaxRelays)
	defInt(&o.Workers, DefaultWorkers)
	defInt(&o.MaxPendingWrites, DefaultMaxPendingWrites)
	defInt(&o.SendChunk, DefaultSendChunk)
	defDur(&o.SendCost, DefaultSendCost)
	defDur(&o.RecipientCost, DefaultRecipientCost)
	defDur(&o.RequestCost, DefaultRequestCost)
	switch {
	case o.Fanout < FanoutDirect || o.Fanout > FanoutRelays:
		return fmt.Errorf("guild: Options.Fanout %d: must be FanoutDirect, FanoutPerNode or FanoutRelays", o.Fanout)
	case o.RelayCapacity < 1 || o.RelayCapacity > 10_000_000:
		return fmt.Errorf("guild: Options.RelayCapacity %d: must be between 1 and 10000000", o.RelayCapacity)
	case o.MaxRelays < 1 || o.MaxRelays > 100_000:
		return fmt.Errorf("guild: Options.MaxRelays %d: must be between 1 and 100000", o.MaxRelays)
	case o.Workers < 1 || o.Workers > 1024:
		return fmt.Errorf("guild: Options.Workers %d: must be between 1 and 1024", o.Workers)
	case o.SendChunk < 1 || o.SendChunk > 1<<20:
		return fmt.Errorf("guild: Options.SendChunk %d: must be between 1 and %d", o.SendChunk, 1<<20)
	case o.PassiveThreshold < 0:
		return fmt.Errorf("guild: Options.PassiveThreshold %d: must be 0 (off) or positive", o.PassiveThreshold)
	case o.MaxPendingWrites < 1 || o.MaxPendingWrites > 1<<20:
		return fmt.Errorf("guild: Options.MaxPendingWrites %d: must be between 1 and %d", o.MaxPendingWrites, 1<<20)
	case o.SendCost < 0 || o.RecipientCost < 0 || o.RequestCost < 0:
		return fmt.Errorf("guild: Options.SendCost %s, RecipientCost %s, RequestCost %s: must not be negative", o.SendCost, o.RecipientCost, o.RequestCost)
	case o.StoreTimeout < sim.Millisecond:
		return fmt.Errorf("guild: Options.StoreTimeout %s: must be at least 1ms", o.StoreTimeout)
	}
	o.validated = true
	return nil
}
