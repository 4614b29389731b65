package store

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/guildsim/guildsim/sim"
)

// Disk is what the engine needs of a node's disk; *sim.DiskHandle has it.
// Append must copy data (the engine reuses its buffer). A DiskHandle is valid
// only during the handler call that made it, so the engine never keeps one:
// every method that touches the log takes it as an argument.
type Disk interface {
	Append(name string, data []byte)
	Sync(name string)
	ReadFile(name string) ([]byte, bool)
	Truncate(name string, size int)
}

var _ Disk = (*sim.DiskHandle)(nil)

// The commit log is a sequence of records, one per Write:
//
//	uvarint  body length
//	body     flags byte (bit 0: delete; bits 1-3: Columns; bit 4: marker)
//	         uvarint channel, uvarint message, varint timestamp,
//	         then for each column set, in bit order:
//	         uvarint author | uvarint length + content bytes | varint edited_at
//	4 bytes  CRC-32C of the body, little endian
//
// Varints keep a typical message under 60 bytes of overhead. The checksum
// tells a record that was cut short or garbled from a good one: replay stops
// at the first bad record, as Cassandra stops at a torn segment tail. On a sim
// disk a crash cuts the log at a sync, which always falls between records, so
// a bad record means a fault this engine did not expect and replay says so.

// crcTable is CRC-32C (Castagnoli), the checksum Cassandra's and ScyllaDB's
// commit logs use.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

const (
	flagDelete  = 1
	columnShift = 1
	flagMarker  = 1 << 6 // above the five column bits
	crcBytes    = 4
	// maxBodyBytes bounds a record: flags, four varints and a content of at
	// most MaxContentBytes with its length. A longer length prefix is garbage.
	maxBodyBytes = 1 + 6*binary.MaxVarintLen64 + MaxContentBytes + MaxReactionKeyBytes + 1
)

// appendRecord appends w's log record to buf.
func appendRecord(buf []byte, w *Write) []byte {
	buf = binary.AppendUvarint(buf, uint64(bodySize(w)))
	start := len(buf)
	flags := byte(w.Columns) << columnShift
	if w.Delete {
		flags |= flagDelete
	}
	if w.Marker {
		flags |= flagMarker
	}
	buf = append(buf, flags)
	buf = binary.AppendUvarint(buf, uint64(w.Channel))
	buf = binary.AppendUvarint(buf, uint64(w.Message))
	buf = binary.AppendVarint(buf, int64(w.Timestamp))
	if w.Columns&ColAuthor != 0 {
		buf = binary.AppendUvarint(buf, uint64(w.Author))
	}
	if w.Columns&ColContent != 0 {
		buf = binary.AppendUvarint(buf, uint64(len(w.Content)))
		buf = append(buf, w.Content...)
	}
	if w.Columns&ColEditedAt != 0 {
		buf = binary.AppendVarint(buf, int64(w.EditedAt))
	}
	if w.Columns&ColReaction != 0 {
		buf = binary.AppendUvarint(buf, uint64(len(w.Reaction)))
		buf = append(buf, w.Reaction...)
		on := byte(0)
		if w.ReactionOn {
			on = 1
		}
		buf = append(buf, on)
	}
	if w.Columns&ColPinned != 0 {
		on := byte(0)
		if w.Pinned {
			on = 1
		}
		buf = append(buf, on)
	}
	body := buf[start:]
	sim.Assert(len(body) == bodySize(w), "store: commit log body size disagrees with its encoding")
	return binary.LittleEndian.AppendUint32(buf, crc32.Checksum(body, crcTable))
}

// bodySize returns the encoded size of w's record body, so the length prefix
// can be written first without a scratch buffer.
func bodySize(w *Write) int {
	n := 1 + uvarintSize(uint64(w.Channel)) + uvarintSize(uint64(w.Message)) + varintSize(int64(w.Timestamp))
	if w.Columns&ColAuthor != 0 {
		n += uvarintSize(uint64(w.Author))
	}
	if w.Columns&ColContent != 0 {
		n += uvarintSize(uint64(len(w.Content))) + len(w.Content)
	}
	if w.Columns&ColEditedAt != 0 {
		n += varintSize(int64(w.EditedAt))
	}
	if w.Columns&ColReaction != 0 {
		n += uvarintSize(uint64(len(w.Reaction))) + len(w.Reaction) + 1
	}
	if w.Columns&ColPinned != 0 {
		n++
	}
	return n
}

