package store

import (
	"errors"
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Generator mints snowflakes for one (worker, process) pair from the minting
// node's local wall clock (ctx.Now()), which faults can skew, drift and jump.
// It is a plain value owned by one process: no locks, no clock of its own.
//
// # The rules
//
//  1. Every ID a generator returns is strictly greater than the one before,
//     whatever the clock does: IDs from one generator are unique and in mint
//     order.
//  2. Clock moved forwards (a new millisecond): the ID carries the clock's
//     millisecond and increment 0.
//  3. Same millisecond: the increment goes up by one.
//  4. Clock moved backwards (it reads earlier than the last ID's
//     millisecond): the generator keeps the last ID's millisecond and goes on
//     incrementing, as if the clock had stood still; counted in
//     GeneratorStats.ClockBehind. Once the clock passes that millisecond,
//     rule 2 applies again and timestamps are honest.
//  5. Increment exhausted (the 4096th ID of a millisecond was minted): the
//     generator borrows the next millisecond, one past the last ID's, before
//     the clock reaches it, with increment 0; counted in
//     GeneratorStats.Borrowed.
//
// # Why keep minting rather than wait
//
// Twitter's original snowflake refuses to mint while the clock is behind and
// spins until the next millisecond when the sequence runs out. A sim handler
// never blocks, so waiting would mean rejecting every message create on this
// node for the length of a backwards jump (an hour's jump is an hour's
// outage). Keeping the last millisecond instead keeps minting available and
// IDs unique and ordered per generator; the price is timestamps that run
// ahead of the local clock until it catches up, at most the size of the jump
// plus one millisecond per 4096 IDs borrowed. Other generators with honest
// clocks keep minting smaller IDs meanwhile, so messages from the two sort by
// ID in an order that disagrees with true time: the skewed-clock incident the
// scenarios are built to show. Borrowing is the same trade at a smaller
// scale: it costs nothing below 4096 IDs per millisecond (4 million a second,
// far above one process's message rate) and stays visible in the stats if a
// workload ever gets there.
//
// # What a restart forgets
//
// The last ID lives only in memory. A process restarted on a node whose clock
// has meanwhile gone back could mint again IDs its previous incarnation
// issued; GeneratorOptions.After takes a persisted high-water mark to rule
// that out.
type Generator struct {
	worker, process uint64
	lastMillis      int64 // millisecond of the last ID; -1 before the first
	increment       uint64
	last            Snowflake
	stats           GeneratorStats
}

// GeneratorOptions configures a Generator. Worker and process are usually
// derived from the minting node and process (Discord: "internal worker ID",
// "internal process ID").
type GeneratorOptions struct {
	_ struct{}
	// Worker is the 5-bit worker field: 0..31.
	Worker int
	// Process is the 5-bit process field: 0..31.
	Process int
	// After, when not zero, is an ID this worker/process pair already issued
	// (a persisted high-water mark): the generator mints only IDs above it.
	After Snowflake
	// FloorMillis, when above zero, is a millisecond (since DiscordEpoch)
	// the generator mints only above: a reservation an earlier incarnation
	// persisted (possibly with other worker or process bits), so that IDs
	// keep growing across a restart whatever the clock says.
	FloorMillis int64
}

// GeneratorStats counts how often the clock forced the rules' hands.
type GeneratorStats struct {
	Minted uint64
	// ClockBehind counts IDs minted while the clock read earlier than the
	// last ID's millisecond (rule 4).
	ClockBehind uint64
	// Borrowed counts milliseconds taken ahead of the clock because a
	// millisecond's 4096 increments ran out (rule 5).
	Borrowed uint64
}

// Errors of Generator.
var (
	// ErrGeneratorConfig: a worker or process field outside 0..31, or an
	// After mark minted by another worker/process pair.
	ErrGeneratorConfig = errors.New("store: bad generator options")
	// ErrClockOutOfRange: the clock reads before 2015-01-01 with no earlier
	// ID to hold on to, or past the 42-bit millisecond range (year 2154).
	ErrClockOutOfRange = errors.New("store: clock outside the snowflake range")
)

// NewGenerator returns a generator for opts.Worker and opts.Process.
func NewGenerator(opts GeneratorOptions) (*Generator, error) {
	if opts.Worker < 0 || opts.Worker > MaxWorker {
		return nil, fmt.Errorf("%w: worker %d: must be between 0 and %d", ErrGeneratorConfig, opts.Worker, MaxWorker)
	}
	if opts.Process < 0 || opts.Process > MaxProcess {
		return nil, fmt.Errorf("%w: process %d: must be between 0 and %d", ErrGeneratorConfig, opts.Process, MaxProcess)
	}
	g := &Generator{worker: uint64(opts.Worker), process: uint64(opts.Process), lastMillis: -1}
	if a := opts.After; a != 0 {
		if a.Worker() != opts.Worker || a.Process() != opts.Process {
			return nil, fmt.Errorf("%w: after %d: minted by worker %d process %d, not worker %d process %d",
				ErrGeneratorConfig, a, a.Worker(), a.Process(), opts.Worker, opts.Process)
		}
		g.lastMillis, g.increment, g.last = a.Millis(), uint64(a.Increment()), a
	}
	if opts.FloorMillis > 0 && opts.FloorMillis > g.lastMillis {
		// As if the floor's millisecond were used up: the next ID takes a
		// later millisecond (rule 2 or rule 5).
		g.lastMillis, g.increment = opts.FloorMillis, MaxIncrement
	}
	return g, nil
}

// Next mints the next ID with the clock reading now (the node's wall clock).
// It fails only when the clock is outside the snowflake range; the
// generator's state is then unchanged.
func (g *Generator) Next(now sim.Time) (Snowflake, error) {
	clock := now.UnixMilli() - DiscordEpoch
	ms, inc := g.lastMillis, g.increment
	behind, borrowed := false, false
	switch {
	case clock > g.lastMillis: // rule 2
		ms, inc = clock, 0
	case inc < MaxIncrement: // rules 3 and 4
		inc++
		behind = clock < g.lastMillis
	default: // rule 5
		ms, inc = ms+1, 0
		behind, borrowed = clock < g.lastMillis, true
	}
	if ms < 0 || ms > maxMillis {
		return 0, fmt.Errorf("%w: clock reads %d ms since 2015-01-01: must be between 0 and %d",
			ErrClockOutOfRange, clock, maxMillis)
	}
	id := makeSnowflake(ms, g.worker, g.process, inc)
	sim.Assert(id > g.last, "store: generator minted an ID not above its last one")
	g.lastMillis, g.increment, g.last = ms, inc, id
	g.stats.Minted++
	if behind {
		g.stats.ClockBehind++
	}
	if borrowed {
		g.stats.Borrowed++
	}
	return id, nil
}

// Last returns the last ID minted (or the After mark; 0 if none): the
// high-water mark to persist if restarts must not reuse IDs.
func (g *Generator) Last() Snowflake { return g.last }

// Stats returns the generator's counters.
func (g *Generator) Stats() GeneratorStats { return g.stats }
