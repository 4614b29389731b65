package store

import "github.com/guildsim/guildsim/sim"

// Snowflake is a Discord ID (reference §4): from the top bit down, 42 bits of
// milliseconds since DiscordEpoch, a 5-bit worker, a 5-bit process and a
// 12-bit increment. IDs sort by the time they were minted, so message order
// in a channel is ID order; channels, guilds and users are snowflakes too.
// Minting lives in generator.go.
type Snowflake uint64

// DiscordEpoch is 2015-01-01T00:00:00Z in Unix milliseconds (1420070400000):
// a snowflake's timestamp counts from it.
const DiscordEpoch int64 = 1420070400000

// The bit layout, low to high: increment, process, worker, timestamp.
const (
	incrementBits = 12
	processBits   = 5
	workerBits    = 5
	timestampBits = 42

	processShift   = incrementBits
	workerShift    = incrementBits + processBits
	timestampShift = incrementBits + processBits + workerBits // 22, as in "id >> 22"

	// MaxWorker and MaxProcess are the largest values their 5-bit fields hold.
	MaxWorker  = 1<<workerBits - 1
	MaxProcess = 1<<processBits - 1
	// MaxIncrement is the last increment of a millisecond: 4096 IDs per
	// millisecond per generator.
	MaxIncrement = 1<<incrementBits - 1
	// maxMillis is the last millisecond 42 bits can hold (in the year 2154).
	maxMillis int64 = 1<<timestampBits - 1
	// maxSnowflake is the largest ID: every field full.
	maxSnowflake Snowflake = 1<<64 - 1
)

// bucketMillis is one bucket of the messages table: ten days, the width
// Discord chose so that a partition stays small enough for Cassandra while a
// quiet channel still finds its recent history in few partitions
// (reference §4: bucket = (id >> 22) / (1000*60*60*24*10)).
const bucketMillis int64 = 1000 * 60 * 60 * 24 * 10

// BucketSpan is the virtual time one bucket covers.
const BucketSpan = sim.Duration(bucketMillis) * sim.Millisecond

// Millis returns the ID's milliseconds since DiscordEpoch.
func (id Snowflake) Millis() int64 { return int64(id >> timestampShift) }

// Timestamp returns the wall-clock time the ID claims to have been minted at:
// (id >> 22) + DiscordEpoch milliseconds. It is the minting node's local
// clock, so skew and the generator's clock-backwards rule (generator.go) show
// up here.
func (id Snowflake) Timestamp() sim.Time {
	return sim.Time(id.Millis()+DiscordEpoch) * sim.Time(sim.Millisecond)
}

// Worker returns the ID's 5-bit worker field.
func (id Snowflake) Worker() int { return int(id>>workerShift) & MaxWorker }

// Process returns the ID's 5-bit process field.
func (id Snowflake) Process() int { return int(id>>processShift) & MaxProcess }

// Increment returns the ID's 12-bit increment field.
func (id Snowflake) Increment() int { return int(id) & MaxIncrement }

// Bucket returns the 10-day bucket the ID falls in: half of the partition key
// (channel_id, bucket) of the messages table.
func (id Snowflake) Bucket() Bucket { return Bucket(id.Millis() / bucketMillis) }

// Bucket numbers ten-day windows since DiscordEpoch (0 is 2015-01-01 to
// 2015-01-11). Messages of one channel in one bucket form one partition.
type Bucket int64

// MinID returns the smallest ID that falls in the bucket.
func (b Bucket) MinID() Snowflake { return snowflakeAtMillis(int64(b) * bucketMillis) }

// MaxID returns the largest ID that falls in the bucket.
func (b Bucket) MaxID() Snowflake {
	if (int64(b)+1)*bucketMillis > maxMillis {
		return maxSnowflake // the last, partial bucket
	}
	return (b + 1).MinID() - 1
}

// BucketAt returns the bucket of wall-clock time t (bucket 0 before the epoch).
func BucketAt(t sim.Time) Bucket { return MinIDAt(t).Bucket() }

// MinIDAt returns the smallest ID minted in t's millisecond: the bound for
// range reads by time ("messages after t" is After: MinIDAt(t)-1, "before t"
// is Before: MinIDAt(t)). Times before DiscordEpoch give 0; times past the
// 42-bit range give the largest millisecond's first ID.
func MinIDAt(t sim.Time) Snowflake { return snowflakeAtMillis(t.UnixMilli() - DiscordEpoch) }

// MaxIDAt returns the largest ID minted in or before t's millisecond (0
// before DiscordEpoch, when there is none).
func MaxIDAt(t sim.Time) Snowflake {
	if t.UnixMilli() < DiscordEpoch {
		return 0
	}
	return MinIDAt(t) | (1<<timestampShift - 1)
}

// snowflakeAtMillis returns the first ID of millisecond ms since the epoch,
// clamped to the 42-bit range.
func snowflakeAtMillis(ms int64) Snowflake {
	ms = min(max(ms, 0), maxMillis)
	return Snowflake(ms) << timestampShift
}

// makeSnowflake assembles an ID from its fields; callers keep them in range.
func makeSnowflake(ms int64, worker, process, increment uint64) Snowflake {
	sim.Assert(ms >= 0 && ms <= maxMillis, "store: snowflake milliseconds out of the 42-bit range")
	sim.Assert(worker <= MaxWorker && process <= MaxProcess && increment <= MaxIncrement,
		"store: snowflake field out of range")
	return Snowflake(uint64(ms)<<timestampShift | worker<<workerShift | process<<processShift | increment)
}
