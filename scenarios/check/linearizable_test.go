package check

import (
	"github.com/anishathalye/porcupine"
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"os"
	"pgregory.net/rapid"
	"strings"
	"testing"
	"time"
)

const ch = 10

// twoSends: client 1's message 100 is acknowledged before client 2 sends
// message 200.
func twoSends() *builder {
	return newBuilder().
		send(1, 1, ch, 1).ack(2, 1, 1, 100).
		send(3, 2, ch, 1).ack(4, 2, 1, 200)
}

func TestLinearizable(t *testing.T) {
	tests := []struct {
		name string
		h    *History
		want Result
	}{
		{"ordered read", twoSends().read(5, 6, 3, ch, 50, 200, 100).h, Ok},
		{"read concurrent with a send may miss it", twoSends().read(3, 6, 3, ch, 50, 100).h, Ok},
		{"reordered read", twoSends().read(5, 6, 3, ch, 50, 100, 200).h, Illegal},
		{"stale read after both acks", twoSends().read(5, 6, 3, ch, 50, 100).h, Illegal},
		{"acked first but larger ID", newBuilder().
			send(1, 1, ch, 1).ack(2, 1, 1, 200).
			send(3, 2, ch, 1).ack(4, 2, 1, 100).h, Illegal},
		{"late-stored smaller ID concurrent with a larger one", newBuilder().
			send(1, 1, ch, 1).ack(10, 1, 1, 100).
			send(2, 2, ch, 1).ack(3, 2, 1, 200).
			read(4, 5, 3, ch, 50, 200).
			read(11, 12, 3, ch, 50, 200, 100).h, Ok},
		{"late-stored smaller ID, read missing it after its ack", newBuilder().
			send(1, 1, ch, 1).ack(10, 1, 1, 100).
			send(2, 2, ch, 1).ack(3, 2, 1, 200).
			read(11, 12, 3, ch, 50, 200).h, Illegal},
		{"same ID acknowledged twice", newBuilder().
			send(1, 1, ch, 1).ack(2, 1, 1, 100).
			send(1, 2, ch, 1).ack(3, 2, 1, 100).h, Illegal},
		{"unknown send, read without it", newBuilder().
			send(1, 1, ch, 1).timedOut(10, 1, 1).
			send(3, 2, ch, 1).ack(4, 2, 1, 200).
			read(20, 21, 3, ch, 50, 200).h, Ok},
		{"unknown send, read with it", newBuilder().
			send(1, 1, ch, 1).timedOut(10, 1, 1).
			send(3, 2, ch, 1).ack(4, 2, 1, 200).
			read(20, 21, 3, ch, 50, 200, 150).h, Ok},
		{"message nobody sent", twoSends().read(5, 6, 3, ch, 50, 200, 150, 100).h, Illegal},
		{"other channel independent", twoSends().send(1, 4, 11, 9).ack(2, 4, 9, 50).read(5, 6, 3, 11, 50, 50).h, Ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Linearizable(tt.h, LinearizableOptions{Timeout: 5 * time.Second})
			if v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
		})
	}
}

