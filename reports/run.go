package reports

import "time"

// Run is everything a run report shows. The scenario runner or the command
// fills it after a run; this package only draws it. All instants are offsets
// of simulated time from the start of the run (convert a sim.Time t with
// time.Duration(t.Sub(start))), so that plots read "seconds into the run".
type Run struct {
	Scenario    string
	Seed        uint64
	Fingerprint string
	// Options holds every option drawn from the seed or given on the command
	// line, by name. Reports list them sorted by name so that two runs with the
	// same options produce the same text.
	Options map[string]string

	Events    int64
	Simulated time.Duration // simulated time covered by the run
	Wall      time.Duration // real time the run took

	Verdicts []Verdict
	Faults   []FaultWindow

	// Latencies are delivery latencies, one per delivered message, stamped
	// with the instant of delivery.
	Latencies []LatencySample

	// MailboxDepths holds the mailbox depth over time of the busiest
	// processes, one series per process. The report draws at most
	// maxMailboxSeries of them, the deepest first.
	MailboxDepths []Series
	// ConnectedClients holds connected clients over time: one series for the
	// whole world, or one per node.
	ConnectedClients []Series

	// Buggify says whether buggify was on and what each of its sites did.
	Buggify BuggifySummary

	// Counters are shown as a table in the order given (messages sent,
	// dropped, deliveries, ...).
	Counters []Counter
}

// Verdict is one checker's result.
type Verdict struct {
	Checker string
	// Result is ResultOK, ResultIllegal or ResultUnknown, as in Porcupine: a
	// checker that timed out has not shown the history legal.
	Result string
	// Detail explains the first violation in words (empty when ok).
	Detail string
	// Artifact is the path, relative to the report folder, of a file that
	// shows the failure (e.g. Porcupine's visualisation); empty when none.
	Artifact string
}

// Checker results, spelled as in summary.json.
const (
	ResultOK      = "ok"
	ResultIllegal = "illegal"
	ResultUnknown = "unknown"
)

// FaultWindow is one injected fault. End is zero for an instantaneous fault
// (a crash, a clock jump); otherwise the fault lasts from Start to End.
type FaultWindow struct {
	Description string
	Start, End  time.Duration
}

// Instantaneous reports whether the fault has no duration.
func (f FaultWindow) Instantaneous() bool { return f.End <= f.Start }

// LatencySample is one delivery: when it happened and how long it took.
type LatencySample struct {
	At      time.Duration
	Latency time.Duration
}

// Series is a named time series.
type Series struct {
	Name   string
	Points []Point
}

// Point is one value of a series at an offset of simulated time.
type Point struct {
	At    time.Duration
	Value float64
}

// Counter is a named count.
type Counter struct {
	Name  string
	Value int64
}
