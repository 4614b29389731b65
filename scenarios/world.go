package scenarios

import (
	"fmt"

	"github.com/guildsim/guildsim/scenarios/check"
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// World is one scenario's assembled system and its ground truth: what the
// scenario's hooks (workload, faults) act on. Everything in it is decided
// from the options and the seed before the run starts.
type World struct {
	W       *sim.World
	Opts    Options
	Rec     *client.Recorder
	Cluster *guild.Cluster

	Control  sim.NodeID   // the identify limiter's node
	Store    []sim.NodeID // storage nodes (replica + coordinator)
	Guild    []sim.NodeID // guild nodes
	Gateways []sim.NodeID // gateway nodes (with partitioners)
	Clients  []sim.NodeID // one client node per region
	Driver   sim.NodeID   // the scenario's API edge (membership changes)

	Guilds    []GuildInfo
	ClientsOf []ClientInfo // by client id
	Access    *check.Access

	// Reads are every history read the scenario asked, for check.History.
	Reads []check.ReadCall
	// receivesNot lists clients that must not be expected to get
	// MESSAGE_CREATE (check.Truth.Receives).
	receivesNot map[uint32]bool
	guildOf     map[uint64]uint64 // channel -> guild, built by GuildOf

	ccfg     *client.Config
	driver   sim.PID
	edge     *edge
	nonce    uint64
	lastRead []sim.Time // per client: when its last read was asked
	posts    map[uint64]int
}

// GuildInfo is one guild of the scenario.
type GuildInfo struct {
	ID       uint64
	Channels []uint64 // Channels[0] is private to Role
	Role     uint64
	Members  []uint64 // users
	Online   []uint32 // clients of members
}

// ClientInfo is one client: its user and process.
type ClientInfo struct {
	User uint64
	PID  sim.PID
}

// idBase is an ID minted a day before the world starts: guild, channel,
// role and user IDs must not be in the store's future.
var idBase = uint64(store.MinIDAt(sim.DefaultStart.Add(-24 * sim.Hour)))

func userID(u int) uint64        { return idBase + 1_000_000 + uint64(u) }
func guildID(g int) uint64       { return idBase + 1 + uint64(g)*100 }
func tokenOf(u uint64) string    { return fmt.Sprintf("token-%d", u) }
func hasRole(memberIdx int) bool { return memberIdx%2 == 0 }

// readSpacing keeps a client's reads apart: at most one in flight per
// client (the checkers match reads to pages by order), and a read is
// answered or fails within the store client's timeout (10 s).
const readSpacing = store.DefaultClientTimeout + 2*sim.Second

// build assembles the world: a control node with the identify limiter,
// storage, guild and gateway nodes spread over the regions, a client node
// per region, and a driver node for the scenario's API edge.
func build(s *Scenario, seed uint64, o Options, buggify bool) (*World, error) {
	regions := make([]string, o.Regions)
	for i := range regions {
		regions[i] = fmt.Sprintf("region-%d", i)
	}
	w, err := sim.NewWorld(sim.Config{Seed: seed, Regions: regions, Buggify: buggify})
	if err != nil {
		return nil, err
	}
	sw := &World{W: w, Opts: o, Access: check.NewAccess(), receivesNot: map[uint32]bool{}, posts: map[uint64]int{}}
	region := func(i int) string { return regions[i%len(regions)] }
	r := sim.NewRand(sim.DeriveSeed(seed, "scenarios/topology"))

	// Users and guilds. Guild g's members are a window of the user list
	// starting at g*stride: consecutive guilds share Members-stride users.
	stride := max(1, o.Members*3/4)
	users := (o.Guilds-1)*stride + o.Members
	specs := make([]*guild.Spec, 0, o.Guilds)
	everyone := guild.PermViewChannel | guild.PermSendMessages | guild.PermReadMessageHistory
	for g := range o.Guilds {
		gi := GuildInfo{ID: guildID(g), Role: guildID(g) + 50}
		spec := &guild.Spec{ID: gi.ID, Owner: userID(users + 1_000), Everyone: everyone, Roles: []guild.Role{{ID: gi.Role}}}
		for c := range o.Channels {
			ch := guild.Channel{ID: gi.ID + 1 + uint64(c)}
			if c == 0 {
				ch.Overwrites = []guild.Overwrite{
					{ID: gi.ID, Kind: guild.OverwriteRole, Deny: guild.PermViewChannel},
					{ID: gi.Role, Kind: guild.OverwriteRole, Allow: guild.PermViewChannel},
				}
			}
			spec.Channels = append(spec.Channels, ch)
			gi.Channels = append(gi.Channels, ch.ID)
		}
		for i := range o.Members {
			u := userID(g*stride + i)
			m := guild.Member{User: u}
			if hasRole(i) {
				m.Roles = []uint64{gi.Role}
			}
			spec.Members = append(spec.Members, m)
			gi.Members = append(gi.Members, u)
			for c, ch := range gi.Channels {
				if c != 0 || hasRole(i) {
					sw.Access.Grant(u, ch, sim.Time(0), check.Forever)
				}
			}
		}
		specs = append(specs, spec)
		sw.Guilds = append(sw.Guilds, gi)
	}
	if s.Spec != nil {
		s.Spec(sw, specs)
	}
	dir, err := guild.NewStaticDirectory(specs)
	if err != nil {
		return nil, err
	}

	tokens := gateway.TokenMap{}
	for u := range users + extraUsers {
		tokens[tokenOf(userID(u))] = gateway.TokenInfo{UserID: userID(u)}
	}
	gopts := &gateway.Options{Tokens: tokens}
	lb, err := gateway.BootLimiter(gopts)
	if err != nil {
		return nil, err
	}
	sw.Control = w.MustAddNode(sim.NodeConfig{Name: "control", Region: region(0), Boot: lb})

	storeBoot := func(ctx *sim.Ctx) {
		rep, err := store.NewReplica(store.ReplicaOptions{Engine: store.Options{Sync: syncPolicies[o.StoreSync]}})
		sim.Assert(err == nil, "scenarios: default replica options are valid")
		coord, err := store.NewCoordinator(store.CoordinatorOptions{Nodes: sw.Store})
		sim.Assert(err == nil, "scenarios: coordinator options list the storage nodes")
		ctx.Spawn(store.DefaultReplicaName, rep)
		ctx.Spawn(store.DefaultCoordinatorName, coord)
	}
	for i := range o.StoreNodes {
		sw.Store = append(sw.Store, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("store-%d", i), Region: region(i), Boot: storeBoot}))
	}
	// Guild nodes boot when the world runs, by which time the cluster
	// exists.
	bootGuild := func(ctx *sim.Ctx) { sw.Cluster.BootGuildNode(ctx) }
	for i := range o.GuildNodes {
		sw.Guild = append(sw.Guild, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("guild-%d", i), Region: region(i), Boot: bootGuild}))
	}
	gopt := s.Guild
	gopt.Directory, gopt.GuildNodes, gopt.StoreCoordinators, gopt.Fanout = dir, sw.Guild, sw.Store, o.Fanout
	gopt.WriteConsistency = consistencies[o.Consistency]
	if sw.Cluster, err = guild.NewCluster(&gopt); err != nil {
		return nil, err
	}
	gopts.Hooks = sw.Cluster.Hooks()
	gb, err := gateway.Boot(gopts)
	if err != nil {
		return nil, err
	}
	var urls []gateway.GatewayURL
	for i := range o.GatewayNodes {
		id := w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("gateway-%d", i), Region: region(i), Boot: sw.Cluster.BootGatewayNode(gb)})
		sw.Gateways = append(sw.Gateways, id)
		urls = append(urls, gateway.GatewayURL{Node: id, Port: gopts.Port})
	}
	for i := range o.Regions {
		sw.Clients = append(sw.Clients, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("clients-%d", i), Region: region(i)}))
	}
	sw.Driver = w.MustAddNode(sim.NodeConfig{Name: "driver", Region: region(0)})
	sw.edge = &edge{}
	sw.driver = w.Spawn(sw.Driver, "edge", sw.edge)

	sw.Rec = client.NewRecorder(w.Now)
	sw.ccfg = &client.Config{Gateways: urls, Recorder: sw.Rec, Guilds: sw.Cluster.Placement(), Store: sw.Store}
	if err := sw.ccfg.Validate(); err != nil {
		return nil, err
	}
	// Online users: OnlinePercent of them, drawn from the seed, one client
	// each, dialling gateways round robin.
	for _, u := range r.Perm(users) {
		if len(sw.ClientsOf)*100 >= users*o.OnlinePercent {
			break
		}
		sw.AddClient(userID(u))
	}
	for g := range sw.Guilds {
		gi := &sw.Guilds[g]
		for c, ci := range sw.ClientsOf {
			for _, m := range gi.Members {
				if m == ci.User {
					gi.Online = append(gi.Online, uint32(c))
				}
			}
		}
	}
	return sw, nil
}

