package sim

import (
	"testing"
	"unsafe"
)

// The process record and queue entries are sized for cache lines: keep them.
func TestRecordSizes(t *testing.T) {
	if s := unsafe.Sizeof(proc{}); s != 64 {
		t.Errorf("proc is %d bytes, want 64 (one cache line)", s)
	}
	if s := unsafe.Sizeof(qent{}); s != 48 {
		t.Errorf("qent is %d bytes, want 48", s)
	}
}
