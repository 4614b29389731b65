// Package detlint defines the determinism lint: an analysis.Analyzer that
// rejects Go constructs whose behaviour is not a pure function of the
// simulation seed.
//
// Simulated code (everything under system/, and the sim package itself) must
// replay bit-for-bit from a seed, otherwise a failing seed cannot be
// reproduced and shrunk. Package sim provides a virtual, seeded replacement
// for each source of nondeterminism; detlint points at the real one and says
// which replacement to use.
//
// # What it rejects
//
// Imports. These packages reach the real world, so simulated code may not
// import them at all:
//
//   - "time": real clocks and real timers. Use ctx.Now(), ctx.Monotonic() and
//     ctx.SetTimer (virtual time); sim.Time and sim.Duration are the types.
//   - "math/rand", "math/rand/v2", "crypto/rand": unseeded or OS-seeded
//     randomness. Use ctx.Rand(), a stream derived from the world seed.
//   - "os" and "os/..." (os/exec, os/signal, ...): real files, environment,
//     processes and exit. Use ctx.Disk() for storage and return errors
//     instead of exiting.
//   - "net" and "net/...": real sockets. Use sim streams (ctx.Dial,
//     ctx.StreamSend), datagrams (ctx.SendDatagram) or process messages
//     (ctx.Send).
//   - "sync" and "sync/atomic": code under sim runs single-threaded, one
//     process handler at a time, so locks and atomics are never needed; their
//     presence means someone is running code outside the scheduler.
//
// "runtime" is deliberately allowed.
//
// Goroutines. A go statement hands scheduling to the Go runtime, whose
// interleaving differs run to run. Spawn a process with ctx.Spawn instead, so
// the simulator decides who runs when.
//
// Channels. Channel sends, receives, close, select, range over a channel and
// channel types (make(chan T), chan-typed variables, fields and parameters)
// all imply goroutines, and select picks among ready cases at random. Use
// process messages (ctx.Send) and mailboxes instead. A select's own case
// operations are not reported again, and at most one channel diagnostic is
// reported per line.
//
// Map order. Ranging over a map visits keys in a deliberately random order,
// and so does ranging over the iterators maps.Keys, maps.Values and maps.All.
// Range over slices.Sorted(maps.Keys(m)) instead, or keep a slice. Loops
// whose result does not depend on order (a sum, say) are reported too: the
// analyzer cannot prove commutativity, so mark them with an allow comment.
// Ranging over a type parameter whose type set holds maps (M ~map[K]V) is
// treated as ranging over a map.
//
// # Escape hatch
//
// A line comment
//
//	//detlint:allow <reason>
//
// suppresses every detlint diagnostic on its own line when it trails code, and
// on the line directly below when it stands on a line by itself. The reason is
// required, so the exception is explained where it is made; a directive
// without one is itself reported and suppresses nothing. Like other Go
// directives it has no space after the slashes.
//
// # Limits
//
// detlint is syntactic plus type information, per package. It does not follow
// values: ranging over an iterator stored in a variable (it := maps.Keys(m))
// or over an unsorted slices.Collect(maps.Keys(m)) is not reported, and
// neither is nondeterminism hidden inside an imported package (the import
// rule is what keeps such packages out). Test files are analyzed too; pass
// -test=false to the command to skip them.
package detlint
