package sim

import (
	"fmt"
	"io"
)

// Config describes a world. The zero value of every field but Seed takes the
// documented default; NewWorld rejects values out of range with an error that
// names the field.
type Config struct {
	// Seed is the root of every random stream. One seed, one run.
	Seed uint64
	// Start is the true time at which the run starts (default DefaultStart,
	// 2026-01-01T00:00:00Z).
	Start Time
	// Regions names the regions nodes live in (default: one region "local").
	Regions []string
	// Net holds latency, jitter, loss and timeout parameters.
	Net NetConfig
	// MailboxLimit bounds every mailbox (default 1<<20 messages). A message
	// that arrives at a full mailbox is dropped, counted in Stats.MailboxDrops
	// and traced with kind "drop" and reason "mailbox-full": a real system
	// sheds load at its queue bound and the testbed must show it, not grow
	// memory without bound.
	MailboxLimit int
	// MaxEvents is the event budget of the whole run (default 1e9): a run that
	// uses it up returns a *BudgetError instead of hanging.
	MaxEvents uint64
	// StopAtEvent stops the run before processing event number N (0 = never),
	// StopAtTime at the first event after Start+StopAtTime (0 = never): the
	// world stays frozen there for inspection.
	StopAtEvent uint64
	StopAtTime  Duration
	// Buggify turns Ctx.Buggify points on (see buggify.go).
	Buggify bool
	// BuggifyActivatePercent is the chance that a buggify site is active in
	// this run (default 25, as in FoundationDB); BuggifyFirePercent the chance
	// that an active site fires each time it is asked (default 25).
	BuggifyActivatePercent int
	BuggifyFirePercent     int
}

// World is one deterministic run: virtual time, the event queue, nodes,
// processes, the network and the trace. It is not safe for concurrent use;
// separate worlds are independent and may run in parallel.
type World struct {
	cfg    Config
	now    Time
	events uint64
	q      queue

	nodes      []*Node
	nodeByName map[string]NodeID
	regionIdx  map[string]int

	procTable []*procChunk // indexed by PID, see proc.go
	names     []string     // interned process names
	nameIDs   map[string]uint32
	procCount uint64 // PIDs handed out, including PID 0
	touched   uint32 // sink of the early cache touch in step
	ctx       Ctx
	cur       *proc  // process whose handler runs now
	curN      NodeID // node of the current event, or NoNode

	net           network
	conns         []*conn
	timerSeq      uint64
	cancelled     map[TimerID]struct{} // cancelled timers not handled yet
	inMailbox     map[TimerID]struct{} // fired timers waiting in a mailbox
	cancelPurgeAt int
	refSeq        uint64

	buggify buggifyState
	cover   coverState
	trace   traceState
	stats   Stats
	failed  error
}

// Stats counts what happened in a run.
type Stats struct {
	Events          uint64 `json:"events"`
	Spawns          uint64 `json:"spawns"`
	Exits           uint64 `json:"exits"`
	Deliveries      uint64 `json:"deliveries"`    // messages handed to a handler
	MailboxDrops    uint64 `json:"mailbox_drops"` // messages dropped at a full mailbox
	DeadLetters     uint64 `json:"dead_letters"`  // messages to a process that no longer exists
	DistMessages    uint64 `json:"dist_messages"` // process messages sent between nodes
	DistLost        uint64 `json:"dist_lost"`     // lost when a link broke or a node crashed
	StreamSegments  uint64 `json:"stream_segments"`
	StreamRetrans   uint64 `json:"stream_retrans"` // segments that needed at least one retransmission
	Datagrams       uint64 `json:"datagrams"`
	DatagramsLost   uint64 `json:"datagrams_lost"`
	DatagramsDup    uint64 `json:"datagrams_dup"`
	BytesDist       uint64 `json:"bytes_dist"`
	BytesStream     uint64 `json:"bytes_stream"`
	BytesDatagram   uint64 `json:"bytes_datagram"`
	LinkBreaks      uint64 `json:"link_breaks"`
	StreamTimeouts  uint64 `json:"stream_timeouts"`
	Crashes         uint64 `json:"crashes"`
	Restarts        uint64 `json:"restarts"`
	TimersFired     uint64 `json:"timers_fired"`
	TimersCancelled uint64 `json:"timers_cancelled"`
	BuggifyFired    uint64 `json:"buggify_fired"`
}

