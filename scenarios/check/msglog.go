package check

import (
	"fmt"
	"sort"

	"github.com/anishathalye/porcupine"
)

// The Porcupine model: one message log per channel, as a sorted set.
//
// Clients show a channel sorted by snowflake, so the log is the set of its
// message IDs in ID order, not an append-only list: a message minted
// earlier (smaller ID) but stored later may appear below newer ones once
// stored, as long as its send was concurrent with theirs.
//
// State: the channel's IDs, ascending (*idSet, nil when empty). Inserting
// copies the slice, so Step never mutates its input and states are safe to
// keep in Porcupine's cache; the hash is order-independent (a sum of mixed
// IDs), so equal sets hash alike.
//
// Operations:
//   - send with an acknowledged ID x: legal iff x is not in the set yet
//     (and the set's size is within the send's bounds, see logInput.Lo); it
//     inserts x wherever it sorts. The real-time rule "a message
//     acknowledged before another was sent must come first" (smaller ID) is
//     not the model's: Linearizable checks it exactly, pair by pair, before
//     the search (ackOrder in linearizable.go).
//   - send with an unknown outcome: either nothing happened, or it wrote one
//     of the channel's orphans (IDs reads returned that no send
//     acknowledged) not in the set yet. A nondeterministic step, turned into
//     a Model by Porcupine's power-set construction.
//   - read of a page (IDs newest first): legal iff the page is the set's
//     newest len(page) IDs, and, when the page is shorter than its limit,
//     the set holds no more.
//
// Step is total: an input or output of an unexpected type is an illegal
// step, never a panic (Porcupine runs partitions in goroutines, where a
// panic would kill the test binary).

type opKind uint8

const (
	opSend opKind = iota + 1
	opRead
)

// logInput is an operation's input.
type logInput struct {
	Op      opKind
	Channel uint64
	Client  uint32
	Nonce   uint64   // sends
	ID      uint64   // sends: the acknowledged ID, 0 if the outcome is unknown
	Orphans []uint64 // unknown sends: IDs it may have written, ascending
	Limit   int      // reads: the page size asked, 0 if unknown
	// Bounded sends with an ID: the log held between Lo and Hi IDs just
	// before this one went in, and a snapshot of Lo IDs had been read.
	// Linearizable derives the bounds from the channel's snapshots (reads
	// whose page was not full, so the whole log): a snapshot without the
	// ID was read before it went in (the log had at least the snapshot's
	// size), one with it after (the log had fewer). Any legal order keeps
	// them, so they prune the search without changing its answer.
	// Snaps is how many of the channel's snapshots lack the ID: exactly
	// those have been read when it goes in (idSet.snaps counts them), so a
	// send cannot be tried before a snapshot that must precede it nor
	// after one that must follow it. Without the count Porcupine tries
	// every subset of the sends in flight around each snapshot.
	Bounded bool
	Lo, Hi  int
	Snaps   int
	// Below is the largest snapshot without the ID (every ID in it went in
	// first) and Above the smallest with it (only its IDs went in first);
	// nil when there is none. Shared, never mutated.
	Below, Above map[uint64]bool
}

// logOutput is an operation's output: a read's page, newest first.
type logOutput struct{ IDs []uint64 }

// idSet is a channel's message IDs, ascending, and how many snapshots
// (reads whose page was not full) have been read (snaps: see
// logInput.Snaps); never mutated once built.
type idSet struct {
	ids   []uint64
	hash  uint64
	snaps int
}

func snapsOf(s *idSet) int {
	if s == nil {
		return 0
	}
	return s.snaps
}

func mixID(id uint64) uint64 {
	id ^= id >> 33
	id *= 0xff51afd7ed558ccd
	id ^= id >> 33
	id *= 0xc4ceb9fe1a85ec53
	return id ^ id>>33
}

func setLen(s *idSet) int {
	if s == nil {
		return 0
	}
	return len(s.ids)
}

func setHas(s *idSet, id uint64) bool {
	if s == nil {
		return false
	}
	i := sort.Search(len(s.ids), func(i int) bool { return s.ids[i] >= id })
	return i < len(s.ids) && s.ids[i] == id
}

// setInsert returns s with id added; s must not hold id.
func setInsert(s *idSet, id uint64) *idSet {
	var old []uint64
	var h uint64
	var snaps int
	if s != nil {
		old, h, snaps = s.ids, s.hash, s.snaps
	}
	i := sort.Search(len(old), func(i int) bool { return old[i] >= id })
	ids := make([]uint64, 0, len(old)+1)
	ids = append(ids, old[:i]...)
	ids = append(ids, id)
	ids = append(ids, old[i:]...)
	return &idSet{ids: ids, hash: h + mixID(id), snaps: snaps}
}

func setEqual(a, b *idSet) bool {
	if a == b {
		return true
	}
	if setLen(a) != setLen(b) || snapsOf(a) != snapsOf(b) {
		return false
	}
	if setLen(a) == 0 {
		return true
	}
	if a.hash != b.hash {
		return false
	}
	for i := range a.ids {
		if a.ids[i] != b.ids[i] {
			return false
		}
	}
	return true
}

