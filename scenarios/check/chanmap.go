package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
)

// The Porcupine model of the message lifecycle: per channel, a map message
// -> (content version, deleted, reactions, pinned), used when a history
// holds edits, deletes, reactions or pins (msglog.go's sorted set of IDs judges the
// runs that only post).
//
// State: *chanMap, the channel's messages ascending by ID, never mutated
// once built (every step copies what it changes), so Porcupine may cache
// states. A message's version is ContentHash of its content after its
// latest edit, 0 while never edited; reactions are the hashes of the keys
// on, ascending.
//
// Operations (mapInput):
//   - create x: legal iff x is not in the map; adds it, version 0.
//   - edit x to v: legal iff x is in the map and not deleted; sets v. So
//     an acknowledged edit of a deleted message is illegal, and a read must
//     show the version of the edit linearised last: an edit acknowledged
//     before another began is neither lost nor reordered.
//   - delete x (bulk: each of xs): legal iff x is in the map; marks it
//     deleted, for good (nothing undeletes: a read showing x again after
//     an acknowledged delete fits no order). Deleting a deleted message is
//     legal: two concurrent deletes both pass the store's point read. A
//     client's bulk delete reaches the model as one delete per message
//     (lifecycleOperations): the store applies each on its own.
//   - reaction add/remove of key k on x: legal iff x is live; sets/clears k.
//   - pin/unpin x: legal iff x is live; sets/clears its pinned flag. So an
//     acknowledged pin is neither lost nor undone until an unpin, and an
//     acknowledged unpin is never undone by an earlier pin.
//   - read (limit): legal iff the page is the newest len(page) live
//     messages with their versions and reactions, and, when shorter than
//     its limit, all of them.
//
// An operation whose outcome is unknown (timed out, rejected) has Unknown
// set and never returns: applied where it is legal, a no-op where not, so
// Step stays total and deterministic; linearised last, it changes nothing,
// which is the "never happened" case.
//
// Step is total: any unexpected input or output is an illegal step, never a
// panic.

type mapOp uint8

const (
	mapCreate mapOp = iota + 1
	mapEdit
	mapDelete
	mapReactAdd
	mapReactRemove
	mapRead
	mapPin
	mapUnpin
)

var mapOpNames = [...]string{mapCreate: "create", mapEdit: "edit", mapDelete: "delete",
	mapReactAdd: "react-add", mapReactRemove: "react-remove", mapRead: "read", mapPin: "pin", mapUnpin: "unpin"}

// mapInput is an operation's input.
type mapInput struct {
	Op       mapOp
	Channel  uint64
	Client   uint32
	Nonce    uint64
	Messages []uint64 // the message(s): one, or a bulk delete's
	Value    uint64   // edits: the content's hash; reactions: the key's hash
	Limit    int      // reads: the page size asked, 0 if unknown
	Unknown  bool     // the outcome is unknown (see above)
}

// pageEntry is one message of a read's page.
type pageEntry struct {
	ID        uint64
	Version   uint64
	Reactions []uint64 // ascending
	Pinned    bool
}

// mapOutput is a read's page, newest first (nil for other operations).
type mapOutput struct{ Page []pageEntry }

type msgState struct {
	id        uint64
	version   uint64
	deleted   bool
	reactions []uint64 // ascending
	pinned    bool
}

type chanMap struct{ msgs []msgState }

func (s *chanMap) find(id uint64) (int, bool) {
	if s == nil {
		return 0, false
	}
	return slices.BinarySearchFunc(s.msgs, id, func(m msgState, id uint64) int {
		switch {
		case m.id < id:
			return -1
		case m.id > id:
			return 1
		}
		return 0
	})
}

// with returns a copy of s with message i replaced by m (or inserted at i).
func (s *chanMap) with(i int, m msgState, insert bool) *chanMap {
	var old []msgState
	if s != nil {
		old = s.msgs
	}
	out := make([]msgState, 0, len(old)+1)
	out = append(out, old[:i]...)
	out = append(out, m)
	if insert {
		out = append(out, old[i:]...)
	} else {
		out = append(out, old[i+1:]...)
	}
	return &chanMap{msgs: out}
}

