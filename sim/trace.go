package sim

import (
	"io"
	"reflect"
	"strconv"
)

// The trace has two parts. The fingerprint folds every event (and every
// spawn, exit, drop and fault inside one) into a 64-bit hash: cheap enough to
// be always on, and the proof that two runs were the same run. The optional
// sink writes one JSON line per happening — time, event number, node,
// process, kind, message type — filtered by node or process, to read an
// incident.

// TraceFilter keeps trace lines of the named nodes and processes. A process
// matches by name ("session") or by label ("session#42"). Empty = keep all.
// FromEvent and ToEvent, when not zero, keep only the lines of events in
// [FromEvent, ToEvent] (the "ev" of the line): the window around an event
// of interest, without formatting the rest of a long run.
type TraceFilter struct {
	Nodes     []string
	Processes []string
	FromEvent uint64
	ToEvent   uint64
}

type traceState struct {
	fp     uint64
	out    io.Writer
	filter TraceFilter
	buf    []byte
	err    error

	lastType reflect.Type
	lastHash uint64
	types    map[reflect.Type]uint64
}

type traceRecord struct {
	kind   string
	node   NodeID
	pid    PID
	from   PID
	msg    any
	detail string
}

// note codes: what happened inside an event, folded into the fingerprint.
const (
	noteBoot uint64 = iota + 1
	noteCrash
	noteClock
	noteSpawn
	noteExit
	noteDrop
	noteKill
	noteFault
	noteLinkBreak
	noteDial
	noteStreamClose
	noteBuggify
)

// drop reasons.
const (
	dropMailboxFull uint64 = iota + 1
	dropNoProc
	dropLinkDown
	dropPartition
	dropLoss
)

func (t *traceState) set(out io.Writer, f TraceFilter) {
	t.out = out
	t.filter = f
	t.err = nil
}

// TraceErr returns the first error writing the trace, if any.
func (w *World) TraceErr() error { return w.trace.err }

// typeHash identifies a message's Go type for the fingerprint, from its name
// (stable across builds and machines), cached per type.
func (w *World) typeHash(msg any) uint64 {
	if msg == nil {
		return 0
	}
	t := reflect.TypeOf(msg)
	ts := &w.trace
	if t == ts.lastType {
		return ts.lastHash
	}
	h, ok := ts.types[t]
	if !ok {
		if ts.types == nil {
			ts.types = map[reflect.Type]uint64{}
		}
		h = hashString(t.String())
		ts.types[t] = h
	}
	ts.lastType, ts.lastHash = t, h
	return h
}

func msgTypeName(msg any) string {
	switch m := msg.(type) {
	case nil:
		return ""
	case StreamData:
		return "stream:" + msgTypeName(m.Msg)
	case Datagram:
		return "datagram:" + msgTypeName(m.Msg)
	}
	return reflect.TypeOf(msg).String()
}

func (w *World) traceKeep(node NodeID, pid PID) bool {
	f := &w.trace.filter
	if w.events < f.FromEvent || (f.ToEvent != 0 && w.events > f.ToEvent) {
		return false
	}
	if len(f.Nodes) == 0 && len(f.Processes) == 0 {
		return true
	}
	if node != NoNode {
		for _, n := range f.Nodes {
			if w.nodes[node].name == n {
				return true
			}
		}
	}
	if pid != 0 {
		if p := w.proc(pid); p != nil {
			for _, name := range f.Processes {
				if name == w.names[p.nameID] || name == w.label(p) {
					return true
				}
			}
		}
	}
	return false
}

// traceLine writes one JSON line if a sink is set and the filter keeps it.
func (w *World) traceLine(r traceRecord) {
	ts := &w.trace
	if ts.out == nil || ts.err != nil || !w.traceKeep(r.node, r.pid) {
		return
	}
	b := ts.buf[:0]
	b = append(b, `{"ev":`...)
	b = strconv.AppendUint(b, w.events, 10)
	b = append(b, `,"t_ns":`...)
	b = strconv.AppendInt(b, int64(w.Elapsed()), 10)
	b = append(b, `,"t":`...)
	b = strconv.AppendQuote(b, w.Elapsed().String())
	b = append(b, `,"kind":`...)
	b = strconv.AppendQuote(b, r.kind)
	if r.node != NoNode && int(r.node) < len(w.nodes) {
		b = append(b, `,"node":`...)
		b = strconv.AppendQuote(b, w.nodes[r.node].name)
	}
	if r.pid != 0 {
		b = append(b, `,"proc":`...)
		b = strconv.AppendQuote(b, w.pidLabel(r.pid))
	}
	if r.from != 0 {
		b = append(b, `,"from":`...)
		b = strconv.AppendQuote(b, w.pidLabel(r.from))
	}
	if r.msg != nil {
		b = append(b, `,"msg":`...)
		b = strconv.AppendQuote(b, msgTypeName(r.msg))
	}
	if r.detail != "" {
		b = append(b, `,"detail":`...)
		b = strconv.AppendQuote(b, r.detail)
	}
	b = append(b, "}\n"...)
	ts.buf = b
	if _, err := ts.out.Write(b); err != nil {
		ts.err = err
	}
}

func (w *World) pidLabel(pid PID) string {
	if p := w.proc(pid); p != nil {
		return w.label(p)
	}
	return "#" + strconv.FormatUint(uint64(pid), 10)
}
