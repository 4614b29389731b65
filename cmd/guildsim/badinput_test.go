package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBadInput is every bad input of every command, one row each: the
// command exits 2, writes one line on stderr (the first line must
// contain want, which names the flag or file and what is wrong) and
// writes nothing: each row runs in a fresh folder as its working
// directory with --out inside it (commands that take one), and the
// folder must still be empty afterwards. Inputs a row reads (results
// files, replay files) live in a separate fixtures folder. The table is
// printed (go test -v -run TestBadInput) as input, exit code, first line.
func TestBadInput(t *testing.T) {
	fx := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(fx, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	line := func(scenario, seed, members string) string {
		return fmt.Sprintf(`{"scenario":%q,"seed":%q,"options":{"members":%q},"fingerprint":"0123456789abcdef","result":"ok","pass":true}`+"\n", scenario, seed, members)
	}
	manifest := func(shard string) string {
		return fmt.Sprintf(`{"scenario":"chat-basic","options":{"members":"8"},"seeds":"1-4","shard":%q,"selected":2}`, shard)
	}
	file := write("file", "x")
	notJSON := write("bad.json", "{not json")
	empty := write("empty.json", "{}")
	unknown := write("unknown.json", `{"scenario":"no-such","seed":"1","fingerprint":"00"}`)
	badOpt := write("badopt.json", `{"scenario":"chat-basic","seed":"1","options":{"members":"-5"},"fingerprint":"00"}`)
	oddKey := write("oddkey.json", `{"scenario":"chat-basic","seed":"1","options":{"colour":"red"},"fingerprint":"00"}`)
	badSeed := write("badseed.json", `{"scenario":"chat-basic","seed":"x","fingerprint":"00"}`)
	noLines := write("nolines/results.jsonl", "")
	blankLines := write("blank/results.jsonl", "\n\n")
	chat := write("chat/results.jsonl", line("chat-basic", "1", "8"))
	swarm := write("swarm/results.jsonl", line("swarm", "2", "8"))
	bigger := write("bigger/results.jsonl", line("chat-basic", "2", "12"))
	// Two shards of a sweep of seeds 1-4 in 4 shards... of which shard 2 is
	// not given, and one whose shard lost a seed to an interrupt.
	s0 := write("s0/results.jsonl", line("chat-basic", "1", "8")+line("chat-basic", "5", "8"))
	write("s0/sweep.json", manifest("0/4"))
	s1 := write("s1/results.jsonl", line("chat-basic", "2", "8")+line("chat-basic", "6", "8"))
	write("s1/sweep.json", manifest("1/4"))
	s3 := write("s3/results.jsonl", line("chat-basic", "4", "8")+line("chat-basic", "8", "8"))
	write("s3/sweep.json", manifest("3/4"))
	s2cut := write("s2cut/results.jsonl", line("chat-basic", "3", "8"))
	write("s2cut/sweep.json", manifest("2/4"))

	recorded := write("replay.json", `{"scenario":"chat-basic","seed":"1","fingerprint":"0","result":"ok"}`)

	const out = "out" // --out, relative to the row's working folder
	for _, tc := range []struct {
		args []string
		want string
	}{
		// run: scenario and options.
		{[]string{"run", "--scenario", "no-such"}, `guildsim run: --scenario "no-such": unknown: want one of [chat-basic`},
		{[]string{"run", "--members", "-5"}, "guildsim run: --members -5: must be between 2 and 100000"},
		{[]string{"run", "--members", "0"}, "guildsim run: --members 0: must be between 2 and 100000"},
		{[]string{"run", "--members", "1"}, "guildsim run: --members 1: must be between 2 and 100000"},
		{[]string{"run", "--members", "many"}, "guildsim run: --members many: want a whole number"},
		{[]string{"run", "--safety", "0s"}, "guildsim run: --safety 0s: must be between 1s and 1h0m0s"},
		{[]string{"run", "--seed", "-1"}, "guildsim run: --seed -1: a seed is an unsigned 64-bit integer (0 to 18446744073709551615)"},
		{[]string{"run", "--seed", "abc"}, "guildsim run: --seed abc: a seed is an unsigned 64-bit integer"},
		{[]string{"run", "--seed", "18446744073709551616"}, "guildsim run: --seed 18446744073709551616: a seed is an unsigned 64-bit integer"},
		{[]string{"run", "--consistency", "two"}, `guildsim run: --consistency "two": must be one, quorum or all`},
		{[]string{"run", "--store-sync", "never"}, `guildsim run: --store-sync "never": must be batch or periodic`},
		{[]string{"run", "--timestamps", "guild-clock"}, `guildsim run: --timestamps "guild-clock": must be read-bumped or coordinator-clock`},
		{[]string{"run", "--regions", "9"}, "guildsim run: --regions 9: must be between 1 and 8"},
		{[]string{"run", "--guilds", "1001"}, "guildsim run: --guilds 1001"},
		{[]string{"run", "--online-percent", "101"}, "guildsim run: --online-percent 101"},
		{[]string{"run", "--post-every", "2h"}, "guildsim run: --post-every 2h0m0s: must be between 1ms and 1h0m0s"},
		{[]string{"run", "--safety", "-1s"}, "guildsim run: --safety -1s"},
		{[]string{"run", "--liveness", "10s"}, "guildsim run: --liveness 10s: must be between 2m0s and 1h0m0s"},
		{[]string{"run", "--warmup", "soon"}, "guildsim run: --warmup soon: want a duration"},
		{[]string{"run", "--fanout", "carrier-pigeon"}, "guildsim run: --fanout carrier-pigeon: want direct, per-node or relays"},
		// run: --faults, checked completely before anything runs.
		{[]string{"run", "--faults", "crush store-1 at +3s for 5s"}, `unknown fault kind "crush"`},
		{[]string{"run", "--faults", "crash store-9 at +3s for 5s"}, `guildsim run: --faults: unknown node "store-9"`},
		{[]string{"run", "--faults", "crash store-1 at +3s"}, `want "for DURATION" after the offset`},
		{[]string{"run", "--faults", "loss-burst clients-0 2000000ppm at +1s for 5s"}, `guildsim run: --faults "loss-burst clients-0 2000000ppm at +1s for 5s": amount 2000000ppm: a ratio in ppm must be between 0 and 1000000`},
		{[]string{"run", "--faults", "latency-spike gateway-0 -200ms at +1s for 5s"}, `guildsim run: --faults "latency-spike gateway-0 -200ms at +1s for 5s": amount -200ms: an added latency must not be negative`},
		{[]string{"run", "--faults", "disk-slow store-1 x0 at +1s for 5s"}, `guildsim run: --faults "disk-slow store-1 x0 at +1s for 5s": amount x0: a slow-down factor must be between x1 and x10000`},
		{[]string{"run", "--faults", "clock-drift store-1 +900000ppm at +1s for 5s"}, `amount +900000ppm: a drift must be between -500000 and +500000 ppm`},
		{[]string{"run", "--faults", "crash store-1 at +40s for 5s"}, `guildsim run: --faults "crash store-1 at +40s for 5s": starts at +40s, after the safety phase (--safety 30s) in which faults run`},
		{[]string{"run", "--safety", "10s", "--faults", "crash store-1 at +10s for 5s"}, `starts at +10s, after the safety phase (--safety 10s)`},
		{[]string{"run", "--faults", "partition-halves [store-0,store-1] | [store-1,guild-0] at +1s for 5s"}, `node "store-1" is on both sides: a node cannot be partitioned from itself`},
		{[]string{"run", "--faults", "partition-oneway guild-0 -> guild-0 at +1s for 5s"}, `node "guild-0" is on both sides: a node cannot be partitioned from itself`},
		{[]string{"run", "--faults", "partition-halves [store-0,store-0] | [guild-0] at +1s for 5s"}, `node "store-0" named twice on the first side`},
		{[]string{"run", "--faults", "partition-halves [store-0 | [guild-0] at +1s for 5s"}, `unbalanced brackets in "[store-0": want [A,B]`},
		{[]string{"run", "--faults", "partition-halves [store-0] | guild-0] at +1s for 5s"}, `unbalanced brackets in "guild-0]": want [A,B]`},
		{[]string{"run", "--faults", "partition-halves [[store-0] | [guild-0] at +1s for 5s"}, `unbalanced brackets in "[store-0": want [A,B]`},
		{[]string{"sweep", "--seeds", "1-3", "--faults", "kill store-1 at +1s"}, `kill is not accepted`},
		// run: the trace.
		{[]string{"run", "--trace-filter", "node=store-0"}, `guildsim run: --trace-filter "node=store-0": without --trace there is no trace to filter (add --trace or --trace=FILE)`},
		{[]string{"run", "--trace", "--trace-filter", "node=store-9"}, `guildsim run: --trace-filter "node=store-9": node=store-9: no such node in this run (nodes: clients-0, control, gateway-0, gateway-1, guild-0, guild-1, store-0, store-1, store-2)`},
		{[]string{"run", "--trace", "--trace-filter", "process=session"}, `guildsim run: --trace-filter "process=session": process=session: no process is called so (processes: init, client, gateway/session,`},
		{[]string{"run", "--trace", "--trace-filter", "process=guild/x"}, `process=guild/x: no process is called so`},
		{[]string{"run", "--trace", "--trace-filter", "host=a"}, "unknown key"},
		{[]string{"run", "--trace", "--trace-filter", "node"}, "want node=NAME"},
		{[]string{"run", "--trace=" + filepath.Join(file, "t.jsonl")}, "guildsim run: --trace=" + filepath.Join(file, "t.jsonl") + ": not a directory"},
		// run, replay and bisect: the incident tools.
		{[]string{"run", "--stop-at-event", "0"}, "guildsim run: --stop-at-event 0: must be at least 1"},
		{[]string{"run", "--stop-at-event", "-3"}, "guildsim run: --stop-at-event -3: want a whole number"},
		{[]string{"run", "--stop-at-time", "-1s"}, "guildsim run: --stop-at-time -1s: must be positive"},
		{[]string{"run", "--stop-at-time", "0s"}, "guildsim run: --stop-at-time 0s: must be positive"},
		{[]string{"run", "--stop-at-time", "soon"}, "guildsim run: --stop-at-time soon: want a duration"},
		{[]string{"run", "--stop-at-event", "5", "--stop-at-time", "1s"}, "give one stop point"},
		{[]string{"run", "--max-events", "0"}, "guildsim run: --max-events 0: must be at least 1"},
		{[]string{"run", "--trace-window", "0"}, "guildsim run: --trace-window 0: must be between 1 and 1000000"},
		{[]string{"replay", "--trace-around", "0", recorded}, "guildsim replay: --trace-around 0: must be at least 1"},
		{[]string{"replay", "--trace-out", "x.jsonl", recorded}, "guildsim replay: --trace-out: only with --trace-around N"},
		{[]string{"replay", "--stop-at-time", "-2s", recorded}, "guildsim replay: --stop-at-time -2s"},
		{[]string{"bisect", "--checker", "nope", "--scenario", "swarm", "--seed", "5", "--store-sync", "periodic"}, `--checker "nope": scenario swarm has no such checker`},
		{[]string{"bisect", "--trace-window", "0"}, "--trace-window 0"},
		{[]string{"bisect", "--members", "0"}, "guildsim bisect: --members 0: must be between 2 and 100000"},
		// run: other flags.
		{[]string{"run", "--out", "/proc/x"}, "guildsim run: --out /proc/x: cannot create the report folder"},
		{[]string{"run", "--out", filepath.Join(file, "out")}, "not a directory"},
		{[]string{"run", "--scenario", "demo"}, `guildsim run: --scenario "demo": unknown`},
		{[]string{"run", "--clients", "5"}, "guildsim run: flag provided but not defined: -clients"},
		{[]string{"run", "--bogus"}, "guildsim run: flag provided but not defined: -bogus"},
		{[]string{"run", "extra"}, "unexpected argument"},
		// sweep.
		{[]string{"sweep", "--scenario", "no-such"}, `--scenario "no-such": unknown`},
		{[]string{"sweep", "--seeds", "5-1"}, "low <= high"},
		{[]string{"sweep", "--seeds", "x"}, "want a range"},
		{[]string{"sweep", "--seeds", "1-"}, "want a range low-high of whole numbers"},
		{[]string{"sweep", "--seeds", ""}, "empty"},
		{[]string{"sweep", "--seeds", "1-99999999999"}, "at most 1000000 seeds"},
		{[]string{"sweep", "--seeds", "1-18446744073709551615"}, "at most 1000000 seeds"},
		{[]string{"sweep", "--seeds", "99999999999999999999"}, "want a range"},
		{[]string{"sweep", "--seeds", "1-5,3"}, "seed 3 given twice"},
		{[]string{"sweep", "--seeds", "1-2", "--shard", "3/4"}, "guildsim sweep: --shard 3/4: selects no seed of --seeds 1-2 (2 seeds): want fewer shards or more seeds"},
		{[]string{"sweep", "--shard", "3/2"}, "0 <= i < n"},
		{[]string{"sweep", "--shard", "0/0"}, "0 <= i < n"},
		{[]string{"sweep", "--shard", "a/b"}, "want i/n"},
		{[]string{"sweep", "--shard", "-1/2"}, "want i/n"},
		{[]string{"sweep", "--shard", "2"}, "want i/n"},
		{[]string{"sweep", "--parallel", "0"}, "--parallel 0"},
		{[]string{"sweep", "--members", "-5"}, "--members -5"},
		{[]string{"sweep", "--members", "0"}, "guildsim sweep: --members 0: must be between 2 and 100000"},
		{[]string{"sweep", "--out", filepath.Join(file, "out")}, "not a directory"},
		// replay.
		{[]string{"replay"}, "want exactly one FILE"},
		{[]string{"replay", "a", "b"}, "want exactly one FILE"},
		{[]string{"replay", filepath.Join(fx, "missing.json")}, "guildsim replay: " + filepath.Join(fx, "missing.json") + ": no such file or directory"},
		{[]string{"replay", notJSON}, "guildsim replay: " + notJSON + ": not a replay file"},
		{[]string{"replay", empty}, "no scenario, seed or fingerprint"},
		{[]string{"replay", unknown}, "guildsim replay: " + unknown + `: --scenario "no-such": unknown`},
		{[]string{"replay", badOpt}, "--members -5"},
		{[]string{"replay", oddKey}, `option "colour": unknown`},
		{[]string{"replay", badSeed}, `seed "x": a seed is an unsigned 64-bit integer`},
		// merge.
		{[]string{"merge"}, "want one or more"},
		{[]string{"merge", filepath.Join(fx, "missing.jsonl")}, "no such file"},
		{[]string{"merge", notJSON}, "not a results line"},
		{[]string{"merge", empty}, "not a results line"},
		{[]string{"merge", noLines}, "guildsim merge: " + noLines + ": no results in it (an empty file: did its sweep run?)"},
		{[]string{"merge", chat, blankLines}, "guildsim merge: " + blankLines + ": no results in it"},
		{[]string{"merge", chat, swarm}, "guildsim merge: " + swarm + " line 1: scenario swarm, but " + chat + "'s is chat-basic: merge shards of one sweep only"},
		{[]string{"merge", chat, bigger}, "guildsim merge: " + bigger + " line 1: option members=12, but " + chat + " has members=8: merge shards of one sweep only"},
		{[]string{"merge", chat, chat}, "guildsim merge: chat-basic seed 1 is in both " + chat + " and " + chat + ": shards overlap"},
		{[]string{"merge", "--expect-shards", "4", s0, s1, s3}, "guildsim merge: --expect-shards 4: shard 2/4 missing (given: 0/4, 1/4, 3/4)"},
		{[]string{"merge", "--expect-shards", "4", s0, s1, s2cut, s3}, "guildsim merge: --expect-shards 4: shard 2/4 (" + s2cut + ") is incomplete: 1 of its 2 seeds (an interrupted sweep?)"},
		{[]string{"merge", "--expect-shards", "3", s0}, "guildsim merge: --expect-shards 3: " + s0 + " is shard 0/4, of a sweep in 4 shards"},
		{[]string{"merge", "--expect-shards", "1", chat}, "guildsim merge: --expect-shards 1: " + chat + " has no sweep.json beside it"},
		{[]string{"merge", "--expect-shards", "-1", chat}, "guildsim merge: --expect-shards -1: must be between 1 and 1000000"},
		{[]string{"merge", "--out", filepath.Dir(chat), chat}, "guildsim merge: --out " + filepath.Dir(chat) + ": " + chat + " is in it"},
		// compare.
		{[]string{"compare", "--members", "0"}, "--members 0: must be between 1 and 1000000"},
		{[]string{"compare", "--members", "-5"}, "--members -5: must be between 1 and 1000000"},
		{[]string{"compare", "--members", "1000001"}, "--members 1000001: must be between 1 and 1000000"},
		{[]string{"compare", "--members", ""}, "--members \"\": empty"},
		{[]string{"compare", "--members", "100,abc"}, `"abc": not an integer`},
		{[]string{"compare", "--members", "100,100"}, "--members 100: listed twice"},
		{[]string{"compare", "--strategies", "direct,gossip"}, `--strategies "gossip": unknown strategy: want one of direct, per-node, relays, relays+per-node, relays+passive`},
		{[]string{"compare", "--strategies", ""}, "--strategies: empty"},
		{[]string{"compare", "--strategies", "relays,relays"}, `--strategies "relays": listed twice`},
		{[]string{"compare", "--parallel", "0"}, "--parallel 0: must be between 1 and 256"},
		{[]string{"compare", "--messages", "0"}, "--messages 0: must be between 1 and 100"},
		{[]string{"compare", "--open-percent", "101"}, "--open-percent 101: must be between 1 and 100"},
		{[]string{"compare", "--message-every", "2h"}, "--message-every 2h0m0s: must be between 1ms and 1m"},
		{[]string{"compare", "--seed", "-1"}, "guildsim compare: --seed -1: a seed is an unsigned 64-bit integer (0 to 18446744073709551615)"},
		{[]string{"compare", "--members", "50", "--out", file}, "guildsim compare: --out " + file + ": cannot create the folder: " + file + ": not a directory"},
		{[]string{"compare", "--members", "50", "--out", "/proc/x"}, "guildsim compare: --out /proc/x: cannot create the folder"},
		{[]string{"compare", "extra"}, "unexpected argument"},
		// the rest.
		{[]string{"list", "extra"}, "unexpected argument"},
		{[]string{"version", "--bogus"}, "bogus"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{}, "usage: guildsim <command>"},
	} {
		args := tc.args
		takesOut := len(args) > 0 && slices.Contains([]string{"run", "sweep", "merge", "compare", "bisect"}, args[0]) && !slices.Contains(args, "--out")
		if takesOut {
			args = append([]string{args[0], "--out", out}, args[1:]...)
		}
		wd := t.TempDir()
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Chdir(wd)
			code, stdout, errs := runCLI(t, args...)
			first, _, _ := strings.Cut(errs, "\n")
			t.Logf("%-100s  %d  %s", shellLine(args), code, first)
			require.Equal(t, exitUsage, code, "%v: %s", args, errs)
			require.Contains(t, first, tc.want, "%v", args)
			if len(args) > 0 {
				require.Equal(t, errs, first+"\n", "%v: one line", args)
				require.True(t, strings.HasPrefix(first, "guildsim"), "%v: says who speaks: %q", args, first)
			}
			require.NotContains(t, errs, "goroutine", "%v", args)
			require.NotContains(t, stdout, "SEED=", "%v: nothing ran", args)
			var created []string
			require.NoError(t, filepath.WalkDir(wd, func(path string, d fs.DirEntry, err error) error {
				if path != wd {
					created = append(created, path)
				}
				return err
			}))
			require.Empty(t, created, "%v: bad input writes nothing", args)
		})
	}
}

// shellLine renders args as a command line for the printed table.
func shellLine(args []string) string {
	parts := []string{"guildsim"}
	for _, a := range args {
		parts = append(parts, shellWord(a))
	}
	return strings.Join(parts, " ")
}
