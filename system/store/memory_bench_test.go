package store

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/guildsim/guildsim/sim"
)

// memChannel is the first of the benchmark's 100 channels.
var memChannel = Bucket(380).MinID() + 42<<22

// BenchmarkMemoryPerMessage measures the heap one stored message costs in
// one engine: 100000 messages of 40-byte content (each its own string)
// over 100 channels and 10 buckets, heap measured after GC before and after. "memtable" keeps only
// the rows (the commit log goes to a disk that drops it); "with-log" also
// keeps the log's bytes in memory, as a sim disk does.
func BenchmarkMemoryPerMessage(b *testing.B) {
	const messages = 100_000
	for _, keepLog := range []bool{false, true} {
		name := "memtable"
		if keepLog {
			name = "with-log"
		}
		b.Run(name, func(b *testing.B) {
			var perMessage, logPerMessage float64
			for range b.N {
				var disk Disk = nullDisk{}
				if keepLog {
					disk = newFakeDisk()
				}
				before := heapInUse()
				e, err := New(Options{})
				if err != nil {
					b.Fatal(err)
				}
				for i := range messages {
					ch := memChannel + Snowflake(i%100)<<22
					id := Bucket(400+i%10).MinID() + Snowflake(i)<<22
					// Each message its own content, as read off the wire:
					// a shared literal would hide the content's bytes.
					content := fmt.Sprintf("message %08d of about forty bytes, ok", i)
					if err := e.Apply(disk, Insert(ch, id, 1, content, sim.Time(i))); err != nil {
						b.Fatal(err)
					}
				}
				after := heapInUse()
				runtime.KeepAlive(e)
				runtime.KeepAlive(disk)
				perMessage = float64(after-before) / messages
				logPerMessage = float64(e.Stats().LogBytes) / messages
			}
			b.ReportMetric(perMessage, "heap-B/msg")
			b.ReportMetric(logPerMessage, "log-B/msg")
		})
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// nullDisk drops what is written to it.
type nullDisk struct{}

func (nullDisk) Append(string, []byte)          {}
func (nullDisk) Sync(string)                    {}
func (nullDisk) ReadFile(string) ([]byte, bool) { return nil, false }
func (nullDisk) Truncate(string, int)           {}
