package store_test

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/store"
)

// dsWorld is a store cluster with a data-service tier in one sim world,
// built by deploy: storage nodes (store-0..) each running a replica and a
// coordinator, data-service nodes (data-service-0..) each running one
// DataService, and client nodes (clients-0..) for the test's processes,
// which reach the tier through the deployment's DataServiceRouter. The
// deployment keeps the current incarnation of every replica, coordinator
// and data service so that tests can read their counters between events.
type dsWorld struct {
	t       testing.TB
	seed    uint64
	mode    store.DataServiceMode
	d       *deploy.Deployment
	w       *sim.World
	storage []sim.NodeID
	dsNodes []sim.NodeID
	clients []sim.NodeID
	router  *store.DataServiceRouter
}

type dsWorldConfig struct {
	seed         uint64
	mode         store.DataServiceMode
	storage      int // storage nodes; default 5
	dataServices int // data-service nodes; default 3
	clients      int // client nodes; default 1
	// ds configures every instance; Mode and Coordinators are filled in.
	ds store.DataServiceOptions
}

// dsChannel is the channel the data-service tests use: a snowflake minted
// well before the world's start, as a channel's is.
var dsChannel = store.Bucket(380).MinID() + 7<<22

func newDSWorld(t testing.TB, cfg dsWorldConfig) *dsWorld {
	t.Helper()
	if cfg.storage == 0 {
		cfg.storage = 5
	}
	if cfg.dataServices == 0 {
		cfg.dataServices = 3
	}
	if cfg.clients == 0 {
		cfg.clients = 1
	}
	opts := cfg.ds
	opts.Mode = cfg.mode
	d, err := deploy.New(deploy.Topology{Seed: cfg.seed, StoreNodes: cfg.storage, DataServiceNodes: cfg.dataServices,
		ClientNodes: cfg.clients, DataService: opts})
	if err != nil {
		t.Fatalf("seed=%d: %v", cfg.seed, err)
	}
	dw := &dsWorld{t: t, seed: cfg.seed, mode: cfg.mode, d: d, w: d.World, storage: d.Store, dsNodes: d.DataServices,
		clients: d.ClientNodes, router: d.Router}
	dw.run(sim.Millisecond)
	return dw
}

// fatalf fails the test with the seed and the command that replays it.
func (dw *dsWorld) fatalf(format string, args ...any) {
	dw.t.Helper()
	dw.t.Fatalf("seed=%d mode=%s: %s\nreplay: go test ./system/store -run '^%s$' -count=1 -v",
		dw.seed, dw.mode, fmt.Sprintf(format, args...), dw.t.Name())
}

func (dw *dsWorld) run(d sim.Duration) {
	dw.t.Helper()
	if err := dw.w.RunFor(d); err != nil {
		dw.fatalf("run: %v", err)
	}
}

// service returns the instance that serves channel.
func (dw *dsWorld) service(channel store.Snowflake) *store.DataService {
	node, ok := dw.router.Route(channel)
	if !ok {
		dw.fatalf("no data service for channel %d", channel)
	}
	return dw.d.DataService(node)
}

// dsCaller is a process on a client node that sends the requests the test
// gives it through the router, numbering them itself, and keeps every reply
// it gets.
type dsCaller struct {
	router  *store.DataServiceRouter
	next    store.RequestID
	replies map[store.RequestID][]any
}

// dsCall asks a dsCaller to send msg (its ID is filled in) and to say
// which ID it used.
type dsCall struct {
	msg any
	id  *store.RequestID
}

func (c *dsCaller) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case dsCall:
		c.next++
		*m.id = c.next
		req := m.msg
		switch r := req.(type) {
		case store.ReadPage:
			r.ID = c.next
			req = r
		case store.WriteMessage:
			r.ID = c.next
			req = r
		case store.EditMessage:
			r.ID = c.next
			req = r
		case store.DeleteMessage:
			r.ID = c.next
			req = r
		}
		if err := c.router.Send(ctx, req); err != nil {
			panic(err)
		}
	case store.Ack:
		c.replies[m.ID] = append(c.replies[m.ID], m)
	case store.PageReply:
		c.replies[m.ID] = append(c.replies[m.ID], m)
	case store.ErrorReply:
		c.replies[m.ID] = append(c.replies[m.ID], m)
	default:
		panic(fmt.Sprintf("dsCaller got a %T", msg))
	}
}

// caller spawns a dsCaller on the first client node.
func (dw *dsWorld) caller() (sim.PID, *dsCaller) {
	c := &dsCaller{router: dw.router, replies: map[store.RequestID][]any{}}
	return dw.w.Spawn(dw.clients[0], "caller", c), c
}

// call sends msg through the caller and runs the world until its reply
// arrives; it returns the reply.
func (dw *dsWorld) call(pid sim.PID, c *dsCaller, msg any) any {
	dw.t.Helper()
	var id store.RequestID
	dw.w.Send(pid, dsCall{msg: msg, id: &id})
	ok, err := dw.w.RunUntilCond(func() bool { return id != 0 && len(c.replies[id]) > 0 }, 60*sim.Second)
	if err != nil || !ok {
		dw.fatalf("request %d (%T): no reply (%v)", id, msg, err)
	}
	if n := len(c.replies[id]); n != 1 {
		dw.fatalf("request %d: %d replies", id, n)
	}
	return c.replies[id][0]
}

// write writes a message to channel through the tier and returns its ID.
func (dw *dsWorld) write(pid sim.PID, c *dsCaller, channel store.Snowflake, content string) store.Snowflake {
	dw.t.Helper()
	switch r := dw.call(pid, c, store.WriteMessage{Channel: channel, Author: 7, Content: content}).(type) {
	case store.Ack:
		return r.Message
	case store.ErrorReply:
		dw.fatalf("write %q: %v", content, r.Err)
	}
	panic("unreachable")
}

// page reads channel's latest limit messages through the tier.
func (dw *dsWorld) page(pid sim.PID, c *dsCaller, channel store.Snowflake, limit int) []store.Message {
	dw.t.Helper()
	switch r := dw.call(pid, c, store.ReadPage{Query: store.Query{Channel: channel, Limit: limit}}).(type) {
	case store.PageReply:
		return r.Messages
	case store.ErrorReply:
		dw.fatalf("read of channel %d: %v", channel, r.Err)
	}
	panic("unreachable")
}

// dsStoreLoad is what the storage nodes did, summed over the cluster.
type dsStoreLoad struct {
	coordRequests uint64       // client requests the coordinators received
	replicaReads  uint64       // partition scans and point reads the replicas served
	replicaRows   uint64       // rows those reads examined
	replicaBusy   sim.Duration // CPU the replicas declared, for every request
}

func (dw *dsWorld) storeLoad() dsStoreLoad {
	var l dsStoreLoad
	for _, n := range dw.storage {
		cs, rs := dw.d.Coordinator(n).Stats(), dw.d.Replica(n).Stats()
		l.coordRequests += cs.Requests
		l.replicaReads += rs.Reads
		l.replicaRows += rs.RowsTouched
		l.replicaBusy += rs.Busy
	}
	return l
}

func (l dsStoreLoad) minus(o dsStoreLoad) dsStoreLoad {
	return dsStoreLoad{coordRequests: l.coordRequests - o.coordRequests, replicaReads: l.replicaReads - o.replicaReads,
		replicaRows: l.replicaRows - o.replicaRows, replicaBusy: l.replicaBusy - o.replicaBusy}
}
