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

// backfillPageLimit is a backfill page's size: the store's largest page.
const backfillPageLimit = 100

// backfillState is what backfill keeps, allocated on the first
// GUILD_CREATE of a client with Config.Backfill.
type backfillState struct {
	passes map[uint64]uint32                // guild -> GUILD_CREATEs received; lookups only
	newest map[uint64]uint64                // channel -> newest message ID seen; lookups only
	reads  map[store.RequestID]backfillRead // pages in flight; lookups only
}

// backfillRead is one page in flight.
type backfillRead struct {
	guild, channel uint64
	pass           uint32 // passes[guild] when the pass started
	page           int    // 1 for a pass's first page of the channel
}

// onGuildCreate notes a GUILD_CREATE and, when it is not the guild's
// first, starts a backfill pass over the channels it lists.
func (c *Client) onGuildCreate(ctx *sim.Ctx, d guild.GuildCreate) {
	if !c.cfg.Backfill {
		return
	}
	a := c.api()
	if a.backfill == nil {
		a.backfill = &backfillState{passes: map[uint64]uint32{}, newest: map[uint64]uint64{}, reads: map[store.RequestID]backfillRead{}}
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
		c.backfillPage(ctx, backfillRead{guild: d.ID, channel: ch, pass: b.passes[d.ID], page: 1})
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

// backfillPage asks the store for the page after the newest message seen
// in br.channel (from the channel's start if none was).
func (c *Client) backfillPage(ctx *sim.Ctx, br backfillRead) {
	b := c.apis.backfill
	after := store.Snowflake(max(b.newest[br.channel], 1))
	sc := c.historyClient()
	if sc == nil {
		c.record(Record{Kind: KindBackfillFailed, ID: br.channel})
		return
	}
	id, err := sc.Read(ctx, store.ReadPage{Query: store.Query{Channel: store.Snowflake(br.channel), After: after, Limit: backfillPageLimit}, Consistency: store.Quorum})
	if err != nil {
		c.record(Record{Kind: KindBackfillFailed, ID: br.channel})
		return
	}
	b.reads[id] = br
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
		c.record(Record{Kind: KindBackfillFailed, ID: br.channel})
		return true
	}
	c.record(Record{Kind: KindBackfill, Seq: uint64(len(r.Messages)), ID: br.channel})
	c.recordMessages(r.Messages)
	if len(r.Messages) > 0 {
		c.noteSeen(br.channel, uint64(r.Messages[0].ID))
	}
	if len(r.Messages) == backfillPageLimit && br.page < c.cfg.BackfillMaxPages {
		br.page++
		c.backfillPage(ctx, br)
	}
	return true
}
