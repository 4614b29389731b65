package client

import (
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// Backfill (Config.Backfill): a GUILD_CREATE for a guild the client already
// had one for (on this session or an earlier one) means its view of the
// guild has a gap: the guild lost the session to a broken link and joined
// it again, or the client identified afresh after its session died. Events
// of the gap are not replayed; the client reads them from history, as
// Discord's clients do ("fetch messages after the last one we have"):
// for each channel the GUILD_CREATE lists, the messages after the newest
// it had seen there (by dispatch or an earlier backfill), oldest first,
// page after page until a page is not full, at most BackfillMaxPages
// pages per channel. Each page is recorded as KindBackfill (its message
// count and channel) followed by its messages, as a history page is, so
// that checkers can tell a backfill from the scenario's own reads.
//
// A second GUILD_CREATE of the guild while a backfill is in flight starts
// a new pass from the channels it lists; the older pass's pages still in
// flight are dropped unrecorded (the new pass reads past them), so a
// recorded page always belongs to the guild's latest GUILD_CREATE.
//
// A pass reads from its own cursor, not from the newest message seen:
// dispatches that arrive while it runs (the guild has the session again)
// are newer than the gap, and reading after them would skip it. A
// channel's cursor outlives its pass until the channel is caught up (a
// page not full, or BackfillMaxPages pages read), so that a pass that a
// newer GUILD_CREATE cuts short leaves its gap to the newer pass.
//
// A page read that fails (the store timed out, refused, or was cut off)
// is read again after a backoff, as a real client re-requests, until it
// succeeds, a newer pass takes over, or the session it began on ends (a
// fresh session's GUILD_CREATE starts a new pass from the cursor). Each
// failure is recorded as KindBackfillFailed. Without the retry a single
// failed read lost the gap for good (swarm seeds 2483, 6483, 14750: a
// backfill read timed out in the store after the heal, and the messages
// the guild sent while it lacked the session were never read).

// backfillPageLimit is a backfill page's size: the store's largest page.
const backfillPageLimit = 100

// backfillRetryBase and backfillRetryMax bound the wait before a failed
// page is read again: uniform in [w/2, w), w doubling from the base per
// failure of the page up to the max [GUESS: a client backs off from a
// struggling API as from a gateway, without waiting out its user].
const (
	backfillRetryBase = 500 * sim.Millisecond
	backfillRetryMax  = 8 * sim.Second
)

// backfillState is what backfill keeps, allocated on the first
// GUILD_CREATE of a client with Config.Backfill.
type backfillState struct {
	passes map[uint64]uint32 // guild -> GUILD_CREATEs received; lookups only
	newest map[uint64]uint64 // channel -> newest message ID seen; lookups only
	// cursor: channel -> the newest message a pass not yet caught up in
	// the channel has read to (where a newer pass starts); lookups only.
	cursor map[uint64]uint64
	reads  map[store.RequestID]backfillRead // pages in flight; lookups only
}

// backfillRead is one page in flight, or waiting to be read again.
type backfillRead struct {
	guild, channel uint64
	pass           uint32 // passes[guild] when the pass started
	page           int    // 1 for a pass's first page of the channel
	after          uint64 // the page's cursor: messages after it
	session        string // the session the pass began on
	failures       int    // failed reads of this page so far
}

// backfillRetry is the timer that reads a failed page again.
type backfillRetry struct{ read backfillRead }

// onGuildCreate notes a GUILD_CREATE and, when it is not the guild's
// first, starts a backfill pass over the channels it lists.
func (c *Client) onGuildCreate(ctx *sim.Ctx, d guild.GuildCreate) {
	if !c.cfg.Backfill {
		return
	}
	a := c.api()
	if a.backfill == nil {
		a.backfill = &backfillState{passes: map[uint64]uint32{}, newest: map[uint64]uint64{}, cursor: map[uint64]uint64{},
			reads: map[store.RequestID]backfillRead{}}
	}
	b := a.backfill
	b.passes[d.ID]++
	// A passive session keeps only unread state: the user reads a large
	// guild's channels when they open it.
	if b.passes[d.ID] == 1 || d.Passive {
		return
	}
	sim.Reachable(ctx, "client/backfill-after-resync")
	for _, ch := range d.ChannelIDs {
		after, ok := b.cursor[ch]
		if !ok {
			after = b.newest[ch]
			b.cursor[ch] = after
		}
		c.backfillPage(ctx, backfillRead{guild: d.ID, channel: ch, pass: b.passes[d.ID], page: 1, after: after, session: c.sessionID})
	}
}

// noteSeen records the newest message ID seen in a channel.
func (c *Client) noteSeen(channel, id uint64) {
	if c.apis == nil || c.apis.backfill == nil {
		return
	}
	if id > c.apis.backfill.newest[channel] {
		c.apis.backfill.newest[channel] = id
	}
}

// backfillPage asks the store for the page after br.after in br.channel
// (from the channel's start if it is 0).
func (c *Client) backfillPage(ctx *sim.Ctx, br backfillRead) {
	b := c.apis.backfill
	after := store.Snowflake(max(br.after, 1))
	sc := c.historyClient()
	if sc == nil {
		// No store configured: no read can ever succeed.
		c.record(Record{Kind: KindBackfillFailed, ID: br.channel})
		return
	}
	id, err := sc.Read(ctx, store.ReadPage{Query: store.Query{Channel: store.Snowflake(br.channel), After: after, Limit: backfillPageLimit}, Consistency: store.Quorum})
	if err != nil {
		c.backfillFailed(ctx, br)
		return
	}
	b.reads[id] = br
}

// backfillFailed records a failed page read and reads it again after a
// backoff.
func (c *Client) backfillFailed(ctx *sim.Ctx, br backfillRead) {
	c.record(Record{Kind: KindBackfillFailed, ID: br.channel})
	window := backfillRetryBase << min(br.failures, 8)
	window = min(window, backfillRetryMax)
	br.failures++
	ctx.SetTimer(ctx.Rand().Duration(window/2, window), backfillRetry{read: br})
}

// onBackfillRetry reads a failed page again, unless a newer pass took
// over or the session the pass began on ended.
func (c *Client) onBackfillRetry(ctx *sim.Ctx, m backfillRetry) {
	if c.apis == nil || c.apis.backfill == nil {
		return
	}
	br := m.read
	if br.pass != c.apis.backfill.passes[br.guild] || br.session != c.sessionID {
		return
	}
	c.backfillPage(ctx, br)
}

// onBackfillResult records a backfill page and asks for the next one while
// pages come full, up to Config.BackfillMaxPages. It reports whether r
// answered a backfill read.
func (c *Client) onBackfillResult(ctx *sim.Ctx, r store.Result) bool {
	if c.apis.backfill == nil {
		return false
	}
	b := c.apis.backfill
	br, ok := b.reads[r.ID]
	if !ok {
		return false
	}
	delete(b.reads, r.ID)
	if br.pass != b.passes[br.guild] {
		return true // a newer pass reads past it
	}
	if r.Err != nil {
		c.backfillFailed(ctx, br)
		return true
	}
	c.record(Record{Kind: KindBackfill, Seq: uint64(len(r.Messages)), ID: br.channel})
	c.recordMessages(r.Messages)
	if len(r.Messages) > 0 {
		// Newest first: the page's first message is where the next starts.
		br.after = uint64(r.Messages[0].ID)
		b.cursor[br.channel] = br.after
		c.noteSeen(br.channel, br.after)
	}
	if len(r.Messages) == backfillPageLimit && br.page < c.cfg.BackfillMaxPages {
		br.page++
		br.failures = 0
		c.backfillPage(ctx, br)
		return true
	}
	delete(b.cursor, br.channel) // caught up, or as far as a backfill goes
	return true
}
