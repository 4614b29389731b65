package sim

import (
	"slices"
	"strconv"
)

// PID identifies a process for the whole run: PIDs are never reused, so a
// message to a dead process is simply lost, as in Erlang. 0 is "no process".
type PID uint32

// Handler is a process: Receive runs to completion for each message, reading
// and changing the process's own state and asking ctx to send, set timers or
// declare work. It never blocks.
type Handler interface {
	Receive(ctx *Ctx, msg any)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx *Ctx, msg any)

// Receive calls f.
func (f HandlerFunc) Receive(ctx *Ctx, msg any) { f(ctx, msg) }

// Starter is implemented by handlers that need to act before their first
// message (set timers, monitor, dial): Start runs once, right after spawn.
type Starter interface {
	Start(ctx *Ctx)
}

// Reason says why a process exited.
type Reason string

const (
	ReasonNormal   Reason = "normal"       // it asked to stop
	ReasonKilled   Reason = "killed"       // killed from outside (fault or Kill)
	ReasonShutdown Reason = "shutdown"     // stopped by its supervisor
	ReasonNodeDown Reason = "nodedown"     // its node crashed
	ReasonNoConn   Reason = "noconnection" // the link to its node broke
	ReasonNoProc   Reason = "noproc"       // it did not exist when monitored
)

// Down is delivered to a process monitoring another when the watched process
// exits or its node becomes unreachable.
type Down struct {
	Ref    MonitorRef
	PID    PID
	Reason Reason
}

// Exit is delivered to a process that traps exits when a linked process
// exits.
type Exit struct {
	From   PID
	Reason Reason
}

// MonitorRef identifies one monitor.
type MonitorRef uint64

// TimerID identifies one timer.
type TimerID uint64

type procState uint8

const (
	stIdle     procState = iota // waiting for a message
	stStarting                  // spawned, Start not run yet
	stRunnable                  // in its node's run queue
	stBusy                      // holding a scheduler for declared work
	stDead
)

// proc is kept to 64 bytes, one cache line: a million idle sessions must fit
// (target <= 300 B of sim overhead each), and with a million processes every
// event's first touch of its process is a cache miss, so it should be one.
// Everything rare lives in rel, allocated on first use; names are interned.
type proc struct {
	pid      PID
	nodeSlot int32
	nameID   uint32 // index into World.names
	state    procState
	exiting  bool
	node     *Node
	handler  Handler
	mbox     *mailbox
	rel      *relations
	rng      Rand
}

type relations struct {
	watchers  []monitor // processes monitoring this one
	watching  []monitor // processes this one monitors
	links     []PID
	conns     []ConnID
	ports     []portBinding
	names     []string
	trapExit  bool
	exitCause Reason
}

type monitor struct {
	ref MonitorRef
	pid PID
}

type portBinding struct {
	udp  bool
	port uint16
}

func (w *World) label(p *proc) string {
	return w.names[p.nameID] + "#" + strconv.FormatUint(uint64(p.pid), 10)
}

// intern returns the id of a process name.
func (w *World) intern(name string) uint32 {
	id, ok := w.nameIDs[name]
	if !ok {
		id = uint32(len(w.names))
		w.names = append(w.names, name)
		w.nameIDs[name] = id
	}
	return id
}

func (p *proc) relations() *relations {
	if p.rel == nil {
		p.rel = &relations{}
	}
	return p.rel
}

// ---- mailboxes ----

type mailEntry struct {
	msg   any
	timer TimerID // non-zero for a timer message: cancellable until handled
	from  PID
}

type mailbox struct {
	buf        []mailEntry
	head, size int
	// peak is the largest size since the last MailboxPeak call: a sampler
	// that looks once a second would otherwise see only the instant's
	// depth, which is almost always 0 between bursts.
	peak int
}

func (m *mailbox) push(e mailEntry) {
	if m.size == len(m.buf) {
		nb := make([]mailEntry, max(4, 2*len(m.buf)))
		for i := 0; i < m.size; i++ {
			nb[i] = m.buf[(m.head+i)%len(m.buf)]
		}
		m.buf, m.head = nb, 0
	}
	m.buf[(m.head+m.size)%len(m.buf)] = e
	m.size++
	m.peak = max(m.peak, m.size)
}

func (m *mailbox) pop() (mailEntry, bool) {
	if m.size == 0 {
		return mailEntry{}, false
	}
	e := m.buf[m.head]
	m.buf[m.head] = mailEntry{}
	m.head = (m.head + 1) % len(m.buf)
	m.size--
	return e, true
}

// MailboxDepth returns the number of messages waiting in pid's mailbox.
func (w *World) MailboxDepth(pid PID) int {
	p := w.proc(pid)
	if p == nil || p.mbox == nil {
		return 0
	}
	return p.mbox.size
}

