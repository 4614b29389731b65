package demo

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Options size the demo world. Zero fields take the defaults in brackets.
type Options struct {
	Seed uint64
	// Clients is the number of simulated users [2600]; each has a session
	// process on a gateway, so the world holds over 5,000 processes.
	Clients int
	// GuildsPerNode is the number of guild processes per guild node [10].
	GuildsPerNode int
	// Duration is the simulated run time [60s].
	Duration sim.Duration
	// NoFaults turns the fault schedule off.
	NoFaults bool
	// HeartbeatInterval [5s]: Discord's is 41.25 s; the demo beats faster so
	// that a short run is busy.
	HeartbeatInterval sim.Duration
	// Buggify turns buggify points on [true unless NoBuggify].
	NoBuggify bool
}

// Limits of Options, checked by Validate.
const (
	MaxClients  = 1_000_000
	MaxDuration = 24 * sim.Hour
)

// Validate fills defaults and rejects values out of range.
func (o *Options) Validate() error {
	if o.Clients == 0 {
		o.Clients = 2600
	}
	if o.GuildsPerNode == 0 {
		o.GuildsPerNode = 10
	}
	if o.Duration == 0 {
		o.Duration = 60 * sim.Second
	}
	if o.HeartbeatInterval == 0 {
		o.HeartbeatInterval = 5 * sim.Second
	}
	switch {
	case o.Clients < 1 || o.Clients > MaxClients:
		return fmt.Errorf("clients %d: must be between 1 and %d", o.Clients, MaxClients)
	case o.GuildsPerNode < 1 || o.GuildsPerNode > 1000:
		return fmt.Errorf("guilds per node %d: must be between 1 and 1000", o.GuildsPerNode)
	case o.Duration <= 0 || o.Duration > MaxDuration:
		return fmt.Errorf("duration %s: must be between 1ns and %s", o.Duration, MaxDuration)
	case o.HeartbeatInterval < 100*sim.Millisecond || o.HeartbeatInterval > 10*sim.Minute:
		return fmt.Errorf("heartbeat interval %s: must be between 100ms and 10m", o.HeartbeatInterval)
	}
	return nil
}

// Result is what one run produced.
type Result struct {
	Seed        uint64
	Events      uint64
	Elapsed     sim.Duration
	Fingerprint uint64
	Stats       sim.Stats
	Processes   int // live at the end
	Faults      []string
}

var regions = []string{"us-east", "eu-west", "ap-south"}

const (
	gatewayPort uint16 = 443
	voicePort   uint16 = 5000
	mediaPort   uint16 = 6000
)

// topology names every node the demo builds.
type topology struct {
	gateways [][]sim.NodeID // by region
	guilds   []sim.NodeID
	voice    []sim.NodeID // by region
	clients  [][]sim.NodeID
	all      []sim.NodeID
	opts     Options
}

// Build makes the world without running it.
func Build(o Options, cfg sim.Config) (*sim.World, *topology, error) {
	if err := o.Validate(); err != nil {
		return nil, nil, err
	}
	cfg.Seed = o.Seed
	cfg.Regions = regions
	cfg.Buggify = !o.NoBuggify
	cfg.Net.LinkTimeout = 5 * sim.Second
	cfg.Net.StreamTimeout = 10 * sim.Second
	cfg.Net.DatagramLossPPM = 10_000
	cfg.Net.DatagramDupPPM = 2_000
	cfg.Net.StreamLossPPM = 2_000
	w, err := sim.NewWorld(cfg)
	if err != nil {
		return nil, nil, err
	}
	t := &topology{opts: o, gateways: make([][]sim.NodeID, len(regions)), clients: make([][]sim.NodeID, len(regions))}
	add := func(c sim.NodeConfig) sim.NodeID {
		id := w.MustAddNode(c)
		t.all = append(t.all, id)
		return id
	}
	for r, region := range regions {
		for i := 0; i < 2; i++ {
			t.gateways[r] = append(t.gateways[r], add(sim.NodeConfig{
				Name: fmt.Sprintf("gateway-%s-%d", region, i), Region: region, Schedulers: 4,
				Boot: func(ctx *sim.Ctx) { ctx.Spawn("listener", &listener{topo: t}) },
			}))
		}
		for i := 0; i < 2; i++ {
			t.guilds = append(t.guilds, add(sim.NodeConfig{
				Name: fmt.Sprintf("guild-%s-%d", region, i), Region: region, Schedulers: 2,
				Boot: func(ctx *sim.Ctx) { bootGuildNode(ctx, o.GuildsPerNode) },
			}))
		}
		t.voice = append(t.voice, add(sim.NodeConfig{
			Name: "voice-" + region, Region: region,
			Boot: func(ctx *sim.Ctx) { ctx.Spawn("sfu", &sfu{topo: t}) },
		}))
		for i := 0; i < 2; i++ {
			t.clients[r] = append(t.clients[r], add(sim.NodeConfig{
				Name: fmt.Sprintf("clients-%s-%d", region, i), Region: region,
				Boot: func(ctx *sim.Ctx) { ctx.Spawn("media-sink", &mediaSink{}) },
			}))
		}
	}
	for i := 0; i < o.Clients; i++ {
		r := i % len(regions)
		node := t.clients[r][(i/len(regions))%len(t.clients[r])]
		w.Spawn(node, "client", &client{topo: t, user: i, region: r, speaker: i%97 == 0})
	}
	return w, t, nil
}

// Prepare builds the world and schedules its faults without running it,
// for tests that drive the world themselves (stop, read, resume). It fills
// o's defaults in its own copy: the caller runs the world for o.Duration
// after o.Validate().
func Prepare(o Options, cfg sim.Config) (*sim.World, []string, error) {
	w, t, err := Build(o, cfg)
	if err != nil {
		return nil, nil, err
	}
	var faults []string
	if !t.opts.NoFaults {
		faults = scheduleFaults(w, t)
	}
	return w, faults, nil
}

// Run builds the world, schedules faults and runs it for o.Duration.
func Run(o Options) (Result, error) {
	return RunConfig(o, sim.Config{}, nil)
}

// RunConfig is Run with extra world settings (stop points, budget) and a
// setup hook that runs before the first event (to set a trace sink).
func RunConfig(o Options, cfg sim.Config, setup func(*sim.World)) (Result, error) {
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	w, faults, err := Prepare(o, cfg)
	if err != nil {
		return Result{}, err
	}
	if setup != nil {
		setup(w)
	}
	err = w.RunFor(o.Duration)
	res := Result{
		Seed: o.Seed, Events: w.Events(), Elapsed: w.Elapsed(), Fingerprint: w.Fingerprint(),
		Stats: w.Stats(), Faults: faults,
	}
	for _, id := range w.Nodes() {
		res.Processes += len(w.NodeProcesses(id))
	}
	return res, err
}
