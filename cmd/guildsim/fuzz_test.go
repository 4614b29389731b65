package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/scenarios"
)

// FuzzParseSeeds: parseSeeds never panics; what it accepts is non-empty,
// within maxSeeds, free of duplicates, made only of numbers in the ranges
// written, and survives a format/parse round trip unchanged.
func FuzzParseSeeds(f *testing.F) {
	for _, s := range []string{"1-1000", "7", "1,5,9", "1-10,20-30", "5-1", "x", "1-", "-1", "", ",", "1,,2", " 3 - 4 ",
		"1-99999999999", "18446744073709551615", "18446744073709551614-18446744073709551615", "0-0", "1,1", "3-5,4", "1-3-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seeds, err := parseSeeds(s)
		if err != nil {
			if seeds != nil {
				t.Fatalf("%q: error %v with seeds", s, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: error on more than one line: %q", s, err)
			}
			return
		}
		if len(seeds) == 0 || len(seeds) > maxSeeds {
			t.Fatalf("%q: %d seeds", s, len(seeds))
		}
		seen := map[uint64]bool{}
		for _, v := range seeds {
			if seen[v] {
				t.Fatalf("%q: seed %d twice", s, v)
			}
			seen[v] = true
		}
		// Every seed lies within one of the parts as written.
		for _, v := range seeds {
			if !inSomePart(s, v) {
				t.Fatalf("%q: seed %d is in no range given", s, v)
			}
		}
		again, err := parseSeeds(formatSeeds(seeds))
		if err != nil || !equalSeeds(seeds, again) {
			t.Fatalf("%q: format %q parses to %v (%v), want %v", s, formatSeeds(seeds), again, err, seeds)
		}
	})
}

func inSomePart(s string, v uint64) bool {
	for _, part := range strings.Split(s, ",") {
		one, err := parseSeeds(part)
		if err != nil {
			continue
		}
		if v >= one[0] && v <= one[len(one)-1] {
			return true
		}
	}
	return false
}

func equalSeeds(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzParseShard: parseShard never panics; an accepted i/n has 0 <= i < n,
// formats back to itself (when written canonically), and shards 0..n-1 of
// a seed list cover every seed exactly once.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "0/4", "3/4", "3/2", "0/0", "a/b", "-1/2", "2", "1/", "/2", "01/2", "1/1000000", "0/1000001", "+1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i, n, err := parseShard(s)
		if err != nil {
			return
		}
		if i < 0 || i >= n || n > maxShards {
			t.Fatalf("%q: accepted %d/%d", s, i, n)
		}
		if s != "" {
			if i2, n2, err := parseShard(formatShard(i, n)); err != nil || i2 != i || n2 != n {
				t.Fatalf("%q: %s does not parse back (%v)", s, formatShard(i, n), err)
			}
		}
		if n > 64 {
			return
		}
		seeds, _ := parseSeeds("1-100")
		count := map[uint64]int{}
		for k := 0; k < n; k++ {
			for _, v := range shardOf(seeds, k, n) {
				count[v]++
			}
		}
		for _, v := range seeds {
			if count[v] != 1 {
				t.Fatalf("%d shards: seed %d in %d shards", n, v, count[v])
			}
		}
	})
}

func formatShard(i, n int) string { return fmt.Sprintf("%d/%d", i, n) }

// FuzzOptionFlags: any command line given to the scenario option flags
// parses or fails without panicking; what parses survives optionsMap /
// optionsFromMap and optionArgs / flag parsing unchanged, and Resolve
// either accepts it or names an option (one line, "--name").
func FuzzOptionFlags(f *testing.F) {
	for _, s := range []string{"--members 12", "--members -5", "--members 0", "--post-every 250ms --fanout relays",
		"--fanout bogus", "--liveness 10s", "--regions 9 --guilds 2", "--safety 1h --liveness 1h", "--warmup 1.5s",
		"--read-every 0", "--max-per-channel 95", "--online-percent=50", "--members 99999999999999999999",
		"--buggify", "--buggify=on --members 9", "--buggify=false", "--buggify=maybe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var o scenarios.Options
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		registerOptions(fs, &o)
		if err := fs.Parse(strings.Fields(line)); err != nil {
			return
		}
		back, err := optionsFromMap(optionsMap(o))
		if err != nil || back != o {
			t.Fatalf("%q: map round trip gave %+v (%v), want %+v", line, back, err, o)
		}
		var o2 scenarios.Options
		fs2 := flag.NewFlagSet("fuzz2", flag.ContinueOnError)
		fs2.SetOutput(io.Discard)
		registerOptions(fs2, &o2)
		if err := fs2.Parse(strings.Fields(optionArgs(o))); err != nil || o2 != o {
			t.Fatalf("%q: flags %q parse to %+v (%v), want %+v", line, optionArgs(o), o2, err, o)
		}
		if _, err := scenarios.Resolve("chat-basic", o); err != nil {
			msg := err.Error()
			if !strings.Contains(msg, "--") || strings.Contains(msg, "\n") {
				t.Fatalf("%q: error %q does not name the option on one line", line, msg)
			}
		}
	})
}

// TestFuzzCorporaThroughTheCLI: the seed corpora, given to sweep as flags,
// give exit 0 or 2 with one line on stderr, never a panic (the sweep does
// not run: --seeds and --shard are checked before anything runs, and
// --parallel 0 stops it after).
func TestFuzzCorporaThroughTheCLI(t *testing.T) {
	for _, s := range []string{"5-1", "x", "1-", "1-99999999999", "1,1", ""} {
		var out, errb bytes.Buffer
		code := run([]string{"sweep", "--seeds", s, "--parallel", "0"}, &out, &errb)
		if code != exitUsage || strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
			t.Fatalf("--seeds %q: exit %d, stderr %q", s, code, errb.String())
		}
	}
}
