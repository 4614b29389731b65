// Package demo builds a busy world out of sim alone: a toy chat service with
// gateways, guilds and voice relays in three regions, thousands of clients,
// and faults drawn from the seed. It is not guildsim's system under test
// (that lives in system/); it exists so that sim can be exercised, measured
// and proven deterministic on a world that uses everything sim offers:
//
//   - stream connections (clients to gateways, with heartbeats, zombie
//     detection and reconnects with jittered backoff),
//   - process messages between nodes (sessions to guilds and back, fanout),
//   - datagrams (20 ms voice frames through a relay),
//   - CPU work (fanout costs), disks (a synced message log per guild),
//   - supervisors, monitors, registered names, timers,
//   - partitions (halves, one-way), clogs, node crashes and restarts, clock
//     jumps and drift, buggify.
//
// Run builds the world from Options and runs it; the same Options give the
// same Result.Fingerprint on any machine.
//
// It is a fixture of sim's own tests and benchmarks (internal: nothing
// outside sim can import it). The command line runs the catalogue's
// scenarios, which exercise the real system; a toy world beside them only
// confused what `guildsim run` tests.
package demo