// NewWorld builds a world from cfg, or says which field is out of range.
func NewWorld(cfg Config) (*World, error) {
	if cfg.Start == 0 {
		cfg.Start = DefaultStart
	}
	if len(cfg.Regions) == 0 {
		cfg.Regions = []string{"local"}
	}
	if cfg.MailboxLimit == 0 {
		cfg.MailboxLimit = 1 << 20
	}
	if cfg.MailboxLimit < 0 {
		return nil, fmt.Errorf("sim: Config.MailboxLimit %d: must be positive", cfg.MailboxLimit)
	}
	if cfg.MaxEvents == 0 {
		cfg.MaxEvents = 1_000_000_000
	}
	if cfg.StopAtTime < 0 {
		return nil, fmt.Errorf("sim: Config.StopAtTime %s: must not be negative", cfg.StopAtTime)
	}
	if cfg.BuggifyActivatePercent == 0 {
		cfg.BuggifyActivatePercent = 25
	}
	if cfg.BuggifyFirePercent == 0 {
		cfg.BuggifyFirePercent = 25
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"BuggifyActivatePercent", cfg.BuggifyActivatePercent}, {"BuggifyFirePercent", cfg.BuggifyFirePercent}} {
		if p.v < 0 || p.v > 100 {
			return nil, fmt.Errorf("sim: Config.%s %d: must be between 0 and 100", p.name, p.v)
		}
	}
	w := &World{
		cfg:           cfg,
		now:           cfg.Start,
		nodeByName:    map[string]NodeID{},
		regionIdx:     map[string]int{},
		procCount:     1, // PID 0 is "no process"
		nameIDs:       map[string]uint32{},
		cancelled:     map[TimerID]struct{}{},
		inMailbox:     map[TimerID]struct{}{},
		cancelPurgeAt: 1024,
		curN:          NoNode,
	}
	for i, r := range cfg.Regions {
		if r == "" {
			return nil, fmt.Errorf("sim: Config.Regions[%d]: empty region name", i)
		}
		if _, dup := w.regionIdx[r]; dup {
			return nil, fmt.Errorf("sim: Config.Regions: region %q listed twice", r)
		}
		w.regionIdx[r] = i
	}
	if err := w.net.init(w, cfg.Net, len(cfg.Regions)); err != nil {
		return nil, err
	}
	w.cfg.Net = w.net.cfg // with defaults filled in
	w.net.pidNode = []NodeID{NoNode}
	w.procTable = []*procChunk{new(procChunk)}
	w.buggify.init(w)
	w.ctx.w = w
	w.q.prefetch = w.prefetchEntry
	w.trace.fp = foldWord(0, cfg.Seed)
	return w, nil
}

// Seed returns the root seed.
func (w *World) Seed() uint64 { return w.cfg.Seed }

// Config returns the configuration with defaults filled in.
func (w *World) Config() Config { return w.cfg }

// Now returns the true virtual time.
func (w *World) Now() Time { return w.now }

// Elapsed returns the virtual time since the start of the run.
func (w *World) Elapsed() Duration { return w.now.Sub(w.cfg.Start) }

// Events returns the number of events processed so far.
func (w *World) Events() uint64 { return w.events }

// Pending returns the number of scheduled events.
func (w *World) Pending() int { return w.q.Len() }

// Stats returns the run's counters.
func (w *World) Stats() Stats { s := w.stats; s.Events = w.events; return s }

// Fingerprint returns the running 64-bit hash over every event so far. Same
// seed and same code give the same fingerprint, on any machine.
func (w *World) Fingerprint() uint64 { return mix64(w.trace.fp ^ w.events) }

// Err returns the error that stopped the world, if any.
func (w *World) Err() error { return w.failed }

// SetTrace writes one JSON line per traced event to out (nil turns it off),
// keeping only lines that match filter. The fingerprint covers every event
// whatever the filter.
func (w *World) SetTrace(out io.Writer, filter TraceFilter) { w.trace.set(out, filter) }

