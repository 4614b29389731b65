// Package sim is guildsim's deterministic world: virtual time, an event queue,
// seeded randomness, nodes with CPUs, clocks and disks, processes (actors), a
// virtual network and a trace. Everything guildsim simulates runs inside one
// World, and one seed replays one run exactly, to the event.
//
// # The life of one message
//
//  1. A process's handler calls ctx.Send(pid, msg). On the same node the
//     message is an event at the current time. Between nodes it joins the
//     node pair's link (a pipe): its arrival time is now plus the region
//     latency, jitter and, rarely, a long-tail delay, and never earlier than
//     the message sent before it on that link.
//  2. The event queue (a hierarchical timing wheel ordered by time, then by
//     the sequence number given when the event was scheduled) reaches the
//     arrival. If the link is partitioned the pipe stalls; after heal it
//     resumes at the next TCP-style retransmission, or the link breaks after
//     Net.LinkTimeout, losing what it held and telling monitors.
//  3. The message reaches the process: if it is idle and one of its node's
//     schedulers is free, its handler runs at once; otherwise the message
//     waits in its bounded mailbox. A handler that declares work with
//     ctx.Work(d) holds a scheduler for d, so its mailbox grows behind it.
//  4. Every event is folded into the run's 64-bit fingerprint and, when a
//     sink is set, written as a JSON trace line.
//
// # What it promises
//
//   - Determinism: same seed, same code, same fingerprint, on any machine and
//     any GOMAXPROCS. Nothing depends on map order, pointer values, wall time
//     or goroutine scheduling; every random draw comes from a stream derived
//     from (seed, stable name).
//   - Process messages between two nodes arrive in send order, never
//     duplicated, lost only when the link breaks. Stream connections are
//     ordered and reliable while connected; loss shows as delay. Datagrams are
//     lost, duplicated and reordered independently.
//   - Timers run on the node's monotonic clock (drift moves them, jumps do
//     not); Ctx.Now is the node's wall clock (skew, drift and jumps).
//   - A crash kills a node's processes and loses its unsynced disk writes;
//     Restart runs its Boot function again.
//   - Every queue is bounded (mailboxes by Config.MailboxLimit, runs by
//     Config.MaxEvents); a failed Assert stops the run with the seed, the
//     event number and the process, not a Go panic trace.
//
// # Using it
//
//	w, err := sim.NewWorld(sim.Config{Seed: 42, Regions: []string{"us-east", "eu-west"}})
//	gw := w.MustAddNode(sim.NodeConfig{Name: "gateway-1", Region: "us-east", Boot: bootGateway})
//	w.After(10*sim.Second, "partition", func() { w.Isolate(gw) })
//	err = w.RunFor(time)
//	fmt.Println(w.Fingerprint())
//
// # Coverage sites
//
// sim.Sometimes(ctx, "pkg/what", cond) and sim.Reachable(ctx, "pkg/what")
// mark the rare paths of simulated code (Antithesis's "sometimes
// assertions"): not a property of every run, but a promise that some run of
// a campaign gets there. The world counts per site how often it was asked
// and how often the condition held; World.DeclareCoverage makes sites known
// before any run reaches them, so World.Coverage (sorted by name) lists the
// blind spots too. Recording never changes the run: nothing is folded into
// the fingerprint and no random draw is taken. A hit costs a map lookup by
// name (BenchmarkCoverageHit: about 11 ns, no allocation).
//
// Fault verbs come in pairs: Partition/Heal, PartitionOneWay/Heal,
// Clog/Unclog, Crash/Restart, SetLinkConditions/ClearLinkConditions,
// JumpClock, SetClockDrift, Kill.
package sim
