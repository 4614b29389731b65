package sim

import (
	"fmt"
	"math/bits"
)

// NodeID names a node inside one world (an index, stable for the run).
type NodeID int32

// NoNode is the NodeID of "no node" (world actions, the test driver).
const NoNode NodeID = -1

// NodeConfig describes a virtual machine.
type NodeConfig struct {
	Name   string // unique, e.g. "gateway-us-east-1"
	Region string // one of Config.Regions
	// Schedulers is the number of CPU schedulers (default 4): at most this
	// many processes of the node run declared work (Ctx.Work) at once; the
	// rest wait in the node's run queue with their mailboxes growing.
	Schedulers int
	// ClockSkew offsets the node's wall clock from true time; ClockDriftPPM
	// makes both of its clocks run fast (>0) or slow (<0), in parts per
	// million, |drift| <= 500000.
	ClockSkew     Duration
	ClockDriftPPM int64
	// DiskSyncLatency is how long Disk.Sync keeps the calling process busy
	// (default 2ms, a cloud SSD fsync).
	DiskSyncLatency Duration
	// Boot runs when the node starts and every time it restarts, inside a
	// short-lived "init" process of the node: it spawns the node's processes.
	Boot func(ctx *Ctx)
}

// Node is a virtual machine: a region, a CPU model, local clocks, a disk and
// processes. A crash kills every process and loses unsynced disk writes; its
// clocks keep running; a restart runs Boot again.
type Node struct {
	w            *World
	id           NodeID
	name         string
	region       int
	cfg          NodeConfig
	up           bool
	incarnation  uint32
	downNotified bool // peers were told of the last crash

	clock clock
	disk  Disk

	procs      []PID // live processes; proc.nodeSlot indexes this
	names      map[string]PID
	listeners  map[uint16]PID
	udp        map[uint16]PID
	spawnCount map[string]uint32 // per process name, for stable random streams

	freeSchedulers int
	runq           pidQueue
}

const maxDriftPPM = 500_000

// AddNode adds a node and schedules its boot at the current time.
func (w *World) AddNode(cfg NodeConfig) (NodeID, error) {
	if cfg.Name == "" {
		return NoNode, fmt.Errorf("sim: NodeConfig.Name: empty")
	}
	if _, dup := w.nodeByName[cfg.Name]; dup {
		return NoNode, fmt.Errorf("sim: node %q: name already used", cfg.Name)
	}
	region, ok := w.regionIdx[cfg.Region]
	if !ok {
		if cfg.Region == "" && len(w.cfg.Regions) == 1 {
			region = 0
		} else {
			return NoNode, fmt.Errorf("sim: node %q: region %q is not in Config.Regions %v", cfg.Name, cfg.Region, w.cfg.Regions)
		}
	}
	if cfg.Schedulers == 0 {
		cfg.Schedulers = 4
	}
	if cfg.Schedulers < 0 || cfg.Schedulers > 1024 {
		return NoNode, fmt.Errorf("sim: node %q: Schedulers %d: must be between 1 and 1024", cfg.Name, cfg.Schedulers)
	}
	if cfg.ClockDriftPPM < -maxDriftPPM || cfg.ClockDriftPPM > maxDriftPPM {
		return NoNode, fmt.Errorf("sim: node %q: ClockDriftPPM %d: must be between -%d and %d", cfg.Name, cfg.ClockDriftPPM, maxDriftPPM, maxDriftPPM)
	}
	if cfg.DiskSyncLatency == 0 {
		cfg.DiskSyncLatency = 2 * Millisecond
	}
	if cfg.DiskSyncLatency < 0 {
		return NoNode, fmt.Errorf("sim: node %q: DiskSyncLatency %s: must not be negative", cfg.Name, cfg.DiskSyncLatency)
	}
	id := NodeID(len(w.nodes))
	n := &Node{
		w: w, id: id, name: cfg.Name, region: region, cfg: cfg,
		names: map[string]PID{}, listeners: map[uint16]PID{}, udp: map[uint16]PID{},
		spawnCount: map[string]uint32{},
	}
	n.clock = clock{baseTrue: w.now, baseMono: w.now, ppm: cfg.ClockDriftPPM, offset: cfg.ClockSkew}
	n.disk.init(n)
	w.nodes = append(w.nodes, n)
	w.nodeByName[cfg.Name] = id
	w.net.grow(len(w.nodes))
	w.boot(n)
	return id, nil
}

