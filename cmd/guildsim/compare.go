package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guildsim/guildsim/reports"
	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/sim"
)

// cmdCompare runs the same workload for every (guild size, fanout strategy)
// pair (scenarios.RunCompare) and draws the comparison (reports). As in
// sweep, each world is single-threaded and deterministic, so the pairs run
// in parallel here, in the command, never inside a world.
func cmdCompare(args []string, stdout, stderr io.Writer) int {
	var (
		membersArg    string
		strategiesArg string
		seed          uint64
		parallel      int
		outDir        string
		quiet         bool
		o             scenarios.CompareOptions
	)
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.StringVar(&membersArg, "members", joinInts(scenarios.DefaultCompareMembers), "guild sizes, comma-separated, each between 1 and 1000000")
	fs.StringVar(&strategiesArg, "strategies", strings.Join(scenarios.DefaultCompareStrategies, ","), "fanout strategies, comma-separated: "+strings.Join(strategyNames(), ", "))
	seed = defaultSeed
	fs.Var(seedFlag{&seed}, "seed", "root seed, the same for every pair (0 to 18446744073709551615)")
	fs.IntVar(&parallel, "parallel", runtime.GOMAXPROCS(0), "worlds run at once, between 1 and 256")
	fs.StringVar(&outDir, "out", filepath.Join("guildsim-out", "compare"), "folder for compare.html, figures.csv and the plots")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar")
	fs.IntVar(&o.Messages, "messages", 5, "messages posted in each run, between 1 and 100")
	o.MessageEvery = 2 * sim.Second
	fs.Var(durationFlag{&o.MessageEvery}, "message-every", "time between posts, between 1ms and 1m (default 2s)")
	fs.IntVar(&o.OpenPercent, "open-percent", 10, "share of members who opened the guild (what passive strategies deliver to), between 1 and 100")
	if code, ok := parseFlags(fs, args, "usage: guildsim compare [--members 1000,10000,100000] [--strategies direct,per-node,relays,relays+passive] [--seed N] [--parallel P] [--out DIR]", stdout, stderr); !ok {
		return code
	}
	var err error
	if o.Members, err = parseInts(membersArg); err != nil {
		fmt.Fprintf(stderr, "guildsim compare: --members %q: %v\n", membersArg, err)
		return exitUsage
	}
	o.Strategies = splitList(strategiesArg)
	// Validate takes a zero as "the default"; on the command line a zero
	// is a value, and out of range.
	switch {
	case o.Messages == 0:
		fmt.Fprintln(stderr, "guildsim compare: --messages 0: must be between 1 and 100")
		return exitUsage
	case o.MessageEvery == 0:
		fmt.Fprintln(stderr, "guildsim compare: --message-every 0s: must be between 1ms and 1m")
		return exitUsage
	case o.OpenPercent == 0:
		fmt.Fprintln(stderr, "guildsim compare: --open-percent 0: must be between 1 and 100")
		return exitUsage
	}
	if err := o.Validate(); err != nil {
		fmt.Fprintf(stderr, "guildsim compare: %s\n", strings.TrimPrefix(err.Error(), "guildsim: "))
		return exitUsage
	}
	if parallel < 1 || parallel > 256 {
		fmt.Fprintf(stderr, "guildsim compare: --parallel %d: must be between 1 and 256\n", parallel)
		return exitUsage
	}

	if err := checkOutDir(outDir); err != nil {
		fmt.Fprintf(stderr, "guildsim compare: --out %s: %v\n", outDir, err)
		return exitUsage
	}

	// The largest worlds first, so that the pool does not end waiting on
	// one of them.
	type job struct {
		strategy string
		members  int
	}
	var jobs []job
	sizes := slices.Clone(o.Members)
	slices.SortFunc(sizes, func(a, b int) int { return b - a })
	for _, m := range sizes {
		for _, s := range o.Strategies {
			jobs = append(jobs, job{s, m})
		}
	}
	fmt.Fprintf(stdout, "SEED=%d\n", seed)
	fmt.Fprintf(stdout, "compare: members %s x strategies %s, %d messages %s apart, %d%% open the guild; %d runs, %d at a time\n",
		joinInts(o.Members), strings.Join(o.Strategies, ","), o.Messages, o.MessageEvery, o.OpenPercent, len(jobs), parallel)

	start := time.Now()
	runs := make([]scenarios.CompareRun, len(jobs))
	forEach(len(jobs), parallel, quiet, stderr, "runs", nil, func(i int) {
		runs[i] = scenarios.RunCompare(jobs[i].strategy, jobs[i].members, seed, o)
	})
	wall := time.Since(start)

	c := comparisonOf(runs, seed, o)
	fmt.Fprintf(stdout, "%-16s %8s %10s %10s %10s %10s %12s %9s %10s\n", "strategy", "members", "p50", "p99", "max", "deliveries", "net msg/dlv", "guild busy", "wall")
	for _, r := range c.Rows {
		i := slices.IndexFunc(runs, func(x scenarios.CompareRun) bool { return x.Strategy == r.Strategy && x.Members == r.Members })
		fmt.Fprintf(stdout, "%-16s %8d %10s %10s %10s %10d %12.4f %8.1f%% %10s\n", r.Strategy, r.Members,
			roundDur(r.P50), roundDur(r.P99), roundDur(r.Max), r.Deliveries, r.NetworkMessagesPerDelivery, 100*r.GuildBusyShare,
			runs[i].Elapsed.Round(10*time.Millisecond))
	}
	rep, err := reports.WriteComparison(outDir, c)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim compare: %v\n", err)
		return exitTestbed
	}
	fmt.Fprintf(stdout, "wall: %s\nreport: %s\nfigures: %s\n", wall.Round(10*time.Millisecond), rep.HTML, rep.CSV)

	// A world that failed is a testbed failure; one that duplicated or
	// misdelivered messages is a safety finding about the system, one
	// that did not deliver (or acknowledge) every message by the end of
	// the run a liveness finding, as the checkers' are (exitCode's order).
	var rs []result
	for _, r := range runs {
		replay := fmt.Sprintf("go run ./cmd/guildsim compare --members %d --strategies %s --seed %d --messages %d --message-every %s --open-percent %d",
			r.Members, r.Strategy, seed, o.Messages, o.MessageEvery, o.OpenPercent)
		switch {
		case r.Err != nil:
			fmt.Fprintf(stdout, "TESTBED FAILURE: %s\nreplay: %s\n", r.String(), replay)
			rs = append(rs, result{Result: resultTestbed})
		case r.Duplicates > 0 || r.Unexpected > 0:
			fmt.Fprintf(stdout, "SAFETY FAILED (duplicated or misdelivered): %s\nreplay: %s\n", r.String(), replay)
			rs = append(rs, result{Result: resultSafety})
		case !r.Complete():
			fmt.Fprintf(stdout, "LIVENESS FAILED (not every message delivered): %s\nreplay: %s\n", r.String(), replay)
			rs = append(rs, result{Result: resultLiveness})
		}
	}
	return exitCode(rs)
}

