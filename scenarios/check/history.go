package check

import (
	"sort"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// History is what the clients of one run recorded, plus the read requests
// the scenario issued (the client records a read only when it completes).
// The runner fills it with FromRecorder; tests build it directly.
type History struct {
	// Records are every client's records in the order they happened, with
	// true virtual times (client.Recorder's log).
	Records []client.Record
	// EventNames maps Record.Name to the event name ("MESSAGE_CREATE").
	EventNames []string
	// Reads are the history reads the scenario asked clients to make, with
	// the true time it asked. The k-th read of a client is matched with the
	// k-th KindHistory or KindHistoryFailed record of that client, which is
	// exact when a client has at most one read in flight: the runner must
	// keep it so. Without them a read's call time is unknown (Porcupine
	// then lets it start at time 0, and NoAckedMessageLost says Unknown),
	// and an empty page has no channel and is skipped.
	Reads []ReadCall
	// Dropped is how many records the recorder lost to its bound; any
	// checker then says Unknown.
	Dropped int
}

// ReadCall is one history read the scenario issued.
type ReadCall struct {
	Client  uint32
	Channel uint64
	Limit   int // the page size asked for (client.ReadHistory.Limit)
	At      sim.Time
}

// FromRecorder copies a recorder's log and event names into a History, with
// the reads the scenario issued.
func FromRecorder(r *client.Recorder, reads []ReadCall) *History {
	h := &History{Records: make([]client.Record, 0, r.Len()), Dropped: r.Dropped(), Reads: reads}
	r.Each(func(rec client.Record) { h.Records = append(h.Records, rec) })
	h.EventNames = []string{""}
	for i := 1; i < 1<<16; i++ {
		n := r.EventName(uint16(i))
		if n == "" {
			break
		}
		h.EventNames = append(h.EventNames, n)
	}
	return h
}

// eventName returns the name of a dispatch record.
func (h *History) eventName(rec client.Record) string {
	if int(rec.Name) < len(h.EventNames) {
		return h.EventNames[rec.Name]
	}
	return ""
}

// EventMessageCreate is the dispatch the message checkers follow.
const EventMessageCreate = "MESSAGE_CREATE"

// EventGuildCreate starts (or, after the guild lost the session, restarts)
// a session's view of a guild.
const EventGuildCreate = "GUILD_CREATE"

type outcome uint8

const (
	outcomeAcked outcome = iota + 1
	// outcomeUnknown: timed out, rejected, or never answered. A rejection
	// counts as unknown because a guild's store error (a QUORUM write that
	// reached fewer replicas) may still surface the message later.
	outcomeUnknown
	// outcomeDenied: a change refused for the user's membership or
	// permissions, by the guild or the store's author check, before
	// anything was written (client.SendNotPermitted): it surely did not
	// happen.
	outcomeDenied
)

// sendOp is one post: KindSend, then KindSendAck or KindSendFailed (or
// nothing) from the same client with the same nonce.
type sendOp struct {
	client     uint32
	channel    uint64
	nonce      uint64
	sentAt     sim.Time
	outcome    outcome
	id         uint64   // the acknowledged message ID
	answeredAt sim.Time // the ack's time
	// reason is a failure's Record.ID (client.SendRejected,
	// SendNotPermitted, ...), 0 otherwise.
	reason uint64
	// echoed is the ID the sender's own MESSAGE_CREATE carried with this
	// send's nonce (KindSendEcho), 0 if none came: it names the message of
	// a send whose outcome is otherwise unknown.
	echoed   uint64
	echoedAt sim.Time // when the echo came: the message existed by then
	// lateID and lateAckAt: the guild's acknowledgement after the
	// client's timeout (client.KindLateAck), 0 if none came.
	lateID    uint64
	lateAckAt sim.Time
}

// readOp is one history read and its page.
type readOp struct {
	client     uint32
	channel    uint64 // 0 if unknown (an empty page without a ReadCall)
	limit      int    // 0 if unknown
	called     bool   // callAt is known (a ReadCall matched)
	callAt     sim.Time
	returnedAt sim.Time
	ids        []uint64 // newest first, as the store returns them
	authors    []uint64 // the author of each of ids
	failed     bool
	complete   bool // every message of the page was recorded
	// versions and reactions of each of ids (KindHistoryEdit and
	// KindHistoryReaction before its KindHistoryMessage): 0 and nil for
	// a message never edited nor reacted to.
	versions  []uint64
	reactions [][]uint64
	// pinned of each of ids (KindHistoryPinned before its
	// KindHistoryMessage): nil while no message of the page was.
	pinned []bool
}

// changeOp is one lifecycle request (KindEdit, KindDelete, KindBulkDelete,
// KindReactAdd, KindReactRemove, KindPin, KindUnpin) and its answer.
type changeOp struct {
	client     uint32
	kind       client.Kind
	nonce      uint64
	channel    uint64   // bulk deletes only (others: the message's)
	messages   []uint64 // the message, or a bulk delete's
	value      uint64   // edits: the content's hash; reactions: the key's hash
	calledAt   sim.Time
	outcome    outcome
	answeredAt sim.Time
	reason     uint64 // a failure's Record.ID (client.SendNotPermitted, ...)
	// lateAckAt is when the guild's acknowledgement came after the
	// client's timeout (client.KindLateAck): it happened by then. 0: none.
	lateAckAt sim.Time
}

// index is a History digested for the checkers.
type index struct {
	sends []sendOp
	acked map[uint64]int // message ID -> index in sends
	reads []readOp
	// backfills are the clients' backfill pages (client.KindBackfill),
	// in record order; channel, returnedAt, ids and authors are set.
	backfills []readOp
	byClient  map[uint32][]client.Record
	clients   []uint32 // sorted
	changes   []changeOp
	// byMessage: message ID -> indexes in changes naming it (changesOf
	// builds it on first use).
	byMessage map[uint64][]int
}

// buildIndex digests h. The channel of a message is known only through its
// sender: KindSend (Seq: nonce, ID: channel) and the same client's
// KindSendAck (Seq: nonce, ID: message ID); a dispatch does not carry it.
func buildIndex(h *History) *index {
	ix := &index{acked: map[uint64]int{}, byClient: map[uint32][]client.Record{}}
	pendingSends := map[uint32]map[uint64][]int{} // client -> nonce -> sends awaiting an answer
	lastSend := map[uint32]map[uint64]int{}       // client -> nonce -> its latest send
	calls := map[uint32][]ReadCall{}
	for _, c := range h.Reads {
		calls[c.Client] = append(calls[c.Client], c)
	}
	for c := range calls {
		sort.SliceStable(calls[c], func(i, j int) bool { return calls[c][i].At < calls[c][j].At })
	}
	openChange := map[uint32]map[uint64]int{} // client -> nonce -> index in changes awaiting an answer
	lastChange := map[uint32]int{}            // client -> index in changes of its latest request (for KindChangeArg)
	type extra struct {
		version   uint64
		reactions []uint64
		pinned    bool
	}
	pageExtra := map[uint32]*extra{} // client -> edit and reactions of its page's next message
	openPage := map[uint32]int{}     // client -> index in reads of a page still being filled
	openBackfill := map[uint32]int{} // client -> index in backfills of a page still being filled
	pageWant := map[uint32]uint64{}  // client -> message count of its open page
	nextCall := func(c uint32) (ReadCall, bool) {
		q := calls[c]
		if len(q) == 0 {
			return ReadCall{}, false
		}
		calls[c] = q[1:]
		return q[0], true
	}
	for _, rec := range h.Records {
		c := rec.Client
		ix.byClient[c] = append(ix.byClient[c], rec)
		switch rec.Kind {
		case client.KindSend:
			if pendingSends[c] == nil {
				pendingSends[c] = map[uint64][]int{}
			}
			pendingSends[c][rec.Seq] = append(pendingSends[c][rec.Seq], len(ix.sends))
			if lastSend[c] == nil {
				lastSend[c] = map[uint64]int{}
			}
			lastSend[c][rec.Seq] = len(ix.sends)
			ix.sends = append(ix.sends, sendOp{client: c, channel: rec.ID, nonce: rec.Seq, sentAt: rec.At, outcome: outcomeUnknown})
		case client.KindSendAck, client.KindSendFailed:
			if rec.Kind == client.KindSendFailed && rec.ID == client.SendRefused {
				continue // never sent: there is no KindSend for it
			}
			q := pendingSends[c][rec.Seq]
			if len(q) == 0 {
				continue
			}
			i := q[0]
			pendingSends[c][rec.Seq] = q[1:]
			ix.sends[i].answeredAt = rec.At
			if rec.Kind == client.KindSendFailed {
				ix.sends[i].reason = rec.ID
			}
			if rec.Kind == client.KindSendAck {
				ix.sends[i].outcome = outcomeAcked
				ix.sends[i].id = rec.ID
				ix.acked[rec.ID] = i
			}
		case client.KindLateAck:
			if i, ok := lastSend[c][rec.Seq]; ok && rec.ID != 0 && ix.sends[i].outcome != outcomeAcked {
				ix.sends[i].lateID, ix.sends[i].lateAckAt = rec.ID, rec.At
			}
			for i := len(ix.changes) - 1; i >= 0 && rec.ID == 0; i-- {
				if ch := &ix.changes[i]; ch.client == c && ch.nonce == rec.Seq {
					if ch.outcome != outcomeAcked {
						ch.lateAckAt = rec.At
					}
					break
				}
			}
		case client.KindSendEcho:
			if i, ok := lastSend[c][rec.Seq]; ok && ix.sends[i].echoed == 0 {
				ix.sends[i].echoed = rec.ID
				ix.sends[i].echoedAt = rec.At
			}
		case client.KindBackfill:
			delete(openPage, c)
			delete(openBackfill, c)
			b := readOp{client: c, channel: rec.ID, returnedAt: rec.At, complete: rec.Seq == 0}
			if rec.Seq > 0 {
				openBackfill[c] = len(ix.backfills)
				pageWant[c] = rec.Seq
			}
			ix.backfills = append(ix.backfills, b)
		case client.KindHistory, client.KindHistoryFailed:
			delete(openPage, c) // a page left unfinished stays incomplete
			delete(openBackfill, c)
			r := readOp{client: c, returnedAt: rec.At, failed: rec.Kind == client.KindHistoryFailed}
			if call, ok := nextCall(c); ok {
				r.called, r.callAt, r.channel, r.limit = true, call.At, call.Channel, call.Limit
			}
			if r.channel == 0 {
				r.channel = rec.ID // the failed read's channel, or the page's
			}
			r.complete = rec.Kind == client.KindHistory && rec.Seq == 0
			if rec.Kind == client.KindHistory && rec.Seq > 0 {
				r.ids = make([]uint64, 0, int(min(rec.Seq, 100)))
				r.authors = make([]uint64, 0, int(min(rec.Seq, 100)))
				openPage[c] = len(ix.reads)
			}
			ix.reads = append(ix.reads, r)
			if rec.Kind == client.KindHistory && rec.Seq > 0 {
				pageWant[c] = rec.Seq
			}
		case client.KindEdit, client.KindDelete, client.KindBulkDelete, client.KindReactAdd, client.KindReactRemove,
			client.KindPin, client.KindUnpin:
			op := changeOp{client: c, kind: rec.Kind, nonce: rec.Seq, calledAt: rec.At, outcome: outcomeUnknown}
			if rec.Kind == client.KindBulkDelete {
				op.channel = rec.ID
			} else {
				op.messages = []uint64{rec.ID}
			}
			if openChange[c] == nil {
				openChange[c] = map[uint64]int{}
			}
			openChange[c][rec.Seq] = len(ix.changes)
			lastChange[c] = len(ix.changes)
			ix.changes = append(ix.changes, op)
		case client.KindChangeArg:
			i, ok := lastChange[c]
			if !ok || ix.changes[i].nonce != rec.Seq {
				continue
			}
			if ix.changes[i].kind == client.KindBulkDelete {
				ix.changes[i].messages = append(ix.changes[i].messages, rec.ID)
			} else {
				ix.changes[i].value = rec.ID
			}
		case client.KindChangeAck, client.KindChangeFailed:
			i, ok := openChange[c][rec.Seq]
			if !ok {
				continue
			}
			delete(openChange[c], rec.Seq)
			ix.changes[i].answeredAt = rec.At
			if rec.Kind == client.KindChangeFailed {
				ix.changes[i].reason = rec.ID
			}
			if rec.Kind == client.KindChangeAck {
				ix.changes[i].outcome = outcomeAcked
			}
			if rec.Kind == client.KindChangeFailed && rec.ID == client.SendNotPermitted {
				ix.changes[i].outcome = outcomeDenied
			}
		case client.KindHistoryEdit, client.KindHistoryReaction, client.KindHistoryPinned:
			e := pageExtra[c]
			if e == nil {
				e = &extra{}
				pageExtra[c] = e
			}
			switch rec.Kind {
			case client.KindHistoryEdit:
				e.version = rec.Seq
			case client.KindHistoryPinned:
				e.pinned = true
			default:
				e.reactions = append(e.reactions, rec.Seq)
			}
		case client.KindHistoryMessage:
			e := pageExtra[c]
			delete(pageExtra, c)
			if i, open := openBackfill[c]; open {
				b := &ix.backfills[i]
				b.ids = append(b.ids, rec.ID)
				b.authors = append(b.authors, rec.Seq)
				if uint64(len(b.ids)) == pageWant[c] {
					b.complete = true
					delete(openBackfill, c)
				}
				continue
			}
			i, open := openPage[c]
			if !open {
				continue
			}
			r := &ix.reads[i]
			r.ids = append(r.ids, rec.ID)
			r.authors = append(r.authors, rec.Seq)
			if e != nil || r.versions != nil {
				for len(r.versions) < len(r.ids)-1 {
					r.versions = append(r.versions, 0)
					r.reactions = append(r.reactions, nil)
				}
				var v uint64
				var rs []uint64
				if e != nil {
					v, rs = e.version, e.reactions
					sort.Slice(rs, func(a, b int) bool { return rs[a] < rs[b] })
				}
				r.versions = append(r.versions, v)
				r.reactions = append(r.reactions, rs)
			}
			if (e != nil && e.pinned) || r.pinned != nil {
				for len(r.pinned) < len(r.ids)-1 {
					r.pinned = append(r.pinned, false)
				}
				r.pinned = append(r.pinned, e != nil && e.pinned)
			}
			if uint64(len(r.ids)) == pageWant[c] {
				r.complete = true
				delete(openPage, c)
			}
		}
	}
	for c := range ix.byClient {
		ix.clients = append(ix.clients, c)
	}
	sort.Slice(ix.clients, func(i, j int) bool { return ix.clients[i] < ix.clients[j] })
	return ix
}

// channelOfOr returns the channel of an acknowledged message, 0 if unknown.
func (ix *index) channelOfOr(id uint64) uint64 {
	ch, _ := ix.channelOf(id)
	return ch
}

// channelOf returns the channel of an acknowledged message.
func (ix *index) channelOf(id uint64) (uint64, bool) {
	i, ok := ix.acked[id]
	if !ok {
		return 0, false
	}
	return ix.sends[i].channel, true
}
