package store

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestRecordRoundTrip: every valid write decodes to itself, and the size
// computed ahead of encoding is the size written.
func TestRecordRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := Write{
			Channel:   Snowflake(rapid.Uint64Min(1).Draw(t, "channel")),
			Message:   Snowflake(rapid.Uint64Min(1).Draw(t, "message")),
			Timestamp: sim.Time(rapid.Int64().Draw(t, "ts")),
		}
		switch rapid.IntRange(0, 2).Draw(t, "kind") {
		case 0:
			w.Delete = true
		case 1:
			w.Marker = true
		default:
			w.Columns = Columns(rapid.IntRange(1, int(allColumns)).Draw(t, "columns"))
			if w.Columns&ColAuthor != 0 {
				w.Author = Snowflake(rapid.Uint64().Draw(t, "author"))
			}
			if w.Columns&ColContent != 0 {
				w.Content = rapid.StringN(0, 300, MaxContentBytes).Draw(t, "content")
			}
			if w.Columns&ColEditedAt != 0 {
				w.EditedAt = sim.Time(rapid.Int64().Draw(t, "editedAt"))
			}
			if w.Columns&ColPinned != 0 {
				// A pin write sets the pinned cell and nothing else.
				w = Pin(w.Channel, w.Message, rapid.Bool().Draw(t, "pinned"), w.Timestamp)
			}
			if w.Columns&ColReaction != 0 {
				// A reaction write sets its key's cell and nothing else.
				w = React(w.Channel, w.Message, rapid.StringMatching(`[a-z0-9:]{1,96}`).Draw(t, "reaction"),
					rapid.Bool().Draw(t, "on"), w.Timestamp)
			}
		}
		prefix := []byte{1, 2, 3}
		buf := appendRecord(prefix, &w)
		got, n, ok := nextRecord(buf[len(prefix):])
		if !ok || n != len(buf)-len(prefix) || got != w {
			t.Fatalf("round trip of %+v: got %+v, %d bytes of %d, ok %v", w, got, n, len(buf)-len(prefix), ok)
		}
	})
}

// TestOpenCutsBadTail: a log ending in a torn or garbled record replays up
// to it, and Open cuts the file there so that new records follow good ones.
func TestOpenCutsBadTail(t *testing.T) {
	w1 := Insert(testChannel, testMsg, 1, "one", 1)
	w2 := Insert(testChannel, testMsg+1<<22, 1, "two", 2)
	good := appendRecord(nil, &w1)
	second := appendRecord(nil, &w2)
	garbled := append([]byte(nil), second...)
	garbled[len(garbled)-6] ^= 0xff

	for _, tc := range []struct {
		name string
		tail []byte
	}{
		{"torn", second[:len(second)-3]},
		{"garbled", garbled},
		{"absurd length", []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2}},
		{"zero length", []byte{0, 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newFakeDisk()
			d.Append(DefaultLogName, good)
			d.Append(DefaultLogName, tc.tail)
			d.Sync(DefaultLogName)
			e, st, err := Open(Options{}, d)
			require.NoError(t, err)
			require.Equal(t, ReplayStats{Records: 1, Bytes: len(good), DroppedBytes: len(tc.tail)}, st)
			data, _ := d.ReadFile(DefaultLogName)
			require.Equal(t, good, data, "the bad tail is cut off")

			require.NoError(t, e.Apply(d, w2))
			e.Sync(d)
			e2, st2, err := Open(Options{}, d)
			require.NoError(t, err)
			require.Equal(t, 2, st2.Records)
			p, err := e2.Read(Query{Channel: testChannel, Limit: 10})
			require.NoError(t, err)
			require.Len(t, p.Messages, 2)
		})
	}
}

// TestReplayIsIdempotent: replaying a log over state that already holds its
// writes changes nothing (last-write-wins merges are idempotent).
func TestReplayIsIdempotent(t *testing.T) {
	e, d := newTestEngine(t, Options{})
	require.NoError(t, e.Apply(d,
		Insert(testChannel, testMsg, 1, "a", 1), Edit(testChannel, testMsg, "b", 3),
		Insert(testChannel, testMsg+1<<22, 2, "c", 2), Delete(testChannel, testMsg+1<<22, 4)))
	before, err := e.Read(Query{Channel: testChannel, Limit: 10})
	require.NoError(t, err)
	data, _ := d.ReadFile(DefaultLogName)
	st := e.Replay(data)
	require.Equal(t, 4, st.Records)
	after, err := e.Read(Query{Channel: testChannel, Limit: 10})
	require.NoError(t, err)
	require.Equal(t, before, after)
	require.Equal(t, 2, e.Stats().Rows)
}
