package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

const replayUsage = `usage: guildsim replay FILE

Reruns a recorded run and says whether it is the same run, event for event
(same fingerprint, same outcome). FILE is a replay file (a failed run's
<report>/replay.json, a sweep's replays/<scenario>-<seed>.json, a line of
results.jsonl saved alone) or a report's summary.json.`

// replayRecord is what replay reads: the fields that replay files, results
// lines, the demo's summary.json and reports' summary.json share.
type replayRecord struct {
	Scenario    string            `json:"scenario"`
	Seed        json.RawMessage   `json:"seed"` // a number, or a string in reports' summary.json
	Options     map[string]string `json:"options"`
	Demo        *demoSpec         `json:"demo"`
	Fingerprint string            `json:"fingerprint"`
	Result      string            `json:"result"`
	Passed      *bool             `json:"passed"` // reports' summary.json
}

func cmdReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	if code, ok := parseFlags(fs, args, replayUsage, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "guildsim replay: want exactly one FILE: a replay file (replay.json, replays/*.json) or a summary.json")
		return exitUsage
	}
	path := fs.Arg(0)
	want, err := readReplay(path)
	if err != nil {
		fmt.Fprintf(stderr, "guildsim replay: %s: %v\n", path, err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "replaying %s seed %d (recorded: %s, fingerprint %s)\n", want.Scenario, want.Seed, want.Result, want.Fingerprint)
	got := runOne(want.spec, runOptions{})
	printResultLine(stdout, got)
	if got.Fingerprint != want.Fingerprint || got.Result != want.Result {
		fmt.Fprintf(stdout, "MISMATCH: recorded %s %s, replayed %s %s: the code changed since, or determinism broke\n",
			want.Result, want.Fingerprint, got.Result, got.Fingerprint)
		return exitTestbed
	}
	fmt.Fprintln(stdout, "fingerprint matches: the same run, event for event")
	if got.failed() {
		fmt.Fprintf(stdout, "failure reproduced: %s\n", got.failure())
	}
	return exitCode([]result{got})
}

// readReplay reads a replay file into the result it recorded, or says
// what is missing or wrong.
func readReplay(path string) (result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return result{}, pathErr(err)
	}
	var rec replayRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return result{}, fmt.Errorf("not a replay file: %v", err)
	}
	if rec.Scenario == "" || len(rec.Seed) == 0 || rec.Fingerprint == "" {
		return result{}, fmt.Errorf("not a replay file: no scenario, seed or fingerprint recorded")
	}
	seed, err := strconv.ParseUint(strings.Trim(string(rec.Seed), `"`), 10, 64)
	if err != nil {
		return result{}, fmt.Errorf("seed %s: want a whole number", rec.Seed)
	}
	r := result{spec: spec{Scenario: rec.Scenario, Seed: seed, Options: rec.Options, Demo: rec.Demo, fromFile: true}, Fingerprint: rec.Fingerprint, Result: rec.Result}
	if r.Result == "" && rec.Passed != nil {
		r.Result = resultFailed
		if *rec.Passed {
			r.Result = resultOK
		}
	}
	if err := r.check(); err != nil {
		return result{}, err
	}
	return r, nil
}
