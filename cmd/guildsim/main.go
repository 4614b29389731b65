// Command guildsim runs guildsim's deterministic simulations.
//
//	guildsim run [--scenario NAME] [--seed N] [scenario options] [--out DIR]
//	             [--trace[=FILE]] [--trace-filter node=a,process=b] [--quiet]
//	             [--stop-at-event N | --stop-at-time T] [--max-events N]
//	guildsim sweep [--scenario NAME] --seeds 1-1000 [--parallel P] [--shard i/n] [--out DIR]
//	guildsim replay [--trace-around N] [--stop-at-event N | --stop-at-time T] FILE
//	guildsim bisect [--scenario NAME] [--seed N] [scenario options] [--checker NAME]
//	guildsim merge [--out DIR] results.jsonl...
//	guildsim list | version
//
// `run` without flags runs the scenario chat-basic with seed 1. It prints
// the seed and every option, a summary (events, simulated and wall time,
// messages, deliveries, delivery latency percentiles), the fingerprint and
// every checker's verdict, and writes the report folder
// guildsim-out/<scenario>-<seed>/ (report.html with four plots,
// summary.json, and on a failure replay.json and the replay command).
// With a stop point it stops there and prints the world instead (exit 0,
// no checker); `bisect` finds the event that decided a failure.
//
// Exit codes: 0 the run completed; 1 a check failed; 2 bad usage or input;
// 3 the testbed itself failed (an assertion inside the simulation, a panic,
// the event budget used up).
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes, documented in the package comment and the README.
const (
	exitOK      = 0
	exitCheck   = 1
	exitUsage   = 2
	exitTestbed = 3
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: guildsim <command> [flags]

commands:
  run       run one scenario (default chat-basic) with one seed (default 1); verdicts; report.html
  sweep     run a scenario for many seeds in parallel (--shard i/n for CI); results.jsonl, junit.xml
  replay    rerun a recorded run and check its fingerprint
  merge     combine the results of sweep shards
  compare   compare fanout strategies over guild sizes; compare.html, figures.csv, plots
  bisect    find the event after which a failing run's checker failure is decided
  list      the scenarios, with their default options
  version   the module version and commit
  help      show this help

Run 'guildsim <command> --help' for a command's flags.
Exit codes: 0 ok, 1 a checker failed, 2 bad usage or input, 3 the testbed itself failed.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "sweep":
		return cmdSweep(args[1:], stdout, stderr)
	case "replay":
		return cmdReplay(args[1:], stdout, stderr)
	case "bisect":
		return cmdBisect(args[1:], stdout, stderr)
	case "merge":
		return cmdMerge(args[1:], stdout, stderr)
	case "compare":
		return cmdCompare(args[1:], stdout, stderr)
	case "list":
		return cmdList(args[1:], stdout, stderr)
	case "version":
		return cmdVersion(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "guildsim: unknown command %q: want run, sweep, replay, bisect, merge, compare, list, version or help\n", args[0])
		return exitUsage
	}
}