// MailboxPeak returns the largest depth pid's mailbox reached since the
// previous MailboxPeak call for pid (or since spawn), and starts a new
// interval at the current depth. It is for samplers between RunUntil
// steps: it reads no random stream and schedules nothing, so calling it
// never changes the run or its fingerprint.
func (w *World) MailboxPeak(pid PID) int {
	p := w.proc(pid)
	if p == nil || p.mbox == nil {
		return 0
	}
	peak := p.mbox.peak
	p.mbox.peak = p.mbox.size
	return peak
}

// EachProcess calls fn for every live process in PID order (spawn order):
// deterministic, and allocation-free, for samplers between RunUntil steps.
// fn must not spawn or kill processes.
func (w *World) EachProcess(fn func(pid PID)) {
	for pid := PID(1); uint64(pid) < w.procCount; pid++ {
		if w.proc(pid) != nil {
			fn(pid)
		}
	}
}

// Alive reports whether pid is a live process.
func (w *World) Alive(pid PID) bool { return w.proc(pid) != nil }

// ProcessName returns "name#pid" for a live process, "" otherwise.
func (w *World) ProcessName(pid PID) string {
	if !w.Alive(pid) {
		return ""
	}
	return w.label(w.proc(pid))
}

// ProcessNode returns the node of a live process.
func (w *World) ProcessNode(pid PID) (NodeID, bool) {
	if !w.Alive(pid) {
		return NoNode, false
	}
	return w.proc(pid).node.id, true
}

// ---- the process table ----

// Processes live in fixed-size chunks indexed by PID: a PID lookup is one
// memory access (no pointer per process to chase, no per-process allocation
// header), and a *proc stays valid for the whole run.
const procChunkBits = 10

type procChunk [1 << procChunkBits]proc

func (w *World) proc(pid PID) *proc {
	c := int(pid >> procChunkBits)
	if c >= len(w.procTable) {
		return nil
	}
	p := &w.procTable[c][pid&(1<<procChunkBits-1)]
	if p.pid == 0 || p.state == stDead {
		return nil
	}
	return p
}

func (w *World) newProc() *proc {
	pid := w.procCount
	c := int(pid >> procChunkBits)
	if c == len(w.procTable) {
		w.procTable = append(w.procTable, new(procChunk))
	}
	w.procCount++
	return &w.procTable[c][pid&(1<<procChunkBits-1)]
}

// ---- spawn, run, work ----

// Spawn starts a process on node id from outside any process (test drivers,
// scenario set-up).
func (w *World) Spawn(id NodeID, name string, h Handler) PID {
	n := w.node(id)
	Assertf(n.up, "sim: Spawn on node %s, which is down", n.name)
	return w.spawn(n, name, h, 0)
}

func (w *World) spawn(n *Node, name string, h Handler, parent PID) PID {
	Assert(h != nil, "sim: spawn with a nil handler")
	Assert(w.procCount < 1<<32-1, "sim: PID space exhausted")
	pid := PID(w.procCount)
	k := n.spawnCount[name]
	n.spawnCount[name] = k + 1
	p := w.newProc()
	*p = proc{pid: pid, node: n, nameID: w.intern(name), handler: h, nodeSlot: int32(len(n.procs))}
	// A process's stream depends on its node, name and how many processes of
	// that name the node started before: not on global spawn order.
	p.rng.state = mix64(DeriveSeed(w.cfg.Seed, n.name) ^ hashString(name) ^ mix64(uint64(k)+1))
	w.net.pidNode = append(w.net.pidNode, n.id)
	n.procs = append(n.procs, pid)
	w.stats.Spawns++
	w.note(noteSpawn, uint64(pid), uint64(parent))
	if w.trace.out != nil {
		w.traceLine(traceRecord{kind: "spawn", node: n.id, pid: pid, from: parent})
	}
	if _, ok := h.(Starter); ok {
		p.state = stStarting
		w.schedule(event{at: w.now, kind: evStart, pid: pid})
	}
	return pid
}

func (w *World) startProc(p *proc) {
	if p.state != stStarting {
		return
	}
	p.state = stIdle
	w.runHandler(p, p.pid, func(ctx *Ctx) { p.handler.(Starter).Start(ctx) })
	if p.state == stIdle && p.mbox != nil && p.mbox.size > 0 {
		p.state = stRunnable
		p.node.runq.push(p.pid)
		w.dispatch(p.node)
	}
}

// deliver hands msg to p now if it is idle and a scheduler is free, and
// queues it in p's mailbox otherwise.
func (w *World) deliver(p *proc, from PID, msg any) {
	w.deliverEntry(p, mailEntry{msg: msg, from: from})
}