func uvarintSize(x uint64) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}

// varintSize is the size of binary.AppendVarint's zig-zag encoding.
func varintSize(x int64) int { return uvarintSize(uint64(x<<1) ^ uint64(x>>63)) }

// nextRecord decodes the record at the start of data. ok is false when data
// does not start with a whole record whose checksum holds; n is the bytes the
// record took.
func nextRecord(data []byte) (w Write, n int, ok bool) {
	size, k := binary.Uvarint(data)
	if k <= 0 || size == 0 || size > maxBodyBytes || uint64(len(data)-k) < size+crcBytes {
		return Write{}, 0, false
	}
	body := data[k : k+int(size)]
	if binary.LittleEndian.Uint32(data[k+int(size):]) != crc32.Checksum(body, crcTable) {
		return Write{}, 0, false
	}
	w = decodeBody(body)
	return w, k + int(size) + crcBytes, true
}

// decodeBody decodes a body whose checksum held. One that then fails to
// parse was written by a different encoder: a bug, not a fault.
func decodeBody(b []byte) Write {
	r := bodyReader{b: b}
	flags := r.byte()
	w := Write{Delete: flags&flagDelete != 0, Marker: flags&flagMarker != 0,
		Columns: Columns((flags &^ flagMarker) >> columnShift)}
	w.Channel = Snowflake(r.uvarint())
	w.Message = Snowflake(r.uvarint())
	w.Timestamp = sim.Time(r.varint())
	if w.Columns&ColAuthor != 0 {
		w.Author = Snowflake(r.uvarint())
	}
	if w.Columns&ColContent != 0 {
		w.Content = string(r.bytes(int(r.uvarint())))
	}
	if w.Columns&ColEditedAt != 0 {
		w.EditedAt = sim.Time(r.varint())
	}
	if w.Columns&ColReaction != 0 {
		w.Reaction = string(r.bytes(int(r.uvarint())))
		w.ReactionOn = r.byte() == 1
	}
	if w.Columns&ColPinned != 0 {
		w.Pinned = r.byte() == 1
	}
	sim.Assert(len(r.b) == 0, "store: commit log record has trailing bytes")
	sim.Assert(w.validate() == nil, "store: commit log record decodes to an invalid write")
	return w
}

// bodyReader reads a record body; any overrun is an encoder bug.
type bodyReader struct{ b []byte }

func (r *bodyReader) byte() byte {
	sim.Assert(len(r.b) > 0, "store: commit log record too short")
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *bodyReader) uvarint() uint64 {
	v, k := binary.Uvarint(r.b)
	sim.Assert(k > 0, "store: commit log record has a bad uvarint")
	r.b = r.b[k:]
	return v
}

func (r *bodyReader) varint() int64 {
	v, k := binary.Varint(r.b)
	sim.Assert(k > 0, "store: commit log record has a bad varint")
	r.b = r.b[k:]
	return v
}

func (r *bodyReader) bytes(n int) []byte {
	sim.Assert(n >= 0 && n <= len(r.b), "store: commit log record content overruns")
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// ReplayStats reports what a replay found in the log.
type ReplayStats struct {
	Records int // writes re-applied
	Bytes   int // bytes of whole, valid records
	// DroppedBytes is what followed the last valid record: a torn or
	// garbled tail, cut off by Open.
	DroppedBytes int
}

// Replay re-applies the writes recorded in data (a commit log's contents) to
// the engine's memory, stopping at the first record that is not whole and
// valid. It writes nothing to the log. Writes merge by last-write-wins, so
// replaying a log twice, or over state that already holds some of its
// writes, changes nothing.
func (e *Engine) Replay(data []byte) ReplayStats {
	var st ReplayStats
	for st.Bytes < len(data) {
		w, n, ok := nextRecord(data[st.Bytes:])
		if !ok {
			break
		}
		e.apply(&w)
		st.Records++
		st.Bytes += n
	}
	st.DroppedBytes = len(data) - st.Bytes
	return st
}
