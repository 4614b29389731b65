package store

import "github.com/guildsim/guildsim/sim"

// Token is a position on the consistent-hash ring: a 64-bit hash of a
// partition key (where data lives) or of a node's virtual node (who owns the
// arc ending there).
type Token uint64

// PartitionKey is the messages table's partition key, (channel_id, bucket)
// (reference §4: PRIMARY KEY ((channel_id, bucket), message_id)). Splitting a
// channel into 10-day buckets keeps each partition bounded and spreads a
// long-lived channel's history over the ring.
type PartitionKey struct {
	Channel Snowflake
	Bucket  Bucket
}

// PartitionOf returns the partition a message of channel is stored in.
func PartitionOf(channel, message Snowflake) PartitionKey {
	return PartitionKey{Channel: channel, Bucket: message.Bucket()}
}

// Token returns the key's place on the ring. Neighbouring buckets of one
// channel land far apart, as Murmur3 tokens do in Cassandra.
func (k PartitionKey) Token() Token {
	return Token(sim.Mix64(sim.Mix64(uint64(k.Channel)) + uint64(k.Bucket)))
}

// vnodeToken returns the token of virtual node i of node: a pure function of
// the two, so every ring that holds the node places it identically and a
// restart or a rebuild of the ring moves nothing.
func vnodeToken(node uint64, i int) Token {
	return Token(sim.Mix64(sim.Mix64(node^vnodeSalt) + uint64(i)))
}

// vnodeSalt separates node hashes from channel hashes, so that node 5 and
// channel 5 do not start from the same word.
const vnodeSalt = 0x6a09e667f3bcc909
