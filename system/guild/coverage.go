package guild

// CoverageSites are the guild's coverage sites (sim.Sometimes,
// sim.Reachable): the rare paths a planted bug could hide on, which some
// run of a sweep must reach. A test of system/deploy checks that this list
// and the calls in the code name the same sites.
var CoverageSites = []string{
	"guild/banned-user-not-added",                // a MemberAdd of a banned user was ignored
	"guild/channel-deleted-with-requests-queued", // a channel deleted while posts or changes of it awaited the store
	"guild/channel-overwrites-changed",           // an existing channel's permission overwrites changed while the guild ran
	"guild/channel-unread-to-passive",            // passive sessions got CHANNEL_UNREAD instead of MESSAGE_CREATE
	"guild/id-minted-ahead-of-clock",             // a snowflake minted ahead of the node's clock (the clock went back, or a restart's reservation floor)
	"guild/lost-session-rejoined",                // a session the guild lost touch with joined again (GUILD_CREATE resync)
	"guild/member-removed-while-online",          // a member removed while a session of theirs was in the guild
	"guild/pin-refused-without-permission",       // a pin or unpin refused: the member lacks MANAGE_MESSAGES (or VIEW_CHANNEL, READ_MESSAGE_HISTORY)
	"guild/post-failed-in-store",                 // the store failed a post (timeout, unavailable): MessageRejected
	"guild/post-refused-by-checks",               // a post refused before the store: not a member, unknown channel or not permitted
	"guild/relay-node-down",                      // the link to a relay's node broke and its sessions were set aside to rejoin
	"guild/relay-roles-refreshed",                // a relay's copy of a member's roles updated while it held a session of theirs
	"guild/restart-found-id-floor",               // a guild process started and found an ID reservation on disk: it mints above it
	"guild/store-acked-out-of-queue-order",       // the store acknowledged a later write of a channel before an earlier one: the queue held it back
}
