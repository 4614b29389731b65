// Package client simulates user devices and bot shards that speak the
// gateway protocol the way real client libraries do (discord.py here, with
// the Discord docs where they differ), and records what each one did and saw
// for the checkers.
//
// # The life of a client
//
//  1. Start dials its Device's gateway (an entry of Config.Gateways, chosen
//     by the scenario). The connection up, Hello gives the interval; the
//     first heartbeat comes after interval * jitter, jitter uniform in
//     [0, 1) from the client's own random stream, then one per interval,
//     each carrying the last s received.
//  2. With a session from an earlier connection it sends Resume, otherwise
//     Identify. READY gives the session ID, the resume_gateway_url and s = 1;
//     RESUMED ends a replay. Either resets the reconnect backoff.
//  3. Dispatches are deduplicated by s: one with s at or below the last
//     seen is recorded as a duplicate and dropped, so a checker sees each
//     event once per session, in order.
//  4. A heartbeat whose predecessor was never acknowledged means a zombie
//     connection: the client closes it with 4000 and resumes on a new one.
//  5. Reconnecting:
//     - op 7 Reconnect: close with 4000, remember the node as one to avoid,
//     and resume, dialling the resume_gateway_url unless it is that node,
//     else the next listed gateway;
//     - op 9 d=true: close and resume; d=false: forget the session, close
//     with 1000, wait uniform 1-5 s, reconnect and Identify;
//     - a close code that says do not reconnect (4004, 4010-4014): record
//     it and exit;
//     - a resumable close code: resume; 4007 or 4009: a new session; 1000 or
//     1001 from the server: a new session on the next node after a backoff;
//     - a refused or timed-out dial, a reset, a stream timeout, a drop
//     without a code: back off, then resume if there is a session.
//     Reconnects the protocol asks for on a healthy connection (one that
//     reached READY or RESUMED) are immediate, as discord.py's
//     ReconnectWebSocket path is; every other wait is discord.py's
//     ExponentialBackoff: uniform(0, base * 2^exp), exp growing by one per
//     attempt up to 10, reset by READY or RESUMED. A connection that never
//     brings Hello is abandoned after HelloTimeout (60 s).
//
// # Recording
//
// Clients share a Recorder: fixed-size 40-byte records (kind, true time,
// client, gateway node, s, event or session ID, event name index) in chunked
// slices without pointers, so a million clients' logs cost a few bytes per
// event and nothing for the garbage collector to scan. Time is true virtual
// time from a clock the world hands the Recorder (NewRecorder(w.Now)): a
// client's own clocks are skewed and drifted by faults, and the checkers
// need one time line. Heartbeats are recorded only on request.
//
// # Buggify
//
// Two sites (sim's Ctx.Buggify, on only in runs with buggify), each a draw
// the real client can make:
//   - "client/backoff-max": a reconnect backoff takes the top of its
//     window, base * 2^exp, instead of a uniform draw from it.
//   - "client/heartbeat-late": a heartbeat leaves up to 5 s late (a blocked
//     event loop), within the gateway's 10 s grace; the next beat keeps its
//     time.
//
// # Acting as a user (api.go)
//
// A scenario sends the client process what its user does:
//   - SendMessage{Guild, Channel, Content, Nonce}: a post, sent to the guild's
//     process (standing for the HTTP API); recorded KindSend, then
//     KindSendAck with the stored ID, or KindSendFailed (rejected, timed out
//     after Config.SendTimeout: outcome unknown, or refused by the client's
//     own MaxPendingSends bound).
//   - ReadHistory{Channel, Limit, Consistency}: the latest page from the
//     store (at QUORUM unless Consistency says otherwise);
//     recorded KindHistory and a KindHistoryMessage per message, newest
//     first.
//   - OpenGuild{GuildID}: op 14, which turns the guild's passive session
//     active (system/guild).
//   - EditMessage, DeleteMessage, BulkDelete, AddReaction, RemoveReaction,
//     PinMessage (lifecycle.go): sent to the guild like posts; recorded as
//     the request's kind, then KindChangeAck or KindChangeFailed (ID: why;
//     SendNotPermitted when refused for membership or permissions, which
//     means it surely did not happen). The client keeps a local view of
//     the channel (Config.LocalView).
//   - StartTyping, SetStatus, Reconnect (chatty.go): a typing indicator, an
//     op 3 status change (past the gateway's 120 a minute it closes with
//     4008), and dropping the connection to resume or to start a new
//     session; a new session asked for while not connected is owed, and
//     the next connection identifies.
//
// An answer that comes after the client's timeout is recorded only
// (KindLateAck: the request did happen, by then), for checkers.
//
// Backfill (backfill.go, Config.Backfill): when a guild's GUILD_CREATE
// comes again (a resync), the client reads each channel it lists after the
// newest message it had seen there, page by page (at most
// BackfillMaxPages), recorded as KindBackfill pages; a failed read is read
// again after a backoff (0.5 s doubling to 8 s) until it succeeds, a newer
// GUILD_CREATE starts a new pass, or the session ends.
//
// The state for posts and reads is allocated on first use, so clients that
// never post cost nothing more. Presence and voice come with the layers that
// serve them.
package client