func (w *World) deliverEntry(p *proc, e mailEntry) {
	if w.trace.out != nil {
		kind := "recv"
		if e.timer != 0 {
			kind = "timer"
		}
		w.traceLine(traceRecord{kind: kind, node: p.node.id, pid: p.pid, from: e.from, msg: e.msg})
	}
	if p.state == stIdle && p.node.freeSchedulers > 0 {
		w.runMessage(p, e)
		return
	}
	if p.mbox == nil {
		p.mbox = &mailbox{}
	}
	if p.mbox.size >= w.cfg.MailboxLimit {
		w.stats.MailboxDrops++
		w.note(noteDrop, uint64(p.pid), dropMailboxFull)
		w.traceLine(traceRecord{kind: "drop", node: p.node.id, pid: p.pid, from: e.from, msg: e.msg, detail: "mailbox-full"})
		if e.timer != 0 {
			delete(w.inMailbox, e.timer)
		}
		return
	}
	p.mbox.push(e)
	if e.timer != 0 {
		w.inMailbox[e.timer] = struct{}{}
	}
	if p.state == stIdle {
		p.state = stRunnable
		p.node.runq.push(p.pid)
	}
}

// runMessage runs p's handler on one message and accounts for its work.
func (w *World) runMessage(p *proc, e mailEntry) {
	w.stats.Deliveries++
	w.runHandler(p, e.from, func(ctx *Ctx) { p.handler.Receive(ctx, e.msg) })
}

// runHandler runs fn as p's code: the context is p's, declared work occupies
// one of the node's schedulers afterwards, and an exit request is honoured.
func (w *World) runHandler(p *proc, from PID, fn func(*Ctx)) {
	ctx := &w.ctx
	ctx.p = p
	ctx.from = from
	ctx.work = 0
	prev := w.cur
	w.cur = p
	fn(ctx)
	w.cur = prev
	ctx.p = nil
	if p.exiting {
		w.terminate(p, p.rel.exitCause, true)
		return
	}
	if ctx.work > 0 {
		if p.state != stBusy {
			p.state = stBusy
			p.node.freeSchedulers--
		}
		w.schedule(event{at: w.now.Add(ctx.work), kind: evWorkDone, pid: p.pid})
	}
}

func (w *World) workDone(pid PID) {
	p := w.proc(pid)
	if p == nil || p.state != stBusy {
		return
	}
	w.curN = p.node.id
	p.node.freeSchedulers++
	if p.mbox != nil && p.mbox.size > 0 {
		p.state = stRunnable
		p.node.runq.push(pid)
	} else {
		p.state = stIdle
	}
	w.dispatch(p.node)
}

// dispatch gives free schedulers to runnable processes in FIFO order. A
// process handles messages until its mailbox is empty or it declares work.
func (w *World) dispatch(n *Node) {
	for n.freeSchedulers > 0 {
		pid, ok := n.runq.pop()
		if !ok {
			return
		}
		p := w.proc(pid)
		if p == nil || p.state != stRunnable {
			continue
		}
		p.state = stIdle
		for p.state == stIdle {
			e, ok := p.mbox.pop()
			if !ok {
				break
			}
			if e.timer != 0 {
				delete(w.inMailbox, e.timer)
				if _, c := w.cancelled[e.timer]; c {
					delete(w.cancelled, e.timer)
					continue
				}
			}
			w.curN = n.id
			w.runMessage(p, e)
		}
	}
}

// ---- timers ----

func (w *World) setTimer(p *proc, d Duration, msg any) TimerID {
	if d < 0 {
		d = 0
	}
	w.timerSeq++
	id := TimerID(w.timerSeq)
	deadline := p.node.clock.mono(w.now).Add(d)
	at := p.node.clock.trueAt(deadline, w.now)
	w.schedule(event{at: at, kind: evTimer, pid: p.pid, a: uint64(id), aux: int64(deadline), msg: msg})
	return id
}

func (w *World) fireTimer(e *event) {
	id := TimerID(e.a)
	w.fold(e, 0)
	if _, c := w.cancelled[id]; c {
		delete(w.cancelled, id)
		return
	}
	p := w.proc(e.pid)
	if p == nil {
		return
	}
	w.curN = p.node.id
	w.stats.TimersFired++
	w.deliverEntry(p, mailEntry{msg: e.msg, from: p.pid, timer: id})
}

// cancelTimer cancels a timer that has not been handled yet. Cancelling a
// timer whose message was already handled does nothing; the set of
// cancellations is purged of such ids when it grows, so it stays bounded.
func (w *World) cancelTimer(id TimerID) {
	if id == 0 || TimerID(w.timerSeq) < id {
		return
	}
	w.cancelled[id] = struct{}{}
	w.stats.TimersCancelled++
	if len(w.cancelled) > w.cancelPurgeAt {
		w.purgeCancelled()
	}
}

