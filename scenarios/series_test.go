package scenarios

import (
	"strings"
	"testing"

	"github.com/guildsim/guildsim/faults"
	"github.com/guildsim/guildsim/sim"
)

// TestObservingKeepsTheFingerprint runs the same seed with nothing
// watching and with series, progress and a small sample step: stepping the
// world and reading it between steps must not change one event.
func TestObservingKeepsTheFingerprint(t *testing.T) {
	for _, name := range []string{"chat-basic", "gateway-node-crash"} {
		plain := RunWith(name, 3, Options{}, RunConfig{SkipCheckers: true})
		var calls int
		var last Progress
		watched := RunWith(name, 3, Options{}, RunConfig{
			SkipCheckers: true, Series: true, SampleEvery: 250 * sim.Millisecond,
			Progress: func(p Progress) { calls++; last = p },
		})
		if plain.Err != nil || watched.Err != nil {
			t.Fatalf("%s seed 3: %v / %v", name, plain.Err, watched.Err)
		}
		if plain.Fingerprint != watched.Fingerprint || plain.Events != watched.Events {
			t.Fatalf("%s seed 3: fingerprint %016x (%d events) unobserved, %016x (%d events) observed\nreplay: %s",
				name, plain.Fingerprint, plain.Events, watched.Fingerprint, watched.Events, plain.Replay())
		}
		if plain.Connected != nil || plain.Mailboxes != nil {
			t.Fatalf("%s: series filled without RunConfig.Series", name)
		}
		// One call per 250 ms step of the run.
		if want := int(watched.Virtual / (250 * sim.Millisecond)); calls < want-1 || calls > want+1 {
			t.Fatalf("%s: %d progress calls for %s in 250ms steps, want about %d", name, calls, watched.Virtual, want)
		}
		if last.Total != watched.Virtual || last.Elapsed > last.Total || last.Events == 0 {
			t.Fatalf("%s: last progress %+v, run %s", name, last, watched.Virtual)
		}
		if len(watched.Connected) != calls {
			t.Fatalf("%s: %d connected samples, %d steps", name, len(watched.Connected), calls)
		}
	}
}

// TestSeriesShowClientsAndBusyProcesses checks the series' content:
// gateway-node-crash's clients are all connected after the warmup, some
// drop once they notice the gateway node died, and all are back at the end;
// mailbox series name real processes and peak where they say.
func TestSeriesShowClientsAndBusyProcesses(t *testing.T) {
	r := RunWith("gateway-node-crash", 1, Options{}, RunConfig{SkipCheckers: true, Series: true})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if len(r.Connected) == 0 {
		t.Fatal("no connected-clients samples")
	}
	at := func(d sim.Duration) int {
		v := -1
		for _, p := range r.Connected {
			if p.At <= d {
				v = p.Value
			}
		}
		return v
	}
	o := r.Options
	online := at(o.Warmup)
	if online <= 0 {
		t.Fatalf("no client connected after the warmup: %v", r.Connected[:10])
	}
	low := online
	for _, p := range r.Connected {
		if p.At > o.Warmup { // clients notice the dead node only at their stream timeout (30 s)
			low = min(low, p.Value)
		}
	}
	if low >= online {
		t.Fatalf("connected clients never dropped below %d during the crash", online)
	}
	if end := r.Connected[len(r.Connected)-1].Value; end != online {
		t.Fatalf("%d clients connected at the end, %d after the warmup", end, online)
	}
	if len(r.Mailboxes) == 0 || len(r.Mailboxes) > defaultMailboxSeries {
		t.Fatalf("%d mailbox series, want 1-%d", len(r.Mailboxes), defaultMailboxSeries)
	}
	for i, s := range r.Mailboxes {
		top := 0
		for _, p := range s.Points {
			top = max(top, p.Value)
		}
		if s.Name == "" || top != s.Peak || s.Peak <= 0 || len(s.Points) != len(r.Connected) {
			t.Fatalf("series %d: %q peak %d, max point %d, %d points", i, s.Name, s.Peak, top, len(s.Points))
		}
		if i > 0 && s.Peak > r.Mailboxes[i-1].Peak {
			t.Fatalf("series not busiest first: %d after %d", s.Peak, r.Mailboxes[i-1].Peak)
		}
	}
}

// TestResultRecordsWhatReportsDraw: a run records its phases back to back
// (the heal an instant at HealedAt), every acknowledgement's and failure's
// instant, and for every fault the names of the nodes it hit: one side of
// a one-node partition, the smaller side of a halves partition.
func TestResultRecordsWhatReportsDraw(t *testing.T) {
	res := Run("partition-during-send", 2, Options{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	names := []string{PhaseWarmup, PhaseSafety, PhaseHeal, PhaseLiveness, PhaseFinalReads}
	if len(res.Phases) != len(names) {
		t.Fatalf("phases: %+v", res.Phases)
	}
	healedAt := res.HealedAt.Sub(sim.DefaultStart)
	var prevEnd sim.Duration
	for i, p := range res.Phases {
		if p.Name != names[i] || p.Start != prevEnd || p.End < p.Start {
			t.Fatalf("phase %d: %+v after end %s, want %s starting there", i, p, prevEnd, names[i])
		}
		if p.Name == PhaseHeal && (p.Start != healedAt || p.End != healedAt) {
			t.Errorf("heal %+v, healed at %s", p, healedAt)
		}
		prevEnd = p.End
	}
	if prevEnd != res.Virtual {
		t.Errorf("phases end at %s, the run at %s", prevEnd, res.Virtual)
	}
	if len(res.AckedAt) != res.Acked || len(res.FailedAt) != res.SendFailed || res.Acked == 0 {
		t.Fatalf("%d ack instants for %d acks, %d failure instants for %d failures", len(res.AckedAt), res.Acked, len(res.FailedAt), res.SendFailed)
	}
	for _, at := range append(append([]sim.Duration{}, res.AckedAt...), res.FailedAt...) {
		if at <= 0 || at > res.Virtual {
			t.Fatalf("send answered at %s, outside the run (%s)", at, res.Virtual)
		}
	}
	if len(res.FaultLog) == 0 {
		t.Fatal("no faults logged")
	}
	for _, e := range res.FaultLog {
		got := res.FaultNodes(e)
		want := e.Nodes
		if e.Kind == faults.PartitionHalves && len(e.Other) < len(e.Nodes) {
			want = e.Other
		}
		if len(got) != len(want) {
			t.Fatalf("%s: nodes %v, want %d names", e.Description, got, len(want))
		}
		for i, id := range want {
			if got[i] != res.NodeNames[id] || !strings.Contains(e.Description, got[i]) {
				t.Errorf("%s: node %d named %q, world calls it %q", e.Description, id, got[i], res.NodeNames[id])
			}
		}
	}
}
