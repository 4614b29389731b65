// Command guildsim runs guildsim's deterministic simulations.
//
//	guildsim run [--scenario NAME] [--seed N] [scenario options] [--out DIR]
//	             [--trace[=FILE]] [--trace-filter node=a,process=b] [--quiet]
//	             [--stop-at-event N | --stop-at-time T] [--max-events N]
//	guildsim sweep [--scenario NAME] --seeds 1-1000 [--parallel P] [--shard i/n] [--out DIR]
//	guildsim replay [--trace-around N] [--stop-at-event N | --stop-at-time T] FILE
//	guildsim bisect [--scenario NAME] [--seed N] [scenario options] [--checker NAME]
//	guildsim merge [--out DIR] [--expect-shards N] results.jsonl...
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
// Exit codes (exitCodesHelp; every command's --help and the README say
// the same): 0 every run passed; 1 a safety checker failed; 2 bad usage
// or input; 3 the testbed itself failed; 4 only liveness checkers failed;
// 5 the --faults schedule went beyond the system's fault budget; 130
// interrupted (Ctrl-C).
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes, documented in the package comment, exitCodesHelp and the
// README. They tell the failure class, as TigerBeetle's simulator's do:
// a CI job can page on a safety violation (a lost write, a message shown
// to the wrong user) and file a ticket for a slow recovery. When runs of
// several classes fail (a sweep, a merge), the most serious wins:
// bad input, then a testbed failure, then safety, then liveness, then a
// run beyond the fault budget.
const (
	exitOK = 0
	// exitSafety: a safety checker (porcupine, no-acked-message-lost,
	// session-order, authorized, gateway-protocol) said Illegal or
	// Unknown: something wrong happened.
	exitSafety = 1
	// exitUsage: bad flags, files or options; nothing ran.
	exitUsage = 2
	// exitTestbed: the testbed failed (an assertion inside the simulation,
	// a panic, the event budget used up, a replay whose fingerprint
	// differs): the run says nothing about the system.
	exitTestbed = 3
	// exitLiveness: only liveness checkers failed: the healed system did
	// not converge within the bound.
	exitLiveness = 4
	// exitBeyondBudget: the fault schedule (--faults) went beyond the
	// system's fault budget (a node losing state beyond what its
	// subsystem promises to survive): the verdicts are printed, but they
	// neither pass the run nor report a bug.
	exitBeyondBudget = 5
	// exitInterrupted: the user interrupted a sweep (SIGINT); the seeds
	// that finished are kept (128 + SIGINT, as shells report it).
	exitInterrupted = 130
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
` + exitCodesHelp

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
