package sim

import "fmt"

// Ctx is what a process sees of the world while one of its handlers runs: its
// node's clocks, sending, timers, spawning, monitors, its random stream, its
// node's disk, declared work and the trace. It is valid only during the call
// that received it; never keep it.
type Ctx struct {
	w    *World
	p    *proc
	from PID
	work Duration
}

// Self returns the running process's PID.
func (c *Ctx) Self() PID { return c.p.pid }

// Name returns the running process's name.
func (c *Ctx) Name() string { return c.w.names[c.p.nameID] }

// Node returns the running process's node.
func (c *Ctx) Node() NodeID { return c.p.node.id }

// NodeName returns the running process's node name.
func (c *Ctx) NodeName() string { return c.p.node.name }

// Region returns the region of the running process's node.
func (c *Ctx) Region() string { return c.w.cfg.Regions[c.p.node.region] }

// Sender returns the PID that sent the message being handled (0 for world
// actions and stream or datagram events, the process itself for timers).
func (c *Ctx) Sender() PID { return c.from }

// Now returns the node's wall clock: true time plus skew, drift and jumps.
// Use it for timestamps (snowflakes, logs), not for measuring durations.
func (c *Ctx) Now() Time { return c.p.node.clock.wall(c.w.now) }

// Monotonic returns the node's monotonic clock: it drifts with the node but
// never jumps. Use it to measure durations; timers run on it.
func (c *Ctx) Monotonic() Time { return c.p.node.clock.mono(c.w.now) }

// Rand returns the process's own random stream.
func (c *Ctx) Rand() *Rand { return &c.p.rng }

// Send sends msg to pid: at once on the same node, over the node pair's link
// otherwise (ordered per node pair, never duplicated, lost only if the link
// breaks). A message to a process that does not exist is dropped silently.
func (c *Ctx) Send(to PID, msg any) { c.w.sendFrom(c.p.node, c.p.pid, to, msg, false) }

// SendNamed sends msg to the process registered as name on node, resolving
// the name when the message arrives (Erlang's {Name, Node} ! Msg).
func (c *Ctx) SendNamed(node NodeID, name string, msg any) {
	c.w.sendNamed(c.p.node, c.p.pid, node, name, msg)
}

// Register names the running process on its node; false if the name is taken.
func (c *Ctx) Register(name string) bool {
	n := c.p.node
	if _, taken := n.names[name]; taken {
		return false
	}
	n.names[name] = c.p.pid
	r := c.p.relations()
	r.names = append(r.names, name)
	return true
}

// WhereIs returns the process registered as name on the running process's
// own node (a local lookup: remote names are only reachable by SendNamed).
func (c *Ctx) WhereIs(name string) (PID, bool) {
	pid, ok := c.p.node.names[name]
	return pid, ok
}

// SetTimer delivers msg to the running process after d on its node's
// monotonic clock (drift makes it fire early or late in true time; clock
// jumps do not move it).
func (c *Ctx) SetTimer(d Duration, msg any) TimerID { return c.w.setTimer(c.p, d, msg) }

// CancelTimer cancels a timer whose message has not been handled yet, even if
// it already waits in the mailbox.
func (c *Ctx) CancelTimer(id TimerID) { c.w.cancelTimer(id) }

// Spawn starts a process on the running process's node.
func (c *Ctx) Spawn(name string, h Handler) PID {
	return c.w.spawn(c.p.node, name, h, c.p.pid)
}

// SpawnLink spawns and links in one step, so that no exit is missed between
// the two.
func (c *Ctx) SpawnLink(name string, h Handler) PID {
	pid := c.Spawn(name, h)
	c.Link(pid)
	return pid
}

// Monitor asks for a Down message when pid exits or becomes unreachable. If
// pid does not exist, Down with ReasonNoProc arrives at once.
func (c *Ctx) Monitor(pid PID) MonitorRef {
	w := c.w
	w.refSeq++
	ref := MonitorRef(w.refSeq)
	t := w.proc(pid)
	if t == nil {
		w.sendLocal(c.p.pid, c.p.pid, Down{Ref: ref, PID: pid, Reason: ReasonNoProc}, false)
		return ref
	}
	if w.net.unreachable(c.p.node, t.node) {
		// As in Erlang: monitoring across a broken link answers at once.
		w.sendLocal(pid, c.p.pid, Down{Ref: ref, PID: pid, Reason: ReasonNoConn}, false)
		return ref
	}
	tr := t.relations()
	tr.watchers = append(tr.watchers, monitor{ref: ref, pid: c.p.pid})
	r := c.p.relations()
	r.watching = append(r.watching, monitor{ref: ref, pid: pid})
	return ref
}

// Demonitor removes a monitor. A Down already on its way still arrives.
func (c *Ctx) Demonitor(ref MonitorRef) {
	r := c.p.rel
	if r == nil {
		return
	}
	for _, m := range r.watching {
		if m.ref == ref {
			if t := c.w.proc(m.pid); t != nil && t.rel != nil {
				t.rel.watchers = removeMonitor(t.rel.watchers, ref)
			}
		}
	}
	r.watching = removeMonitor(r.watching, ref)
}

