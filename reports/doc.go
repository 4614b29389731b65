// Package reports draws what a guildsim run or comparison produced: plots
// (gonum/plot, as SVG and PNG), a self-contained HTML page and machine
// readable files. It only draws. It never runs a simulation and imports no
// other guildsim package, so the scenario runner and the command fill its
// input types (Run, Comparison) from whatever they measured.
//
// # A run report
//
//  1. After a run, fill a Run: scenario, seed, fingerprint, options, counts,
//     verdicts, fault windows and the measured series. Instants are offsets of
//     simulated time from the start of the run.
//  2. Call WriteRun(dir, &run). It creates dir and writes:
//     report.html, summary.json, and the figures fault-timeline (one lane
//     per node, one bar per fault on each node it hit), acked-per-second,
//     latency-over-time, latency-cdf, connected-clients and mailbox-depth,
//     each as .svg and .png. Every time plot shares one time axis with the
//     run's phases shaded and each failing checker's first violation
//     (Verdict.At) as a red line; a stretch without samples is drawn as a
//     gap. An HTML artifact in the folder gets a link back to report.html.
//  3. report.html needs no other file: figures are embedded as data: URIs
//     and the style is inline; links to the SVG/PNG files, summary.json and
//     each verdict's Artifact (e.g. Porcupine's visualisation) are relative,
//     so keep them in the same folder.
//
// Missing data never fails a report: a figure with nothing to draw says
// "no data", and an empty Run gives a complete, if dull, report.
//
// # summary.json (schema_version 2)
//
// One JSON object. Durations are integer nanoseconds in fields ending in _ns.
// New fields may be added without changing schema_version; removing a field
// or changing its meaning increments it. Lists are never null. Its words
// are the command's results lines' and replay files': seed a string,
// verdicts Ok/Illegal/Unknown, pass.
//
//	schema_version  int     2 (1: "passed" for pass, verdicts in lower case)
//	scenario        string  scenario name
//	seed            string  root seed, decimal (a string so that jq and
//	                        JavaScript do not round seeds above 2^53)
//	fingerprint     string  hash of the run's event trace; equal for a replay
//	options         object  option name -> value, keys sorted
//	events          int     events processed
//	simulated_ns    int     simulated time covered
//	wall_ns         int     real time taken
//	pass            bool    every verdict is "Ok" (true when no checker ran)
//	version         string  the guildsim build that ran it (guildsim version)
//	replay          string  the command that reruns the run exactly
//	latency         object  delivery latency: count, mean_ns, p50_ns, p90_ns,
//	                        p99_ns, p999_ns, max_ns (nearest-rank; all 0 when
//	                        count is 0)
//	verdicts        array   {checker, result: "Ok"|"Illegal"|"Unknown",
//	                        detail (first violation, omitted when empty),
//	                        artifact (file relative to the report, omitted
//	                        when empty)}
//	faults          array   {description, start_ns, end_ns}: start_ns and
//	                        end_ns from the world's start; end_ns is 0 for
//	                        an instantaneous fault
//	counters        array   {name, value} in the order the run gave
//	buggify         object  {enabled: bool, sites: [{site, active, asked,
//	                        fired}]}: whether buggify was on (--buggify or
//	                        swarm's draw) and, for every site the run's code
//	                        reached, sorted by site name, whether it was
//	                        drawn active and how often it was asked and
//	                        fired (sites is [] when buggify was off)
//	coverage        array   {site, kind, asked, hits, first_ns,
//	                        first_event}: every coverage site of system
//	                        code (sim.Sometimes, sim.Reachable), sorted by
//	                        site name, reached or not: kind "sometimes" or
//	                        "reachable" (omitted for a site no code asked),
//	                        how often code asked it and how often its
//	                        condition held (hits 0: not reached), and the
//	                        first hit's time from the world's start and
//	                        event number (both omitted when not reached).
//	                        results.jsonl lines carry the same array
//	figures         array   figure file names in the report folder
//	beyond_budget   array   strings, absent when empty: each fault of the
//	                        schedule beyond the system's fault budget,
//	                        with why (the run's result is beyond-budget)
//
// ReadSummary reads the file back and rejects other schema versions.
//
// # A comparison report
//
// For guildsim compare, fill a Comparison with one CompareRow per (strategy,
// guild size) and each strategy's latencies at the largest size, then call
// WriteComparison(dir, &c). It writes compare.html, figures.csv (header
// strategy,members,p50_ns,p99_ns,max_ns,network_messages_per_delivery,
// guild_busy_share; one line per row, strategies in the order first given,
// then by size) and the figures p99-vs-members, latency-cdf-largest,
// messages-per-delivery and guild-busy-share (log x axis for guild size).
// compare.html opens with one line per guild size naming the winner on
// p99, network messages per delivery and guild busy share, and the
// strategies under Comparison.LatencyTarget (also drawn on the latency
// figures).
//
// # Limits
//
// CDFs are thinned to at most 2000 points per line, percentiles over time use
// 60 buckets, and the mailbox plot draws the 5 processes with the deepest
// peak, so report size does not grow with the length of a run.
package reports
