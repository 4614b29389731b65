package deploy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// Deployment is a topology made real: the world, its nodes by role, the
// options every component runs with, and the clients added so far.
type Deployment struct {
	World    *sim.World
	Topology Topology // as validated, defaults filled in

	Regions      []string
	Control      sim.NodeID   // the identify limiter's node (NoNode without gateways)
	Store        []sim.NodeID // storage nodes: store-0, ...
	Guild        []sim.NodeID // guild nodes: guild-0, ...
	Gateways     []sim.NodeID // gateway nodes: gateway-0, ...
	DataServices []sim.NodeID // data-service nodes: data-service-0, ...
	ClientNodes  []sim.NodeID // client nodes: clients-0, ...
	Extra        []sim.NodeID // Topology.Extra's nodes, in order
	Driver       sim.NodeID   // "driver" (NoNode unless Topology.Driver)
	DriverPID    sim.PID      // Topology.Driver's process

	// Cluster is the guild tier (nil without guild nodes); Router places
	// channels on data services (nil without them).
	Cluster *guild.Cluster
	Router  *store.DataServiceRouter
	// Recorder holds what every client did and saw.
	Recorder *client.Recorder
	// Options are the options in effect, defaults filled in: what checkers
	// judge against.
	Options Options

	// Users are the generated population's users, in ID order (nil for
	// guilds given as specs).
	Users []uint64
	// Clients are the clients added so far, by client id.
	Clients []Client

	gatewayURLs []gateway.GatewayURL
	replicas    map[sim.NodeID]*store.Replica
	coords      map[sim.NodeID]*store.Coordinator
	services    map[sim.NodeID]*store.DataService
}

// Options are the options each component of a deployment runs with.
type Options struct {
	Gateway     gateway.Options
	Guild       guild.Options
	Replica     store.ReplicaOptions
	Coordinator store.CoordinatorOptions
	DataService store.DataServiceOptions
	Client      client.Config
	ReadPath    ReadPath
}

// Client is one simulated device of the deployment.
type Client struct {
	User   uint64
	PID    sim.PID
	Node   sim.NodeID
	Client *client.Client
}

