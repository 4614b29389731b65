// Package store is guildsim's message store, modelled on Discord's
// Cassandra/ScyllaDB messages table (reference §4): snowflake IDs, a
// consistent-hash ring that places partitions on storage nodes, the storage
// engine of one node with its commit log, and the replicated cluster built
// from them as sim processes: a replica and a coordinator on every storage
// node, and a client API of request and reply messages.
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
//   - Engine (engine.go, partition.go, row.go, read.go, scan.go,
//     commitlog.go): one node's copy of the table. The bucket index
//     (bucketindex.go) records per channel which buckets hold data.
//   - Replica (replica.go): the storage process of a node; owns its Engine,
//     serves coordinators (wire.go), declares CPU by the CostModel (cost.go).
//   - Coordinator (coordinator.go, coord_*.go, peers.go, hints.go): serves
//     the client API on a storage node: consistency levels (consistency.go),
//     timeouts, speculative retry, hinted handoff, read repair.
//   - The client API (api.go) and Client (client.go), the caller's helper
//     that numbers requests, times them out and matches replies.
//
// A cluster is booted by each storage node's Boot spawning
// NewReplica(...) under "store" and NewCoordinator(...) under
// "store-coord", every coordinator given the same list of storage nodes.
//
// # The life of one message write
//
//  1. A caller (a guild process, a data service) sends WriteMessage{ID,
//     Channel, Message, Author, Content, Consistency} to a coordinator,
//     through its Client, which starts a timeout timer for it.
//  2. The coordinator checks the arguments (a bad one gets an ErrorReply
//     naming it), mints the message's snowflake with its Generator from its
//     node's clock (worker and process from the node's place in the
//     cluster) unless the caller minted it (Message not zero: guild
//     processes do, so that a channel's IDs follow its guild's request
//     order whichever coordinator a write goes through), and builds Insert(channel, id, author, content, now): the
//     partition is (channel, id.Bucket()), its replicas
//     Ring.ReplicasFor(key.Token(), 3). If this coordinator has not yet
//     written the channel's marker for that bucket, the write gets a second
//     leg: a BucketMarker to the replicas of the channel's index partition.
//  3. For each leg, if fewer replicas are believed up than the level needs
//     (QUORUM: 2 of 3), the caller gets ErrUnavailable and nothing is sent.
//     Otherwise every replica believed up is sent the leg; one believed
//     down gets a hint at once.
//  4. Each replica applies the write with Engine.Apply: validated, encoded
//     and appended to the commit log on the node's sim disk, synced before
//     the acknowledgement under SyncPerBatch (every 10 s by a timer under
//     SyncPeriodic, the default), merged into memory by last-write-wins per
//     cell, and acknowledged. It declares its CPU: 20µs + 2µs a row.
//  5. When every leg has the level's count of acknowledgements, the caller
//     gets Ack{ID, Message}. The coordinator keeps the write until every
//     replica it was sent to answered or WriteTimeout (2 s) passed; a
//     replica still silent then gets a hint, and if the level was not
//     reached the caller gets ErrTimeout (outcome unknown: the write may
//     have landed on some replicas).
//  6. Hints are replayed to their replica once it answers again (a probe
//     goes to nodes believed down every second), in acknowledged batches.
//
// An edit, a delete or a reaction (ReactMessage) first reads the message's
// row at its level (changing a message that is gone is ErrMessageDeleted or
// ErrUnknownMessage; an edit or delete whose Author precondition fails is
// ErrNotAuthor), then writes the change timestamped after every cell it
// read, the same way.
//
// Where last-write-wins timestamps come from: the coordinator's node clock
// (ctx.Now), skewed, drifting and jumping with that node's faults. An
// insert is stamped with its coordinator's clock as is; an edit, delete,
// reaction or pin with max(coordinator clock, newest cell its point read
// saw + 1 ns) (CoordinatorOptions.Timestamps = TimestampsReadBumped, the
// default; timestamps.go). The read-before-write is what keeps a change
// acknowledged after another from losing to it when the second
// coordinator's clock runs behind: at QUORUM the point read meets the
// earlier change. Reactions and pins are one cell per key (emoji and
// user; the pinned flag), so two users' reactions never overwrite each
// other; a write sets one key.
//
// The alternatives, and why not them:
//   - the coordinator's clock as is (TimestampsCoordinatorClock, --timestamps
//     coordinator-clock): Cassandra's own behaviour, kept as an unsafe
//     setting. With store-1's clock 20 s behind and the guilds moving to it
//     when store-0 crashes, an edit or delete acknowledged after an earlier
//     write is stamped before it and lost: the anomaly Jepsen reported for
//     Cassandra (2013). The lifecycle model says Illegal (lifecycle seed 1
//     with 'clock-skew store-1 -20s at +0s for 29s; crash store-0 at +8s
//     for 4s'; TestCoordinatorClockTimestampsLoseChanges and
//     TestTimestampsUnderClockSkew), the default passes the same schedule.
//   - the guild's clock: one guild process serialises a channel's
//     changes, so its clock would order them as acknowledged, but only
//     while its node's clock never goes back: a guild node's clock jumps
//     and restarts behind (clock-skew-snowflakes does both) would need the
//     guard the snowflake generator has (reservations, generator.go), and
//     the store would trust a timestamp its caller sent.
//   - a per-message version (a counter in the row, compare-and-set):
//     orders every change of a message without any clock, but needs a
//     read-modify-write that is atomic across replicas (Cassandra's
//     lightweight transactions: Paxos, four round trips), which this store
//     does not have; two concurrent changes reading the same version would
//     both write version+1 and tie.
//
// Read-bumped costs nothing the change did not already pay (the point read
// is there for Unknown Message), and keeps a change acknowledged after
// another winning whatever the clocks say; concurrent changes still
// resolve by clock, which the model accepts in either order.
//
// # The life of one page read
//
//  1. ReadPage{Query, Consistency}: the latest Limit messages, or the Limit
//     before Before, or after After; 1 to 100 of them.
//  2. The coordinator reads the channel's bucket index at the level and gets
//     the buckets that hold data, newest first (or oldest first from
//     After's), at most MaxBucketsPerRead: empty buckets are never visited.
//  3. Bucket by bucket, it asks as many replicas as the level needs (its own
//     node first when it is one, then ring order; the other replicas too if
//     they are slow to answer: speculative retry) for the rows past the
//     cursor until each has seen enough live ones. Replicas answer with
//     every row they examined, tombstones included, each cell with its write
//     timestamp; each declares 20µs + 2µs a row + 1µs a tombstone.
//  4. The coordinator merges the answers by last-write-wins, keeps what all
//     of them covered, takes the live messages, and sends each replica whose
//     copy was missing or stale the cells it lacked (read repair). If
//     replicas disagreed on deletes and the page came out short, it reads on
//     in the same bucket (short read protection); otherwise it moves to the
//     next bucket until the page is full. The caller gets PageReply.
//     Read repair blocks (Cassandra 4.0's BLOCKING): a round that repaired
//     a replica waits for its acknowledgement before it replies or reads
//     on, and the read fails with ErrTimeout if it does not come in time.
//     So QUORUM reads are monotonic: what one returned is on a QUORUM of
//     replicas, and every later QUORUM read sees it, even for a write
//     whose caller got an error (swarm seed 1651 showed the read that
//     went back in time when the repair died with its replica).
//  5. A scan round whose answers disagreed (one lacked a row or a cell
//     another had) is not taken into the page even once repaired: the
//     answers may have been taken seconds apart (a request held back by a
//     partition, a slow replica), and their union can hold a message Y
//     without a message X acknowledged before Y was sent. So after its
//     repairs the coordinator reads the same range again, and takes only a
//     round whose answers agree, at most MaxRereadRounds (8) times per
//     place in the walk (then ErrTimeout). A round whose answers agree is
//     the channel at the instant of its earliest answer (coord_page.go,
//     "Snapshots"), and a backwards walk (the latest page, or Before)
//     reads older IDs at later instants, so its page is a log's newest
//     messages at one instant. Swarm seed 16782 found the page that was
//     not (TestPageReadIsSnapshot).
//
// # Consistency levels
//
// Per request: ONE, QUORUM (the zero value and the default, as Discord
// runs it) or ALL, for reads and writes alike. A read sees every write
// acknowledged before it started when read and write levels overlap (R + W
// > 3: QUORUM with QUORUM, ONE with ALL); TestClusterQuorumUnderCrashes
// checks it over many seeds with storage nodes crashing one at a time. ONE
// with ONE can read stale data: TestStaleReadAtOne shows the read that
// QUORUM prevents, TestClusterOneGoesStale the same workload failing at ONE.
//
// # What is promised
//
//   - Last-write-wins per column, by write timestamp. Ties go to the larger
//     value; a row tombstone shadows every cell written at or before it, so a
//     delete wins a tie with a write (Cassandra's rules). Merges commute and
//     are idempotent: writes applied in any order, any number of times
//     (replicas, replay, hints, repairs) give the same rows.
//   - Deletes leave tombstones that are never purged, and reads pay for
//     scanning them; past Options.TombstoneFailureThreshold (100000) a read
//     fails with ErrTombstoneOverwhelm, as Cassandra's does.
//   - A row without a visible author is dropped on read: an edit racing a
//     delete (older or newer than it, it never writes author) or an edit
//     reaching a replica before the insert.
//   - Pages hold 1 to 100 messages, newest first; other sizes get
//     ErrPageSize. A page can come back short, never with a gap, when
//     replicas disagree on deletes beyond MaxShortReadRounds.
//   - A QUORUM or ALL page of the latest messages (or before Before) is
//     the channel at one instant between the read's call and its reply:
//     it never holds a message without one acknowledged before that
//     message was sent (given IDs minted in request order, as guilds do).
//     Cassandra promises less: its partition reads merge answers taken at
//     different moments, which swarm seed 16782 showed breaking this.
//   - Every request gets exactly one reply or, from the Client, ErrNoReply
//     after its timeout (10 s).
//   - Snowflakes: unique and increasing per generator whatever the clock
//     does; across coordinators, unique (each has its own worker/process
//     pair), ordered only as well as their clocks agree.
//
// # What a crash loses
//
//   - A storage node under SyncPerBatch loses nothing it acknowledged.
//     Under SyncPeriodic it loses every write since its last sync (up to
//     10 s), acknowledged or not; at QUORUM the other replicas still hold
//     the acknowledged ones, and hints and read repair bring them back.
//     Until they do, one crash is enough to hide an acknowledged write from
//     a QUORUM read: if the crashed replica held it, the third replica
//     never got it and its hint lived in the crashed coordinator's memory, a
//     QUORUM of the crashed and the third replica misses it (the swarm
//     scenario found this; read repair restores it from the survivor).
//     Losing it for good needs two of its replicas to crash within one
//     sync period. What survives on a node is a prefix of its log.
//   - A restarted replica replays its whole commit log before serving
//     (1µs a record) and misses the writes made while it was down until
//     hints or read repair deliver them.
//   - A coordinator's node takes with it the requests in flight there
//     (callers get ErrNoReply: outcome unknown), its hints (kept in memory;
//     Cassandra keeps them on disk: here read repair is what heals the
//     replicas they were for), and its generator's last ID: if the node's
//     clock went back across the restart, its new coordinator could mint
//     IDs again (GeneratorOptions.After would need a persisted mark).
//
// # Fault budget
//
// What the store promises to survive, in the faults swarm draws (faults
// Budget, scenarios World.Budget; swarm refuses a fault that would go
// beyond it and says so, and a --faults schedule that goes beyond it
// makes the run's result beyond-budget):
//
//   - Any number of crashes, partitions, clock and link faults, one at a
//     time or all at once, with SyncPerBatch: nothing acknowledged is
//     lost (at worst reads and writes are unavailable while a QUORUM is
//     unreachable). A crash loses only what was not synced, and under
//     SyncPerBatch every acknowledged write was.
//   - A disk that lies about syncs (the disk-lose-syncs fault: firmware
//     that acknowledges an fsync it did not do) loses nothing while its
//     node stays up; a crash of that node while the disk lies, or within
//     StateLossGrace (10 s, a sync period) after, loses what it
//     acknowledged meanwhile. That node has lost state.
//   - One replica of a partition may lose state if the others get every
//     write it acknowledged: from the moment its disk starts lying to its
//     restart after the crash that loses the state, every other replica
//     is up, connected to the others, its links not slowed (latency, loss,
//     reordering) and losing nothing, and the lying replica's own links
//     are neither cut nor slowed. Replication factor 3 and QUORUM writes
//     leave an acknowledged write on two replicas; if one of them loses it
//     and the third does not have it (it was down or cut off; or the leg
//     to it was still on a slow link, or on the lying node's cut one, when
//     that node crashed and dropped it, its hint dying in the same crash),
//     a QUORUM of those two answers without it and the write is gone.
//     Cassandra promises no more: R + W > RF overlaps only while replicas
//     keep what they acknowledged, and a disk lying about fsync is outside
//     its fault model. The sweep of swarm seeds 1001-10000 lost
//     acknowledged writes this way eight times (1970: store-1 down while
//     store-0's disk lied, then store-0 crashed; 4142: store-1 cut off
//     instead; the 20,000-seed sweep found 8576: store-0 itself cut off,
//     store-2's links slow). Not counted: a link's ordinary jitter, which
//     could (rarely) leave a leg in flight past the round trip to the
//     second replica when the lying node crashes.
//   - The budget counts every pair of storage nodes as sharing a
//     partition (with 3 nodes and RF 3, all do); under SyncPeriodic every
//     crash loses up to a sync period of writes, which the budget does
//     not count: SyncPeriodic is the documented unsafe setting.
//
// # Data services
//
// A tier of DataService processes sits in front of the coordinators
// (dataservice.go): callers send it the same API messages, a
// DataServiceRouter picks the instance for a channel by consistent hash on
// channel_id, and the instance forwards to the store as an ordinary Client.
// Its mode is switchable so scenarios can show the difference:
// DataServiceOff (pass-through), DataServiceCoalescing (identical concurrent
// reads share one store query, coalesce.go) and DataServiceCoalescingCache
// (plus an LRU of each channel's latest page, lru.go; the default, as
// Discord runs it). A write, edit or delete passing through invalidates the
// channel's cache entry and its reads in flight before its reply goes on,
// so no reader that starts after an acknowledged write sees the page from
// before it. TestHotChannel: 2,000 readers on one channel within 50 ms cost
// 2,000 store queries with the tier off, 28 with coalescing (71x fewer) and
// 2 with coalescing and the cache (1000x), with replica CPU falling 70x and
// ~833x.
//
// # Buggify
//
// Five sites (sim's Ctx.Buggify, on only in runs with buggify) make legal
// but rare timings common; each is named and explained where it is asked:
//   - "store/replica-late-reply" (replica.go): an answer to a coordinator
//     (write ack, rows, bucket index) leaves 20-500 ms late, or one time in
//     four 2-3 s late (past WriteTimeout: the coordinator hints the write
//     and counts a miss). Late answers may be overtaken by later ones.
//   - "store/commitlog-slow-sync" (replica.go): a commit log sync stalls the
//     replica for 50-800 ms more, at most once per 2 s (slowSyncQuiet):
//     fired on every fourth sync it saturated replicas under SyncPerBatch
//     (mixed seed 1696), which is a failed disk, not a rare timing.
//   - "store/coordinator-early-timeout" (coord_op.go): an operation's
//     deadline is a tenth to a half of the configured timeout.
//   - "store/speculative-retry-at-once" (coord_read.go): a read round asks
//     every replica believed up at once instead of after SpeculativeDelay.
//   - "store/dataservice-cache-miss" (dataservice_read.go): a read the
//     data service's cache could answer misses it (an eviction, a restart)
//     and goes to the coalescer and the store. Only runs whose reads go
//     through the data services (--read-path data-services) reach it.
//
// # Not built yet (next steps)
//
//   - Group commit: under SyncPerBatch every write pays a whole sync.
//   - Memtable flush, SSTables, compaction, tombstone expiry (gc_grace) and
//     commit log segment recycling: today the log grows for ever and a
//     restart replays all of it.
//   - Snapshot forward pages: a page read after After that takes more
//     than one round (buckets, short read rounds) reads newer IDs at later
//     instants, so it can hold a message without an older one acknowledged
//     after its earlier round; each round is a snapshot, the page is not.
//     No workload reads forwards yet.
//   - Hints on disk, anti-entropy repair (Merkle trees), ring membership
//     changes (bootstrap, decommission, streaming), a latency-driven
//     snitch and speculative retry, idempotent writes (a nonce, so that a
//     timed-out write can be retried without minting a second message).
package store
