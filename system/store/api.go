package store

import "errors"

// The client API: what the rest of the system (guild processes, data
// services, clients' history reads) sends to a coordinator, and what comes
// back. Every request carries a RequestID chosen by its sender; the reply
// carries it back, to the sending process. Requests and replies are process
// messages, never calls: a coordinator on another node can be slow, crashed
// or partitioned away, so a sender keeps its own timeout (client.go does).

// RequestID matches a reply to its request; unique per sending process.
type RequestID uint64

// WriteMessage creates a message. The coordinator mints its ID (a
// snowflake from its node's clock) and returns it in the Ack, unless the
// caller minted it (Message).
type WriteMessage struct {
	ID      RequestID
	Channel Snowflake
	// Message, if not zero, is the message's ID, minted by the caller (a
	// guild process, with its own Generator: it then owns the channel's ID
	// order); the coordinator writes it as is instead of minting one, and
	// returns it in the Ack. The store trusts the caller's clock and
	// uniqueness: it refuses only an ID that cannot be in the channel
	// (not above the channel's own ID, as for edits and deletes). Writing
	// an ID again overwrites the message (last write wins), so a caller
	// must not mint one ID twice for a channel.
	Message     Snowflake
	Author      Snowflake
	Content     string
	Consistency Consistency
}

// EditMessage replaces a message's content and sets its edited_at. The
// message must exist: editing one that was deleted or never written is
// ErrMessageDeleted or ErrUnknownMessage (Discord: 10008 Unknown Message).
type EditMessage struct {
	ID          RequestID
	Channel     Snowflake
	Message     Snowflake
	Content     string
	Consistency Consistency
	// Author, if not zero, is a precondition: the edit applies only to a
	// message this user wrote, else ErrNotAuthor (Discord: only the author
	// edits a message; the guild knows the editor, the store the author).
	Author Snowflake
}

// DeleteMessage deletes a message, leaving a tombstone. As for edits, the
// message must exist.
type DeleteMessage struct {
	ID          RequestID
	Channel     Snowflake
	Message     Snowflake
	Consistency Consistency
	// Author, if not zero, is a precondition as for EditMessage: a member
	// without MANAGE_MESSAGES deletes only their own messages.
	Author Snowflake
}

// ReactMessage adds a reaction key to a message, or removes it (Remove).
// The key names the emoji and the user (Discord keeps one reaction per
// user and emoji); each key is its own last-write-wins cell, so reactions
// of different users never overwrite each other. As for edits, the message
// must be alive.
type ReactMessage struct {
	ID          RequestID
	Channel     Snowflake
	Message     Snowflake
	Key         string
	Remove      bool
	Consistency Consistency
}

// PinMessage pins a message, or unpins it (Unpin): the message row's
// pinned cell, last-write-wins like a reaction key, written after the
// same point read (the message must be alive).
type PinMessage struct {
	ID          RequestID
	Channel     Snowflake
	Message     Snowflake
	Unpin       bool
	Consistency Consistency
}

// ReadPage asks for one page of a channel, as Query describes it: the
// latest Limit messages, or the Limit just before Before, or just after
// After. Messages come newest first.
type ReadPage struct {
	ID          RequestID
	Query       Query
	Consistency Consistency
}

// Ack answers a write, edit or delete that reached its consistency level.
// Message is the message's ID (minted by the coordinator for a write).
type Ack struct {
	ID      RequestID
	Message Snowflake
}

// PageReply answers a ReadPage: messages newest first.
type PageReply struct {
	ID       RequestID
	Messages []Message
}

// ErrorReply answers a request that failed. Err wraps one of the errors
// below, or ErrPageSize / ErrBadWrite, with what was wrong.
type ErrorReply struct {
	ID  RequestID
	Err error
}

// Errors a request can get. The first group are the caller's mistakes and
// say which argument was wrong and what is accepted; the second are the
// cluster's state, and for writes mean the outcome is unknown: the write may
// have reached some replicas and may show up in later reads.
var (
	// ErrBadRequest: an argument outside what the API accepts (a
	// consistency level, an author of 0).
	ErrBadRequest = errors.New("store: bad request")
	// ErrUnknownChannel: a channel ID that cannot name a channel: 0, or
	// minted in the future by the coordinator's clock. The store does not
	// keep a registry of channels (guilds own them); it refuses only what
	// cannot exist.
	ErrUnknownChannel = errors.New("store: unknown channel")
	// ErrUnknownMessage: an edit or delete of a message the store has no
	// live row for, and no tombstone either.
	ErrUnknownMessage = errors.New("store: unknown message")
	// ErrMessageDeleted: an edit or delete of a message that was deleted.
	ErrMessageDeleted = errors.New("store: message was deleted")
	// ErrNotAuthor: an edit or delete whose Author precondition does not
	// hold (Discord: 50005 Cannot edit a message authored by another user).
	ErrNotAuthor = errors.New("store: message written by another user")
	// ErrBadCursor: a page read with both Before and After.
	ErrBadCursor = errors.New("store: bad page cursor")

	// ErrUnavailable: fewer live replicas than the consistency level needs,
	// as far as the coordinator knows; nothing was sent (Cassandra's
	// UnavailableException).
	ErrUnavailable = errors.New("store: not enough replicas alive for the consistency level")
	// ErrTimeout: the replicas did not answer within the coordinator's
	// timeout (Cassandra's ReadTimeout / WriteTimeout).
	ErrTimeout = errors.New("store: replicas did not answer in time")
	// ErrOverloaded: the coordinator has too many requests in flight.
	ErrOverloaded = errors.New("store: coordinator overloaded")
	// ErrNoReply: the sender's own timeout fired before any reply (the
	// coordinator crashed, is partitioned away, or is far behind).
	ErrNoReply = errors.New("store: no reply from the coordinator")
)

// Wire sizes for the network's byte counts: a fixed header per message plus
// the content, roughly what a CQL frame carries.
const (
	wireHeaderBytes  = 32
	wireMessageBytes = 40 // ID, channel, author, timestamps of one message
)

func (m WriteMessage) WireSize() int  { return wireHeaderBytes + wireMessageBytes + len(m.Content) }
func (m EditMessage) WireSize() int   { return wireHeaderBytes + wireMessageBytes + len(m.Content) }
func (m DeleteMessage) WireSize() int { return wireHeaderBytes + wireMessageBytes }
func (m ReactMessage) WireSize() int  { return wireHeaderBytes + wireMessageBytes + len(m.Key) }
func (m PinMessage) WireSize() int    { return wireHeaderBytes + wireMessageBytes }
func (m ReadPage) WireSize() int      { return wireHeaderBytes + 32 }
func (m Ack) WireSize() int           { return wireHeaderBytes + 8 }
func (m ErrorReply) WireSize() int    { return wireHeaderBytes + 64 }
func (m PageReply) WireSize() int {
	n := wireHeaderBytes
	for i := range m.Messages {
		n += wireMessageBytes + len(m.Messages[i].Content)
	}
	return n
}
