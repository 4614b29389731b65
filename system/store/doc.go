// Package store is guildsim's message store, modelled on Discord's
// Cassandra/ScyllaDB messages table (reference §4). This first layer holds
// its foundations: snowflake IDs, the consistent-hash ring that places
// partitions on storage nodes, and the storage engine of one node with its
// commit log. Everything is a plain value owned by one sim process; nothing
// here keeps a clock, a timer or a disk handle of its own.
//
// # The pieces
//
//   - Snowflake (snowflake.go): 42 bits of milliseconds since 2015-01-01, 5
//     bits of worker, 5 of process, 12 of increment. IDs sort by mint time;
//     Bucket() gives the 10-day bucket, MinIDAt/MaxIDAt turn times into ID
//     bounds for range reads.
//   - Generator (generator.go): mints IDs from the node's local wall clock.
//     IDs from one generator are strictly increasing even when the clock
//     jumps back (it keeps the last millisecond) or a millisecond's 4096
//     increments run out (it borrows the next millisecond); both are counted.
//     The type's documentation gives the rules and why it does not wait.
//   - PartitionKey and Token (token.go): the partition key (channel_id,
//     bucket) and its 64-bit hash.
//   - Ring (ring.go): virtual nodes on a 64-bit circle; Owner and
//     ReplicasFor (the first rf distinct nodes clockwise).
//   - Engine (engine.go, partition.go, row.go, read.go, commitlog.go): one
//     node's copy of the table.
//
// # The life of one message write
//
//  1. A guild process mints the message's ID with its Generator and builds
//     Insert(channel, id, author, content, now). The partition key is
//     (channel, id.Bucket()); later, a coordinator will find the partition's
//     replicas with Ring.ReplicasFor(key.Token(), 3).
//  2. The storage process calls Engine.Apply(ctx.Disk(), w). The write is
//     validated, encoded as one compact record (varints and a CRC-32C) and
//     appended to the commit log file on the node's sim disk: write-ahead,
//     so memory never holds what the log could not give back.
//  3. Under SyncPerBatch, Apply syncs the log before returning (one sync per
//     batch, costing the process the disk's sync latency); under
//     SyncPeriodic (the default) the process syncs on a timer every
//     Options.SyncPeriod (10 s, as in Cassandra and ScyllaDB).
//  4. The write is merged into memory: the channel's partition for the
//     bucket, the row for the message ID, and each column cell keeps the
//     value with the newest write timestamp. The process acknowledges.
//  5. A read (Engine.Read) walks the channel's partitions from the newest
//     bucket back (or forwards from After's), visits only buckets that hold
//     data, examines rows newest first, drops dead ones and stops when the
//     page is full. The page reports partitions visited, rows touched and
//     tombstones scanned: the cost model's inputs.
//  6. If the node crashes, its disk keeps only the synced prefix of the log.
//     On restart the storage process calls Open, which replays the log,
//     cuts off any bad tail and syncs once before serving.
//
// # What is promised
//
//   - Last-write-wins per column, by write timestamp. Ties go to the larger
//     value; a row tombstone shadows every cell written at or before it, so a
//     delete wins a tie with a write (Cassandra's rules). Merges commute and
//     are idempotent: writes applied in any order, any number of times
//     (replicas, replay) give the same rows.
//   - Deletes leave tombstones that are never purged, and reads pay for
//     scanning them; past Options.TombstoneFailureThreshold (100000) a read
//     fails with ErrTombstoneOverwhelm, as Cassandra's does.
//   - A row without a visible author is dropped on read: an edit racing a
//     delete (older or newer than it, it never writes author) or an edit
//     reaching a replica before the insert.
//   - Pages hold 1 to Options.MaxPageSize (100) messages, newest first; other
//     sizes get ErrPageSize.
//   - Durability: under SyncPerBatch a crash loses nothing Apply returned
//     from. Under SyncPeriodic it loses every write since the last Sync,
//     acknowledged or not (up to SyncPeriod of writes); replication is what
//     is meant to cover that. Either way, what survives is exactly a prefix
//     of the writes in log order, and nothing changes but the loss.
//   - Snowflakes: unique and increasing per generator whatever the clock
//     does; across generators, unique while worker/process pairs differ,
//     ordered only as well as their clocks agree.
//
// # Not built yet (next steps)
//
//   - Storage processes and replication: RF 3 over the ring, per-request
//     consistency ONE / QUORUM (the default) / ALL, coordinator timeouts,
//     hinted handoff, read repair (rows will need to travel with their cell
//     timestamps for that).
//   - The client API as messages with request IDs and timeouts, and its
//     error replies (unknown channel, edit of a deleted message).
//   - Data services routed by consistent hash on channel_id, with request
//     coalescing, and the LRU cache of hot channels with invalidation.
//   - The cost model: ctx.Work from ReadCost and write counts.
//   - Memtable flush, SSTables, compaction, tombstone expiry (gc_grace) and
//     commit log segment recycling: today the log grows for ever and a
//     restart replays all of it.
package store
