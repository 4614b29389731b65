package sim

import "fmt"

// Incident tools: a world built by someone else (a scenario's builder) can
// still be told where to stop, and a stopped world can be read without
// changing it — the next event, mailbox depths, open connections — and then
// run on. None of these reads a random stream or schedules anything, so a
// run stopped, read and resumed is the same run, event for event, as one
// that never stopped.

// Limits are where a run stops: the event budget (a run that uses it up
// fails with a *BudgetError) and the stop points (a run that reaches one
// returns a *StoppedError and stays frozen there). They mean what the
// Config fields of the same names mean.
type Limits struct {
	MaxEvents   uint64   // 0: the default, 1e9
	StopAtEvent uint64   // stop before processing event number N; 0: never
	StopAtTime  Duration // stop before the first event after Start+StopAtTime; 0: never
}

// SetLimits replaces the world's event budget and stop points. A world
// stopped at a stop point runs on from where it stopped once the stop point
// is moved or removed: the stop is not an error of the world.
func (w *World) SetLimits(l Limits) error {
	if l.StopAtTime < 0 {
		return fmt.Errorf("sim: Limits.StopAtTime %s: must not be negative", l.StopAtTime)
	}
	if l.MaxEvents == 0 {
		l.MaxEvents = 1_000_000_000
	}
	w.cfg.MaxEvents, w.cfg.StopAtEvent, w.cfg.StopAtTime = l.MaxEvents, l.StopAtEvent, l.StopAtTime
	return nil
}

// Limits returns the world's event budget and stop points.
func (w *World) Limits() Limits {
	return Limits{MaxEvents: w.cfg.MaxEvents, StopAtEvent: w.cfg.StopAtEvent, StopAtTime: w.cfg.StopAtTime}
}

// EventInfo describes one event in the words of the trace.
type EventInfo struct {
	Number uint64   // its event number (1-based), as "ev" in the trace
	At     Duration // when it happens, since the start of the run
	// Kind is recv (a message reaches a process: local, from another node
	// or on a stream), timer, exit-signal, start, work-done, net and stream
	// (arrivals that deliver nothing: held, stale, a close, an accept),
	// datagram, link-check, stream-give-up or call (a world action:
	// faults, scripted steps).
	Kind    string
	Node    string // the node it happens on, "" for a world action
	Process string // the process it is for, "name#pid"
	From    string // the sender, if any
	Msg     string // the message's type, as in the trace ("stream:" for stream data)
	Detail  string
}

