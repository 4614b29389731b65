package sim

import (
	"errors"
	"slices"
)

// Stream connections model TCP/WebSocket between a client process and a
// listener: ordered and reliable while connected; loss becomes
// retransmission delay and head-of-line blocking; a partition holds data
// until heal, or until the sender's StreamTimeout makes it give up and close
// its own side. Each side learns of a broken connection on its own: a side
// that does not send never notices (a zombie) until its next heartbeat finds
// the other side gone (timeout, or a reset from a peer that forgot it).

// ConnID identifies a stream connection.
type ConnID uint32

// CloseReason says why a stream connection closed.
type CloseReason uint8

const (
	ClosePeer           CloseReason = iota + 1 // the peer closed it (FIN), Code tells its close code
	CloseReset                                 // the peer no longer knew the connection (RST)
	CloseTimeout                               // our retransmissions went unanswered for StreamTimeout
	CloseRefused                               // nobody listens on the port
	CloseConnectTimeout                        // the SYNs got no answer within ConnectTimeout
)

var closeReasonNames = map[CloseReason]string{
	ClosePeer: "peer-closed", CloseReset: "reset", CloseTimeout: "timeout",
	CloseRefused: "refused", CloseConnectTimeout: "connect-timeout",
}

func (r CloseReason) String() string { return closeReasonNames[r] }

// StreamAccepted is delivered to a listener for each new connection. The
// listener keeps it or hands it to another process with StreamHandoff.
type StreamAccepted struct {
	Conn   ConnID
	Remote NodeID
	Port   uint16
}

// StreamConnected is delivered to the dialer once the connection is up.
type StreamConnected struct{ Conn ConnID }

// StreamData carries one message sent on a connection.
type StreamData struct {
	Conn ConnID
	Msg  any
}

// StreamClosed says that the connection is gone on this side.
type StreamClosed struct {
	Conn   ConnID
	Reason CloseReason
	Code   int // the peer's close code with ClosePeer (e.g. 4009), 0 otherwise
}

// Errors of stream operations.
var (
	ErrNotConnected = errors.New("sim: stream is not connected yet")
	ErrClosed       = errors.New("sim: stream is closed on this side")
	ErrNotOwner     = errors.New("sim: the process does not own this stream")
	ErrPortInUse    = errors.New("sim: port already in use on this node")
)

type conn struct {
	id    ConnID
	port  uint16
	ends  [2]connEnd
	pipes [2]*pipe // pipes[d] carries from ends[d] to ends[1-d]
}

type connEnd struct {
	node        *Node
	incarnation uint32
	owner       PID
	open        bool // this side believes the connection is up
	established bool
}

// Listen makes the running process accept connections on port of its node.
func (c *Ctx) Listen(port uint16) error {
	n := c.p.node
	if _, taken := n.listeners[port]; taken {
		return ErrPortInUse
	}
	n.listeners[port] = c.p.pid
	r := c.p.relations()
	r.ports = append(r.ports, portBinding{port: port})
	return nil
}

// Dial opens a connection to port on node. The result arrives as
// StreamConnected, or StreamClosed with CloseRefused or CloseConnectTimeout.
func (c *Ctx) Dial(node NodeID, port uint16) ConnID {
	w := c.w
	src, dst := c.p.node, w.node(node)
	cn := &conn{id: ConnID(len(w.conns) + 1), port: port}
	cn.ends[0] = connEnd{node: src, incarnation: src.incarnation, owner: c.p.pid, open: true}
	cn.ends[1] = connEnd{node: dst}
	for d := 0; d < 2; d++ {
		p := &pipe{src: cn.ends[d].node, dst: cn.ends[1-d].node, idx: int32(len(w.net.pipes)), conn: cn, dir: d}
		w.net.pipes = append(w.net.pipes, p)
		cn.pipes[d] = p
	}
	w.conns = append(w.conns, cn)
	r := c.p.relations()
	r.conns = append(r.conns, cn.id)
	w.note(noteDial, uint64(cn.id), uint64(node)<<16|uint64(port))
	w.synAttempt(cn, w.now, synRetry)
	// Whatever happens to the SYNs and the SYN-ACK, a dial that is not
	// established within ConnectTimeout fails: a dialer never hangs.
	w.After(w.cfg.Net.ConnectTimeout, "connect-deadline", func() {
		if !cn.ends[0].established {
			w.closeEnd(cn, 0, CloseConnectTimeout, 0)
		}
	})
	return cn.id
}

// synRetry is the first SYN retransmission delay (Linux: 1 s, doubling).
const synRetry = Second

