package sim

import (
	"testing"
)

func TestQueueOrdersByTimeThenSeq(t *testing.T) {
	var q queue
	r := NewRand(7)
	var now Time
	type key struct {
		at  Time
		seq uint64
	}
	for i := 0; i < 1000; i++ {
		q.push(event{at: Time(r.Duration(0, 3*Second))})
	}
	var last key
	for i := 0; i < 200000; i++ {
		e, ok := q.pop()
		if !ok {
			t.Fatalf("queue empty after %d pops", i)
		}
		k := key{e.at, e.seq}
		if k.at < last.at || (k.at == last.at && k.seq < last.seq) {
			t.Fatalf("pop %d: %v after %v", i, k, last)
		}
		last = k
		now = e.at
		q.push(event{at: now + Time(r.Duration(0, 2*Second))})
	}
}
