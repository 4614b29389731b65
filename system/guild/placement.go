package guild

import (
	"strconv"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/store"
)

// Registered names.
const (
	// PartitionerName is the per-node fanout partitioner on gateway nodes
	// (pernode.go).
	PartitionerName = "guild/partitioner"
	// RelayHostName is the process on each guild node that starts relays
	// and forwards the guilds' messages to them (relay.go).
	RelayHostName   = "guild/relay-host"
	guildNamePrefix = "guild/"
)

// ProcessName is the name a guild's process registers under on its node.
func ProcessName(guildID uint64) string { return guildNamePrefix + strconv.FormatUint(guildID, 10) }

// Placement says which guild node runs a guild: a consistent-hash ring of
// the guild nodes (store.Ring, 256 virtual nodes each), keyed by a hash of
// the guild ID, as Discord places guilds (reference §2). Every process
// computes the same answer from the same node list, with no lookup message:
// the reference's "ring lookup by request/reply cost 12 µs; 750 ms with a
// global constant" is why it is a shared constant here.
type Placement struct {
	ring  *store.Ring
	nodes []sim.NodeID
}

// NewPlacement builds the ring of nodes.
func NewPlacement(nodes []sim.NodeID) (*Placement, error) {
	r, err := store.NewRing(store.RingOptions{})
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if err := r.Add(n); err != nil {
			return nil, err
		}
	}
	return &Placement{ring: r, nodes: r.Nodes()}, nil
}

// NodeOf returns the node that runs guild id.
func (p *Placement) NodeOf(id uint64) sim.NodeID {
	n, ok := p.ring.Owner(store.Token(sim.Mix64(id ^ guildSalt)))
	sim.Assert(ok, "guild: placement on an empty ring")
	return n
}

// relayNode returns the node of a guild's relay i: relays go round the
// guild nodes starting after the guild's own, so a large guild's relays
// spread over every guild node (reference §2: "relays spread over nodes").
func (p *Placement) relayNode(home sim.NodeID, i int) sim.NodeID {
	k := 0
	for j, n := range p.nodes {
		if n == home {
			k = j
		}
	}
	return p.nodes[(k+1+i)%len(p.nodes)]
}

// guildSalt keeps guild tokens apart from the store's channel tokens.
const guildSalt = 0x3c6ef372fe94f82b
