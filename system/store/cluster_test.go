package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/store"
)

var clusterChannel = store.Bucket(380).MinID() + 42<<22

// dataReplicas returns the replicas of clusterChannel's partition for the
// messages the test is about to write: the bucket of now.
func (ct *clusterTest) dataReplicas() []sim.NodeID {
	return ct.replicasOf(store.PartitionKey{Channel: clusterChannel, Bucket: store.BucketAt(ct.w.Now())})
}

// TestStaleReadAtOne shows the weaker setting failing, and QUORUM not: with
// one replica (r3) cut off from the other two, a write at ONE through r1 is
// acknowledged by r1 alone, and a read at ONE through r3's coordinator reads
// r3's own copy, which never got it: a stale read. The same write and read
// at QUORUM cannot go stale: the read through r3 fails (it cannot reach a
// second replica), and a read through a coordinator that can reach them
// returns the write.
func TestStaleReadAtOne(t *testing.T) {
	for _, cl := range []store.Consistency{store.One, store.Quorum} {
		t.Run(cl.String(), func(t *testing.T) {
			ct := newClusterTest(t, clusterConfig{seed: 11})
			reps := ct.dataReplicas()
			r1, r3 := reps[0], reps[2]
			outsider := ct.others(reps...)[0]
			p1, c1 := ct.scriptClient(r1)
			p3, c3 := ct.scriptClient(r3)
			pOut, cOut := ct.scriptClient(outsider)

			a := ct.write(p1, c1, clusterChannel, "before the partition", store.Quorum)
			if a.Err != nil {
				ct.fatalf("write A: %v", a.Err)
			}
			ct.run(100 * sim.Millisecond)
			ct.w.Partition([]sim.NodeID{r3}, []sim.NodeID{r1, reps[1]})

			b := ct.write(p1, c1, clusterChannel, "during the partition", cl)
			if b.Err != nil {
				ct.fatalf("write B at %s: %v", cl, b.Err)
			}
			got := ct.read(p3, c3, store.Query{Channel: clusterChannel, Limit: 10}, cl)
			switch cl {
			case store.One:
				if got.Err != nil {
					ct.fatalf("read at ONE through r3: %v", got.Err)
				}
				if want := []store.Snowflake{a.Message}; !slices.Equal(pageIDs(got.Messages), want) {
					ct.fatalf("read at ONE through r3: got %v, want the stale page %v (without B %d)", pageIDs(got.Messages), want, b.Message)
				}
			case store.Quorum:
				if !errors.Is(got.Err, store.ErrTimeout) {
					ct.fatalf("read at QUORUM through r3: got %v %v, want ErrTimeout: it cannot reach a second replica", pageIDs(got.Messages), got.Err)
				}
				fresh := ct.read(pOut, cOut, store.Query{Channel: clusterChannel, Limit: 10}, cl)
				if want := []store.Snowflake{b.Message, a.Message}; fresh.Err != nil || !slices.Equal(pageIDs(fresh.Messages), want) {
					ct.fatalf("read at QUORUM through %d: got %v %v, want %v", outsider, pageIDs(fresh.Messages), fresh.Err, want)
				}
			}
		})
	}
}

// TestHintedHandoff: a replica that is down when a QUORUM write is
// acknowledged gets the write from the coordinator's hint once it is back.
func TestHintedHandoff(t *testing.T) {
	ct := newClusterTest(t, clusterConfig{seed: 12, replica: store.ReplicaOptions{Engine: store.Options{Sync: store.SyncPerBatch}}})
	reps := ct.dataReplicas()
	r1, r3 := reps[0], reps[2]
	p1, c1 := ct.scriptClient(r1)
	a := ct.write(p1, c1, clusterChannel, "a", store.Quorum)
	ct.run(100 * sim.Millisecond)
	ct.w.Crash(r3)
	b := ct.write(p1, c1, clusterChannel, "b", store.Quorum)
	if a.Err != nil || b.Err != nil {
		ct.fatalf("writes: %v, %v", a.Err, b.Err)
	}
	ct.run(3 * sim.Second) // past the write timeout: the hint is stored
	coord := ct.coord(r1)
	if n := coord.Hints(r3); n != 1 {
		ct.fatalf("coordinator on %d holds %d hints for %d, want 1", r1, n, r3)
	}
	ct.w.Restart(r3)
	ct.run(10 * sim.Millisecond)
	if ct.hasMessage(r3, clusterChannel, b.Message) || !ct.hasMessage(r3, clusterChannel, a.Message) {
		ct.fatalf("restarted replica: want A from its commit log and not yet B")
	}
	ct.run(3 * sim.Second) // a probe finds it back; the hint is replayed
	if !ct.hasMessage(r3, clusterChannel, b.Message) {
		ct.fatalf("replica %d did not get B from the hint (stats %+v)", r3, coord.Stats())
	}
	if st := coord.Stats(); st.HintsDelivered != 1 || coord.Hints(r3) != 0 {
		ct.fatalf("coordinator stats %+v, %d hints left: want 1 delivered, none left", st, coord.Hints(r3))
	}
}

