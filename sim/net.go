package sim

import "fmt"

// NetConfig holds the network's parameters. Zero fields take the defaults in
// brackets.
type NetConfig struct {
	// Latency[i][j] is the one-way base latency from region i to region j
	// [250µs within a region, 35ms between regions].
	Latency [][]Duration
	// LocalLatency is the latency of streams and datagrams between processes
	// of one node (loopback) [20µs]. Process messages on one node are
	// immediate.
	LocalLatency Duration
	// JitterPercent adds a uniform delay of up to this share of the base
	// latency [10], plus up to JitterFloor [50µs].
	JitterPercent int64
	JitterFloor   Duration
	// TailPPM is the chance per packet of a long-tail delay [1000 = 0.1%]: an
	// extra (base+floor) * 2^k with k geometric, at most 2^TailCap [6].
	TailPPM int64
	TailCap int
	// StreamLossPPM: a lost stream segment is retransmitted after an RTO that
	// doubles from MinRTO [200ms, Linux] up to MaxRTO [120s]; it shows up as
	// delay and head-of-line blocking, never as loss.
	StreamLossPPM int64
	MinRTO        Duration
	MaxRTO        Duration
	// DatagramLossPPM and DatagramDupPPM: datagrams are lost or duplicated
	// independently [0, 0].
	DatagramLossPPM int64
	DatagramDupPPM  int64
	// LinkTimeout is how long a partition (or a crashed peer) lasts before a
	// process link between two nodes breaks [60s, Erlang's net_ticktime]:
	// queued messages are lost and monitors on both sides get Down/NodeDown.
	LinkTimeout Duration
	// StreamTimeout is how long a stream sender retransmits unacknowledged
	// data before giving up and closing its side [30s: Linux's tcp_retries2
	// gives ~15 min, but realtime services set TCP_USER_TIMEOUT to tens of
	// seconds]. A side that sends nothing never notices: a zombie.
	StreamTimeout Duration
	// ConnectTimeout bounds a Dial whose SYNs get no answer [10s].
	ConnectTimeout Duration
}

func (c *NetConfig) fill(regions int) error {
	if c.Latency == nil {
		c.Latency = make([][]Duration, regions)
		for i := range c.Latency {
			c.Latency[i] = make([]Duration, regions)
			for j := range c.Latency[i] {
				if i == j {
					c.Latency[i][j] = 250 * Microsecond
				} else {
					c.Latency[i][j] = 35 * Millisecond
				}
			}
		}
	}
	if len(c.Latency) != regions {
		return fmt.Errorf("sim: Net.Latency has %d rows: want one per region (%d)", len(c.Latency), regions)
	}
	for i, row := range c.Latency {
		if len(row) != regions {
			return fmt.Errorf("sim: Net.Latency[%d] has %d columns: want %d", i, len(row), regions)
		}
		for j, d := range row {
			if d < 0 {
				return fmt.Errorf("sim: Net.Latency[%d][%d] %s: must not be negative", i, j, d)
			}
		}
	}
	def := func(d *Duration, v Duration, name string) error {
		if *d == 0 {
			*d = v
		}
		if *d < 0 {
			return fmt.Errorf("sim: Net.%s %s: must not be negative", name, *d)
		}
		return nil
	}
	for _, f := range []struct {
		p    *Duration
		v    Duration
		name string
	}{
		{&c.LocalLatency, 20 * Microsecond, "LocalLatency"},
		{&c.JitterFloor, 50 * Microsecond, "JitterFloor"},
		{&c.MinRTO, 200 * Millisecond, "MinRTO"},
		{&c.MaxRTO, 120 * Second, "MaxRTO"},
		{&c.LinkTimeout, 60 * Second, "LinkTimeout"},
		{&c.StreamTimeout, 30 * Second, "StreamTimeout"},
		{&c.ConnectTimeout, 10 * Second, "ConnectTimeout"},
	} {
		if err := def(f.p, f.v, f.name); err != nil {
			return err
		}
	}
	if c.JitterPercent == 0 {
		c.JitterPercent = 10
	}
	if c.TailPPM == 0 {
		c.TailPPM = 1000
	}
	if c.TailCap == 0 {
		c.TailCap = 6
	}
	for _, f := range []struct {
		v    int64
		name string
	}{{c.JitterPercent, "JitterPercent"}, {c.TailPPM, "TailPPM"}, {c.StreamLossPPM, "StreamLossPPM"}, {c.DatagramLossPPM, "DatagramLossPPM"}, {c.DatagramDupPPM, "DatagramDupPPM"}} {
		if f.v < 0 || (f.name != "JitterPercent" && f.v > 1_000_000) {
			return fmt.Errorf("sim: Net.%s %d: must be between 0 and 1000000", f.name, f.v)
		}
	}
	if c.StreamLossPPM >= 1_000_000 {
		return fmt.Errorf("sim: Net.StreamLossPPM %d: must be below 1000000 (a stream that loses everything never delivers)", c.StreamLossPPM)
	}
	if c.TailCap < 0 || c.TailCap > 20 {
		return fmt.Errorf("sim: Net.TailCap %d: must be between 0 and 20", c.TailCap)
	}
	if c.MaxRTO < c.MinRTO {
		return fmt.Errorf("sim: Net.MaxRTO %s: must not be below MinRTO %s", c.MaxRTO, c.MinRTO)
	}
	return nil
}

