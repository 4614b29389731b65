// Package deploy is the one builder of a world: a Topology goes in, a
// Deployment comes out. Scenarios, compare and every system package's
// tests build their worlds here, so that the rules of assembly live in one
// place:
//
//  1. The world: one sim.World from the seed, regions region-0..N-1.
//  2. Nodes by role, always in this order, so that a topology gives the
//     same node IDs, names and runs: control (node 0: the identify limiter,
//     which gateway.Options.LimiterNode names), store-i (a replica and a
//     coordinator each), guild-i (guild processes placed by the ring, a
//     relay host), gateway-i (sessions, the listener, the fanout
//     partitioner), data-service-i, clients-i (one per region unless told),
//     and driver (the caller's own process, left alone by faults). The
//     nodes of a role are spread over the regions round robin.
//  3. Options: each component's options as the caller gave them, with the
//     wiring filled in (node lists, the guild directory, hooks, tokens) and
//     the package defaults applied. Deployment.Options holds what is in
//     effect, so checkers judge against the real figures instead of
//     restating defaults.
//  4. Who is in it: guilds given as specs with their tokens, or a
//     generated Population (guilds of overlapping members, a private
//     channel per guild, an online share of users with a client each).
//  5. Clients: AddUser / AddClient start a simulated device; the read path
//     (ReadCoordinators or ReadDataServices) decides where its history reads
//     go.
//
// A new subsystem (presence, voice, the API edge) adds its role to the
// roles list, its node count to Topology and its options to Options.
//
// deploy imports sim and the system packages; nothing in system imports
// it, and its worlds know nothing of being tested.
package deploy
