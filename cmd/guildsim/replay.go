package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/guildsim/guildsim/sim"
)

// replay reruns a run recorded by run (summary.json) or sweep (a replay
// file or a results line) and says whether the fingerprint matched.
func cmdReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	if code, ok := parseFlags(fs, args, "usage: guildsim replay FILE   (a replay file from sweep, or a summary.json from run)", stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "guildsim replay: want exactly one FILE: a replay file from sweep or a summary.json from run")
		return exitUsage
	}
	path := fs.Arg(0)
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim replay: %v\n", err)
		return exitUsage
	}
	var rec struct {
		result
		Options *spec `json:"options"` // summary.json names the spec "options"
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		fmt.Fprintf(stderr, "guildsim replay: %s: not a replay file: %v\n", path, err)
		return exitUsage
	}
	want := rec.result
	if rec.Options != nil {
		want.Spec = *rec.Options
	}
	if want.Spec.World == "" || want.Fingerprint == "" {
		fmt.Fprintf(stderr, "guildsim replay: %s: no world, seed or fingerprint recorded\n", path)
		return exitUsage
	}
	if _, err := want.Spec.options(); err != nil {
		fmt.Fprintf(stderr, "guildsim replay: %s: %v\n", path, err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "replaying %s seed %d (recorded: %s, fingerprint %s)\n", want.Spec.World, want.Spec.Seed, want.Result, want.Fingerprint)
	got := runSpec(want.Spec, sim.Config{}, nil)
	printResultLine(stdout, got)
	if got.Fingerprint != want.Fingerprint || got.Result != want.Result {
		fmt.Fprintf(stdout, "MISMATCH: recorded %s %s, replayed %s %s: the code changed since, or determinism broke\n",
			want.Result, want.Fingerprint, got.Result, got.Fingerprint)
		return exitTestbed
	}
	fmt.Fprintln(stdout, "fingerprint matches: the same run, event for event")
	return exitCode([]result{got})
}
