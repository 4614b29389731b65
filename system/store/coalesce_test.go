package store

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestCoalescerOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts CoalescerOptions
		want CoalescerOptions
		err  string
	}{
		{name: "defaults", want: CoalescerOptions{MaxWaiters: DefaultCoalescerMaxWaiters, MaxFlights: DefaultCoalescerMaxFlights}},
		{name: "set", opts: CoalescerOptions{MaxWaiters: 2, MaxFlights: 3}, want: CoalescerOptions{MaxWaiters: 2, MaxFlights: 3}},
		{name: "negative waiters", opts: CoalescerOptions{MaxWaiters: -1}, err: "max waiters -1: must be at least 1"},
		{name: "negative flights", opts: CoalescerOptions{MaxFlights: -2}, err: "max flights -2: must be at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCoalescer[string, string](tc.opts)
			if tc.err != "" {
				require.ErrorIs(t, err, ErrCoalescerOptions)
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, c.Options())
		})
	}
}

// coalesceScript runs a small script against a Coalescer[string, string] and
// returns one line per command, so a table test reads as a trace:
//
//	join KEY N            waiter N (From N, Request N) joins KEY
//	complete KEY ID VALUE the query of flight ID answers VALUE
//	fail KEY ID           the query of flight ID fails
//	abandon KEY N         waiter N gives up
//	invalidate KEY        a write to KEY was acknowledged
//	stats                 queries started, coalesced, peak waiters, late
func coalesceScript(t *testing.T, c *Coalescer[string, string], script []string) []string {
	t.Helper()
	waiter := func(s string) Waiter {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		return Waiter{From: sim.PID(n), Request: uint64(n)}
	}
	flight := func(s string) FlightID {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		return FlightID(n)
	}
	settled := func(s Settled[string], ok bool) string {
		if !ok {
			return "late"
		}
		ns := make([]string, len(s.Waiters))
		for i, w := range s.Waiters {
			require.Equal(t, uint64(w.From), w.Request, "the waiter's own request ID")
			ns[i] = strconv.Itoa(int(w.From))
		}
		out := "answer [" + strings.Join(ns, " ") + "] with "
		if s.Err != nil {
			out += "error"
		} else {
			out += s.Result
		}
		if s.Stale {
			out += " stale"
		}
		if s.Requery != 0 {
			out += fmt.Sprintf(" requery %d", s.Requery)
		}
		return out
	}
	var out []string
	for _, line := range script {
		f := strings.Fields(line)
		switch f[0] {
		case "join":
			id, first, err := c.Join(f[1], waiter(f[2]))
			switch {
			case errors.Is(err, ErrTooManyWaiters):
				out = append(out, "too many waiters")
			case errors.Is(err, ErrTooManyFlights):
				out = append(out, "too many flights")
			case err != nil:
				t.Fatalf("%s: %v", line, err)
			case first:
				out = append(out, fmt.Sprintf("flight %d first", id))
			default:
				out = append(out, fmt.Sprintf("flight %d", id))
			}
		case "complete":
			out = append(out, settled(c.Complete(f[1], flight(f[2]), f[3])))
		case "fail":
			out = append(out, settled(c.Fail(f[1], flight(f[2]), errors.New("timeout"))))
		case "abandon":
			out = append(out, map[bool]string{true: "dropped", false: "not waiting"}[c.Abandon(f[1], waiter(f[2]))])
		case "invalidate":
			out = append(out, map[bool]string{true: "marked", false: "not in flight"}[c.Invalidate(f[1])])
		case "stats":
			s := c.Stats()
			out = append(out, fmt.Sprintf("queries %d coalesced %d peak %d late %d", s.QueriesStarted, s.Coalesced, s.PeakWaiters, s.Late))
		default:
			t.Fatalf("unknown command %q", line)
		}
	}
	return out
}

