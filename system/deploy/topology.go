package deploy

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// Topology is what a world is made of: the world's own settings, nodes by
// role, who is in it, and each component's options. Zero fields take the
// defaults in brackets; component options left zero take each package's
// documented defaults, and Deployment.Options says what was in effect.
type Topology struct {
	_ struct{} // keyed literals only

	// Seed is the root of every random stream of the world.
	Seed uint64
	// Start is the true time at which the world starts [sim.DefaultStart].
	Start sim.Time
	// Regions is the number of regions, named region-0, region-1, ...; the
	// nodes of each role are spread over them round robin [1].
	Regions int
	// Buggify turns the system's buggify points on (sim.Config.Buggify).
	Buggify bool
	// BuggifyActivatePercent and BuggifyFirePercent are sim.Config's (0:
	// sim's defaults): a test that studies one site makes it active and
	// fire often.
	BuggifyActivatePercent int
	BuggifyFirePercent     int
	// MaxEvents, StopAtEvent and StopAtTime are sim.Config's: the event
	// budget of the run and where an engineer freezes it to look.
	MaxEvents   uint64
	StopAtEvent uint64
	StopAtTime  sim.Duration

	// Nodes by role. A world with gateways also gets the control node
	// (node 0, the cluster's identify limiter: gateway.Options.LimiterNode
	// is node 0); one with clients gets client nodes.
	StoreNodes       int // storage nodes: a replica and a coordinator each
	GuildNodes       int // guild nodes: guild processes placed by the ring, a relay host
	GatewayNodes     int // gateway nodes: sessions, listener, fanout partitioner
	DataServiceNodes int // data-service nodes: one DataService each
	// ClientNodes are the nodes simulated devices run on [one per region
	// when the world has gateways or storage nodes, else none].
	ClientNodes int
	// Driver adds a node "driver" running the caller's driving process (a
	// scenario's API edge, a test's script): faults leave it alone. It is
	// spawned before the population's online clients.
	Driver *Driver
	// Extra are nodes the caller boots itself, added after every role's
	// and before the driver: a fake peer in a unit test (a gateway that
	// answers with one close code, a store that never replies).
	Extra []Extra

	// Who is in the world: either a generated Population, or Guilds and
	// Tokens given.
	Population Population
	// Guilds are the guilds' starting state (with Population: generated,
	// then passed to EditGuilds).
	Guilds []*guild.Spec
	// EditGuilds may change the generated guilds before the directory is
	// built (a larger guild, more roles).
	EditGuilds func(specs []*guild.Spec)
	// Tokens decide who may identify [with Population: a token per user,
	// TokenOf; else required when there are gateways].
	Tokens gateway.TokenTable

	// Component options. Fields the deployment wires (node lists, the
	// directory, hooks, tokens, recorder) are filled in by New; the rest
	// are the caller's.
	Gateway     gateway.Options
	Guild       guild.Options
	Replica     store.ReplicaOptions
	Coordinator store.CoordinatorOptions
	DataService store.DataServiceOptions
	Client      client.Config
	// ReadPath is where clients' history reads go [ReadCoordinators].
	ReadPath ReadPath
}

// Extra is a node the caller boots: Boot may be nil (an empty node for
// the caller to spawn processes on).
type Extra struct {
	Name string
	Boot func(ctx *sim.Ctx)
}

// Driver is the caller's process on the driver node.
type Driver struct {
	Name    string
	Handler sim.Handler
}

// ReadPath is where history reads go.
type ReadPath uint8

const (
	// ReadCoordinators sends each read straight to a storage node's
	// coordinator (the client tries them in order).
	ReadCoordinators ReadPath = iota
	// ReadDataServices sends each read to its channel's data-service
	// instance, which coalesces concurrent reads of a channel and caches
	// hot ones (Discord's data services, 2023). The guilds' writes go
	// through the same instances, so that each sees the writes of its
	// channels and invalidates its cache on them (read-your-writes through
	// the tier; store/dataservice.go).
	ReadDataServices
)

func (p ReadPath) String() string {
	switch p {
	case ReadCoordinators:
		return "coordinators"
	case ReadDataServices:
		return "data-services"
	}
	return fmt.Sprintf("ReadPath(%d)", uint8(p))
}

