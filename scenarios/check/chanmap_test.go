package check

import (
	"math"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"
)

// Histories of one channel for the lifecycle model, written as operations
// with their call and return times (ns). never marks an unknown outcome.
const never = math.MaxInt64

func mop(client int, call, ret int64, in mapInput, page ...pageEntry) porcupine.Operation {
	in.Channel = 7
	if ret == never {
		in.Unknown = true
	}
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: in, Output: mapOutput{Page: page}}
}

func create(c int, call, ret int64, id uint64) porcupine.Operation {
	return mop(c, call, ret, mapInput{Op: mapCreate, Messages: []uint64{id}})
}
func edit(c int, call, ret int64, id, v uint64) porcupine.Operation {
	return mop(c, call, ret, mapInput{Op: mapEdit, Messages: []uint64{id}, Value: v})
}
func del(c int, call, ret int64, ids ...uint64) porcupine.Operation {
	return mop(c, call, ret, mapInput{Op: mapDelete, Messages: ids})
}
func react(c int, call, ret int64, id, key uint64, remove bool) porcupine.Operation {
	op := mapReactAdd
	if remove {
		op = mapReactRemove
	}
	return mop(c, call, ret, mapInput{Op: op, Messages: []uint64{id}, Value: key})
}
func pin(c int, call, ret int64, id uint64, unpin bool) porcupine.Operation {
	op := mapPin
	if unpin {
		op = mapUnpin
	}
	return mop(c, call, ret, mapInput{Op: op, Messages: []uint64{id}})
}
func read(c int, call, ret int64, limit int, page ...pageEntry) porcupine.Operation {
	return mop(c, call, ret, mapInput{Op: mapRead, Limit: limit}, page...)
}

