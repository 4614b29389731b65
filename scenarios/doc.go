// Package scenarios is guildsim's scenario catalogue (reference §5): each
// scenario names a topology, a workload, a fault schedule, a fanout strategy
// and its checkers; Run builds the world for one seed, runs it and judges
// what the clients recorded with scenarios/check.
//
// # The life of one run (Run)
//
//  1. Options: the caller's, zero fields from the scenario's Defaults, then
//     from baseOptions; Validate names the option out of range.
//  2. build (world.go): a control node (identify limiter), StoreNodes
//     storage nodes (replica + coordinator), GuildNodes guild nodes,
//     GatewayNodes gateway nodes (with partitioners), one client node per
//     region and a driver node (the API edge, for membership changes),
//     spread round robin over the regions. Guild g has Channels channels
//     (channel 0 private to a role held by every other member) and Members
//     members, a quarter shared with the next guild. OnlinePercent of the
//     users, drawn from the seed, get a client. check.Access is filled from
//     the same rules: the scenario's ground truth, never system state.
//  3. Workload (SteadyChat unless the scenario has its own): every post and
//     read is planned before the run as a world action, drawn from a stream
//     derived from (seed, scenario name). A client has at most one read in
//     flight (readSpacing), each channel gets at most MaxPerChannel posts,
//     so one page (100) is the whole channel.
//  4. Final reads: two per channel, finalReadDelay after the last post
//     (after every acknowledgement, as NoAckedMessageLost needs).
//  5. Warmup, then the fault schedule applied (faults.Apply), the safety
//     phase, faults.Log.HealAll, the liveness phase and the final reads.
//  6. check.FromRecorder and check.Truth (UserOf, Access, HealedAt,
//     LivenessBound, EndAt, Receives when some clients are not meant to get
//     MESSAGE_CREATE), every checker, and per-delivery latencies.
//
// Runs are deterministic: the same scenario, seed and options give the same
// Result.Fingerprint (TestDeterminism). Workload and faults draw from their
// own derived streams, so changing one leaves the other's draws alone.
//
// # The catalogue (catalogue.go)
//
// chat-basic, partition-during-send, gateway-node-crash,
// zombie-connections, clock-skew-snowflakes, hot-channel, celebrity-join,
// swarm. `go test ./scenarios` runs each for 3 seeds and requires every
// checker to say Ok; GUILDSIM_SEEDS=100 go test ./scenarios -run Seeds -v
// runs RunSeeds for 100 seeds each and prints pass/fail/unknown counts;
// GUILDSIM_SCENARIO=x GUILDSIM_SEED=n go test ./scenarios -run TestReplay
// -v replays one run with its options, faults and verdicts.
//
// # Found so far (skipped in TestScenarios, see knownFailures)
//
//   - partition-during-send, seeds 2, 9, 18, 19, 20, 27, 28, 29 of 30:
//     porcupine Unknown (the 10 s search timeout on about 800 operations,
//     many of unknown outcome); every other checker says Ok. The guild
//     mints message IDs in request order, so session-order holds. An ID
//     minted before a partition and stored only after the heal, below IDs
//     already stored, used to be Illegal; the message-log model is now a
//     sorted set of IDs (as clients sort by snowflake) and the real-time
//     rule is checked apart, so that is legal when the sends overlapped.
//   - swarm, seeds 5, 11, 16 of 30: porcupine and no-acked-message-lost
//     Illegal: a read after the heal misses an acknowledged message after
//     store nodes crashed under SyncPeriodic (unsynced writes and the
//     coordinator's in-memory hints are lost until read repair; a
//     documented limit of system/store). Swarm leaves the Kill kind out:
//     nothing in system/ restarts a killed process, so a kill is a
//     permanent loss by design. It leaves guild nodes out of the crashable
//     set too: a restarted guild node loses its guilds' sessions and
//     nothing tells them to rejoin (system/guild/doc.go), so Liveness
//     would fail by design.
//
// # Not built yet
//
//   - Property tests (rapid) over generated topologies and schedules, the
//     mutation runner, reports and a command line.
//   - Presence and voice checks (those layers do not exist yet).
package scenarios
