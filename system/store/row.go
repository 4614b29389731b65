package store

import (
	"cmp"
	"slices"

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
	// reactions are one cell per reaction key (emoji and user), 1 while
	// the reaction is on, 0 once removed, sorted by key. Each key merges
	// alone, so two users reacting at once never overwrite each other. The
	// slice is copied on every change, never written in place: scans hand
	// rows out by value, and a copy must not see later writes.
	reactions []reactionCell
	// pinned is 1 while the message is pinned, 0 once unpinned (a cell
	// like a reaction key's: last write wins).
	pinned cell[uint8]
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

// reactionCell is one reaction key's cell.
type reactionCell struct {
	key string
	on  cell[uint8]
}

// mergeReaction returns cells with key's cell merged with (on, at): a new
// slice when anything changes, cells itself otherwise.
func mergeReaction(cells []reactionCell, key string, on uint8, at sim.Time) []reactionCell {
	i, found := slices.BinarySearchFunc(cells, key, func(c reactionCell, k string) int { return cmp.Compare(c.key, k) })
	if found {
		c := cells[i].on
		c.merge(on, at)
		if c == cells[i].on {
			return cells
		}
		out := slices.Clone(cells)
		out[i].on = c
		return out
	}
	out := make([]reactionCell, 0, len(cells)+1)
	out = append(out, cells[:i]...)
	out = append(out, reactionCell{key: key, on: cell[uint8]{value: on, at: at, set: true}})
	return append(out, cells[i:]...)
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
	if w.Columns&ColReaction != 0 {
		var on uint8
		if w.ReactionOn {
			on = 1
		}
		r.reactions = mergeReaction(r.reactions, w.Reaction, on, w.Timestamp)
	}
	if w.Columns&ColPinned != 0 {
		var on uint8
		if w.Pinned {
			on = 1
		}
		r.pinned.merge(on, w.Timestamp)
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
	// Reactions are the reaction keys on, ascending, each followed by a
	// space (see ReactMessage): a string keeps Message comparable.
	Reactions string
	// Pinned is whether the message is pinned.
	Pinned bool
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
	m.Pinned = r.pinned.visible(r) && r.pinned.value == 1
	for i := range r.reactions {
		if c := &r.reactions[i].on; c.visible(r) && c.value == 1 {
			m.Reactions += r.reactions[i].key + " "
		}
	}
	return m, true, false
}