// LinkConditions degrade one direction of a node pair (faults set them).
type LinkConditions struct {
	ExtraLatency    Duration // added to every packet
	ExtraJitter     Duration // uniform extra jitter
	StreamLossPPM   int64    // added to Net.StreamLossPPM
	DatagramLossPPM int64    // added to Net.DatagramLossPPM
	DatagramDupPPM  int64    // added to Net.DatagramDupPPM
}

type network struct {
	w   *World
	cfg NetConfig
	rng Rand
	n   int // nodes the pair arrays are sized for

	block    []int32 // per directed pair: active rules holding traffic
	breaking []int32 // per directed pair: active rules that break links
	epoch    []uint32
	broken   []bool  // per directed pair: link broken, sends dropped until healed
	distPipe []int32 // per directed pair: pipe index + 1 (0 = none yet)
	cond     []*LinkConditions

	rules   []*rule
	pipes   []*pipe
	stalled []int32

	nodeMonitors []nodeMonitor
	pidNode      []NodeID // node of every PID ever spawned (monitors of the dead)
}

type nodeMonitor struct {
	pid  PID
	node NodeID
}

type rule struct {
	from, to []NodeID
	breaks   bool
	active   bool
	label    string
}

// PartitionID identifies a partition or clog rule, to heal it.
type PartitionID int

func (nw *network) init(w *World, cfg NetConfig, regions int) error {
	if err := cfg.fill(regions); err != nil {
		return err
	}
	nw.w = w
	nw.cfg = cfg
	nw.rng.state = DeriveSeed(w.cfg.Seed, "network")
	return nil
}

func (nw *network) pair(s, d NodeID) int { return int(s)*nw.n + int(d) }

// grow resizes the pair arrays for n nodes.
func (nw *network) grow(n int) {
	old := nw.n
	if n <= old {
		return
	}
	nb := make([]int32, n*n)
	nbr := make([]int32, n*n)
	ne := make([]uint32, n*n)
	nk := make([]bool, n*n)
	nd := make([]int32, n*n)
	nc := make([]*LinkConditions, n*n)
	for i := 0; i < old; i++ {
		for j := 0; j < old; j++ {
			o, k := i*old+j, i*n+j
			nb[k], nbr[k], ne[k], nk[k], nd[k], nc[k] = nw.block[o], nw.breaking[o], nw.epoch[o], nw.broken[o], nw.distPipe[o], nw.cond[o]
		}
	}
	nw.block, nw.breaking, nw.epoch, nw.broken, nw.distPipe, nw.cond = nb, nbr, ne, nk, nd, nc
	nw.n = n
}

// delay draws one packet's one-way delay from src to dst.
func (nw *network) delay(src, dst *Node) Duration {
	var base Duration
	if src == dst {
		base = nw.cfg.LocalLatency
	} else {
		base = nw.cfg.Latency[src.region][dst.region]
	}
	jmax := base*Duration(nw.cfg.JitterPercent)/100 + nw.cfg.JitterFloor
	d := base
	if c := nw.cond[nw.pair(src.id, dst.id)]; c != nil {
		d += c.ExtraLatency
		jmax += c.ExtraJitter
	}
	d += nw.rng.Duration(0, jmax)
	if nw.rng.ChancePPM(nw.cfg.TailPPM) {
		d += (base + nw.cfg.JitterFloor) << (1 + nw.rng.Geometric(max(nw.cfg.TailCap-1, 0)))
	}
	return d
}

func (nw *network) lossPPM(src, dst *Node, stream bool) (loss, dup int64) {
	if stream {
		loss = nw.cfg.StreamLossPPM
	} else {
		loss, dup = nw.cfg.DatagramLossPPM, nw.cfg.DatagramDupPPM
	}
	if c := nw.cond[nw.pair(src.id, dst.id)]; c != nil {
		if stream {
			loss += c.StreamLossPPM
		} else {
			loss += c.DatagramLossPPM
			dup += c.DatagramDupPPM
		}
	}
	if stream {
		// A stream that loses every segment never delivers: keep a chance.
		return min(loss, 999_999), 0
	}
	return min(loss, 1_000_000), min(dup, 1_000_000)
}

