package guild_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// fanWorld is a whole small system in one world: the identify limiter's
// control node, three storage nodes (replica + coordinator), two guild
// nodes, two gateway nodes (with partitioners), a client node, and a driver
// node whose process plays the API edge.
type fanWorld struct {
	t       testing.TB
	seed    uint64
	w       *sim.World
	cluster *guild.Cluster
	gopts   *gateway.Options
	rec     *client.Recorder
	ccfg    *client.Config
	clients []*client.Client
	users   []uint64 // user of each client
	pids    []sim.PID
	driver  sim.PID
	edge    *edge
}

// base is an ID minted a day before the world starts: channel and guild
// IDs must not be in the store's future.
var base = uint64(store.MinIDAt(sim.DefaultStart.Add(-24 * sim.Hour)))

func userID(i int) uint64 { return base + 1000 + uint64(i) }
func token(i int) string  { return fmt.Sprintf("user-%d", i) }

func newFanWorld(t testing.TB, seed uint64, spec *guild.Spec, opts guild.Options, users int) *fanWorld {
	t.Helper()
	w, err := sim.NewWorld(sim.Config{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	fw := &fanWorld{t: t, seed: seed, w: w}
	tokens := gateway.TokenMap{}
	for i := range users {
		// A second token per user: a second device of the same account
		// (one token identifies once per 5 s, so two devices sharing one
		// would wait for each other).
		tokens[token(i)] = gateway.TokenInfo{UserID: userID(i)}
		tokens[token(i)+"-b"] = gateway.TokenInfo{UserID: userID(i)}
	}
	dir, err := guild.NewStaticDirectory([]*guild.Spec{spec})
	if err != nil {
		t.Fatal(err)
	}
	fw.gopts = &gateway.Options{Tokens: tokens}
	lb, err := gateway.BootLimiter(fw.gopts)
	if err != nil {
		t.Fatal(err)
	}
	w.MustAddNode(sim.NodeConfig{Name: "control", Boot: lb})

	var storage []sim.NodeID
	storeBoot := func(ctx *sim.Ctx) {
		r, err := store.NewReplica(store.ReplicaOptions{})
		if err != nil {
			panic(err)
		}
		c, err := store.NewCoordinator(store.CoordinatorOptions{Nodes: storage})
		if err != nil {
			panic(err)
		}
		ctx.Spawn(store.DefaultReplicaName, r)
		ctx.Spawn(store.DefaultCoordinatorName, c)
	}
	for i := range 3 {
		storage = append(storage, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("store-%d", i), Boot: storeBoot}))
	}
	// Guild nodes are added before the cluster exists; their boot runs
	// when the world runs, by which time it does.
	var guildNodes []sim.NodeID
	bootGuild := func(ctx *sim.Ctx) { fw.cluster.BootGuildNode(ctx) }
	for i := range 2 {
		guildNodes = append(guildNodes, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("guild-%d", i), Boot: bootGuild}))
	}
	opts.Directory, opts.GuildNodes, opts.StoreCoordinators = dir, guildNodes, storage
	fw.cluster, err = guild.NewCluster(&opts)
	if err != nil {
		t.Fatal(err)
	}
	fw.gopts.Hooks = fw.cluster.Hooks()
	gb, err := gateway.Boot(fw.gopts)
	if err != nil {
		t.Fatal(err)
	}
	var urls []gateway.GatewayURL
	for i := range 2 {
		id := w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("gateway-%d", i), Boot: fw.cluster.BootGatewayNode(gb)})
		urls = append(urls, gateway.GatewayURL{Node: id, Port: fw.gopts.Port})
	}
	cnode := w.MustAddNode(sim.NodeConfig{Name: "clients"})
	fw.rec = client.NewRecorder(w.Now)
	fw.ccfg = &client.Config{Gateways: urls, Recorder: fw.rec, Guilds: fw.cluster.Placement(), Store: storage}
	if err := fw.ccfg.Validate(); err != nil {
		t.Fatal(err)
	}
	for i := range users {
		fw.addClient(cnode, i, i%2)
	}
	fw.edge = &edge{acked: map[uint64]uint64{}}
	fw.driver = w.Spawn(w.MustAddNode(sim.NodeConfig{Name: "driver"}), "edge", fw.edge)
	return fw
}

func (fw *fanWorld) addClient(node sim.NodeID, user, gw int) {
	tok := token(user)
	for _, u := range fw.users {
		if u == userID(user) {
			tok += "-b"
		}
	}
	c := client.New(fw.ccfg, uint32(len(fw.clients)), client.Device{Token: tok, Gateway: gw})
	fw.clients = append(fw.clients, c)
	fw.users = append(fw.users, userID(user))
	fw.pids = append(fw.pids, fw.w.Spawn(node, "client", c))
}

// edge is the test's API edge: it forwards requests to the guild and keeps
// the store-assigned ID of each acknowledged message, by request.
type edge struct {
	acked    map[uint64]uint64 // request -> message ID
	rejected int
}

type forward struct {
	node sim.NodeID
	name string
	msg  any
}

func (e *edge) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case forward:
		ctx.SendNamed(m.node, m.name, m.msg)
	case guild.MessageCreated:
		e.acked[m.Request] = m.ID
	case guild.MessageRejected:
		e.rejected++
	}
}

// toGuild makes the edge send msg to guild id at elapsed time d.
func (fw *fanWorld) toGuild(d sim.Duration, id uint64, msg any) {
	fw.w.At(sim.DefaultStart.Add(d), "edge", func() {
		fw.w.Send(fw.driver, forward{node: fw.cluster.Placement().NodeOf(id), name: guild.ProcessName(id), msg: msg})
	})
}

// toClient sends msg to client i at elapsed time d.
func (fw *fanWorld) toClient(d sim.Duration, i int, msg any) {
	fw.w.At(sim.DefaultStart.Add(d), "client", func() { fw.w.Send(fw.pids[i], msg) })
}

func (fw *fanWorld) runUntil(d sim.Duration) {
	fw.t.Helper()
	if err := fw.w.RunUntil(sim.DefaultStart.Add(d)); err != nil {
		fw.t.Fatalf("seed=%d: %v", fw.seed, err)
	}
}

// received returns the IDs of the events named event that client i
// processed, in order, with repeats of an ID removed (a resume may replay
// what a client already has under a new s).
func (fw *fanWorld) received(i int, event string) []uint64 {
	var ids []uint64
	seen := map[uint64]bool{}
	for _, r := range fw.rec.ForClient(uint32(i)) {
		if r.Kind == client.KindDispatch && fw.rec.EventName(r.Name) == event && !seen[r.ID] {
			seen[r.ID] = true
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// dump formats client i's log for a failure.
func (fw *fanWorld) dump(i int) string {
	var b strings.Builder
	for _, r := range fw.rec.ForClient(uint32(i)) {
		fmt.Fprintf(&b, "  %12s %-10s node=%d s=%d id=%d %s\n", r.At.Sub(sim.DefaultStart), r.Kind, r.Node, r.Seq, r.ID, fw.rec.EventName(r.Name))
	}
	return b.String()
}
