package guild_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// fanWorld is a whole small system in one world, built by deploy: the
// identify limiter's control node, three storage nodes (replica +
// coordinator), two guild nodes, two gateway nodes (with partitioners), a
// client node, and the driver node whose deploy.Edge plays the API edge.
// Its fields are views of the deployment under the names the tests use.
type fanWorld struct {
	t       testing.TB
	seed    uint64
	d       *deploy.Deployment
	w       *sim.World
	cluster *guild.Cluster
	rec     *client.Recorder
	clients []*client.Client // by client id, as d.Clients
	users   []uint64         // user of each client
	pids    []sim.PID
	edge    *edge
}

// base is an ID minted a day before the world starts: channel and guild
// IDs must not be in the store's future.
var base = uint64(store.MinIDAt(sim.DefaultStart.Add(-24 * sim.Hour)))

func userID(i int) uint64 { return base + 1000 + uint64(i) }
func token(i int) string  { return fmt.Sprintf("user-%d", i) }

func newFanWorld(t testing.TB, seed uint64, spec *guild.Spec, opts guild.Options, users int) *fanWorld {
	t.Helper()
	return newFanWorldWith(t, seed, spec, opts, users, client.Config{})
}

// newFanWorldWith is newFanWorld with the clients' Config (node lists and
// recorder are filled in by deploy).
func newFanWorldWith(t testing.TB, seed uint64, spec *guild.Spec, opts guild.Options, users int, cc client.Config) *fanWorld {
	t.Helper()
	tokens := gateway.TokenMap{}
	for i := range users {
		// A second token per user: a second device of the same account
		// (one token identifies once per 5 s, so two devices sharing one
		// would wait for each other).
		tokens[token(i)] = gateway.TokenInfo{UserID: userID(i)}
		tokens[token(i)+"-b"] = gateway.TokenInfo{UserID: userID(i)}
	}
	e := &edge{acked: map[uint64]uint64{}}
	d, err := deploy.New(deploy.Topology{Seed: seed, StoreNodes: 3, GuildNodes: 2, GatewayNodes: 2, ClientNodes: 1,
		Guilds: []*guild.Spec{spec}, Tokens: tokens, Guild: opts, Client: cc,
		Driver: &deploy.Driver{Name: "edge", Handler: &deploy.Edge{OnReply: e.reply}}})
	if err != nil {
		t.Fatalf("seed=%d: %v", seed, err)
	}
	fw := &fanWorld{t: t, seed: seed, d: d, w: d.World, cluster: d.Cluster, rec: d.Recorder, edge: e}
	for i := range users {
		fw.addClient(d.ClientNodes[0], i, i%2)
	}
	return fw
}

func (fw *fanWorld) addClient(node sim.NodeID, user, gw int) {
	tok := token(user)
	for _, u := range fw.users {
		if u == userID(user) {
			tok += "-b"
		}
	}
	id := fw.d.AddClientOn(node, userID(user), client.Device{Token: tok, Gateway: gw})
	fw.clients = append(fw.clients, fw.d.Clients[id].Client)
	fw.users = append(fw.users, userID(user))
	fw.pids = append(fw.pids, fw.d.Clients[id].PID)
}

// edge keeps what the guilds answered the test's API edge (the
// deploy.Edge on the driver node): the store-assigned ID of each
// acknowledged message, by request.
type edge struct {
	acked    map[uint64]uint64 // request -> message ID
	rejected int
	removed  []uint64 // users whose MemberRemove the guild acknowledged
}

func (e *edge) reply(msg any) {
	switch m := msg.(type) {
	case guild.MessageCreated:
		e.acked[m.Request] = m.ID
	case guild.MessageRejected:
		e.rejected++
	case guild.MemberRemoved:
		e.removed = append(e.removed, m.User)
	}
}

// toGuild makes the edge send msg to guild id at elapsed time d.
func (fw *fanWorld) toGuild(d sim.Duration, id uint64, msg any) { fw.d.ToGuild(d, id, msg) }

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
