package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

const mergeUsage = `usage: guildsim merge [--out DIR] [--expect-shards N] shard0/results.jsonl shard1/results.jsonl ...

Combines the results.jsonl files (or the folders holding them) of the
shards of one sweep into DIR/results.jsonl and DIR/junit.xml (seed order),
writes the failures' replay files into DIR/replays/, copies each shard's
artifacts/ into DIR/artifacts/, and exits as the whole sweep would. It
refuses, as bad input: an empty file, files of different scenarios or
options, a seed in two files (the shards overlap), and DIR holding one of
the inputs. With --expect-shards N, every input must be a shard i/N (its
sweep.json says so), complete, and of the same --seeds, and every shard
0..N-1 present: a missing shard is named.`

// input is one results file given to merge and what it holds.
type mergeInput struct {
	path     string
	dir      string
	results  []result
	manifest *sweepManifest // nil when no sweep.json lies beside it
}

// merge combines the results.jsonl files of sweep shards into one
// results.jsonl and junit.xml, and exits as a single sweep would.
func cmdMerge(args []string, stdout, stderr io.Writer) int {
	var (
		outDir       string
		expectShards int
	)
	fset := flag.NewFlagSet("merge", flag.ContinueOnError)
	fset.StringVar(&outDir, "out", filepath.Join("guildsim-out", "merged"), "folder for the merged results.jsonl, junit.xml, replays/ and artifacts/ (an earlier merge's are removed)")
	fset.IntVar(&expectShards, "expect-shards", 0, "the sweep had N shards: every one must be given, complete (0: do not check)")
	if code, ok := parseFlags(fset, args, mergeUsage, stdout, stderr); !ok {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "guildsim merge: "+format+"\n", a...)
		return exitUsage
	}
	if fset.NArg() == 0 {
		return fail("want one or more results.jsonl files")
	}
	if expectShards < 0 || expectShards > maxShards {
		return fail("--expect-shards %d: must be between 1 and %d (or 0: do not check)", expectShards, maxShards)
	}
	absOut, _ := filepath.Abs(outDir)
	var inputs []mergeInput
	for _, arg := range fset.Args() {
		in, err := readMergeInput(arg)
		if err != nil {
			return fail("%v", err)
		}
		if absDir, _ := filepath.Abs(in.dir); absDir == absOut {
			return fail("--out %s: %s is in it, and merge clears its folder first: pick another --out", outDir, in.path)
		}
		inputs = append(inputs, in)
	}
	if msg := checkSameSweep(inputs); msg != "" {
		return fail("%s", msg)
	}
	if expectShards > 0 {
		if msg := checkShards(inputs, expectShards); msg != "" {
			return fail("%s", msg)
		}
	} else {
		for _, in := range inputs {
			if m := in.manifest; m != nil && len(in.results) < m.Selected {
				fmt.Fprintf(stderr, "guildsim merge: warning: %s holds %d of shard %s's %d seeds (an interrupted sweep?)\n", in.path, len(in.results), m.Shard, m.Selected)
			}
		}
	}
	var all []result
	type key struct {
		scenario string
		seed     seedNum
	}
	seen := map[key]string{}
	for _, in := range inputs {
		for _, r := range in.results {
			k := key{r.Scenario, r.Seed}
			if prev, dup := seen[k]; dup {
				return fail("%s seed %d is in both %s and %s: shards overlap", r.Scenario, r.Seed, prev, in.path)
			}
			seen[k] = in.path
		}
		all = append(all, in.results...)
	}
	if err := cleanOutputs(outDir, sweepOutputs); err != nil {
		return fail("--out %s: %v", outDir, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fail("--out %s: cannot create the folder: %v", outDir, pathErr(err))
	}
	for _, in := range inputs {
		if err := copyArtifacts(filepath.Join(in.dir, artifactDir), filepath.Join(outDir, artifactDir)); err != nil {
			fmt.Fprintf(stderr, "guildsim merge: copying %s's artifacts: %v\n", in.path, err)
			return exitTestbed
		}
	}
	return finishResults(outDir, all, stdout, stderr)
}

// readMergeInput reads a results.jsonl (or the folder holding one) and
// the sweep.json beside it, if any.
func readMergeInput(arg string) (mergeInput, error) {
	path := arg
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
		path = filepath.Join(arg, resultsFile)
	}
	in := mergeInput{path: path, dir: filepath.Dir(path)}
	rs, err := readJSONLines(path)
	if err != nil {
		return in, pathErr(err)
	}
	if len(rs) == 0 {
		return in, fmt.Errorf("%s: no results in it (an empty file: did its sweep run?)", path)
	}
	in.results = rs
	b, err := os.ReadFile(filepath.Join(in.dir, manifestFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return in, pathErr(err)
	default:
		var m sweepManifest
		if err := json.Unmarshal(b, &m); err != nil || m.Shard == "" {
			return in, fmt.Errorf("%s: not a sweep's %s", filepath.Join(in.dir, manifestFile), manifestFile)
		}
		in.manifest = &m
	}
	return in, nil
}

