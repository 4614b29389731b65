package client

import (
	"errors"
	"strings"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// What a user does besides staying connected: post a message (with a nonce,
// waiting for the acknowledgement with a timeout), read a channel's history,
// open a guild (OpenGuild, client.go). A scenario sends these messages to the
// client process; the client records what happened.
//
// Posting goes straight to the guild's process, standing for the HTTP API
// (POST /channels/{id}/messages) until the API edge exists: the guild
// answers guild.MessageCreated or guild.MessageRejected. History reads go to
// the store's coordinators through a store.Client (GET
// /channels/{id}/messages), at QUORUM.

// SendMessage asks the client to post a message. Nonce is the client's own
// identity for it (discord.py sends one with every message), echoed in the
// acknowledgement and in the MESSAGE_CREATE, so checkers can match a send
// with its ack and its deliveries.
type SendMessage struct {
	Guild    uint64
	Channel  uint64
	Content  string
	Nonce    uint64
	Mentions []uint64
}

// ReadHistory asks the client to read the latest Limit (1-100) messages of
// a channel.
type ReadHistory struct {
	Channel uint64
	Limit   int
	// Consistency is the store read's level [QUORUM]; at ONE a read may
	// miss acknowledged messages until the replicas converge.
	Consistency store.Consistency
}

// sendTimeout is a post's timeout timer.
type sendTimeout struct{ request uint64 }

// apiState is a client's requests in flight, allocated on its first
// request: most clients of a large world never post, and their memory is
// what limits the world's size.
type apiState struct {
	next    uint64
	sends   map[uint64]pendingSend // by request; lookups only
	history *store.Client
	view    localView // Config.LocalView only
	// backfill is Config.Backfill's state (backfill.go).
	backfill *backfillState
	// late are the requests that timed out, by request, until the guild's
	// answer comes after all: only recorded (KindLateAck), for checkers,
	// since the client already gave up on them. Lookups only.
	late map[uint64]pendingSend
}

type pendingSend struct {
	nonce  uint64
	timer  sim.TimerID
	change bool // a lifecycle request (lifecycle.go), not a post
}

func (c *Client) api() *apiState {
	if c.apis == nil {
		c.apis = &apiState{sends: map[uint64]pendingSend{}}
	}
	return c.apis
}

// post sends a CreateMessage to the guild, unless MaxPendingSends await
// their answers (recorded as failed at once: the client's own bound).
func (c *Client) post(ctx *sim.Ctx, m SendMessage) {
	a := c.api()
	if c.cfg.Guilds == nil || len(a.sends) >= c.cfg.MaxPendingSends {
		c.record(Record{Kind: KindSendFailed, Seq: m.Nonce, ID: SendRefused})
		return
	}
	a.next++
	ctx.SendNamed(c.cfg.Guilds.NodeOf(m.Guild), guild.ProcessName(m.Guild), guild.CreateMessage{
		Request: a.next, Channel: m.Channel, Author: c.user, Content: m.Content, Nonce: m.Nonce, Mentions: m.Mentions,
	})
	a.sends[a.next] = pendingSend{nonce: m.Nonce, timer: ctx.SetTimer(c.cfg.SendTimeout, sendTimeout{request: a.next})}
	c.record(Record{Kind: KindSend, Seq: m.Nonce, ID: m.Channel})
}

// onSendAnswer handles the guild's answer or the timeout. An answer after
// the timeout is dropped: the client already recorded "unknown".
func (c *Client) onSendAnswer(ctx *sim.Ctx, request uint64, rec Record, timedOut bool) {
	if c.apis == nil {
		return
	}
	p, ok := c.apis.sends[request]
	if !ok {
		c.onLateAnswer(request, rec)
		return
	}
	sim.Sometimes(ctx, "client/send-timed-out", timedOut)
	delete(c.apis.sends, request)
	if !timedOut {
		ctx.CancelTimer(p.timer)
	} else if c.cfg.Recorder != nil {
		if c.apis.late == nil {
			c.apis.late = map[uint64]pendingSend{}
		}
		c.apis.late[request] = p
	}
	rec.Seq = p.nonce
	if p.change {
		switch rec.Kind {
		case KindSendAck:
			rec.Kind, rec.ID = KindChangeAck, 0
		case KindSendFailed:
			rec.Kind = KindChangeFailed
		}
	}
	c.record(rec)
}

// onLateAnswer records the guild's acknowledgement of a request that had
// timed out (KindLateAck): the request did happen, by now. The client does
// nothing more with it. A late refusal is not recorded: a store error
// leaves the outcome unknown anyway.
func (c *Client) onLateAnswer(request uint64, rec Record) {
	p, ok := c.apis.late[request]
	if !ok {
		return
	}
	delete(c.apis.late, request)
	if rec.Kind == KindSendAck {
		c.record(Record{Kind: KindLateAck, Seq: p.nonce, ID: rec.ID})
	}
}

// readHistory asks the store for a page.
func (c *Client) readHistory(ctx *sim.Ctx, m ReadHistory) {
	sc := c.historyClient()
	if sc == nil {
		c.record(Record{Kind: KindHistoryFailed, ID: m.Channel})
		return
	}
	if _, err := sc.Read(ctx, store.ReadPage{Query: store.Query{Channel: store.Snowflake(m.Channel), Limit: m.Limit}, Consistency: m.Consistency}); err != nil {
		c.record(Record{Kind: KindHistoryFailed, ID: m.Channel})
	}
}

// historyClient returns the client's store client for history reads
// (made on first use), nil if the Config names no store.
func (c *Client) historyClient() *store.Client {
	a := c.api()
	if a.history == nil && (len(c.cfg.Store) > 0 || c.cfg.DataServices != nil) {
		sc, err := store.NewClient(store.ClientOptions{Coordinators: c.cfg.Store, DataServices: c.cfg.DataServices})
		sim.Assert(err == nil, "client: store client options are built from a validated Config")
		a.history = sc
	}
	return a.history
}

// onStoreResult records a page: one KindHistory (Seq: the message count;
// ID: the channel, 0 for an empty page) then one KindHistoryMessage per
// message (ID: the message; Seq: its author), newest first.
func (c *Client) onStoreResult(ctx *sim.Ctx, r store.Result) {
	if c.onBackfillResult(ctx, r) {
		return
	}
	if r.Err != nil {
		c.record(Record{Kind: KindHistoryFailed})
		return
	}
	var channel uint64
	if len(r.Messages) > 0 {
		channel = uint64(r.Messages[0].Channel)
	}
	c.record(Record{Kind: KindHistory, Seq: uint64(len(r.Messages)), ID: channel})
	c.recordMessages(r.Messages)
}

// recordMessages records a page's messages, newest first: per message its
// edit, reactions and pin (KindHistoryEdit, KindHistoryReaction,
// KindHistoryPinned), then
// KindHistoryMessage (ID: the message; Seq: its author).
func (c *Client) recordMessages(msgs []store.Message) {
	for _, m := range msgs {
		// A message's edit, reactions and pin come before it: the page is
		// complete with its last KindHistoryMessage.
		if m.EditedAt != 0 {
			c.record(Record{Kind: KindHistoryEdit, ID: uint64(m.ID), Seq: ContentHash(m.Content)})
		}
		for k := range strings.FieldsSeq(m.Reactions) {
			c.record(Record{Kind: KindHistoryReaction, ID: uint64(m.ID), Seq: ContentHash(k)})
		}
		if m.Pinned {
			c.record(Record{Kind: KindHistoryPinned, ID: uint64(m.ID)})
		}
		c.record(Record{Kind: KindHistoryMessage, ID: uint64(m.ID), Seq: uint64(m.Author)})
	}
}

// Record.ID of KindSendFailed and KindChangeFailed: why.
const (
	SendRejected = 0 // the guild refused it for another reason than SendNotPermitted (a store error, overload, a bad request)
	SendTimedOut = 1 // no answer within SendTimeout: the outcome is unknown
	SendRefused  = 2 // not sent: no guild placement configured, or MaxPendingSends reached
	// SendNotPermitted: the guild refused it for the user's membership or
	// permissions (guild.ErrNotMember, ErrNotPermitted, ErrNotAllowed), or
	// the store for its author (store.ErrNotAuthor: an edit, or a delete
	// without MANAGE_MESSAGES, of another user's message).
	SendNotPermitted = 3
)

// rejection is the Record.ID of a rejection whose error is err.
func rejection(err error) uint64 {
	for _, e := range []error{guild.ErrNotMember, guild.ErrNotPermitted, guild.ErrNotAllowed, store.ErrNotAuthor} {
		if errors.Is(err, e) {
			return SendNotPermitted
		}
	}
	return SendRejected
}
