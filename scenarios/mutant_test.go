package scenarios

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/scenarios/check"
)

// TestMutantSeeds is the catcher of the mutation tool (internal/mutate,
// go run ./cmd/mutate): it runs seed 1 of every run GUILDSIM_MUTANT_RUNS
// lists, then seed 2, and so on up to GUILDSIM_MUTANT_SEEDS, and stops at
// the first run that is not Ok. It prints one line the tool parses:
//
//	MUTANT CAUGHT run=chat-basic:fanout=relays seed=3 runs=7 checkers=authorized fingerprint=1f2e...
//	MUTANT DETAIL authorized: client 4 (user 12) received message ...
//	MUTANT MISSED runs=600
//
// and, for every run, "MUTANT RUN run=... seed=N fingerprint=...", so that
// the tool can tell a missed mutant that changed the world's behaviour
// from one that changed nothing the world records. With
// GUILDSIM_MUTANT_FINGERPRINTS=1 it only prints those lines, skipping the
// checkers and never stopping (the unmutated tree's fingerprints).
//
// A run is a scenario name followed by option overrides, each ":key=value"
// (fanout, consistency, store-sync, timestamps, faults: a schedule as
// --faults takes it, which has neither ':' nor ','); runs are separated by commas. The
// test fails when a run is not Ok, so on the unmutated tree it is a plain
// regression test of the runs it is given. Skipped unless
// GUILDSIM_MUTANT_RUNS is set.
func TestMutantSeeds(t *testing.T) {
	spec := os.Getenv("GUILDSIM_MUTANT_RUNS")
	if spec == "" {
		t.Skip("set GUILDSIM_MUTANT_RUNS (and GUILDSIM_MUTANT_SEEDS) to run a mutant's catchers; see go run ./cmd/mutate")
	}
	n, err := strconv.Atoi(os.Getenv("GUILDSIM_MUTANT_SEEDS"))
	if err != nil || n <= 0 {
		t.Fatalf("GUILDSIM_MUTANT_SEEDS %q: must be a positive number", os.Getenv("GUILDSIM_MUTANT_SEEDS"))
	}
	runs, err := parseMutantRuns(spec)
	if err != nil {
		t.Fatal(err)
	}
	onlyPrints := os.Getenv("GUILDSIM_MUTANT_FINGERPRINTS") == "1"
	count := 0
	for seed := uint64(1); seed <= uint64(n); seed++ {
		for _, mr := range runs {
			count++
			r := RunWith(mr.Scenario, seed, mr.Options, RunConfig{SkipCheckers: onlyPrints})
			fmt.Printf("MUTANT RUN run=%s seed=%d fingerprint=%016x\n", mr.Spec, seed, r.Fingerprint)
			if onlyPrints {
				if r.Err != nil {
					t.Fatalf("%s", r)
				}
				continue
			}
			if r.Ok() {
				continue
			}
			var names []string
			var detail string
			if r.Err != nil {
				names, detail = append(names, "error"), "error: "+r.Err.Error()
			}
			for _, v := range r.Verdicts {
				if v.Result == check.Ok {
					continue
				}
				name := v.Checker
				if v.Result != check.Illegal {
					name += "(unknown)"
				}
				names = append(names, name)
				if detail == "" {
					detail = v.Checker + ": " + v.Detail
				}
			}
			if len(names) == 0 {
				names = []string{"none"}
			}
			fmt.Printf("MUTANT CAUGHT run=%s seed=%d runs=%d checkers=%s fingerprint=%016x\n", mr.Spec, seed, count, strings.Join(names, ","), r.Fingerprint)
			fmt.Printf("MUTANT DETAIL %s\n", oneLine(detail, 200))
			t.Fatalf("%s", r)
		}
	}
	fmt.Printf("MUTANT MISSED runs=%d\n", count)
}

// mutantRun is one run of TestMutantSeeds: a scenario with options.
type mutantRun struct {
	Spec     string // as written: "chat-basic:fanout=relays"
	Scenario string
	Options  Options
}

// parseMutantRuns reads GUILDSIM_MUTANT_RUNS: runs separated by commas,
// each a scenario name and ":key=value" overrides (fanout, consistency,
// store-sync, read-path, timestamps, faults).
func parseMutantRuns(spec string) ([]mutantRun, error) {
	var out []mutantRun
	for _, one := range strings.Split(spec, ",") {
		parts := strings.Split(strings.TrimSpace(one), ":")
		mr := mutantRun{Spec: strings.TrimSpace(one), Scenario: parts[0]}
		if _, err := Lookup(mr.Scenario); err != nil {
			return nil, err
		}
		for _, kv := range parts[1:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "fanout":
				f, err := ParseFanout(v)
				if err != nil {
					return nil, fmt.Errorf("run %q: fanout %q: %v", one, v, err)
				}
				mr.Options.Fanout = f
			case "consistency":
				mr.Options.Consistency = v
			case "store-sync":
				mr.Options.StoreSync = v
			case "read-consistency":
				mr.Options.ReadConsistency = v
			case "read-path":
				mr.Options.ReadPath = v
			case "timestamps":
				mr.Options.Timestamps = v
			case "faults":
				// A schedule has no ':' nor ',': "clock-skew store-1 -5s at +0s for 29s".
				mr.Options.Faults = v
			default:
				return nil, fmt.Errorf("run %q: option %q: want fanout, consistency, read-consistency, read-path, store-sync, timestamps or faults", one, k)
			}
		}
		if _, err := Resolve(mr.Scenario, mr.Options); err != nil {
			return nil, fmt.Errorf("run %q: %w", one, err)
		}
		out = append(out, mr)
	}
	return out, nil
}

// oneLine flattens s to one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n]
	}
	return s
}
