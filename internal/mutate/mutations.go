package mutate

// Mutation is one small source change to system code (or, with no Edits,
// a legitimate but unsafe setting) and the runs expected to catch it.
type Mutation struct {
	// Name is what --only takes; Bug says in words what a developer got
	// wrong.
	Name string
	Bug  string
	// File is the file Edits apply to, from the repository root ("" for a
	// setting).
	File string
	// Edits are applied in order; each Find must occur exactly once in the
	// pristine File, or the mutation is STALE.
	Edits []Edit
	// Runs are TestMutantSeeds runs (scenario[:key=value...], see
	// scenarios/mutant_test.go) tried seed by seed; Test, when set,
	// replaces them with one go test -run of that test, caught if it
	// fails.
	Runs []string
	Test string
	// Equivalent, when set, says why the mutant is expected to behave
	// exactly as the original (e.g. it changes only memory held): if
	// every run's fingerprint then equals the unmutated tree's, the row is
	// EQUIVALENT, not MISSED. A mutant without it whose runs all match
	// stays MISSED: never exercised is a gap in the scenarios, not an
	// equivalence.
	Equivalent string
}

// Edit replaces Find by Replace.
type Edit struct {
	Find, Replace string
}

// Setting reports whether m changes no source: a legitimate but unsafe
// option the checkers must still catch.
func (m Mutation) Setting() bool { return len(m.Edits) == 0 }

