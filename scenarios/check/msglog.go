package check

import (
	"fmt"
	"sort"

	"github.com/anishathalye/porcupine"
)

// The Porcupine model: one message log per channel.
//
// State: the channel's log, a persistent list, newest first (*logNode, nil
// when empty). Appending makes a new head that shares the rest, so Step is
// O(1), never mutates its input, and states are cheap to keep in
// Porcupine's cache.
//
// Operations:
//   - send with an acknowledged ID x: legal iff x is greater than the
//     newest ID in the log; this is the rule "a message acknowledged before
//     another was sent must come first", because linearisability puts the
//     first before the second, and the log must stay in ID order, which is
//     the order the store returns pages in.
//   - send with an unknown outcome: either nothing happened, or it wrote one
//     of the channel's orphans (IDs reads returned that no send
//     acknowledged), still in ID order. A nondeterministic step, turned into
//     a Model by Porcupine's power-set construction.
//   - read of a page (IDs newest first): legal iff the page is the log's
//     newest len(page) messages, and, when the page is shorter than its
//     limit, the log holds no more.
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
}

// logOutput is an operation's output: a read's page, newest first.
type logOutput struct{ IDs []uint64 }

type logNode struct {
	id   uint64
	prev *logNode
	n    int
	hash uint64
}

func push(l *logNode, id uint64) *logNode {
	n, h := 1, uint64(14695981039346656037)
	if l != nil {
		n, h = l.n+1, l.hash
	}
	return &logNode{id: id, prev: l, n: n, hash: (h ^ id) * 1099511628211}
}

func logLen(l *logNode) int {
	if l == nil {
		return 0
	}
	return l.n
}

func logEqual(a, b *logNode) bool {
	for a != b {
		if a == nil || b == nil || a.n != b.n || a.hash != b.hash || a.id != b.id {
			return false
		}
		a, b = a.prev, b.prev
	}
	return true
}

func stepLog(state, input, output any) []any {
	l, okState := state.(*logNode)
	in, okIn := input.(logInput)
	out, okOut := output.(logOutput)
	if !okState || !okIn || !okOut {
		return nil
	}
	switch in.Op {
	case opSend:
		if in.ID != 0 {
			if l != nil && in.ID <= l.id {
				return nil
			}
			return []any{push(l, in.ID)}
		}
		next := []any{l}
		for _, id := range in.Orphans {
			if l == nil || id > l.id {
				next = append(next, push(l, id))
			}
		}
		return next
	case opRead:
		n := logLen(l)
		if n < len(out.IDs) || (in.Limit > 0 && len(out.IDs) < in.Limit && n != len(out.IDs)) {
			return nil
		}
		cur := l
		for _, id := range out.IDs {
			if cur == nil || cur.id != id {
				return nil
			}
			cur = cur.prev
		}
		return []any{l}
	}
	return nil
}

func channelOfOp(op porcupine.Operation) uint64 {
	if in, ok := op.Input.(logInput); ok {
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
	l, _ := state.(*logNode)
	var ids []uint64
	for cur := l; cur != nil && len(ids) < 20; cur = cur.prev {
		ids = append(ids, cur.id)
	}
	s := "[" + joinIDs(ids)
	if logLen(l) > len(ids) {
		s += fmt.Sprintf(",... (%d)", logLen(l))
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
		Init: func() []any { return []any{(*logNode)(nil)} },
		Step: stepLog,
		Equal: func(a, b any) bool {
			la, ok1 := a.(*logNode)
			lb, ok2 := b.(*logNode)
			return ok1 && ok2 && logEqual(la, lb)
		},
		Hash: func(s any) uint64 {
			if l, ok := s.(*logNode); ok && l != nil {
				return l.hash
			}
			return 0
		},
		DescribeOperation: describeOp,
		DescribeState:     describeLog,
	}
	return nm.ToModel()
}