func TestChannelMapModel(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []porcupine.Operation
		want porcupine.CheckResult
	}{
		// ---- the six wrong histories of issue 11 ----
		{"lost edit: acknowledged, then a read shows the old content", []porcupine.Operation{
			create(1, 0, 10, 100), edit(1, 20, 30, 100, 0xa),
			read(2, 40, 50, 10, pageEntry{ID: 100}),
		}, porcupine.Illegal},
		{"resurrected delete: acknowledged, then a read shows the message", []porcupine.Operation{
			create(1, 0, 10, 100), del(1, 20, 30, 100),
			read(2, 40, 50, 10),
			read(2, 60, 70, 10, pageEntry{ID: 100}),
		}, porcupine.Illegal},
		{"reordered edits: B began after A was acknowledged, a later read shows A", []porcupine.Operation{
			create(1, 0, 10, 100), edit(1, 20, 30, 100, 0xa), edit(2, 40, 50, 100, 0xb),
			read(3, 60, 70, 10, pageEntry{ID: 100, Version: 0xa}),
		}, porcupine.Illegal},
		{"stale read after ack: a read called after the edit's ack shows the old version", []porcupine.Operation{
			create(1, 0, 10, 100), edit(1, 20, 30, 100, 0xa), edit(1, 40, 50, 100, 0xb),
			read(2, 35, 45, 10, pageEntry{ID: 100, Version: 0xa}), // fine: concurrent with B
			read(2, 60, 70, 10, pageEntry{ID: 100, Version: 0xa}), // stale: B acked at 50
		}, porcupine.Illegal},
		{"reaction lost: two users' acknowledged reactions, a later read has one", []porcupine.Operation{
			create(1, 0, 10, 100), react(1, 20, 30, 100, 1, false), react(2, 20, 35, 100, 2, false),
			read(3, 40, 50, 10, pageEntry{ID: 100, Reactions: []uint64{2}}),
		}, porcupine.Illegal},
		{"edit of a deleted message acknowledged", []porcupine.Operation{
			create(1, 0, 10, 100), del(1, 20, 30, 100), edit(2, 40, 50, 100, 0xa),
		}, porcupine.Illegal},
		{"bulk delete acknowledged, one message comes back", []porcupine.Operation{
			create(1, 0, 10, 100), create(1, 11, 12, 101), del(2, 20, 30, 100, 101),
			read(3, 40, 50, 10, pageEntry{ID: 101}),
		}, porcupine.Illegal},
		{"reaction removed, a later read still has it", []porcupine.Operation{
			create(1, 0, 10, 100), react(1, 20, 30, 100, 1, false), react(1, 40, 50, 100, 1, true),
			read(2, 60, 70, 10, pageEntry{ID: 100, Reactions: []uint64{1}}),
		}, porcupine.Illegal},

		{"pin lost: acknowledged, then a read shows the message unpinned", []porcupine.Operation{
			create(1, 0, 10, 100), pin(1, 20, 30, 100, false),
			read(2, 40, 50, 10, pageEntry{ID: 100}),
		}, porcupine.Illegal},
		{"unpin undone: pin, unpin acknowledged, a later read shows it pinned", []porcupine.Operation{
			create(1, 0, 10, 100), pin(1, 20, 30, 100, false), pin(2, 40, 50, 100, true),
			read(3, 60, 70, 10, pageEntry{ID: 100, Pinned: true}),
		}, porcupine.Illegal},
		{"pin of a deleted message acknowledged", []porcupine.Operation{
			create(1, 0, 10, 100), del(1, 20, 30, 100), pin(2, 40, 50, 100, false),
		}, porcupine.Illegal},

		// ---- legal histories ----
		{"concurrent pin and unpin: either may win", []porcupine.Operation{
			create(1, 0, 10, 100), pin(1, 20, 40, 100, false), pin(2, 25, 45, 100, true),
			read(3, 50, 60, 10, pageEntry{ID: 100, Pinned: true}),
			read(3, 70, 80, 10, pageEntry{ID: 100, Pinned: true}),
		}, porcupine.Ok},
		{"a pin that timed out may show up", []porcupine.Operation{
			create(1, 0, 10, 100), pin(1, 20, never, 100, false),
			read(2, 30, 40, 10, pageEntry{ID: 100}),
			read(2, 50, 60, 10, pageEntry{ID: 100, Pinned: true}),
		}, porcupine.Ok},
		{"concurrent edits, A wins", []porcupine.Operation{
			create(1, 0, 10, 100), edit(1, 20, 40, 100, 0xa), edit(2, 25, 45, 100, 0xb),
			read(3, 50, 60, 10, pageEntry{ID: 100, Version: 0xa}),
		}, porcupine.Ok},
		{"concurrent edits, B wins", []porcupine.Operation{
			create(1, 0, 10, 100), edit(1, 20, 40, 100, 0xa), edit(2, 25, 45, 100, 0xb),
			read(3, 50, 60, 10, pageEntry{ID: 100, Version: 0xb}),
		}, porcupine.Ok},
		{"sequential edits, the last one read", []porcupine.Operation{
			create(1, 0, 10, 100), edit(1, 20, 30, 100, 0xa), edit(2, 40, 50, 100, 0xb),
			read(3, 60, 70, 10, pageEntry{ID: 100, Version: 0xb}),
		}, porcupine.Ok},
		{"a read concurrent with a delete sees the message, a later one does not", []porcupine.Operation{
			create(1, 0, 10, 100), create(1, 11, 12, 101), del(1, 20, 40, 100),
			read(2, 25, 35, 10, pageEntry{ID: 101}, pageEntry{ID: 100}),
			read(2, 50, 60, 10, pageEntry{ID: 101}),
		}, porcupine.Ok},
		{"an edit timed out: its version may show up, or not", []porcupine.Operation{
			create(1, 0, 10, 100), edit(1, 20, never, 100, 0xa),
			read(2, 30, 40, 10, pageEntry{ID: 100}),
			read(2, 50, 60, 10, pageEntry{ID: 100, Version: 0xa}),
		}, porcupine.Ok},
		{"an unknown edit of a deleted message changes nothing", []porcupine.Operation{
			create(1, 0, 10, 100), del(1, 20, 30, 100), edit(2, 40, never, 100, 0xa),
			read(3, 50, 60, 10),
		}, porcupine.Ok},
		{"reactions of two users and a removal", []porcupine.Operation{
			create(1, 0, 10, 100), react(1, 20, 30, 100, 1, false), react(2, 20, 35, 100, 2, false),
			react(1, 40, 45, 100, 1, true),
			read(3, 50, 60, 10, pageEntry{ID: 100, Reactions: []uint64{2}}),
		}, porcupine.Ok},
		{"a full page does not show the deleted and older messages", []porcupine.Operation{
			create(1, 0, 10, 100), create(1, 11, 12, 101), create(1, 13, 14, 102), del(1, 20, 30, 101),
			read(2, 40, 50, 1, pageEntry{ID: 102}),
			read(2, 60, 70, 2, pageEntry{ID: 102}, pageEntry{ID: 100}),
		}, porcupine.Ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := porcupine.CheckOperationsVerbose(channelMapModel(), tc.ops, 0)
			require.Equal(t, tc.want, res)
		})
	}
}

