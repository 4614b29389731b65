package sim

// Datagrams model UDP (voice media): each is lost, duplicated and delayed on
// its own; jitter reorders them; there is no connection and no retry.

// Addr is a port on a node.
type Addr struct {
	Node NodeID
	Port uint16
}

// Datagram is delivered to the process bound to the destination port.
type Datagram struct {
	From Addr
	Msg  any
}

type datagram struct {
	from, to Addr
	msg      any
}

// BindUDP makes the running process receive datagrams sent to port.
func (c *Ctx) BindUDP(port uint16) error {
	n := c.p.node
	if _, taken := n.udp[port]; taken {
		return ErrPortInUse
	}
	n.udp[port] = c.p.pid
	r := c.p.relations()
	r.ports = append(r.ports, portBinding{udp: true, port: port})
	return nil
}

// SendDatagram sends msg from port fromPort of the running process's node.
func (c *Ctx) SendDatagram(fromPort uint16, to Addr, msg any) {
	w := c.w
	nw := &w.net
	src, dst := c.p.node, w.node(to.Node)
	w.stats.Datagrams++
	w.stats.BytesDatagram += uint64(wireSize(msg))
	if nw.blocked(src.id, dst.id) {
		w.stats.DatagramsLost++
		w.note(noteDrop, uint64(to.Node), dropPartition)
		return
	}
	loss, dup := nw.lossPPM(src, dst, false)
	if nw.rng.ChancePPM(loss) {
		w.stats.DatagramsLost++
		w.note(noteDrop, uint64(to.Node), dropLoss)
		return
	}
	dg := &datagram{from: Addr{Node: src.id, Port: fromPort}, to: to, msg: msg}
	copies := 1
	if nw.rng.ChancePPM(dup) {
		copies = 2
		w.stats.DatagramsDup++
	}
	for i := 0; i < copies; i++ {
		w.schedule(event{at: w.now.Add(nw.delay(src, dst)), kind: evDatagram, msg: dg, a: uint64(src.id)})
	}
}

func (w *World) datagramArrive(e *event) {
	dg := e.msg.(*datagram)
	dst := w.nodes[dg.to.Node]
	w.curN = dst.id
	if w.net.blocked(dg.from.Node, dst.id) || !dst.up {
		w.stats.DatagramsLost++
		w.fold(e, 1)
		return
	}
	pid, ok := dst.udp[dg.to.Port]
	if !ok {
		w.stats.DatagramsLost++
		w.fold(e, 2)
		return
	}
	p := w.proc(pid)
	w.fold(e, w.typeHash(dg.msg))
	w.deliver(p, 0, Datagram{From: dg.from, Msg: dg.msg})
}
