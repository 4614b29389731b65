package check

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/guildsim/guildsim/sim"
)

// LinearizableOptions tune the Porcupine checker.
type LinearizableOptions struct {
	// Timeout bounds the search [10 s]. A timeout gives Unknown.
	Timeout time.Duration
	// ArtifactDir is where an Illegal check writes the failing channel's
	// HTML visualisation; empty: none is written.
	ArtifactDir string
	// MaxVisualizedOps bounds the visualisation [2000 operations]: a
	// failing channel with more operations is reported without one
	// (Porcupine's HTML grows with the history and the partial
	// linearisations; a huge one helps nobody).
	MaxVisualizedOps int
	// UserOf names a client's user. With it an unacknowledged send may
	// only have written an orphan its own user authored (reads report
	// authors); without it, any orphan of its channel.
	UserOf func(client uint32) uint64
	_      struct{}
}

const (
	defaultLinearizableTimeout = 10 * time.Second
	defaultMaxVisualizedOps    = 2000
)

// Linearizable checks that the sends and history reads of every channel
// are linearizable against a message log kept sorted by ID (see msglog.go
// for the model). First it checks the real-time rule exactly (ackOrder: a
// message acknowledged before another of its channel was sent has the
// smaller ID), then runs Porcupine. It never says Ok when the search timed
// out.
func Linearizable(h *History, o LinearizableOptions) Verdict {
	const name = "porcupine"
	if h.Dropped > 0 {
		return unknown(name, "the recorder dropped %d records", h.Dropped)
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultLinearizableTimeout
	}
	if o.MaxVisualizedOps <= 0 {
		o.MaxVisualizedOps = defaultMaxVisualizedOps
	}
	ix := buildIndex(h)
	if detail, at, bad := ackOrder(ix); bad {
		return illegal(name, "%s", detail).at(at)
	}
	var ops []porcupine.Operation
	var model porcupine.Model
	var why string
	if len(ix.changes) > 0 {
		if v, split := bothModels(ix, o); split {
			return v
		}
	}
	if len(ix.changes) > 0 {
		// Edits, deletes or reactions: the lifecycle model (chanmap.go).
		// lostFromSnapshot does not apply: a deleted message is absent.
		ops, model = lifecycleOperations(ix), channelMapModel()
	} else {
		ops, why = operations(ix, o.UserOf)
		model = messageLogModel()
	}
	if why != "" {
		return illegal(name, "%s", why)
	}
	if len(ix.changes) > 0 {
		// No snapshot shortcut: straight to the search.
	} else if why, ch, at := lostFromSnapshot(ix); why != "" {
		// Said in words; Porcupine's visualisation of the channel still
		// shows it.
		v := illegal(name, "%s", why).at(at)
		for _, part := range partitionByChannel(ops) {
			if channelOfOp(part[0]) != ch {
				continue
			}
			if r, info := porcupine.CheckOperationsVerbose(model, part, o.Timeout); r == porcupine.Illegal {
				visualise(&v, model, part, info, o)
			}
		}
		return v
	}
	res, _ := porcupine.CheckOperationsVerbose(model, ops, o.Timeout)
	switch res {
	case porcupine.Ok:
		return ok(name, fmt.Sprintf("%d operations linearizable", len(ops)))
	case porcupine.Unknown:
		return unknown(name, "the search timed out after %v on %d operations", o.Timeout, len(ops))
	}
	// Illegal: find the first failing channel (in channel order, so the
	// report is the same every run) and show only it.
	for _, part := range partitionByChannel(ops) {
		r, info := porcupine.CheckOperationsVerbose(model, part, o.Timeout)
		if r != porcupine.Illegal {
			continue
		}
		return illegalChannel(model, part, info, o, "")
	}
	return illegal(name, "the history of %d operations is not linearizable (no single channel fails alone within %v)", len(ops), o.Timeout)
}