// TestLinearizableUnanswered: sends without an ack, named by their echo or
// by the author reads report (user of client c: 10*c).
func TestLinearizableUnanswered(t *testing.T) {
	userOf := func(c uint32) uint64 { return 10 * uint64(c) }
	tests := []struct {
		name string
		h    *History
		want Result
	}{
		{"echoed, then read", newBuilder().
			send(1, 1, ch, 1).echo(5, 1, 1, 100).timedOut(10, 1, 1).
			read(20, 21, 2, ch, 50, 100).h, Ok},
		{"echoed, read, then lost", newBuilder().
			send(1, 1, ch, 1).echo(5, 1, 1, 100).timedOut(10, 1, 1).
			read(20, 21, 2, ch, 50, 100).read(30, 31, 2, ch, 50).h, Illegal},
		{"orphan of its author's unanswered send", newBuilder().
			send(1, 1, ch, 1).timedOut(10, 1, 1).author(100, 10).
			read(20, 21, 2, ch, 50, 100).h, Ok},
		{"orphan read before its author sent anything", newBuilder().
			read(1, 2, 2, ch, 50, 100).author(100, 10).
			send(5, 1, ch, 1).timedOut(10, 1, 1).h, Illegal},
		{"orphan of another author", newBuilder().
			send(1, 1, ch, 1).timedOut(10, 1, 1).author(100, 30).
			read(20, 21, 2, ch, 50, 100).h, Illegal},
		{"two orphans of one unanswered send", newBuilder().
			send(1, 1, ch, 1).timedOut(10, 1, 1).author(100, 10).author(101, 10).
			read(20, 21, 2, ch, 50, 101, 100).h, Illegal},
		{"two orphans of two unanswered sends", newBuilder().
			send(1, 1, ch, 1).timedOut(10, 1, 1).send(11, 1, ch, 2).timedOut(20, 1, 2).
			author(100, 10).author(101, 10).
			read(30, 31, 2, ch, 50, 101, 100).h, Ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Linearizable(tt.h, LinearizableOptions{Timeout: 5 * time.Second, UserOf: userOf})
			if v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
		})
	}
}

func TestLinearizableIllegalWritesVisualisation(t *testing.T) {
	dir := t.TempDir()
	h := twoSends().send(1, 4, 11, 9).ack(2, 4, 9, 50).read(5, 6, 3, ch, 50, 100, 200).h
	v := Linearizable(h, LinearizableOptions{ArtifactDir: dir})
	if v.Result != Illegal || v.Artifact == "" {
		t.Fatalf("got %v, want Illegal with an artifact", v)
	}
	if _, err := os.Stat(v.Artifact); err != nil {
		t.Fatalf("artifact: %v", err)
	}
	t.Log(v)
}

func TestLinearizableTimeoutIsUnknown(t *testing.T) {
	// 40 sends in flight together, a read of the newest message (40),
	// then one of the newest being 39: impossible, but showing it takes
	// Porcupine every subset of the other 39 sends (pages of limit 1 are
	// not snapshots, so nothing bounds the search).
	b := newBuilder()
	for i := uint64(1); i <= 40; i++ {
		b.send(1, uint32(i), ch, i).ack(1000, uint32(i), i, i)
	}
	b.read(10, 11, 99, ch, 1, 40).read(20, 21, 98, ch, 1, 39)
	v := Linearizable(b.h, LinearizableOptions{Timeout: 50 * time.Millisecond})
	if v.Result != Unknown {
		t.Fatalf("got %v, want Unknown", v)
	}
}

// TestModelStepIsTotal: inputs and outputs of the wrong type are illegal
// steps, not panics (a panic in a Porcupine goroutine kills the binary).
func TestModelStepIsTotal(t *testing.T) {
	m := messageLogModel()
	for _, c := range [][2]any{{nil, nil}, {"x", 2}, {logInput{Op: 9}, logOutput{}}, {logInput{Op: opRead}, nil},
		{logInput{Op: opRead, Channel: ch, Limit: 5}, logOutput{IDs: []uint64{1}}}} {
		if ok, _ := m.Step(m.Init(), c[0], c[1]); ok {
			t.Fatalf("step %v: want illegal", c)
		}
	}
}

// TestLinearizableAckOrderNamesBoth: the real-time rule's verdict names
// both messages.
func TestLinearizableAckOrderNamesBoth(t *testing.T) {
	h := newBuilder().send(1, 1, ch, 1).ack(2, 1, 1, 200).send(3, 2, ch, 1).ack(4, 2, 1, 100).h
	v := Linearizable(h, LinearizableOptions{Timeout: 5 * time.Second})
	if v.Result != Illegal || !strings.Contains(v.Detail, "real-time order") || !strings.Contains(v.Detail, "message 200") || !strings.Contains(v.Detail, "message 100") {
		t.Fatalf("got %v, want Illegal naming messages 200 and 100", v)
	}
}