// synAttempt sends a SYN; unanswered SYNs are retried with doubling backoff
// (1s, 2s, 4s, as Linux does) until ConnectTimeout.
func (w *World) synAttempt(cn *conn, started Time, backoff Duration) {
	src, dst := cn.ends[0].node, cn.ends[1].node
	at := w.now.Add(w.net.delay(src, dst))
	w.schedule(event{at: at, kind: evFunc, msg: &callback{label: "syn", node: dst.id, fn: func() {
		e0 := &cn.ends[0]
		if !e0.open || src.incarnation != e0.incarnation {
			return
		}
		if w.net.blocked(src.id, dst.id) || !dst.up {
			next := w.now.Add(backoff)
			if next.Sub(started) >= w.cfg.Net.ConnectTimeout {
				w.After(started.Add(w.cfg.Net.ConnectTimeout).Sub(w.now), "connect-timeout", func() {
					w.closeEnd(cn, 0, CloseConnectTimeout, 0)
				})
				return
			}
			w.At(next, "syn-retry", func() { w.synAttempt(cn, started, 2*backoff) })
			return
		}
		lpid, ok := dst.listeners[cn.port]
		if !ok {
			back := w.net.delay(dst, src)
			w.After(back, "rst", func() { w.closeEnd(cn, 0, CloseRefused, 0) })
			return
		}
		cn.ends[1] = connEnd{node: dst, incarnation: dst.incarnation, owner: lpid, open: true, established: true}
		lp := w.proc(lpid)
		r := lp.relations()
		r.conns = append(r.conns, cn.id)
		// The SYN-ACK goes out before the listener's handler runs, so that
		// anything the listener sends on accepting follows it.
		cn.pipes[1].send(w, packet{at: w.now.Add(w.net.delay(dst, src)), kind: pkSynAck})
		w.curN = dst.id
		w.deliver(lp, 0, StreamAccepted{Conn: cn.id, Remote: src.id, Port: cn.port})
	}}})
}

func (c *Ctx) end(id ConnID) (*conn, int, error) {
	w := c.w
	if id == 0 || int(id) > len(w.conns) {
		return nil, 0, ErrNotOwner
	}
	cn := w.conns[id-1]
	if cn == nil {
		return nil, 0, ErrClosed
	}
	for d := 0; d < 2; d++ {
		e := &cn.ends[d]
		if e.owner == c.p.pid && e.node == c.p.node {
			if !e.open {
				return cn, d, ErrClosed
			}
			return cn, d, nil
		}
	}
	return nil, 0, ErrNotOwner
}

// StreamSend sends msg on the connection, in order after everything sent
// before. A lost segment costs a retransmission timeout, not a lost message.
func (c *Ctx) StreamSend(id ConnID, msg any) error {
	cn, d, err := c.end(id)
	if err != nil {
		return err
	}
	if !cn.ends[d].established {
		return ErrNotConnected
	}
	c.w.streamSend(cn, d, packet{kind: pkData, msg: msg})
	return nil
}

func (w *World) streamSend(cn *conn, d int, pk packet) {
	nw := &w.net
	p := cn.pipes[d]
	delay := nw.delay(p.src, p.dst)
	loss, _ := nw.lossPPM(p.src, p.dst, true)
	if loss > 0 {
		rto := nw.cfg.MinRTO
		lost := false
		for k := 0; k < 15 && nw.rng.ChancePPM(loss); k++ {
			delay += rto
			rto = min(2*rto, nw.cfg.MaxRTO)
			lost = true
		}
		if lost {
			w.stats.StreamRetrans++
		}
	}
	w.stats.StreamSegments++
	w.stats.BytesStream += uint64(wireSize(pk.msg))
	pk.at = w.now.Add(delay)
	p.send(w, pk)
}

// StreamClose closes the connection on this side; the peer gets StreamClosed
// with ClosePeer and code after everything already sent.
func (c *Ctx) StreamClose(id ConnID, code int) error {
	cn, d, err := c.end(id)
	if err != nil {
		return err
	}
	w := c.w
	e := &cn.ends[d]
	e.open = false
	w.dropOwnedConn(c.p, id)
	if e.established {
		w.streamSend(cn, d, packet{kind: pkFin, code: int32(code)})
	}
	return nil
}