// visualise writes Porcupine's HTML for one failing channel's operations
// into o.ArtifactDir (if set and within MaxVisualizedOps) and names it in
// v.Artifact.
func visualise(v *Verdict, model porcupine.Model, part []porcupine.Operation, info porcupine.LinearizationInfo, o LinearizableOptions) {
	switch {
	case o.ArtifactDir == "":
	case len(part) > o.MaxVisualizedOps:
		v.Detail += fmt.Sprintf(" No visualisation: %d operations exceed the bound of %d.", len(part), o.MaxVisualizedOps)
	default:
		path := filepath.Join(o.ArtifactDir, fmt.Sprintf("porcupine-channel-%d.html", channelOfOp(part[0])))
		err := os.MkdirAll(o.ArtifactDir, 0o755)
		if err == nil {
			err = porcupine.VisualizePath(model, info, path)
		}
		if err == nil {
			v.Artifact = path
		} else {
			v.Detail += " Visualisation failed: " + err.Error()
		}
	}
}

// ackOrder checks the real-time rule on acknowledged sends: for any two,
// A and B, of one channel with A acknowledged before B was sent, ID(A) <
// ID(B). It reports the first violation (channels ascending, B by send
// time) and whether there is one. O(n log n) per channel: a sweep over the
// sends by send time, keeping the largest ID acknowledged so far.
func ackOrder(ix *index) (string, sim.Time, bool) {
	by := map[uint64][]sendOp{}
	var chans []uint64
	for _, s := range ix.sends {
		if s.outcome != outcomeAcked {
			continue
		}
		if _, seen := by[s.channel]; !seen {
			chans = append(chans, s.channel)
		}
		by[s.channel] = append(by[s.channel], s)
	}
	sort.Slice(chans, func(i, j int) bool { return chans[i] < chans[j] })
	for _, c := range chans {
		sends := by[c]
		bySent := append([]sendOp(nil), sends...)
		sort.SliceStable(bySent, func(i, j int) bool { return bySent[i].sentAt < bySent[j].sentAt })
		byAck := append([]sendOp(nil), sends...)
		sort.SliceStable(byAck, func(i, j int) bool { return byAck[i].answeredAt < byAck[j].answeredAt })
		var maxA *sendOp
		k := 0
		for _, b := range bySent {
			for k < len(byAck) && byAck[k].answeredAt < b.sentAt {
				if maxA == nil || byAck[k].id > maxA.id {
					maxA = &byAck[k]
				}
				k++
			}
			if maxA != nil && maxA.id >= b.id {
				a := *maxA
				return fmt.Sprintf("channel %d breaks the real-time order: message %d (client %d, nonce %d, sent at %v, acknowledged at %v) was acknowledged before message %d (client %d, nonce %d, sent at %v, acknowledged at %v) was sent, but its ID is not smaller. A message acknowledged before another was sent must have the smaller ID and come first.",
					c, a.id, a.client, a.nonce, fmtTime(int64(a.sentAt)), fmtTime(int64(a.answeredAt)), b.id, b.client, b.nonce, fmtTime(int64(b.sentAt)), fmtTime(int64(b.answeredAt))), b.answeredAt, true
			}
		}
	}
	return "", 0, false
}

