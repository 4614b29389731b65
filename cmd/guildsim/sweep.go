package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/guildsim/guildsim/scenarios"
)

// sweep runs many seeds on all cores. Each world is single-threaded and
// deterministic; running several at once changes nothing in any of them
// (the determinism tests prove it), so the parallelism lives here, in the
// command, never inside a world.
const sweepUsage = `usage: guildsim sweep [--scenario NAME] --seeds 1-1000 [--parallel P] [--shard i/n] [--out DIR] [scenario options]

Runs a scenario (default chat-basic) for many seeds, P at a time, with a
progress bar on stderr. Writes DIR/results.jsonl (one JSON line per seed:
scenario, seed, options, fingerprint, events, each checker's verdict, ok),
DIR/junit.xml, and DIR/replays/<scenario>-<seed>.json for every failing
seed (rerun one with guildsim replay FILE). --shard i/n runs only the seeds
at positions k with k % n == i; guildsim merge combines the shards.`

func cmdSweep(args []string, stdout, stderr io.Writer) int {
	var (
		df       demoFlags
		given    scenarios.Options
		scenario string
		seedsArg string
		parallel int
		shardArg string
		outDir   string
		quiet    bool
	)
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.StringVar(&scenario, "scenario", defaultScenario, "scenario of the catalogue (guildsim list), or demo for sim's demo world")
	fs.StringVar(&seedsArg, "seeds", "1-100", "seeds to run: a range 1-1000, a list 1,5,9, or both")
	fs.IntVar(&parallel, "parallel", runtime.NumCPU(), "worlds run at once, between 1 and 256")
	fs.StringVar(&shardArg, "shard", "", "run only shard i of n (i/n, 0 <= i < n): seeds at positions k with k%n == i")
	fs.StringVar(&outDir, "out", filepath.Join("guildsim-out", "sweep"), "folder for results.jsonl, junit.xml and replays/")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar")
	registerOptions(fs, &given)
	df.register(fs)
	if code, ok := parseFlags(fs, args, sweepUsage, stdout, stderr); !ok {
		return code
	}
	seeds, err := parseSeeds(seedsArg)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: --seeds %v\n", err)
		return exitUsage
	}
	si, sn, err := parseShard(shardArg)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: --shard %v\n", err)
		return exitUsage
	}
	if parallel < 1 || parallel > 256 {
		fmt.Fprintf(stderr, "guildsim sweep: --parallel %d: must be between 1 and 256\n", parallel)
		return exitUsage
	}
	specOf, err := worldSpec(fs, scenario, given, &df)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: %v\n", err)
		return exitUsage
	}
	seeds = shardOf(seeds, si, sn)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: --out %s: cannot create the folder: %v\n", outDir, pathErr(err))
		return exitUsage
	}
	fmt.Fprintf(stdout, "sweep: scenario %s, %d seeds (shard %d/%d), %d at a time\n", scenario, len(seeds), si, sn, parallel)
	if scenario != demoWorld {
		o, _ := scenarios.Resolve(scenario, given)
		for _, l := range o.Lines() {
			fmt.Fprintf(stdout, "options: %s\n", l)
		}
	}

	start := time.Now()
	results := make([]result, len(seeds))
	forEach(len(seeds), parallel, quiet, stderr, "seeds", func(i int) {
		s := specOf(seeds[i])
		// Porcupine's visualisation of a failing seed, if any.
		artifacts := filepath.Join(outDir, "artifacts", fmt.Sprintf("%s-%d", s.Scenario, s.Seed))
		r := runOne(s, runOptions{observe: scenarios.RunConfig{ArtifactDir: artifacts}})
		r.sc = nil // keep only the line: a sweep holds every seed's result
		results[i] = r
	})
	fmt.Fprintf(stdout, "wall: %s\n", time.Since(start).Round(time.Millisecond))
	return finishResults(outDir, results, stdout, stderr)
}

// finishResults writes results.jsonl, junit.xml and the failures' replay
// files, prints the failures and a total, and returns the exit code.
func finishResults(outDir string, results []result, stdout, stderr io.Writer) int {
	sortResults(results)
	failed := 0
	for _, r := range results {
		if !r.failed() {
			continue
		}
		failed++
		path, err := writeReplay(filepath.Join(outDir, "replays"), r)
		if err != nil {
			fmt.Fprintf(stderr, "guildsim: writing replay file: %v\n", err)
			return exitTestbed
		}
		printResultLine(stdout, r)
		fmt.Fprintf(stdout, "  replay: %s\n      or: go run ./cmd/guildsim replay %s\n", r.replayLine(), path)
	}
	for _, w := range []struct {
		name  string
		write func(string, []result) error
	}{{"results.jsonl", writeJSONLines}, {"junit.xml", writeJUnit}} {
		if err := w.write(filepath.Join(outDir, w.name), results); err != nil {
			fmt.Fprintf(stderr, "guildsim: writing %s: %v\n", w.name, err)
			return exitTestbed
		}
	}
	printBuggifyTotals(stdout, results)
	fmt.Fprintf(stdout, "%d seeds, %d passed, %d failed; digest %s; results in %s\n", len(results), len(results)-failed, failed, digest(results), outDir)
	return exitCode(results)
}

// digest is a hash of every seed's scenario, seed, fingerprint and result,
// in seed order: two sweeps (or a sweep and its merged shards) with the
// same digest ran the same runs with the same outcomes.
func digest(results []result) string {
	h := fnv.New64a()
	for _, r := range results {
		fmt.Fprintf(h, "%s %d %s %s\n", r.Scenario, r.Seed, r.Fingerprint, r.Result)
	}
	return fmt.Sprintf("%016x", h.Sum64())
}