// extraUsers are tokens beyond the guilds' members, for users a scenario
// adds (celebrity-join's celebrity).
const extraUsers = 4

// ExtraUser returns the user ID of extra user k (0 <= k < 4): not a member
// of any guild at the start, with a token.
func (sw *World) ExtraUser(k int) uint64 {
	stride := max(1, sw.Opts.Members*3/4)
	return userID((sw.Opts.Guilds-1)*stride + sw.Opts.Members + k)
}

// AddClient starts a client for user, on the client node of its region,
// and returns its id.
func (sw *World) AddClient(user uint64) uint32 {
	id := uint32(len(sw.ClientsOf))
	gw := int(id) % len(sw.Gateways)
	c := client.New(sw.ccfg, id, client.Device{Token: tokenOf(user), Gateway: gw})
	node := sw.Clients[gw%len(sw.Clients)]
	sw.ClientsOf = append(sw.ClientsOf, ClientInfo{User: user, PID: sw.W.Spawn(node, "client", c)})
	sw.lastRead = append(sw.lastRead, -1)
	return id
}

// At runs fn at elapsed time d of the run.
func (sw *World) At(d sim.Duration, label string, fn func()) {
	sw.W.At(sim.DefaultStart.Add(d), label, fn)
}

// Post makes client c post in channel ch of guild g at elapsed time d,
// unless the channel already has MaxPerChannel posts planned. It returns
// whether the post was planned.
func (sw *World) Post(d sim.Duration, c uint32, g int, ch uint64) bool {
	if sw.posts[ch] >= sw.Opts.MaxPerChannel {
		return false
	}
	sw.posts[ch]++
	sw.nonce++
	msg := client.SendMessage{Guild: sw.Guilds[g].ID, Channel: ch, Content: "hello", Nonce: sw.nonce}
	pid := sw.ClientsOf[c].PID
	sw.At(d, "post", func() { sw.W.Send(pid, msg) })
	return true
}

