package store

import (
	"cmp"

	"github.com/guildsim/guildsim/sim"
)

// row is one message as a replica holds it: each column a cell with its own
// write timestamp, plus the newest row tombstone. Nothing is overwritten in
// place by an older write and nothing is purged: what a read sees is computed
// from the cells, so applying the same writes in any order, any number of
// times, gives the same row (what lets replicas, replay and later read repair
// converge).
type row struct {
	id       Snowflake
	author   cell[Snowflake]
	content  cell[string]
	editedAt cell[sim.Time]
	// deletedAt is the newest row tombstone's timestamp, valid if deleted.
	deletedAt sim.Time
	deleted   bool
}

// cell is one column's value and the timestamp of the write that set it.
type cell[T cmp.Ordered] struct {
	value T
	at    sim.Time
	set   bool
}

// merge applies a write of v at timestamp at: last write wins. On equal
// timestamps the larger value wins, Cassandra's rule: arbitrary, but the same
// on every replica whatever order the writes arrive in.
func (c *cell[T]) merge(v T, at sim.Time) {
	if !c.set || at > c.at || (at == c.at && v > c.value) {
		c.value, c.at, c.set = v, at, true
	}
}

// visible reports whether the cell survives the row's tombstone. A tombstone
// shadows cells written at or before it: on equal timestamps the delete wins,
// again Cassandra's rule, so a delete and a write racing with the same
// timestamp resolve the same way everywhere.
func (c *cell[T]) visible(r *row) bool {
	return c.set && (!r.deleted || c.at > r.deletedAt)
}

// apply merges w into the row.
func (r *row) apply(w *Write) {
	if w.Delete {
		if !r.deleted || w.Timestamp > r.deletedAt {
			r.deletedAt, r.deleted = w.Timestamp, true
		}
		return
	}
	if w.Columns&ColAuthor != 0 {
		r.author.merge(w.Author, w.Timestamp)
	}
	if w.Columns&ColContent != 0 {
		r.content.merge(w.Content, w.Timestamp)
	}
	if w.Columns&ColEditedAt != 0 {
		r.editedAt.merge(w.EditedAt, w.Timestamp)
	}
}

// Message is a message as reads return it.
type Message struct {
	ID      Snowflake
	Channel Snowflake
	Author  Snowflake
	Content string
	// EditedAt is when the message was last edited; 0 if never.
	EditedAt sim.Time
}

// view returns the row as a read sees it. live is false when the row has no
// visible author: deleted, or only partly written (an edit that raced a
// delete, or reached this replica before the insert). shadowed is true when a
// row tombstone is what killed it: the tombstones a read counts.
func (r *row) view(channel Snowflake) (m Message, live, shadowed bool) {
	if !r.author.visible(r) {
		return Message{}, false, r.deleted
	}
	m = Message{ID: r.id, Channel: channel, Author: r.author.value}
	if r.content.visible(r) {
		m.Content = r.content.value
	}
	if r.editedAt.visible(r) {
		m.EditedAt = r.editedAt.value
	}
	return m, true, false
}
