package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/sim/demo"
)

type durationFlag struct{ d *sim.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := sim.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 30s, 1m or 250ms")
	}
	*f.d = d
	return nil
}

// worldFlags are the options of the demo world, shared by run and sweep.
type worldFlags struct {
	duration  sim.Duration
	clients   int
	noFaults  bool
	noBuggify bool
	maxEvents uint64
}

func (wf *worldFlags) register(fs *flag.FlagSet) {
	wf.duration = 60 * sim.Second
	fs.Var(durationFlag{&wf.duration}, "duration", "simulated time to run (default 60s)")
	fs.IntVar(&wf.clients, "clients", 2600, "simulated users, between 1 and 1000000")
	fs.BoolVar(&wf.noFaults, "no-faults", false, "turn the seed's fault schedule off")
	fs.BoolVar(&wf.noBuggify, "no-buggify", false, "turn buggify points off")
	fs.Uint64Var(&wf.maxEvents, "max-events", 0, "event budget of each run (default 1e9): a run that uses it up is a testbed failure")
}

// validate names the flag that is out of range.
func (wf *worldFlags) validate() error {
	if wf.clients < 1 || wf.clients > demo.MaxClients {
		return fmt.Errorf("--clients %d: must be between 1 and %d", wf.clients, demo.MaxClients)
	}
	if wf.duration <= 0 || wf.duration > demo.MaxDuration {
		return fmt.Errorf("--duration %s: must be between 1ns and %s", wf.duration, demo.MaxDuration)
	}
	return nil
}

func (wf *worldFlags) spec(seed uint64) spec {
	return spec{World: "demo", Seed: seed, Duration: wf.duration.String(), Clients: wf.clients, Faults: !wf.noFaults, Buggify: !wf.noBuggify, MaxEvents: wf.maxEvents}
}

// parseFlags parses args; it prints help to stdout (exit 0) or one line to
// stderr (exit 2). ok is false when the caller should return code.
func parseFlags(fs *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage+"\n\nflags:")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			fmt.Fprint(stdout, exitCodesHelp)
			return exitOK, false
		}
		fmt.Fprintf(stderr, "guildsim %s: %v\n", fs.Name(), err)
		return exitUsage, false
	}
	if fs.NArg() > 0 && fs.Name() != "replay" && fs.Name() != "merge" {
		fmt.Fprintf(stderr, "guildsim %s: unexpected argument %q: all options are flags (see guildsim %s --help)\n", fs.Name(), fs.Arg(0), fs.Name())
		return exitUsage, false
	}
	return 0, true
}

const exitCodesHelp = `
exit codes: 0 ok; 1 a checker failed; 2 bad usage or input; 3 the testbed itself failed
`
