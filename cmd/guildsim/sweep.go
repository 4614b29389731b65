package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/guildsim/guildsim/scenarios"
)

// sweep runs many seeds on all cores. Each world is single-threaded and
// deterministic; running several at once changes nothing in any of them
// (the determinism tests prove it), so the parallelism lives here, in the
// command, never inside a world.
const sweepUsage = `usage: guildsim sweep [--scenario NAME] --seeds 1-1000 [--parallel P] [--shard i/n] [--out DIR] [scenario options]

Runs a scenario (default chat-basic) for many seeds, P at a time, with a
progress bar on stderr (on a terminal; elsewhere, as in CI logs, a line
every 5% of the seeds). Writes into DIR, after removing what an earlier
sweep left there: results.jsonl (one JSON line per seed: scenario, seed,
options, fingerprint, events, each checker's verdict, pass, result,
version), appended and flushed as each seed finishes and sorted by seed at
the end; junit.xml; sweep.json (the scenario, options, seeds and shard,
for guildsim merge); and for every failing seed
replays/<scenario>-<seed>.json (rerun one with guildsim replay FILE) and
Porcupine's visualisation in artifacts/<scenario>-<seed>/. --shard i/n
runs only the seeds at positions k with k % n == i; guildsim merge
combines the shards. Ctrl-C stops taking seeds, waits for the running
ones, keeps what finished and exits 130 (Ctrl-C again quits at once).`

// manifestFile describes a sweep's shard beside its results.jsonl, so that
// merge can tell a missing or incomplete shard and refuse shards of
// different sweeps.
const manifestFile = "sweep.json"

// sweepManifest is sweep.json.
type sweepManifest struct {
	Scenario string            `json:"scenario"`
	Options  map[string]string `json:"options,omitempty"`
	// Seeds are the sweep's seeds before sharding (--seeds, normalised);
	// Shard is i/n; Selected how many seeds this shard runs.
	Seeds    string `json:"seeds"`
	Shard    string `json:"shard"`
	Selected int    `json:"selected"`
	Version  string `json:"version"`
}

// notifyInterrupt relays SIGINT to c until the returned stop is called,
// after which a second Ctrl-C kills the process as usual. Tests replace
// it to interrupt a sweep without signalling the test binary.
var notifyInterrupt = func(c chan<- os.Signal) (stop func()) {
	signal.Notify(c, os.Interrupt)
	return func() { signal.Stop(c) }
}

func cmdSweep(args []string, stdout, stderr io.Writer) int {
	var (
		given    scenarios.Options
		scenario string
		seedsArg string
		parallel int
		shardArg string
		outDir   string
		quiet    bool
	)
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.StringVar(&scenario, "scenario", defaultScenario, "scenario of the catalogue (guildsim list)")
	fs.StringVar(&seedsArg, "seeds", "1-100", "seeds to run: a range 1-1000, a list 1,5,9, or both")
	fs.IntVar(&parallel, "parallel", runtime.NumCPU(), "worlds run at once, between 1 and 256")
	fs.StringVar(&shardArg, "shard", "", "run only shard i of n (i/n, 0 <= i < n): seeds at positions k with k%n == i")
	fs.StringVar(&outDir, "out", filepath.Join("guildsim-out", "sweep"), "folder for results.jsonl, junit.xml, sweep.json, replays/ and artifacts/ (an earlier sweep's are removed)")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar")
	registerOptions(fs, &given)
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
	specOf, err := worldSpec(fs, scenario, given)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: %v\n", err)
		return exitUsage
	}
	all := seeds
	seeds = shardOf(seeds, si, sn)
	if len(seeds) == 0 {
		// A shard past the number of seeds: a CI matrix wider than the
		// sweep. Passing would hide that the shard tested nothing.
		fmt.Fprintf(stderr, "guildsim sweep: --shard %d/%d: selects no seed of --seeds %s (%d seeds): want fewer shards or more seeds\n", si, sn, formatSeeds(all), len(all))
		return exitUsage
	}
	if err := cleanOutputs(outDir, sweepOutputs); err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: --out %s: %v\n", outDir, err)
		return exitUsage
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: --out %s: cannot create the folder: %v\n", outDir, pathErr(err))
		return exitUsage
	}
	first := specOf(seeds[0])
	man := sweepManifest{Scenario: scenario, Options: first.Options, Seeds: formatSeeds(all),
		Shard: fmt.Sprintf("%d/%d", si, sn), Selected: len(seeds), Version: buildVersion()}
	if err := writeJSON(filepath.Join(outDir, manifestFile), man); err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: writing %s: %v\n", manifestFile, err)
		return exitTestbed
	}
	stream, err := newResultStream(filepath.Join(outDir, resultsFile))
	if err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: writing %s: %v\n", resultsFile, err)
		return exitTestbed
	}
	defer stream.close()
	fmt.Fprintf(stdout, "sweep: scenario %s, %d seeds (shard %d/%d), %d at a time\n", scenario, len(seeds), si, sn, parallel)
	o, _ := scenarios.Resolve(scenario, given)
	for _, l := range o.Lines() {
		fmt.Fprintf(stdout, "options: %s\n", l)
	}
	if scenarios.Draws(scenario) {
		fmt.Fprintf(stdout, "options: %s draws the ones not given from each seed (results.jsonl has every seed's)\n", scenario)
	}

	sigs := make(chan os.Signal, 1)
	stopSignals := notifyInterrupt(sigs)
	defer stopSignals()
	stop, done := make(chan struct{}), make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sigs:
			stopSignals() // a second Ctrl-C quits at once
			fmt.Fprintln(stderr, "\ninterrupt: taking no more seeds, waiting for the running ones (Ctrl-C again to quit now)")
			close(stop)
		case <-done:
		}
	}()

	start := time.Now()
	results := make([]result, len(seeds))
	forEach(len(seeds), parallel, quiet, stderr, "seeds", stop, func(i int) {
		s := specOf(seeds[i])
		// Porcupine's visualisation of a failing seed, if any.
		artifacts := filepath.Join(outDir, "artifacts", fmt.Sprintf("%s-%d", s.Scenario, s.Seed))
		r := runOne(s, runOptions{observe: scenarios.RunConfig{ArtifactDir: artifacts}})
		r.sc = nil // keep only the line: a sweep holds every seed's result
		results[i] = r
		stream.add(r)
	})
	fmt.Fprintf(stdout, "wall: %s\n", time.Since(start).Round(time.Millisecond))
	if err := stream.close(); err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: writing %s: %v\n", resultsFile, err)
		return exitTestbed
	}
	select {
	case <-stop:
		finished := slices.DeleteFunc(results, func(r result) bool { return r.Result == "" })
		code := finishResults(outDir, finished, stdout, stderr)
		fmt.Fprintf(stdout, "interrupted: %d of %d seeds finished; their results are in %s\n",
			len(finished), len(seeds), filepath.Join(outDir, resultsFile))
		if code == exitTestbed || code == exitUsage {
			return code
		}
		return exitInterrupted
	default:
	}
	return finishResults(outDir, results, stdout, stderr)
}

