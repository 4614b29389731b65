package sim

// A pipe is one ordered, reliable direction of a transport: the process link
// from one node to another (Erlang distribution) or one direction of a
// stream connection. Packets leave in order and arrive in order: each
// packet's arrival time is at least its predecessor's, and only the head has
// an event in the queue, so a million messages in flight cost one pending
// event. A partition stalls the pipe at its head; after heal it resumes at
// the transport's next retransmission (an RTO doubling from MinRTO), which is
// the head-of-line blocking a real TCP connection shows.
type pipe struct {
	src, dst   *Node
	idx        int32
	q          packetRing
	gen        uint32 // bumped when the pipe's contents are dropped
	armed      bool   // the head has an event scheduled
	stalled    bool
	stallEpoch uint32
	stalledAt  Time
	lastAt     Time
	conn       *conn // nil for a process link
	dir        int   // stream direction: 0 dialer->acceptor, 1 back
}

type packetKind uint8

const (
	pkMsg    packetKind = iota // process message
	pkSignal                   // exit signal
	pkNamed                    // process message to a registered name
	pkData                     // stream data
	pkFin                      // stream close
	pkSynAck                   // stream accepted
)

type packet struct {
	at   Time
	msg  any
	to   PID
	from PID
	code int32 // stream close code
	kind packetKind
}

type packetRing struct {
	buf        []packet
	head, size int
}

func (r *packetRing) push(p packet) {
	if r.size == len(r.buf) {
		nb := make([]packet, max(2, 2*len(r.buf)))
		for i := 0; i < r.size; i++ {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.size)%len(r.buf)] = p
	r.size++
}

func (r *packetRing) peek() *packet { return &r.buf[r.head] }

func (r *packetRing) pop() packet {
	p := r.buf[r.head]
	r.buf[r.head] = packet{}
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return p
}

// send queues pk (pk.at is its unordered arrival time) behind the packets
// already in flight.
func (p *pipe) send(w *World, pk packet) {
	if pk.at < p.lastAt {
		pk.at = p.lastAt
	}
	p.lastAt = pk.at
	p.q.push(pk)
	if !p.armed && !p.stalled {
		p.arm(w, pk.at)
	}
}

func (p *pipe) arm(w *World, at Time) {
	if at < w.now {
		at = w.now
	}
	p.armed = true
	w.schedule(event{at: at, kind: evPipe, a: uint64(p.idx), gen: p.gen})
}

// drop discards everything in flight and invalidates the head's event.
func (p *pipe) drop() {
	for p.q.size > 0 {
		p.q.pop()
	}
	p.gen++
	p.armed = false
	p.stalled = false
	p.stallEpoch++
}

// held reports whether the pipe cannot deliver now.
func (nw *network) held(p *pipe) bool {
	if nw.blocked(p.src.id, p.dst.id) {
		return true
	}
	// A stream to a crashed machine is held too: nobody answers, and the
	// sender keeps retransmitting until it gives up.
	return p.conn != nil && !p.dst.up
}

func (w *World) pipeHead(e *event) {
	nw := &w.net
	p := nw.pipes[e.a]
	if p == nil || e.gen != p.gen || !p.armed {
		w.fold(e, 1)
		return
	}
	p.armed = false
	if nw.held(p) {
		w.fold(e, 2)
		nw.stall(p)
		return
	}
	pk := p.q.pop()
	if p.q.size > 0 {
		p.arm(w, p.q.peek().at)
	}
	w.fold(e, w.typeHash(pk.msg)^uint64(pk.kind))
	if p.conn != nil {
		w.streamArrive(p, pk)
		w.retireConn(p.conn)
		return
	}
	w.distArrive(p, pk)
}

func (w *World) distArrive(p *pipe, pk packet) {
	to := pk.to
	msg := pk.msg
	if pk.kind == pkNamed {
		nm := pk.msg.(namedMsg)
		pid, ok := p.dst.names[nm.name]
		if !ok {
			w.stats.DeadLetters++
			return
		}
		to, msg = pid, nm.msg
	}
	t := w.proc(to)
	if t == nil {
		w.stats.DeadLetters++
		return
	}
	w.curN = t.node.id
	if pk.kind == pkSignal {
		w.signal(t, msg.(exitSignal))
		return
	}
	w.deliver(t, pk.from, msg)
}

func (nw *network) stall(p *pipe) {
	w := nw.w
	p.stalled = true
	p.stalledAt = w.now
	p.stallEpoch++
	nw.stalled = append(nw.stalled, p.idx)
	if p.conn != nil && nw.giveUpHold(p) {
		nw.scheduleGiveUp(p)
	}
}

// giveUpHold reports whether stream pipe p is held by something its sender
// gives up on after StreamTimeout: a partition or a peer that is down. A clog
// holds traffic without anyone giving up.
func (nw *network) giveUpHold(p *pipe) bool {
	return nw.breaking[nw.pair(p.src.id, p.dst.id)] > 0 || !p.dst.up
}

func (nw *network) scheduleGiveUp(p *pipe) {
	nw.w.schedule(event{at: nw.w.now.Add(nw.cfg.StreamTimeout), kind: evGiveUp, a: uint64(p.idx), gen: p.stallEpoch, aux: int64(p.gen)})
}

// resumeStalled restarts pipes that are no longer held, each at its next
// retransmission time, in the order they stalled.
func (nw *network) resumeStalled() {
	kept := nw.stalled[:0]
	for _, idx := range nw.stalled {
		p := nw.pipes[idx]
		if p == nil || !p.stalled {
			continue
		}
		if nw.held(p) {
			kept = append(kept, idx)
			continue
		}
		p.stalled = false
		p.stallEpoch++
		if p.q.size > 0 {
			at := nw.nextRetransmit(p.stalledAt)
			if h := p.q.peek().at; h > at {
				at = h
			}
			p.arm(nw.w, at)
		}
	}
	nw.stalled = kept
}

// nextRetransmit returns the first retransmission at or after now of a
// segment first held at since: RTOs double from MinRTO up to MaxRTO.
func (nw *network) nextRetransmit(since Time) Time {
	t, rto := since, nw.cfg.MinRTO
	for t < nw.w.now {
		t = t.Add(rto)
		rto = min(2*rto, nw.cfg.MaxRTO)
	}
	return t
}

// Sizer is implemented by messages that know their wire size in bytes; the
// network counts bytes with it (default 64 bytes per message).
type Sizer interface{ WireSize() int }

func wireSize(msg any) int {
	if s, ok := msg.(Sizer); ok {
		return s.WireSize()
	}
	return 64
}
