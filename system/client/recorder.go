package client

import "github.com/guildsim/guildsim/sim"

// Kind says what a Record records. The meaning of Seq, ID and Node per kind
// is given next to each constant; fields not named are zero.
type Kind uint8

const (
	KindDial            Kind = iota + 1 // Node: the node dialled; Seq: 1 if this connection is for a Resume
	KindConnected                       // Node: the stream is up
	KindIdentify                        // Node: op 2 sent
	KindResume                          // Node; Seq: the s sent; ID: SessionHash of the session
	KindReady                           // Node; Seq: READY's s; ID: SessionHash of the new session
	KindResumed                         // Node; Seq: the client's last s after the replay
	KindDispatch                        // Node; Seq: s; ID: the event's EventID (0 if none); Name: event name
	KindDuplicate                       // like KindDispatch, for an s already seen: dropped, not processed
	KindInvalidSession                  // Node; Seq: 1 if d was true (resumable)
	KindReconnect                       // Node: the node that sent op 7
	KindClosed                          // Node; Seq: the peer's close code (0 if none); ID: the sim.CloseReason
	KindClientClose                     // Node; Seq: the code the client closed with
	KindZombie                          // Node: no ACK between two heartbeats
	KindStopped                         // Seq: the close code that says "do not reconnect"; the client has exited
	KindHeartbeat                       // only with Recorder.Heartbeats: Seq: the s sent
	KindHeartbeatACK                    // only with Recorder.Heartbeats
	KindSend                            // a post sent: Seq: its nonce; ID: the channel
	KindSendAck                         // the guild stored it: Seq: the nonce; ID: the message's ID
	KindSendFailed                      // Seq: the nonce; ID: SendRejected, SendTimedOut, SendRefused or SendDenied
	KindHistory                         // a history page: Seq: its message count; ID: its channel (0 if empty); its messages follow
	KindHistoryMessage                  // one message of the page before: ID: its ID; Seq: its author
	KindHistoryFailed                   // a history read failed (ID: the channel when known)
	KindSendEcho                        // the client's own MESSAGE_CREATE came back with its nonce: Seq: the nonce; ID: the message's ID
	KindEdit                            // an edit sent: Seq: its nonce; ID: the message; a KindChangeArg (the content's hash) follows
	KindDelete                          // a delete sent: Seq: its nonce; ID: the message
	KindBulkDelete                      // a bulk delete sent: Seq: its nonce; ID: the channel; one KindChangeArg per message follows
	KindReactAdd                        // a reaction added: Seq: its nonce; ID: the message; a KindChangeArg (the key's hash) follows
	KindReactRemove                     // a reaction removed: as KindReactAdd
	KindChangeArg                       // an argument of the change before: Seq: its nonce; ID: the value
	KindChangeAck                       // the guild acknowledged a change: Seq: its nonce
	KindChangeFailed                    // Seq: the nonce; ID: SendRejected, SendTimedOut, SendRefused or SendDenied
	KindHistoryEdit                     // the next KindHistoryMessage was edited: ID: the message; Seq: ContentHash of its content
	KindHistoryReaction                 // the next KindHistoryMessage has a reaction: ID: the message; Seq: ContentHash of its key
	KindBackfill                        // a backfill page after a GUILD_CREATE resync (backfill.go): Seq: its message count; ID: its channel; its messages follow as a history page's
	KindBackfillFailed                  // a backfill read failed: ID: the channel
	KindPin                             // a pin sent: Seq: its nonce; ID: the message
	KindUnpin                           // an unpin sent: as KindPin
	KindHistoryPinned                   // the next KindHistoryMessage is pinned: ID: the message
	KindLateAck                         // the guild acknowledged a post or change after its timeout: Seq: the nonce; ID: a post's message ID (0 for a change)
)