// unreachable reports whether the process link between two nodes is broken
// (a partition outlasted LinkTimeout, or a peer crashed): monitors and links
// across it fail at once, as in Erlang.
func (nw *network) unreachable(a, b *Node) bool {
	return a != b && (nw.broken[nw.pair(a.id, b.id)] || !b.up)
}

// blocked reports whether traffic from src to dst is held by a partition or
// a clog.
func (nw *network) blocked(src, dst NodeID) bool { return nw.block[nw.pair(src, dst)] > 0 }

// ---- partitions, clogs and link conditions (fault verbs come in pairs) ----

// Partition cuts traffic between every node of a and every node of b, both
// ways, until Heal. Held traffic resumes after heal unless a transport gave
// up first: process links break after Net.LinkTimeout, stream senders after
// Net.StreamTimeout; datagrams are dropped.
func (w *World) Partition(a, b []NodeID) PartitionID {
	return w.net.addRule(&rule{breaks: true, label: "partition"}, a, b, true)
}

// PartitionOneWay cuts traffic from every node of from to every node of to.
func (w *World) PartitionOneWay(from, to []NodeID) PartitionID {
	return w.net.addRule(&rule{breaks: true, label: "partition-oneway"}, from, to, false)
}

// Isolate partitions node from every other node.
func (w *World) Isolate(node NodeID) PartitionID {
	var others []NodeID
	for _, id := range w.Nodes() {
		if id != node {
			others = append(others, id)
		}
	}
	return w.Partition([]NodeID{node}, others)
}

// Clog holds traffic between a and b, both ways, until Unclog, and nothing
// gives up because of it: the whole backlog of process messages and stream
// data arrives, in order, after unclog (FoundationDB's clogging, turmoil's
// hold/release). Datagrams have no transport to hold them: they are dropped.
func (w *World) Clog(a, b []NodeID) PartitionID {
	return w.net.addRule(&rule{label: "clog"}, a, b, true)
}

// ClogOneWay holds traffic from every node of from to every node of to.
func (w *World) ClogOneWay(from, to []NodeID) PartitionID {
	return w.net.addRule(&rule{label: "clog-oneway"}, from, to, false)
}

// Heal removes a partition; traffic it held resumes after the transport's
// next retransmission.
func (w *World) Heal(id PartitionID) { w.net.removeRule(id) }

// Unclog removes a clog.
func (w *World) Unclog(id PartitionID) { w.net.removeRule(id) }

// HealAll removes every partition and clog.
func (w *World) HealAll() {
	for i, r := range w.net.rules {
		if r.active {
			w.net.removeRule(PartitionID(i))
		}
	}
}

// SetLinkConditions degrades traffic from one node to another until
// ClearLinkConditions.
func (w *World) SetLinkConditions(from, to NodeID, c LinkConditions) {
	w.node(from)
	w.node(to)
	cc := c
	w.net.cond[w.net.pair(from, to)] = &cc
	w.note(noteFault, uint64(from)<<32|uint64(to), uint64(c.ExtraLatency)^uint64(c.DatagramLossPPM))
	w.traceLine(traceRecord{kind: "fault", node: from, detail: fmt.Sprintf("link-conditions to %s %+v", w.nodes[to].name, c)})
}

// ClearLinkConditions restores the defaults from one node to another.
func (w *World) ClearLinkConditions(from, to NodeID) {
	w.net.cond[w.net.pair(from, to)] = nil
	w.note(noteFault, uint64(from)<<32|uint64(to), 0)
	w.traceLine(traceRecord{kind: "fault", node: from, detail: "link-conditions cleared to " + w.nodes[to].name})
}

func (nw *network) addRule(r *rule, a, b []NodeID, both bool) PartitionID {
	w := nw.w
	for _, id := range append(append([]NodeID{}, a...), b...) {
		w.node(id)
	}
	r.from, r.to = append([]NodeID{}, a...), append([]NodeID{}, b...)
	r.active = true
	id := PartitionID(len(nw.rules))
	nw.rules = append(nw.rules, r)
	if both {
		r.label += "-both"
	}
	w.note(noteFault, uint64(id), hashString(r.label))
	w.traceLine(traceRecord{kind: "fault", detail: fmt.Sprintf("%s start id=%d %s", trimBoth(r.label), id, nw.describe(r))})
	nw.applyRule(r, +1)
	return id
}

