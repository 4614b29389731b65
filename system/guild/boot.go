package guild

import (
	"slices"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/store"
)

// Cluster is a validated Options with its placement: what the boot functions
// and hooks share.
type Cluster struct {
	opts      *Options
	placement *Placement
	guilds    []*Guild // the latest incarnation of each guild process, by Directory order
	guildIdx  map[uint64]int
	spawned   map[sim.NodeID]int // guild processes started on each node so far (all incarnations)
}

// NewCluster validates o and builds the placement.
func NewCluster(o *Options) (*Cluster, error) {
	if !o.validated {
		if err := o.Validate(); err != nil {
			return nil, err
		}
	}
	p, err := NewPlacement(o.GuildNodes)
	if err != nil {
		return nil, err
	}
	c := &Cluster{opts: o, placement: p, guildIdx: map[uint64]int{}, spawned: map[sim.NodeID]int{}}
	for i, id := range o.Directory.Guilds() {
		c.guildIdx[id] = i
	}
	c.guilds = make([]*Guild, len(c.guildIdx))
	return c, nil
}

// Placement returns the guild placement.
func (c *Cluster) Placement() *Placement { return c.placement }

// Guild returns the handler of guild id's current process (nil before its
// node booted), for benchmarks and operators' statistics; tests of
// behaviour read what clients recorded instead.
func (c *Cluster) Guild(id uint64) *Guild {
	if i, ok := c.guildIdx[id]; ok {
		return c.guilds[i]
	}
	return nil
}

// BootGuildNode is the boot function of a guild node: its relay host, and a
// process for each guild the ring places on it.
//
// Each guild process gets its own snowflake generator (see the package doc,
// "Message IDs"): worker = the node's index in Options.GuildNodes mod 32,
// process = the number of guild processes started on this node before it
// (counting earlier incarnations, so a restarted node's processes get new
// process bits) mod 32.
func (c *Cluster) BootGuildNode(ctx *sim.Ctx) {
	ctx.Spawn(RelayHostName, &relayHost{c: c})
	worker := slices.Index(c.opts.GuildNodes, ctx.Node()) & store.MaxWorker
	for _, id := range c.opts.Directory.Guilds() {
		if c.placement.NodeOf(id) != ctx.Node() {
			continue
		}
		spec, _ := c.opts.Directory.Spec(id)
		process := c.spawned[ctx.Node()] & store.MaxProcess
		c.spawned[ctx.Node()]++
		gen, err := store.NewGenerator(store.GeneratorOptions{Worker: worker, Process: process})
		sim.Assert(err == nil, "guild: generator fields are masked to 5 bits")
		g := newGuild(c, spec, gen)
		c.guilds[c.guildIdx[id]] = g
		ctx.Spawn(ProcessName(id), g)
	}
}

// BootGatewayNode wraps a gateway node's boot function (gateway.Boot's):
// it also starts the node's fanout partitioner and its workers.
func (c *Cluster) BootGatewayNode(gatewayBoot func(*sim.Ctx)) func(*sim.Ctx) {
	return func(ctx *sim.Ctx) {
		gatewayBoot(ctx)
		ctx.Spawn(PartitionerName, &partitioner{o: c.opts})
	}
}