// TestCoalescerTable walks the Coalescer's rules one script at a time: who
// starts a query, who waits, in what order answers come, what the bounds
// refuse, what a write during a flight does, and that late answers are
// ignored.
func TestCoalescerTable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   CoalescerOptions
		script []string
		want   []string
	}{{
		name:   "the first join queries, later ones wait, answers in join order",
		script: []string{"join k 1", "join k 2", "join k 3", "complete k 1 page", "join k 4", "stats"},
		want:   []string{"flight 1 first", "flight 1", "flight 1", "answer [1 2 3] with page", "flight 2 first", "queries 2 coalesced 2 peak 3 late 0"},
	}, {
		name:   "keys do not share flights",
		script: []string{"join a 1", "join b 2", "join a 3", "complete b 2 B", "complete a 1 A"},
		want:   []string{"flight 1 first", "flight 2 first", "flight 1", "answer [2] with B", "answer [1 3] with A"},
	}, {
		name:   "max waiters refuses the next reader of a full flight only",
		opts:   CoalescerOptions{MaxWaiters: 2},
		script: []string{"join k 1", "join k 2", "join k 3", "join j 4", "complete k 1 p", "join k 5"},
		want:   []string{"flight 1 first", "flight 1", "too many waiters", "flight 2 first", "answer [1 2] with p", "flight 3 first"},
	}, {
		name:   "max flights refuses a new key, not a coalesced reader",
		opts:   CoalescerOptions{MaxFlights: 1},
		script: []string{"join a 1", "join b 2", "join a 3", "fail a 1", "join b 4"},
		want:   []string{"flight 1 first", "too many flights", "flight 1", "answer [1 3] with error", "flight 2 first"},
	}, {
		name: "a late answer never completes a newer flight",
		script: []string{"join k 1", "fail k 1", "join k 2", "complete k 1 old", "complete k 9 bogus",
			"complete j 2 wrongkey", "complete k 2 new", "fail k 2", "stats"},
		want: []string{"flight 1 first", "answer [1] with error", "flight 2 first", "late", "late",
			"late", "answer [2] with new", "late", "queries 2 coalesced 0 peak 1 late 4"},
	}, {
		name:   "readers after a write get a new query; the old page is not cached",
		script: []string{"join k 1", "join k 2", "invalidate k", "join k 3", "invalidate k", "join k 4", "complete k 1 before", "join k 5", "complete k 2 after"},
		want:   []string{"flight 1 first", "flight 1", "marked", "flight 1", "marked", "flight 1", "answer [1 2] with before stale requery 2", "flight 2", "answer [3 4 5] with after"},
	}, {
		name:   "a write with nobody joining after it ends the flight",
		script: []string{"invalidate k", "join k 1", "invalidate k", "complete k 1 p", "join k 2"},
		want:   []string{"not in flight", "flight 1 first", "marked", "answer [1] with p stale", "flight 2 first"},
	}, {
		name:   "a failure answers everyone, after the write too",
		script: []string{"join k 1", "invalidate k", "join k 2", "fail k 1", "complete k 2 p"},
		want:   []string{"flight 1 first", "marked", "flight 1", "answer [1 2] with error stale", "late"},
	}, {
		name:   "abandon drops one waiter and keeps the flight",
		script: []string{"join k 1", "join k 2", "join k 3", "abandon k 2", "abandon k 2", "abandon j 1", "complete k 1 p"},
		want:   []string{"flight 1 first", "flight 1", "flight 1", "dropped", "not waiting", "not waiting", "answer [1 3] with p"},
	}, {
		name:   "a flight everyone abandoned still holds its key until its query answers",
		script: []string{"join k 1", "abandon k 1", "join k 2", "abandon k 2", "complete k 1 p", "join k 3"},
		want:   []string{"flight 1 first", "dropped", "flight 1", "dropped", "answer [] with p", "flight 2 first"},
	}, {
		name:   "abandoning before the write moves the cut",
		script: []string{"join k 1", "join k 2", "invalidate k", "join k 3", "abandon k 1", "complete k 1 old", "complete k 2 new"},
		want:   []string{"flight 1 first", "flight 1", "marked", "flight 1", "dropped", "answer [2] with old stale requery 2", "answer [3] with new"},
	}, {
		name:   "abandoning everyone after the write needs no requery",
		script: []string{"join k 1", "invalidate k", "join k 2", "abandon k 2", "complete k 1 p", "join k 3"},
		want:   []string{"flight 1 first", "marked", "flight 1", "dropped", "answer [1] with p stale", "flight 2 first"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCoalescer[string, string](tc.opts)
			require.NoError(t, err)
			require.Equal(t, tc.want, coalesceScript(t, c, tc.script))
		})
	}
}

// The rapid state machine's model: flights in a slice, scanned linearly.
type coalModel struct {
	maxWaiters, maxFlights int
	flights                []coalModelFlight
	lastID                 FlightID
	stats                  CoalescerStats
}

type coalModelFlight struct {
	key     int
	id      FlightID
	waiters []Waiter
	cut     int // -1: not invalidated
}

func (m *coalModel) find(key int) int {
	return slices.IndexFunc(m.flights, func(f coalModelFlight) bool { return f.key == key })
}

func (m *coalModel) open(key int, ws []Waiter) FlightID {
	m.lastID++
	m.stats.QueriesStarted++
	m.stats.PeakWaiters = max(m.stats.PeakWaiters, len(ws))
	m.flights = append(m.flights, coalModelFlight{key: key, id: m.lastID, waiters: ws, cut: -1})
	return m.lastID
}

