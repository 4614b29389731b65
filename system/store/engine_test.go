package store

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

var (
	testChannel = Bucket(380).MinID() + 99<<22
	testMsg     = Bucket(400).MinID() + 5<<22
)

func newTestEngine(t *testing.T, opts Options) (*Engine, *fakeDisk) {
	t.Helper()
	e, err := New(opts)
	require.NoError(t, err)
	return e, newFakeDisk()
}

func TestEngineOptions(t *testing.T) {
	e, err := New(Options{})
	require.NoError(t, err)
	o := e.Options()
	require.Equal(t, DefaultLogName, o.LogName)
	require.Equal(t, SyncPeriodic, o.Sync)
	require.Equal(t, 10*sim.Second, o.SyncPeriod)
	require.Equal(t, 100, o.MaxPageSize)
	require.Equal(t, 100_000, o.TombstoneFailureThreshold)

	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Sync: 7}, "sync policy 7: must be SyncPeriodic or SyncPerBatch"},
		{Options{SyncPeriod: -sim.Second}, "sync period -1s: must be positive"},
		{Options{MaxPageSize: -1}, "max page size -1: must be at least 1"},
		{Options{TombstoneFailureThreshold: -5}, "tombstone failure threshold -5: must be at least 1"},
	} {
		_, err := New(tc.opts)
		require.ErrorIs(t, err, ErrOptions)
		require.ErrorContains(t, err, tc.want)
	}
}

func TestPageBounds(t *testing.T) {
	e, d := newTestEngine(t, Options{})
	require.NoError(t, e.Apply(d, Insert(testChannel, testMsg, 1, "hi", 1)))
	tests := []struct {
		name string
		q    Query
		err  error
		want string
	}{
		{"limit 0", Query{Channel: testChannel}, ErrPageSize, "limit 0: must be between 1 and 100"},
		{"limit -1", Query{Channel: testChannel, Limit: -1}, ErrPageSize, "limit -1: must be between 1 and 100"},
		{"limit 101", Query{Channel: testChannel, Limit: 101}, ErrPageSize, "limit 101: must be between 1 and 100"},
		{"before and after", Query{Channel: testChannel, Limit: 5, Before: testMsg + 1, After: testMsg - 1}, ErrBadQuery, "ask for one of them"},
		{"limit 1", Query{Channel: testChannel, Limit: 1}, nil, ""},
		{"limit 100", Query{Channel: testChannel, Limit: 100}, nil, ""},
		{"unknown channel", Query{Channel: 12345, Limit: 50}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Read(tc.q)
			if tc.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.err)
			require.ErrorContains(t, err, tc.want)
		})
	}

	small, _ := newTestEngine(t, Options{MaxPageSize: 5})
	_, err := small.Read(Query{Channel: testChannel, Limit: 6})
	require.ErrorContains(t, err, "limit 6: must be between 1 and 5")
}

func TestBadWrites(t *testing.T) {
	e, d := newTestEngine(t, Options{})
	good := Insert(testChannel, testMsg, 1, "hi", 1)
	tests := []struct {
		name string
		w    Write
		want string
	}{
		{"no channel", Insert(0, testMsg, 1, "x", 1), "channel 0: must be a snowflake"},
		{"no message", Insert(testChannel, 0, 1, "x", 1), "message 0: must be a snowflake"},
		{"delete with columns", Write{Channel: testChannel, Message: testMsg, Delete: true, Columns: ColContent}, "a delete sets no columns"},
		{"upsert of nothing", Write{Channel: testChannel, Message: testMsg}, "an upsert must set a column"},
		{"unknown column", Write{Channel: testChannel, Message: testMsg, Columns: 1 << 5}, "unknown columns 0x20"},
		{"content too long", Insert(testChannel, testMsg, 1, string(make([]byte, MaxContentBytes+1)), 1), "content of 16001 bytes: must be at most 16000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := e.Apply(d, good, tc.w)
			require.ErrorIs(t, err, ErrBadWrite)
			require.ErrorContains(t, err, tc.want)
			require.Zero(t, e.Stats().Rows, "a batch with a bad write applies nothing")
			require.Zero(t, e.Stats().LogBytes, "and logs nothing")
		})
	}
}