// operations turns sends and reads into Porcupine operations timed in true
// virtual time (nanoseconds), or explains why no order can exist.
//
// An acknowledged send inserts its ID between its call and its ack. A send
// without an acknowledgement may or may not have happened: a call that
// never returns (Return = MaxInt64), which Porcupine may linearise anywhere
// after its call. When the sender's own MESSAGE_CREATE echoed its nonce,
// its ID is known. Otherwise its message, if stored, is an orphan: an ID a
// read returned that no send acknowledged and no echo named. Each orphan
// becomes an insert of known ID that never returns, called at the earliest
// unanswered send of its author (userOf; any author without it) in its
// channel: its true sender called no earlier, so no legal history is
// refused, and the search has no choice to make (a send choosing among k
// orphans made Porcupine's power-set construction explode). A send whose
// effect no read shows is left out: linearised last, it changes nothing.
// An orphan with no unanswered send that could have written it is
// returned as the explanation of an illegal history.
func operations(ix *index, userOf func(uint32) uint64) ([]porcupine.Operation, string) {
	orphans := orphanIDs(ix)
	read := map[uint64]bool{}
	for _, r := range ix.reads {
		for _, id := range r.ids {
			read[id] = true
		}
	}
	author := func(c uint32) uint64 {
		if userOf == nil {
			return 0
		}
		return userOf(c)
	}
	// The earliest unanswered, unechoed send per (channel, author) and how
	// many there are.
	type chanUser struct{ channel, user uint64 }
	open := map[chanUser]*unansweredSends{}
	var ops []porcupine.Operation
	for _, s := range ix.sends {
		in := logInput{Op: opSend, Channel: s.channel, Client: s.client, Nonce: s.nonce}
		op := porcupine.Operation{ClientId: int(s.client), Call: int64(s.sentAt)}
		switch {
		case s.outcome == outcomeAcked:
			in.ID = s.id
			op.Return = int64(s.answeredAt)
		case s.echoed != 0:
			if !read[s.echoed] {
				continue
			}
			in.ID = s.echoed
			op.Return = math.MaxInt64
		default:
			k := chanUser{s.channel, author(s.client)}
			if u := open[k]; u != nil {
				u.n++
			} else {
				op.Input, op.Output, op.Return = in, logOutput{}, math.MaxInt64
				open[k] = &unansweredSends{first: op, n: 1}
			}
			continue
		}
		op.Input, op.Output = in, logOutput{}
		ops = append(ops, op)
	}
	for _, ch := range sortedKeys(orphans) {
		o := orphans[ch]
		count := map[uint64]int{}
		for _, id := range o.ids {
			a := uint64(0)
			if userOf != nil {
				a = o.authors[id]
			}
			u := open[chanUser{ch, a}]
			count[a]++
			if n := unansweredOf(u); count[a] > n {
				return nil, fmt.Sprintf("channel %d: reads returned message %d (author %d) and %d other message(s) of that author that no send acknowledged, but only %d unanswered send(s) of that author in that channel could have written them: a message nobody sent, or one send stored twice.",
					ch, id, o.authors[id], count[a]-1, n)
			}
			op := u.first
			in := op.Input.(logInput)
			in.ID = id
			op.Input = in
			ops = append(ops, op)
		}
	}
	boundSends(ops, ix)
	for _, r := range ix.reads {
		if r.failed || !r.complete || r.channel == 0 {
			continue
		}
		op := porcupine.Operation{ClientId: int(r.client), Return: int64(r.returnedAt)}
		if r.called {
			op.Call = int64(r.callAt)
		}
		op.Input = logInput{Op: opRead, Channel: r.channel, Client: r.client, Limit: r.limit}
		op.Output = logOutput{IDs: r.ids}
		ops = append(ops, op)
	}
	return ops, ""
}

func unansweredOf(u *unansweredSends) int {
	if u == nil {
		return 0
	}
	return u.n
}

