package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// SummarySchemaVersion is the schema_version written to summary.json. It
// changes only when a field is removed or changes meaning; new fields may be
// added within a version, so readers must ignore fields they do not know.
const SummarySchemaVersion = 2

// Summary is the content of summary.json; see the package documentation for
// the schema. Durations are integer nanoseconds, in fields ending in _ns.
type Summary struct {
	SchemaVersion int    `json:"schema_version"`
	Scenario      string `json:"scenario"`
	// Seed is a decimal string: JSON readers that hold numbers as doubles
	// (jq, JavaScript) would round seeds above 2^53.
	Seed        string            `json:"seed"`
	Fingerprint string            `json:"fingerprint"`
	Options     map[string]string `json:"options"`
	Events      int64             `json:"events"`
	SimulatedNs int64             `json:"simulated_ns"`
	WallNs      int64             `json:"wall_ns"`
	// Passed is every verdict Ok ("pass", as in results lines: schema 1
	// called it "passed").
	Passed   bool             `json:"pass"`
	Version  string           `json:"version"`
	Replay   string           `json:"replay"`
	Latency  LatencySummary   `json:"latency"`
	Verdicts []VerdictSummary `json:"verdicts"`
	Faults   []FaultSummary   `json:"faults"`
	Counters []CounterSummary `json:"counters"`
	Buggify  BuggifySummary   `json:"buggify"`
	Coverage []CoverageSite   `json:"coverage"`
	Figures  []string         `json:"figures"`
	// BeyondBudget names the faults beyond the system's fault budget (see
	// Run.BeyondBudget); absent when the run stayed within it.
	BeyondBudget []string `json:"beyond_budget,omitempty"`
}

// CoverageSite is one coverage site of system code in a run (sim.Sometimes,
// sim.Reachable): how often code asked it and how often its condition held.
// A site with hits 0 was not reached.
type CoverageSite struct {
	Site string `json:"site"`
	// Kind is "sometimes" or "reachable"; omitted for a site no code asked.
	Kind  string `json:"kind,omitempty"`
	Asked uint64 `json:"asked"`
	Hits  uint64 `json:"hits"`
	// FirstNs (from the world's start) and FirstEvent are the first hit;
	// omitted when the site was not reached.
	FirstNs    int64  `json:"first_ns,omitempty"`
	FirstEvent uint64 `json:"first_event,omitempty"`
}

// BuggifySummary is whether buggify was on in a run and, per site that the
// run's code reached, whether the site was drawn active and how often it
// was asked and fired. Sites are sorted by name.
type BuggifySummary struct {
	Enabled bool          `json:"enabled"`
	Sites   []BuggifySite `json:"sites"`
}

// BuggifySite is one buggify site's record in a run.
type BuggifySite struct {
	Site   string `json:"site"`
	Active bool   `json:"active"`
	Asked  uint64 `json:"asked"`
	Fired  uint64 `json:"fired"`
}

// LatencySummary is the delivery latency distribution of a run.
type LatencySummary struct {
	Count  int   `json:"count"`
	MeanNs int64 `json:"mean_ns"`
	P50Ns  int64 `json:"p50_ns"`
	P90Ns  int64 `json:"p90_ns"`
	P99Ns  int64 `json:"p99_ns"`
	P999Ns int64 `json:"p999_ns"`
	MaxNs  int64 `json:"max_ns"`
}

// VerdictSummary is one checker's verdict.
type VerdictSummary struct {
	Checker  string `json:"checker"`
	Result   string `json:"result"`
	Detail   string `json:"detail,omitempty"`
	Artifact string `json:"artifact,omitempty"`
}

// FaultSummary is one fault window; end_ns is 0 for an instantaneous fault.
type FaultSummary struct {
	Description string `json:"description"`
	StartNs     int64  `json:"start_ns"`
	EndNs       int64  `json:"end_ns"`
}

// CounterSummary is one counter.
type CounterSummary struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// Passed reports whether every checker said Ok. A run without checkers
// passes: there was nothing to fail.
func (r *Run) Passed() bool {
	for _, v := range r.Verdicts {
		if v.Result != ResultOK {
			return false
		}
	}
	return true
}

// Summarize builds the summary.json content of r. figures lists the figure
// file names written next to it, if any.
func Summarize(r *Run, figures []string) Summary {
	q := percentilesOf(sortedLatencies(r.Latencies))
	s := Summary{
		SchemaVersion: SummarySchemaVersion,
		Scenario:      r.Scenario,
		Seed:          strconv.FormatUint(r.Seed, 10),
		Fingerprint:   r.Fingerprint,
		Options:       map[string]string{},
		Events:        r.Events,
		SimulatedNs:   int64(r.Simulated),
		WallNs:        int64(r.Wall),
		Passed:        r.Passed(),
		Version:       r.Version,
		Replay:        r.Replay,
		Latency: LatencySummary{
			Count: q.Count, MeanNs: int64(q.Mean), P50Ns: int64(q.P50), P90Ns: int64(q.P90),
			P99Ns: int64(q.P99), P999Ns: int64(q.P999), MaxNs: int64(q.Max),
		},
		// Empty lists, not null, so that readers can iterate without checks.
		Verdicts: []VerdictSummary{},
		Faults:   []FaultSummary{},
		Counters: []CounterSummary{},
		Buggify:  BuggifySummary{Enabled: r.Buggify.Enabled, Sites: append([]BuggifySite{}, r.Buggify.Sites...)},
		Coverage: append([]CoverageSite{}, r.Coverage...),
		Figures:  append([]string{}, figures...),

		BeyondBudget: r.BeyondBudget,
	}
	for k, v := range r.Options {
		s.Options[k] = v
	}
	for _, v := range r.Verdicts {
		s.Verdicts = append(s.Verdicts, VerdictSummary{Checker: v.Checker, Result: v.Result, Detail: v.Detail, Artifact: v.Artifact})
	}
	for _, f := range r.Faults {
		end := int64(f.End)
		if f.Instantaneous() {
			end = 0
		}
		s.Faults = append(s.Faults, FaultSummary{Description: f.Description, StartNs: int64(f.Start), EndNs: end})
	}
	for _, c := range r.Counters {
		s.Counters = append(s.Counters, CounterSummary(c))
	}
	return s
}

// WriteSummary writes s as indented JSON; encoding/json sorts the option
// names, so equal runs give byte-equal files.
func WriteSummary(w io.Writer, s Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

// ReadSummary reads a summary.json and rejects schema versions this package
// does not know.
func ReadSummary(r io.Reader) (Summary, error) {
	var s Summary
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return s, fmt.Errorf("reports: reading summary: %w", err)
	}
	if s.SchemaVersion != SummarySchemaVersion {
		return s, fmt.Errorf("reports: summary schema_version %d: this build reads version %d", s.SchemaVersion, SummarySchemaVersion)
	}
	return s, nil
}