// TestLastWriteWins covers the merge rules one case at a time, each applied
// in both orders: the result must not depend on arrival order.
func TestLastWriteWins(t *testing.T) {
	ch, id := testChannel, testMsg
	tests := []struct {
		name   string
		writes []Write
		want   *Message // nil: the row is dropped on read
		tombs  int
	}{
		{"insert", []Write{Insert(ch, id, 1, "a", 10)}, &Message{ID: id, Channel: ch, Author: 1, Content: "a"}, 0},
		{"edit newer than insert", []Write{Insert(ch, id, 1, "a", 10), Edit(ch, id, "b", 20)},
			&Message{ID: id, Channel: ch, Author: 1, Content: "b", EditedAt: 20}, 0},
		{"edit older than insert loses", []Write{Insert(ch, id, 1, "a", 10), Edit(ch, id, "b", 5)},
			&Message{ID: id, Channel: ch, Author: 1, Content: "a", EditedAt: 5}, 0},
		{"equal timestamps: larger value wins", []Write{Insert(ch, id, 1, "a", 10), Insert(ch, id, 2, "b", 10)},
			&Message{ID: id, Channel: ch, Author: 2, Content: "b"}, 0},
		{"delete", []Write{Insert(ch, id, 1, "a", 10), Delete(ch, id, 20)}, nil, 1},
		{"delete older than insert shadows nothing", []Write{Insert(ch, id, 1, "a", 10), Delete(ch, id, 5)},
			&Message{ID: id, Channel: ch, Author: 1, Content: "a"}, 0},
		{"equal timestamps: delete wins", []Write{Insert(ch, id, 1, "a", 10), Delete(ch, id, 10)}, nil, 1},
		{"edit older than the delete it races", []Write{Insert(ch, id, 1, "a", 10), Delete(ch, id, 30), Edit(ch, id, "b", 20)}, nil, 1},
		{"edit newer than the delete it races: row without author", []Write{Insert(ch, id, 1, "a", 10), Delete(ch, id, 20), Edit(ch, id, "b", 30)}, nil, 1},
		{"edit before the insert reached this replica", []Write{Edit(ch, id, "b", 30)}, nil, 0},
		{"re-insert after delete comes back", []Write{Insert(ch, id, 1, "a", 10), Delete(ch, id, 20), Insert(ch, id, 1, "c", 30)},
			&Message{ID: id, Channel: ch, Author: 1, Content: "c"}, 0},
		{"newest of two deletes counts", []Write{Insert(ch, id, 1, "a", 10), Delete(ch, id, 5), Delete(ch, id, 15), Delete(ch, id, 12)}, nil, 1},
	}
	for _, tc := range tests {
		for _, reversed := range []bool{false, true} {
			name := tc.name
			if reversed {
				name += " (reversed)"
			}
			t.Run(name, func(t *testing.T) {
				e, d := newTestEngine(t, Options{})
				for i := range tc.writes {
					w := tc.writes[i]
					if reversed {
						w = tc.writes[len(tc.writes)-1-i]
					}
					require.NoError(t, e.Apply(d, w))
				}
				page, err := e.Read(Query{Channel: ch, Limit: 10})
				require.NoError(t, err)
				if tc.want == nil {
					require.Empty(t, page.Messages)
				} else {
					require.Equal(t, []Message{*tc.want}, page.Messages)
				}
				require.Equal(t, ReadCost{Partitions: 1, RowsTouched: 1, Tombstones: tc.tombs}, page.Cost)
			})
		}
	}
}