func trimBoth(l string) string {
	if len(l) > 5 && l[len(l)-5:] == "-both" {
		return l[:len(l)-5]
	}
	return l
}

func (nw *network) describe(r *rule) string {
	names := func(ids []NodeID) string {
		s := "["
		for i, id := range ids {
			if i > 0 {
				s += ","
			}
			s += nw.w.nodes[id].name
		}
		return s + "]"
	}
	arrow := "->"
	if len(r.label) > 5 && r.label[len(r.label)-5:] == "-both" {
		arrow = "<->"
	}
	return names(r.from) + arrow + names(r.to)
}

func (nw *network) removeRule(id PartitionID) {
	if id < 0 || int(id) >= len(nw.rules) || !nw.rules[id].active {
		return
	}
	r := nw.rules[id]
	r.active = false
	nw.w.note(noteFault, uint64(id), hashString(r.label)^1)
	nw.w.traceLine(traceRecord{kind: "fault", detail: fmt.Sprintf("%s end id=%d %s", trimBoth(r.label), id, nw.describe(r))})
	nw.applyRule(r, -1)
	nw.resumeStalled()
}

func (nw *network) applyRule(r *rule, delta int32) {
	both := len(r.label) > 5 && r.label[len(r.label)-5:] == "-both"
	for _, s := range r.from {
		for _, d := range r.to {
			if s == d {
				continue
			}
			nw.applyPair(s, d, r.breaks, delta)
			if both {
				nw.applyPair(d, s, r.breaks, delta)
			}
		}
	}
}

func (nw *network) applyPair(s, d NodeID, breaks bool, delta int32) {
	k := nw.pair(s, d)
	nw.block[k] += delta
	if !breaks {
		return
	}
	nw.breaking[k] += delta
	switch {
	case delta > 0 && nw.breaking[k] == 1:
		nw.epoch[k]++
		nw.w.schedule(event{at: nw.w.now.Add(nw.cfg.LinkTimeout), kind: evLinkCheck, a: uint64(k), gen: nw.epoch[k]})
		// Stream pipes already stalled here (by a clog) start counting
		// towards StreamTimeout now.
		for _, idx := range nw.stalled {
			if p := nw.pipes[idx]; p != nil && p.stalled && p.conn != nil && p.src.id == s && p.dst.id == d {
				nw.scheduleGiveUp(p)
			}
		}
	case delta < 0 && nw.breaking[k] == 0:
		nw.epoch[k]++
		rk := nw.pair(d, s)
		if nw.breaking[rk] == 0 && nw.w.nodes[s].up && nw.w.nodes[d].up {
			nw.broken[k], nw.broken[rk] = false, false
		}
	}
}

// linkCheck breaks the process link of a pair that stayed partitioned for
// LinkTimeout.
func (w *World) linkCheck(e *event) {
	nw := &w.net
	k := int(e.a)
	if nw.epoch[k] != e.gen || nw.breaking[k] == 0 || nw.broken[k] {
		return // healed, re-partitioned since, or already broken from the other side
	}
	s, d := NodeID(k/nw.n), NodeID(k%nw.n)
	nw.breakLink(s, d)
}

// breakLink drops what the link between s and d holds, marks it broken until
// the partition heals, and tells monitors and links on both sides.
func (nw *network) breakLink(s, d NodeID) {
	w := nw.w
	w.stats.LinkBreaks++
	w.note(noteLinkBreak, uint64(s), uint64(d))
	w.traceLine(traceRecord{kind: "link-break", node: s, detail: "to " + w.nodes[d].name})
	for _, k := range [2]int{nw.pair(s, d), nw.pair(d, s)} {
		nw.broken[k] = true
		if i := nw.distPipe[k]; i > 0 {
			p := nw.pipes[i-1]
			w.stats.DistLost += uint64(p.q.size)
			p.drop()
		}
	}
	nw.notifyDown(s, d)
	nw.notifyDown(d, s)
}