func stepLog(state, input, output any) []any {
	s, okState := state.(*idSet)
	in, okIn := input.(logInput)
	out, okOut := output.(logOutput)
	if !okState || !okIn || !okOut {
		return nil
	}
	switch in.Op {
	case opSend:
		if in.ID != 0 {
			if setHas(s, in.ID) {
				return nil
			}
			if in.Bounded && !withinBounds(s, in) {
				return nil
			}
			return []any{setInsert(s, in.ID)}
		}
		next := []any{s}
		for _, id := range in.Orphans {
			if !setHas(s, id) {
				next = append(next, setInsert(s, id))
			}
		}
		return next
	case opRead:
		n := setLen(s)
		if n < len(out.IDs) || (in.Limit > 0 && len(out.IDs) < in.Limit && n != len(out.IDs)) {
			return nil
		}
		for i, id := range out.IDs {
			if s.ids[n-1-i] != id {
				return nil
			}
		}
		if in.Limit > 0 && len(out.IDs) < in.Limit {
			// A snapshot: count it (see logInput.Snaps).
			next := &idSet{snaps: snapsOf(s) + 1}
			if s != nil {
				next.ids, next.hash = s.ids, s.hash
			}
			return []any{next}
		}
		return []any{s}
	}
	return nil
}

// withinBounds says whether s may be the log just before in's ID goes in:
// its size within [Lo, Hi], every ID of Below in it, every ID of it in
// Above.
func withinBounds(s *idSet, in logInput) bool {
	n := setLen(s)
	if n < in.Lo || n > in.Hi || snapsOf(s) != in.Snaps {
		return false
	}
	if in.Below != nil {
		have := 0
		for i := 0; i < n; i++ {
			if in.Below[s.ids[i]] {
				have++
			}
		}
		if have < len(in.Below) {
			return false
		}
	}
	if in.Above != nil {
		for i := 0; i < n; i++ {
			if !in.Above[s.ids[i]] {
				return false
			}
		}
	}
	return true
}

func channelOfOp(op porcupine.Operation) uint64 {
	switch in := op.Input.(type) {
	case logInput:
		return in.Channel
	case mapInput:
		return in.Channel
	}
	return 0
}

// partitionByChannel groups operations by channel, channels ascending.
func partitionByChannel(ops []porcupine.Operation) [][]porcupine.Operation {
	by := map[uint64][]porcupine.Operation{}
	var chans []uint64
	for _, op := range ops {
		c := channelOfOp(op)
		if _, seen := by[c]; !seen {
			chans = append(chans, c)
		}
		by[c] = append(by[c], op)
	}
	sort.Slice(chans, func(i, j int) bool { return chans[i] < chans[j] })
	out := make([][]porcupine.Operation, 0, len(chans))
	for _, c := range chans {
		out = append(out, by[c])
	}
	return out
}

func describeOp(input, output any) string {
	if in, ok := input.(mapInput); ok {
		out, _ := output.(mapOutput)
		return describeMapOp(in, out)
	}
	in, ok1 := input.(logInput)
	out, ok2 := output.(logOutput)
	if !ok1 || !ok2 {
		return fmt.Sprintf("%v -> %v", input, output)
	}
	switch in.Op {
	case opSend:
		if in.ID == 0 {
			return fmt.Sprintf("send(nonce %d) -> unknown", in.Nonce)
		}
		return fmt.Sprintf("send(nonce %d) -> id %d", in.Nonce, in.ID)
	case opRead:
		return fmt.Sprintf("read(limit %d) -> [%s]", in.Limit, joinIDs(out.IDs))
	}
	return "?"
}

func describeLog(state any) string {
	st, _ := state.(*idSet)
	n := setLen(st)
	var ids []uint64
	for i := n - 1; i >= 0 && len(ids) < 20; i-- {
		ids = append(ids, st.ids[i])
	}
	s := "[" + joinIDs(ids)
	if n > len(ids) {
		s += fmt.Sprintf(",... (%d)", n)
	}
	return s + "] newest first"
}

// messageLogModel is the model Linearizable checks against.
func messageLogModel() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Partition: partitionByChannel,
		PartitionEvent: func(events []porcupine.Event) [][]porcupine.Event {
			// Calls carry the input and so the channel; a return goes with
			// its call's Id.
			chanOf := map[int]uint64{}
			by := map[uint64][]porcupine.Event{}
			var chans []uint64
			for _, e := range events {
				c, known := chanOf[e.Id]
				if !known {
					if in, ok := e.Value.(logInput); ok {
						c = in.Channel
					}
					chanOf[e.Id] = c
				}
				if _, seen := by[c]; !seen {
					chans = append(chans, c)
				}
				by[c] = append(by[c], e)
			}
			sort.Slice(chans, func(i, j int) bool { return chans[i] < chans[j] })
			out := make([][]porcupine.Event, 0, len(chans))
			for _, c := range chans {
				out = append(out, by[c])
			}
			return out
		},
		Init: func() []any { return []any{(*idSet)(nil)} },
		Step: stepLog,
		Equal: func(a, b any) bool {
			sa, ok1 := a.(*idSet)
			sb, ok2 := b.(*idSet)
			return ok1 && ok2 && setEqual(sa, sb)
		},
		Hash: func(s any) uint64 {
			if st, ok := s.(*idSet); ok && st != nil {
				return st.hash ^ uint64(st.snaps)*0x9e3779b97f4a7c15
			}
			return 0
		},
		DescribeOperation: describeOp,
		DescribeState:     describeLog,
	}
	return nm.ToModel()
}
