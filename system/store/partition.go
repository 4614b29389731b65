package store

import (
	"cmp"
	"slices"
)

// partition holds the rows of one (channel, bucket). Rows are kept in
// ascending ID order so that new messages, which carry the largest IDs,
// append at the end; reads walk it backwards, which is the table's
// clustering order (message_id DESC).
type partition struct {
	bucket Bucket
	rows   []row
}

// channelIndex is one channel's partitions on this node, ascending by
// bucket. It is how a read skips empty buckets: a bucket without a partition
// here is never visited.
type channelIndex struct {
	parts []*partition
	// markers are the buckets the channel's bucket index records
	// (bucketindex.go), ascending; held only by the index's replicas.
	markers []Bucket
}

// search returns the index of the first row with ID >= id, and whether that
// row is id.
func (p *partition) search(id Snowflake) (int, bool) {
	return slices.BinarySearchFunc(p.rows, id, func(r row, id Snowflake) int { return cmp.Compare(r.id, id) })
}

// upsert merges w into its row, creating the row if needed. It reports
// whether a row was created.
func (p *partition) upsert(w *Write) bool {
	i, found := p.search(w.Message)
	if !found {
		p.rows = slices.Insert(p.rows, i, row{id: w.Message})
	}
	p.rows[i].apply(w)
	return !found
}

// search returns the index of the first partition with bucket >= b, and
// whether it is b.
func (c *channelIndex) search(b Bucket) (int, bool) {
	return slices.BinarySearchFunc(c.parts, b, func(p *partition, b Bucket) int { return cmp.Compare(p.bucket, b) })
}

// partition returns the partition for bucket b, creating it if needed.
func (c *channelIndex) partition(b Bucket) *partition {
	i, found := c.search(b)
	if !found {
		c.parts = slices.Insert(c.parts, i, &partition{bucket: b})
	}
	return c.parts[i]
}
