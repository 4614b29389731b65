package gateway

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
)

func TestReplayBuffer(t *testing.T) {
	var b replayBuffer
	const limit = 5
	push := func(from, to uint64) {
		for s := from; s <= to; s++ {
			b.push(s, bufferedEvent{event: "E", data: s}, limit)
		}
	}
	seqs := func(after uint64) []uint64 {
		var out []uint64
		b.each(after, func(s uint64, e *bufferedEvent) {
			if e.data.(uint64) != s {
				t.Fatalf("event %d holds %v", s, e.data)
			}
			out = append(out, s)
		})
		return out
	}
	push(1, 3)
	if got := seqs(1); len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Fatalf("after 1: %v", got)
	}
	if !b.covers(0, 3) || !b.covers(3, 3) {
		t.Fatal("a buffer holding 1..3 covers resumes from 0 and 3")
	}
	push(4, 8) // holds 4..8 now: 1..3 evicted
	if b.first != 4 || b.n != limit {
		t.Fatalf("first %d n %d, want 4 and %d", b.first, b.n, limit)
	}
	if b.covers(2, 8) || !b.covers(3, 8) || !b.covers(7, 8) {
		t.Fatal("covers: resume from 2 needs event 3, which is gone; from 3 is fine")
	}
	b.trimThrough(6)
	if got := seqs(0); len(got) != 2 || got[0] != 7 {
		t.Fatalf("after trimming through 6: %v", got)
	}
	b.trimThrough(8)
	if b.n != 0 || b.ring != nil {
		t.Fatal("an emptied buffer releases its ring")
	}
	if !b.covers(8, 8) {
		t.Fatal("nothing missed: covered")
	}
	if b.covers(7, 8) {
		t.Fatal("event 8 was trimmed: a resume from 7 cannot be served")
	}
	push(9, 9)
	if got := seqs(8); len(got) != 1 || got[0] != 9 {
		t.Fatalf("after refill: %v", got)
	}
}

func TestSessionIDs(t *testing.T) {
	r := sim.NewRand(1)
	for _, node := range []sim.NodeID{0, 1, 7, 1 << 20, 1<<31 - 1} {
		id := newSessionID(node, r)
		got, ok := sessionNode(id)
		if !ok || got != node || len(id) != sessionIDLen {
			t.Fatalf("node %d: id %q parses as %d, %v", node, id, got, ok)
		}
	}
	for _, bad := range []string{"", "xyz", "00000001ABCDEF0123456789", "0000000100000000000000000", "ffffffff0000000000000000"} {
		if _, ok := sessionNode(bad); ok {
			t.Fatalf("%q parsed as a session ID", bad)
		}
	}
}

func TestRateWindow(t *testing.T) {
	var r rateWindow
	t0 := sim.DefaultStart
	for i := range 120 {
		if !r.allow(t0.Add(sim.Duration(i)*100*sim.Millisecond), 120, 60*sim.Second) {
			t.Fatalf("payload %d refused", i+1)
		}
	}
	if r.allow(t0.Add(59*sim.Second), 120, 60*sim.Second) {
		t.Fatal("the 121st payload within 60 s allowed")
	}
	if !r.allow(t0.Add(60*sim.Second), 120, 60*sim.Second) {
		t.Fatal("a new window should open 60 s after the first payload")
	}
}

func TestIdentifyLimits(t *testing.T) {
	l := identifyLimits{budget: 3, budgetWindow: 24 * sim.Hour, concurrencyWindow: 5 * sim.Second}
	t0 := sim.DefaultStart
	at := func(d sim.Duration) sim.Time { return t0.Add(d) }
	steps := []struct {
		at      sim.Duration
		token   string
		bucket  int
		buckets int
		want    admitVerdict
	}{
		{0, "bot", 0, 2, admitOK},
		{0, "bot", 1, 2, admitOK},                   // another bucket: in parallel
		{sim.Second, "bot", 0, 2, admitConcurrency}, // same bucket within 5 s
		{sim.Second, "other", 0, 1, admitOK},        // tokens are independent
		{5 * sim.Second, "bot", 2, 2, admitOK},      // bucket 2 % 2 = 0, 5 s later: third of the budget
		{11 * sim.Second, "bot", 1, 2, admitBudget}, // budget of 3 spent
		{11 * sim.Second, "bot", 1, 2, admitBudget}, // refusals do not move the bucket
		{24 * sim.Hour, "bot", 1, 2, admitOK},       // a new day
		{24*sim.Hour + sim.Second, "bot", 1, 2, admitConcurrency},
	}
	for i, s := range steps {
		if got := l.admit(at(s.at), s.token, s.bucket, s.buckets); got != s.want {
			t.Fatalf("step %d (%+v): got %d, want %d", i, s, got, s.want)
		}
	}
}
