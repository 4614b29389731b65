package store

import (
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// # The bucket index
//
// A channel's messages are spread over one partition per 10-day bucket, and
// each partition lives on its own replicas. Discord's reads walk buckets
// from now back, one query per bucket, empty or not (reference §4). A quiet
// channel then costs a page read one query per silent ten days, and a
// walk bounded to keep that cheap skips history older than the bound.
//
// The store keeps instead, per channel, a small grow-only set of the
// buckets that hold (or held) its messages: the bucket index. It is one
// more partition, (channel, indexBucket), placed on the ring like any other,
// whose rows are bucket markers. A coordinator writes the marker together
// with the first message it writes into a bucket, at the same consistency
// level, so that a read at a level that overlaps the write's (QUORUM with
// QUORUM, ONE with ALL) finds every bucket holding an acknowledged message;
// the read then asks the index first and visits only the buckets it names.
// Markers are never deleted (a bucket whose messages were all deleted still
// holds their tombstones), so merging two replicas' indexes is a union and
// needs no timestamps.

// indexBucket is the bucket number of a channel's bucket index partition.
// No message falls in it: buckets count up from 0 at the snowflake epoch.
const indexBucket Bucket = -1

// IndexPartition returns the partition that holds channel's bucket index.
func IndexPartition(channel Snowflake) PartitionKey {
	return PartitionKey{Channel: channel, Bucket: indexBucket}
}

// BucketMarker returns the write that records in channel's bucket index that
// bucket b holds data. It carries b as its bucket's largest ID, which is
// never 0, so the write stays a valid snowflake pair.
func BucketMarker(channel Snowflake, b Bucket, at sim.Time) Write {
	return Write{Channel: channel, Message: b.MaxID(), Timestamp: at, Marker: true}
}

// mark adds b to the channel's markers.
func (c *channelIndex) mark(b Bucket) {
	i, found := slices.BinarySearch(c.markers, b)
	if !found {
		c.markers = slices.Insert(c.markers, i, b)
	}
}

// Buckets returns the buckets channel's index holds on this node, at most
// limit of them: those at or below from, newest first, when backwards;
// those at or above from, oldest first, otherwise. Only the index's
// replicas hold markers; other nodes answer with nothing.
func (e *Engine) Buckets(channel Snowflake, from Bucket, backwards bool, limit int) []Bucket {
	ci := e.channels[channel]
	if ci == nil || limit <= 0 {
		return nil
	}
	i, found := slices.BinarySearch(ci.markers, from)
	var out []Bucket
	if backwards {
		if !found {
			i--
		}
		for ; i >= 0 && len(out) < limit; i-- {
			out = append(out, ci.markers[i])
		}
		return out
	}
	for ; i < len(ci.markers) && len(out) < limit; i++ {
		out = append(out, ci.markers[i])
	}
	return out
}
