// Package check holds guildsim's checkers (reference §5): pure functions
// from what the clients recorded (a History, filled from a client.Recorder
// by FromRecorder) and what the scenario itself knows (a Truth) to a
// Verdict. They never look at system state: a checker that asked the store
// what it holds would share the store's bugs.
//
// # Results
//
// Every checker returns a Verdict whose Result has three values, as
// Porcupine's: Ok, Illegal (Detail explains the first violation: who, what,
// when in true virtual time, printed in nanoseconds) or Unknown (the
// checker could not decide: a search timed out, the recorder dropped
// records, or the run did not record what the checker needs). Unknown is
// never a pass; a runner reports it as such.
//
// # The life of a message, as the checkers see it
//
//  1. A client posts: KindSend (Seq: nonce, ID: channel) at the true time it
//     sent. The guild answers: KindSendAck (Seq: nonce, ID: message ID), or
//     KindSendFailed. A timeout, a rejection (a store error may still have
//     written some replicas) or no answer at all is an unknown outcome;
//     SendRefused means it was never sent. A dispatch does not carry its
//     channel, so every checker derives message -> channel from the
//     sender's KindSend and KindSendAck with the same nonce; a message whose
//     send was not acknowledged has no known channel and is judged only by
//     Porcupine (as an orphan, below).
//  2. The guild fans MESSAGE_CREATE out; each client records KindDispatch
//     (ID: the message ID, Name: "MESSAGE_CREATE") and, for replays it has
//     seen, KindDuplicate.
//  3. The scenario asks clients to read history (client.ReadHistory); it
//     passes what it asked, when, as History.Reads, because the client
//     records only the page (KindHistory, then KindHistoryMessage per
//     message, newest first).
//
// # The checkers
//
//   - Linearizable (linearizable.go and msglog.go): first the real-time
//     rule, exactly: for any two acknowledged sends A and B of one channel
//     with A's ack before B's send, ID(A) < ID(B) (Illegal names both
//     messages and their times). Then Porcupine: sends and reads,
//     partitioned by channel, against the channel as a sorted set of IDs,
//     as clients show it (sorted by snowflake): an acknowledged send
//     inserts its ID wherever it sorts (illegal only if the ID is already
//     there), so a message minted earlier but stored later may appear
//     below newer ones, as long as its send was concurrent with theirs. A
//     send of unknown outcome is a call that never returns: its ID is
//     known when the sender's own MESSAGE_CREATE echoed its nonce
//     (KindSendEcho); otherwise its message, if stored, is an orphan (a
//     read ID nobody acknowledged or echoed, with the author reads
//     report), inserted no earlier than its author's first unanswered send
//     in the channel; more orphans of an author than its unanswered sends
//     is Illegal at once. A read returns the set's newest Limit IDs (all
//     of them if fewer). Reads whose page was not full are snapshots of
//     the whole log; they bound where each send can go (sizes and
//     subsets), which prunes the search without changing its answer
//     (TestBoundsKeepVerdicts). On Illegal it writes Porcupine's HTML for
//     the failing channel only, bounded by MaxVisualizedOps.
//   - NoAckedMessageLost: every acknowledged message is in the final reads
//     (called after the heal and after its ack) that reach back to it.
//   - SessionOrder: each session sees each channel's messages in ID order,
//     duplicates removed by ID, with no gap, across resumes too; and never
//     gets an event s again (a resume replays strictly after the client's
//     s). A GUILD_CREATE again (the guild lost the session to a broken link
//     and joined it again) restarts that guild's channels.
//   - Authorized: nobody receives a message from a channel its user could
//     not see while the message was created.
//   - Liveness: after the heal, no online client stays disconnected longer
//     than the bound, and messages sent after the heal reach every online
//     client that should get them within the bound.
//   - GatewayProtocol (gateway.go): three rules of the gateway, from the
//     records and Truth.Gateway (the gateway's options, each client's node,
//     the fault log as one-way cuts and node faults), never from gateway
//     state. (1) Heartbeat timeout: when traffic from a client's node to
//     the gateway node it is attached to is cut for at least
//     HeartbeatInterval + HeartbeatGrace + 5 s (D), the client records the
//     end of that connection within D of the cut's start (the gateway's
//     4009, or an earlier end of its own); judged only when no other fault
//     touched that link or either node from 3 min before the cut to its
//     deadline. (2) A resume is honoured when it should be: a client's
//     first Resume after it last heard from its session (at a), sent to
//     the session's node by a + ResumeWindow - 45 s, with that node never
//     crashed since the READY, no op 7 from it, no cut from the client's
//     node to it and no other fault of either node from a - 3 min, and at
//     most ResumeBufferEvents/2 posts in channels the user may see sent
//     from a - 60 s to the Resume, is not answered Invalid Session
//     (d=false). (3) A replay is bounded: between a Resume and its
//     RESUMED a client receives at most ResumeBufferEvents events.
//
// # What a runner must record for Ok rather than Unknown
//
//   - The whole log: Recorder.Dropped() == 0.
//   - History.Reads: every read it asked, with its channel, limit and true
//     time, at most one in flight per client; and final reads of every
//     channel, issued after the heal and after the last acknowledgement,
//     with channels short enough (<= the page limit, 100) that the page
//     reaches every message (NoAckedMessageLost).
//   - Truth.UserOf and Truth.Access for SessionOrder, Authorized and
//     Liveness; Truth.Receives when some sessions are passive; Truth.Online
//     when some clients are meant to be offline.
//   - Truth.HealedAt, LivenessBound and an EndAt at least LivenessBound after
//     the heal and after the last post it wants judged (Liveness).
//   - Truth.Gateway with the gateway's options, every client's node and
//     every fault of the run (GatewayProtocol); a fault left out could make
//     a legitimate outcome look like a violation.
//
// # Limits
//
// Porcupine's search is NP-hard: LinearizableOptions.Timeout bounds it.
// The real-time rule (ackOrder) is O(n log n) per channel and runs first,
// so its violations are reported even when the search would time out.
// The invariant checkers are linear in the records, apart from a sort per
// channel.
package check