func (m *coalModel) join(key int, w Waiter) (FlightID, bool, error) {
	i := m.find(key)
	if i < 0 {
		if len(m.flights) >= m.maxFlights {
			m.stats.TooManyFlights++
			return 0, false, ErrTooManyFlights
		}
		m.stats.Requests++
		return m.open(key, []Waiter{w}), true, nil
	}
	f := &m.flights[i]
	if len(f.waiters) >= m.maxWaiters {
		m.stats.TooManyWaiters++
		return 0, false, ErrTooManyWaiters
	}
	f.waiters = append(f.waiters, w)
	m.stats.Requests++
	m.stats.Coalesced++
	m.stats.PeakWaiters = max(m.stats.PeakWaiters, len(f.waiters))
	return f.id, false, nil
}

// settle ends flight id of key; complete says whether by Complete (a write
// during the flight then splits it) or by Fail (everyone answered).
func (m *coalModel) settle(key int, id FlightID, complete bool) (answered []Waiter, stale bool, requery FlightID, ok bool) {
	i := m.find(key)
	if i < 0 || m.flights[i].id != id {
		m.stats.Late++
		return nil, false, 0, false
	}
	f := m.flights[i]
	m.flights = slices.Delete(m.flights, i, i+1)
	if !complete {
		m.stats.Failed++
		return f.waiters, f.cut >= 0, 0, true
	}
	m.stats.Completed++
	if f.cut < 0 {
		return f.waiters, false, 0, true
	}
	answered, rest := slices.Clone(f.waiters[:f.cut]), slices.Clone(f.waiters[f.cut:])
	if len(rest) > 0 {
		m.stats.Requeries++
		requery = m.open(key, rest)
	}
	return answered, true, requery, true
}