// Mutations are the catalogue, in the order the table prints them. Each
// is the smallest change a developer could make by mistake, against the
// code as it is; TestFindsMatch keeps the list from rotting.
var Mutations = []Mutation{
	{
		Name: "edit-of-deleted-message",
		Bug:  "the store edits (or reacts to) a message its point read found deleted, instead of answering ErrMessageDeleted",
		File: "system/store/coord_mutate.go",
		Edits: []Edit{{
			Find:    "\tif !live {\n\t\terr := ErrUnknownMessage",
			Replace: "\tif !live && !r.deleted {\n\t\terr := ErrUnknownMessage",
		}},
		Runs: []string{"lifecycle"},
	},
	{
		Name: "delete-tombstone-too-old",
		Bug:  "a delete is timestamped before the row's newest cell, so last-write-wins ignores it: acknowledged, nothing deleted",
		File: "system/store/coord_mutate.go",
		Edits: []Edit{{
			Find:    "\t\tw = Delete(channel, op.message, at)",
			Replace: "\t\tw = Delete(channel, op.message, r.newest()-1)",
		}},
		Runs: []string{"lifecycle"},
	},
	{
		Name: "reaction-remove-adds",
		Bug:  "a reaction removal writes the key's cell as on: acknowledged, the reaction stays",
		File: "system/store/coord_mutate.go",
		Edits: []Edit{{
			Find:    "w = React(channel, op.message, op.mut.content, !op.mut.remove, at)",
			Replace: "w = React(channel, op.message, op.mut.content, true, at)",
		}},
		Runs: []string{"lifecycle"},
	},
	{
		Name: "unpin-written-as-pin",
		Bug:  "the guild sends an unpin to the store as a pin: acknowledged and dispatched as an unpin, the message stays pinned",
		File: "system/guild/lifecycle.go",
		Edits: []Edit{{
			Find:    "			Unpin: m.Unpin, Consistency: g.o.WriteConsistency})",
			Replace: "			Unpin: false, Consistency: g.o.WriteConsistency})",
		}},
		Runs: []string{"lifecycle"},
	},
	{
		Name: "resume-replays-from-s",
		Bug:  "a Resume replays from the client's s instead of s+1 (the client gets s again)",
		File: "system/gateway/resume.go",
		Edits: []Edit{{
			Find:    "\t\tif s > seq {\n\t\t\tfn(s, &b.ring[(b.head+i)%int32(len(b.ring))])",
			Replace: "\t\tif s >= seq {\n\t\t\tfn(s, &b.ring[(b.head+i)%int32(len(b.ring))])",
		}},
		Runs: []string{"gateway-node-crash", "zombie-connections", "swarm"},
	},
	{
		Name: "quorum-write-one-ack",
		Bug:  "a QUORUM write is acknowledged to the guild after one replica acknowledged it",
		File: "system/store/coord_write.go",
		Edits: []Edit{{
			Find:    "reached = reached && bits.OnesCount8(l.acked) >= l.need",
			Replace: "reached = reached && bits.OnesCount8(l.acked) >= 1",
		}},
		Runs: []string{"partition-during-send", "swarm"},
	},
	{
		Name: "quorum-read-one-answer",
		Bug:  "a QUORUM read is answered after one replica answered (a stale read)",
		File: "system/store/coord_read.go",
		Edits: []Edit{{
			Find:    "\trd.answers = append(rd.answers, a)\n\tif len(rd.answers) < rd.need {",
			Replace: "\trd.answers = append(rd.answers, a)\n\tif len(rd.answers) < 1 {",
		}},
		Runs: []string{"partition-during-send", "swarm"},
	},
	{
		Name: "relay-skips-permissions",
		Bug:  "a relay fans a message out to all its sessions without the VIEW_CHANNEL check",
		File: "system/guild/relay.go",
		Edits: []Edit{{
			Find: "\tfanoutTo(ctx, &r.em, r.pol, r.sess, func(u uint64) []uint64 { return r.members[u].roles }, m.ch, m.d, m.unread, m.mentions)\n",
			Replace: "\tr.em.begin(m.d)\n" +
				"\tfor _, s := range r.sess {\n\t\tr.em.to(s.node, s.pid)\n\t}\n\tr.em.end(ctx)\n",
		}},
		Runs: []string{"chat-basic:fanout=relays", "partition-during-send:fanout=relays"},
	},
	{
		Name: "snowflake-no-clock-guard",
		Bug:  "the snowflake generator follows the clock backwards (no guard; and no assertion left to stop it)",
		File: "system/store/generator.go",
		Edits: []Edit{
			{Find: "\tcase clock > g.lastMillis: // rule 2\n", Replace: "\tcase clock != g.lastMillis: // rule 2\n"},
			{Find: "\tsim.Assert(id > g.last, \"store: generator minted an ID not above its last one\")\n", Replace: ""},
		},
		Runs: []string{"clock-skew-snowflakes", "swarm"},
	},
	{
		Name: "resume-buffer-never-trimmed",
		Bug:  "a heartbeat's d no longer trims the resume buffer (it fills to its bound and stays full)",
		Equivalent: "with the bound in place, trimming only saves memory: a replay sends the events after the client's s, " +
			"and whether the buffer still holds the first of them depends on the bound alone",
		File: "system/gateway/session.go",
		Edits: []Edit{{
			Find:    "\t\tif s.state == sReady && hb.LastSeq <= s.seq {\n\t\t\ts.buf.trimThrough(hb.LastSeq)\n\t\t}\n",
			Replace: "\t\t_ = hb\n",
		}},
		Runs: []string{"resume-past-buffer", "gateway-node-crash", "zombie-connections", "swarm"},
	},
	{
		Name: "resume-buffer-unbounded",
		Bug:  "the resume buffer ignores its bound (never drops its oldest event)",
		File: "system/gateway/resume.go",
		Edits: []Edit{{
			Find:    "\tif int(b.n) == limit {\n",
			Replace: "\tif false && int(b.n) == limit {\n",
		}, {
			Find:    "min(max(4, 2*len(b.ring)), limit)",
			Replace: "max(4, 2*len(b.ring))",
		}},
		Runs: []string{"resume-past-buffer", "gateway-node-crash", "zombie-connections", "swarm"},
	},
	{
		Name: "resume-buffer-trimmed-early",
		Bug:  "a heartbeat trims the resume buffer up to the newest s sent, not the s the client confirmed",
		File: "system/gateway/session.go",
		Edits: []Edit{{
			Find:    "\t\t\ts.buf.trimThrough(hb.LastSeq)\n",
			Replace: "\t\t\ts.buf.trimThrough(s.seq)\n",
		}},
		Runs: []string{"resume-past-buffer", "gateway-node-crash", "zombie-connections", "swarm"},
	},
	{
		Name: "resume-buffer-trimmed-early-unguarded",
		Bug:  "as resume-buffer-trimmed-early, and a resume no longer checks that the buffer still covers the client's s",
		File: "system/gateway/session.go",
		Edits: []Edit{{
			Find:    "\t\t\ts.buf.trimThrough(hb.LastSeq)\n",
			Replace: "\t\t\ts.buf.trimThrough(s.seq)\n",
		}, {
			Find:    "\tcase !s.buf.covers(q.seq, s.seq):\n\t\tv = resumeGone\n",
			Replace: "",
		}},
		Runs: []string{"gateway-node-crash", "zombie-connections", "swarm"},
	},
	{
		Name: "relay-stale-roles",
		Bug:  "a relay ignores a member's new roles (fanout from a stale member list)",
		File: "system/guild/relay.go",
		Edits: []Edit{{
			Find:    "\t\tif e := r.members[m.user]; e != nil {\n\t\t\te.roles = m.roles\n\t\t\tsim.Reachable(ctx, \"guild/relay-roles-refreshed\")\n\t\t}\n",
			Replace: "\t\t_ = m\n",
		}},
		Runs: []string{"celebrity-join", "chat-basic:fanout=relays"},
	},
	{
		Name: "heartbeat-timeout-never-enforced",
		Bug:  "the gateway never closes a session whose heartbeats stopped (4009 never sent)",
		File: "system/gateway/session.go",
		Edits: []Edit{{
			Find:    "\t\tctx.SetTimer(s.hbDeadline.Sub(now), heartbeatCheck{})\n\t\treturn\n\t}\n\tsim.Reachable(ctx, \"gateway/closed-4009-heartbeat-timeout\")\n\ts.closeWith(ctx, CloseSessionTimedOut)\n",
			Replace: "\t\tctx.SetTimer(s.hbDeadline.Sub(now), heartbeatCheck{})\n\t\treturn\n\t}\n\ts.hbArmed = false\n",
		}},
		Runs: []string{"zombie-connections", "swarm"},
	},
	{
		Name: "hints-never-replayed",
		Bug:  "a store coordinator keeps hints but never replays them to the replica that missed the write",
		File: "system/store/hints.go",
		Edits: []Edit{{
			Find:    "\tif !p.up || len(p.hints) == 0 {\n",
			Replace: "\tif true || len(p.hints) == 0 {\n",
		}},
		// At QUORUM every read meets a replica with each acknowledged write
		// and read repair heals the rest; reads at ONE (eventual
		// consistency with a bound) see a replica that never got its hints.
		Runs: []string{"partition-during-send:read-consistency=one", "partition-during-send", "swarm"},
	},
	{
		Name: "ack-although-store-failed",
		Bug:  "the guild acknowledges a post although the store write failed (the failure is only counted)",
		File: "system/guild/guild.go",
		Edits: []Edit{{
			Find:    "\t\tw := &write{req: m, from: ctx.Sender(), ch: ch}\n",
			Replace: "\t\tw := &write{req: m, from: ctx.Sender(), ch: ch, id: uint64(msg)}\n",
		}, {
			Find:    "\t\tif r.Err != nil {\n\t\t\tw.failed = true\n\t\t\tg.stat.Rejected++\n\t\t\tsim.Reachable(ctx, \"guild/post-failed-in-store\")\n\t\t\tctx.Send(w.from, MessageRejected{Request: w.req.Request, Err: fmt.Errorf(\"%w: %w\", ErrStore, r.Err)})\n\t\t} else {\n",
			Replace: "\t\tif r.Err != nil {\n\t\t\tg.stat.Rejected++\n\t\t} else {\n",
		}},
		Runs: []string{"partition-during-send", "swarm"},
	},
	{
		Name: "ack-before-store",
		Bug:  "the guild acknowledges a post as soon as it sent the write to the store, before the store acknowledged it",
		File: "system/guild/guild.go",
		Edits: []Edit{{
			Find:    "\t\tif err == nil {\n\t\t\tg.pending[id] = w\n",
			Replace: "\t\tif err == nil {\n\t\t\tctx.Send(w.from, MessageCreated{Request: m.Request, ID: uint64(msg), Nonce: m.Nonce})\n\t\t\tg.pending[id] = w\n",
		}},
		Runs: []string{"partition-during-send", "swarm"},
	},
	{
		Name: "dataservice-write-keeps-cache",
		Bug:  "a data service forwards a write's acknowledgement without invalidating the channel's cached page and its reads in flight",
		File: "system/store/dataservice.go",
		Edits: []Edit{{
			Find:    "\tcase dsMutation:\n\t\td.invalidate(p.channel)\n",
			Replace: "\tcase dsMutation:\n",
		}},
		// Only runs whose reads go through the data services walk this
		// path: a read right after an acknowledged post is served the
		// page from before it.
		Runs: []string{"chat-basic:read-path=data-services", "hot-channel:read-path=data-services", "swarm:read-path=data-services", "mixed"},
	},
	{
		Name: "client-zombie-check-off",
		Bug:  "the client never notices a heartbeat left unacknowledged (zombie detection off)",
		File: "system/client/client.go",
		Edits: []Edit{{
			Find:    "\tc.acked = false\n\tif ctx.Buggify(siteHeartbeatLate) {\n",
			Replace: "\tif ctx.Buggify(siteHeartbeatLate) {\n",
		}},
		Runs: []string{"zombie-connections", "swarm"},
	},
	{
		Name: "lost-sessions-never-rejoined",
		Bug:  "a guild drops the sessions behind a broken link instead of joining them again",
		File: "system/guild/guild.go",
		Edits: []Edit{{
			Find:    "\tif len(g.lost) == 0 {\n\t\tctx.SetTimer(rejoinEvery, rejoinTick{})\n\t}\n",
			Replace: "\treturn\n\tif len(g.lost) == 0 {\n\t\tctx.SetTimer(rejoinEvery, rejoinTick{})\n\t}\n",
		}},
		Test: "TestFoundByProperties",
	},
	{
		Name: "client-skips-backfill",
		Bug:  "a client that gets a guild's GUILD_CREATE again never reads the history it missed (no backfill after a resync)",
		File: "system/client/backfill.go",
		Edits: []Edit{{
			Find:    "\tif b.passes[d.ID] == 1 || d.Passive {\n",
			Replace: "\tif b.passes[d.ID] >= 1 || d.Passive {\n",
		}},
		Runs: []string{"partition-during-send", "swarm", "gateway-node-crash"},
	},
	{
		Name: "guild-keeps-removed-sessions",
		Bug:  "a removed member's sessions stay in the guild's session list: they keep getting its events after the removal was acknowledged",
		File: "system/guild/guild.go",
		Edits: []Edit{{
			Find:    "\t\t\tg.leave(ctx, g.sessions[i].pid, true)\n",
			Replace: "",
		}},
		Runs: []string{"mixed"},
	},
	{
		Name: "coalescer-answers-joiners-after-write",
		Bug:  "a coalesced read that joined a flight after a write was acknowledged gets the flight's page from before the write, instead of a new query",
		File: "system/store/coalesce.go",
		Edits: []Edit{{
			Find:    "\ts.Waiters, s.Stale = f.waiters[:f.cut:f.cut], true\n\trest := f.waiters[f.cut:]\n",
			Replace: "\ts.Waiters, s.Stale = f.waiters, true\n\trest := f.waiters[len(f.waiters):]\n",
		}},
		Runs: []string{"mixed", "hot-channel:read-path=data-services", "swarm:read-path=data-services"},
	},
	{
		Name: "ban-not-kept",
		Bug:  "the guild adds a banned user back: MemberAdd ignores the ban list",
		File: "system/guild/guild.go",
		Edits: []Edit{{
			Find:    "\tif _, ok := g.members[user]; !ok && (!add || g.banned(ctx, user)) {\n",
			Replace: "\tif _, ok := g.members[user]; !ok && !add {\n",
		}},
		Runs: []string{"mixed"},
	},
	{
		Name: "channel-delete-not-applied",
		Bug:  "a deleted channel's viewers get CHANNEL_DELETE, but the channel stays: it takes posts and fans them out to its old viewers",
		File: "system/guild/admin.go",
		Edits: []Edit{{
			Find:    "\tp.channels[ch].Deleted = true\n",
			Replace: "",
		}},
		Runs: []string{"mixed"},
	},
	{
		Name: "relay-ignores-overwrites",
		Bug:  "a relay keeps the policy it started with: channel overwrites (and role permissions) changed later do not reach its fanout",
		File: "system/guild/relay.go",
		Edits: []Edit{{
			Find:    "\tcase relayPolicy:\n\t\tr.pol = m.pol\n",
			Replace: "\tcase relayPolicy:\n",
		}},
		Runs: []string{"mixed:fanout=relays"},
	},
	{
		Name: "member-roles-change-ignored",
		Bug:  "the guild drops MemberSetRoles: a member whose role was revoked keeps seeing the role's channels",
		File: "system/guild/guild.go",
		Edits: []Edit{{
			Find:    "\tcase MemberSetRoles:\n\t\tg.setMember(ctx, m.User, m.Roles, false)\n",
			Replace: "\tcase MemberSetRoles:\n",
		}},
		Runs: []string{"mixed"},
	},
	{
		Name: "edit-needs-manage-messages",
		Bug:  "the guild asks MANAGE_MESSAGES for an edit, refusing members the edit of their own messages",
		File: "system/guild/lifecycle.go",
		Edits: []Edit{{
			Find:    "\tch, _, err := g.allowed(m.User, m.Channel, PermViewChannel)\n\tif err != nil {\n\t\tg.reject(ctx, m.Request, err)\n\t\treturn\n\t}\n\tc := &change{request: m.Request, event: EventMessageUpdate,",
			Replace: "\tch, _, err := g.allowed(m.User, m.Channel, PermViewChannel|PermManageMessages)\n\tif err != nil {\n\t\tg.reject(ctx, m.Request, err)\n\t\treturn\n\t}\n\tc := &change{request: m.Request, event: EventMessageUpdate,",
		}},
		Runs: []string{"lifecycle"},
	},
	{
		Name: "relay-delete-skips-permissions",
		Bug:  "a relay dispatches MESSAGE_DELETE to all its sessions without the VIEW_CHANNEL check",
		File: "system/guild/relay.go",
		Edits: []Edit{{
			Find: "\tfanoutTo(ctx, &r.em, r.pol, r.sess, func(u uint64) []uint64 { return r.members[u].roles }, m.ch, m.d, m.unread, m.mentions)\n",
			Replace: "\tif m.d.Event == EventMessageDelete {\n\t\tr.em.begin(m.d)\n\t\tfor _, s := range r.sess {\n\t\t\tr.em.to(s.node, s.pid)\n\t\t}\n\t\tr.em.end(ctx)\n\t\treturn\n\t}\n" +
				"\tfanoutTo(ctx, &r.em, r.pol, r.sess, func(u uint64) []uint64 { return r.members[u].roles }, m.ch, m.d, m.unread, m.mentions)\n",
		}},
		Runs: []string{"lifecycle:fanout=relays"},
	},
	{
		Name: "setting:consistency=one",
		Bug:  "legitimate but unsafe: guilds write at consistency ONE",
		Runs: []string{"partition-during-send:consistency=one"},
	},
	{
		Name: "setting:store-sync=periodic",
		Bug:  "legitimate but unsafe: storage nodes sync their commit log every 10 s (Cassandra's default)",
		Runs: []string{"swarm:store-sync=periodic"},
	},
	{
		Name: "setting:timestamps=coordinator-clock",
		Bug: "legitimate but unsafe: the store stamps edits, deletes and reactions with the coordinator's clock as is (Cassandra's way), " +
			"and store-1's clock runs 20 s behind when the guilds move to it",
		Runs: []string{"lifecycle:timestamps=coordinator-clock:faults=clock-skew store-1 -20s at +0s for 29s; crash store-0 at +8s for 4s"},
	},
}
