package store

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestNewGeneratorErrors(t *testing.T) {
	other := makeSnowflake(100, 2, 3, 0)
	tests := []struct {
		name string
		opts GeneratorOptions
		want string // "" = no error
	}{
		{"zero", GeneratorOptions{}, ""},
		{"largest", GeneratorOptions{Worker: 31, Process: 31}, ""},
		{"worker 32", GeneratorOptions{Worker: 32}, "worker 32: must be between 0 and 31"},
		{"worker -1", GeneratorOptions{Worker: -1}, "worker -1: must be between 0 and 31"},
		{"process 32", GeneratorOptions{Process: 32}, "process 32: must be between 0 and 31"},
		{"after from same pair", GeneratorOptions{Worker: 2, Process: 3, After: other}, ""},
		{"after from another pair", GeneratorOptions{Worker: 1, Process: 3, After: other}, "minted by worker 2 process 3, not worker 1 process 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := NewGenerator(tc.opts)
			if tc.want == "" {
				require.NoError(t, err)
				require.NotNil(t, g)
				return
			}
			require.ErrorIs(t, err, ErrGeneratorConfig)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestGeneratorClockOutOfRange(t *testing.T) {
	g, err := NewGenerator(GeneratorOptions{Worker: 1})
	require.NoError(t, err)
	_, err = g.Next(unixMilli(DiscordEpoch - 1))
	require.ErrorIs(t, err, ErrClockOutOfRange, "no ID before 2015 to hold on to")
	_, err = g.Next(unixMilli(DiscordEpoch + maxMillis + 1))
	require.ErrorIs(t, err, ErrClockOutOfRange)
	require.Equal(t, GeneratorStats{}, g.Stats(), "a failed Next changes nothing")

	id, err := g.Next(unixMilli(DiscordEpoch + 5))
	require.NoError(t, err)
	// Once it has an ID, a clock before the epoch is just a clock behind.
	id2, err := g.Next(unixMilli(DiscordEpoch - 1000))
	require.NoError(t, err)
	require.Equal(t, id+1, id2)
	require.Equal(t, uint64(1), g.Stats().ClockBehind)
}

// TestGeneratorRules walks each documented rule once, by hand.
func TestGeneratorRules(t *testing.T) {
	g, err := NewGenerator(GeneratorOptions{Worker: 4, Process: 9})
	require.NoError(t, err)
	t0 := sim.DefaultStart
	ms0 := t0.UnixMilli() - DiscordEpoch
	next := func(at sim.Time) Snowflake {
		id, err := g.Next(at)
		require.NoError(t, err)
		return id
	}

	// Rules 2 and 3: new millisecond, then increments within it.
	require.Equal(t, makeSnowflake(ms0, 4, 9, 0), next(t0))
	require.Equal(t, makeSnowflake(ms0, 4, 9, 1), next(t0.Add(999*sim.Microsecond)))
	// Rule 4: the clock jumps back an hour; the last millisecond is kept.
	require.Equal(t, makeSnowflake(ms0, 4, 9, 2), next(t0.Add(-sim.Hour)))
	require.Equal(t, uint64(1), g.Stats().ClockBehind)
	// Rule 5: exhaust the millisecond while behind; the next one is borrowed.
	for i := 3; i <= MaxIncrement; i++ {
		next(t0.Add(-sim.Hour))
	}
	require.Equal(t, makeSnowflake(ms0+1, 4, 9, 0), next(t0.Add(-sim.Hour)))
	require.Equal(t, uint64(1), g.Stats().Borrowed)
	require.Equal(t, uint64(MaxIncrement), g.Stats().ClockBehind, "increments 2..4095 and the borrowed one")
	// The clock catches up past the borrowed millisecond: honest again.
	require.Equal(t, makeSnowflake(ms0+2, 4, 9, 0), next(t0.Add(2*sim.Millisecond)))
	require.Equal(t, uint64(MaxIncrement+3), g.Stats().Minted)

	// A restarted generator given the high-water mark never reissues.
	g2, err := NewGenerator(GeneratorOptions{Worker: 4, Process: 9, After: g.Last()})
	require.NoError(t, err)
	id, err := g2.Next(t0)
	require.NoError(t, err)
	require.Greater(t, id, g.Last())
}

// TestGeneratorProperties is a state machine over three generators with
// distinct worker/process pairs, each on its own clock that ticks, bursts and
// jumps back. After every mint it checks the documented rules against the
// previous ID of that generator; across generators, that no ID repeats.
func TestGeneratorProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pairs := rapid.SliceOfNDistinct(rapid.IntRange(0, (MaxWorker+1)*(MaxProcess+1)-1), 3, 3, rapid.ID[int]).Draw(t, "pairs")
		type genState struct {
			g      *Generator
			clock  sim.Time
			prev   Snowflake
			minted bool
			behind uint64 // expected ClockBehind
			borrow uint64 // expected Borrowed
		}
		gens := make([]*genState, len(pairs))
		for i, p := range pairs {
			g, err := NewGenerator(GeneratorOptions{Worker: p / (MaxProcess + 1), Process: p % (MaxProcess + 1)})
			if err != nil {
				t.Fatal(err)
			}
			skew := sim.Duration(rapid.Int64Range(-1000, 1000).Draw(t, fmt.Sprintf("skew%d", i))) * sim.Millisecond
			gens[i] = &genState{g: g, clock: sim.DefaultStart.Add(skew)}
		}
		seen := map[Snowflake]int{} // ID -> generator that minted it

		mint := func(t *rapid.T, i int) {
			s := gens[i]
			id, err := s.g.Next(s.clock)
			if err != nil {
				t.Fatalf("gen %d: Next(%d): %v", i, s.clock, err)
			}
			c := s.clock.UnixMilli() - DiscordEpoch
			p := pairs[i]
			if id.Worker() != p/(MaxProcess+1) || id.Process() != p%(MaxProcess+1) {
				t.Fatalf("gen %d: id %d has worker %d process %d", i, id, id.Worker(), id.Process())
			}
			if id.Millis() < c {
				t.Fatalf("gen %d: id %d has ms %d behind the clock %d", i, id, id.Millis(), c)
			}
			if s.minted {
				if id <= s.prev {
					t.Fatalf("gen %d: id %d not above previous %d", i, id, s.prev)
				}
				switch {
				case c > s.prev.Millis(): // rule 2
					if id.Millis() != c || id.Increment() != 0 {
						t.Fatalf("gen %d: clock ahead at %d but id has ms %d inc %d", i, c, id.Millis(), id.Increment())
					}
				case s.prev.Increment() < MaxIncrement: // rules 3, 4
					if id != s.prev+1 {
						t.Fatalf("gen %d: clock %d not ahead of %d: want previous+1, got %d", i, c, s.prev, id)
					}
				default: // rule 5
					if id.Millis() != s.prev.Millis()+1 || id.Increment() != 0 {
						t.Fatalf("gen %d: increment exhausted: want ms %d inc 0, got ms %d inc %d", i, s.prev.Millis()+1, id.Millis(), id.Increment())
					}
					s.borrow++
				}
				if c < s.prev.Millis() {
					s.behind++
				}
			} else if id.Millis() != c || id.Increment() != 0 {
				t.Fatalf("gen %d: first id %d: want ms %d inc 0", i, id, c)
			}
			if j, dup := seen[id]; dup {
				t.Fatalf("id %d minted by generators %d and %d", id, j, i)
			}
			seen[id] = i
			s.prev, s.minted = id, true
		}
		pick := func(t *rapid.T) int { return rapid.IntRange(0, len(gens)-1).Draw(t, "gen") }

		t.Repeat(map[string]func(*rapid.T){
			"tick": func(t *rapid.T) {
				s := gens[pick(t)]
				s.clock = s.clock.Add(sim.Duration(rapid.Int64Range(0, 3_000_000).Draw(t, "ns")))
			},
			"jumpBack": func(t *rapid.T) {
				s := gens[pick(t)]
				back := rapid.SampledFrom([]sim.Duration{sim.Millisecond, 5 * sim.Millisecond, sim.Second, sim.Hour}).Draw(t, "back")
				s.clock = s.clock.Add(-back)
			},
			"mint": func(t *rapid.T) {
				i := pick(t)
				for range rapid.IntRange(1, 8).Draw(t, "n") {
					mint(t, i)
				}
			},
			// A burst in one millisecond runs the increment out.
			"burst": func(t *rapid.T) {
				i := pick(t)
				for range rapid.IntRange(MaxIncrement-5, MaxIncrement+200).Draw(t, "n") {
					mint(t, i)
				}
			},
			"": func(t *rapid.T) {
				for i, s := range gens {
					st := s.g.Stats()
					if st.ClockBehind != s.behind || st.Borrowed != s.borrow {
						t.Fatalf("gen %d: stats %+v, want ClockBehind %d Borrowed %d", i, st, s.behind, s.borrow)
					}
					if s.g.Last() != s.prev {
						t.Fatalf("gen %d: Last %d, want %d", i, s.g.Last(), s.prev)
					}
				}
			},
		})
	})
}

// TestGeneratorFloor: a generator with a floor (a reservation an earlier
// incarnation persisted) mints only above the floor's millisecond, whatever
// its clock reads, and follows the clock once it passes the floor.
func TestGeneratorFloor(t *testing.T) {
	const floor = 1_000_000
	g, err := NewGenerator(GeneratorOptions{Worker: 2, Process: 3, FloorMillis: floor})
	require.NoError(t, err)
	old := makeSnowflake(floor, 31, 31, MaxIncrement) // the largest ID the earlier incarnation could have minted
	id, err := g.Next(unixMilli(DiscordEpoch + floor - 5000))
	require.NoError(t, err)
	require.Greater(t, id, old, "behind the floor: still above every ID at the floor's millisecond")
	require.Equal(t, int64(floor+1), id.Millis())
	id2, err := g.Next(unixMilli(DiscordEpoch + floor + 50))
	require.NoError(t, err)
	require.Equal(t, int64(floor+50), id2.Millis(), "past the floor: the clock again")
}
