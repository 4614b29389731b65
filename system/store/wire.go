package store

import "github.com/guildsim/guildsim/sim"

// Messages between coordinators and replicas. A coordinator sends them to
// the replica process registered on each storage node
// (ctx.SendNamed(node, ReplicaOptions.Name, ...)); the replica answers the
// sending process. Every request names the coordinator's operation (op) and,
// for reads, the round within it, so that an answer that arrives after its
// round moved on or its operation ended is recognised and dropped. Answers
// name the replica's node: a coordinator counts acknowledgements per
// replica and tracks which nodes are alive.

// replicaWrite asks a replica to apply writes: one leg of a client write,
// or a read repair (repair set: the read waits for it, in its round; op 0:
// nobody waits for the answer).
type replicaWrite struct {
	op     uint64
	leg    int
	round  uint32
	repair bool
	writes []Write
}

// replicaWriteAck answers a replicaWrite with op != 0.
type replicaWriteAck struct {
	op     uint64
	leg    int
	round  uint32
	repair bool
	node   sim.NodeID
	err    error
}

// replicaRead asks a replica for rows of one partition: the row of message
// point if point is not 0, otherwise a scan past cursor (partitionScan).
type replicaRead struct {
	op       uint64
	round    uint32
	key      PartitionKey
	point    Snowflake
	cursor   Snowflake
	forwards bool
	limit    int
}

// replicaRows answers a replicaRead.
type replicaRows struct {
	op    uint64
	round uint32
	node  sim.NodeID
	scan  partitionScan
	err   error
}

// replicaIndexRead asks a replica for the buckets of a channel's bucket
// index from bucket from on (Engine.Buckets).
type replicaIndexRead struct {
	op        uint64
	round     uint32
	channel   Snowflake
	from      Bucket
	backwards bool
	limit     int
}

// replicaIndex answers a replicaIndexRead.
type replicaIndex struct {
	op      uint64
	round   uint32
	node    sim.NodeID
	buckets []Bucket
}

// hintBatch replays hinted writes to a replica that missed them.
type hintBatch struct {
	seq    uint64
	writes []Write
}

// hintAck answers a hintBatch.
type hintAck struct {
	seq  uint64
	node sim.NodeID
	err  error
}

// probe asks a replica a coordinator believes down whether it is back
// (the role gossip plays in Cassandra).
type probe struct{}

// probeAck answers a probe.
type probeAck struct{ node sim.NodeID }

func writesSize(ws []Write) int {
	n := 0
	for i := range ws {
		n += wireMessageBytes + len(ws[i].Content)
	}
	return n
}

func rowsSize(rs []row) int {
	n := 0
	for i := range rs {
		n += wireMessageBytes + 16 + len(rs[i].content.value)
	}
	return n
}

func (m replicaWrite) WireSize() int     { return wireHeaderBytes + writesSize(m.writes) }
func (m replicaWriteAck) WireSize() int  { return wireHeaderBytes }
func (m replicaRead) WireSize() int      { return wireHeaderBytes + 40 }
func (m replicaRows) WireSize() int      { return wireHeaderBytes + 16 + rowsSize(m.scan.rows) }
func (m replicaIndexRead) WireSize() int { return wireHeaderBytes + 24 }
func (m replicaIndex) WireSize() int     { return wireHeaderBytes + 8*len(m.buckets) }
func (m hintBatch) WireSize() int        { return wireHeaderBytes + writesSize(m.writes) }
func (m hintAck) WireSize() int          { return wireHeaderBytes }
func (m probe) WireSize() int            { return wireHeaderBytes }
func (m probeAck) WireSize() int         { return wireHeaderBytes }