// TestReadRepair: with hints off, a replica that was down during a write
// stays without it after restart, until a QUORUM read that asks it and a
// replica that has the write merges the two and repairs it.
func TestReadRepair(t *testing.T) {
	ct := newClusterTest(t, clusterConfig{seed: 13, replica: store.ReplicaOptions{Engine: store.Options{Sync: store.SyncPerBatch}},
		coordinator: store.CoordinatorOptions{DisableHints: true}})
	reps := ct.dataReplicas()
	r1, r3 := reps[0], reps[2]
	p1, c1 := ct.scriptClient(r1)
	a := ct.write(p1, c1, clusterChannel, "a", store.Quorum)
	ct.run(100 * sim.Millisecond)
	ct.w.Crash(r3)
	b := ct.write(p1, c1, clusterChannel, "b", store.Quorum)
	ct.run(3 * sim.Second)
	ct.w.Restart(r3)
	ct.run(3 * sim.Second)
	if a.Err != nil || b.Err != nil || ct.hasMessage(r3, clusterChannel, b.Message) {
		ct.fatalf("set-up: writes %v, %v; want r3 without B", a.Err, b.Err)
	}
	// A read through r3's own coordinator asks r3 first, then a replica
	// holding B.
	p3, c3 := ct.scriptClient(r3)
	got := ct.read(p3, c3, store.Query{Channel: clusterChannel, Limit: 10}, store.Quorum)
	if want := []store.Snowflake{b.Message, a.Message}; got.Err != nil || !slices.Equal(pageIDs(got.Messages), want) {
		ct.fatalf("read: got %v %v, want %v", pageIDs(got.Messages), got.Err, want)
	}
	ct.run(10 * sim.Millisecond)
	if !ct.hasMessage(r3, clusterChannel, b.Message) {
		ct.fatalf("replica %d was not repaired (coordinator stats %+v)", r3, ct.coord(r3).Stats())
	}
	if n := ct.coord(r3).Stats().RepairWrites; n == 0 {
		ct.fatalf("no repair writes counted")
	}
}

