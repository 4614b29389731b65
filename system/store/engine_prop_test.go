package store

import (
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"pgregory.net/rapid"
)

// The state machine's small world: two channels, messages in four buckets
// with a gap (397 holds nothing, so reads must skip it), few timestamps (so
// that ties happen) and few values (so that ties have a winner to pick).
var (
	propChannels = []Snowflake{Bucket(390).MinID() + 1<<22, Bucket(391).MinID() + 7<<22}
	propBuckets  = []Bucket{395, 396, 398, 399}
	propContents = []string{"a", "bb", "c"}
	// Query anchors: every message ID is one (via drawMessage), plus bucket
	// edges and IDs outside the range.
	propAnchors = []Snowflake{Bucket(394).MaxID(), Bucket(397).MinID(), Bucket(397).MaxID(), Bucket(398).MinID(), Bucket(400).MinID(), 1}
)

func drawMessage(t *rapid.T) Snowflake {
	b := rapid.SampledFrom(propBuckets).Draw(t, "bucket")
	k := rapid.IntRange(0, 5).Draw(t, "slot")
	return b.MinID() + Snowflake(k)<<22 + Snowflake(k)<<12
}

func drawWrite(t *rapid.T) Write {
	ch := rapid.SampledFrom(propChannels).Draw(t, "channel")
	msg := drawMessage(t)
	at := sim.Time(rapid.IntRange(1, 6).Draw(t, "ts"))
	switch rapid.IntRange(0, 2).Draw(t, "kind") {
	case 0:
		return Insert(ch, msg, Snowflake(rapid.IntRange(1, 3).Draw(t, "author")), rapid.SampledFrom(propContents).Draw(t, "content"), at)
	case 1:
		return Edit(ch, msg, rapid.SampledFrom(propContents).Draw(t, "content"), at)
	default:
		return Delete(ch, msg, at)
	}
}

func drawQuery(t *rapid.T) Query {
	q := Query{Channel: rapid.SampledFrom(propChannels).Draw(t, "channel"), Limit: rapid.IntRange(1, 7).Draw(t, "limit")}
	anchor := func() Snowflake {
		if rapid.Bool().Draw(t, "anchorIsMessage") {
			return drawMessage(t)
		}
		return rapid.SampledFrom(propAnchors).Draw(t, "anchor")
	}
	switch rapid.IntRange(0, 2).Draw(t, "queryKind") {
	case 1:
		q.Before = anchor()
	case 2:
		q.After = anchor()
	}
	return q
}

// TestEngineProperties runs writes, edits, deletes, batches, reads, syncs and
// crashes against the engine and the model, under a sync policy drawn per
// case. A crash keeps only the synced prefix of the log (fakeDisk) and
// reopens the engine from it; the model keeps only the writes that were
// synced. After every step every page of both channels must match the model,
// rows touched and tombstones scanned included.
func TestEngineProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		policy := rapid.SampledFrom([]SyncPolicy{SyncPeriodic, SyncPerBatch}).Draw(t, "policy")
		opts := Options{Sync: policy}
		disk := newFakeDisk()
		e, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		m := &engineModel{}

		apply := func(t *rapid.T, ws []Write) {
			if err := e.Apply(disk, ws...); err != nil {
				t.Fatalf("Apply(%+v): %v", ws, err)
			}
			m.writes = append(m.writes, ws...)
			if policy == SyncPerBatch {
				m.durable = len(m.writes)
			}
		}
		compare := func(t *rapid.T, q Query) {
			page, err := e.Read(q)
			if err != nil {
				t.Fatalf("Read(%+v): %v", q, err)
			}
			want, touched, tombs := m.read(q)
			if !slices.Equal(page.Messages, want) {
				t.Fatalf("Read(%+v)\n got %+v\nwant %+v", q, page.Messages, want)
			}
			if page.Cost.RowsTouched != touched || page.Cost.Tombstones != tombs {
				t.Fatalf("Read(%+v) cost %+v, want %d rows touched, %d tombstones", q, page.Cost, touched, tombs)
			}
			if page.Cost.Partitions > len(propBuckets) {
				t.Fatalf("Read(%+v) visited %d partitions, only %d buckets hold data", q, page.Cost.Partitions, len(propBuckets))
			}
		}

		t.Repeat(map[string]func(*rapid.T){
			"write": func(t *rapid.T) { apply(t, []Write{drawWrite(t)}) },
			"batch": func(t *rapid.T) {
				apply(t, rapid.SliceOfN(rapid.Custom(drawWrite), 2, 4).Draw(t, "batch"))
			},
			"read": func(t *rapid.T) { compare(t, drawQuery(t)) },
			"sync": func(t *rapid.T) {
				e.Sync(disk)
				m.durable = len(m.writes)
			},
			"crash": func(t *rapid.T) {
				disk.crash()
				var st ReplayStats
				e, st, err = Open(opts, disk)
				if err != nil {
					t.Fatal(err)
				}
				if st.DroppedBytes != 0 || st.Records != m.durable {
					t.Fatalf("replay %+v: want %d records and nothing dropped", st, m.durable)
				}
				m.writes = m.writes[:m.durable]
			},
			"": func(t *rapid.T) {
				for _, ch := range propChannels {
					compare(t, Query{Channel: ch, Limit: DefaultMaxPageSize})
				}
				if got, want := e.Stats().Rows, m.rowCount(); got != want {
					t.Fatalf("engine holds %d rows, model %d", got, want)
				}
				if policy == SyncPerBatch && e.UnsyncedBytes() != 0 {
					t.Fatalf("per-batch sync left %d bytes unsynced", e.UnsyncedBytes())
				}
				checkEngine(t, e, propChannels)
			},
		})
	})
}

// checkEngine asserts the engine's internal order: partitions ascending by
// bucket, rows ascending by ID, every row in its own bucket.
func checkEngine(t *rapid.T, e *Engine, channels []Snowflake) {
	parts := 0
	for _, ch := range channels {
		ci := e.channels[ch]
		if ci == nil {
			continue
		}
		parts += len(ci.parts)
		for i, p := range ci.parts {
			if i > 0 && ci.parts[i-1].bucket >= p.bucket {
				t.Fatalf("channel %d: partitions out of order at %d", ch, i)
			}
			for j := range p.rows {
				if p.rows[j].id.Bucket() != p.bucket {
					t.Fatalf("channel %d: row %d in bucket %d", ch, p.rows[j].id, p.bucket)
				}
				if j > 0 && p.rows[j-1].id >= p.rows[j].id {
					t.Fatalf("channel %d bucket %d: rows out of order at %d", ch, p.bucket, j)
				}
			}
		}
	}
	if parts != e.Stats().Partitions {
		t.Fatalf("engine counts %d partitions, holds %d", e.Stats().Partitions, parts)
	}
}