func sortedKeys[V any](m map[uint64]V) []uint64 {
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// boundSends sets the bounds of every send op with an ID from its
// channel's snapshots: complete reads whose page was shorter than its limit
// (the whole log at some instant). A snapshot of n IDs without x was
// taken before x went in, so the log then held all its IDs (>= n); one with
// x after, so the log held only IDs of that snapshot (<= n-1). The largest
// snapshot without x and the smallest with it give the tightest bounds. Without the bounds Porcupine tries every subset of the
// sends in flight around each read (2^k for k sends held up by a
// partition); with them only sends that fit the snapshots' sizes.
func boundSends(ops []porcupine.Operation, ix *index) {
	type snap struct {
		ids map[uint64]bool
		n   int
	}
	snaps := map[uint64][]*snap{}
	for _, r := range ix.reads {
		if r.failed || !r.complete || r.channel == 0 || r.limit <= 0 || len(r.ids) >= r.limit {
			continue
		}
		s := &snap{ids: make(map[uint64]bool, len(r.ids)), n: len(r.ids)}
		for _, id := range r.ids {
			s.ids[id] = true
		}
		snaps[r.channel] = append(snaps[r.channel], s)
	}
	for i := range ops {
		in, ok := ops[i].Input.(logInput)
		if !ok || in.Op != opSend || in.ID == 0 {
			continue
		}
		in.Bounded, in.Lo, in.Hi, in.Snaps = true, 0, math.MaxInt, 0
		var below, above *snap
		for _, s := range snaps[in.Channel] {
			if s.ids[in.ID] {
				if above == nil || s.n < above.n {
					above = s
				}
				in.Hi = min(in.Hi, s.n-1)
			} else {
				if below == nil || s.n > below.n {
					below = s
				}
				in.Lo = max(in.Lo, s.n)
				in.Snaps++
			}
		}
		if below != nil {
			in.Below = below.ids
		}
		if above != nil {
			in.Above = above.ids
		}
		ops[i].Input = in
	}
}

// lostFromSnapshot finds the plainest violation in words before the
// search: a message acknowledged (or already returned by a read) before a
// later snapshot of its channel was called, missing from that snapshot.
// Snapshot: a complete read whose page was not full, so the whole channel.
// It reports the first by the snapshot's call time, then message ID, and
// its channel; "" if none (Porcupine still judges everything else).
func lostFromSnapshot(ix *index) (string, uint64, sim.Time) {
	type seenAt struct {
		at  sim.Time
		how string
	}
	first := map[uint64]seenAt{} // message -> earliest instant it was known to be stored
	note := func(id uint64, at sim.Time, how string) {
		if f, ok := first[id]; !ok || at < f.at {
			first[id] = seenAt{at, how}
		}
	}
	for _, s := range ix.sends {
		if s.outcome == outcomeAcked {
			note(s.id, s.answeredAt, fmt.Sprintf("acknowledged to client %d", s.client))
		}
	}
	for _, r := range ix.reads {
		if !r.failed && r.complete {
			for _, id := range r.ids {
				note(id, r.returnedAt, fmt.Sprintf("returned by client %d's read", r.client))
			}
		}
	}
	var reads []readOp
	for _, r := range ix.reads {
		if !r.failed && r.complete && r.called && r.channel != 0 && r.limit > 0 && len(r.ids) < r.limit {
			reads = append(reads, r)
		}
	}
	sort.SliceStable(reads, func(i, j int) bool { return reads[i].callAt < reads[j].callAt })
	chanOf := map[uint64]uint64{}
	for _, s := range ix.sends {
		if s.outcome == outcomeAcked {
			chanOf[s.id] = s.channel
		}
	}
	for _, r := range ix.reads {
		for _, id := range r.ids {
			if _, ok := chanOf[id]; !ok {
				chanOf[id] = r.channel
			}
		}
	}
	ids := make([]uint64, 0, len(first))
	for id := range first {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, r := range reads {
		have := make(map[uint64]bool, len(r.ids))
		for _, id := range r.ids {
			have[id] = true
		}
		for _, id := range ids {
			f := first[id]
			if chanOf[id] != r.channel || have[id] || f.at >= r.callAt {
				continue
			}
			return fmt.Sprintf("channel %d lost message %d: it was %s at %s, but client %d's read of the whole channel, called at %s (after that) and returned at %s, has %d messages without it.",
				r.channel, id, f.how, fmtTime(int64(f.at)), r.client, fmtTime(int64(r.callAt)), fmtTime(int64(r.returnedAt)), len(r.ids)), r.channel, r.returnedAt
		}
	}
	return "", 0, 0
}

// unansweredSends are one author's sends in one channel that got neither
// an ack nor an echo: the first as an operation, and how many.
type unansweredSends struct {
	first porcupine.Operation
	n     int
}

// orphans are one channel's orphan IDs, ascending, with their authors.
type orphans struct {
	ids     []uint64
	authors map[uint64]uint64
}

// orphanIDs are, per channel, the IDs reads returned that no send
// acknowledged and no echo named: only a send with an unknown outcome and
// no echo can have written them.
func orphanIDs(ix *index) map[uint64]orphans {
	seen := map[uint64]bool{}
	for _, s := range ix.sends {
		if s.echoed != 0 {
			seen[s.echoed] = true
		}
	}
	out := map[uint64]orphans{}
	for _, r := range ix.reads {
		for k, id := range r.ids {
			if _, acked := ix.acked[id]; acked || seen[id] {
				continue
			}
			seen[id] = true
			o := out[r.channel]
			if o.authors == nil {
				o.authors = map[uint64]uint64{}
			}
			o.ids = append(o.ids, id)
			if k < len(r.authors) {
				o.authors[id] = r.authors[k]
			}
			out[r.channel] = o
		}
	}
	for c, o := range out {
		sort.Slice(o.ids, func(i, j int) bool { return o.ids[i] < o.ids[j] })
		out[c] = o
	}
	return out
}

// explainIllegal says which operation no linearisation could take.
func explainIllegal(part []porcupine.Operation, info porcupine.LinearizationInfo) (string, sim.Time) {
	ch := channelOfOp(part[0])
	longest := 0
	var done map[int]bool
	for _, p := range info.PartialLinearizations() {
		for _, lin := range p {
			if len(lin) >= longest {
				longest = len(lin)
				done = map[int]bool{}
				for _, id := range lin {
					done[id] = true
				}
			}
		}
	}
	// The first operation by return time that the longest partial
	// linearisation could not include is the one that broke it.
	order := make([]int, len(part))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return part[order[a]].Return < part[order[b]].Return })
	for _, i := range order {
		if done[i] {
			continue
		}
		op := part[i]
		at := op.Return
		if at == math.MaxInt64 { // a call that never returned breaks the order once it is made
			at = op.Call
		}
		return fmt.Sprintf("channel %d is not linearizable: %d of %d operations linearise, then client %d's %s (called at %s, returned at %s) fits no order of the operations consistent with real time. %s",
			ch, longest, len(part), op.ClientId, describeOp(op.Input, op.Output), fmtTime(op.Call), fmtTime(op.Return), modelRule(op.Input)), sim.Time(at)
	}
	return fmt.Sprintf("channel %d is not linearizable (%d operations)", ch, len(part)), 0
}

