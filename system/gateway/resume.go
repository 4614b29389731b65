package gateway

import "github.com/guildsim/guildsim/sim"

// ---- the replay buffer ----

// replayBuffer keeps a session's recent dispatches so that a Resume can
// replay what the client missed. Sequence numbers are consecutive, so the
// buffer stores only first (the s of the oldest entry) and the events. It is
// a ring that grows by doubling up to the session's bound and drops the
// oldest event when full; it is trimmed whenever a heartbeat confirms what
// the client has (its d is the client's last s), so a connected session
// holds about one heartbeat interval of events, and it lets go of its array
// whenever it empties: an idle session (most of a million) then holds no
// ring at all, at the price of one small allocation per burst.
type replayBuffer struct {
	ring  []bufferedEvent
	head  int32
	n     int32
	first uint64 // s of ring[head]; meaningful when n > 0
}

type bufferedEvent struct {
	event string
	data  any
	size  int32
}

// push appends the event with sequence number seq (the next one), dropping
// the oldest if the buffer holds limit events.
func (b *replayBuffer) push(seq uint64, e bufferedEvent, limit int) {
	sim.Assert(b.n == 0 || seq == b.first+uint64(b.n), "gateway: replay buffer given a non-consecutive seq")
	if int(b.n) == limit {
		b.ring[b.head] = bufferedEvent{}
		b.head = (b.head + 1) % int32(len(b.ring))
		b.n--
		b.first++
	}
	if int(b.n) == len(b.ring) {
		nb := make([]bufferedEvent, min(max(4, 2*len(b.ring)), limit))
		for i := int32(0); i < b.n; i++ {
			nb[i] = b.ring[(b.head+i)%int32(len(b.ring))]
		}
		b.ring, b.head = nb, 0
	}
	if b.n == 0 {
		b.first = seq
	}
	b.ring[(b.head+b.n)%int32(len(b.ring))] = e
	b.n++
}

// trimThrough drops the events with s <= seq: the client has them.
func (b *replayBuffer) trimThrough(seq uint64) {
	for b.n > 0 && b.first <= seq {
		b.ring[b.head] = bufferedEvent{}
		b.head = (b.head + 1) % int32(len(b.ring))
		b.n--
		b.first++
	}
	if b.n == 0 {
		b.ring, b.head = nil, 0
	}
}

// covers reports whether every event after seq up to last (the session's
// latest s) is still in the buffer, i.e. whether a Resume from seq can be
// replayed exactly.
func (b *replayBuffer) covers(seq, last uint64) bool {
	if seq >= last {
		return true
	}
	return b.n > 0 && b.first <= seq+1
}

// each calls fn for the events after seq, oldest first.
func (b *replayBuffer) each(seq uint64, fn func(s uint64, e *bufferedEvent)) {
	for i := int32(0); i < b.n; i++ {
		s := b.first + uint64(i)
		if s > seq {
			fn(s, &b.ring[(b.head+i)%int32(len(b.ring))])
		}
	}
}

// ---- session IDs ----

// A session ID is 24 lowercase hex digits: 8 for the gateway node that holds
// the session, 16 drawn from the session's random stream. The same string
// is the session's registered name on that node, so a Resume that reaches
// the right node finds the session with one local lookup (ctx.WhereIs), and
// a Resume that reaches any other node is answered Invalid Session at once,
// without asking anyone. Sessions never move: the session process owns its
// connection, and a connection can only be handed to a process of its own
// node. The node part survives a crash and restart of the node, but the
// registered name does not, so a Resume after a crash is Invalid Session
// too. (The real IDs are 32 hex digits; the length is not significant.)
const sessionIDLen = 24

const hexDigits = "0123456789abcdef"

func newSessionID(node sim.NodeID, r *sim.Rand) string {
	var b [sessionIDLen]byte
	putHex(b[:8], uint64(uint32(node)))
	putHex(b[8:], r.Uint64())
	return string(b[:])
}

func putHex(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = hexDigits[v&15]
		v >>= 4
	}
}

// sessionNode returns the node a session ID names, or false if id is not a
// session ID.
func sessionNode(id string) (sim.NodeID, bool) {
	if len(id) != sessionIDLen {
		return sim.NoNode, false
	}
	var v uint64
	for i := 0; i < sessionIDLen; i++ {
		c := id[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		default:
			return sim.NoNode, false
		}
		if i < 8 {
			v = v<<4 | uint64(d)
		}
	}
	if v > 1<<31-1 {
		return sim.NoNode, false
	}
	return sim.NodeID(v), true
}

// ---- the resume handshake ----

// A Resume arrives at a fresh session process F (every connection gets one,
// since nobody knows before Hello whether the client will identify or
// resume). F finds the session S by name and asks it, by a local message,
// whether the resume is acceptable; S answers and, if it accepts, expects
// the connection. F then hands the connection over (sim.StreamHandoff,
// gen_tcp:controlling_process) and tells S, which replays and sends
// RESUMED. S learns the connection's ID in the query, so stream events that
// reach it between the handoff and attachConn are already its own.

// resumeQuery asks S to accept a resume on connection conn.
type resumeQuery struct {
	token string
	seq   uint64
	conn  sim.ConnID
	req   uint32
}

// resumeAnswer is S's verdict.
type resumeAnswer struct {
	req     uint32
	verdict resumeVerdict
}

type resumeVerdict uint8

const (
	resumeGranted resumeVerdict = iota + 1
	resumeRefused               // wrong token, busy, draining: Invalid Session, S unchanged
	resumeGone                  // the buffer no longer covers the gap: Invalid Session, S ended
	resumeBadSeq                // seq beyond anything sent: close 4007, S ended
)

// attachConn tells S that conn is now its own; attachFailed that the
// connection closed before F could hand it over.
type (
	attachConn   struct{ conn sim.ConnID }
	attachFailed struct{ conn sim.ConnID }
)
