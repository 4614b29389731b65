package client

// CoverageSites are the client's coverage sites (sim.Sometimes,
// sim.Reachable): the rare paths a planted bug could hide on, which some
// run of a sweep must reach. A test of system/deploy checks that this list
// and the calls in the code name the same sites.
var CoverageSites = []string{
	"client/backfill-after-resync",          // a GUILD_CREATE came again for a guild: the client read the history it missed (Config.Backfill)
	"client/closed-4009-by-gateway",         // the gateway's 4009 close reached the client (asked: every 4007/4009 close)
	"client/dial-refused-or-timed-out",      // a dial refused or timed out: the client moves to another gateway node
	"client/invalid-session-identify-again", // Invalid Session (not resumable): the client forgot its session and identifies again
	"client/op7-reconnect",
	"client/reconnect-by-hand",          // the user dropped a ready connection and connected again (a reconnect loop)                  // the gateway asked the client to reconnect (op 7)
	"client/resume-sent",                // the client sent Resume on a new connection
	"client/send-timed-out",             // a post got no answer within SendTimeout: its outcome is unknown (asked: every answered or timed-out post)
	"client/zombie-connection-detected", // a heartbeat went unacknowledged: the client called the connection a zombie
}
