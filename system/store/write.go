package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/guildsim/guildsim/sim"
)

// Write is one mutation of the messages table: an upsert of some columns of
// one row, or a row deletion. It is what the commit log records, what replay
// re-applies and, later, what a coordinator sends to each replica and keeps
// as a hint. Writes are blind (no read before write, as in Cassandra): an
// edit of a message this node has never seen creates a row with content and
// no author, which reads then drop.
type Write struct {
	Channel Snowflake
	Message Snowflake
	// Timestamp is the write timestamp that last-write-wins compares, per
	// column. It is the coordinator's local clock, so skewed clocks can make
	// an older write win, exactly as in Cassandra.
	Timestamp sim.Time
	// Delete makes the write a row tombstone: every cell written at or before
	// Timestamp is shadowed. A delete sets no columns.
	Delete bool
	// Marker makes the write a bucket marker (bucketindex.go): it records in
	// the channel's bucket index that bucket Message.Bucket() holds data,
	// and touches no message row. A marker sets no columns.
	Marker bool
	// Columns says which of the value fields below this upsert sets.
	Columns  Columns
	Author   Snowflake
	Content  string
	EditedAt sim.Time
	// Reaction is the reaction key ColReaction sets, ReactionOn its value
	// (true: added, false: removed).
	Reaction   string
	ReactionOn bool
	// Pinned is ColPinned's value (true: pinned, false: unpinned).
	Pinned bool
}

// Columns is a set of the messages table's regular columns.
type Columns uint8

// The columns. A message row is alive only while its author is (reference
// §4: a row left without author is deleted on read).
const (
	ColAuthor Columns = 1 << iota
	ColContent
	ColEditedAt
	// ColReaction is one reaction key's cell (a set of cells in the row,
	// one per key; a write sets one).
	ColReaction
	// ColPinned is the message's pinned flag.
	ColPinned

	allColumns = ColAuthor | ColContent | ColEditedAt | ColReaction | ColPinned
)

// Insert returns the write that creates a message: author and content.
func Insert(channel, message, author Snowflake, content string, at sim.Time) Write {
	return Write{Channel: channel, Message: message, Timestamp: at, Columns: ColAuthor | ColContent,
		Author: author, Content: content}
}

// Edit returns the write that edits a message's content: content and
// edited_at (the edit's own time), never author. An edit racing a delete
// therefore leaves at most a row without author.
func Edit(channel, message Snowflake, content string, at sim.Time) Write {
	return Write{Channel: channel, Message: message, Timestamp: at, Columns: ColContent | ColEditedAt,
		Content: content, EditedAt: at}
}

// React returns the write that adds (on) or removes a reaction key.
func React(channel, message Snowflake, key string, on bool, at sim.Time) Write {
	return Write{Channel: channel, Message: message, Timestamp: at, Columns: ColReaction, Reaction: key, ReactionOn: on}
}

// Pin returns the write that pins (on) or unpins a message.
func Pin(channel, message Snowflake, on bool, at sim.Time) Write {
	return Write{Channel: channel, Message: message, Timestamp: at, Columns: ColPinned, Pinned: on}
}

// MaxReactionKeyBytes bounds a reaction key (an emoji and a user ID).
const MaxReactionKeyBytes = 96

// validReactionKey: 1 to MaxReactionKeyBytes bytes, no space (Message
// joins keys with spaces).
func validReactionKey(k string) bool {
	return k != "" && len(k) <= MaxReactionKeyBytes && !strings.Contains(k, " ")
}

// Delete returns the write that deletes a message: a row tombstone.
func Delete(channel, message Snowflake, at sim.Time) Write {
	return Write{Channel: channel, Message: message, Timestamp: at, Delete: true}
}

// Partition returns the partition the write lands in: the message's, or
// the channel's bucket index for a marker.
func (w Write) Partition() PartitionKey {
	if w.Marker {
		return IndexPartition(w.Channel)
	}
	return PartitionOf(w.Channel, w.Message)
}

// ErrBadWrite reports a write the engine refuses.
var ErrBadWrite = errors.New("store: bad write")

// MaxContentBytes bounds a message's content: Discord's 4000-character limit
// (Nitro; 2000 otherwise) at up to 4 bytes a character in UTF-8.
const MaxContentBytes = 4 * 4000

// validate checks what a request could get wrong.
func (w *Write) validate() error {
	switch {
	case w.Channel == 0:
		return fmt.Errorf("%w: channel 0: must be a snowflake", ErrBadWrite)
	case w.Message == 0:
		return fmt.Errorf("%w: message 0: must be a snowflake", ErrBadWrite)
	case w.Marker && (w.Delete || w.Columns != 0):
		return fmt.Errorf("%w: marker of bucket %d: a marker sets no columns and deletes nothing", ErrBadWrite, w.Message.Bucket())
	case w.Delete && w.Columns != 0:
		return fmt.Errorf("%w: message %d: a delete sets no columns", ErrBadWrite, w.Message)
	case !w.Delete && !w.Marker && w.Columns == 0:
		return fmt.Errorf("%w: message %d: an upsert must set a column", ErrBadWrite, w.Message)
	case w.Columns&^allColumns != 0:
		return fmt.Errorf("%w: message %d: unknown columns %#x", ErrBadWrite, w.Message, uint8(w.Columns))
	case w.Columns&ColReaction != 0 && !validReactionKey(w.Reaction):
		return fmt.Errorf("%w: message %d: reaction key of %d bytes: must be between 1 and %d", ErrBadWrite, w.Message, len(w.Reaction), MaxReactionKeyBytes)
	case w.Columns&ColReaction != 0 && w.Columns != ColReaction:
		return fmt.Errorf("%w: message %d: a reaction write sets no other column", ErrBadWrite, w.Message)
	case w.Columns&ColPinned != 0 && w.Columns != ColPinned:
		return fmt.Errorf("%w: message %d: a pin write sets no other column", ErrBadWrite, w.Message)
	case len(w.Content) > MaxContentBytes:
		return fmt.Errorf("%w: message %d: content of %d bytes: must be at most %d",
			ErrBadWrite, w.Message, len(w.Content), MaxContentBytes)
	}
	return nil
}