// New builds the world t describes. Nodes are added in a fixed order
// (control, storage, guild, gateway, data-service, client, extra nodes,
// driver),
// so that a topology always gives the same node IDs and names, and so the
// same run for the same seed.
func New(t Topology) (*Deployment, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	d := &Deployment{Topology: t, Control: sim.NoNode, Driver: sim.NoNode,
		replicas: map[sim.NodeID]*store.Replica{}, coords: map[sim.NodeID]*store.Coordinator{},
		services: map[sim.NodeID]*store.DataService{}}
	for i := range t.Regions {
		d.Regions = append(d.Regions, fmt.Sprintf("region-%d", i))
	}
	w, err := sim.NewWorld(sim.Config{Seed: t.Seed, Start: t.Start, Regions: d.Regions, Buggify: t.Buggify,
		BuggifyActivatePercent: t.BuggifyActivatePercent, BuggifyFirePercent: t.BuggifyFirePercent,
		MaxEvents: t.MaxEvents, StopAtEvent: t.StopAtEvent, StopAtTime: t.StopAtTime})
	if err != nil {
		return nil, err
	}
	d.World = w
	w.DeclareCoverage(CoverageSites()...)
	d.Recorder = client.NewRecorder(w.Now)
	for _, r := range roles {
		if err := r(d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// role adds one kind of node to a deployment under construction. New runs
// them in this order; a new subsystem registers its role here, and its
// options in Topology and Options.
var roles = []func(d *Deployment) error{
	addPopulation,
	addControl,
	addStore,
	addGuilds,
	addGateways,
	addDataServices,
	addClientNodes,
	addExtra,
	addDriver,
	addOnlineClients,
}

// region returns the region of the i-th node of a role.
func (d *Deployment) region(i int) string { return d.Regions[i%len(d.Regions)] }

func (d *Deployment) addNodes(prefix string, n int, boot func(*sim.Ctx)) []sim.NodeID {
	var ids []sim.NodeID
	for i := range n {
		ids = append(ids, d.World.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("%s-%d", prefix, i), Region: d.region(i), Boot: boot}))
	}
	return ids
}

// addPopulation generates the guilds and tokens of a Population.
func addPopulation(d *Deployment) error {
	t := &d.Topology
	p := t.Population
	if !p.generated() {
		return nil
	}
	t.Guilds = p.Specs()
	if t.EditGuilds != nil {
		t.EditGuilds(t.Guilds)
	}
	for u := range p.Users() {
		d.Users = append(d.Users, UserID(u))
	}
	if t.Tokens == nil {
		t.Tokens = populationTokens(p.Users() + p.ExtraUsers)
	}
	return nil
}

// populationTokens knows TokenOf(UserID(u)) for u < users, without a map
// of a million entries.
func populationTokens(users int) gateway.TokenFunc {
	return func(token string) (gateway.TokenInfo, bool) {
		n, ok := strings.CutPrefix(token, "token-")
		if !ok {
			return gateway.TokenInfo{}, false
		}
		id, err := strconv.ParseUint(n, 10, 64)
		if err != nil || id < UserID(0) || id >= UserID(users) || TokenOf(id) != token {
			return gateway.TokenInfo{}, false
		}
		return gateway.TokenInfo{UserID: id}, true
	}
}

// addControl adds the control node with the identify limiter. It is node
// 0 because gateway.Options.LimiterNode's zero value names node 0.
func addControl(d *Deployment) error {
	t := &d.Topology
	if t.GatewayNodes == 0 {
		return nil
	}
	if t.Tokens == nil {
		return fmt.Errorf("deploy: Topology.Tokens: a topology with gateways needs tokens (or a Population)")
	}
	d.Options.Gateway = t.Gateway
	d.Options.Gateway.Tokens = t.Tokens
	d.Options.Gateway.LimiterNode = 0
	lb, err := gateway.BootLimiter(&d.Options.Gateway)
	if err != nil {
		return err
	}
	d.Control = d.World.MustAddNode(sim.NodeConfig{Name: "control", Region: d.region(0), Boot: lb})
	sim.Assert(d.Control == d.Options.Gateway.LimiterNode, "deploy: the control node is the first node")
	return nil
}

// addStore adds the storage nodes: a replica and a coordinator on each.
// The options are checked here, where an error can be returned; the boot
// function runs at every (re)start and keeps the current incarnations.
func addStore(d *Deployment) error {
	t := &d.Topology
	if t.StoreNodes == 0 {
		return nil
	}
	var err error
	if d.Options.Replica, err = t.Replica.Effective(); err != nil {
		return err
	}
	co := t.Coordinator
	co.Nodes = make([]sim.NodeID, t.StoreNodes) // placeholders: the count is what is checked
	for i := range co.Nodes {
		co.Nodes[i] = sim.NodeID(i)
	}
	if _, err = co.Effective(); err != nil {
		return err
	}
	boot := func(ctx *sim.Ctx) {
		rep, err := store.NewReplica(d.Options.Replica)
		sim.Assert(err == nil, "deploy: replica options were checked")
		coord, err := store.NewCoordinator(d.Options.Coordinator)
		sim.Assert(err == nil, "deploy: coordinator options were checked")
		d.replicas[ctx.Node()], d.coords[ctx.Node()] = rep, coord
		ctx.Spawn(d.Options.Replica.Name, rep)
		ctx.Spawn(d.Options.Coordinator.Name, coord)
	}
	d.Store = d.addNodes("store", t.StoreNodes, boot)
	co.Nodes = d.Store
	d.Options.Coordinator, err = co.Effective()
	return err
}

// addGuilds adds the guild nodes and the guild cluster over them.
func addGuilds(d *Deployment) error {
	t := &d.Topology
	if t.GuildNodes == 0 {
		return nil
	}
	dir, err := guild.NewStaticDirectory(t.Guilds)
	if err != nil {
		return err
	}
	// Guild nodes boot when the world runs, by which time the cluster,
	// which needs their IDs, exists.
	d.Guild = d.addNodes("guild", t.GuildNodes, func(ctx *sim.Ctx) { d.Cluster.BootGuildNode(ctx) })
	d.Options.Guild = t.Guild
	o := &d.Options.Guild
	o.Directory, o.GuildNodes, o.StoreCoordinators = dir, d.Guild, d.Store
	if t.ReadPath == ReadDataServices {
		// Readers at the data services need the guilds' writes to pass
		// there too, or an instance's cache misses them for up to its
		// TTL. The router gets its nodes when they are added, below.
		o.StoreDataServices = d.router()
	}
	if d.Cluster, err = guild.NewCluster(o); err != nil {
		return err
	}
	return nil
}

// router returns the data-service router, made empty the first time:
// the guilds need it before the data-service nodes exist.
func (d *Deployment) router() *store.DataServiceRouter {
	if d.Router == nil {
		r, err := store.NewDataServiceRouter(store.DataServiceRouterOptions{Name: d.Topology.DataService.Name})
		sim.Assert(err == nil, "deploy: default router options are valid")
		d.Router = r
	}
	return d.Router
}

// addGateways adds the gateway nodes (with the guild tier's fanout
// partitioner when there is one).
func addGateways(d *Deployment) error {
	t := &d.Topology
	if t.GatewayNodes == 0 {
		return nil
	}
	o := &d.Options.Gateway
	if d.Cluster != nil {
		o.Hooks = d.Cluster.Hooks()
	}
	gb, err := gateway.Boot(o)
	if err != nil {
		return err
	}
	if d.Cluster != nil {
		gb = d.Cluster.BootGatewayNode(gb)
	}
	d.Gateways = d.addNodes("gateway", t.GatewayNodes, gb)
	for _, id := range d.Gateways {
		d.gatewayURLs = append(d.gatewayURLs, gateway.GatewayURL{Node: id, Port: o.Port})
	}
	return nil
}

// addDataServices adds the data-service nodes and the router that places
// channels on them.
func addDataServices(d *Deployment) error {
	t := &d.Topology
	if t.DataServiceNodes == 0 {
		return nil
	}
	o := t.DataService
	o.Coordinators = d.Store
	var err error
	if d.Options.DataService, err = o.Effective(); err != nil {
		return err
	}
	boot := func(ctx *sim.Ctx) {
		ds, err := store.NewDataService(d.Options.DataService)
		sim.Assert(err == nil, "deploy: data-service options were checked")
		d.services[ctx.Node()] = ds
		ctx.Spawn(d.Options.DataService.Name, ds)
	}
	d.DataServices = d.addNodes("data-service", t.DataServiceNodes, boot)
	d.router()
	for _, n := range d.DataServices {
		if err := d.Router.Add(n); err != nil {
			return err
		}
	}
	return nil
}

// addClientNodes adds the nodes devices run on and the clients' shared
// configuration: where they dial, where they post, where they read.
func addClientNodes(d *Deployment) error {
	t := &d.Topology
	d.ClientNodes = d.addNodes("clients", t.ClientNodes, nil)
	d.Options.ReadPath = t.ReadPath
	if len(d.gatewayURLs) == 0 {
		return nil
	}
	c := &d.Options.Client
	*c = t.Client
	c.Gateways, c.Recorder = d.gatewayURLs, d.Recorder
	if d.Cluster != nil {
		c.Guilds = d.Cluster.Placement()
	}
	switch t.ReadPath {
	case ReadCoordinators:
		c.Store = d.Store
	case ReadDataServices:
		c.DataServices = d.Router
	}
	return c.Validate()
}

func addExtra(d *Deployment) error {
	for i, e := range d.Topology.Extra {
		if e.Name == "" {
			return fmt.Errorf("deploy: Topology.Extra[%d]: needs a name", i)
		}
		d.Extra = append(d.Extra, d.World.MustAddNode(sim.NodeConfig{Name: e.Name, Region: d.region(i), Boot: e.Boot}))
	}
	return nil
}

func addDriver(d *Deployment) error {
	dr := d.Topology.Driver
	if dr == nil {
		return nil
	}
	if dr.Name == "" || dr.Handler == nil {
		return fmt.Errorf("deploy: Topology.Driver: needs a process name and a handler")
	}
	d.Driver = d.World.MustAddNode(sim.NodeConfig{Name: "driver", Region: d.region(0)})
	d.DriverPID = d.World.Spawn(d.Driver, dr.Name, dr.Handler)
	return nil
}

// addOnlineClients starts a client for OnlinePercent of the population's
// users, drawn from the seed.
func addOnlineClients(d *Deployment) error {
	p := d.Topology.Population
	if !p.generated() || p.OnlinePercent == 0 {
		return nil
	}
	if len(d.gatewayURLs) == 0 {
		return fmt.Errorf("deploy: Population.OnlinePercent %d: online users need gateway nodes", p.OnlinePercent)
	}
	// The stream keeps the name it had when scenarios built worlds, so
	// that a seed still starts the same users.
	r := sim.NewRand(sim.DeriveSeed(d.Topology.Seed, "scenarios/topology"))
	users := p.Users()
	for _, u := range r.Perm(users) {
		if len(d.Clients)*100 >= users*p.OnlinePercent {
			break
		}
		d.AddUser(UserID(u))
	}
	return nil
}

// AddUser starts a client for a generated user (token TokenOf(user)),
// dialling gateways round robin by client id, on the client node of its
// first gateway's index, and returns the client's id.
func (d *Deployment) AddUser(user uint64) uint32 {
	id := uint32(len(d.Clients))
	gw := int(id) % len(d.Gateways)
	return d.AddClient(user, client.Device{Token: TokenOf(user), Gateway: gw})
}

// AddClient starts a client for user with device dev, on client node
// (dev.Gateway mod the client nodes), and returns its id.
func (d *Deployment) AddClient(user uint64, dev client.Device) uint32 {
	return d.AddClientOn(d.ClientNodes[dev.Gateway%len(d.ClientNodes)], user, dev)
}

// AddClientOn starts a client for user with device dev on node, and
// returns its id.
func (d *Deployment) AddClientOn(node sim.NodeID, user uint64, dev client.Device) uint32 {
	sim.Assert(len(d.gatewayURLs) > 0, "deploy: clients need gateway nodes")
	id := uint32(len(d.Clients))
	c := client.New(&d.Options.Client, id, dev)
	d.Clients = append(d.Clients, Client{User: user, Node: node, Client: c, PID: d.World.Spawn(node, "client", c)})
	return id
}

// Replica, Coordinator and DataService return the handler of the current
// incarnation on node (nil before it booted), for tests and operators'
// statistics; tests of behaviour read what clients recorded instead.
func (d *Deployment) Replica(node sim.NodeID) *store.Replica         { return d.replicas[node] }
func (d *Deployment) Coordinator(node sim.NodeID) *store.Coordinator { return d.coords[node] }
func (d *Deployment) DataService(node sim.NodeID) *store.DataService { return d.services[node] }

// Servers are every node but the clients' and the driver's: what faults
// touch.
func (d *Deployment) Servers() []sim.NodeID {
	var out []sim.NodeID
	if d.Control != sim.NoNode {
		out = append(out, d.Control)
	}
	out = append(out, d.Store...)
	out = append(out, d.Guild...)
	out = append(out, d.Gateways...)
	return append(out, d.DataServices...)
}

// At runs fn at elapsed time e since the world's start.
func (d *Deployment) At(e sim.Duration, label string, fn func()) {
	d.World.At(d.Topology.Start.Add(e), label, fn)
}

// RunUntil runs the world to elapsed time e since its start.
func (d *Deployment) RunUntil(e sim.Duration) error {
	return d.World.RunUntil(d.Topology.Start.Add(e))
}