// TestBadArguments: every bad argument gets an error reply that says what
// was wrong.
func TestBadArguments(t *testing.T) {
	ct := newClusterTest(t, clusterConfig{seed: 14})
	p, s := ct.scriptClient(ct.nodes[0])
	m := ct.write(p, s, clusterChannel, "hello", store.Quorum)
	gone := ct.write(p, s, clusterChannel, "to delete", store.Quorum)
	if m.Err != nil || gone.Err != nil {
		ct.fatalf("writes: %v, %v", m.Err, gone.Err)
	}
	del := ct.call(p, s, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
		return c.Delete(ctx, store.DeleteMessage{Channel: clusterChannel, Message: gone.Message})
	})
	if del.Err != nil || del.Message != gone.Message {
		ct.fatalf("delete: %+v", del)
	}
	future := store.MinIDAt(ct.w.Now().Add(24 * 60 * 60 * sim.Second))
	never := m.Message ^ 1<<store.ProcessShift // another coordinator's ID: never written
	tests := []struct {
		name string
		step func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error)
		err  error
		text string
	}{
		{"write to channel 0", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Write(ctx, store.WriteMessage{Author: 7, Content: "x"})
		}, store.ErrUnknownChannel, "channel 0: must be a channel's snowflake"},
		{"write to a channel from the future", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Write(ctx, store.WriteMessage{Channel: future, Author: 7, Content: "x"})
		}, store.ErrUnknownChannel, "after this coordinator's clock"},
		{"write without author", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Write(ctx, store.WriteMessage{Channel: clusterChannel, Content: "x"})
		}, store.ErrBadRequest, "author 0: must be a user's snowflake"},
		{"empty message", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Write(ctx, store.WriteMessage{Channel: clusterChannel, Author: 7})
		}, store.ErrBadRequest, "content of 0 bytes: must be between 1 and 16000"},
		{"message too long", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Write(ctx, store.WriteMessage{Channel: clusterChannel, Author: 7, Content: strings.Repeat("x", store.MaxContentBytes+1)})
		}, store.ErrBadRequest, "content of 16001 bytes: must be between 1 and 16000"},
		{"bad consistency", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Write(ctx, store.WriteMessage{Channel: clusterChannel, Author: 7, Content: "x", Consistency: 9})
		}, store.ErrBadRequest, "consistency 9: must be Quorum (0), One (1) or All (2)"},
		{"page size 0", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Read(ctx, store.ReadPage{Query: store.Query{Channel: clusterChannel}})
		}, store.ErrPageSize, "limit 0: must be between 1 and 100"},
		{"page size 101", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Read(ctx, store.ReadPage{Query: store.Query{Channel: clusterChannel, Limit: 101}})
		}, store.ErrPageSize, "limit 101: must be between 1 and 100"},
		{"both cursors", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Read(ctx, store.ReadPage{Query: store.Query{Channel: clusterChannel, Limit: 5, Before: m.Message, After: 1}})
		}, store.ErrBadCursor, "give at most one of them"},
		{"read of channel 0", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Read(ctx, store.ReadPage{Query: store.Query{Limit: 5}})
		}, store.ErrUnknownChannel, "channel 0"},
		{"edit of a deleted message", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Edit(ctx, store.EditMessage{Channel: clusterChannel, Message: gone.Message, Content: "y"})
		}, store.ErrMessageDeleted, "edit of message"},
		{"delete of a deleted message", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Delete(ctx, store.DeleteMessage{Channel: clusterChannel, Message: gone.Message})
		}, store.ErrMessageDeleted, "delete of message"},
		{"edit of a message never written", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Edit(ctx, store.EditMessage{Channel: clusterChannel, Message: never, Content: "y"})
		}, store.ErrUnknownMessage, "edit of message"},
		{"edit of message 0", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Edit(ctx, store.EditMessage{Channel: clusterChannel, Content: "y"})
		}, store.ErrUnknownMessage, "message 0: must be a message's snowflake"},
		{"edit of a message older than its channel", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Edit(ctx, store.EditMessage{Channel: clusterChannel, Message: clusterChannel - 1, Content: "y"})
		}, store.ErrUnknownMessage, "older than its channel"},
		{"edit to empty content", func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Edit(ctx, store.EditMessage{Channel: clusterChannel, Message: m.Message})
		}, store.ErrBadRequest, "content of 0 bytes"},
	}
	for _, tc := range tests {
		got := ct.call(p, s, tc.step)
		if !errors.Is(got.Err, tc.err) || !strings.Contains(got.Err.Error(), tc.text) {
			ct.fatalf("%s: got error %v, want %v containing %q", tc.name, got.Err, tc.err, tc.text)
		}
	}
	edit := ct.call(p, s, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
		return c.Edit(ctx, store.EditMessage{Channel: clusterChannel, Message: m.Message, Content: "hello, edited"})
	})
	page := ct.read(p, s, store.Query{Channel: clusterChannel, Limit: 100}, store.Quorum)
	if edit.Err != nil || page.Err != nil || len(page.Messages) != 1 || page.Messages[0].Content != "hello, edited" || page.Messages[0].EditedAt == 0 {
		ct.fatalf("after the bad requests: edit %v, page %+v %v", edit.Err, page.Messages, page.Err)
	}
}