// checkOutDir makes sure dir can hold a report before anything runs: it
// creates it and writes and removes a probe file, so that a bad --out
// (a file, a read-only place) is bad input, not a testbed failure after
// minutes of simulation.
func checkOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create the folder: %v", pathErr(err))
	}
	f, err := os.CreateTemp(dir, ".guildsim-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write in the folder: %v", pathErr(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// fanoutLatencyTarget is the p99 delivery latency a fanout strategy should
// stay under, drawn on compare's latency figures. GUESS: the goal set for
// this testbed in issue 10; Discord published no fanout latency target
// (reference/discord.md).
const fanoutLatencyTarget = 100 * time.Millisecond

// comparisonOf turns the runs into the report's input: a row per run, the
// latencies of each strategy at the largest size, and notes on how to read
// them.
func comparisonOf(runs []scenarios.CompareRun, seed uint64, o scenarios.CompareOptions) *reports.Comparison {
	c := &reports.Comparison{Title: fmt.Sprintf("guildsim fanout comparison, seed %d", seed), LatencyTarget: fanoutLatencyTarget}
	largest := slices.Max(o.Members)
	// Rows in the order the strategies were given: reports keeps the order
	// of first appearance.
	for _, s := range o.Strategies {
		for _, r := range runs {
			if r.Strategy != s || r.Err != nil {
				continue
			}
			c.Rows = append(c.Rows, reports.CompareRow{
				Strategy: r.Strategy, Members: r.Members,
				P50: time.Duration(r.Percentile(50)), P99: time.Duration(r.Percentile(99)), Max: time.Duration(r.Percentile(100)),
				NetworkMessagesPerDelivery: r.MessagesPerDelivery(), GuildBusyShare: r.BusyShare(),
				Messages: r.Acked, Deliveries: r.Deliveries, UnreadNotifications: r.Unread,
				NetworkMessages: int64(r.NetworkMessages), GuildBusy: time.Duration(r.GuildBusy), Span: time.Duration(r.Span),
			})
			if r.Members == largest {
				lat := make([]time.Duration, len(r.Latencies))
				for i, d := range r.Latencies {
					lat[i] = time.Duration(d)
				}
				c.CDFs = append(c.CDFs, reports.StrategyLatencies{Strategy: r.Strategy, Members: r.Members, Latencies: lat})
			}
		}
	}
	c.Notes = append(c.Notes,
		fmt.Sprintf("Workload, the same for every run (seed %d): one guild whose members are all online with a full client "+
			"(gateway session, heartbeats), one gateway node per %d members (at least 2), %d guild nodes, %d storage nodes. "+
			"Once every client has its GUILD_CREATE, %d%% of the members open the guild (op 14) and one member posts %d messages %s apart. "+
			"Latency runs from the post to each client's MESSAGE_CREATE, as the clients recorded them.",
			seed, scenarios.CompareSessionsPerGateway, scenarios.CompareGuildNodes, scenarios.CompareStoreNodes, o.OpenPercent, o.Messages, o.MessageEvery),
		"Network messages are process messages between nodes from just before the first post to the end of the run "+
			"(posts, store writes and replication, acknowledgements, fanout); the WebSocket segment from gateway to client, "+
			"one per delivery under every strategy, is not counted. Guild busy share is the CPU the guild process declared "+
			"divided by the time from the first post to the last MESSAGE_CREATE: it leaves out the CPU of relays, "+
			"partitioners and workers, which is where relays and per-node move the work. All figures use log scales; "+
			"lines that coincide are equal figures: direct and relays both send one network message per session "+
			"(a relay lives on a guild node, not on the session's gateway node), a single relay (up to 15,000 sessions) "+
			"is as slow as direct's guild, and relays with or without passive sessions cost the guild the same.")
	for _, s := range o.Strategies {
		st, _ := scenarios.LookupCompareStrategy(s)
		c.Notes = append(c.Notes, fmt.Sprintf("%s: %s.", st.Name, st.Description))
		if st.Passive {
			c.Notes = append(c.Notes, fmt.Sprintf("%s delivers MESSAGE_CREATE only to the %d%% of members who opened the guild, "+
				"so it has fewer deliveries than the others and its per-delivery figures are divided by that smaller count: "+
				"the unread notifications (one CHANNEL_UNREAD per other member, at the first message) are network messages "+
				"that deliver no message, which is why its network messages per delivery can exceed the others' while its total "+
				"is far lower (see the deliveries, unread notifications and network messages columns, and figures.csv). "+
				"Sessions start passive at every size here (threshold 1 member); Discord's threshold is 75,000.", st.Name, o.OpenPercent))
		}
	}
	return c
}

func strategyNames() []string {
	var out []string
	for _, s := range scenarios.CompareStrategies() {
		out = append(out, s.Name)
	}
	return out
}

// parseInts parses "1000,10000": integers, comma-separated; ranges are
// checked by the caller.
func parseInts(s string) ([]int, error) {
	parts := splitList(s)
	if len(parts) == 0 {
		return nil, fmt.Errorf("empty: list at least one guild size, e.g. 1000,10000")
	}
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(strings.ReplaceAll(p, "_", ""))
		if err != nil {
			return nil, fmt.Errorf("%q: not an integer", p)
		}
		out = append(out, n)
	}
	return out, nil
}

// splitList splits a comma-separated list, trimming spaces; an empty string
// is an empty list (not nil, so that Validate rejects it rather than taking
// the default).
func splitList(s string) []string {
	out := []string{}
	if strings.TrimSpace(s) == "" {
		return out
	}
	for _, p := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// roundDur rounds a latency for the terminal table: three significant
// figures are plenty there (figures.csv keeps nanoseconds).
func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