func (e EventInfo) String() string {
	s := fmt.Sprintf("#%d at %s: %s", e.Number, e.At, e.Kind)
	if e.Node != "" {
		s += " node=" + e.Node
	}
	if e.Process != "" {
		s += " process=" + e.Process
	}
	if e.From != "" {
		s += " from=" + e.From
	}
	if e.Msg != "" {
		s += " msg=" + e.Msg
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// NextEvent describes the event the world would process next: at a stop
// point, the event it stopped before. ok is false when no event is left.
func (w *World) NextEvent() (info EventInfo, ok bool) {
	q := &w.q
	if !q.fill() {
		return EventInfo{}, false
	}
	var x qent
	if q.runPos < len(q.run) && (len(q.late) == 0 || qless(&q.run[q.runPos], &q.late[0])) {
		x = q.run[q.runPos]
	} else {
		x = q.late[0]
	}
	var msg any
	if x.ref != 0 {
		msg = q.msgs[x.ref-1]
	}
	info = EventInfo{Number: w.events + 1, At: x.at.Sub(w.cfg.Start)}
	w.describeEvent(&info, x, msg)
	return info, true
}

func (w *World) describeEvent(info *EventInfo, x qent, msg any) {
	proc := func(pid PID) {
		if p := w.proc(pid); p != nil {
			info.Node, info.Process = p.node.name, w.label(p)
		} else if pid != 0 {
			info.Process = w.pidLabel(pid)
			info.Detail = "the process is gone: a dead letter"
		}
	}
	switch x.kind {
	case evDeliver:
		info.Kind = "recv"
		if x.gen == sigExit {
			info.Kind = "exit-signal"
		}
		proc(x.pid)
		if x.a != 0 {
			info.From = w.pidLabel(PID(x.a))
		}
		info.Msg = msgTypeName(msg)
	case evTimer:
		info.Kind = "timer"
		proc(x.pid)
		info.Msg = msgTypeName(msg)
		if _, c := w.cancelled[TimerID(x.a)]; c {
			info.Detail = "cancelled: it will be skipped"
		}
	case evStart:
		info.Kind = "start"
		proc(x.pid)
	case evWorkDone:
		info.Kind = "work-done"
		proc(x.pid)
		if p := w.proc(x.pid); p != nil && p.mbox != nil && p.mbox.size > 0 {
			info.Msg = msgTypeName(p.mbox.buf[p.mbox.head].msg)
			info.Detail = fmt.Sprintf("the process finishes its work and takes the next of %d mailbox messages", p.mbox.size)
		}
	case evPipe:
		w.describePipe(info, x)
	case evDatagram:
		info.Kind = "datagram"
		if dg, ok := msg.(*datagram); ok {
			dst := w.nodes[dg.to.Node]
			info.Node = dst.name
			info.Msg = msgTypeName(Datagram{Msg: dg.msg})
			if pid, bound := dst.udp[dg.to.Port]; bound && dst.up && !w.net.blocked(dg.from.Node, dst.id) {
				proc(pid)
				info.Kind = "recv"
			}
			info.Detail = fmt.Sprintf("from %s port %d to port %d", w.nodes[dg.from.Node].name, dg.from.Port, dg.to.Port)
		}
	case evLinkCheck:
		info.Kind = "link-check"
		n := w.net.n
		s, d := int(x.a)/n, int(x.a)%n
		info.Node = w.nodes[s].name
		info.Detail = "breaks the link to " + w.nodes[d].name + " if still partitioned"
	case evGiveUp:
		info.Kind = "stream-give-up"
		if p := w.net.pipes[x.a]; p != nil {
			info.Node = p.src.name
			info.Detail = "retransmissions to " + p.dst.name + " give up if still held"
		}
	case evFunc:
		info.Kind = "call"
		if cb, ok := msg.(*callback); ok {
			if cb.node != NoNode {
				info.Node = w.nodes[cb.node].name
			}
			info.Detail = cb.label
		}
	}
}

// describePipe describes a network arrival: the head packet of a pipe
// between two nodes.
func (w *World) describePipe(info *EventInfo, x qent) {
	info.Kind = "net"
	p := w.net.pipes[x.a]
	if p == nil || p.gen != x.gen || !p.armed || p.q.size == 0 {
		info.Detail = "a stale network wakeup: nothing arrives"
		return
	}
	pk := p.q.peek()
	info.Node = p.dst.name
	if w.net.held(p) {
		info.Detail = "held by a partition or clog from " + p.src.name + ": it stalls"
		return
	}
	if p.conn == nil {
		msg, to := pk.msg, pk.to
		if pk.kind == pkNamed {
			nm := pk.msg.(namedMsg)
			msg, to = nm.msg, p.dst.names[nm.name]
		}
		if t := w.proc(to); t != nil {
			info.Process = w.label(t)
			info.Kind = "recv" // as the trace names it
		}
		if pk.from != 0 {
			info.From = w.pidLabel(pk.from)
		}
		info.Msg = msgTypeName(msg)
		info.Detail = "process message from node " + p.src.name
		if pk.kind == pkSignal {
			info.Detail = "exit signal from node " + p.src.name
		}
		return
	}
	info.Kind = "stream"
	if owner := w.proc(p.conn.ends[1-p.dir].owner); owner != nil {
		info.Process = w.label(owner)
	}
	switch pk.kind {
	case pkData:
		info.Msg = msgTypeName(StreamData{Msg: pk.msg})
		if info.Process != "" {
			info.Kind = "recv"
		}
	case pkFin:
		info.Detail = fmt.Sprintf("close (code %d)", pk.code)
	case pkSynAck:
		info.Detail = "connection accepted"
	}
	info.Detail = fmt.Sprintf("connection %d from %s", p.conn.id, p.src.name) + sep(info.Detail)
}

func sep(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// OpenConns counts the stream connections that node's side holds open: for
// a gateway node, the client connections it believes are up (zombies
// included: a side that does not send has not noticed a dead peer yet).
func (w *World) OpenConns(node NodeID) int {
	n := w.node(node)
	if !n.up {
		return 0
	}
	count := 0
	for _, cn := range w.conns {
		if cn == nil {
			continue
		}
		for d := range cn.ends {
			e := &cn.ends[d]
			if e.node == n && e.open && e.established && e.incarnation == n.incarnation {
				count++
			}
		}
	}
	return count
}