// TestHotPartitionLoadsItsReplicas: the cost model charges reads for the
// rows and tombstones they scan, on the replicas that hold the partition:
// a channel full of deletions read over and over keeps its replicas busy
// and leaves the other nodes idle.
func TestHotPartitionLoadsItsReplicas(t *testing.T) {
	ct := newClusterTest(t, clusterConfig{seed: 15})
	reps := ct.dataReplicas()
	outsider := ct.others(reps...)[0]
	p, s := ct.scriptClient(outsider)
	var ids []store.Snowflake
	for i := range 30 {
		r := ct.write(p, s, clusterChannel, "m", store.Quorum)
		if r.Err != nil {
			ct.fatalf("write %d: %v", i, r.Err)
		}
		ids = append(ids, r.Message)
	}
	for _, id := range ids[5:] {
		r := ct.call(p, s, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Delete(ctx, store.DeleteMessage{Channel: clusterChannel, Message: id})
		})
		if r.Err != nil {
			ct.fatalf("delete %d: %v", id, r.Err)
		}
	}
	busy := func() map[sim.NodeID]sim.Duration {
		out := map[sim.NodeID]sim.Duration{}
		for _, n := range ct.nodes {
			out[n] = ct.replica(n).Stats().Busy
		}
		return out
	}
	before := busy()
	const reads = 200
	for range reads {
		r := ct.read(p, s, store.Query{Channel: clusterChannel, Limit: 5}, store.Quorum)
		if r.Err != nil || len(r.Messages) != 5 {
			ct.fatalf("read: %d messages, %v", len(r.Messages), r.Err)
		}
	}
	after := busy()
	// A QUORUM read through a coordinator outside the replica set asks the
	// first two replicas in ring order; each scans 25 tombstones and 5 live
	// rows: 20µs + 30*2µs + 25*1µs = 105µs a read.
	want := reads * (store.DefaultRequestBase + 30*store.DefaultPerRow + 25*store.DefaultPerTombstone)
	for _, n := range reps[:2] {
		if got := after[n] - before[n]; got < want {
			ct.fatalf("replica %d busy %s for %d reads, want at least %s", n, got, reads, want)
		}
	}
	// Outside the data replicas, a node does at most the bucket index's
	// reads: one bucket named per read, 22µs.
	indexOnly := reads * (store.DefaultRequestBase + store.DefaultPerRow)
	for _, n := range ct.others(reps...) {
		if got := after[n] - before[n]; got > indexOnly {
			ct.fatalf("node %d outside the replica set busy %s, want at most %s for index reads", n, got, indexOnly)
		}
	}
}

// TestConsistencyAll: once a replica is known down, ALL is unavailable at
// once (nothing is sent), and QUORUM goes on, hinting the down replica at
// once rather than at the write's deadline.
func TestConsistencyAll(t *testing.T) {
	ct := newClusterTest(t, clusterConfig{seed: 16})
	reps := ct.dataReplicas()
	r1, r3 := reps[0], reps[2]
	p, s := ct.scriptClient(r1)
	if r := ct.write(p, s, clusterChannel, "all", store.All); r.Err != nil {
		ct.fatalf("write at ALL with every replica up: %v", r.Err)
	}
	ct.w.Crash(r3)
	ct.run(61 * sim.Second) // the network reports the crash after LinkTimeout
	if r := ct.write(p, s, clusterChannel, "all", store.All); !errors.Is(r.Err, store.ErrUnavailable) ||
		!strings.Contains(r.Err.Error(), "2 of 3 replicas up, 3 needed") {
		ct.fatalf("write at ALL with a replica down: %v, want ErrUnavailable", r.Err)
	}
	if r := ct.read(p, s, store.Query{Channel: clusterChannel, Limit: 5}, store.All); !errors.Is(r.Err, store.ErrUnavailable) {
		ct.fatalf("read at ALL with a replica down: %v, want ErrUnavailable", r.Err)
	}
	r := ct.write(p, s, clusterChannel, "quorum", store.Quorum)
	if r.Err != nil || ct.coord(r1).Hints(r3) != 1 {
		ct.fatalf("write at QUORUM with a replica down: %v, %d hints for it, want 1", r.Err, ct.coord(r1).Hints(r3))
	}
	if page := ct.read(p, s, store.Query{Channel: clusterChannel, Limit: 5}, store.Quorum); page.Err != nil || len(page.Messages) != 2 {
		ct.fatalf("read at QUORUM: %v %v", pageIDs(page.Messages), page.Err)
	}
}