// stepMap is the model's Step.
func stepMap(state, input, output any) (bool, any) {
	st, ok1 := state.(*chanMap)
	in, ok2 := input.(mapInput)
	if !ok1 || !ok2 {
		return false, state
	}
	if in.Op == mapRead {
		out, ok := output.(mapOutput)
		return ok && readFits(st, in.Limit, out.Page), st
	}
	next, legal := applyMap(st, in)
	if !legal {
		if in.Unknown {
			return true, st // it did not happen
		}
		return false, st
	}
	return true, next
}

// applyMap applies a change, and reports whether it was legal.
func applyMap(st *chanMap, in mapInput) (*chanMap, bool) {
	if len(in.Messages) == 0 {
		return st, false
	}
	if in.Op == mapDelete {
		for _, id := range in.Messages {
			i, found := st.find(id)
			if !found {
				return st, false
			}
			m := st.msgs[i]
			m.deleted = true
			st = st.with(i, m, false)
		}
		return st, true
	}
	id := in.Messages[0]
	i, found := st.find(id)
	if in.Op == mapCreate {
		if found {
			return st, false
		}
		return st.with(i, msgState{id: id}, true), true
	}
	if !found || st.msgs[i].deleted {
		return st, false
	}
	m := st.msgs[i]
	switch in.Op {
	case mapEdit:
		m.version = in.Value
	case mapReactAdd, mapReactRemove:
		k, on := slices.BinarySearch(m.reactions, in.Value)
		switch {
		case in.Op == mapReactAdd && !on:
			m.reactions = slices.Insert(slices.Clone(m.reactions), k, in.Value)
		case in.Op == mapReactRemove && on:
			m.reactions = slices.Delete(slices.Clone(m.reactions), k, k+1)
		}
	case mapPin, mapUnpin:
		m.pinned = in.Op == mapPin
	default:
		return st, false
	}
	return st.with(i, m, false), true
}

// readFits reports whether page (newest first) is the newest live messages
// of st, all of them if the page is shorter than limit (limit 0: unknown).
func readFits(st *chanMap, limit int, page []pageEntry) bool {
	k := 0
	var msgs []msgState
	if st != nil {
		msgs = st.msgs
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		m := &msgs[i]
		if m.deleted {
			continue
		}
		if k == len(page) {
			// More live messages than the page: only a full page may stop.
			return limit == 0 || len(page) >= limit
		}
		p := &page[k]
		if p.ID != m.id || p.Version != m.version || !slices.Equal(p.Reactions, m.reactions) || p.Pinned != m.pinned {
			return false
		}
		k++
	}
	return k == len(page)
}

func mapEqual(a, b any) bool {
	sa, ok1 := a.(*chanMap)
	sb, ok2 := b.(*chanMap)
	if !ok1 || !ok2 {
		return false
	}
	var ma, mb []msgState
	if sa != nil {
		ma = sa.msgs
	}
	if sb != nil {
		mb = sb.msgs
	}
	return slices.EqualFunc(ma, mb, func(x, y msgState) bool {
		return x.id == y.id && x.version == y.version && x.deleted == y.deleted && x.pinned == y.pinned &&
			slices.Equal(x.reactions, y.reactions)
	})
}

func mapHash(s any) uint64 {
	st, _ := s.(*chanMap)
	if st == nil {
		return 0
	}
	var h uint64
	for _, m := range st.msgs {
		x := mixID(m.id) ^ mixID(m.version+1)*3
		if m.deleted {
			x = ^x
		}
		if m.pinned {
			x += 0x9e3779b97f4a7c15
		}
		for _, r := range m.reactions {
			x += mixID(r)
		}
		h += mixID(x)
	}
	return h
}

func describeMapOp(in mapInput, out mapOutput) string {
	name := "?"
	if int(in.Op) < len(mapOpNames) {
		name = mapOpNames[in.Op]
	}
	outcome := "ok"
	if in.Unknown {
		outcome = "unknown"
	}
	switch in.Op {
	case mapRead:
		var b strings.Builder
		for i, p := range out.Page {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%d", p.ID)
			if p.Version != 0 {
				fmt.Fprintf(&b, "(v%x)", p.Version)
			}
			if len(p.Reactions) > 0 {
				fmt.Fprintf(&b, "(%d reactions)", len(p.Reactions))
			}
			if p.Pinned {
				b.WriteString("(pinned)")
			}
		}
		return fmt.Sprintf("read(limit %d) -> [%s]", in.Limit, b.String())
	case mapEdit:
		return fmt.Sprintf("edit(message %s to v%x, nonce %d) -> %s", joinIDs(in.Messages), in.Value, in.Nonce, outcome)
	case mapReactAdd, mapReactRemove:
		return fmt.Sprintf("%s(message %s, key %x, nonce %d) -> %s", name, joinIDs(in.Messages), in.Value, in.Nonce, outcome)
	}
	return fmt.Sprintf("%s(message %s, nonce %d) -> %s", name, joinIDs(in.Messages), in.Nonce, outcome)
}