// MustAddNode is AddNode for test and demo set-up code: it panics on error.
func (w *World) MustAddNode(cfg NodeConfig) NodeID {
	id, err := w.AddNode(cfg)
	if err != nil {
		panic(err)
	}
	return id
}

func (w *World) boot(n *Node) {
	n.up = true
	n.incarnation++
	n.freeSchedulers = n.cfg.Schedulers
	w.note(noteBoot, uint64(n.id), uint64(n.incarnation))
	w.traceLine(traceRecord{kind: "boot", node: n.id})
	if n.cfg.Boot == nil {
		return
	}
	boot := n.cfg.Boot
	init := w.spawn(n, "init", HandlerFunc(func(*Ctx, any) {}), 0)
	w.schedule(event{at: w.now, kind: evFunc, msg: &callback{label: "boot " + n.name, node: n.id, fn: func() {
		p := w.proc(init)
		if p == nil {
			return
		}
		w.runHandler(p, 0, func(ctx *Ctx) { boot(ctx); ctx.Exit(ReasonNormal) })
	}}})
}

// Node returns the node called name.
func (w *World) Node(name string) (NodeID, bool) {
	id, ok := w.nodeByName[name]
	return id, ok
}

// Nodes returns every node ID in creation order.
func (w *World) Nodes() []NodeID {
	ids := make([]NodeID, len(w.nodes))
	for i := range ids {
		ids[i] = NodeID(i)
	}
	return ids
}

// NodeName returns the name of node id.
func (w *World) NodeName(id NodeID) string {
	if id < 0 || int(id) >= len(w.nodes) {
		return ""
	}
	return w.nodes[id].name
}

// NodeRegion returns the region name of node id.
func (w *World) NodeRegion(id NodeID) string { return w.cfg.Regions[w.node(id).region] }

// NodeUp reports whether node id is running.
func (w *World) NodeUp(id NodeID) bool { return w.node(id).up }

// NodeProcesses returns the live processes of node id, in spawn order.
func (w *World) NodeProcesses(id NodeID) []PID {
	n := w.node(id)
	out := make([]PID, len(n.procs))
	copy(out, n.procs)
	sortPIDs(out)
	return out
}

func (w *World) node(id NodeID) *Node {
	Assertf(id >= 0 && int(id) < len(w.nodes), "sim: no node with id %d", id)
	return w.nodes[id]
}

// Crash stops node id at once, like a machine losing power: every process
// dies without running anything, unsynced disk writes are lost, stream peers
// get no FIN (they find out by timeout or by their own heartbeats), and
// process links to the node break. Its clocks keep running. Crash of a node
// that is down does nothing.
func (w *World) Crash(id NodeID) {
	n := w.node(id)
	if !n.up {
		return
	}
	w.stats.Crashes++
	w.note(noteCrash, uint64(id), uint64(n.incarnation))
	w.traceLine(traceRecord{kind: "crash", node: id})
	n.up = false
	// Kill processes in spawn order (deterministic, and readable in a trace).
	pids := make([]PID, len(n.procs))
	copy(pids, n.procs)
	sortPIDs(pids)
	for _, pid := range pids {
		if p := w.proc(pid); p != nil {
			w.terminate(p, ReasonNodeDown, false)
		}
	}
	n.runq = pidQueue{}
	n.disk.crash()
	w.net.nodeCrashed(n)
}

// Restart boots a crashed node again: Boot runs, processes start afresh.
// Restart of a node that is up does nothing.
func (w *World) Restart(id NodeID) {
	n := w.node(id)
	if n.up {
		return
	}
	w.stats.Restarts++
	w.net.nodeRestarting(n)
	w.boot(n)
}

// ---- clocks ----

// clock models a node's two clocks. The monotonic clock runs at
// (1e6+ppm)/1e6 the rate of true time; the wall clock is the monotonic clock
// plus an offset that skew sets and jumps change. Timers run on the monotonic
// clock, as Erlang's send_after and Go's timers do: an NTP step or a VM
// migration moves Now() but never fires a timer early or late.
type clock struct {
	baseTrue Time
	baseMono Time
	ppm      int64
	offset   Duration
}

