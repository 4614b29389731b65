package sim_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/sim/internal/demo"
	"github.com/stretchr/testify/require"
)

// incidentOptions is a small busy demo world: streams, process messages,
// datagrams, timers, crashes and partitions: about 30,000 events.
func incidentOptions(seed uint64) demo.Options {
	o := demo.Options{Seed: seed, Clients: 1000, Duration: 10 * sim.Second}
	if err := o.Validate(); err != nil {
		panic(err)
	}
	return o
}

// TestStopReadResumeIsTheSameRun: a world stopped at an event, read with
// every incident tool (NextEvent, MailboxDepth, OpenConns), and run on,
// ends with the fingerprint of the run that never stopped; the prefix's
// fingerprint at the stop is the same each time.
func TestStopReadResumeIsTheSameRun(t *testing.T) {
	o := incidentOptions(4)
	plain, err := demo.Run(o)
	require.NoError(t, err)
	require.Greater(t, plain.Events, uint64(20_000))

	stopAt := plain.Events / 2
	var prefix []uint64
	var nexts []sim.EventInfo
	for range 2 {
		w, _, err := demo.Prepare(o, sim.Config{})
		require.NoError(t, err)
		require.NoError(t, w.SetLimits(sim.Limits{StopAtEvent: stopAt}))
		err = w.RunFor(o.Duration)
		var stopped *sim.StoppedError
		require.ErrorAs(t, err, &stopped)
		require.Equal(t, stopAt-1, w.Events(), "stopped before event N: events 1..N-1 ran")
		require.Equal(t, stopAt-1, stopped.Event)
		next, ok := w.NextEvent()
		require.True(t, ok)
		require.Equal(t, stopAt, next.Number)
		require.GreaterOrEqual(t, next.At, w.Elapsed())
		require.NotEmpty(t, next.Kind)
		// Reading changes nothing.
		again, _ := w.NextEvent()
		require.Equal(t, next, again)
		conns := 0
		for _, n := range w.Nodes() {
			conns += w.OpenConns(n)
		}
		require.Positive(t, conns, "clients hold connections to gateways half way through")
		w.EachProcess(func(pid sim.PID) { _ = w.MailboxDepth(pid) })
		prefix = append(prefix, w.Fingerprint())
		nexts = append(nexts, next)

		// A stopped world is not a failed one: remove the stop and it runs on.
		require.NoError(t, w.SetLimits(sim.Limits{}))
		require.NoError(t, w.RunFor(o.Duration-w.Elapsed()))
		require.Equal(t, plain.Fingerprint, w.Fingerprint(), "stop, read, resume is the same run")
		require.Equal(t, plain.Events, w.Events())
	}
	require.Equal(t, prefix[0], prefix[1], "the prefix's fingerprint is deterministic")
	require.Equal(t, nexts[0], nexts[1])
	require.NotEqual(t, plain.Fingerprint, prefix[0])
}

// TestNextEventIsTheEventTraced: the event NextEvent announces at a stop is
// the event the trace then shows under that number, with its kind, node and
// process, for many stop points.
func TestNextEventIsTheEventTraced(t *testing.T) {
	o := incidentOptions(9)
	matched := map[string]int{}
	for stop := uint64(1000); stop < 28_000; stop += 373 {
		w, _, err := demo.Prepare(o, sim.Config{})
		require.NoError(t, err)
		require.NoError(t, w.SetLimits(sim.Limits{StopAtEvent: stop}))
		if err := w.RunFor(o.Duration); err == nil {
			break // the run ended before the stop
		}
		next, ok := w.NextEvent()
		require.True(t, ok)
		var buf bytes.Buffer
		w.SetTrace(&buf, sim.TraceFilter{})
		require.NoError(t, w.SetLimits(sim.Limits{StopAtEvent: stop + 1}))
		var stopped *sim.StoppedError
		require.ErrorAs(t, w.RunFor(o.Duration), &stopped)
		require.Equal(t, stop, w.Events())
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if next.Kind != "recv" && next.Kind != "timer" && next.Kind != "call" {
			continue // the other kinds trace under other names, or not at all
		}
		if next.Detail != "" && strings.Contains(next.Detail, "cancelled") {
			continue
		}
		first := lines[0]
		require.Contains(t, first, `"ev":`+strconv.FormatUint(stop, 10)+",", "stop %d: %s", stop, next)
		require.Contains(t, first, `"kind":"`+next.Kind+`"`, "stop %d: %s", stop, next)
		if next.Node != "" {
			require.Contains(t, first, `"node":"`+next.Node+`"`, "stop %d: %s", stop, next)
		}
		if next.Process != "" {
			require.Contains(t, first, `"proc":"`+next.Process+`"`, "stop %d: %s", stop, next)
		}
		if next.Msg != "" {
			require.Contains(t, first, `"msg":"`+next.Msg+`"`, "stop %d: %s", stop, next)
		}
		matched[next.Kind]++
	}
	require.Positive(t, matched["recv"], "some stops fell on a delivery: %v", matched)
}

// TestTraceEventWindow: FromEvent/ToEvent keep only the lines of events in
// the window, and the fingerprint does not depend on the filter.
func TestTraceEventWindow(t *testing.T) {
	o := incidentOptions(2)
	plain, err := demo.Run(o)
	require.NoError(t, err)
	var buf bytes.Buffer
	res, err := demo.RunConfig(o, sim.Config{}, func(w *sim.World) {
		w.SetTrace(&buf, sim.TraceFilter{FromEvent: 5000, ToEvent: 5100})
	})
	require.NoError(t, err)
	require.Equal(t, plain.Fingerprint, res.Fingerprint)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Greater(t, len(lines), 50)
	seen := map[uint64]bool{}
	for _, l := range lines {
		ev, err := strconv.ParseUint(strings.TrimPrefix(strings.SplitN(l, ",", 2)[0], `{"ev":`), 10, 64)
		require.NoError(t, err, l)
		require.True(t, ev >= 5000 && ev <= 5100, l)
		seen[ev] = true
	}
	require.True(t, seen[5000] || seen[5001])
	require.True(t, seen[5100] || seen[5099])
}

// TestSetLimitsBudget: a budget set after the build stops the run with a
// *BudgetError at that event; a negative stop time is refused.
func TestSetLimitsBudget(t *testing.T) {
	o := incidentOptions(3)
	w, _, err := demo.Prepare(o, sim.Config{})
	require.NoError(t, err)
	require.NoError(t, w.SetLimits(sim.Limits{MaxEvents: 700}))
	err = w.RunFor(o.Duration)
	var be *sim.BudgetError
	require.True(t, errors.As(err, &be), "%v", err)
	require.Equal(t, uint64(700), w.Events())
	require.ErrorContains(t, w.SetLimits(sim.Limits{StopAtTime: -1}), "StopAtTime")
}
