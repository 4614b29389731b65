package store

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// partitionScan is one replica's answer for one partition: the rows it
// examined, dead or alive, with every cell's write timestamp. A replica
// cannot tell which of its rows are stale, so it hands over tombstones and
// half-written rows too: the coordinator merges the answers of several
// replicas by last-write-wins, and a delete one replica missed must still
// kill the row another returns alive (reference §4: last-write-wins per
// column; Cassandra's replicas answer a read with their cells and
// tombstones for the same reason).
type partitionScan struct {
	rows []row // in scan order: ID descending, ascending for After
	// exhausted is true when the scan ran out of rows in its range; false
	// when it stopped at limit live rows, and then bound is the ID of the
	// last row it examined: this replica has said nothing about rows past it.
	exhausted bool
	bound     Snowflake
	cost      ReadCost
}

// scanPartition examines the rows of one partition past cursor, until it
// has seen limit live rows: newest first below cursor, or, forwards, oldest
// first above it. A cursor of 0 starts at the partition's end (no message
// has ID 0).
func (e *Engine) scanPartition(key PartitionKey, cursor Snowflake, forwards bool, limit int) (partitionScan, error) {
	sim.Assert(limit > 0, "store: scanPartition needs a positive limit")
	s := partitionScan{exhausted: true}
	p := e.lookupPartition(key)
	if p == nil {
		return s, nil
	}
	s.cost.Partitions = 1
	s.rows = make([]row, 0, min(limit, len(p.rows)))
	live := 0
	visit := func(r *row) (stop bool, err error) {
		s.rows = append(s.rows, *r)
		s.cost.RowsTouched++
		_, alive, shadowed := r.view(key.Channel)
		if shadowed {
			s.cost.Tombstones++
			if s.cost.Tombstones > e.opts.TombstoneFailureThreshold {
				return true, fmt.Errorf("%w: channel %d bucket %d: more than %d tombstones scanned",
					ErrTombstoneOverwhelm, key.Channel, key.Bucket, e.opts.TombstoneFailureThreshold)
			}
		}
		if alive {
			live++
		}
		if live == limit {
			s.bound, s.exhausted = r.id, false
			return true, nil
		}
		return false, nil
	}
	if forwards {
		i, found := p.search(cursor)
		if found {
			i++
		}
		for ; i < len(p.rows); i++ {
			if stop, err := visit(&p.rows[i]); stop {
				return s, err
			}
		}
		return s, nil
	}
	i := len(p.rows)
	if cursor != 0 {
		i, _ = p.search(cursor)
	}
	for i--; i >= 0; i-- {
		if stop, err := visit(&p.rows[i]); stop {
			return s, err
		}
	}
	return s, nil
}

// lookupRow returns the row of one message, dead or alive, if this node
// holds any cell or tombstone of it: the point read behind edits and
// deletes.
func (e *Engine) lookupRow(channel, message Snowflake) (row, bool) {
	p := e.lookupPartition(PartitionOf(channel, message))
	if p == nil {
		return row{}, false
	}
	i, found := p.search(message)
	if !found {
		return row{}, false
	}
	return p.rows[i], true
}

// lookupPartition returns the partition for key, or nil.
func (e *Engine) lookupPartition(key PartitionKey) *partition {
	ci := e.channels[key.Channel]
	if ci == nil {
		return nil
	}
	i, found := ci.search(key.Bucket)
	if !found {
		return nil
	}
	return ci.parts[i]
}
