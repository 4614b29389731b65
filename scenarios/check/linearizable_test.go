package check

import (
	"os"
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
	// Many concurrent sends of unknown outcome and a read of all their
	// orphans: the power set of logs explodes.
	b := newBuilder()
	var ids []uint64
	for i := uint64(1); i <= 60; i++ {
		b.send(1, uint32(i), ch, i).timedOut(100, uint32(i), i)
		ids = append([]uint64{1000 + i}, ids...)
	}
	b.read(200, 201, 99, ch, 100, ids[:30]...)
	v := Linearizable(b.h, LinearizableOptions{Timeout: time.Millisecond})
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