// checkSameSweep says which input holds runs of another scenario or
// other options than the first input's first line: shards of different
// sweeps merged would give a digest and a pass count of nothing.
func checkSameSweep(inputs []mergeInput) string {
	ref, refPath := inputs[0].results[0], inputs[0].path
	for _, in := range inputs {
		for i, r := range in.results {
			where := fmt.Sprintf("%s line %d", in.path, i+1)
			if r.Scenario != ref.Scenario {
				return fmt.Sprintf("%s: scenario %s, but %s's is %s: merge shards of one sweep only", where, r.Scenario, refPath, ref.Scenario)
			}
			if k := firstDiff(r.Options, ref.Options); k != "" {
				return fmt.Sprintf("%s: option %s=%s, but %s has %s=%s: merge shards of one sweep only", where, k, orNone(r.Options[k]), refPath, k, orNone(ref.Options[k]))
			}
			if r.MaxEvents != ref.MaxEvents {
				return fmt.Sprintf("%s: max_events %d, but %s has %d: merge shards of one sweep only", where, r.MaxEvents, refPath, ref.MaxEvents)
			}
		}
	}
	return ""
}

// firstDiff is the first key, in sorted order, on which a and b differ.
func firstDiff(a, b map[string]string) string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		va, oka := a[k]
		vb, okb := b[k]
		if va != vb || oka != okb {
			return k
		}
	}
	return ""
}

func orNone(v string) string {
	if v == "" {
		return "(unset)"
	}
	return v
}

// checkShards says what is wrong with inputs as the n shards of one
// sweep: an input without a shard, of another count or seeds, given
// twice, incomplete, or a shard missing.
func checkShards(inputs []mergeInput, n int) string {
	have := map[int]string{}
	var seeds, seedsPath string
	for _, in := range inputs {
		m := in.manifest
		if m == nil {
			return fmt.Sprintf("--expect-shards %d: %s has no %s beside it, so its shard is not known (merge the folders a sweep wrote)", n, in.path, manifestFile)
		}
		i, mn, err := parseShard(m.Shard)
		if err != nil {
			return fmt.Sprintf("%s: shard %v", filepath.Join(in.dir, manifestFile), err)
		}
		if mn != n {
			return fmt.Sprintf("--expect-shards %d: %s is shard %s, of a sweep in %d shards", n, in.path, m.Shard, mn)
		}
		if seeds == "" {
			seeds, seedsPath = m.Seeds, in.path
		} else if m.Seeds != seeds {
			return fmt.Sprintf("%s: seeds %s, but %s's are %s: merge shards of one sweep only", in.path, m.Seeds, seedsPath, seeds)
		}
		if prev, dup := have[i]; dup {
			return fmt.Sprintf("--expect-shards %d: shard %s given twice (%s and %s)", n, m.Shard, prev, in.path)
		}
		have[i] = in.path
		if len(in.results) < m.Selected {
			return fmt.Sprintf("--expect-shards %d: shard %s (%s) is incomplete: %d of its %d seeds (an interrupted sweep?)", n, m.Shard, in.path, len(in.results), m.Selected)
		}
	}
	var missing []string
	for i := range n {
		if _, ok := have[i]; !ok {
			missing = append(missing, strconv.Itoa(i)+"/"+strconv.Itoa(n))
		}
	}
	if len(missing) > 0 {
		got := make([]int, 0, len(have))
		for i := range have {
			got = append(got, i)
		}
		slices.Sort(got)
		gotS := make([]string, len(got))
		for k, i := range got {
			gotS[k] = fmt.Sprintf("%d/%d", i, n)
		}
		return fmt.Sprintf("--expect-shards %d: shard %s missing (given: %s)", n, strings.Join(missing, ", "), strings.Join(gotS, ", "))
	}
	return ""
}

// copyArtifacts copies each run's artifact folder (Porcupine's
// visualisation of a failing seed) from src into dst.
func copyArtifacts(src, dst string) error {
	entries, err := os.ReadDir(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return pathErr(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if err := os.CopyFS(filepath.Join(dst, e.Name()), os.DirFS(filepath.Join(src, e.Name()))); err != nil {
			return err
		}
	}
	return nil
}
