package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// merge combines the results.jsonl files of sweep shards into one
// results.jsonl and junit.xml, and exits as a single sweep would.
func cmdMerge(args []string, stdout, stderr io.Writer) int {
	var outDir string
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.StringVar(&outDir, "out", filepath.Join("guildsim-out", "merged"), "folder for the merged results.jsonl and junit.xml")
	if code, ok := parseFlags(fs, args, "usage: guildsim merge [--out DIR] shard0/results.jsonl shard1/results.jsonl ...", stdout, stderr); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "guildsim merge: want one or more results.jsonl files")
		return exitUsage
	}
	var all []result
	seen := map[uint64]string{}
	for _, path := range fs.Args() {
		rs, err := readJSONLines(path)
		if err != nil {
			fmt.Fprintf(stderr, "guildsim merge: %v\n", err)
			return exitUsage
		}
		for _, r := range rs {
			if prev, dup := seen[r.Spec.Seed]; dup {
				fmt.Fprintf(stderr, "guildsim merge: seed %d is in both %s and %s: shards overlap\n", r.Spec.Seed, prev, path)
				return exitUsage
			}
			seen[r.Spec.Seed] = path
		}
		all = append(all, rs...)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "guildsim merge: --out: %v\n", err)
		return exitUsage
	}
	return finishResults(outDir, all, stdout, stderr)
}
