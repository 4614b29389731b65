package sim

import (
	"math/bits"
	"slices"
)

// The event queue orders events by (time, seq): seq is assigned when an event
// is scheduled, so ties break in scheduling order, never by map order or
// pointer value.
//
// It is a hierarchical timing wheel rather than a binary heap. A million
// sessions means a million pending heartbeat timers, and a heap of that size
// falls from ~10 M to ~1.4 M events/s on cache misses, while a wheel touches
// only the slot it appends to. Level 0 has 256 slots of 2^tickShift ns; each
// level above is 256 times coarser; seven levels cover all of int64. An event
// sits at the lowest level whose slot differs from the current tick; when the
// wheel reaches a slot of a higher level, its events are spread one level
// down. Events of the current level-0 slot move to the ready set, where exact
// (time, seq) order is restored: a sorted run plus a small heap for events
// scheduled into the current slot after it was opened.
//
// Wheel entries hold no pointers (a message lives in a slab, referenced by
// index), so the garbage collector never scans them and appends need no
// write barriers; a slot is a list of fixed-size chunks from a shared pool, so
// a slot that fills for the first time never copies itself to grow. With a
// million pending events each of these halves the cost.
const (
	tickShift   = 13 // level-0 slot width: 8.192 µs
	wheelBits   = 8
	wheelSlots  = 1 << wheelBits
	wheelWords  = wheelSlots / 64
	wheelLevels = 7 // 13 + 7*8 >= 64 bits
)

type eventKind uint8

const (
	evNone      eventKind = iota
	evDeliver             // local message: pid, a=sender, msg
	evStart               // process start callback: pid
	evTimer               // pid, a=timer id, aux=monotonic deadline, msg
	evWorkDone            // pid: the process finished declared work
	evPipe                // a=pipe index, gen=pipe generation: deliver the head packet
	evDatagram            // msg=*datagram
	evLinkCheck           // a=node pair, gen=partition epoch: break the link if still partitioned
	evGiveUp              // a=pipe index, gen=stall epoch: stream retransmission gives up
	evFunc                // msg=*callback: infrequent world actions (faults, handshakes, scripted steps)
)

// event is what the world schedules; the queue stores it as a qent.
type event struct {
	at   Time
	seq  uint64
	a    uint64
	aux  int64
	msg  any
	pid  PID
	gen  uint32
	kind eventKind
}

// qent is an event without its message: 48 bytes, no pointers.
type qent struct {
	at   Time
	seq  uint64
	a    uint64
	aux  int64
	pid  PID
	gen  uint32
	ref  int32 // 1 + index into queue.msgs, 0 = no message
	kind eventKind
}

func qless(x, y *qent) bool {
	return x.at < y.at || (x.at == y.at && x.seq < y.seq)
}

const chunkSize = 64

type chunk struct {
	next *chunk
	n    int
	ents [chunkSize]qent
}

type slot struct{ head, tail *chunk }

type queue struct {
	cur      int64 // tick of the ready set; every wheel entry has a later tick
	occupied [wheelLevels][wheelWords]uint64
	slots    [wheelLevels][wheelSlots]slot
	pool     *chunk // free chunks
	run      []qent // sorted by (at, seq); consumed from runPos
	runPos   int
	late     []qent // binary min-heap of entries added to the current tick
	n        int
	seq      uint64
	msgs     []any // message slab
	fresh    bool  // a new run was opened since the world last looked
	prefetch func(x *qent)
	free     []int32 // free slab slots
}

func (q *queue) Len() int { return q.n }

// push schedules e; e.at must not be earlier than the last popped event.
func (q *queue) push(e event) {
	q.seq++
	q.n++
	x := qent{at: e.at, seq: q.seq, a: e.a, aux: e.aux, pid: e.pid, gen: e.gen, kind: e.kind}
	if e.msg != nil {
		if k := len(q.free); k > 0 {
			x.ref = q.free[k-1] + 1
			q.free = q.free[:k-1]
			q.msgs[x.ref-1] = e.msg
		} else {
			q.msgs = append(q.msgs, e.msg)
			x.ref = int32(len(q.msgs))
		}
	}
	q.place(x)
}

func (q *queue) place(x qent) {
	t := int64(x.at) >> tickShift
	if t <= q.cur {
		q.pushLate(x)
		return
	}
	level := (bits.Len64(uint64(t^q.cur)) - 1) / wheelBits
	i := (t >> (level * wheelBits)) & (wheelSlots - 1)
	sl := &q.slots[level][i]
	c := sl.tail
	if c == nil || c.n == chunkSize {
		nc := q.pool
		if nc != nil {
			q.pool = nc.next
			nc.next = nil
		} else {
			nc = &chunk{}
		}
		if c == nil {
			sl.head = nc
			q.occupied[level][i>>6] |= 1 << (i & 63)
		} else {
			c.next = nc
		}
		sl.tail = nc
		c = nc
	}
	c.ents[c.n] = x
	c.n++
}

// take empties slot sl, returning its chunks to the pool after fn has seen
// every entry. fn may place entries in other slots.
func (q *queue) take(sl *slot, fn func(x *qent)) {
	c := sl.head
	sl.head, sl.tail = nil, nil
	for c != nil {
		for k := 0; k < c.n; k++ {
			fn(&c.ents[k])
		}
		next := c.next
		c.n = 0
		c.next = q.pool
		q.pool = c
		c = next
	}
}

