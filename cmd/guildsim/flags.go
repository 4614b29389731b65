package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/sim"
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

// worldSpec checks the scenario and its option flags and returns the
// spec of seed.
func worldSpec(scenario string, given scenarios.Options) (func(seed uint64) spec, error) {
	o, err := scenarios.Resolve(scenario, given)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "guildsim: "))
	}
	all := optionsMap(o)
	return func(seed uint64) spec {
		return spec{Scenario: scenario, Seed: seed, Options: all, Given: given}
	}, nil
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
