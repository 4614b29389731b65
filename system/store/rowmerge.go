package store

import (
	"cmp"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// Merging replicas' rows and repairing the stale ones. A coordinator that
// has the same row from several replicas folds them into one with the same
// last-write-wins rules a replica applies writes with (row.go), so the merge
// is what every replica would hold had it seen every write; then, for each
// replica whose copy differs, it sends the cells that copy lacks (read
// repair). Cells travel with their own write timestamps, so a repair write
// can never win over anything newer the replica got meanwhile.

// mergeRow folds o, another replica's copy of the same row, into r.
func (r *row) mergeRow(o *row) {
	sim.Assert(r.id == o.id, "store: merging copies of different rows")
	if o.author.set {
		r.author.merge(o.author.value, o.author.at)
	}
	if o.content.set {
		r.content.merge(o.content.value, o.content.at)
	}
	if o.editedAt.set {
		r.editedAt.merge(o.editedAt.value, o.editedAt.at)
	}
	for _, c := range o.reactions {
		r.reactions = mergeReaction(r.reactions, c.key, c.on.value, c.on.at)
	}
	if o.pinned.set {
		r.pinned.merge(o.pinned.value, o.pinned.at)
	}
	if o.deleted && (!r.deleted || o.deletedAt > r.deletedAt) {
		r.deletedAt, r.deleted = o.deletedAt, true
	}
}

// sameCells reports whether two copies of a row hold the same cells and
// tombstone.
func (r *row) sameCells(o *row) bool {
	return r.author == o.author && r.content == o.content && r.editedAt == o.editedAt &&
		slices.Equal(r.reactions, o.reactions) && r.pinned == o.pinned && r.deleted == o.deleted && (!r.deleted || r.deletedAt == o.deletedAt)
}

// appendRepair appends to out the writes that bring have, a replica's copy
// of the row (nil when the replica holds nothing of it), up to r, the merge
// of every copy read, which therefore already includes have's cells. Each
// cell goes as its own write with its own timestamp: one Write carries one
// timestamp, and the cells of a merged row may come from different writes.
func (r *row) appendRepair(out []Write, channel Snowflake, have *row) []Write {
	var none row
	if have == nil {
		have = &none
	}
	if r.author.set && r.author != have.author {
		out = append(out, Write{Channel: channel, Message: r.id, Timestamp: r.author.at,
			Columns: ColAuthor, Author: r.author.value})
	}
	if r.content.set && r.content != have.content {
		out = append(out, Write{Channel: channel, Message: r.id, Timestamp: r.content.at,
			Columns: ColContent, Content: r.content.value})
	}
	if r.editedAt.set && r.editedAt != have.editedAt {
		out = append(out, Write{Channel: channel, Message: r.id, Timestamp: r.editedAt.at,
			Columns: ColEditedAt, EditedAt: r.editedAt.value})
	}
	for _, c := range r.reactions {
		i, found := slices.BinarySearchFunc(have.reactions, c.key, func(h reactionCell, k string) int { return cmp.Compare(h.key, k) })
		if !found || have.reactions[i].on != c.on {
			out = append(out, Write{Channel: channel, Message: r.id, Timestamp: c.on.at,
				Columns: ColReaction, Reaction: c.key, ReactionOn: c.on.value == 1})
		}
	}
	if r.pinned.set && r.pinned != have.pinned {
		out = append(out, Write{Channel: channel, Message: r.id, Timestamp: r.pinned.at,
			Columns: ColPinned, Pinned: r.pinned.value == 1})
	}
	if r.deleted && (!have.deleted || have.deletedAt != r.deletedAt) {
		out = append(out, Delete(channel, r.id, r.deletedAt))
	}
	return out
}

// newest returns the latest write timestamp among the row's cells and
// tombstone (0 for an empty row).
func (r *row) newest() sim.Time {
	var t sim.Time
	for _, c := range r.reactions {
		t = max(t, c.on.at)
	}
	for _, c := range [...]struct {
		set bool
		at  sim.Time
	}{{r.author.set, r.author.at}, {r.content.set, r.content.at}, {r.editedAt.set, r.editedAt.at}, {r.pinned.set, r.pinned.at}, {r.deleted, r.deletedAt}} {
		if c.set {
			t = max(t, c.at)
		}
	}
	return t
}
