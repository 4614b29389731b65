package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/scenarios/check"
	"github.com/guildsim/guildsim/sim"
)

const bisectUsage = `usage: guildsim bisect [--scenario NAME] [--seed N] [scenario options] [--checker NAME] [--out DIR]

Finds the event that decided a failing run. A probe reruns the run with
every fault ended right after event N (partitions healed, crashed nodes
restarted, later faults dropped: the heal the run does at the end of its
safety phase, done early), then runs the rest of the scenario and the
checker. With no fault at all the checker passes; with every fault (the run
itself) it fails; bisect binary-searches the events in between for an
event D such that ending the faults after D-1 passes and after D fails:
event D, given the faults before it, decided the failure. It prints each
probe, then stops the run before event D and prints the world there, as
guildsim run --stop-at-event D does (written to DIR/<scenario>-<seed>/).

The checker is --checker, or the first that says Illegal in the full run.
A probe judges the checker's result, not which message it names: when the
answer should be about one message, look at the decisive probe's verdict
(printed) and the stop's trace. The search assumes that ending the faults
later never turns a failure back into a pass; where that does not hold it
still finds an adjacent pair of probes that pass and fail, each printed, so
the answer can be checked by hand.`

func cmdBisect(args []string, stdout, stderr io.Writer) int {
	var (
		given    scenarios.Options
		seed     uint64
		scenario string
		checker  string
		outDir   string
		window   int
	)
	fs := flag.NewFlagSet("bisect", flag.ContinueOnError)
	fs.StringVar(&scenario, "scenario", defaultScenario, "scenario of the catalogue (guildsim list)")
	seed = defaultSeed
	fs.Var(seedFlag{&seed}, "seed", "root seed of the failing run: 0 to 18446744073709551615")
	registerOptions(fs, &given)
	fs.StringVar(&checker, "checker", "", "the checker whose failure to bisect (default: the first that says Illegal)")
	fs.StringVar(&outDir, "out", "guildsim-out", "report folder root: the stop at the decisive event goes to DIR/<scenario>-<seed>/")
	fs.IntVar(&window, "trace-window", defaultTraceWindow, "events of trace kept before the decisive event")
	if code, ok := parseFlags(fs, args, bisectUsage, stdout, stderr); !ok {
		return code
	}
	specOf, err := worldSpec(fs, scenario, given)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim bisect: %v\n", err)
		return exitUsage
	}
	if window < 1 || window > maxTraceWindow {
		fmt.Fprintf(stderr, "guildsim bisect: --trace-window %d: must be between 1 and %d\n", window, maxTraceWindow)
		return exitUsage
	}
	if checker != "" {
		// Checked before the run, as all bad input is: the scenario's
		// checkers are known without running it.
		sc, _ := scenarios.Lookup(scenario)
		checkers := sc.Checkers
		if checkers == nil {
			checkers = scenarios.AllCheckers
		}
		var names []string
		for _, c := range checkers {
			names = append(names, c.Name)
		}
		if !slices.Contains(names, checker) {
			fmt.Fprintf(stderr, "guildsim bisect: --checker %q: scenario %s has no such checker (it has %s)\n", checker, scenario, strings.Join(names, ", "))
			return exitUsage
		}
	}
	s := specOf(seed)
	o, _ := optionsFromMap(s.Options)
	fmt.Fprintf(stdout, "SEED=%d\nbisect: %s\n", seed, s.replayCommand())

	full := scenarios.RunWith(scenario, seed, o, scenarios.RunConfig{})
	if full.Err != nil {
		fmt.Fprintf(stdout, "result: TESTBED FAILURE: %v\n", full.Err)
		return exitTestbed
	}
	v, found := pickVerdict(full.Verdicts, checker)
	switch {
	case checker != "" && !found:
		fmt.Fprintf(stderr, "guildsim bisect: --checker %q: scenario %s has no such checker (it has %s)\n", checker, scenario, checkerNames(full.Verdicts))
		return exitUsage
	case !found:
		fmt.Fprintf(stdout, "the run passes (no checker says Illegal): nothing to bisect\n")
		return exitOK
	case v.Result != check.Illegal:
		fmt.Fprintf(stdout, "the run's %s says %s: nothing to bisect\n", v.Checker, v.Result)
		return exitOK
	}
	checker = v.Checker
	fmt.Fprintf(stdout, "full run (%d events, faults end at the heal at %s): %s Illegal: %s\n", full.Events, full.HealedAt.Sub(sim.DefaultStart), checker, v.Detail)

	probes := 0
	probe := func(after uint64) (bool, check.Verdict) {
		probes++
		r := scenarios.RunWith(scenario, seed, o, scenarios.RunConfig{Stop: scenarios.Stop{HealAfterEvent: after}})
		pv, _ := pickVerdict(r.Verdicts, checker)
		if r.Err != nil {
			pv = check.Verdict{Checker: checker, Result: check.Unknown, Detail: r.Err.Error()}
		}
		fmt.Fprintf(stdout, "probe %2d: faults end after event %d: %s %s\n", probes, after, checker, pv.Result)
		return pv.Result == check.Illegal, pv
	}
	if failed, pv := probe(1); failed {
		fmt.Fprintf(stdout, "the checker fails with no fault at all (faults end after event 1, in the warmup): %s\n", pv.Detail)
		fmt.Fprintln(stdout, "result: decided without faults: look at the run itself (guildsim run --stop-at-time, --trace)")
		return exitOK
	}
	// Invariant: ending the faults after lo passes, after hi fails (hi =
	// the whole run: the run's own heal comes before its last event).
	lo, hi := uint64(1), full.Events
	var decisive check.Verdict
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if failed, pv := probe(mid); failed {
			hi, decisive = mid, pv
		} else {
			lo = mid
		}
	}
	if decisive.Checker == "" {
		_, decisive = probe(hi)
	}
	fmt.Fprintf(stdout, "decided at event %d: faults ended after event %d: %s Ok; after event %d: Illegal (%d probes)\n", hi, lo, checker, hi, probes)
	fmt.Fprintf(stdout, "  the failure with faults up to event %d: %s\n", hi, decisive.Detail)

	// The world just before the decisive event.
	ro := runOptions{observe: scenarios.RunConfig{Stop: scenarios.Stop{AtEvent: hi, TraceTail: window}}}
	r := runOne(s, ro)
	if r.sc == nil || r.sc.Stopped == nil {
		fmt.Fprintf(stdout, "result: TESTBED FAILURE: the stop at event %d did not happen: %s\n", hi, r.Error)
		return exitTestbed
	}
	dir := filepath.Join(outDir, reportDirName(s))
	if code := reportStop(r, dir, "", stdout, stderr); code != exitOK {
		return code
	}
	fmt.Fprintf(stdout, "result: decided at event %d (the next event above)\n", hi)
	return exitOK
}

// pickVerdict returns the verdict of checker, or with checker empty the
// first Illegal one.
func pickVerdict(vs []check.Verdict, checker string) (check.Verdict, bool) {
	for _, v := range vs {
		if (checker == "" && v.Result == check.Illegal) || (checker != "" && v.Checker == checker) {
			return v, true
		}
	}
	return check.Verdict{}, false
}

func checkerNames(vs []check.Verdict) string {
	var names []string
	for _, v := range vs {
		names = append(names, v.Checker)
	}
	return strings.Join(names, ", ")
}
