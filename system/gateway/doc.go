// Package gateway is the server side of Discord's gateway protocol
// (reference §1): gateway nodes that accept client connections, one session
// process per connection, heartbeats, Identify with its limits, READY,
// dispatch with sequence numbers, Resume with replay, Invalid Session, close
// codes, and draining a node with op 7. Payloads are Go values with the real
// opcodes, event names and fields (protocol.go), each with a byte estimate.
//
// # The processes
//
//   - listener (listener.go), one per gateway node, registered as
//     ListenerName: owns the port, spawns a session process per accepted
//     connection and hands the connection to it; keeps the node's table of
//     session processes for Drain.
//   - session (session.go), one per connection; once identified it is the
//     session, and it outlives its connection for Options.ResumeWindow.
//   - identify limiter (limits.go), one per cluster, registered as
//     LimiterName on Options.LimiterNode (a gateway node via Boot, or a
//     control node via BootLimiter): the 1000-per-24-h budget per token and
//     one Identify per max_concurrency bucket (shard_id % max_concurrency) per
//     5 s. Both limits are per token wherever the shards connect, so only a
//     cluster-wide process enforces them; sessions ask it by a process
//     message and fail closed (Invalid Session) if it does not answer.
//
// # The life of a connection
//
//  1. A client dials a gateway node's port. The listener spawns a session
//     process, hands it the connection; the session sends Hello with
//     heartbeat_interval (41.25 s) and expects a heartbeat within
//     interval + HeartbeatGrace of it, and of every heartbeat after.
//  2. Identify: the token is looked up in Options.Tokens (unknown: 4004),
//     the shard (4010) and intents (4013, 4014) are checked, and the limiter
//     is asked. Over the concurrency limit: op 9 Invalid Session (d=false),
//     as Discord documents; budget spent: 4004.
//  3. Admitted: the session draws a session ID, registers it as its name on
//     the node, runs Hooks.Identified (the seam for guilds) and sends READY
//     (s = 1) with session_id, resume_gateway_url (this node and port),
//     user, shard, and, as a simulation-only field, the session's PID.
//  4. Dispatch: any process sends the session Deliver{Event, Data, Size}.
//     The session gives it the next s (strictly increasing for the session's
//     whole life, across resumes), keeps it in its bounded replay buffer and
//     sends it if a connection is attached. A heartbeat's d (the client's
//     last s) trims the buffer.
//  5. Every client payload counts against 120 per 60 s on the connection
//     (one more: 4008); a payload over 4096 bytes closes with 4002; an
//     unknown opcode 4001; anything but heartbeats before Identify 4003; a
//     second Identify 4005. A missed heartbeat deadline closes with 4009 and
//     ends the session (4009 means "start a new session").
//     Op 14 (OpGuildSubscriptions: a user client opening a guild) from an
//     identified session goes to Hooks that implement ClientOpHooks; the
//     gateway does not interpret it.
//  6. The connection ends. A client close with 1000/1001 ends the session;
//     any other end (another code, a reset, a timeout, a resumable server
//     close) detaches it: it keeps buffering dispatches for ResumeWindow.
//  7. Resume arrives on a new connection, at a fresh session process. The
//     session ID names the node holding the session; on any other node the
//     answer is Invalid Session at once. On the right node the fresh process
//     finds the session by name and asks it (resume.go): wrong token, or the
//     session draining: Invalid Session; s beyond the last sent: 4007; the
//     buffer no longer covers everything after s: Invalid Session and the
//     session ends. Otherwise the connection is handed over, the session
//     replays exactly the events after s, in order, then RESUMED.
//  8. Drain (drain.go): op 7 to every connected client, the port closed,
//     connections closed DrainCloseDelay later. Sessions never move between
//     nodes, so a drained node's clients resume elsewhere, get Invalid
//     Session and identify there.
//
// # What it promises
//
//   - Per session, dispatches carry s = 1, 2, 3, ... with no gap and no
//     repeat; a successful resume delivers every event after the client's s
//     exactly once before RESUMED; if that cannot be done the client is told
//     (Invalid Session or 4007), never silently skipped.
//   - Every buffer is bounded by a named option: replay buffers by
//     ResumeBufferEvents, sessions per node by MaxSessionsPerNode, mailboxes
//     by sim's limit; a detached session lives at most ResumeWindow.
//   - The gateway imports only sim. Layers above it (guilds, presence) use
//     Hooks to learn of sessions and Deliver to reach them; a crash of a
//     gateway node kills its sessions without Hooks.Ended, so those layers
//     should also monitor the session PIDs.
//
// # Buggify
//
// One site (sim's Ctx.Buggify, on only in runs with buggify):
// "gateway/heartbeat-ack-late" holds a heartbeat's ACK back by up to half
// the heartbeat interval, on the same connection: dispatches overtake it,
// and the client, which wants the ACK before its next beat, never calls the
// connection a zombie for it alone.
//
// Figures from the reference are cited where they are used; choices the
// reference does not settle are marked GUESS in Options: the heartbeat grace
// (10 s), the resume window (3 min), the replay buffer (500 events), the
// limiter's cost and timeout, the drain delay (5 s), and the fixed 60 s
// window of the event limit.
package gateway