var kindNames = [...]string{
	KindDial: "dial", KindConnected: "connected", KindIdentify: "identify", KindResume: "resume",
	KindReady: "ready", KindResumed: "resumed", KindDispatch: "dispatch", KindDuplicate: "duplicate",
	KindInvalidSession: "invalid-session", KindReconnect: "reconnect", KindClosed: "closed",
	KindClientClose: "client-close", KindZombie: "zombie", KindStopped: "stopped",
	KindHeartbeat: "heartbeat", KindHeartbeatACK: "heartbeat-ack",
	KindSend: "send", KindSendAck: "send-ack", KindSendFailed: "send-failed",
	KindHistory: "history", KindHistoryMessage: "history-message", KindHistoryFailed: "history-failed",
	KindSendEcho: "send-echo",
	KindEdit:     "edit", KindDelete: "delete", KindBulkDelete: "bulk-delete", KindReactAdd: "react-add",
	KindReactRemove: "react-remove", KindChangeArg: "change-arg", KindChangeAck: "change-ack",
	KindChangeFailed: "change-failed", KindHistoryEdit: "history-edit", KindHistoryReaction: "history-reaction",
	KindBackfill: "backfill", KindBackfillFailed: "backfill-failed",
	KindPin: "pin", KindUnpin: "unpin", KindHistoryPinned: "history-pinned", KindLateAck: "late-ack",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// Record is one thing a client did or saw: 40 bytes, no pointers, so a
// million clients' logs are a few slices the garbage collector never scans.
type Record struct {
	At     sim.Time // true virtual time (the Recorder's clock), not the client node's clock
	Seq    uint64
	ID     uint64
	Client uint32
	Node   sim.NodeID // the gateway node of the connection, sim.NoNode if none
	Kind   Kind
	Name   uint16 // dispatches: index of the event name, see Recorder.EventName
}

// Recorder collects every client's records, in the order they happened, for
// checkers. One Recorder serves all the clients of a world.
//
// Time: a client cannot read true time (its ctx gives its own node's
// clocks, which faults skew, drift and jump), so the Recorder takes a clock
// at construction and the world provides it: NewRecorder(w.Now). Only the
// recorder reads it, and nothing in the client decides anything from it.
type Recorder struct {
	// Heartbeats also records every heartbeat and ACK (off by default: with
	// a million clients they would be most of the log).
	Heartbeats bool
	// MaxRecords bounds the log [1<<26 = 67M records, 2.7 GB]; records past
	// it are counted in Dropped, and a checker must then say "unknown".
	MaxRecords int

	clock   func() sim.Time
	chunks  [][]Record
	n       int
	dropped int
	names   []string
	nameIdx map[string]uint16 // lookups only
}

// chunkRecords is the size of one chunk of the log: appending never copies
// the records already kept, and a chunk is 640 KB.
const chunkRecords = 1 << 14

// DefaultMaxRecords is Recorder.MaxRecords' default.
const DefaultMaxRecords = 1 << 26

// maxEventNames bounds the distinct event names (they fit Record.Name).
const maxEventNames = 1 << 16

// NewRecorder returns an empty recorder whose clock is the world's true time.
func NewRecorder(clock func() sim.Time) *Recorder {
	sim.Assert(clock != nil, "client: NewRecorder with a nil clock")
	return &Recorder{clock: clock, MaxRecords: DefaultMaxRecords, names: []string{""}, nameIdx: map[string]uint16{"": 0}}
}

func (r *Recorder) add(rec Record) {
	if r.n >= r.MaxRecords {
		r.dropped++
		return
	}
	rec.At = r.clock()
	c := r.n / chunkRecords
	if c == len(r.chunks) {
		r.chunks = append(r.chunks, make([]Record, 0, chunkRecords))
	}
	r.chunks[c] = append(r.chunks[c], rec)
	r.n++
}

// name returns the index of an event name, adding it if new.
func (r *Recorder) name(event string) uint16 {
	if i, ok := r.nameIdx[event]; ok {
		return i
	}
	if len(r.names) >= maxEventNames {
		return 0
	}
	i := uint16(len(r.names))
	r.names = append(r.names, event)
	r.nameIdx[event] = i
	return i
}

// Len returns the number of records kept.
func (r *Recorder) Len() int { return r.n }

// Dropped returns the number of records lost to MaxRecords.
func (r *Recorder) Dropped() int { return r.dropped }

// At returns record i (0 <= i < Len()).
func (r *Recorder) At(i int) Record { return r.chunks[i/chunkRecords][i%chunkRecords] }

// EventName returns the event name of a record's Name.
func (r *Recorder) EventName(name uint16) string {
	if int(name) < len(r.names) {
		return r.names[name]
	}
	return ""
}

// Each calls fn for every record in order.
func (r *Recorder) Each(fn func(Record)) {
	for _, c := range r.chunks {
		for _, rec := range c {
			fn(rec)
		}
	}
}

// ForClient returns the records of one client, in order (a scan: for tests
// and small worlds).
func (r *Recorder) ForClient(id uint32) []Record {
	var out []Record
	r.Each(func(rec Record) {
		if rec.Client == id {
			out = append(out, rec)
		}
	})
	return out
}

// ContentHash is the 64-bit FNV-1a hash of a message's content or a
// reaction key, as KindChangeArg, KindHistoryEdit and KindHistoryReaction
// record them (records hold no strings).
func ContentHash(s string) uint64 { return SessionHash(s) }

// SessionHash is the 64-bit FNV-1a hash of a session ID, as recorded in
// Record.ID for KindReady and KindResume.
func SessionHash(id string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return h
}