// pop removes and returns the earliest event.
func (q *queue) pop() (event, bool) {
	if !q.fill() {
		return event{}, false
	}
	q.n--
	var x qent
	if q.runPos < len(q.run) && (len(q.late) == 0 || qless(&q.run[q.runPos], &q.late[0])) {
		x = q.run[q.runPos]
		q.runPos++
	} else {
		x = q.popLate()
	}
	e := event{at: x.at, seq: x.seq, a: x.a, aux: x.aux, pid: x.pid, gen: x.gen, kind: x.kind}
	if x.ref != 0 {
		e.msg = q.msgs[x.ref-1]
		q.msgs[x.ref-1] = nil
		q.free = append(q.free, x.ref-1)
	}
	return e, true
}

// peekTime returns the time of the earliest event.
func (q *queue) peekTime() (Time, bool) {
	if !q.fill() {
		return 0, false
	}
	if q.runPos < len(q.run) && (len(q.late) == 0 || qless(&q.run[q.runPos], &q.late[0])) {
		return q.run[q.runPos].at, true
	}
	return q.late[0].at, true
}

// fill makes the ready set non-empty, advancing the wheel; false when empty.
func (q *queue) fill() bool {
	for q.runPos == len(q.run) && len(q.late) == 0 {
		if q.n == 0 {
			return false
		}
		q.advance()
	}
	return true
}

// advance opens the earliest occupied slot of the lowest non-empty level.
// Lower levels are always empty when a higher one is opened, so the slot holds
// the earliest events.
func (q *queue) advance() {
	for level := 0; level < wheelLevels; level++ {
		occ := &q.occupied[level]
		for word := 0; word < wheelWords; word++ {
			if occ[word] == 0 {
				continue
			}
			i := int64(word*64 + bits.TrailingZeros64(occ[word]))
			occ[word] &^= 1 << (i & 63)
			shift := level * wheelBits
			q.cur = q.cur>>(shift+wheelBits)<<(shift+wheelBits) | i<<shift
			sl := &q.slots[level][i]
			if level == 0 {
				// Every entry here has tick == cur: copy them into the run and
				// sort it.
				q.run = q.run[:0]
				q.runPos = 0
				q.take(sl, func(x *qent) { q.run = append(q.run, *x) })
				sortQents(q.run)
				q.fresh = true
				return
			}
			if level == 1 && q.prefetch != nil {
				// These events run within the next 2 ms: start loading what
				// they will touch now, many loads at once.
				q.take(sl, func(x *qent) { q.prefetch(x); q.place(*x) })
				return
			}
			q.take(sl, func(x *qent) { q.place(*x) })
			return
		}
	}
	panic("sim: event queue count is positive but the wheel is empty")
}

// sortQents sorts a level-0 slot: usually a handful of entries, so insertion
// sort, with the standard library for the rare large burst.
func sortQents(s []qent) {
	if len(s) > 24 {
		slices.SortFunc(s, func(x, y qent) int {
			if qless(&x, &y) {
				return -1
			}
			return 1
		})
		return
	}
	for i := 1; i < len(s); i++ {
		x := s[i]
		j := i
		for j > 0 && qless(&x, &s[j-1]) {
			s[j] = s[j-1]
			j--
		}
		s[j] = x
	}
}

func (q *queue) pushLate(x qent) {
	h := append(q.late, x)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !qless(&h[i], &h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	q.late = h
}

func (q *queue) popLate() qent {
	h := q.late
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && qless(&h[r], &h[l]) {
			m = r
		}
		if !qless(&h[m], &h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	q.late = h
	return top
}

// all returns every pending entry, in no particular order.
func (q *queue) all() []qent {
	out := make([]qent, 0, q.n)
	out = append(out, q.run[q.runPos:]...)
	out = append(out, q.late...)
	for level := range q.slots {
		for i := range q.slots[level] {
			for c := q.slots[level][i].head; c != nil; c = c.next {
				out = append(out, c.ents[:c.n]...)
			}
		}
	}
	return out
}

// rebuild passes every pending event to fn, which may change its time (never
// to before the last popped event), and re-places them all. It is O(pending)
// and meant for rare world changes such as a node's clock drift changing.
func (q *queue) rebuild(fn func(e *event)) {
	all := q.all()
	for level := range q.slots {
		for i := range q.slots[level] {
			q.take(&q.slots[level][i], func(*qent) {})
		}
		q.occupied[level] = [wheelWords]uint64{}
	}
	q.run = q.run[:0]
	q.runPos = 0
	q.late = q.late[:0]
	for k := range all {
		x := &all[k]
		e := event{at: x.at, a: x.a, aux: x.aux, pid: x.pid, gen: x.gen, kind: x.kind}
		fn(&e)
		x.at = e.at
		q.place(*x)
	}
}

// forEach calls fn on every pending event (its message left out), in no
// particular order: callers must only collect or test membership.
func (q *queue) forEach(fn func(e *event)) {
	for _, x := range q.all() {
		e := event{at: x.at, seq: x.seq, a: x.a, aux: x.aux, pid: x.pid, gen: x.gen, kind: x.kind}
		fn(&e)
	}
}