// TestCoalescerProperties drives a Coalescer with random joins, answers
// (current and late), failures, abandons and writes over a few keys, with
// bounds small enough to bind, against coalModel. Besides agreeing with the
// model after every step, it checks the promises directly: every accepted
// reader is answered at most once and only for its own key, nobody is left
// waiting on a key that is not in flight, and no reader that joined after a
// write gets the result of a query that started before it.
func TestCoalescerProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		maxWaiters := rapid.IntRange(1, 4).Draw(t, "maxWaiters")
		maxFlights := rapid.IntRange(1, 3).Draw(t, "maxFlights")
		c, err := NewCoalescer[int, FlightID](CoalescerOptions{MaxWaiters: maxWaiters, MaxFlights: maxFlights})
		if err != nil {
			t.Fatal(err)
		}
		m := &coalModel{maxWaiters: maxWaiters, maxFlights: maxFlights}
		key := rapid.IntRange(0, 3)

		// What the test knows independently of the model: the key of each
		// waiting reader and the number of writes its key had seen when it
		// joined; the writes each flight's query started after.
		type pending struct {
			key      int
			writesAt int
		}
		waiting := map[Waiter]pending{}
		var waitingOrder []Waiter // the waiting readers, for drawing one to abandon
		writes := map[int]int{}   // key -> Invalidates so far
		flightWrites := map[FlightID]int{}
		nextRequest := uint64(0)

		answer := func(t *rapid.T, k int, s Settled[FlightID], viaComplete bool, id FlightID) {
			for _, w := range s.Waiters {
				p, ok := waiting[w]
				if !ok {
					t.Fatalf("flight %d answered %+v, who was not waiting (answered twice or abandoned)", id, w)
				}
				if p.key != k {
					t.Fatalf("flight %d of key %d answered %+v, who waits on key %d", id, k, w, p.key)
				}
				if viaComplete && flightWrites[id] < p.writesAt {
					t.Fatalf("%+v joined after write %d of key %d but got flight %d, which started after %d writes",
						w, p.writesAt, k, id, flightWrites[id])
				}
				delete(waiting, w)
				waitingOrder = slices.DeleteFunc(waitingOrder, func(x Waiter) bool { return x == w })
			}
			if s.Requery != 0 {
				flightWrites[s.Requery] = writes[k]
			}
		}
		// drawFlight picks key's current flight most of the time, else any ID
		// ever handed out or one never handed out: late and bogus answers.
		drawFlight := func(t *rapid.T, k int) FlightID {
			if id, _, ok := c.InFlight(k); ok && rapid.IntRange(0, 3).Draw(t, "current") > 0 {
				return id
			}
			return FlightID(rapid.IntRange(0, int(m.lastID)+1).Draw(t, "flight"))
		}

		t.Repeat(map[string]func(*rapid.T){
			"Join": func(t *rapid.T) {
				k := key.Draw(t, "key")
				nextRequest++
				w := Waiter{From: sim.PID(rapid.IntRange(1, 3).Draw(t, "from")), Request: nextRequest}
				id, first, err := c.Join(k, w)
				wantID, wantFirst, wantErr := m.join(k, w)
				if id != wantID || first != wantFirst || !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) {
					t.Fatalf("Join(%d, %+v) = %d, %v, %v; model %d, %v, %v", k, w, id, first, err, wantID, wantFirst, wantErr)
				}
				if err != nil {
					return
				}
				waiting[w] = pending{key: k, writesAt: writes[k]}
				waitingOrder = append(waitingOrder, w)
				if first {
					flightWrites[id] = writes[k]
				}
			},
			"Complete": func(t *rapid.T) {
				k := key.Draw(t, "key")
				id := drawFlight(t, k)
				s, ok := c.Complete(k, id, id)
				ws, stale, requery, wantOK := m.settle(k, id, true)
				if ok != wantOK || !slices.Equal(s.Waiters, ws) || s.Stale != stale || s.Requery != requery {
					t.Fatalf("Complete(%d, %d) = %+v, %v; model %v stale %v requery %d ok %v", k, id, s, ok, ws, stale, requery, wantOK)
				}
				if ok && (s.Result != id || s.Err != nil) {
					t.Fatalf("Complete(%d, %d) carried result %d, error %v", k, id, s.Result, s.Err)
				}
				answer(t, k, s, true, id)
			},
			"Fail": func(t *rapid.T) {
				k := key.Draw(t, "key")
				id := drawFlight(t, k)
				boom := errors.New("boom")
				s, ok := c.Fail(k, id, boom)
				ws, stale, _, wantOK := m.settle(k, id, false)
				if ok != wantOK || !slices.Equal(s.Waiters, ws) || s.Stale != stale || s.Requery != 0 {
					t.Fatalf("Fail(%d, %d) = %+v, %v; model %v stale %v ok %v", k, id, s, ok, ws, stale, wantOK)
				}
				if ok && s.Err != boom {
					t.Fatalf("Fail(%d, %d) carried error %v", k, id, s.Err)
				}
				answer(t, k, s, false, id)
			},
			"Abandon": func(t *rapid.T) {
				k := key.Draw(t, "key")
				var w Waiter
				if len(waitingOrder) > 0 && rapid.Bool().Draw(t, "waiting") {
					w = rapid.SampledFrom(waitingOrder).Draw(t, "waiter")
				} else {
					w = Waiter{From: sim.PID(rapid.IntRange(1, 3).Draw(t, "from")), Request: uint64(rapid.IntRange(0, int(nextRequest)+1).Draw(t, "request"))}
				}
				got := c.Abandon(k, w)
				want := false
				if i := m.find(k); i >= 0 {
					f := &m.flights[i]
					if j := slices.Index(f.waiters, w); j >= 0 {
						f.waiters = slices.Delete(f.waiters, j, j+1)
						if f.cut > j {
							f.cut--
						}
						m.stats.Abandoned++
						want = true
					}
				}
				if got != want {
					t.Fatalf("Abandon(%d, %+v) = %v; model %v", k, w, got, want)
				}
				if got {
					delete(waiting, w)
					waitingOrder = slices.DeleteFunc(waitingOrder, func(x Waiter) bool { return x == w })
				}
			},
			"Invalidate": func(t *rapid.T) {
				k := key.Draw(t, "key")
				writes[k]++
				got := c.Invalidate(k)
				want := false
				if i := m.find(k); i >= 0 {
					want = true
					if m.flights[i].cut < 0 {
						m.flights[i].cut = len(m.flights[i].waiters)
						m.stats.Invalidated++
					}
				}
				if got != want {
					t.Fatalf("Invalidate(%d) = %v; model %v", k, got, want)
				}
			},
			"": func(t *rapid.T) {
				if c.Len() != len(m.flights) || c.Len() > maxFlights {
					t.Fatalf("%d keys in flight; model %d, max %d", c.Len(), len(m.flights), maxFlights)
				}
				waitingPerKey := map[int]int{}
				for _, w := range waitingOrder {
					waitingPerKey[waiting[w].key]++
				}
				for k := range 4 {
					id, n, ok := c.InFlight(k)
					i := m.find(k)
					if ok != (i >= 0) {
						t.Fatalf("InFlight(%d) ok %v; model %v", k, ok, i >= 0)
					}
					if n != waitingPerKey[k] {
						t.Fatalf("key %d has %d waiters; %d readers wait on it", k, n, waitingPerKey[k])
					}
					if ok && (id != m.flights[i].id || n != len(m.flights[i].waiters) || n > maxWaiters) {
						t.Fatalf("InFlight(%d) = %d, %d; model %d, %d (max waiters %d)", k, id, n, m.flights[i].id, len(m.flights[i].waiters), maxWaiters)
					}
				}
				if c.Stats() != m.stats {
					t.Fatalf("stats %+v; model %+v", c.Stats(), m.stats)
				}
			},
		})
	})
}
