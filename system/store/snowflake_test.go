package store

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

func unixMilli(ms int64) sim.Time { return sim.Time(ms) * sim.Time(sim.Millisecond) }

// TestSnowflakeFields decodes IDs whose fields are known, Discord's own
// documentation example first.
func TestSnowflakeFields(t *testing.T) {
	tests := []struct {
		name                       string
		id                         Snowflake
		unixMs                     int64
		worker, process, increment int
		bucket                     Bucket
	}{
		{"discord docs example", 175928847299117063, 1462015105796, 1, 0, 7, 48},
		{"zero is the epoch", 0, DiscordEpoch, 0, 0, 0, 0},
		{"all fields full", maxSnowflake, DiscordEpoch + maxMillis, MaxWorker, MaxProcess, MaxIncrement, Bucket(maxMillis / bucketMillis)},
		{"built from fields", makeSnowflake(1000, 3, 17, 42), DiscordEpoch + 1000, 3, 17, 42, 0},
		{"last ms of bucket 0", makeSnowflake(bucketMillis-1, 0, 0, 0), DiscordEpoch + bucketMillis - 1, 0, 0, 0, 0},
		{"first ms of bucket 1", makeSnowflake(bucketMillis, 0, 0, 0), DiscordEpoch + bucketMillis, 0, 0, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, unixMilli(tc.unixMs), tc.id.Timestamp())
			require.Equal(t, tc.unixMs-DiscordEpoch, tc.id.Millis())
			require.Equal(t, tc.worker, tc.id.Worker())
			require.Equal(t, tc.process, tc.id.Process())
			require.Equal(t, tc.increment, tc.id.Increment())
			require.Equal(t, tc.bucket, tc.id.Bucket())
		})
	}
}

// TestBucketMath checks bucket boundaries and the ID bounds range reads use.
func TestBucketMath(t *testing.T) {
	// 2026-01-01 is 347155200000 ms after the epoch: bucket 401.
	require.Equal(t, Bucket(401), BucketAt(sim.DefaultStart))
	require.Equal(t, Bucket(0), BucketAt(0), "before the epoch clamps to bucket 0")
	require.Equal(t, 10*24*sim.Hour, BucketSpan)

	for _, b := range []Bucket{0, 1, 48, 401, Bucket(maxMillis/bucketMillis) - 1} {
		require.Equal(t, b, b.MinID().Bucket(), "bucket %d", b)
		require.Equal(t, b, b.MaxID().Bucket(), "bucket %d", b)
		require.Equal(t, b+1, (b.MaxID() + 1).Bucket(), "bucket %d", b)
		require.Equal(t, 0, b.MinID().Worker()+b.MinID().Process()+b.MinID().Increment())
		require.Equal(t, b.MinID().Timestamp().Add(BucketSpan), (b + 1).MinID().Timestamp())
	}
	last := Bucket(maxMillis / bucketMillis)
	require.Equal(t, maxSnowflake, last.MaxID(), "the last bucket is cut short by 42 bits")

	tests := []struct {
		name     string
		at       sim.Time
		min, max Snowflake
	}{
		{"epoch", unixMilli(DiscordEpoch), 0, 1<<22 - 1},
		{"before the epoch", unixMilli(DiscordEpoch - 5), 0, 0},
		{"mid-millisecond", unixMilli(DiscordEpoch + 7).Add(300 * sim.Microsecond), 7 << 22, 8<<22 - 1},
		{"docs example's ms", unixMilli(1462015105796), 41944705796 << 22, 41944705797<<22 - 1},
		{"past 42 bits", unixMilli(DiscordEpoch + maxMillis + 10), Snowflake(maxMillis) << 22, maxSnowflake},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.min, MinIDAt(tc.at))
			require.Equal(t, tc.max, MaxIDAt(tc.at))
		})
	}
	ex := Snowflake(175928847299117063)
	require.True(t, MinIDAt(ex.Timestamp()) <= ex && ex <= MaxIDAt(ex.Timestamp()))
}

func TestPartitionOf(t *testing.T) {
	ch := Snowflake(175928847299117063)
	msg := (Bucket(400).MinID() + 12345)
	require.Equal(t, PartitionKey{Channel: ch, Bucket: 400}, PartitionOf(ch, msg))
	// Neighbouring buckets of one channel hash far apart.
	a, b := PartitionKey{ch, 400}.Token(), PartitionKey{ch, 401}.Token()
	require.NotEqual(t, a, b)
	require.Equal(t, a, PartitionKey{ch, 400}.Token(), "tokens are a pure function of the key")
}
