package store

import (
	"errors"
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Engine is one storage node's copy of the messages table: a commit log on
// the node's disk and the rows in memory (a memtable that is never flushed;
// see doc.go for what is not built). A storage process owns one engine and
// passes its handler's disk handle to every call that touches the log.
type Engine struct {
	opts     Options
	channels map[Snowflake]*channelIndex // looked up, never ranged over
	buf      []byte                      // reused encoding buffer
	stats    EngineStats
}

// SyncPolicy says when the commit log is made durable.
type SyncPolicy uint8

const (
	// SyncPeriodic: a write is acknowledged once it is in the log and in
	// memory; the owning process calls Sync every Options.SyncPeriod. A crash
	// loses the writes of the last period, acknowledged or not. The default,
	// as in Cassandra and ScyllaDB (commitlog_sync: periodic).
	SyncPeriodic SyncPolicy = iota
	// SyncPerBatch: Apply syncs the log before it returns, once per batch
	// (Cassandra's commitlog_sync: batch, a group commit). A crash loses
	// nothing Apply returned from; every batch pays the disk's sync latency.
	SyncPerBatch
)

func (p SyncPolicy) String() string {
	switch p {
	case SyncPeriodic:
		return "periodic"
	case SyncPerBatch:
		return "batch"
	}
	return fmt.Sprintf("SyncPolicy(%d)", uint8(p))
}

// Options configures an Engine. The zero value is valid: every field has a
// default.
type Options struct {
	_ struct{}
	// LogName is the commit log's file on the node's disk. Default "commitlog".
	LogName string
	// Sync is the commit log's sync policy. Default SyncPeriodic.
	Sync SyncPolicy
	// SyncPeriod is how often the owner should call Sync under SyncPeriodic.
	// The engine keeps no timers; it only carries the figure. Default 10 s
	// (Cassandra's and ScyllaDB's commitlog_sync_period_in_ms: 10000).
	SyncPeriod sim.Duration
	// MaxPageSize bounds Query.Limit. Default 100, the largest limit
	// Discord's "get channel messages" accepts.
	MaxPageSize int
	// TombstoneFailureThreshold aborts a read that scans more tombstones
	// than this, as Cassandra aborts with TombstoneOverwhelmingException.
	// Default 100000 (Cassandra's tombstone_failure_threshold).
	TombstoneFailureThreshold int
}

// Option defaults.
const (
	DefaultLogName                   = "commitlog"
	DefaultSyncPeriod                = 10 * sim.Second
	DefaultMaxPageSize               = 100
	DefaultTombstoneFailureThreshold = 100_000
)

// ErrOptions reports a bad engine option.
var ErrOptions = errors.New("store: bad engine options")

func (o Options) withDefaults() (Options, error) {
	if o.LogName == "" {
		o.LogName = DefaultLogName
	}
	if o.SyncPeriod == 0 {
		o.SyncPeriod = DefaultSyncPeriod
	}
	if o.MaxPageSize == 0 {
		o.MaxPageSize = DefaultMaxPageSize
	}
	if o.TombstoneFailureThreshold == 0 {
		o.TombstoneFailureThreshold = DefaultTombstoneFailureThreshold
	}
	switch {
	case o.Sync != SyncPeriodic && o.Sync != SyncPerBatch:
		return o, fmt.Errorf("%w: sync policy %d: must be SyncPeriodic or SyncPerBatch", ErrOptions, o.Sync)
	case o.SyncPeriod < 0:
		return o, fmt.Errorf("%w: sync period %s: must be positive", ErrOptions, o.SyncPeriod)
	case o.MaxPageSize < 1:
		return o, fmt.Errorf("%w: max page size %d: must be at least 1", ErrOptions, o.MaxPageSize)
	case o.TombstoneFailureThreshold < 1:
		return o, fmt.Errorf("%w: tombstone failure threshold %d: must be at least 1", ErrOptions, o.TombstoneFailureThreshold)
	}
	return o, nil
}

// EngineStats counts an engine's work since it was opened.
type EngineStats struct {
	Writes      uint64 // writes applied by Apply (not by replay)
	Batches     uint64 // calls of Apply that wrote something
	Syncs       uint64 // commit log syncs issued
	LogBytes    int64  // commit log size as this engine knows it
	SyncedBytes int64  // prefix of the log known durable
	Partitions  int    // partitions held
	Rows        int    // rows held, tombstoned ones included
}

// New returns an empty engine. A storage process that restarts uses Open.
func New(opts Options) (*Engine, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Engine{opts: o, channels: map[Snowflake]*channelIndex{}}, nil
}

// Open returns an engine rebuilt from the commit log on d: what a storage
// process does when it starts. A crash leaves only the synced prefix of the
// log, so the engine comes back with every synced write and nothing else. A
// tail that is not a whole valid record is cut off the file, so that new
// records never follow garbage, and the log is synced once before Open
// returns.
func Open(opts Options, d Disk) (*Engine, ReplayStats, error) {
	e, err := New(opts)
	if err != nil {
		return nil, ReplayStats{}, err
	}
	data, _ := d.ReadFile(e.opts.LogName)
	st := e.Replay(data)
	if st.DroppedBytes > 0 {
		d.Truncate(e.opts.LogName, st.Bytes)
	}
	// What was read may not all be durable: a process restarted without its
	// node crashing reads unsynced writes from the page cache too. Syncing
	// before serving anything means a crash right after cannot take back a
	// write this engine has already shown to a reader; it also makes the cut
	// of a bad tail durable.
	e.stats.LogBytes = int64(st.Bytes)
	if st.Bytes > 0 || st.DroppedBytes > 0 {
		d.Sync(e.opts.LogName)
		e.stats.SyncedBytes = e.stats.LogBytes
		e.stats.Syncs++
	}
	return e, st, nil
}

// Options returns the engine's options with defaults filled in.
func (e *Engine) Options() Options { return e.opts }

// Apply records ws in the commit log and then applies them to memory, in
// order; under SyncPerBatch it syncs the log once before applying. Either
// every write is valid and all are applied, or Apply returns ErrBadWrite and
// nothing changes.
func (e *Engine) Apply(d Disk, ws ...Write) error {
	for i := range ws {
		if err := ws[i].validate(); err != nil {
			return err
		}
	}
	if len(ws) == 0 {
		return nil
	}
	// Write-ahead: the log first, so that memory never holds a write a
	// restart could not rebuild from a synced log.
	e.buf = e.buf[:0]
	for i := range ws {
		e.buf = appendRecord(e.buf, &ws[i])
	}
	d.Append(e.opts.LogName, e.buf)
	e.stats.LogBytes += int64(len(e.buf))
	if e.opts.Sync == SyncPerBatch {
		e.Sync(d)
	}
	for i := range ws {
		e.apply(&ws[i])
	}
	e.stats.Writes += uint64(len(ws))
	e.stats.Batches++
	return nil
}

// Sync makes the log durable up to its end, if anything is pending. Under
// SyncPeriodic the owner calls it every Options.SyncPeriod; it costs the
// calling process the node's sync latency.
func (e *Engine) Sync(d Disk) {
	if e.stats.SyncedBytes == e.stats.LogBytes {
		return
	}
	d.Sync(e.opts.LogName)
	e.stats.SyncedBytes = e.stats.LogBytes
	e.stats.Syncs++
}

// UnsyncedBytes returns how much of the log a crash would lose now.
func (e *Engine) UnsyncedBytes() int64 { return e.stats.LogBytes - e.stats.SyncedBytes }

// Stats returns the engine's counters.
func (e *Engine) Stats() EngineStats { return e.stats }

// apply merges one valid write into memory.
func (e *Engine) apply(w *Write) {
	ci := e.channels[w.Channel]
	if ci == nil {
		ci = &channelIndex{}
		e.channels[w.Channel] = ci
	}
	if w.Marker {
		ci.mark(w.Message.Bucket())
		return
	}
	n := len(ci.parts)
	p := ci.partition(w.Message.Bucket())
	e.stats.Partitions += len(ci.parts) - n
	if p.upsert(w) {
		e.stats.Rows++
	}
}