// Link links the running process with pid: when either exits abnormally the
// other exits too, unless it traps exits and gets an Exit message instead.
// Linking to a process that does not exist is an exit signal noproc.
func (c *Ctx) Link(pid PID) {
	w := c.w
	t := w.proc(pid)
	if t == nil {
		w.sendLocal(c.p.pid, c.p.pid, exitSignal{from: pid, reason: ReasonNoProc}, true)
		return
	}
	if w.net.unreachable(c.p.node, t.node) {
		w.sendLocal(pid, c.p.pid, exitSignal{from: pid, reason: ReasonNoConn}, true)
		return
	}
	r := c.p.relations()
	for _, l := range r.links {
		if l == pid {
			return
		}
	}
	r.links = append(r.links, pid)
	tr := t.relations()
	tr.links = append(tr.links, c.p.pid)
}

// Unlink removes a link.
func (c *Ctx) Unlink(pid PID) {
	if c.p.rel != nil {
		c.p.rel.links = removePID(c.p.rel.links, pid)
	}
	if t := c.w.proc(pid); t != nil && t.rel != nil {
		t.rel.links = removePID(t.rel.links, c.p.pid)
	}
}

// TrapExit makes exit signals from linked processes arrive as Exit messages.
func (c *Ctx) TrapExit(on bool) { c.p.relations().trapExit = on }

// Exit ends the running process when its handler returns.
func (c *Ctx) Exit(reason Reason) {
	c.p.exiting = true
	c.p.relations().exitCause = reason
}

// Kill sends pid an exit signal it cannot trap: it dies with ReasonKilled.
func (c *Ctx) Kill(pid PID) { c.SendExit(pid, reasonKill) }

// SendExit sends pid an exit signal with reason (Erlang's exit/2): pid exits
// with it unless it traps exits, in which case it gets an Exit message. A
// ReasonNormal signal is ignored by a process that does not trap exits.
func (c *Ctx) SendExit(pid PID, reason Reason) {
	c.w.sendFrom(c.p.node, c.p.pid, pid, exitSignal{from: c.p.pid, reason: reason}, true)
}

// MonitorNode asks for a NodeDown message when the link to node breaks or
// node crashes (once detected).
func (c *Ctx) MonitorNode(node NodeID) { c.w.net.monitorNode(c.p.pid, node) }

// NodeDown is delivered to processes that called MonitorNode.
type NodeDown struct{ Node NodeID }

// Work declares that handling the current message costs d of CPU: the
// process then holds one of its node's schedulers for d, so messages queue
// behind it and other processes wait for a scheduler.
func (c *Ctx) Work(d Duration) {
	if d > 0 {
		c.work += d
	}
}

// Disk returns the node's disk; Sync through it keeps the process busy for
// the node's sync latency.
func (c *Ctx) Disk() *DiskHandle { return &DiskHandle{d: &c.p.node.disk, ctx: c} }

// Buggify reports true, rarely and deterministically, at a named point in a
// run with buggify enabled, so that rare paths get exercised. A site is
// active in a run with Config.BuggifyActivatePercent chance, decided on its
// first use; an active site fires with Config.BuggifyFirePercent chance.
func (c *Ctx) Buggify(site string) bool { return c.w.buggify.ask(site, c.p) }

// Log writes a line to the trace (if a trace sink is set).
func (c *Ctx) Log(format string, args ...any) {
	if c.w.trace.out == nil {
		return
	}
	c.w.traceLine(traceRecord{kind: "log", node: c.p.node.id, pid: c.p.pid, detail: fmt.Sprintf(format, args...)})
}

// ---- sending between processes ----

const sigExit uint32 = 1 // event.gen marker of an exit signal

func (w *World) sendLocal(from, to PID, msg any, sig bool) {
	var g uint32
	if sig {
		g = sigExit
	}
	w.schedule(event{at: w.now, kind: evDeliver, pid: to, a: uint64(from), msg: msg, gen: g})
}

// Send delivers msg to pid from outside any process (test drivers): at once,
// with sender 0.
func (w *World) Send(to PID, msg any) { w.sendLocal(0, to, msg, false) }

func (w *World) sendFrom(src *Node, from, to PID, msg any, sig bool) {
	t := w.proc(to)
	if t == nil {
		w.stats.DeadLetters++
		w.note(noteDrop, uint64(to), dropNoProc)
		return
	}
	if t.node == src {
		w.sendLocal(from, to, msg, sig)
		return
	}
	kind := pkMsg
	if sig {
		kind = pkSignal
	}
	w.net.sendDist(src, t.node, packet{to: to, from: from, kind: kind, msg: msg})
}

type namedMsg struct {
	name string
	msg  any
}

func (w *World) sendNamed(src *Node, from PID, node NodeID, name string, msg any) {
	dst := w.node(node)
	if dst == src {
		if pid, ok := dst.names[name]; ok {
			w.sendLocal(from, pid, msg, false)
		} else {
			w.stats.DeadLetters++
		}
		return
	}
	w.net.sendDist(src, dst, packet{from: from, kind: pkNamed, msg: namedMsg{name: name, msg: msg}})
}

// WireSize counts the wrapped message's bytes, not the wrapper's.
func (m namedMsg) WireSize() int { return wireSize(m.msg) }