// modelRule names the model that judged an operation and says its rule:
// a channel some edit, delete, reaction or pin touched is judged by the
// lifecycle model, the others by the message log, and the verdict must say
// which (the message log's words on a lifecycle channel send one looking
// for the wrong bug).
func modelRule(input any) string {
	if _, ok := input.(mapInput); ok {
		return "Lifecycle model (edits, deletes, reactions or pins touched the channel): the channel is a map message -> (content version, deleted, reactions, pinned); a read must return its newest live messages as they were at some instant between its call and return."
	}
	return "Message-log model: the log is the channel's IDs in ID order; a read must return its newest messages at some instant between its call and return."
}

// fmtTime shows a true time as the time since the world started
// (sim.DefaultStart), as the run's output and trace do.
func fmtTime(t int64) string {
	if t == math.MaxInt64 {
		return "never"
	}
	return "+" + sim.Time(t).Sub(sim.DefaultStart).String()
}

func joinIDs(ids []uint64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%d", id)
	}
	return b.String()
}

// bothModels judges a history with lifecycle requests channel by channel:
// the channels some edit, delete or reaction touched by the lifecycle
// model, the others by the message log, whose snapshot bounds keep the
// search short where many posts and reads overlap (a burst); the lifecycle
// model has no such bounds. split is false when every channel needs the
// lifecycle model: the caller judges them as before.
func bothModels(ix *index, o LinearizableOptions) (v Verdict, split bool) {
	const name = "porcupine"
	lops := lifecycleOperations(ix)
	changed := map[uint64]bool{} // lookups only
	for _, op := range lops {
		if in, ok := op.Input.(mapInput); ok && in.Op != mapCreate && in.Op != mapRead {
			changed[in.Channel] = true
		}
	}
	mops, why := operations(ix, o.UserOf)
	var logOps, mapOps []porcupine.Operation
	for _, op := range mops {
		if !changed[channelOfOp(op)] {
			logOps = append(logOps, op)
		}
	}
	if len(logOps) == 0 {
		return Verdict{}, false
	}
	if why != "" {
		return illegal(name, "%s", why), true
	}
	for _, op := range lops {
		if changed[channelOfOp(op)] {
			mapOps = append(mapOps, op)
		}
	}
	unknownIn, fellBack := "", 0
	for _, m := range []struct {
		model porcupine.Model
		ops   []porcupine.Operation
		what  string
	}{{messageLogModel(), logOps, "message-log"}, {channelMapModel(), mapOps, "lifecycle"}} {
		var res porcupine.CheckResult
		if m.what == "lifecycle" {
			res, v, fellBack = lifecycleByMessage(m.ops, o)
			if res == porcupine.Illegal {
				return v, true
			}
		} else {
			res, _ = porcupine.CheckOperationsVerbose(m.model, m.ops, o.Timeout)
			if res == porcupine.Unknown {
				var fb int
				res, v, fb = logByMessage(m.ops, lops, o)
				fellBack += fb
				if res == porcupine.Illegal {
					return v, true
				}
			}
		}
		switch res {
		case porcupine.Unknown:
			unknownIn = m.what
			continue
		case porcupine.Ok:
			continue
		}
		for _, part := range partitionByChannel(m.ops) {
			r, info := porcupine.CheckOperationsVerbose(m.model, part, o.Timeout)
			if r != porcupine.Illegal {
				continue
			}
			return illegalChannel(m.model, part, info, o, ""), true
		}
		return illegal(name, "the %s channels' %d operations are not linearizable (no single channel fails alone within %v)", m.what, len(m.ops), o.Timeout), true
	}
	if unknownIn != "" {
		return unknown(name, "the search of the %s channels timed out after %v", unknownIn, o.Timeout), true
	}
	detail := fmt.Sprintf("%d operations linearizable (%d in %d channels with edits, deletes or reactions, by the lifecycle model; %d by the message log)",
		len(logOps)+len(mapOps), len(mapOps), len(changed), len(logOps))
	if fellBack > 0 {
		detail += fmt.Sprintf("; %d channels judged message by message (weaker: a read is not checked as one instant across messages) after the whole-channel search timed out", fellBack)
	}
	return ok(name, detail), true
}

