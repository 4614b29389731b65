// Package faults injects faults into a sim world: scripted schedules ("at T
// do X for D"), random nemeses with rates, and swarm mode, in which the seed
// itself draws which kinds of fault are on and how hard (swarm testing, as
// TigerBeetle's VOPR does: a run that never combines two fault kinds never
// finds the bug that needs both).
//
// # The life of one fault
//
//  1. A Fault names its kind, its offset from the schedule's start, how long
//     it lasts, the nodes it touches and how hard it is (Amount: a latency,
//     a loss ratio in ppm, a clock offset, a drift in ppm, a slow-down
//     factor). Nemesis.Generate or Swarm draw them from a seeded stream;
//     tests write them by hand.
//  2. Apply schedules each fault's start and end as world actions. They run
//     in virtual time like everything else, appear in the trace as
//     "fault-start ..." and "fault-end ..." lines, and are recorded in the
//     Log with their true start and end times, for reports. Fault.Cuts
//     names the traffic a partition blocks (what Apply asks sim for), so
//     that checkers can reason about a run's cuts from its Log.
//  3. Every start is paired with an end (Partition/Heal, Crash/Restart,
//     SetLinkConditions/ClearLinkConditions, skew and drift back to zero,
//     disk back to normal), except instantaneous kinds (clock jump, process
//     kill). Log.HealAll runs every pending end at once and restarts every
//     crashed node: the heal between a run's safety phase and its liveness
//     phase (RunPhases).
//
// # The fault budget
//
// A subsystem promises to survive some faults and not others (budget.go):
// the store, one of its three replicas losing state while the others are
// whole; a guild node, no loss of its ID reservation. A node loses state
// when it crashes while its disk lies about syncs (or within a grace after
// the lie). Budget.Admit walks a schedule in start order and refuses each
// fault that would go beyond the budget; swarm uses it, and says what it
// refused, so that a swarm seed that fails has found a bug, not a fault
// combination nobody promised to survive. Budget.Check names the faults of
// a schedule written out that go beyond it: such a run's verdicts are read
// as what the system does past its promises.
//
// # What it promises
//
//   - Determinism: a schedule is a pure function of its seed and inputs; the
//     faults draw from their own streams, so adding a fault kind does not
//     shift the system's random draws.
//   - Every fault that starts ends, by its own end or by HealAll; after
//     HealAll no partition, clog, link condition, clock offset, drift or disk
//     fault is left and every node is up.
//   - faults imports only sim: it knows nodes and processes, not what they run.
package faults