// StreamHandoff gives this side of the connection to pid, a process of the
// same node (gen_tcp:controlling_process): events go to pid from now on.
func (c *Ctx) StreamHandoff(id ConnID, pid PID) error {
	cn, d, err := c.end(id)
	if err != nil {
		return err
	}
	t := c.w.proc(pid)
	if t == nil || t.node != c.p.node {
		return ErrNotOwner
	}
	c.w.dropOwnedConn(c.p, id)
	cn.ends[d].owner = pid
	r := t.relations()
	r.conns = append(r.conns, id)
	return nil
}

func (w *World) dropOwnedConn(p *proc, id ConnID) {
	if p.rel == nil {
		return
	}
	if i := slices.Index(p.rel.conns, id); i >= 0 {
		p.rel.conns = slices.Delete(p.rel.conns, i, i+1)
	}
}

// streamArrive handles a packet at the receiving end of stream pipe p.
func (w *World) streamArrive(p *pipe, pk packet) {
	cn := p.conn
	d := p.dir
	recv := &cn.ends[1-d]
	if recv.node.incarnation != recv.incarnation || !recv.open {
		// The receiver forgot the connection (restarted, or closed its side):
		// it answers with a reset, and everything in flight is gone.
		p.drop()
		if pk.kind == pkFin {
			return
		}
		back := w.net.delay(p.dst, p.src)
		w.After(back, "rst", func() {
			if !w.net.blocked(p.dst.id, p.src.id) {
				w.closeEnd(cn, d, CloseReset, 0)
			}
		})
		return
	}
	owner := w.proc(recv.owner)
	switch pk.kind {
	case pkSynAck:
		recv.established = true
		if owner != nil {
			w.curN = owner.node.id
			w.deliver(owner, 0, StreamConnected{Conn: cn.id})
		}
	case pkData:
		if owner != nil {
			w.curN = owner.node.id
			w.deliver(owner, 0, StreamData{Conn: cn.id, Msg: pk.msg})
		}
	case pkFin:
		w.closeEnd(cn, 1-d, ClosePeer, int(pk.code))
	}
}

// closeEnd closes side d of cn and tells its owner why.
func (w *World) closeEnd(cn *conn, d int, why CloseReason, code int) {
	e := &cn.ends[d]
	if !e.open || e.node.incarnation != e.incarnation {
		return
	}
	e.open = false
	cn.pipes[d].drop()
	defer w.retireConn(cn)
	w.note(noteStreamClose, uint64(cn.id), uint64(d)<<8|uint64(why))
	w.traceLine(traceRecord{kind: "stream-close", node: e.node.id, pid: e.owner, detail: why.String()})
	if owner := w.proc(e.owner); owner != nil {
		w.dropOwnedConn(owner, cn.id)
		w.curN = owner.node.id
		w.deliver(owner, 0, StreamClosed{Conn: cn.id, Reason: why, Code: code})
	}
}

// retireConn frees a connection once both sides are closed and nothing is
// in flight, so that reconnect churn (a million clients reconnecting after
// a gateway crash) does not keep every dead connection's buffers for the
// rest of the run. Stale events for its pipes find nil and are skipped.
func (w *World) retireConn(cn *conn) {
	if cn.ends[0].open || cn.ends[1].open || w.conns[cn.id-1] == nil {
		return
	}
	for _, p := range cn.pipes {
		if p.q.size > 0 || p.armed {
			return // a FIN or data still on its way: retire on arrival
		}
	}
	for _, p := range cn.pipes {
		w.net.pipes[p.idx] = nil
	}
	w.conns[cn.id-1] = nil
}

// streamGiveUp closes the sending side of a stream whose data stayed held
// for StreamTimeout by a partition or a peer that is down (not by a clog).
func (w *World) streamGiveUp(e *event) {
	p := w.net.pipes[e.a]
	if p == nil || !p.stalled || p.stallEpoch != e.gen || p.gen != uint32(e.aux) || !w.net.giveUpHold(p) {
		return
	}
	w.stats.StreamTimeouts++
	w.closeEnd(p.conn, p.dir, CloseTimeout, 0)
}

// connOwnerDied closes the connections of a process that exited: with a FIN
// if its node is up (the OS closes the socket), silently if the node crashed.
func (w *World) connOwnerDied(id ConnID, p *proc, notify bool) {
	cn := w.conns[id-1]
	if cn == nil {
		return
	}
	defer w.retireConn(cn)
	for d := 0; d < 2; d++ {
		e := &cn.ends[d]
		if e.owner != p.pid || e.node != p.node || !e.open {
			continue
		}
		e.open = false
		if notify && e.established {
			w.streamSend(cn, d, packet{kind: pkFin})
		} else {
			cn.pipes[d].drop()
		}
	}
}
