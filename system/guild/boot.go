package guild

import (
	"encoding/binary"
	"slices"
	"strconv"

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
		floor := readIDFloor(ctx, id)
		sim.Sometimes(ctx, "guild/restart-found-id-floor", floor > 0)
		gen, err := store.NewGenerator(store.GeneratorOptions{Worker: worker, Process: process, FloorMillis: floor})
		sim.Assert(err == nil, "guild: generator fields are masked to 5 bits")
		g := newGuild(c, spec, gen)
		g.reserved = floor
		c.guilds[c.guildIdx[id]] = g
		ctx.Spawn(ProcessName(id), g)
	}
}

// Message IDs across restarts: a restarted guild gets a new generator
// (new process bits) whose clock may read earlier than the last ID its
// previous incarnation minted (clock skew, a jump back, drift), and an ID
// below one already acknowledged breaks the channel's order. So the guild
// reserves time ahead: before it mints an ID at or past its reservation, it
// writes a new one (the ID's millisecond + idReserveAhead) to its node's
// disk and syncs it; a restarted guild mints only above the reservation it
// finds. One sync per idReserveAhead of minting.
const idReserveAhead = 10_000 // ms, GUESS

// idFloorFile names guild id's reservation file.
func idFloorFile(id uint64) string { return "guild-" + strconv.FormatUint(id, 10) + ".idfloor" }

// readIDFloor returns guild id's persisted reservation (0 if none).
func readIDFloor(ctx *sim.Ctx, id uint64) int64 {
	b, ok := ctx.Disk().ReadFile(idFloorFile(id))
	if !ok || len(b) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// reserveIDs persists a reservation past ms if ms reaches the current one.
func (g *Guild) reserveIDs(ctx *sim.Ctx, ms int64) {
	if ms < g.reserved {
		return
	}
	g.reserved = ms + idReserveAhead
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(g.reserved))
	d := ctx.Disk()
	d.WriteFile(idFloorFile(g.id), b[:])
	d.Sync(idFloorFile(g.id))
}

// BootGatewayNode wraps a gateway node's boot function (gateway.Boot's):
// it also starts the node's fanout partitioner and its workers.
func (c *Cluster) BootGatewayNode(gatewayBoot func(*sim.Ctx)) func(*sim.Ctx) {
	return func(ctx *sim.Ctx) {
		gatewayBoot(ctx)
		ctx.Spawn(PartitionerName, &partitioner{o: c.opts})
	}
}