// TestBucketWalk reads across buckets with empty ones between them: the walk
// visits only buckets that hold data and stops once the page is full.
func TestBucketWalk(t *testing.T) {
	e, d := newTestEngine(t, Options{})
	ch := testChannel
	old := Bucket(395).MinID() + 1<<22   // bucket 395
	mid := Bucket(398).MinID() + 1<<22   // bucket 398 (396, 397 empty)
	newer := Bucket(402).MinID() + 1<<22 // bucket 402 (399..401 empty)
	var ws []Write
	for i, id := range []Snowflake{old, old + 1<<22, mid, mid + 1<<22, newer, newer + 1<<22} {
		ws = append(ws, Insert(ch, id, 1, string(rune('a'+i)), 1))
	}
	require.NoError(t, e.Apply(d, ws...))
	ids := func(p Page) []Snowflake {
		var out []Snowflake
		for _, m := range p.Messages {
			out = append(out, m.ID)
		}
		return out
	}

	p, err := e.Read(Query{Channel: ch, Limit: 3})
	require.NoError(t, err)
	require.Equal(t, []Snowflake{newer + 1<<22, newer, mid + 1<<22}, ids(p))
	require.Equal(t, ReadCost{Partitions: 2, RowsTouched: 3}, p.Cost)

	p, err = e.Read(Query{Channel: ch, Limit: 2, Before: newer})
	require.NoError(t, err)
	require.Equal(t, []Snowflake{mid + 1<<22, mid}, ids(p))
	require.Equal(t, 2, p.Cost.Partitions, "bucket 402 is visited, holds nothing below Before")

	p, err = e.Read(Query{Channel: ch, Limit: 100, Before: Bucket(400).MinID()})
	require.NoError(t, err)
	require.Equal(t, []Snowflake{mid + 1<<22, mid, old + 1<<22, old}, ids(p))
	require.Equal(t, 2, p.Cost.Partitions, "the walk starts at the newest bucket at or below Before's")

	p, err = e.Read(Query{Channel: ch, Limit: 3, After: old})
	require.NoError(t, err)
	require.Equal(t, []Snowflake{mid + 1<<22, mid, old + 1<<22}, ids(p), "the oldest after After, newest first")

	p, err = e.Read(Query{Channel: ch, Limit: 3, After: Bucket(396).MinID()})
	require.NoError(t, err)
	require.Equal(t, []Snowflake{newer, mid + 1<<22, mid}, ids(p))
	require.Equal(t, 2, p.Cost.Partitions)

	p, err = e.Read(Query{Channel: ch, Limit: 3, After: newer + 1<<22})
	require.NoError(t, err)
	require.Empty(t, p.Messages)
}

// TestTombstoneThreshold: a read that has to wade through too many deleted
// rows gives up, as Cassandra does, and reports the work it did.
func TestTombstoneThreshold(t *testing.T) {
	e, d := newTestEngine(t, Options{TombstoneFailureThreshold: 3})
	for i := range Snowflake(6) {
		id := testMsg + i<<22
		require.NoError(t, e.Apply(d, Insert(testChannel, id, 1, "x", 1), Delete(testChannel, id, 2)))
	}
	require.NoError(t, e.Apply(d, Insert(testChannel, testMsg-1<<22, 1, "survivor", 1)))
	p, err := e.Read(Query{Channel: testChannel, Limit: 10})
	require.ErrorIs(t, err, ErrTombstoneOverwhelm)
	require.ErrorContains(t, err, "more than 3 tombstones scanned")
	require.Empty(t, p.Messages)
	require.Equal(t, ReadCost{Partitions: 1, RowsTouched: 4, Tombstones: 4}, p.Cost)
}

// TestSyncPolicies shows what a crash loses under each policy.
func TestSyncPolicies(t *testing.T) {
	for _, policy := range []SyncPolicy{SyncPeriodic, SyncPerBatch} {
		t.Run(policy.String(), func(t *testing.T) {
			opts := Options{Sync: policy}
			e, d := newTestEngine(t, opts)
			require.NoError(t, e.Apply(d, Insert(testChannel, testMsg, 1, "first", 1)))
			e.Sync(d) // the periodic timer fires
			require.NoError(t, e.Apply(d, Insert(testChannel, testMsg+1<<22, 1, "second", 2)))
			syncs := d.syncs
			d.crash()
			e, st, err := Open(opts, d)
			require.NoError(t, err)
			p, err := e.Read(Query{Channel: testChannel, Limit: 10})
			require.NoError(t, err)
			if policy == SyncPerBatch {
				require.Equal(t, 2, syncs, "one sync per batch; the timer's Sync had nothing to do")
				require.Len(t, p.Messages, 2, "nothing acknowledged is lost")
				require.Equal(t, 2, st.Records)
			} else {
				require.Equal(t, 1, syncs)
				require.Len(t, p.Messages, 1, "the write after the last sync is lost")
				require.Equal(t, "first", p.Messages[0].Content)
			}
		})
	}
}
