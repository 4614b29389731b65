package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/guildsim/guildsim/scenarios"
)

// spec is everything that decides one run: with the same binary, the same
// spec gives the same fingerprint. It is what results lines, replay files
// and summary.json record.
type spec struct {
	Scenario string  `json:"scenario"`
	Seed     seedNum `json:"seed"`
	// Options are the scenario's options by flag name: every option the
	// run used, defaults filled in, so a replay does not depend on the
	// defaults staying the same.
	Options map[string]string `json:"options,omitempty"`
	// MaxEvents is the run's event budget (--max-events; 0: the default,
	// 1e9): a budget used up is a testbed failure, and replaying it needs
	// the same budget.
	MaxEvents uint64 `json:"max_events,omitempty"`
	// Given are the options set on the command line, for the replay line
	// (not recorded); a spec read from a file has fromFile set and replays
	// with every recorded option.
	Given    scenarios.Options `json:"-"`
	fromFile bool
}

// seedNum is a seed as every JSON file of guildsim writes it: a decimal
// string, because jq and JavaScript hold JSON numbers as doubles and
// round seeds above 2^53 (18446744073709551615 reads back as
// 18446744073709552000). Files written before seeds were strings hold a
// number: it is still read.
type seedNum uint64

func (s seedNum) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatUint(uint64(s), 10) + `"`), nil
}

func (s *seedNum) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseUint(strings.Trim(string(b), `"`), 10, 64)
	if err != nil {
		return fmt.Errorf("seed %s: %s", b, seedWant)
	}
	*s = seedNum(v)
	return nil
}

// seedWant says what a seed is, in every error about one.
const seedWant = "a seed is an unsigned 64-bit integer (0 to 18446744073709551615)"

// check says whether the spec can run: a known scenario and options in
// range (bad input, exit 2, rather than a failed run).
func (s spec) check() error {
	o, err := optionsFromMap(s.Options)
	if err != nil {
		return err
	}
	if _, err = scenarios.Resolve(s.Scenario, o); err != nil {
		// The command names itself; scenarios' own prefix would repeat it.
		return errors.New(strings.TrimPrefix(err.Error(), "guildsim: "))
	}
	return nil
}

// replayCommand is the one line that reruns the spec exactly.
func (s spec) replayCommand() string {
	given := s.Given
	if s.fromFile {
		given, _ = optionsFromMap(s.Options)
	}
	c := fmt.Sprintf("go run ./cmd/guildsim run --scenario %s --seed %d%s", s.Scenario, s.Seed, optionArgs(given))
	if s.MaxEvents != 0 {
		c += fmt.Sprintf(" --max-events %d", s.MaxEvents)
	}
	return c
}

// parseSeeds reads "1-1000", "7", "1,5,9" or "1-10,20-30" into a list, in
// the order given; a seed given twice is an error (its results would
// collide when shards merge).
func parseSeeds(s string) ([]uint64, error) {
	const want = "want a range such as 1-1000, a list such as 1,5,9, or both"
	if strings.TrimSpace(s) == "" {
		return nil, errors.New(`"": empty: ` + want)
	}
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %s", part, want)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 64); err != nil {
				return nil, fmt.Errorf("%q: want a range low-high of whole numbers, e.g. 1-1000", part)
			}
			if b < a {
				return nil, fmt.Errorf("%q: want a range low-high with low <= high", part)
			}
		}
		if b-a >= maxSeeds || uint64(len(out))+b-a >= maxSeeds {
			return nil, fmt.Errorf("%q: at most %d seeds in one sweep (use --shard to split a larger one over machines)", s, maxSeeds)
		}
		for v := a; ; v++ {
			out = append(out, v)
			if v == b {
				break
			}
		}
	}
	sorted := append([]uint64(nil), out...)
	slices.Sort(sorted)
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return nil, fmt.Errorf("%q: seed %d given twice", s, sorted[i])
		}
	}
	return out, nil
}

// formatSeeds is parseSeeds' inverse: runs of consecutive seeds become
// ranges ("1-3,7").
func formatSeeds(seeds []uint64) string {
	var b strings.Builder
	for i := 0; i < len(seeds); {
		j := i
		for j+1 < len(seeds) && seeds[j] != ^uint64(0) && seeds[j+1] == seeds[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(seeds[i], 10))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.FormatUint(seeds[j], 10))
		}
		i = j + 1
	}
	return b.String()
}

// maxSeeds bounds one sweep (its results are held in memory: about 1 KB a
// seed).
const maxSeeds = 1_000_000

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
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n || n > maxShards {
		return 0, 0, fmt.Errorf("%q: want i/n with 0 <= i < n <= %d, e.g. 0/4", s, maxShards)
	}
	return i, n, nil
}

// maxShards bounds n in --shard i/n.
const maxShards = 1_000_000

func shardOf(seeds []uint64, i, n int) []uint64 {
	var out []uint64
	for k, s := range seeds {
		if k%n == i {
			out = append(out, s)
		}
	}
	return out
}
