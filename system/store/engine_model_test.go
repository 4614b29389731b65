package store

import (
	"cmp"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// engineModel is the engine's specification at its simplest: the list of
// writes the engine has been given (that survived crashes), and a view that
// folds all writes of a message at once: each column takes the value of the
// write with the largest (timestamp, value), the row tombstone the largest
// delete timestamp, a cell shows if it is newer than the tombstone, a row
// shows if its author does. The order writes arrived in plays no part.
type engineModel struct {
	writes  []Write
	durable int // writes[:durable] are in the synced log
}

type modelRow struct {
	id       Snowflake
	msg      Message
	live     bool
	shadowed bool
}

type modelCell[T cmp.Ordered] struct {
	v   T
	at  sim.Time
	set bool
}

func (c *modelCell[T]) offer(v T, at sim.Time) {
	if !c.set || cmp.Compare(at, c.at) > 0 || (at == c.at && cmp.Compare(v, c.v) > 0) {
		*c = modelCell[T]{v, at, true}
	}
}

// rows returns every row of channel that any write touched, newest first.
func (m *engineModel) rows(channel Snowflake) []modelRow {
	var ids []Snowflake
	for _, w := range m.writes {
		if w.Channel == channel && !slices.Contains(ids, w.Message) {
			ids = append(ids, w.Message)
		}
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	out := make([]modelRow, 0, len(ids))
	for _, id := range ids {
		var author modelCell[Snowflake]
		var content modelCell[string]
		var edited modelCell[sim.Time]
		var tomb sim.Time
		deleted := false
		for _, w := range m.writes {
			if w.Channel != channel || w.Message != id {
				continue
			}
			if w.Delete {
				if !deleted || w.Timestamp > tomb {
					tomb, deleted = w.Timestamp, true
				}
				continue
			}
			if w.Columns&ColAuthor != 0 {
				author.offer(w.Author, w.Timestamp)
			}
			if w.Columns&ColContent != 0 {
				content.offer(w.Content, w.Timestamp)
			}
			if w.Columns&ColEditedAt != 0 {
				edited.offer(w.EditedAt, w.Timestamp)
			}
		}
		shows := func(set bool, at sim.Time) bool { return set && (!deleted || at > tomb) }
		r := modelRow{id: id, live: shows(author.set, author.at)}
		r.shadowed = !r.live && deleted
		if r.live {
			r.msg = Message{ID: id, Channel: channel, Author: author.v}
			if shows(content.set, content.at) {
				r.msg.Content = content.v
			}
			if shows(edited.set, edited.at) {
				r.msg.EditedAt = edited.v
			}
		}
		out = append(out, r)
	}
	return out
}

// read answers q as the engine should, with the exact rows touched and
// tombstones scanned: rows are examined in clustering order from the
// query's start until the page is full.
func (m *engineModel) read(q Query) (msgs []Message, touched, tombs int) {
	rows := m.rows(q.Channel)
	if q.After != 0 {
		slices.Reverse(rows) // oldest first
	}
	for _, r := range rows {
		if len(msgs) == q.Limit {
			break
		}
		if (q.Before != 0 && r.id >= q.Before) || (q.After != 0 && r.id <= q.After) {
			continue
		}
		touched++
		if r.shadowed {
			tombs++
		}
		if r.live {
			msgs = append(msgs, r.msg)
		}
	}
	if q.After != 0 {
		slices.Reverse(msgs)
	}
	return msgs, touched, tombs
}

// rowCount returns how many distinct rows the writes touched.
func (m *engineModel) rowCount() int {
	type rowKey struct{ channel, message Snowflake }
	var keys []rowKey
	for _, w := range m.writes {
		if k := (rowKey{w.Channel, w.Message}); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return len(keys)
}
