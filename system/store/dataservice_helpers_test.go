package store

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
)

// dsWorld is a store cluster with a data-service tier in one sim world:
// storage nodes each running a replica and a coordinator, data-service
// nodes each running one DataService, and client nodes for the test's
// processes, which reach the tier through a DataServiceRouter. It keeps the
// current incarnation of every replica, coordinator and data service so that
// tests can read their counters between events.
type dsWorld struct {
	t        testing.TB
	seed     uint64
	mode     DataServiceMode
	w        *sim.World
	storage  []sim.NodeID
	dsNodes  []sim.NodeID
	clients  []sim.NodeID
	replicas map[sim.NodeID]*Replica
	coords   map[sim.NodeID]*Coordinator
	services map[sim.NodeID]*DataService
	router   *DataServiceRouter
}

type dsWorldConfig struct {
	seed         uint64
	mode         DataServiceMode
	storage      int // storage nodes; default 5
	dataServices int // data-service nodes; default 3
	clients      int // client nodes; default 1
	// ds configures every instance; Mode and Coordinators are filled in.
	ds DataServiceOptions
}

// dsChannel is the channel the data-service tests use: a snowflake minted
// well before the world's start, as a channel's is.
var dsChannel = Bucket(380).MinID() + 7<<22

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
	w, err := sim.NewWorld(sim.Config{Seed: cfg.seed})
	if err != nil {
		t.Fatalf("seed=%d: %v", cfg.seed, err)
	}
	dw := &dsWorld{t: t, seed: cfg.seed, mode: cfg.mode, w: w, replicas: map[sim.NodeID]*Replica{},
		coords: map[sim.NodeID]*Coordinator{}, services: map[sim.NodeID]*DataService{}}
	bootStorage := func(ctx *sim.Ctx) {
		r, err := NewReplica(ReplicaOptions{})
		if err != nil {
			panic(err)
		}
		c, err := NewCoordinator(CoordinatorOptions{Nodes: dw.storage})
		if err != nil {
			panic(err)
		}
		dw.replicas[ctx.Node()], dw.coords[ctx.Node()] = r, c
		ctx.Spawn(DefaultReplicaName, r)
		ctx.Spawn(DefaultCoordinatorName, c)
	}
	for i := range cfg.storage {
		dw.storage = append(dw.storage, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("store-%d", i+1), Boot: bootStorage}))
	}
	opts := cfg.ds
	opts.Mode, opts.Coordinators = cfg.mode, dw.storage
	bootDS := func(ctx *sim.Ctx) {
		d, err := NewDataService(opts)
		if err != nil {
			panic(err)
		}
		dw.services[ctx.Node()] = d
		ctx.Spawn(DefaultDataServiceName, d)
	}
	for i := range cfg.dataServices {
		dw.dsNodes = append(dw.dsNodes, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("data-service-%d", i+1), Boot: bootDS}))
	}
	for i := range cfg.clients {
		dw.clients = append(dw.clients, w.MustAddNode(sim.NodeConfig{Name: fmt.Sprintf("api-%d", i+1)}))
	}
	if dw.router, err = NewDataServiceRouter(DataServiceRouterOptions{Nodes: dw.dsNodes}); err != nil {
		dw.fatalf("%v", err)
	}
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
func (dw *dsWorld) service(channel Snowflake) *DataService {
	node, ok := dw.router.Route(channel)
	if !ok {
		dw.fatalf("no data service for channel %d", channel)
	}
	return dw.services[node]
}

// dsCaller is a process on a client node that sends the requests the test
// gives it through the router, numbering them itself, and keeps every reply
// it gets.
type dsCaller struct {
	router  *DataServiceRouter
	next    RequestID
	replies map[RequestID][]any
}

// dsCall asks a dsCaller to send msg (its ID is filled in) and to say
// which ID it used.
type dsCall struct {
	msg any
	id  *RequestID
}

func (c *dsCaller) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case dsCall:
		c.next++
		*m.id = c.next
		req := m.msg
		switch r := req.(type) {
		case ReadPage:
			r.ID = c.next
			req = r
		case WriteMessage:
			r.ID = c.next
			req = r
		case EditMessage:
			r.ID = c.next
			req = r
		case DeleteMessage:
			r.ID = c.next
			req = r
		}
		if err := c.router.Send(ctx, req); err != nil {
			panic(err)
		}
	case Ack:
		c.replies[m.ID] = append(c.replies[m.ID], m)
	case PageReply:
		c.replies[m.ID] = append(c.replies[m.ID], m)
	case ErrorReply:
		c.replies[m.ID] = append(c.replies[m.ID], m)
	default:
		panic(fmt.Sprintf("dsCaller got a %T", msg))
	}
}

// caller spawns a dsCaller on the first client node.
func (dw *dsWorld) caller() (sim.PID, *dsCaller) {
	c := &dsCaller{router: dw.router, replies: map[RequestID][]any{}}
	return dw.w.Spawn(dw.clients[0], "caller", c), c
}

// call sends msg through the caller and runs the world until its reply
// arrives; it returns the reply.
func (dw *dsWorld) call(pid sim.PID, c *dsCaller, msg any) any {
	dw.t.Helper()
	var id RequestID
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
func (dw *dsWorld) write(pid sim.PID, c *dsCaller, channel Snowflake, content string) Snowflake {
	dw.t.Helper()
	switch r := dw.call(pid, c, WriteMessage{Channel: channel, Author: 7, Content: content}).(type) {
	case Ack:
		return r.Message
	case ErrorReply:
		dw.fatalf("write %q: %v", content, r.Err)
	}
	panic("unreachable")
}

// page reads channel's latest limit messages through the tier.
func (dw *dsWorld) page(pid sim.PID, c *dsCaller, channel Snowflake, limit int) []Message {
	dw.t.Helper()
	switch r := dw.call(pid, c, ReadPage{Query: Query{Channel: channel, Limit: limit}}).(type) {
	case PageReply:
		return r.Messages
	case ErrorReply:
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
		cs, rs := dw.coords[n].Stats(), dw.replicas[n].Stats()
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
