package store_test

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/store"
)

// clusterTest is a store cluster in one sim world, built by deploy:
// storage nodes store-0.. each running a replica and a coordinator, and a
// client node (clients-0) for the test's client processes. The deployment
// keeps the replica and coordinator of each node's current incarnation so
// that tests can look inside them between events.
type clusterTest struct {
	t     testing.TB
	seed  uint64
	d     *deploy.Deployment
	w     *sim.World
	nodes []sim.NodeID // storage nodes
	api   sim.NodeID   // the node of the test's client processes
}

type clusterConfig struct {
	seed        uint64
	start       sim.Time // of the world; default sim's
	storage     int      // storage nodes; default 5
	replica     store.ReplicaOptions
	coordinator store.CoordinatorOptions // Nodes is filled in
	// buggifyFirePercent, if set, turns buggify on with every site active,
	// each firing at this chance per ask.
	buggifyFirePercent int
}

func newClusterTest(t testing.TB, cfg clusterConfig) *clusterTest {
	t.Helper()
	if cfg.storage == 0 {
		cfg.storage = 5
	}
	d, err := deploy.New(deploy.Topology{Seed: cfg.seed, Start: cfg.start, StoreNodes: cfg.storage,
		Replica: cfg.replica, Coordinator: cfg.coordinator,
		Buggify: cfg.buggifyFirePercent > 0, BuggifyActivatePercent: 100, BuggifyFirePercent: cfg.buggifyFirePercent})
	if err != nil {
		t.Fatalf("seed=%d: %v", cfg.seed, err)
	}
	ct := &clusterTest{t: t, seed: cfg.seed, d: d, w: d.World, nodes: d.Store, api: d.ClientNodes[0]}
	ct.run(sim.Millisecond)
	return ct
}

// replica and coord return the current incarnations on node.
func (ct *clusterTest) replica(node sim.NodeID) *store.Replica   { return ct.d.Replica(node) }
func (ct *clusterTest) coord(node sim.NodeID) *store.Coordinator { return ct.d.Coordinator(node) }

// fatalf fails the test with the seed and the command that replays it.
func (ct *clusterTest) fatalf(format string, args ...any) {
	ct.t.Helper()
	ct.t.Fatalf("seed=%d: %s\nreplay: go test ./system/store -run '%s' -v", ct.seed, fmt.Sprintf(format, args...), ct.t.Name())
}

func (ct *clusterTest) run(d sim.Duration) {
	ct.t.Helper()
	if err := ct.w.RunFor(d); err != nil {
		ct.fatalf("run: %v", err)
	}
}

// replicasOf returns key's replicas, the ring's owner first.
func (ct *clusterTest) replicasOf(key store.PartitionKey) []sim.NodeID {
	return ct.coord(ct.nodes[0]).ReplicasFor(key)
}

// others returns the storage nodes not in nodes.
func (ct *clusterTest) others(nodes ...sim.NodeID) []sim.NodeID {
	var out []sim.NodeID
	for _, n := range ct.nodes {
		in := false
		for _, m := range nodes {
			in = in || m == n
		}
		if !in {
			out = append(out, n)
		}
	}
	return out
}

// hasMessage reports whether node's engine holds a live copy of message.
func (ct *clusterTest) hasMessage(node sim.NodeID, channel, message store.Snowflake) bool {
	return ct.replica(node).Engine().HasLiveMessageForTest(channel, message)
}

// scriptClient is a process on the client node (clients-0) that runs
// closures the test sends it, with a Client, and keeps every result.
type scriptClient struct {
	client  *store.Client
	results map[store.RequestID]store.Result
}

type scriptStep func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error)

func (s *scriptClient) Receive(ctx *sim.Ctx, msg any) {
	if step, ok := msg.(scriptStep); ok {
		if _, err := step(ctx, s.client); err != nil {
			panic(err)
		}
		return
	}
	if r, ok := s.client.Match(ctx, msg); ok {
		s.results[r.ID] = r
	}
}

// scriptClient spawns a scriptClient using the coordinators of via.
func (ct *clusterTest) scriptClient(via ...sim.NodeID) (sim.PID, *scriptClient) {
	c, err := store.NewClient(store.ClientOptions{Coordinators: via})
	if err != nil {
		ct.fatalf("%v", err)
	}
	s := &scriptClient{client: c, results: map[store.RequestID]store.Result{}}
	return ct.w.Spawn(ct.api, "script", s), s
}

// call runs step in the script client and the world until its result
// arrives.
func (ct *clusterTest) call(pid sim.PID, s *scriptClient, step func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error)) store.Result {
	ct.t.Helper()
	var id store.RequestID
	ct.w.Send(pid, scriptStep(func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
		var err error
		id, err = step(ctx, c)
		return id, err
	}))
	ok, err := ct.w.RunUntilCond(func() bool {
		_, done := s.results[id]
		return id != 0 && done
	}, time60s)
	if err != nil || !ok {
		ct.fatalf("request %d: no result (%v)", id, err)
	}
	return s.results[id]
}

const time60s = 60 * sim.Second

func (ct *clusterTest) write(pid sim.PID, s *scriptClient, channel store.Snowflake, content string, cl store.Consistency) store.Result {
	ct.t.Helper()
	return ct.call(pid, s, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
		return c.Write(ctx, store.WriteMessage{Channel: channel, Author: 7, Content: content, Consistency: cl})
	})
}

func (ct *clusterTest) read(pid sim.PID, s *scriptClient, q store.Query, cl store.Consistency) store.Result {
	ct.t.Helper()
	return ct.call(pid, s, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
		return c.Read(ctx, store.ReadPage{Query: q, Consistency: cl})
	})
}

func pageIDs(ms []store.Message) []store.Snowflake {
	out := make([]store.Snowflake, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}