func describeMap(state any) string {
	st, _ := state.(*chanMap)
	if st == nil {
		return "{}"
	}
	var b strings.Builder
	b.WriteString("{")
	for i := len(st.msgs) - 1; i >= 0 && len(st.msgs)-i <= 20; i-- {
		m := st.msgs[i]
		fmt.Fprintf(&b, " %d", m.id)
		switch {
		case m.deleted:
			b.WriteString(":deleted")
		case m.version != 0:
			fmt.Fprintf(&b, ":v%x", m.version)
		}
		if len(m.reactions) > 0 && !m.deleted {
			fmt.Fprintf(&b, "+%dr", len(m.reactions))
		}
		if m.pinned && !m.deleted {
			b.WriteString(":pinned")
		}
	}
	return b.String() + " } newest first"
}

// channelMapModel is the lifecycle model Linearizable checks against.
func channelMapModel() porcupine.Model {
	return porcupine.Model{
		Partition: partitionByChannel,
		Init:      func() any { return (*chanMap)(nil) },
		Step:      stepMap,
		Equal:     mapEqual,
		Hash:      mapHash,
		DescribeOperation: func(input, output any) string {
			in, ok1 := input.(mapInput)
			out, _ := output.(mapOutput)
			if !ok1 {
				return fmt.Sprintf("%v -> %v", input, output)
			}
			return describeMapOp(in, out)
		},
		DescribeState: describeMap,
	}
}

// perMessage projects one channel's lifecycle operations onto each of its
// messages, for when the search over the whole channel runs out of time: a
// create, change or (one message of) a bulk delete goes to its message's
// history; a read that returned the whole channel (a page shorter than its
// limit) goes to every message's, reduced to that message's entry or to
// none. A full page says nothing of the messages past it and is left out.
//
// Each projection of a legal history is legal, so an Illegal message means
// an Illegal channel; the converse does not hold (a read that shows one
// message's change but misses another's acknowledged earlier fits each
// message alone), which is why Linearizable says so when it falls back on
// this.
func perMessage(part []porcupine.Operation) [][]porcupine.Operation {
	byMsg := map[uint64][]porcupine.Operation{} // lookups, then sorted keys
	var ids []uint64
	add := func(id uint64, op porcupine.Operation) {
		if _, seen := byMsg[id]; !seen {
			ids = append(ids, id)
		}
		byMsg[id] = append(byMsg[id], op)
	}
	var snapshots []porcupine.Operation
	for _, op := range part {
		in, ok := op.Input.(mapInput)
		if !ok {
			continue
		}
		if in.Op != mapRead {
			for _, id := range in.Messages {
				one := in
				one.Messages = []uint64{id}
				add(id, porcupine.Operation{ClientId: op.ClientId, Call: op.Call, Return: op.Return, Input: one, Output: op.Output})
			}
			continue
		}
		if out, ok := op.Output.(mapOutput); ok && in.Limit > 1 && len(out.Page) < in.Limit {
			snapshots = append(snapshots, op)
		}
	}
	slices.Sort(ids)
	out := make([][]porcupine.Operation, 0, len(ids))
	for _, id := range ids {
		ops := byMsg[id]
		for _, op := range snapshots {
			page := op.Output.(mapOutput).Page
			var mine []pageEntry
			for _, e := range page {
				if e.ID == id {
					mine = append(mine, e)
				}
			}
			ops = append(ops, porcupine.Operation{ClientId: op.ClientId, Call: op.Call, Return: op.Return, Input: op.Input, Output: mapOutput{Page: mine}})
		}
		out = append(out, ops)
	}
	return out
}

// messageMapModel is channelMapModel over one message's projected history
// (perMessage): no partition, since the caller made them.
func messageMapModel() porcupine.Model {
	m := channelMapModel()
	m.Partition, m.PartitionEvent = nil, nil
	return m
}
