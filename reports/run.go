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

	// Version is the guildsim build that ran it; Replay the command that
	// reruns it exactly. Both are shown in the summary and kept in
	// summary.json, so a report forwarded alone can be reproduced.
	Version string
	Replay  string

	Events    int64
	Simulated time.Duration // simulated time covered by the run
	Wall      time.Duration // real time the run took

	Verdicts []Verdict
	Faults   []FaultWindow
	// Phases are the run's phases in order (warmup, safety, heal,
	// liveness, final reads: see the Phase* names); every time plot marks
	// them. A phase with Start == End is an instant (the heal).
	Phases []Phase

	// Latencies are delivery latencies, one per delivered message, stamped
	// with the instant of delivery.
	Latencies []LatencySample

	// AckedAt and FailedAt are the instants sends were acknowledged and
	// failed (rejected or timed out), in any order: the report counts them
	// per second of the run.
	AckedAt, FailedAt []time.Duration

	// MailboxDepths holds the mailbox depth over time of the busiest
	// processes, one series per process. The report draws at most
	// maxMailboxSeries of them, the deepest first.
	MailboxDepths []Series
	// ConnectedClients holds connected clients over time: one series for the
	// whole world, or one per node.
	ConnectedClients []Series

	// BeyondBudget names the faults of the schedule that went beyond the
	// system's fault budget, with why (empty: within it). Such a run
	// neither passes nor finds a bug, whatever its verdicts.
	BeyondBudget []string

	// Buggify says whether buggify was on and what each of its sites did.
	Buggify BuggifySummary
	// Coverage is every coverage site of system code and what it saw.
	Coverage []CoverageSite

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
	// At is when the first violation happened (the observation that shows
	// it). Zero when not known: no violation is seen at the very start of
	// a run, before any client has done anything.
	At time.Duration
}

// Checker results, spelled as in summary.json and, as Porcupine spells
// them, in the command's results lines and replay files.
const (
	ResultOK      = "Ok"
	ResultIllegal = "Illegal"
	ResultUnknown = "Unknown"
)

// FaultWindow is one injected fault. End is zero for an instantaneous fault
// (a clock jump, a process kill); otherwise the fault lasts from Start to
// End.
type FaultWindow struct {
	Description string
	// Kind names the kind of fault ("crash", "partition-halves"); the
	// timeline colours bars by kind. Empty: "fault".
	Kind string
	// Nodes are the nodes the fault hit; the timeline draws one bar on
	// each one's lane. Empty: the fault goes on a lane named "(world)".
	Nodes      []string
	Start, End time.Duration
}

// Instantaneous reports whether the fault has no duration.
func (f FaultWindow) Instantaneous() bool { return f.End <= f.Start }

// Phase is a stretch of a run, [Start, End); Start == End marks an instant.
type Phase struct {
	Name       string
	Start, End time.Duration
}

// Phase names a report knows how to shade; other names are drawn plainly.
const (
	PhaseWarmup     = "warmup"
	PhaseSafety     = "safety"
	PhaseHeal       = "heal"
	PhaseLiveness   = "liveness"
	PhaseFinalReads = "final reads"
)

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