// lifecycleChannelTimeout bounds the search of one lifecycle channel before
// it is judged message by message: a legal channel's search takes
// milliseconds, and one with a few changes of unknown outcome among many
// reads can take a minute (mixed seed 5: 43 s to Ok).
const lifecycleChannelTimeout = 3 * time.Second

// lifecycleByMessage judges each lifecycle channel whole, and the channels
// whose search times out message by message (perMessage): Illegal if one message
// is, Ok if every channel is either Ok whole or Ok message by message
// (fellBack counts those), Unknown if a message's search times out too.
func lifecycleByMessage(ops []porcupine.Operation, o LinearizableOptions) (res porcupine.CheckResult, v Verdict, fellBack int) {
	res = porcupine.Ok
	for _, part := range partitionByChannel(ops) {
		r, info := porcupine.CheckOperationsVerbose(channelMapModel(), part, min(o.Timeout, lifecycleChannelTimeout))
		switch r {
		case porcupine.Ok:
			continue
		case porcupine.Illegal:
			return porcupine.Illegal, illegalChannel(channelMapModel(), part, info, o, ""), fellBack
		}
		fellBack++
		for _, msg := range perMessage(part) {
			r, info := porcupine.CheckOperationsVerbose(messageMapModel(), msg, o.Timeout)
			switch r {
			case porcupine.Illegal:
				return porcupine.Illegal, illegalChannel(messageMapModel(), msg, info, o, " (judged message by message: the whole channel's search timed out)"), fellBack
			case porcupine.Unknown:
				res = porcupine.Unknown
			}
		}
	}
	return res, Verdict{}, fellBack
}

// logByMessage judges the message-log channels whose search times out the
// way lifecycleByMessage judges lifecycle channels: each channel alone by
// the message log, and a channel that still times out by its lifecycle
// operations (creates and reads only, lops), whole and then message by
// message (mixed seed 176: its message-log search does not finish in 5
// minutes; message by message it takes milliseconds).
func logByMessage(logOps, lops []porcupine.Operation, o LinearizableOptions) (res porcupine.CheckResult, v Verdict, fellBack int) {
	res = porcupine.Ok
	byChan := map[uint64][]porcupine.Operation{} // lookups only
	for _, op := range lops {
		byChan[channelOfOp(op)] = append(byChan[channelOfOp(op)], op)
	}
	for _, part := range partitionByChannel(logOps) {
		r, info := porcupine.CheckOperationsVerbose(messageLogModel(), part, min(o.Timeout, lifecycleChannelTimeout))
		switch r {
		case porcupine.Ok:
			continue
		case porcupine.Illegal:
			return porcupine.Illegal, illegalChannel(messageLogModel(), part, info, o, ""), fellBack
		}
		r, v, fb := lifecycleByMessage(byChan[channelOfOp(part[0])], o)
		fellBack += fb
		switch r {
		case porcupine.Illegal:
			return porcupine.Illegal, v, fellBack
		case porcupine.Unknown:
			res = porcupine.Unknown
		}
	}
	return res, Verdict{}, fellBack
}

// illegalChannel is the verdict on one channel's (or message's) operations
// that Porcupine found Illegal with info: the first operation no order fits,
// in words (with note appended, if any), and the model's visualisation.
func illegalChannel(model porcupine.Model, part []porcupine.Operation, info porcupine.LinearizationInfo, o LinearizableOptions, note string) Verdict {
	why, at := explainIllegal(part, info)
	v := illegal("porcupine", "%s%s", why, note).at(at)
	visualise(&v, model, part, info, o)
	return v
}
