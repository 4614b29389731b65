package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/sim/demo"
)

// spec is everything that decides one run: with the same binary, the same
// spec gives the same fingerprint. It is what summary.json, results lines
// and replay files record.
type spec struct {
	World    string `json:"world"`
	Seed     uint64 `json:"seed"`
	Duration string `json:"duration"`
	Clients  int    `json:"clients"`
	Faults   bool   `json:"faults"`
	Buggify  bool   `json:"buggify"`
	// MaxEvents is the event budget (0 = the default, 1e9): a budget the
	// run used up is part of what replays it.
	MaxEvents uint64 `json:"max_events,omitempty"`
}

// options turns the spec into the demo world's options, or says which field
// is wrong.
func (s spec) options() (demo.Options, error) {
	if s.World != "demo" {
		return demo.Options{}, fmt.Errorf("world %q: the only world so far is demo (see guildsim list)", s.World)
	}
	d, err := sim.ParseDuration(s.Duration)
	if err != nil {
		return demo.Options{}, fmt.Errorf("duration %q: want a duration such as 30s, 1m or 250ms", s.Duration)
	}
	if s.Clients < 1 || s.Clients > demo.MaxClients {
		return demo.Options{}, fmt.Errorf("clients %d: must be between 1 and %d", s.Clients, demo.MaxClients)
	}
	if d <= 0 || d > demo.MaxDuration {
		return demo.Options{}, fmt.Errorf("duration %s: must be between 1ns and %s", d, demo.MaxDuration)
	}
	o := demo.Options{Seed: s.Seed, Clients: s.Clients, Duration: d, NoFaults: !s.Faults, NoBuggify: !s.Buggify}
	return o, o.Validate()
}

// replayCommand is the one line that reruns the spec exactly.
func (s spec) replayCommand() string {
	c := fmt.Sprintf("go run ./cmd/guildsim run --seed %d --duration %s --clients %d", s.Seed, s.Duration, s.Clients)
	if !s.Faults {
		c += " --no-faults"
	}
	if !s.Buggify {
		c += " --no-buggify"
	}
	if s.MaxEvents != 0 {
		c += fmt.Sprintf(" --max-events %d", s.MaxEvents)
	}
	return c
}

// parseSeeds reads "1-1000", "7", "1,5,9" or "1-10,20-30" into a list.
func parseSeeds(s string) ([]uint64, error) {
	if s == "" {
		return nil, errors.New("empty: want a range such as 1-1000 or a list such as 1,5,9")
	}
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: want a range such as 1-1000 or a list such as 1,5,9", part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("%q: want a range low-high with low <= high", part)
			}
		}
		if b-a >= maxSeeds || uint64(len(out))+b-a >= maxSeeds {
			return nil, fmt.Errorf("%q: at most %d seeds in one sweep", s, maxSeeds)
		}
		for v := a; ; v++ {
			out = append(out, v)
			if v == b {
				break
			}
		}
	}
	return out, nil
}

const maxSeeds = 10_000_000

// parseShard reads "i/n" (0 <= i < n): the shard takes the seeds at
// positions k with k % n == i, so shards 0..n-1 cover every seed once (the
// index of a CI matrix entry, or a Kubernetes indexed job's
// JOB_COMPLETION_INDEX).
func parseShard(s string) (i, n int, err error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("%q: want i/n with 0 <= i < n, e.g. 0/4", s)
	}
	return i, n, nil
}

func shardOf(seeds []uint64, i, n int) []uint64 {
	var out []uint64
	for k, s := range seeds {
		if k%n == i {
			out = append(out, s)
		}
	}
	return out
}