// File names in a sweep's (or merge's) folder.
const (
	resultsFile = "results.jsonl"
	junitFile   = "junit.xml"
	replaysDir  = "replays"
	artifactDir = "artifacts"
)

// sweepOutputs are what a sweep or merge writes into its folder: all
// removed first, so the folder never mixes two sweeps.
var sweepOutputs = []string{resultsFile, junitFile, manifestFile, replaysDir, artifactDir}

// cleanOutputs removes from dir the files and folders named (glob
// patterns) that an earlier run left, and nothing else: --out may be a
// folder holding other things too. dir must be a folder or not exist.
func cleanOutputs(dir string, names []string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return pathErr(err)
	case !fi.IsDir():
		return fmt.Errorf("%s: not a directory", dir)
	}
	for _, pattern := range names {
		matches, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return err
		}
		for _, m := range matches {
			if err := os.RemoveAll(m); err != nil {
				return fmt.Errorf("removing what an earlier run left: %v", pathErr(err))
			}
		}
	}
	return nil
}

// resultStream appends results lines to results.jsonl as seeds finish,
// one write per line, so that an interrupted or killed sweep keeps every
// seed that finished (finishResults rewrites the file in seed order).
type resultStream struct {
	mu  sync.Mutex
	f   *os.File
	err error
}

func newResultStream(path string) (*resultStream, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, pathErr(err)
	}
	return &resultStream{f: f}, nil
}

func (s *resultStream) add(r result) {
	b, err := json.Marshal(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil || s.err != nil {
		return
	}
	if err != nil {
		s.err = err
		return
	}
	// One write of the whole line: a reader (or a crash) never sees half.
	_, s.err = s.f.Write(append(b, '\n'))
}

func (s *resultStream) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		if err := s.f.Close(); s.err == nil {
			s.err = err
		}
		s.f = nil
	}
	return s.err
}

// finishResults writes results.jsonl (in seed order), junit.xml and the
// failures' replay files, prints the failures and a total, and returns
// the exit code.
func finishResults(outDir string, results []result, stdout, stderr io.Writer) int {
	sortResults(results)
	failed, beyond := 0, 0
	for _, r := range results {
		if !r.failed() {
			continue
		}
		if r.Result == resultBeyond {
			beyond++
		} else {
			failed++
		}
		path, err := writeReplay(filepath.Join(outDir, replaysDir), r)
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
	}{{resultsFile, writeJSONLines}, {junitFile, writeJUnit}} {
		if err := w.write(filepath.Join(outDir, w.name), results); err != nil {
			fmt.Fprintf(stderr, "guildsim: writing %s: %v\n", w.name, err)
			return exitTestbed
		}
	}
	printBuggifyTotals(stdout, results)
	printCoverageTotals(stdout, results)
	counts := fmt.Sprintf("%d seeds, %d passed, %d failed", len(results), len(results)-failed-beyond, failed)
	if beyond > 0 {
		// Neither passed nor failed: their verdicts judge the system past
		// what it promises (result beyond-budget).
		counts += fmt.Sprintf(", %d beyond the fault budget", beyond)
	}
	fmt.Fprintf(stdout, "%s; digest %s; results in %s\n", counts, digest(results), outDir)
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
