package store

import (
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// Merging a round's answers, and read repair.
//
// Each replica answers a scan with the rows it examined until it had
// enough live ones (scan.go), so two answers may reach different depths.
// The merge keeps only the rows every answer reached (the covered range),
// folds the copies of each row by last-write-wins (rowmerge.go), and then
// compares each answer with the merge: a replica whose copy of a covered row
// differs, or that lacks it, is sent the cells it misses (read repair).
//
// Read repair blocks (Cassandra 4.0's default, BLOCKING): the operation
// waits in phaseRepair until every replica it repaired has acknowledged,
// and only then replies or reads on; if the read's deadline passes first,
// the read fails (ErrTimeout). Without it, QUORUM reads are not monotonic:
// a write that failed (outcome unknown) can sit on one replica; a QUORUM
// read that asks it returns the message, but if its repair of the other
// replica asked is lost (that replica crashes with the repair in its
// mailbox), a later QUORUM read of the two others does not return it.
// Swarm seed 1651 did exactly that (TestFoundBySweeps).

// mergeScans merges the current round's scan or point-read answers. It
// returns the merged rows of the covered range in scan order, whether every
// replica ran out of rows (then the whole range past the cursor is
// covered), and otherwise the covered range's far end.
func (c *Coordinator) mergeScans(ctx *sim.Ctx, op *coordOp) (merged []row, exhausted bool, bound Snowflake) {
	rd := &op.read
	forwards := rd.scanReq.forwards
	exhausted = true
	for i := range rd.answers {
		s := &rd.answers[i].scan
		if s.exhausted {
			continue
		}
		if exhausted || (forwards && s.bound < bound) || (!forwards && s.bound > bound) {
			bound = s.bound
		}
		exhausted = false
	}
	covered := func(id Snowflake) bool {
		return exhausted || (forwards && id <= bound) || (!forwards && id >= bound)
	}
	// Each answer is sorted (in scan order), so a k-way merge in ascending
	// ID order folds them without sorting: k is at most the replication
	// factor.
	var pos [maxReplicationFactor]int
	longest := 0
	for i := range rd.answers {
		longest = max(longest, len(rd.answers[i].scan.rows))
	}
	merged = make([]row, 0, longest)
	for {
		best, bestID := -1, Snowflake(0)
		for i := range rd.answers {
			rows := rd.answers[i].scan.rows
			if pos[i] == len(rows) {
				continue
			}
			id := rows[ascending(len(rows), pos[i], forwards)].id
			if best < 0 || id < bestID {
				best, bestID = i, id
			}
		}
		if best < 0 {
			break
		}
		rows := rd.answers[best].scan.rows
		r := &rows[ascending(len(rows), pos[best], forwards)]
		pos[best]++
		switch k := len(merged) - 1; {
		case !covered(r.id):
		case k >= 0 && merged[k].id == r.id:
			merged[k].mergeRow(r)
		default:
			merged = append(merged, *r)
		}
	}
	if len(rd.answers) > 1 {
		c.repairRows(ctx, op, merged, forwards)
	}
	if !forwards {
		slices.Reverse(merged)
	}
	return merged, exhausted, bound
}

// repairRows sends each answering replica the cells of merged (ascending)
// that its answer lacked. Both lists are sorted, so one walk pairs them.
func (c *Coordinator) repairRows(ctx *sim.Ctx, op *coordOp, merged []row, forwards bool) {
	rd := &op.read
	for i := range rd.answers {
		a := &rd.answers[i]
		var ws []Write
		k := 0 // the answer's rows in ascending order: rows[ascending(n, k)]
		for j := range merged {
			var have *row
			for ; k < len(a.scan.rows); k++ {
				r := &a.scan.rows[ascending(len(a.scan.rows), k, forwards)]
				if r.id >= merged[j].id {
					if r.id == merged[j].id {
						have = r
					}
					break
				}
			}
			if have == nil || !merged[j].sameCells(have) {
				ws = merged[j].appendRepair(ws, rd.key.Channel, have)
			}
		}
		c.sendRepair(ctx, op, a.node, ws)
	}
}

// ascending returns the index of the i-th smallest ID among n rows in scan
// order (ascending if forwards, else descending).
func ascending(n, i int, forwards bool) int {
	if forwards {
		return i
	}
	return n - 1 - i
}

// mergeIndex merges the index round's answers: the union of the buckets
// named, in walk order, cut to the read's bound. Each answer holds its
// replica's first buckets in walk order, so a bucket in the cut union that
// an answer lacks is one its replica does not hold: it is sent the marker.
func (c *Coordinator) mergeIndex(ctx *sim.Ctx, op *coordOp) []Bucket {
	rd := &op.read
	var all []Bucket
	for i := range rd.answers {
		all = append(all, rd.answers[i].buckets...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if rd.idxReq.backwards {
		slices.Reverse(all)
	}
	if len(all) > rd.idxReq.limit {
		all = all[:rd.idxReq.limit]
	}
	if len(rd.answers) > 1 {
		for i := range rd.answers {
			var ws []Write
			for _, b := range all {
				if !slices.Contains(rd.answers[i].buckets, b) {
					ws = append(ws, BucketMarker(rd.idxReq.channel, b, ctx.Now()))
				}
			}
			c.sendRepair(ctx, op, rd.answers[i].node, ws)
		}
	}
	return all
}

// sendRepair sends ws to node's replica for op's current round; op waits
// for its acknowledgement (afterRepairs).
func (c *Coordinator) sendRepair(ctx *sim.Ctx, op *coordOp, node sim.NodeID, ws []Write) {
	if len(ws) == 0 {
		return
	}
	sim.Reachable(ctx, "store/read-repair-write")
	c.stats.RepairWrites += uint64(len(ws))
	op.repairWait++
	ctx.SendNamed(node, c.opts.ReplicaName, replicaWrite{op: op.id, round: op.read.round, repair: true, writes: ws})
}

// afterRepairs runs next once every repair op's round sent is acknowledged:
// at once if it sent none, else from onRepairAck.
func (c *Coordinator) afterRepairs(ctx *sim.Ctx, op *coordOp, next func(*sim.Ctx)) {
	if op.repairWait == 0 {
		next(ctx)
		return
	}
	c.stats.BlockingRepairs++
	op.phase, op.resume = phaseRepair, next
}

// onRepairAck counts a repaired replica's acknowledgement and resumes the
// operation after the last one.
func (c *Coordinator) onRepairAck(ctx *sim.Ctx, m replicaWriteAck) {
	op := c.ops[m.op]
	if op == nil || op.phase != phaseRepair || op.read.round != m.round {
		return // late: the read timed out, or moved on
	}
	if m.err != nil {
		c.fail(ctx, op, fmt.Errorf("read repair of channel %d bucket %d on node %d: %w", op.read.key.Channel, op.read.key.Bucket, m.node, m.err))
		return
	}
	op.repairWait--
	if op.repairWait > 0 {
		return
	}
	next := op.resume
	op.resume = nil
	next(ctx)
}

// repairDeadline fails a read whose repairs were not all acknowledged in
// time: what it read is not yet on enough replicas to be returned.
func (c *Coordinator) repairDeadline(ctx *sim.Ctx, op *coordOp) {
	c.fail(ctx, op, fmt.Errorf("%w: %s read of channel %d bucket %d: %d repaired replicas did not acknowledge within %s",
		ErrTimeout, op.cl, op.read.key.Channel, op.read.key.Bucket, op.repairWait, c.opts.ReadTimeout))
}
