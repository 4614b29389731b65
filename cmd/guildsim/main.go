// Command guildsim runs guildsim's deterministic simulations.
//
//	guildsim run [--seed N] [--duration D] [--clients N] [--no-faults]
//	             [--trace FILE] [--trace-filter node=a,process=b]
//	             [--stop-at-event N] [--stop-at-time D] [--out DIR]
//	guildsim sweep --seeds 1-1000 [--parallel P] [--shard i/n] [--out DIR]
//	guildsim replay FILE
//	guildsim merge [--out DIR] results.jsonl...
//	guildsim list | version
//
// For now `run` runs sim's built-in demo world (package sim/demo): a toy
// chat service in three regions under faults drawn from the seed. It prints
// the seed, the options, events, simulated and wall time and the run's
// fingerprint, and writes summary.json into the report folder.
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
  run       run one world with one seed; print its fingerprint; write a report
  sweep     run many seeds in parallel (--shard i/n for CI matrices); results.jsonl, junit.xml
  replay    rerun a recorded run and check its fingerprint
  merge     combine the results of sweep shards
  compare   compare fanout strategies over guild sizes; compare.html, figures.csv, plots
  list      the worlds and scenarios, with their options
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
	case "merge":
		return cmdMerge(args[1:], stdout, stderr)
	case "compare":
		return cmdCompare(args[1:], stdout, stderr)
	case "list":
		return cmdList(stdout)
	case "version":
		return cmdVersion(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "guildsim: unknown command %q: want run, sweep, replay, merge, list, version or help\n", args[0])
		return exitUsage
	}
}