// TestBoundsKeepVerdicts: the bounds boundSends derives from snapshots
// only prune Porcupine's search; on random small histories (sends acked,
// echoed or unanswered, reads of random pages) the verdict with them is the
// verdict without them.
func TestBoundsKeepVerdicts(t *testing.T) {
	var legal, illegal int
	rapid.Check(t, func(t *rapid.T) {
		b := newBuilder()
		nSends := rapid.IntRange(1, 7).Draw(t, "sends")
		var ids []uint64
		for i := 0; i < nSends; i++ {
			c := uint32(rapid.IntRange(1, 3).Draw(t, "client"))
			at := sim.Time(rapid.IntRange(1, 50).Draw(t, "sent"))
			id := uint64(100 + i)
			nonce := uint64(i + 1)
			b.send(at, c, ch, nonce)
			switch rapid.IntRange(0, 2).Draw(t, "outcome") {
			case 0:
				b.ack(at+sim.Time(rapid.IntRange(1, 30).Draw(t, "ack")), c, nonce, id)
			case 1:
				b.echo(at+1, c, nonce, id).timedOut(at+40, c, nonce)
			}
			ids = append(ids, id)
		}
		for r := rapid.IntRange(1, 4).Draw(t, "reads"); r > 0; r-- {
			call := sim.Time(rapid.IntRange(1, 90).Draw(t, "call"))
			var page []uint64
			for k := len(ids) - 1; k >= 0; k-- {
				if rapid.Bool().Draw(t, "in") {
					page = append(page, ids[k])
				}
			}
			limit := rapid.SampledFrom([]int{2, 50}).Draw(t, "limit")
			if len(page) > limit {
				page = page[:limit]
			}
			b.read(call, call+sim.Time(rapid.IntRange(0, 20).Draw(t, "len")), 9, ch, limit, page...)
		}
		ix := buildIndex(b.h)
		ops, why := operations(ix, nil)
		if why != "" {
			return // judged before the search: bounds play no part
		}
		plain := make([]porcupine.Operation, len(ops))
		copy(plain, ops)
		for i := range plain {
			in := plain[i].Input.(logInput)
			in.Bounded, in.Below, in.Above = false, nil, nil
			plain[i].Input = in
		}
		m := messageLogModel()
		with, without := porcupine.CheckOperations(m, ops), porcupine.CheckOperations(m, plain)
		if with != without {
			t.Fatalf("with bounds linearizable=%v, without %v", with, without)
		}
		if with {
			legal++
		} else {
			illegal++
		}
	})
	if legal == 0 || illegal == 0 {
		t.Fatalf("the generator drew %d legal and %d illegal histories: both kinds are needed", legal, illegal)
	}
	t.Logf("%d legal, %d illegal histories", legal, illegal)
}

// TestLinearizableNamesTheLostMessage: an acknowledged message missing
// from a later snapshot is explained in words, with both times.
func TestLinearizableNamesTheLostMessage(t *testing.T) {
	h := twoSends().read(5, 6, 3, ch, 50, 200).h
	v := Linearizable(h, LinearizableOptions{Timeout: 5 * time.Second, ArtifactDir: t.TempDir()})
	if v.Result != Illegal || !strings.Contains(v.Detail, "lost message 100") || !strings.Contains(v.Detail, "acknowledged to client 1") {
		t.Fatalf("got %v, want Illegal naming lost message 100", v)
	}
	if _, err := os.Stat(v.Artifact); v.Artifact == "" || err != nil {
		t.Fatalf("artifact %q (%v): want Porcupine's visualisation of the channel", v.Artifact, err)
	}
}

