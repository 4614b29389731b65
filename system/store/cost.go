package store

import "github.com/guildsim/guildsim/sim"

// CostModel is the CPU a store request costs the process that serves it,
// declared with ctx.Work so that it holds one of the node's schedulers: a
// hot partition or a tombstone-heavy channel keeps its replicas busy, their
// mailboxes grow, and every other request on those nodes waits behind it
// (reference §4: "a hot partition raised latency for every query on its
// nodes"). Disk syncs are not in it: the sim disk charges them itself.
//
// The reference gives end-to-end latencies, not CPU: in 2017 writes under
// 1 ms and reads under 5 ms; on ScyllaDB p99 inserts of 5 ms and historical
// fetches of 15 ms. The figures below keep a replica's CPU a small share of
// those, with room for the network and queueing, and scale reads with what
// they touch. Each is a GUESS unless it says otherwise. Zero fields take the
// defaults; a negative field means free.
type CostModel struct {
	_ struct{}
	// RequestBase is a replica's cost per request, whatever it does:
	// parsing, dispatch, the memtable lookup. Default 20µs (GUESS).
	RequestBase sim.Duration
	// PerRow is a replica's cost per row written or examined by a read.
	// Default 2µs (GUESS).
	PerRow sim.Duration
	// PerTombstone is a replica's extra cost per tombstoned row a read
	// scans. Default 1µs: with PerRow, 3µs a tombstone, so a channel of
	// about 7 million tombstones takes 20 s to read, the reference's "a
	// channel of millions of tombstones took 20 s to load".
	PerTombstone sim.Duration
	// PerReplayedWrite is a replica's cost per commit log record replayed
	// when it starts: a restart after a long run is not free. Default 1µs
	// (GUESS).
	PerReplayedWrite sim.Duration
	// CoordinatorBase is a coordinator's cost per client request and per
	// replica answer it handles. Default 10µs (GUESS).
	CoordinatorBase sim.Duration
	// CoordinatorPerRow is a coordinator's cost per row it merges from
	// replica answers. Default 1µs (GUESS).
	CoordinatorPerRow sim.Duration
}

// CostModel defaults.
const (
	DefaultRequestBase       = 20 * sim.Microsecond
	DefaultPerRow            = 2 * sim.Microsecond
	DefaultPerTombstone      = 1 * sim.Microsecond
	DefaultPerReplayedWrite  = 1 * sim.Microsecond
	DefaultCoordinatorBase   = 10 * sim.Microsecond
	DefaultCoordinatorPerRow = 1 * sim.Microsecond
)

func (c CostModel) withDefaults() CostModel {
	for _, f := range []struct {
		p *sim.Duration
		v sim.Duration
	}{
		{&c.RequestBase, DefaultRequestBase},
		{&c.PerRow, DefaultPerRow},
		{&c.PerTombstone, DefaultPerTombstone},
		{&c.PerReplayedWrite, DefaultPerReplayedWrite},
		{&c.CoordinatorBase, DefaultCoordinatorBase},
		{&c.CoordinatorPerRow, DefaultCoordinatorPerRow},
	} {
		switch {
		case *f.p == 0:
			*f.p = f.v
		case *f.p < 0:
			*f.p = 0
		}
	}
	return c
}

// read returns a replica's cost of a read that did rc.
func (c *CostModel) read(rc ReadCost) sim.Duration {
	return c.RequestBase + c.PerRow*sim.Duration(rc.RowsTouched) + c.PerTombstone*sim.Duration(rc.Tombstones)
}

// write returns a replica's cost of applying n writes.
func (c *CostModel) write(n int) sim.Duration {
	return c.RequestBase + c.PerRow*sim.Duration(n)
}

// coordinator returns a coordinator's cost of handling one message that
// carried rows rows.
func (c *CostModel) coordinator(rows int) sim.Duration {
	return c.CoordinatorBase + c.CoordinatorPerRow*sim.Duration(rows)
}