// Read makes client c read channel ch's latest page at elapsed time d,
// unless it asked for another read less than readSpacing before (one read
// in flight per client). It returns whether the read was planned.
func (sw *World) Read(d sim.Duration, c uint32, ch uint64) bool {
	at := sim.DefaultStart.Add(d)
	if last := sw.lastRead[c]; last >= 0 && (at < last || at.Sub(last) < readSpacing) {
		return false
	}
	sw.lastRead[c] = at
	sw.Reads = append(sw.Reads, check.ReadCall{Client: c, Channel: ch, Limit: pageLimit, At: at})
	pid := sw.ClientsOf[c].PID
	rh := client.ReadHistory{Channel: ch, Limit: pageLimit, Consistency: consistencies[sw.Opts.ReadConsistency]}
	sw.W.At(at, "read", func() { sw.W.Send(pid, rh) })
	return true
}

// pageLimit is every read's page size: the store's maximum, so one page is a
// whole channel of at most MaxPerChannel messages.
const pageLimit = 100

// ToGuild makes the driver send msg to guild g's process at elapsed time d
// (membership and permission changes: the API edge's job).
func (sw *World) ToGuild(d sim.Duration, g int, msg any) {
	id := sw.Guilds[g].ID
	sw.At(d, "edge", func() {
		sw.W.Send(sw.driver, forward{node: sw.Cluster.Placement().NodeOf(id), name: guild.ProcessName(id), msg: msg})
	})
}

// GuildOf returns the guild of channel ch (0 if none).
func (sw *World) GuildOf(ch uint64) uint64 {
	if sw.guildOf == nil {
		sw.guildOf = map[uint64]uint64{}
		for _, gi := range sw.Guilds {
			for _, c := range gi.Channels {
				sw.guildOf[c] = gi.ID
			}
		}
	}
	return sw.guildOf[ch]
}

// CanSee says whether client c's user may see channel ch at the start.
func (sw *World) CanSee(c uint32, ch uint64) bool {
	return sw.Access.CanSee(sw.ClientsOf[c].User, ch, sim.DefaultStart)
}

// NotReceiving marks client c as one that is not meant to get
// MESSAGE_CREATE (check.Truth.Receives), with the scenario's reason in its
// documentation.
func (sw *World) NotReceiving(c uint32) { sw.receivesNot[c] = true }

// edge is the scenario's API edge: it forwards requests to guild processes
// and drops their answers.
type edge struct{}

type forward struct {
	node sim.NodeID
	name string
	msg  any
}

func (e *edge) Receive(ctx *sim.Ctx, msg any) {
	if m, ok := msg.(forward); ok {
		ctx.SendNamed(m.node, m.name, m.msg)
	}
}

// servers are every node but the clients' and the driver's: what faults may
// touch in most scenarios.
func (sw *World) servers() []sim.NodeID {
	out := []sim.NodeID{sw.Control}
	out = append(out, sw.Store...)
	out = append(out, sw.Guild...)
	return append(out, sw.Gateways...)
}

// Forever is the end of a grant that is never revoked.
func Forever() sim.Time { return check.Forever }