func (w *World) purgeCancelled() {
	keep := make(map[TimerID]struct{}, len(w.cancelled))
	w.q.forEach(func(e *event) {
		if e.kind == evTimer {
			if _, ok := w.cancelled[TimerID(e.a)]; ok {
				keep[TimerID(e.a)] = struct{}{}
			}
		}
	})
	for _, id := range w.inMailboxIDs() {
		if _, ok := w.cancelled[id]; ok {
			keep[id] = struct{}{}
		}
	}
	w.cancelled = keep
	w.cancelPurgeAt = max(1024, 2*len(keep))
}

func (w *World) inMailboxIDs() []TimerID {
	ids := make([]TimerID, 0, len(w.inMailbox))
	for id := range w.inMailbox { //detlint:allow collected into a slice and used only for set membership
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// ---- exit ----

// Kill ends pid at once with ReasonKilled (a fault: the process cannot trap
// it). Monitors and links are notified as for any exit.
func (w *World) Kill(pid PID) {
	if p := w.proc(pid); p != nil {
		w.note(noteKill, uint64(pid), 0)
		w.traceLine(traceRecord{kind: "fault", node: p.node.id, pid: pid, detail: "kill"})
		w.terminate(p, ReasonKilled, true)
	}
}

// terminate removes p. notify is false when its node crashed: then nobody on
// the node is left to tell, and remote peers learn through the link.
func (w *World) terminate(p *proc, reason Reason, notify bool) {
	if p.state == stDead {
		return
	}
	n := p.node
	if p.state == stBusy {
		n.freeSchedulers++
	}
	p.state = stDead
	w.stats.Exits++
	w.note(noteExit, uint64(p.pid), hashString(string(reason)))
	if w.trace.out != nil {
		w.traceLine(traceRecord{kind: "exit", node: n.id, pid: p.pid, detail: string(reason)})
	}
	last := len(n.procs) - 1
	if int(p.nodeSlot) != last {
		moved := n.procs[last]
		n.procs[p.nodeSlot] = moved
		w.proc(moved).nodeSlot = p.nodeSlot
	}
	n.procs = n.procs[:last]
	if p.mbox != nil {
		for {
			e, ok := p.mbox.pop()
			if !ok {
				break
			}
			if e.timer != 0 {
				delete(w.inMailbox, e.timer)
				delete(w.cancelled, e.timer)
			}
		}
		p.mbox = nil
	}
	if r := p.rel; r != nil {
		for _, name := range r.names {
			if n.names[name] == p.pid {
				delete(n.names, name)
			}
		}
		for _, b := range r.ports {
			if b.udp {
				if n.udp[b.port] == p.pid {
					delete(n.udp, b.port)
				}
			} else if n.listeners[b.port] == p.pid {
				delete(n.listeners, b.port)
			}
		}
		for _, c := range r.conns {
			w.connOwnerDied(c, p, notify)
		}
		for _, m := range r.watching {
			if t := w.proc(m.pid); t != nil && t.rel != nil {
				t.rel.watchers = removeMonitor(t.rel.watchers, m.ref)
			}
		}
		if notify {
			for _, m := range r.watchers {
				w.sendFrom(n, p.pid, m.pid, Down{Ref: m.ref, PID: p.pid, Reason: reason}, false)
			}
			for _, l := range r.links {
				if t := w.proc(l); t != nil && t.rel != nil {
					t.rel.links = removePID(t.rel.links, p.pid)
				}
				w.sendFrom(n, p.pid, l, exitSignal{from: p.pid, reason: reason}, true)
			}
		}
	}
	p.handler, p.rel = nil, nil // let the garbage collector have them
	if n.up && notify {
		w.dispatch(n)
	}
}

type exitSignal struct {
	from   PID
	reason Reason
}

// signal applies an exit signal from a linked process (or Ctx.Kill).
func (w *World) signal(p *proc, s exitSignal) {
	if s.reason == reasonKill {
		w.terminate(p, ReasonKilled, true)
		return
	}
	if p.rel != nil {
		p.rel.links = removePID(p.rel.links, s.from)
	}
	if p.rel != nil && p.rel.trapExit {
		w.deliver(p, s.from, Exit{From: s.from, Reason: s.reason})
		return
	}
	if s.reason == ReasonNormal {
		return
	}
	w.terminate(p, s.reason, true)
}

// reasonKill is the untrappable signal Ctx.Kill sends.
const reasonKill Reason = "kill"

func removeMonitor(ms []monitor, ref MonitorRef) []monitor {
	for i := range ms {
		if ms[i].ref == ref {
			return slices.Delete(ms, i, i+1)
		}
	}
	return ms
}

func removePID(ps []PID, pid PID) []PID {
	for i := range ps {
		if ps[i] == pid {
			return slices.Delete(ps, i, i+1)
		}
	}
	return ps
}

func sortPIDs(ps []PID) { slices.Sort(ps) }