// ParseReadPath reads a ReadPath's name.
func ParseReadPath(s string) (ReadPath, error) {
	switch s {
	case "coordinators":
		return ReadCoordinators, nil
	case "data-services":
		return ReadDataServices, nil
	}
	return 0, fmt.Errorf("read path %q: must be coordinators or data-services", s)
}

// Bounds of a topology: what a run on one machine can hold.
const (
	MaxRegions    = 16
	MaxRoleNodes  = 1024
	MaxGuilds     = 10_000
	MaxChannels   = 500 // Discord's per-guild channel limit
	MaxMembers    = 1_000_000
	MaxExtraUsers = 1_000
)

// validate checks t's ranges and fills its defaults.
func (t *Topology) validate() error {
	if t.Start == 0 {
		t.Start = sim.DefaultStart
	}
	if t.Regions == 0 {
		t.Regions = 1
	}
	if t.Regions < 1 || t.Regions > MaxRegions {
		return fmt.Errorf("deploy: Topology.Regions %d: must be between 1 and %d", t.Regions, MaxRegions)
	}
	for _, r := range []struct {
		name string
		n    int
	}{{"StoreNodes", t.StoreNodes}, {"GuildNodes", t.GuildNodes}, {"GatewayNodes", t.GatewayNodes},
		{"DataServiceNodes", t.DataServiceNodes}, {"ClientNodes", t.ClientNodes}} {
		if r.n < 0 || r.n > MaxRoleNodes {
			return fmt.Errorf("deploy: Topology.%s %d: must be between 0 and %d", r.name, r.n, MaxRoleNodes)
		}
	}
	if t.GuildNodes > 0 && t.StoreNodes == 0 {
		return fmt.Errorf("deploy: Topology.GuildNodes %d: guilds persist messages, so the topology needs storage nodes", t.GuildNodes)
	}
	if t.DataServiceNodes > 0 && t.StoreNodes == 0 {
		return fmt.Errorf("deploy: Topology.DataServiceNodes %d: data services read from storage nodes, so the topology needs some", t.DataServiceNodes)
	}
	if t.ReadPath == ReadDataServices && t.DataServiceNodes == 0 {
		return fmt.Errorf("deploy: Topology.ReadPath %s: the topology has no data-service nodes", t.ReadPath)
	}
	if t.ReadPath > ReadDataServices {
		return fmt.Errorf("deploy: Topology.ReadPath %d: must be ReadCoordinators or ReadDataServices", t.ReadPath)
	}
	if t.ClientNodes == 0 && (t.GatewayNodes > 0 || t.StoreNodes > 0) {
		t.ClientNodes = t.Regions
	}
	p := &t.Population
	if p.generated() {
		if len(t.Guilds) > 0 {
			return fmt.Errorf("deploy: Topology: both Population and Guilds given: generate the guilds or list them, not both")
		}
		if err := p.validate(); err != nil {
			return err
		}
	} else if p.OnlinePercent != 0 || p.ExtraUsers != 0 {
		return fmt.Errorf("deploy: Topology.Population: OnlinePercent and ExtraUsers need Guilds, Channels and Members")
	}
	if t.GuildNodes == 0 && len(t.Guilds) > 0 {
		return fmt.Errorf("deploy: Topology.Guilds: %d guilds but no guild nodes to run them", len(t.Guilds))
	}
	return nil
}

// NodeNames returns the names of the nodes New would add for t, in order
// (the node IDs follow it), without building a world: for checking a
// fault schedule's node names before a run. t must be valid for New.
func (t Topology) NodeNames() ([]string, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	var names []string
	if t.GatewayNodes > 0 {
		names = append(names, "control")
	}
	for _, r := range []struct {
		prefix string
		n      int
	}{{"store", t.StoreNodes}, {"guild", t.GuildNodes}, {"gateway", t.GatewayNodes}, {"data-service", t.DataServiceNodes}, {"clients", t.ClientNodes}} {
		for i := range r.n {
			names = append(names, fmt.Sprintf("%s-%d", r.prefix, i))
		}
	}
	for _, e := range t.Extra {
		names = append(names, e.Name)
	}
	if t.Driver != nil {
		names = append(names, "driver")
	}
	return names, nil
}