// TestCallerMintedID: a WriteMessage with Message set is stored under that
// ID (the coordinator mints nothing), and an ID not above its channel is
// refused.
func TestCallerMintedID(t *testing.T) {
	ct := newClusterTest(t, clusterConfig{seed: 13})
	r1 := ct.dataReplicas()[0]
	p1, c1 := ct.scriptClient(r1)
	want := clusterChannel + 7<<22 + 3
	r := ct.call(p1, c1, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
		return c.Write(ctx, store.WriteMessage{Channel: clusterChannel, Message: want, Author: 7, Content: "minted by the caller", Consistency: store.Quorum})
	})
	if r.Err != nil || r.Message != want {
		ct.fatalf("write: %v, message %d: want message %d", r.Err, r.Message, want)
	}
	if minted := ct.coord(r1).MintedForTest(); minted != 0 {
		ct.fatalf("coordinator minted %d IDs, want 0", minted)
	}
	page := ct.read(p1, c1, store.Query{Channel: clusterChannel, Limit: 10}, store.Quorum)
	if page.Err != nil || !slices.Equal(pageIDs(page.Messages), []store.Snowflake{want}) {
		ct.fatalf("read: %v, %v: want [%d]", page.Err, pageIDs(page.Messages), want)
	}
	bad := ct.call(p1, c1, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
		return c.Write(ctx, store.WriteMessage{Channel: clusterChannel, Message: clusterChannel, Author: 7, Content: "x", Consistency: store.Quorum})
	})
	if !errors.Is(bad.Err, store.ErrBadRequest) {
		ct.fatalf("write with message = channel: %v, want ErrBadRequest", bad.Err)
	}
}

// TestReadRepairBlocks: a QUORUM read that finds a replica without a
// message another holds repairs it before it replies, so no later QUORUM
// read can go back on what it returned. Set-up as TestReadRepair (r3
// missed B); the read goes through r1 with r2 down, so it asks r1 (B) and
// r3 (no B). Once the round is merged and the repair of r3 is on its way,
// r3 crashes: the repair is lost, B is still on r1 alone, and a QUORUM of
// r2 and r3 would not return it. The read must not return B then: it
// fails (ErrTimeout). Swarm seed 1651 found the read that did.
func TestReadRepairBlocks(t *testing.T) {
	ct := newClusterTest(t, clusterConfig{seed: 13, replica: store.ReplicaOptions{Engine: store.Options{Sync: store.SyncPerBatch}},
		coordinator: store.CoordinatorOptions{DisableHints: true}})
	reps := ct.dataReplicas()
	r1, r2, r3 := reps[0], reps[1], reps[2]
	p1, c1 := ct.scriptClient(r1)
	a := ct.write(p1, c1, clusterChannel, "a", store.Quorum)
	ct.run(100 * sim.Millisecond)
	ct.w.Crash(r3)
	b := ct.write(p1, c1, clusterChannel, "b", store.Quorum)
	ct.run(3 * sim.Second)
	ct.w.Restart(r3)
	ct.w.Crash(r2)
	ct.run(3 * sim.Second) // r1's coordinator finds r3 back and r2 gone
	if a.Err != nil || b.Err != nil || ct.hasMessage(r3, clusterChannel, b.Message) {
		ct.fatalf("set-up: writes %v, %v; want r3 without B", a.Err, b.Err)
	}
	var id store.RequestID
	ct.w.Send(p1, scriptStep(func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
		var err error
		id, err = c.Read(ctx, store.ReadPage{Query: store.Query{Channel: clusterChannel, Limit: 10}, Consistency: store.Quorum})
		return id, err
	}))
	repairing := func() bool { return ct.coord(r1).Stats().BlockingRepairs > 0 }
	if ok, err := ct.w.RunUntilCond(repairing, time60s); !ok || err != nil {
		ct.fatalf("the read never waited for a repair (%v; coordinator stats %+v)", err, ct.coord(r1).Stats())
	}
	ct.w.Crash(r3)
	done := func() bool { _, ok := c1.results[id]; return ok }
	if ok, err := ct.w.RunUntilCond(done, time60s); !ok || err != nil {
		ct.fatalf("read: no result (%v)", err)
	}
	if got := c1.results[id]; !errors.Is(got.Err, store.ErrTimeout) {
		ct.fatalf("read with its repair lost: got %v %v, want ErrTimeout (B %d is on r1 alone)", pageIDs(got.Messages), got.Err, b.Message)
	}
	// With r3 back and reachable, the same read repairs it and returns B.
	ct.w.Restart(r3)
	ct.run(3 * sim.Second)
	got := ct.read(p1, c1, store.Query{Channel: clusterChannel, Limit: 10}, store.Quorum)
	if want := []store.Snowflake{b.Message, a.Message}; got.Err != nil || !slices.Equal(pageIDs(got.Messages), want) {
		ct.fatalf("read: got %v %v, want %v", pageIDs(got.Messages), got.Err, want)
	}
	if !ct.hasMessage(r3, clusterChannel, b.Message) {
		ct.fatalf("replica %d not repaired when the read returned", r3)
	}
}

