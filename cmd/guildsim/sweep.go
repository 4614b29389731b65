package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/guildsim/guildsim/sim"
	"github.com/schollz/progressbar/v3"
)

// sweep runs many seeds on all cores. Each world is single-threaded and
// deterministic; running several at once changes nothing in any of them
// (the determinism tests prove it), so the parallelism lives here, in the
// command, never inside a world.
func cmdSweep(args []string, stdout, stderr io.Writer) int {
	var (
		wf       worldFlags
		seedsArg string
		parallel int
		shardArg string
		outDir   string
		quiet    bool
	)
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.StringVar(&seedsArg, "seeds", "1-100", "seeds to run: a range 1-1000, a list 1,5,9, or both")
	fs.IntVar(&parallel, "parallel", runtime.NumCPU(), "worlds run at once, between 1 and 256")
	fs.StringVar(&shardArg, "shard", "", "run only shard i of n (i/n, 0 <= i < n): seeds at positions k with k%n == i")
	fs.StringVar(&outDir, "out", filepath.Join("guildsim-out", "sweep"), "folder for results.jsonl, junit.xml and replays/")
	fs.BoolVar(&quiet, "quiet", false, "no progress bar")
	wf.register(fs)
	if code, ok := parseFlags(fs, args, "usage: guildsim sweep --seeds 1-1000 [--parallel P] [--shard i/n] [flags]", stdout, stderr); !ok {
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
	if err := wf.validate(); err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: %v\n", err)
		return exitUsage
	}
	seeds = shardOf(seeds, si, sn)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "guildsim sweep: --out: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "sweep: world demo, %d seeds (shard %d/%d), %d at a time\n", len(seeds), si, sn, parallel)

	results := make([]result, len(seeds))
	var bar *progressbar.ProgressBar
	if !quiet {
		bar = progressbar.NewOptions(len(seeds), progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("seeds"), progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for k := 0; k < parallel; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(seeds) {
					return
				}
				results[i] = runSpec(wf.spec(seeds[i]), sim.Config{}, nil)
				if bar != nil {
					_ = bar.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if bar != nil {
		_ = bar.Finish()
	}
	return finishResults(outDir, results, stdout, stderr)
}

// finishResults writes results.jsonl, junit.xml and the failures' replay
// files, prints the failures and a total, and returns the exit code.
func finishResults(outDir string, results []result, stdout, stderr io.Writer) int {
	sortResults(results)
	failed := 0
	for i, r := range results {
		if !r.failed() {
			continue
		}
		failed++
		path, err := writeReplay(filepath.Join(outDir, "replays"), r)
		if err != nil {
			fmt.Fprintf(stderr, "guildsim: writing replay file: %v\n", err)
			return exitTestbed
		}
		results[i].Replay = r.Spec.replayCommand()
		printResultLine(stdout, r)
		fmt.Fprintf(stdout, "  replay: %s   (or guildsim replay %s)\n", r.Spec.replayCommand(), path)
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
	fmt.Fprintf(stdout, "%d seeds, %d passed, %d failed; results in %s\n", len(results), len(results)-failed, failed, outDir)
	return exitCode(results)
}