// schedule adds an event.
func (w *World) schedule(e event) {
	Assert(e.at >= w.now, "sim: event scheduled in the past")
	w.q.push(e)
}

// At runs fn at time t (true time) as a world action: scripted faults, test
// drivers and workload injection use it. label names it in the trace.
func (w *World) At(t Time, label string, fn func()) {
	if t < w.now {
		t = w.now
	}
	w.schedule(event{at: t, kind: evFunc, msg: &callback{label: label, node: NoNode, fn: fn}})
}

// After runs fn after d of true time.
func (w *World) After(d Duration, label string, fn func()) { w.At(w.now.Add(d), label, fn) }

type callback struct {
	label string
	node  NodeID
	fn    func()
}

// Step processes one event. It returns false when the queue is empty or the
// world has stopped; err says why it stopped, if not for an empty queue.
func (w *World) Step() (ok bool, err error) {
	if w.failed != nil {
		return false, w.failed
	}
	defer func() {
		if r := recover(); r != nil {
			w.recoverRun(r)
			ok, err = false, w.failed
		}
	}()
	if !w.q.fill() {
		return false, nil
	}
	if err := w.checkStop(); err != nil {
		return false, err
	}
	w.step()
	return true, nil
}

// Run processes events until none is left, the budget is used up, or a stop
// point is reached. An empty queue is a normal end (nil error).
func (w *World) Run() error { return w.runLoop(maxTime, nil, maxEvents) }

// RunFor runs events for d of virtual time and leaves the clock at now+d.
func (w *World) RunFor(d Duration) error { return w.RunUntil(w.now.Add(d)) }

// RunUntil runs every event at or before t and leaves the clock at t.
func (w *World) RunUntil(t Time) error {
	if err := w.runLoop(t, nil, maxEvents); err != nil {
		return err
	}
	if t > w.now && t != maxTime {
		w.now = t
	}
	return nil
}

// RunUntilCond runs until cond returns true (checked before the first event
// and after each one) or timeout of virtual time passes. It reports whether
// cond became true.
func (w *World) RunUntilCond(cond func() bool, timeout Duration) (bool, error) {
	if cond() {
		return true, nil
	}
	deadline := w.now.Add(timeout)
	err := w.runLoop(deadline, cond, maxEvents)
	if err != nil {
		return false, err
	}
	if cond() {
		return true, nil
	}
	if deadline > w.now {
		w.now = deadline
	}
	return false, nil
}

// RunEvents processes up to n events (fewer if the queue empties first).
func (w *World) RunEvents(n uint64) error {
	target := w.events + n
	if target < w.events {
		target = maxEvents
	}
	return w.runLoop(maxTime, nil, target)
}

const (
	maxTime   Time   = 1<<63 - 1
	maxEvents uint64 = 1<<64 - 1
)

// runLoop processes events up to time until, until cond holds, or until
// the event count reaches limit.
func (w *World) runLoop(until Time, cond func() bool, limit uint64) (err error) {
	if w.failed != nil {
		return w.failed
	}
	defer func() {
		if r := recover(); r != nil {
			w.recoverRun(r)
			err = w.failed
		}
	}()
	for {
		t, ok := w.q.peekTime()
		if !ok || t > until || w.events >= limit {
			return nil
		}
		if err := w.checkStop(); err != nil {
			return err
		}
		w.step()
		if cond != nil && cond() {
			return nil
		}
	}
}

func (w *World) checkStop() error {
	next := w.events + 1
	if next > w.cfg.MaxEvents {
		w.failed = &BudgetError{Where: w.where(), MaxEvents: w.cfg.MaxEvents}
		return w.failed
	}
	if w.cfg.StopAtEvent != 0 && next >= w.cfg.StopAtEvent {
		return &StoppedError{Where: w.where()}
	}
	if w.cfg.StopAtTime != 0 {
		if t, _ := w.q.peekTime(); t > w.cfg.Start.Add(w.cfg.StopAtTime) {
			return &StoppedError{Where: w.where()}
		}
	}
	return nil
}