func (c *clock) mono(t Time) Time {
	if c.ppm == 0 {
		return c.baseMono + (t - c.baseTrue)
	}
	d := uint64(t - c.baseTrue)
	return c.baseMono + Time(mulDiv(d, uint64(1_000_000+c.ppm), 1_000_000))
}

func (c *clock) wall(t Time) Time { return c.mono(t).Add(c.offset) }

// trueAt returns the earliest true time t >= from at which mono(t) >= m.
func (c *clock) trueAt(m Time, from Time) Time {
	if c.mono(from) >= m {
		return from
	}
	if c.ppm == 0 {
		return max(from, c.baseTrue+(m-c.baseMono))
	}
	need := uint64(m - c.baseMono)
	// smallest d with floor(d*(1e6+ppm)/1e6) >= need: d = ceil(need*1e6/(1e6+ppm))
	d := mulDivCeil(need, 1_000_000, uint64(1_000_000+c.ppm))
	t := c.baseTrue + Time(d)
	if t < from {
		t = from
	}
	return t
}

func (c *clock) rebase(t Time) {
	c.baseMono = c.mono(t)
	c.baseTrue = t
}

func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi%c, lo, c)
	return q
}

func mulDivCeil(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, r := bits.Div64(hi%c, lo, c)
	if r != 0 {
		q++
	}
	return q
}

// NodeWallClock returns node id's wall clock (what Ctx.Now returns there).
func (w *World) NodeWallClock(id NodeID) Time { n := w.node(id); return n.clock.wall(w.now) }

// NodeMonotonic returns node id's monotonic clock.
func (w *World) NodeMonotonic(id NodeID) Time { n := w.node(id); return n.clock.mono(w.now) }

// JumpClock steps node id's wall clock by d (forward or back), as an NTP step
// or a VM migration does. Timers are not affected.
func (w *World) JumpClock(id NodeID, d Duration) {
	n := w.node(id)
	n.clock.offset += d
	w.note(noteClock, uint64(id), uint64(d))
	w.traceLine(traceRecord{kind: "fault", node: id, detail: "clock-jump " + d.String()})
}

// SetClockSkew sets node id's wall clock offset from its monotonic clock.
func (w *World) SetClockSkew(id NodeID, skew Duration) {
	n := w.node(id)
	n.clock.offset = skew
	w.note(noteClock, uint64(id), uint64(skew)^1)
	w.traceLine(traceRecord{kind: "fault", node: id, detail: "clock-skew " + skew.String()})
}

// SetClockDrift changes how fast node id's clocks run, in parts per million.
// Pending timers of the node are rescheduled so that each still fires exactly
// when the node's monotonic clock reaches its deadline.
func (w *World) SetClockDrift(id NodeID, ppm int64) error {
	if ppm < -maxDriftPPM || ppm > maxDriftPPM {
		return fmt.Errorf("sim: clock drift %d ppm: must be between -%d and %d", ppm, maxDriftPPM, maxDriftPPM)
	}
	n := w.node(id)
	n.clock.rebase(w.now)
	n.clock.ppm = ppm
	w.note(noteClock, uint64(id), uint64(ppm)^2)
	w.traceLine(traceRecord{kind: "fault", node: id, detail: fmt.Sprintf("clock-drift %dppm", ppm)})
	w.q.rebuild(func(e *event) {
		if e.kind != evTimer {
			return
		}
		if p := w.proc(e.pid); p != nil && p.node == n {
			e.at = n.clock.trueAt(Time(e.aux), w.now)
		}
	})
	return nil
}

// pidQueue is a FIFO ring of PIDs (a node's run queue, a mailbox of signals).
type pidQueue struct {
	buf        []PID
	head, size int
}

func (q *pidQueue) push(p PID) {
	if q.size == len(q.buf) {
		nb := make([]PID, max(8, 2*len(q.buf)))
		for i := 0; i < q.size; i++ {
			nb[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = nb, 0
	}
	q.buf[(q.head+q.size)%len(q.buf)] = p
	q.size++
}

func (q *pidQueue) pop() (PID, bool) {
	if q.size == 0 {
		return 0, false
	}
	p := q.buf[q.head]
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return p, true
}
