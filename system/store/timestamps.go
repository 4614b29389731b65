package store

import (
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Timestamps says where a coordinator takes the last-write-wins timestamp
// of an edit, delete, reaction or pin from (CoordinatorOptions.Timestamps).
// An insert is always stamped with its coordinator's clock: it creates the
// row, there is nothing older on it to lose to.
type Timestamps uint8

const (
	// TimestampsReadBumped (the zero value, the default): the
	// coordinator's clock, bumped past the newest cell the change's point
	// read saw: max(clock, newest + 1 ns). At QUORUM the point read meets
	// every change acknowledged before it began, so a change acknowledged
	// after another is timestamped after it and wins, whatever the
	// coordinators' clocks say.
	TimestampsReadBumped Timestamps = iota
	// TimestampsCoordinatorClock: the coordinator's clock as is, as
	// Cassandra stamps a write (USING TIMESTAMP absent). Legitimate but
	// unsafe: a coordinator whose clock runs behind stamps a later change
	// older than an earlier one, last-write-wins keeps the earlier, and an
	// acknowledged edit or delete is lost (the anomaly Jepsen reported for
	// Cassandra under clock skew, 2013). The lifecycle model catches it.
	TimestampsCoordinatorClock
)

var timestampsNames = [...]string{TimestampsReadBumped: "read-bumped", TimestampsCoordinatorClock: "coordinator-clock"}

func (t Timestamps) String() string {
	if int(t) < len(timestampsNames) {
		return timestampsNames[t]
	}
	return fmt.Sprintf("Timestamps(%d)", uint8(t))
}

// ParseTimestamps reads a Timestamps' name (read-bumped,
// coordinator-clock).
func ParseTimestamps(s string) (Timestamps, error) {
	for i, n := range timestampsNames {
		if n == s {
			return Timestamps(i), nil
		}
	}
	return 0, fmt.Errorf("timestamps %q: must be read-bumped or coordinator-clock", s)
}

// valid reports whether t is one of the sources.
func (t Timestamps) valid() bool { return int(t) < len(timestampsNames) }

// changeTimestamp is the timestamp of a change whose point read merged
// the row newest (the latest of its cells' timestamps, 0 if none).
func (t Timestamps) changeTimestamp(clock, newest sim.Time) sim.Time {
	if t == TimestampsCoordinatorClock {
		return clock
	}
	return max(clock, newest+1)
}