// TestPageReadIsSnapshot: a page read merges only answers that agree, so
// its page is the channel at one instant. Swarm seed 16782's mechanism,
// distilled (3 storage nodes, every one a replica of everything): the read
// through r1 asks r1 (which answers at once: A only) and rB, whose request
// is held on the link r1 -> rB. Meanwhile X is written through r1 and
// acknowledged by r1 and rC (its leg to rB waits behind the read request
// on the same link), and then Y through rC, acknowledged by all three.
// When the link lets go, rB answers A and Y but not X. The union of the
// two answers, taken a while apart, is A and Y: a page no instant
// explains, since X was acknowledged before Y was sent. The read must see
// that its answers disagree, repair and read again, and return Y, X, A.
func TestPageReadIsSnapshot(t *testing.T) {
	ct := newClusterTest(t, clusterConfig{seed: 16782, storage: 3,
		replica: store.ReplicaOptions{Engine: store.Options{Sync: store.SyncPerBatch}},
		// Only the two replicas asked first answer a round: no speculative
		// retry within the read's timeout.
		coordinator: store.CoordinatorOptions{DisableHints: true, SpeculativeDelay: 30 * sim.Second}})
	// order is the replicas a read through node asks, as the coordinator
	// orders them: node first, then ring order.
	order := func(node sim.NodeID, key store.PartitionKey) []sim.NodeID {
		out := []sim.NodeID{node}
		for _, n := range ct.replicasOf(key) {
			if n != node {
				out = append(out, n)
			}
		}
		return out
	}
	// The reading coordinator r1 must ask different second replicas for the
	// index and for the data, so that holding the link to rB holds the scan
	// and not the index read.
	data := store.PartitionKey{Channel: clusterChannel, Bucket: store.BucketAt(ct.w.Now())}
	var r1, rB, rC sim.NodeID
	found := false
	for _, n := range ct.nodes {
		d, ix := order(n, data), order(n, store.IndexPartition(clusterChannel))
		if d[1] != ix[1] {
			r1, rB, rC, found = n, d[1], d[2], true
			break
		}
	}
	if !found {
		ct.fatalf("set-up: no coordinator asks different second replicas for channel %d's index and data", clusterChannel)
	}
	p1, c1 := ct.scriptClient(r1)
	pC, cC := ct.scriptClient(rC)
	a := ct.write(p1, c1, clusterChannel, "a", store.Quorum)
	ct.run(100 * sim.Millisecond)
	if a.Err != nil {
		ct.fatalf("write A: %v", a.Err)
	}

	hold := ct.w.ClogOneWay([]sim.NodeID{r1}, []sim.NodeID{rB})
	var id store.RequestID
	ct.w.Send(p1, scriptStep(func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
		var err error
		id, err = c.Read(ctx, store.ReadPage{Query: store.Query{Channel: clusterChannel, Limit: 10}, Consistency: store.Quorum})
		return id, err
	}))
	ct.run(50 * sim.Millisecond) // r1 answered; the request to rB is held
	x := ct.write(p1, c1, clusterChannel, "x", store.Quorum)
	y := ct.write(pC, cC, clusterChannel, "y", store.Quorum)
	if x.Err != nil || y.Err != nil {
		ct.fatalf("set-up: writes X %v, Y %v", x.Err, y.Err)
	}
	if _, done := c1.results[id]; done || !ct.hasMessage(rB, clusterChannel, y.Message) || ct.hasMessage(rB, clusterChannel, x.Message) {
		ct.fatalf("set-up: want the read in flight and rB with Y and without X (read done %v, rB has Y %v, X %v)",
			done, ct.hasMessage(rB, clusterChannel, y.Message), ct.hasMessage(rB, clusterChannel, x.Message))
	}
	ct.w.Unclog(hold)
	done := func() bool { _, ok := c1.results[id]; return ok }
	if ok, err := ct.w.RunUntilCond(done, time60s); !ok || err != nil {
		ct.fatalf("read: no result (%v)", err)
	}
	got := c1.results[id]
	if want := []store.Snowflake{y.Message, x.Message, a.Message}; got.Err != nil || !slices.Equal(pageIDs(got.Messages), want) {
		ct.fatalf("read: got %v %v, want %v (Y without X is a page no instant explains)", pageIDs(got.Messages), got.Err, want)
	}
	if n := ct.coord(r1).Stats().Rereads; n == 0 {
		ct.fatalf("the read returned without reading again (coordinator stats %+v)", ct.coord(r1).Stats())
	}
}
