package store

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
)

// clusterTest is a store cluster in one sim world: storage nodes each
// running a replica and a coordinator, and an "api" node for the test's
// client processes. It keeps the replica and coordinator of each node's
// current incarnation so that tests can look inside them between events.
type clusterTest struct {
	t        testing.TB
	seed     uint64
	w        *sim.World
	nodes    []sim.NodeID // storage nodes
	api      sim.NodeID
	replicas map[sim.NodeID]*Replica
	coords   map[sim.NodeID]*Coordinator
}

type clusterConfig struct {
	seed        uint64
	start       sim.Time // of the world; default sim's
	storage     int      // storage nodes; default 5
	replica     ReplicaOptions
	coordinator CoordinatorOptions // Nodes is filled in
}

func newClusterTest(t testing.TB, cfg clusterConfig) *clusterTest {
	t.Helper()
	if cfg.storage == 0 {
		cfg.storage = 5
	}
	w, err := sim.NewWorld(sim.Config{Seed: cfg.seed, Start: cfg.start})
	if err != nil {
		t.Fatalf("seed=%d: %v", cfg.seed, err)
	}
	ct := &clusterTest{t: t, seed: cfg.seed, w: w, replicas: map[sim.NodeID]*Replica{}, coords: map[sim.NodeID]*Coordinator{}}
	boot := func(ctx *sim.Ctx) {
		r, err := NewReplica(cfg.replica)
		if err != nil {
			panic(err)
		}
		co := cfg.coordinator
		co.Nodes = ct.nodes
		c, err := NewCoordinator(co)
		if err != nil {
			panic(err)
		}
		ct.replicas[ctx.Node()], ct.coords[ctx.Node()] = r, c
		ctx.Spawn(DefaultReplicaName, r)
		ctx.Spawn(DefaultCoordinatorName, c)
	}
	for i := range cfg.storage {
		ct.nodes = append(ct.nodes, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("store-%d", i+1), Boot: boot}))
	}
	ct.api = w.MustAddNode(sim.NodeConfig{Name: "api"})
	ct.run(sim.Millisecond)
	return ct
}

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
func (ct *clusterTest) replicasOf(key PartitionKey) []sim.NodeID {
	return ct.coords[ct.nodes[0]].ReplicasFor(key)
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
func (ct *clusterTest) hasMessage(node sim.NodeID, channel, message Snowflake) bool {
	r, ok := ct.replicas[node].Engine().lookupRow(channel, message)
	if !ok {
		return false
	}
	_, live, _ := r.view(channel)
	return live
}

// scriptClient is a process on the api node that runs closures the test
// sends it, with a Client, and keeps every result.
type scriptClient struct {
	client  *Client
	results map[RequestID]Result
}

type scriptStep func(ctx *sim.Ctx, c *Client) (RequestID, error)

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
	c, err := NewClient(ClientOptions{Coordinators: via})
	if err != nil {
		ct.fatalf("%v", err)
	}
	s := &scriptClient{client: c, results: map[RequestID]Result{}}
	return ct.w.Spawn(ct.api, "script", s), s
}

// call runs step in the script client and the world until its result
// arrives.
func (ct *clusterTest) call(pid sim.PID, s *scriptClient, step func(ctx *sim.Ctx, c *Client) (RequestID, error)) Result {
	ct.t.Helper()
	var id RequestID
	ct.w.Send(pid, scriptStep(func(ctx *sim.Ctx, c *Client) (RequestID, error) {
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

func (ct *clusterTest) write(pid sim.PID, s *scriptClient, channel Snowflake, content string, cl Consistency) Result {
	ct.t.Helper()
	return ct.call(pid, s, func(ctx *sim.Ctx, c *Client) (RequestID, error) {
		return c.Write(ctx, WriteMessage{Channel: channel, Author: 7, Content: content, Consistency: cl})
	})
}

func (ct *clusterTest) read(pid sim.PID, s *scriptClient, q Query, cl Consistency) Result {
	ct.t.Helper()
	return ct.call(pid, s, func(ctx *sim.Ctx, c *Client) (RequestID, error) {
		return c.Read(ctx, ReadPage{Query: q, Consistency: cl})
	})
}

func pageIDs(ms []Message) []Snowflake {
	out := make([]Snowflake, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}
