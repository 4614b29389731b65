package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
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
	Seed        *seedNum          `json:"seed"` // a string; a number in files of older builds
	Options     map[string]string `json:"options"`
	Demo        *demoSpec         `json:"demo"`
	Fingerprint string            `json:"fingerprint"`
	Result      string            `json:"result"`
	Verdicts    []verdict         `json:"verdicts"`
	Pass        *bool             `json:"pass"`   // reports' summary.json
	Passed      *bool             `json:"passed"` // reports' summary.json, schema 1
	Version     string            `json:"version"`
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
		if want.Version != "" && want.Version != got.Version {
			fmt.Fprintf(stdout, "recorded by guildsim %s; this is guildsim %s\n", want.Version, got.Version)
		}
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
	if rec.Scenario == "" || rec.Seed == nil || rec.Fingerprint == "" {
		return result{}, fmt.Errorf("not a replay file: no scenario, seed or fingerprint recorded")
	}
	r := result{
		spec:        spec{Scenario: rec.Scenario, Seed: *rec.Seed, Options: rec.Options, Demo: rec.Demo, fromFile: true},
		Fingerprint: rec.Fingerprint, Result: rec.Result, Verdicts: rec.Verdicts, Version: rec.Version,
	}
	pass := rec.Pass
	if pass == nil {
		pass = rec.Passed
	}
	if r.Result == "" && pass != nil {
		// summary.json says pass and the verdicts, not the result.
		r.Result = resultOK
		if !*pass {
			r.Result = failureClass(r.Verdicts)
		}
	}
	r.normalize()
	if err := r.check(); err != nil {
		return result{}, err
	}
	return r, nil
}