// notifyDown tells processes on node x that node y is unreachable: Down for
// monitors of processes there, exit signals for links, NodeDown for node
// monitors. Each is delivered locally on x, in PID order.
func (nw *network) notifyDown(x, y NodeID) {
	w := nw.w
	nx := w.nodes[x]
	if !nx.up {
		return
	}
	for _, pid := range w.NodeProcesses(x) {
		p := w.proc(pid)
		if p == nil || p.rel == nil {
			continue
		}
		r := p.rel
		for i := 0; i < len(r.watching); {
			m := r.watching[i]
			if nw.pidNode[m.pid] != y {
				i++
				continue
			}
			if t := w.proc(m.pid); t != nil && t.rel != nil {
				t.rel.watchers = removeMonitor(t.rel.watchers, m.ref)
			}
			r.watching = append(r.watching[:i], r.watching[i+1:]...)
			w.sendLocal(m.pid, pid, Down{Ref: m.ref, PID: m.pid, Reason: ReasonNoConn}, false)
		}
		for i := 0; i < len(r.links); {
			l := r.links[i]
			if nw.pidNode[l] != y {
				i++
				continue
			}
			if t := w.proc(l); t != nil && t.rel != nil {
				t.rel.links = removePID(t.rel.links, pid)
			}
			r.links = append(r.links[:i], r.links[i+1:]...)
			w.sendLocal(l, pid, exitSignal{from: l, reason: ReasonNoConn}, true)
		}
		// Watchers on x of processes on y are handled above from the watcher's
		// side; watchers on y of processes on x are handled by the call for y.
		for i := 0; i < len(r.watchers); {
			if nw.pidNode[r.watchers[i].pid] == y {
				r.watchers = append(r.watchers[:i], r.watchers[i+1:]...)
				continue
			}
			i++
		}
	}
	kept := nw.nodeMonitors[:0]
	for _, m := range nw.nodeMonitors {
		if m.node == y && nw.pidNode[m.pid] == x && w.proc(m.pid) != nil {
			w.sendLocal(0, m.pid, NodeDown{Node: y}, false)
			continue
		}
		kept = append(kept, m)
	}
	nw.nodeMonitors = kept
}

func (nw *network) monitorNode(pid PID, node NodeID) {
	n := nw.w.node(node)
	if !n.up || nw.unreachable(nw.w.proc(pid).node, n) {
		nw.w.sendLocal(0, pid, NodeDown{Node: node}, false)
		return
	}
	nw.nodeMonitors = append(nw.nodeMonitors, nodeMonitor{pid: pid, node: node})
}

// nodeCrashed cuts everything the node held: process links break at once
// (queued messages are lost) and peers are told after LinkTimeout, or when
// the node restarts if that comes first. Stream ends on the node vanish
// without a FIN.
func (nw *network) nodeCrashed(n *Node) {
	w := nw.w
	for _, other := range w.nodes {
		if other == n {
			continue
		}
		for _, k := range [2]int{nw.pair(n.id, other.id), nw.pair(other.id, n.id)} {
			nw.broken[k] = true
			if i := nw.distPipe[k]; i > 0 {
				p := nw.pipes[i-1]
				w.stats.DistLost += uint64(p.q.size)
				p.drop()
			}
		}
	}
	inc := n.incarnation
	w.schedule(event{at: w.now.Add(nw.cfg.LinkTimeout), kind: evFunc, msg: &callback{label: "crash-detected " + n.name, node: NoNode, fn: func() {
		if n.incarnation == inc && !n.up && !n.downNotified {
			nw.crashDetected(n)
		}
	}}})
}

func (nw *network) crashDetected(n *Node) {
	n.downNotified = true
	for _, other := range nw.w.nodes {
		if other != n {
			nw.notifyDown(other.id, n.id)
		}
	}
}

func (nw *network) nodeRestarting(n *Node) {
	if !n.downNotified {
		nw.crashDetected(n)
	}
	n.downNotified = false
	for _, other := range nw.w.nodes {
		if other == n || !other.up {
			continue
		}
		for _, k := range [2]int{nw.pair(n.id, other.id), nw.pair(other.id, n.id)} {
			if nw.breaking[k] == 0 {
				nw.broken[k] = false
			}
		}
	}
	nw.resumeStalled()
}

// sendDist sends a process message between two nodes over their link.
func (nw *network) sendDist(src, dst *Node, pk packet) {
	w := nw.w
	w.stats.DistMessages++
	size := wireSize(pk.msg)
	w.stats.BytesDist += uint64(size)
	k := nw.pair(src.id, dst.id)
	if nw.broken[k] || !dst.up {
		w.stats.DistLost++
		w.note(noteDrop, uint64(k), dropLinkDown)
		w.traceLine(traceRecord{kind: "drop", node: src.id, pid: pk.from, msg: pk.msg, detail: "link-down to " + dst.name})
		return
	}
	i := nw.distPipe[k]
	if i == 0 {
		nw.pipes = append(nw.pipes, &pipe{src: src, dst: dst, idx: int32(len(nw.pipes))})
		i = int32(len(nw.pipes))
		nw.distPipe[k] = i
	}
	p := nw.pipes[i-1]
	pk.at = w.now.Add(nw.delay(src, dst))
	p.send(w, pk)
}
