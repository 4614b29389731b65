package gateway

// ShardFor returns the shard that receives a guild's events:
// (guild_id >> 22) % num_shards, the guild's creation time in milliseconds
// modulo the shard count (reference §1, "Sharding"). Direct messages have no
// guild and go to shard 0. numShards must be positive.
func ShardFor(guildID uint64, numShards int) int {
	if numShards <= 1 {
		return 0
	}
	return int((guildID >> 22) % uint64(numShards))
}

// IdentifyBucket returns the max_concurrency bucket of a shard: shard_id %
// max_concurrency. Shards of one bucket identify one at a time, one per
// 5 s; different buckets identify in parallel (reference §1, "Limits").
func IdentifyBucket(shardID, maxConcurrency int) int {
	if maxConcurrency <= 1 {
		return 0
	}
	return shardID % maxConcurrency
}

// validShard reports whether Identify's shard field is acceptable: absent
// ([0, 0]) or 0 <= shard_id < num_shards. Anything else closes with 4010.
func validShard(s [2]int) bool {
	if s == [2]int{} {
		return true
	}
	return s[1] > 0 && s[0] >= 0 && s[0] < s[1]
}
