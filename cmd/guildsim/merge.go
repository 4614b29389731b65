package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

const mergeUsage = `usage: guildsim merge [--out DIR] shard0/results.jsonl shard1/results.jsonl ...

Combines the results.jsonl files of sweep shards into DIR/results.jsonl and
DIR/junit.xml (seed order), keeps the failures' replay files in
DIR/replays/, and exits as the whole sweep would. A seed in two files is
an error (the shards overlap).`

// merge combines the results.jsonl files of sweep shards into one
// results.jsonl and junit.xml, and exits as a single sweep would.
func cmdMerge(args []string, stdout, stderr io.Writer) int {
	var outDir string
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.StringVar(&outDir, "out", filepath.Join("guildsim-out", "merged"), "folder for the merged results.jsonl and junit.xml")
	if code, ok := parseFlags(fs, args, mergeUsage, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "guildsim merge: want one or more results.jsonl files")
		return exitUsage
	}
	var all []result
	type key struct {
		scenario string
		seed     uint64
	}
	seen := map[key]string{}
	for _, path := range fs.Args() {
		rs, err := readJSONLines(path)
		if err != nil {
			fmt.Fprintf(stderr, "guildsim merge: %v\n", pathErr(err))
			return exitUsage
		}
		for _, r := range rs {
			k := key{r.Scenario, r.Seed}
			if prev, dup := seen[k]; dup {
				fmt.Fprintf(stderr, "guildsim merge: %s seed %d is in both %s and %s: shards overlap\n", r.Scenario, r.Seed, prev, path)
				return exitUsage
			}
			seen[k] = path
		}
		all = append(all, rs...)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "guildsim merge: --out %s: cannot create the folder: %v\n", outDir, pathErr(err))
		return exitUsage
	}
	return finishResults(outDir, all, stdout, stderr)
}
