package client_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/gateway"
)

// testWorld is a small gateway cluster with clients, built by deploy: a
// control node (node 0, the identify limiter), gateway nodes, client nodes
// and the driver node with the test's deploy.Edge, all in one region. Its
// fields are views of the deployment under the names the tests use.
type testWorld struct {
	t       testing.TB
	seed    uint64
	d       *deploy.Deployment
	w       *sim.World
	ctl     sim.NodeID
	gws     []sim.NodeID
	cnodes  []sim.NodeID
	gopts   *gateway.Options // in effect
	ccfg    *client.Config   // in effect
	rec     *client.Recorder
	clients []*client.Client // by client id, as d.Clients
	pids    []sim.PID        // by client id, as d.Clients
	driver  sim.PID
}

type spec struct {
	gateways    int // [1]
	clientNodes int // [1]
	tokens      gateway.TokenTable
	gateway     func(o *gateway.Options)
	client      func(c *client.Config)
}

// userToken is the token of test user i; testTokens knows users 0-199.
func userToken(i int) string { return fmt.Sprintf("user-%d", i) }

func testTokens() gateway.TokenMap {
	m := gateway.TokenMap{}
	for i := range 200 {
		m[userToken(i)] = gateway.TokenInfo{UserID: uint64(1000 + i)}
	}
	return m
}

func newTestWorld(t testing.TB, seed uint64, s spec) *testWorld {
	t.Helper()
	if s.gateways == 0 {
		s.gateways = 1
	}
	if s.clientNodes == 0 {
		s.clientNodes = 1
	}
	if s.tokens == nil {
		s.tokens = testTokens()
	}
	top := deploy.Topology{Seed: seed, GatewayNodes: s.gateways, ClientNodes: s.clientNodes, Tokens: s.tokens,
		// The driver has a node of its own, which faults leave alone: a
		// crash of the control node must not stop the test's deliveries.
		Driver: &deploy.Driver{Name: "driver", Handler: &deploy.Edge{}}}
	if s.gateway != nil {
		s.gateway(&top.Gateway)
	}
	if s.client != nil {
		s.client(&top.Client)
	}
	d, err := deploy.New(top)
	if err != nil {
		t.Fatalf("seed=%d: %v", seed, err)
	}
	return &testWorld{t: t, seed: seed, d: d, w: d.World, ctl: d.Control, gws: d.Gateways, cnodes: d.ClientNodes,
		gopts: &d.Options.Gateway, ccfg: &d.Options.Client, rec: d.Recorder, driver: d.DriverPID}
}

// addClient spawns a client on client node (index % clientNodes).
func (tw *testWorld) addClient(dev client.Device) (uint32, *client.Client) {
	user, _ := tw.gopts.Tokens.Lookup(dev.Token) // 0 for a token the gateway will refuse
	id := tw.d.AddClientOn(tw.cnodes[len(tw.d.Clients)%len(tw.cnodes)], user.UserID, dev)
	c := tw.d.Clients[id]
	tw.clients = append(tw.clients, c.Client)
	tw.pids = append(tw.pids, c.PID)
	return id, c.Client
}

// runUntil runs the world to elapsed time d since its start.
func (tw *testWorld) runUntil(d sim.Duration) {
	tw.t.Helper()
	if err := tw.w.RunUntil(sim.DefaultStart.Add(d)); err != nil {
		tw.t.Fatalf("seed=%d: %v", tw.seed, err)
	}
}

// at schedules fn at elapsed time d.
func (tw *testWorld) at(d sim.Duration, label string, fn func()) {
	tw.w.At(sim.DefaultStart.Add(d), label, fn)
}

// ---- the driver: deploy's Edge on the driver node sends what the test asks ----

// deliverAt makes the driver send Deliver{event id} to the session of
// client c at elapsed time d (a process message from another node, as a
// guild's would be).
func (tw *testWorld) deliverAt(d sim.Duration, c *client.Client, id uint64) {
	tw.at(d, "deliver", func() { tw.d.Forward(deploy.Forward{To: c.Session(), Msg: deliverOf(id)}) })
}

// drainAt drains a gateway node at elapsed time d.
func (tw *testWorld) drainAt(d sim.Duration, node sim.NodeID) {
	tw.at(d, "drain", func() {
		tw.d.Forward(deploy.Forward{Node: node, Name: gateway.ListenerName, Msg: gateway.Drain{}})
	})
}

// testEvent is the data of a test dispatch.
type testEvent struct{ id uint64 }

func (e testEvent) EventID() uint64 { return e.id }
func (testEvent) WireSize() int     { return 200 }

// ---- reading the log ----

func (tw *testWorld) records(id uint32) []client.Record { return tw.rec.ForClient(id) }

// since returns the records at or after elapsed time d.
func since(recs []client.Record, d sim.Duration) []client.Record {
	t := sim.DefaultStart.Add(d)
	for i, r := range recs {
		if r.At >= t {
			return recs[i:]
		}
	}
	return nil
}

func count(recs []client.Record, k client.Kind) int {
	n := 0
	for _, r := range recs {
		if r.Kind == k {
			n++
		}
	}
	return n
}

func first(recs []client.Record, k client.Kind) (client.Record, int, bool) {
	for i, r := range recs {
		if r.Kind == k {
			return r, i, true
		}
	}
	return client.Record{}, -1, false
}

// dispatchIDs returns the event IDs of the dispatches processed (duplicates
// excluded), in order.
func dispatchIDs(recs []client.Record) []uint64 {
	var ids []uint64
	for _, r := range recs {
		if r.Kind == client.KindDispatch {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// dump formats a client's log for a failure message.
func (tw *testWorld) dump(id uint32) string {
	var b strings.Builder
	for _, r := range tw.records(id) {
		fmt.Fprintf(&b, "  %10s %-15s node=%d seq=%d id=%d\n", r.At.Sub(sim.DefaultStart), r.Kind, r.Node, r.Seq, r.ID)
	}
	return b.String()
}

// fail stops the test with the seed, the replay command and the client's log.
func (tw *testWorld) fail(id uint32, format string, args ...any) {
	tw.t.Helper()
	tw.t.Fatalf("seed=%d (replay: go test ./system/client -run '%s' -count=1 -v): %s\nclient %d log:\n%s",
		tw.seed, runPattern(tw.t.Name()), fmt.Sprintf(format, args...), id, tw.dump(id))
}

// runPattern anchors each part of a test name for go test -run.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + p + "$"
	}
	return strings.Join(parts, "/")
}

// seeds returns the seeds a scenario test runs: 30, or 5 with -short.
func seeds() []uint64 {
	n := 30
	if testing.Short() {
		n = 5
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// forSeeds runs fn once per seed in parallel subtests named seed=N.
func forSeeds(t *testing.T, fn func(t *testing.T, seed uint64)) {
	for _, seed := range seeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			fn(t, seed)
		})
	}
}

func deliverOf(id uint64) gateway.Deliver {
	return gateway.Deliver{Event: gateway.EventMessageCreate, Data: testEvent{id: id}}
}