// step pops and processes one event; the queue must be non-empty.
func (w *World) step() {
	if w.q.fresh {
		w.touchRun()
	}
	e, _ := w.q.pop()
	w.now = e.at
	w.events++
	w.cur = nil
	w.curN = NoNode
	switch e.kind {
	case evDeliver:
		p := w.proc(e.pid)
		if p == nil {
			w.stats.DeadLetters++
			w.fold(&e, 1)
			return
		}
		w.curN = p.node.id
		w.fold(&e, w.typeHash(e.msg))
		if e.gen == sigExit {
			w.signal(p, e.msg.(exitSignal))
			return
		}
		w.deliver(p, PID(e.a), e.msg)
	case evTimer:
		w.fireTimer(&e)
	case evStart:
		p := w.proc(e.pid)
		w.fold(&e, 0)
		if p != nil {
			w.curN = p.node.id
			w.startProc(p)
		}
	case evWorkDone:
		w.fold(&e, 0)
		w.workDone(e.pid)
	case evPipe:
		w.pipeHead(&e)
	case evDatagram:
		w.datagramArrive(&e)
	case evLinkCheck:
		w.fold(&e, 0)
		w.linkCheck(&e)
	case evGiveUp:
		w.fold(&e, 0)
		w.streamGiveUp(&e)
	case evFunc:
		cb := e.msg.(*callback)
		w.curN = cb.node
		w.fold(&e, hashString(cb.label))
		w.traceLine(traceRecord{kind: "call", node: cb.node, detail: cb.label})
		cb.fn()
	default:
		panic(fmt.Sprintf("sim: unknown event kind %d", e.kind))
	}
}

// touchRun loads the processes and messages of a newly opened run of events
// at once. With a million processes each of those loads misses the cache;
// issued together, the misses overlap instead of costing one after another.
func (w *World) touchRun() {
	q := &w.q
	q.fresh = false
	end := min(len(q.run), q.runPos+touchMax)
	var sink uint32
	for k := q.runPos; k < end; k++ {
		x := &q.run[k]
		if c := int(x.pid >> procChunkBits); x.pid != 0 && c < len(w.procTable) {
			sink += uint32(w.procTable[c][x.pid&(1<<procChunkBits-1)].state)
		}
		if x.ref != 0 && q.msgs[x.ref-1] != nil {
			sink++
		}
	}
	w.touched += sink
}

// touchMax bounds touchRun: more than this many lines would evict each other.
const touchMax = 32

// prefetchEntry is the queue's prefetch hook, called for each event moving
// into the last wheel level (it runs within ~2 ms of virtual time).
func (w *World) prefetchEntry(x *qent) {
	if c := int(x.pid >> procChunkBits); x.pid != 0 && c < len(w.procTable) {
		w.touched += uint32(w.procTable[c][x.pid&(1<<procChunkBits-1)].state)
	}
	if x.ref != 0 && w.q.msgs[x.ref-1] != nil {
		w.touched++
	}
}

// fold mixes one event into the fingerprint.
func (w *World) fold(e *event, extra uint64) {
	fp := w.trace.fp
	fp = foldWord(fp, uint64(e.at))
	fp = foldWord(fp, uint64(e.kind)<<32|uint64(e.pid))
	fp = foldWord(fp, e.a^extra)
	w.trace.fp = fp
}

// note mixes a happening that is not an event of its own (spawn, exit, drop,
// fault) into the fingerprint.
func (w *World) note(code, a, b uint64) {
	fp := foldWord(w.trace.fp, code)
	fp = foldWord(fp, a)
	w.trace.fp = foldWord(fp, b)
}

func (w *World) where() Where {
	wh := Where{Seed: w.cfg.Seed, Event: w.events, Elapsed: w.Elapsed()}
	if n := w.curNode(); n != NoNode {
		wh.Node = w.nodes[n].name
	}
	if w.cur != nil {
		wh.Process = w.label(w.cur)
	}
	return wh
}

func (w *World) curNode() NodeID { return w.curN }

func (w *World) curPID() PID {
	if w.cur == nil {
		return 0
	}
	return w.cur.pid
}