// TestLinearizableBulkDeleteMessageByMessage: the guild deletes a bulk
// delete's messages with one store request each, applied each on its own,
// so a read while it runs may show any of them deleted and the others not
// (mixed seed 107: a read between the two store deletes of a bulk delete),
// and one that failed may have deleted a part for good; after the
// acknowledgement every one of them is gone.
func TestLinearizableBulkDeleteMessageByMessage(t *testing.T) {
	// Messages 100 and 200 of channel ch, acknowledged by 4; client 3
	// bulk deletes both, called at 10.
	base := func() *builder {
		return newBuilder().
			send(1, 1, ch, 1).ack(2, 1, 1, 100).
			send(3, 2, ch, 1).ack(4, 2, 1, 200).
			read(5, 6, 4, ch, 50, 200, 100)
	}
	acked := func() *builder {
		return base().change(10, 20, 3, client.KindBulkDelete, 7, ch, client.KindChangeAck, 0, 100, 200)
	}
	failed := func() *builder {
		return base().change(10, 20, 3, client.KindBulkDelete, 7, ch, client.KindChangeFailed, client.SendRejected, 100, 200)
	}
	tests := []struct {
		name string
		h    *History
		want Result
	}{
		{"a read while it runs shows the first deleted", acked().read(12, 13, 4, ch, 50, 200).read(21, 22, 4, ch, 50).h, Ok},
		{"a read while it runs shows the second deleted", acked().read(12, 13, 4, ch, 50, 100).read(21, 22, 4, ch, 50).h, Ok},
		{"reads while it runs disagree on nothing deleted back", acked().read(12, 13, 4, ch, 50, 200).read(14, 15, 4, ch, 50, 200, 100).h, Illegal},
		{"acknowledged, a later read shows one of them", acked().read(12, 13, 4, ch, 50, 200).read(21, 22, 4, ch, 50, 200).h, Illegal},
		{"acknowledged, a later read shows both", acked().read(21, 22, 4, ch, 50, 200, 100).h, Illegal},
		{"failed, a part deleted for good", failed().read(21, 22, 4, ch, 50, 200).read(30, 31, 4, ch, 50, 200).h, Ok},
		{"failed, the part deleted comes back", failed().read(21, 22, 4, ch, 50, 200).read(30, 31, 4, ch, 50, 200, 100).h, Illegal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Linearizable(tt.h, LinearizableOptions{Timeout: 5 * time.Second})
			if v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
		})
	}
}

// Edits of unknown outcome whose content no read shows are left out of the
// lifecycle model's search (lifecycle_ops.go, unobserved): the verdict is
// the same, and a message with many of them no longer times out.
func TestLinearizableUnobservedUnknownEdits(t *testing.T) {
	readV := func(b *builder, call, ret sim.Time, v uint64) *builder {
		b.h.Reads = append(b.h.Reads, ReadCall{Client: 4, Channel: ch, Limit: 50, At: call})
		b.rec(ret, 4, client.KindHistory, 1, ch)
		if v != 0 {
			b.rec(ret, 4, client.KindHistoryEdit, v, 100)
		}
		return b.rec(ret, 4, client.KindHistoryMessage, b.authors[100], 100)
	}
	base := func() *builder {
		b := newBuilder().send(1, 1, ch, 1).ack(2, 1, 1, 100)
		// Twelve edits that timed out, none of them ever shown.
		for k := range uint64(12) {
			at := sim.Time(10 + 10*k)
			b.change(at, at+5, 1, client.KindEdit, 100+k, 100, client.KindChangeFailed, client.SendTimedOut, 1000+k)
			readV(b, at+6, at+7, 0)
		}
		return b
	}
	tests := []struct {
		name string
		h    *History
		want Result
	}{
		{"never shown: as if never made", base().h, Ok},
		{"one shown later: it happened", readV(base(), 200, 201, 1005).h, Ok},
		{"an acknowledged edit lost among them", readV(base().change(150, 160, 3, client.KindEdit, 9, 100, client.KindChangeAck, 0, 777), 170, 171, 0).h, Illegal},
		{"a shown one undone", readV(readV(base(), 200, 201, 1005), 210, 211, 0).h, Illegal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Linearizable(tt.h, LinearizableOptions{Timeout: 5 * time.Second})
			if v.Result != tt.want {
				t.Fatalf("got %v, want %v", v, tt.want)
			}
		})
	}
}
