package scenarios

import (
	"bytes"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
)

// swarm5 is a failing run: a periodic commit log loses acknowledged writes
// when store nodes crash (the README's incident walk-through).
var swarm5 = Options{StoreSync: "periodic"}

// TestStopAtEventReadsTheWorld: a scenario stopped at event N ran events
// 1..N-1, describes event N, and says where the run was; stopping there
// twice gives the same fingerprint and the same report; the stop never
// judges the partial history.
func TestStopAtEventReadsTheWorld(t *testing.T) {
	full := RunWith("swarm", 5, swarm5, RunConfig{SkipCheckers: true})
	require.NoError(t, full.Err)
	const n = 4000 // about 18 s: in the safety phase, under faults
	require.Greater(t, full.Events, uint64(n))

	var reports []*StopReport
	for range 2 {
		var trace bytes.Buffer
		r := RunWith("swarm", 5, swarm5, RunConfig{Trace: &trace, Stop: Stop{AtEvent: n, TraceTail: 300}})
		require.NoError(t, r.Err)
		require.NotNil(t, r.Stopped)
		require.Empty(t, r.Verdicts, "no checker judges a prefix")
		st := r.Stopped
		require.Equal(t, uint64(n-1), st.Events)
		require.Equal(t, uint64(n-1), r.Events)
		require.Equal(t, r.Fingerprint, st.Fingerprint)
		require.True(t, st.HaveNext)
		require.Equal(t, uint64(n), st.Next.Number)
		require.NotEmpty(t, st.Next.Kind)
		require.GreaterOrEqual(t, st.Next.At, st.Elapsed)
		require.Contains(t, st.Phase, "safety", "event %d is under faults (at %s)", n, st.Elapsed)
		require.Len(t, st.Gateways, 2)
		for _, g := range st.Gateways {
			require.True(t, strings.HasPrefix(g.Node, "gateway-"), g.Node)
		}
		require.LessOrEqual(t, len(st.Mailboxes), 5)
		for i := 1; i < len(st.Mailboxes); i++ {
			require.GreaterOrEqual(t, st.Mailboxes[i-1].Depth, st.Mailboxes[i].Depth)
		}
		// The full trace ends where the tail ends, and the tail holds the
		// last 300 events before the stop.
		require.True(t, bytes.HasSuffix(trace.Bytes(), st.Trace))
		lines := strings.Split(strings.TrimSpace(string(st.Trace)), "\n")
		require.Equal(t, uint64(n-1), traceLineEvent([]byte(lines[len(lines)-1])))
		for _, l := range lines {
			ev := traceLineEvent([]byte(l))
			require.True(t, ev >= n-300 && ev <= n-1, l)
		}
		require.Equal(t, uint64(n-300), st.TraceFrom)
		require.LessOrEqual(t, st.TraceFrom, traceLineEvent([]byte(lines[0])))
		reports = append(reports, st)
	}
	require.Equal(t, reports[0], reports[1], "stopping at the same event twice reads the same world")
}

// TestStopAtTime: a time stop freezes the world after every event at or
// before that time; the next event is after it.
func TestStopAtTime(t *testing.T) {
	at := 12*sim.Second + 345*sim.Millisecond
	r := RunWith("swarm", 5, swarm5, RunConfig{Stop: Stop{AtTime: at}})
	require.NoError(t, r.Err)
	require.NotNil(t, r.Stopped)
	require.LessOrEqual(t, r.Stopped.Elapsed, at)
	require.Greater(t, r.Stopped.Next.At, at)
	require.NotEmpty(t, r.Stopped.ActiveFaults, "swarm seed 5 has faults on at 12.345s")
	require.NotEmpty(t, r.Stopped.Trace)
	// The same stop by event number is the same prefix.
	byEvent := RunWith("swarm", 5, swarm5, RunConfig{SkipCheckers: true, Stop: Stop{AtEvent: r.Stopped.Next.Number}})
	require.Equal(t, r.Stopped.Fingerprint, byEvent.Stopped.Fingerprint)
}

// TestBudget: a run that uses up its event budget is a testbed failure
// naming the budget, not a stop.
func TestBudget(t *testing.T) {
	r := RunWith("chat-basic", 1, Options{}, RunConfig{Stop: Stop{MaxEvents: 500}})
	require.Nil(t, r.Stopped)
	var be *sim.BudgetError
	require.ErrorAs(t, r.Err, &be)
	require.Equal(t, uint64(500), r.Events)
	require.Empty(t, r.Verdicts)
}

// TestHealAfterEvent: healing after an event past the run's own heal is
// the run itself; healing before any fault runs without faults; healing
// in between differs from both.
func TestHealAfterEvent(t *testing.T) {
	full := RunWith("swarm", 5, swarm5, RunConfig{SkipCheckers: true})
	late := RunWith("swarm", 5, swarm5, RunConfig{SkipCheckers: true, Stop: Stop{HealAfterEvent: full.Events + 10}})
	require.Equal(t, full.Fingerprint, late.Fingerprint)
	early := RunWith("swarm", 5, swarm5, RunConfig{SkipCheckers: true, Stop: Stop{HealAfterEvent: 1}})
	none := RunWith("swarm", 5, Options{StoreSync: "periodic", Faults: "none"}, RunConfig{SkipCheckers: true})
	require.NoError(t, early.Err)
	require.Empty(t, early.FaultLog)
	require.Equal(t, none.Fingerprint, early.Fingerprint, "a heal in the warmup drops every fault")
	mid := RunWith("swarm", 5, swarm5, RunConfig{SkipCheckers: true, Stop: Stop{HealAfterEvent: 3000}})
	require.NoError(t, mid.Err)
	require.NotEqual(t, full.Fingerprint, mid.Fingerprint)
	require.NotEqual(t, none.Fingerprint, mid.Fingerprint)
	for _, e := range mid.FaultLog {
		require.False(t, e.End == 0 && e.Kind != "clock-jump" && e.Kind != "kill", "every fault ended: %s", e.Description)
	}
}
