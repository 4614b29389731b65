package store

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestMergeAndRepair: writes of one message spread over three replicas in
// any way; the merge of their copies is the row of a replica that got every
// write that reached any of them (so merging is last-write-wins, whatever the order), and the repair
// writes computed for each replica bring its copy to exactly the merge.
func TestMergeAndRepair(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var replicas [3]*Engine
		all, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range replicas {
			if replicas[i], err = New(Options{}); err != nil {
				t.Fatal(err)
			}
		}
		d := newFakeDisk()
		msg := drawMessage(t)
		ch := propChannels[0]
		for range rapid.IntRange(0, 8).Draw(t, "writes") {
			w := drawWrite(t)
			w.Channel, w.Message = ch, msg
			reached := false
			for i := range replicas {
				if rapid.Bool().Draw(t, "reaches") {
					reached = true
					if err := replicas[i].Apply(d, w); err != nil {
						t.Fatal(err)
					}
				}
			}
			if reached {
				if err := all.Apply(d, w); err != nil {
					t.Fatal(err)
				}
			}
		}
		want, ok := all.lookupRow(ch, msg)
		if !ok {
			return
		}
		var merged row
		var copies []*row
		for i, order := range rapid.Permutation([]int{0, 1, 2}).Draw(t, "order") {
			r, ok := replicas[order].lookupRow(ch, msg)
			copies = append(copies, nil)
			if !ok {
				continue
			}
			copies[i] = &r
			if merged.id == 0 {
				merged = r
				continue
			}
			merged.mergeRow(&r)
		}
		if !merged.sameCells(&want) {
			t.Fatalf("merge %+v, want %+v", merged, want)
		}
		for i, have := range copies {
			e, _ := New(Options{})
			if have != nil {
				require.NoError(t, e.Apply(d, have.appendRepair(nil, ch, nil)...))
			}
			if ws := want.appendRepair(nil, ch, have); len(ws) > 0 {
				require.NoError(t, e.Apply(d, ws...))
			}
			got, _ := e.lookupRow(ch, msg)
			if !got.sameCells(&want) {
				t.Fatalf("copy %d %+v repaired to %+v, want %+v", i, have, got, want)
			}
		}
	})
}

func TestBucketIndex(t *testing.T) {
	e, d := newTestEngine(t, Options{})
	for _, b := range []Bucket{400, 396, 398, 396, 0} {
		require.NoError(t, e.Apply(d, BucketMarker(testChannel, b, 1)))
	}
	require.Equal(t, IndexPartition(testChannel), BucketMarker(testChannel, 5, 1).Partition())
	tests := []struct {
		from      Bucket
		backwards bool
		limit     int
		want      []Bucket
	}{
		{lastBucket, true, 10, []Bucket{400, 398, 396, 0}},
		{399, true, 2, []Bucket{398, 396}},
		{398, true, 10, []Bucket{398, 396, 0}},
		{397, false, 10, []Bucket{398, 400}},
		{396, false, 1, []Bucket{396}},
		{401, false, 10, nil},
		{0, true, 0, nil},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, e.Buckets(testChannel, tc.from, tc.backwards, tc.limit), "%+v", tc)
	}
	require.Nil(t, e.Buckets(testChannel+1, lastBucket, true, 10))
	// Markers are in the commit log and come back on replay; they are not
	// message rows.
	e2, _, err := Open(Options{}, d)
	require.NoError(t, err)
	require.Equal(t, []Bucket{400, 398, 396, 0}, e2.Buckets(testChannel, lastBucket, true, 10))
	p, err := e2.Read(Query{Channel: testChannel, Limit: 10})
	require.NoError(t, err)
	require.Empty(t, p.Messages)
	require.ErrorIs(t, e.Apply(d, Write{Channel: testChannel, Message: 1, Marker: true, Delete: true}), ErrBadWrite)
}

// TestScanPartition: a replica's scan stops at limit live rows, reports how
// far it got, and hands over the dead rows it passed.
func TestScanPartition(t *testing.T) {
	e, d := newTestEngine(t, Options{})
	b := Bucket(400)
	id := func(i int) Snowflake { return b.MinID() + Snowflake(i)<<22 }
	for i := 1; i <= 6; i++ {
		require.NoError(t, e.Apply(d, Insert(testChannel, id(i), 1, "m", 1)))
	}
	require.NoError(t, e.Apply(d, Delete(testChannel, id(5), 2), Delete(testChannel, id(2), 2)))
	key := PartitionKey{Channel: testChannel, Bucket: b}
	ids := func(s partitionScan) []Snowflake {
		var out []Snowflake
		for _, r := range s.rows {
			out = append(out, r.id)
		}
		return out
	}
	s, err := e.scanPartition(key, 0, false, 2)
	require.NoError(t, err)
	require.Equal(t, []Snowflake{id(6), id(5), id(4)}, ids(s))
	require.False(t, s.exhausted)
	require.Equal(t, id(4), s.bound)
	require.Equal(t, ReadCost{Partitions: 1, RowsTouched: 3, Tombstones: 1}, s.cost)

	s, err = e.scanPartition(key, id(4), false, 10)
	require.NoError(t, err)
	require.Equal(t, []Snowflake{id(3), id(2), id(1)}, ids(s))
	require.True(t, s.exhausted)

	s, err = e.scanPartition(key, id(1), true, 2)
	require.NoError(t, err)
	require.Equal(t, []Snowflake{id(2), id(3), id(4)}, ids(s))
	require.Equal(t, id(4), s.bound)

	s, err = e.scanPartition(PartitionKey{Channel: testChannel, Bucket: 3}, 0, false, 2)
	require.NoError(t, err)
	require.True(t, s.exhausted)
	require.Empty(t, s.rows)

	r, ok := e.lookupRow(testChannel, id(5))
	require.True(t, ok)
	require.True(t, r.deleted)
	_, ok = e.lookupRow(testChannel, id(7))
	require.False(t, ok)
	require.True(t, slices.IsSortedFunc(e.channels[testChannel].parts, func(a, b *partition) int { return int(a.bucket - b.bucket) }))
}
