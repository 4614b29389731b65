// Package guild is guildsim's guild layer (reference §2): one process per
// guild, placed on guild nodes by a consistent-hash ring, that owns the
// guild's members, roles, channels and permission overwrites and its online
// sessions; that posts messages through the store; and that fans each event
// out to the sessions allowed to see it, by one of several strategies that
// scenarios compare.
//
// # The processes
//
//   - Guild (guild.go), one per guild, registered as ProcessName(id) on the
//     node Placement.NodeOf(id) gives (placement.go: store.Ring, 256 virtual
//     nodes per guild node). Started by Cluster.BootGuildNode from the
//     Directory (spec.go), the world's guild data at start.
//   - relay host and relays (relay.go): one host per guild node, registered
//     as RelayHostName, starts a guild's relays there and forwards the
//     guild's messages to them.
//   - partitioner and workers (pernode.go): one partitioner per gateway
//     node, registered as PartitionerName, with Options.Workers workers,
//     started by the boot function Cluster.BootGatewayNode wraps around
//     gateway.Boot's.
//   - Hooks (hooks.go) run inside gateway sessions (gateway.Options.Hooks):
//     they tell guilds about sessions and forward op 14.
//
// # The life of a session in a guild
//
//  1. A client identifies; the gateway runs Hooks.Identified, which lists
//     the user's guilds in READY and sends each guild SessionJoin{session
//     PID, gateway node, user}.
//  2. The guild checks membership (its own member map is the truth, not
//     the directory), monitors the session PID (a gateway node crash gives
//     no Ended; the Down does), and sends GUILD_CREATE (gateway.Deliver)
//     along the session's delivery path (below). In a guild with more
//     members than Options.PassiveThreshold the session starts passive.
//  3. The user opens the guild: the client sends op 14
//     (gateway.OpGuildSubscriptions, client.OpenGuild); the gateway hands
//     it to Hooks.ClientOp (gateway.ClientOpHooks), which sends SessionOpen;
//     the session becomes active.
//  4. The session ends (Hooks.Ended: SessionLeave) or dies (sim.Down): the
//     guild drops it. A Down for a broken link (noconnection: the session
//     may be alive) keeps it aside: every 5 s the guild joins it again
//     (monitor, GUILD_CREATE) until it answers or 3 minutes pass (guild.go,
//     rejoinEvery).
//
// # The life of a message
//
//  1. The API edge sends CreateMessage{Request, Channel, Author, Content,
//     Nonce, Mentions}. The guild checks that the author is a member, the
//     channel exists, and the author has VIEW_CHANNEL and SEND_MESSAGES
//     there (perms.go: Discord's order: @everyone, roles OR'd,
//     administrator bypass, then the channel's @everyone overwrite, its role
//     overwrites together, the member's overwrite; no VIEW_CHANNEL, no
//     permissions). A refusal is MessageRejected with ErrNotMember,
//     ErrUnknownChannel or ErrNotPermitted.
//  2. It assigns the snowflake with its own store.Generator from its
//     node's clock (see "Message IDs"), and writes the message with that ID
//     through its store.Client at QUORUM. Messages of one channel wait for
//     the ones before them (a per-channel queue), so they are acknowledged
//     and fanned out in request order, which is ID order: the IDs were
//     minted in request order, whatever the store does afterwards (the
//     client failing over to another coordinator, a partition holding one
//     write back while a later one is stored, clocks that disagree between
//     coordinators).
//  3. When the store acknowledges: MessageCreated{Request, ID, Nonce} to
//     the sender, then the fanout. A store error is MessageRejected wrapping
//     ErrStore and the store's error (for a timeout the outcome is unknown).
//  4. Fanout: each online session whose user may VIEW_CHANNEL gets
//     MESSAGE_CREATE if it is active or its user is mentioned; a passive
//     session gets CHANNEL_UNREAD, once per channel until the user opens the
//     guild. Member and permission changes (MemberAdd, MemberRemove,
//     MemberSetRoles, RoleSetPermissions, ChannelSetOverwrites, MemberBan,
//     MemberUnban, ChannelDelete; admin.go) apply from the next message the
//     guild fans out. MemberRemove and MemberBan are answered MemberRemoved
//     once applied; a banned user's MemberAdd is ignored until MemberUnban;
//     a new channel is announced with CHANNEL_CREATE, a deleted one with
//     CHANNEL_DELETE, after which it refuses posts and changes
//     (ErrUnknownChannel) and fans nothing out; its ID is never reused.
//     TriggerTyping (VIEW_CHANNEL and SEND_MESSAGES) dispatches
//     TYPING_START to the channel's viewers, unanswered.
//  5. The lifecycle after create (lifecycle.go): EditMessage (one's own),
//     DeleteMessage (one's own, or with MANAGE_MESSAGES), BulkDelete
//     (MANAGE_MESSAGES; one store delete per message, so a bulk delete may
//     partly succeed), AddReaction/RemoveReaction and PinMessage
//     (MANAGE_MESSAGES) are checked, written through the store (a point read,
//     then a last-write-wins write) and dispatched through the channel's
//     queue after its earlier requests: MESSAGE_UPDATE (a pin too, with
//     pinned), MESSAGE_DELETE, MESSAGE_DELETE_BULK, MESSAGE_REACTION_ADD and
//     MESSAGE_REACTION_REMOVE.
//
// # Fanout strategies (Options.Fanout, combinable as noted)
//
//   - FanoutDirect: the guild sends one Deliver per session and declares
//     SendCost (50 µs: send/2 cost 30-70 µs in 2017) per send. At 100,000
//     sessions that is 5 s of the guild's CPU per message: the guild is the
//     bottleneck, as in the 2017 figures (30,000 sessions: 0.9-2.1 s).
//   - FanoutPerNode (Manifold): the guild groups recipients by gateway node
//     (RecipientCost each) and sends one NodeBatch per node to that node's
//     partitioner, which splits it among Workers workers by a hash of the pid;
//     the workers make the per-session sends in parallel on the node's
//     schedulers.
//   - FanoutRelays: sessions are assigned to relays of at most
//     RelayCapacity (15,000) sessions, spread round the guild nodes; the
//     guild sends each event once per relay; a relay holds only its
//     sessions and their members' roles, checks permissions and sends.
//     Member and policy changes reach the relays before the next message.
//     RelaysPerNode makes relays send per node through the partitioners
//     (relays + Manifold).
//   - Passive sessions (PassiveThreshold > 0) combine with each of them.
//
// Every process that sends to many sessions (guild, relay, worker) sends in
// chunks of SendChunk per handler run, declaring SendCost per send, and
// continues with a message to itself (fanout.go): the k-th send leaves
// about k * SendCost after the first, so latency grows with the queue as it
// does on a real scheduler, and other messages are handled in between.
//
// # Message IDs
//
// The guild assigns message snowflakes (the reference: "check permission,
// assign a snowflake, persist through the store, acknowledge the sender, fan
// out"). Each guild process owns a store.Generator fed by its node's clock
// (ctx.Now()), so one generator mints every ID of a channel (a channel
// belongs to exactly one guild) and IDs increase in request order. The
// generator's rules cover the guild's own clock: it never goes backwards
// when the clock jumps back (it keeps the last millisecond and increments),
// so only the IDs' timestamps suffer, never their order.
//
// Worker and process fields (BootGuildNode): worker = the guild node's index
// in Options.GuildNodes mod 32, process = how many guild processes that node
// has started before this one, earlier incarnations included, mod 32. IDs
// are therefore unique across all guild processes as long as there are at
// most 32 guild nodes and each node starts at most 32 guild processes in its
// life (restarts included); beyond that two generators can share the 10
// bits, and could mint one ID in the same millisecond with the same
// increment. For the store only uniqueness within a channel matters, which
// holds whatever the bound (one guild, one generator per incarnation); the
// bound matters to whoever maps IDs to channels globally (the scenarios'
// checkers). A restarted guild gets new process bits, which rules out reuse
// within the bound, and keeps its IDs growing whatever its clock says: it
// mints only above a reservation its previous incarnation persisted (the
// millisecond of its newest ID plus 10 s, written and synced before an ID
// past the old reservation is used; boot.go, idReserveAhead).
//
// Fault budget: the reservation is on the guild node's own disk and
// nowhere else, so the promise holds only while that disk keeps what it
// synced. A guild node that crashes while its disk lies about syncs (or
// within 10 s after: the next reservation may not have been written yet)
// restarts with an older reservation, and if its clock went back it mints
// IDs below ones it acknowledged: swarm seed 6632 (disk lying from +19.5 s,
// clock jumped back 7.5 s at +21.5 s, crash at +22.1 s) acknowledged a
// message at +21.26 s with a larger ID than one sent at +25.31 s. No guild
// node may lose state; swarm refuses such a crash (faults.Budget,
// SoleCopy). Surviving it would take a reservation kept off the node
// (in the store, or the channel's newest ID read back at QUORUM after a
// restart before minting).
//
// # What it promises
//
//   - Per-session order: events from one guild reach a session in the order
//     the guild emitted them, under every strategy. Each session has exactly
//     one delivery path for its whole life (guild -> session; guild ->
//     partitioner of its node -> the worker its pid hashes to -> session; guild ->
//     relay host -> its relay [-> partitioner -> worker] -> session).
//     Every hop is FIFO: sim keeps process messages between two nodes in
//     send order and delivers local sends at once in order, and each process
//     handles one message at a time in arrival order and sends its jobs
//     first-in first-out. GUILD_CREATE travels the same path, so it comes
//     first. TestFanout checks it over seeds for every strategy.
//   - Per channel, MESSAGE_CREATE goes out in ID order, and the IDs acked to
//     senders increase in request order (IDs minted by the guild in request
//     order, released by the per-channel queue, above).
//     TestStoreFailoverIDOrder checks it across a coordinator failover.
//   - Nobody who may not VIEW_CHANNEL gets a channel's message; a change
//     that takes the permission away applies from the next message.
//   - Every bound is an option: RelayCapacity, MaxRelays, MaxPendingWrites,
//     SendChunk, Workers.
//
// # Measured (BenchmarkFanout100k, BenchmarkMemoryPerMember)
//
// One message to 100,000 online sessions (10 gateway nodes, 4 guild nodes,
// 4 schedulers each), delivery latency p50 / p99 / max, process messages
// over the network, guild CPU:
//
//	direct             2.60 s / 5.05 s / 5.12 s   100,008   5.10 s
//	per-node            67 ms / 128 ms / 133 ms        18   0.10 s
//	relays             373 ms / 758 ms / 766 ms   100,014   0.36 ms
//	relays+per-node     67 ms / 128 ms / 133 ms        51   0.36 ms
//	direct, passive, 10% opened:  352 ms / 597 ms / 601 ms (10,000 sessions), 0.60 s
//	relays, passive, 10% opened:   52 ms /  91 ms /  92 ms (10,000 sessions), 0.36 ms
//
// Per-node is bound by the gateway nodes' workers (10,000 sessions x 50 µs
// over 4 workers = 125 ms), relays by the largest relay (15,000 x 50 µs =
// 750 ms), direct by the guild itself (100,000 x 50 µs = 5 s).
//
// An online member (client, connection, session, member and session
// entries, their records) costs ~2.46 KB of heap at 100,000 online (2.22 KB
// of it the client, connection and session without guilds): 1M online would
// need ~2.5 GB.
//
// # Buggify
//
// One site (sim's Ctx.Buggify, on only in runs with buggify):
// "guild/send-chunk-short" cuts a send chunk short, in the guild, a relay or
// a per-node worker alike (they share the emitter): the process yields
// after 1 to SendChunk-1 sends and the rest of the job waits behind what
// reached its mailbox meanwhile. Jobs stay FIFO, so every ordering promise
// above still holds; the site shows it does.
//
// # Not built yet
//
//   - Relays are never rebalanced. A broken link between a guild and a
//     relay's node (a crash, a long partition) makes the relay exit (it
//     watches the guild's node) and the guild start it afresh on the next
//     message, its sessions joining again (guild.go, relayNodeDown).
//   - A guild node crash loses its guilds until the node restarts (no
//     handoff to the ring's next node). Sessions watch their guilds' nodes
//     (GUILD_CREATE names it): when the link breaks they send GUILD_DELETE
//     (unavailable) to the client and ask to join again every 5-20 s until
//     the guild's GUILD_CREATE comes (gateway.JoinRetryHooks).
//   - MemberAdd does not send GUILD_CREATE to the new member's sessions
//     already online (no user -> sessions registry yet).
//   - Unread state is a per-session bit per channel (channels past 63 share
//     a bit), not Discord's read states; there is no mention count.
package guild
