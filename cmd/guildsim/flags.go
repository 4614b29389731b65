package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
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

// worldSpec checks the scenario and its option flags (fs, parsed) and
// returns the spec of seed.
func worldSpec(fs *flag.FlagSet, scenario string, given scenarios.Options) (func(seed uint64) spec, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o, err := scenarios.Resolve(scenario, given)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "guildsim: "))
	}
	// Options read a zero as "the scenario's default"; typed on the
	// command line, --members 0 is a value, and out of range like any
	// other (the same words as --members 1 gets).
	for _, d := range optionDefs {
		if !set[d.name] || d.get(&given) != "" {
			continue
		}
		if accepted, ok := o.RangeOf("--" + d.name); ok {
			zero := "0"
			if d.kind == 'd' {
				zero = "0s"
			}
			return nil, fmt.Errorf("--%s %s: %s", d.name, zero, accepted)
		}
	}
	all := optionsMap(o)
	return func(seed uint64) spec {
		opts := all
		if scenarios.Draws(scenario) {
			// The seed draws what was not given: the spec (and the
			// replay file written from it) names every option it drew.
			drawn, err := scenarios.ResolveFor(scenario, seed, given)
			if err == nil {
				opts = optionsMap(drawn)
			}
		}
		return spec{Scenario: scenario, Seed: seedNum(seed), Options: opts, Given: given}
	}, nil
}

// invalidValue is how package flag words a value its Set refused.
var invalidValue = regexp.MustCompile(`^invalid value (".*") for flag -(\S+): (.*)$`)

// flagError words a flag error as every other bad-input error is worded,
// flag first: `--seed -1: a seed is ...` rather than package flag's
// `invalid value "-1" for flag -seed: ...`.
func flagError(err error) string {
	m := invalidValue.FindStringSubmatch(err.Error())
	if m == nil {
		return err.Error()
	}
	value, uerr := strconv.Unquote(m[1])
	if uerr != nil {
		value = m[1]
	}
	why := m[3]
	if why == "parse error" { // package flag's own number flags
		why = "want a whole number"
	}
	return fmt.Sprintf("--%s %s: %s", m[2], value, why)
}

// seedFlag is --seed: package flag's own uint64 error ("parse error")
// does not say what a seed is.
type seedFlag struct{ seed *uint64 }

func (f seedFlag) String() string {
	if f.seed == nil {
		return "0"
	}
	return strconv.FormatUint(*f.seed, 10)
}

func (f seedFlag) Set(s string) error {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return errors.New(seedWant)
	}
	*f.seed = v
	return nil
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
		fmt.Fprintf(stderr, "guildsim %s: %s\n", fs.Name(), flagError(err))
		return exitUsage, false
	}
	if fs.NArg() > 0 && fs.Name() != "replay" && fs.Name() != "merge" {
		fmt.Fprintf(stderr, "guildsim %s: unexpected argument %q: all options are flags (see guildsim %s --help)\n", fs.Name(), fs.Arg(0), fs.Name())
		return exitUsage, false
	}
	return 0, true
}

// exitCodesHelp ends every command's --help and the command list.
const exitCodesHelp = `
exit codes:
  0    every run passed
  1    safety: a safety checker said Illegal or Unknown (porcupine,
       no-acked-message-lost, session-order, authorized, gateway-protocol)
  2    bad usage or input: one line on stderr, nothing ran, no folder written
  3    the testbed itself failed (an assertion inside the simulation, a panic,
       the event budget used up, a replay whose fingerprint differs)
  4    liveness: only liveness checkers failed (liveness: the healed system
       did not converge within --liveness-bound)
  5    beyond budget: the --faults schedule went beyond the system's fault
       budget (result beyond-budget; the checkers' verdicts are printed but
       neither pass the run nor report a bug)
  130  interrupted (Ctrl-C); a sweep keeps the seeds that finished
  Safety wins over liveness; a sweep, merge or compare exits with the most
  serious code of its runs (2, then 3, then 1, then 4, then 5). Check codes with a
  built binary (go build -o guildsim ./cmd/guildsim): go run turns every
  non-zero code into 1.
`
