package gateway

// CoverageSites are the gateway's coverage sites (sim.Sometimes,
// sim.Reachable): the rare protocol paths a planted bug could hide on,
// which some run of a sweep must reach. A test of system/deploy checks
// that this list and the calls in the code name the same sites.
var CoverageSites = []string{
	"gateway/closed-4008-rate-limited",          // a client sent more than EventsPerWindow payloads and was closed with 4008
	"gateway/closed-4009-heartbeat-timeout",     // a connection without a heartbeat for interval + grace closed with 4009 (a zombie from the gateway's side)
	"gateway/guild-unavailable-on-node-down",    // a guild's node went down and the session dispatched GUILD_DELETE (unavailable)
	"gateway/identify-concurrency-limited",      // an Identify refused by max_concurrency: Invalid Session
	"gateway/identify-or-resume-timed-out",      // the identify limiter or the resumed session did not answer in time: Invalid Session
	"gateway/resume-honoured",                   // a resume replayed the missed events and sent RESUMED
	"gateway/resume-honoured-at-buffer-bound",   // a resume honoured after exactly ResumeBufferEvents missed events (the largest replay allowed)
	"gateway/resume-honoured-near-buffer-bound", // a resume honoured after at least 90% of ResumeBufferEvents missed events
	"gateway/resume-refused-past-buffer",        // a resume refused because the replay buffer no longer covers the gap (Invalid Session, session ended)
	"gateway/resume-replaced-zombie-connection", // a resume arrived while the session still held its old connection, which it closed
	"gateway/resume-unknown-session",            // a resume named a session that expired, ended or died with its node
	"gateway/session-drained",                   // a gateway node drained: its sessions were told to reconnect (op 7)
	"gateway/session-expired",                   // a detached session ended after ResumeWindow without a resume
}
