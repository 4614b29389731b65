package client

import (
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
		return
	}
	sim.Sometimes(ctx, "client/send-timed-out", timedOut)
	delete(c.apis.sends, request)
	if !timedOut {
		ctx.CancelTimer(p.timer)
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

// readHistory asks the store for a page.
func (c *Client) readHistory(ctx *sim.Ctx, m ReadHistory) {
	a := c.api()
	if a.history == nil && (len(c.cfg.Store) > 0 || c.cfg.DataServices != nil) {
		sc, err := store.NewClient(store.ClientOptions{Coordinators: c.cfg.Store, DataServices: c.cfg.DataServices})
		sim.Assert(err == nil, "client: store client options are built from a validated Config")
		a.history = sc
	}
	if a.history == nil {
		c.record(Record{Kind: KindHistoryFailed, ID: m.Channel})
		return
	}
	if _, err := a.history.Read(ctx, store.ReadPage{Query: store.Query{Channel: store.Snowflake(m.Channel), Limit: m.Limit}, Consistency: m.Consistency}); err != nil {
		c.record(Record{Kind: KindHistoryFailed, ID: m.Channel})
	}
}

// onStoreResult records a page: one KindHistory (Seq: the message count;
// ID: the channel, 0 for an empty page) then one KindHistoryMessage per
// message (ID: the message; Seq: its author), newest first.
func (c *Client) onStoreResult(r store.Result) {
	if r.Err != nil {
		c.record(Record{Kind: KindHistoryFailed})
		return
	}
	var channel uint64
	if len(r.Messages) > 0 {
		channel = uint64(r.Messages[0].Channel)
	}
	c.record(Record{Kind: KindHistory, Seq: uint64(len(r.Messages)), ID: channel})
	for _, m := range r.Messages {
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

// Record.ID of KindSendFailed: why.
const (
	SendRejected = 0 // the guild refused it (permissions, membership, store error)
	SendTimedOut = 1 // no answer within SendTimeout: the outcome is unknown
	SendRefused  = 2 // not sent: no guild placement configured, or MaxPendingSends reached
)