// TestChannelMapModelTotal: Step never panics on inputs it does not know.
func TestChannelMapModelTotal(t *testing.T) {
	m := channelMapModel()
	for _, in := range []any{nil, 3, logInput{}, mapInput{}, mapInput{Op: mapEdit}, mapInput{Op: 99, Messages: []uint64{1}}} {
		for _, st := range []any{m.Init(), nil, "x"} {
			require.NotPanics(t, func() { m.Step(st, in, nil) })
		}
	}
	ok, _ := m.Step(m.Init(), mapInput{Op: mapRead}, logOutput{})
	require.False(t, ok, "a read with the wrong output type is illegal")
}

// The fallback for channels whose whole search times out: each message's
// projection of a legal history is legal, and a wrong history still fails
// on the message it is wrong about.
func TestPerMessageProjection(t *testing.T) {
	judge := func(ops []porcupine.Operation) porcupine.CheckResult {
		res := porcupine.Ok
		for _, msg := range perMessage(ops) {
			if r := porcupine.CheckOperations(messageMapModel(), msg); !r {
				res = porcupine.Illegal
			}
		}
		return res
	}
	legal := []porcupine.Operation{
		create(1, 0, 10, 100), create(2, 5, 15, 101), edit(1, 20, 30, 100, 0xa),
		read(3, 35, 40, 10, pageEntry{ID: 101}, pageEntry{ID: 100, Version: 0xa}),
		del(2, 50, 60, 101), react(1, 55, never, 100, 0x1, false),
		read(3, 70, 80, 10, pageEntry{ID: 100, Version: 0xa, Reactions: []uint64{0x1}}),
	}
	require.Equal(t, porcupine.Ok, judge(legal), "a legal history's projections are legal")
	require.Len(t, perMessage(legal), 2, "one history per message")
	for _, tc := range []struct {
		name string
		ops  []porcupine.Operation
	}{
		{"resurrected delete", []porcupine.Operation{
			create(1, 0, 10, 100), del(1, 20, 30, 100), read(2, 40, 50, 10, pageEntry{ID: 100}),
		}},
		{"lost edit", []porcupine.Operation{
			create(1, 0, 10, 100), create(1, 1, 11, 101), edit(1, 20, 30, 100, 0xa),
			read(2, 40, 50, 10, pageEntry{ID: 101}, pageEntry{ID: 100}),
		}},
		{"reaction lost", []porcupine.Operation{
			create(1, 0, 10, 100), react(1, 20, 30, 100, 0x1, false), read(2, 40, 50, 10, pageEntry{ID: 100}),
		}},
	} {
		require.Equal(t, porcupine.Illegal, judge(tc.ops), tc.name)
	}
	// A full page says nothing of the messages past it: left out.
	full := []porcupine.Operation{create(1, 0, 10, 100), create(1, 1, 11, 101), read(2, 20, 30, 1, pageEntry{ID: 101})}
	for _, msg := range perMessage(full) {
		for _, op := range msg {
			require.NotEqual(t, mapRead, op.Input.(mapInput).Op, "a full page is not projected")
		}
	}
}
