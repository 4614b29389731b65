package store

import "fmt"

// Consistency is how many of a partition's replicas must answer a request
// before the coordinator replies, per request, as in Cassandra and ScyllaDB.
// A read at level R after a write at level W is sure to see the write when
// R + W > RF: QUORUM with QUORUM, ONE with ALL. ONE with ONE is faster and
// survives more failures, and may read a replica the write has not reached.
type Consistency uint8

const (
	// Quorum waits for a majority of the replicas (2 of 3). The zero
	// value: Discord runs its reads and writes at QUORUM (reference §4).
	Quorum Consistency = iota
	// One waits for one replica.
	One
	// All waits for every replica: one replica down fails the request.
	All
)

func (c Consistency) String() string {
	switch c {
	case Quorum:
		return "QUORUM"
	case One:
		return "ONE"
	case All:
		return "ALL"
	}
	return fmt.Sprintf("Consistency(%d)", uint8(c))
}

// valid reports whether c is one of the levels.
func (c Consistency) valid() bool { return c <= All }

// required returns how many of rf replicas must answer.
func (c Consistency) required(rf int) int {
	switch c {
	case One:
		return 1
	case All:
		return rf
	}
	return rf/2 + 1
}
