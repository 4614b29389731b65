package store

import (
	"fmt"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"pgregory.net/rapid"
)

// routerChannels returns n channel IDs as a busy cluster mints them: one
// every few milliseconds, from different workers.
func routerChannels(n int) []Snowflake {
	out := make([]Snowflake, n)
	for i := range out {
		out[i] = Bucket(380).MinID() + Snowflake(i*3)<<timestampShift + Snowflake(i%32)<<workerShift
	}
	return out
}

func newTestRouter(t testing.TB, nodes ...sim.NodeID) *DataServiceRouter {
	t.Helper()
	r, err := NewDataServiceRouter(DataServiceRouterOptions{Nodes: nodes})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func routeAll(t testing.TB, r *DataServiceRouter, channels []Snowflake) []sim.NodeID {
	t.Helper()
	out := make([]sim.NodeID, len(channels))
	for i, ch := range channels {
		n, ok := r.Route(ch)
		if !ok {
			t.Fatalf("channel %d: no route", ch)
		}
		out[i] = n
	}
	return out
}

// TestDataServiceRouterPlacement: placement is a function of the set of
// instances alone (the order they were given or added in does not matter,
// so every caller agrees), every channel lands on one of them, and each
// gets a fair share.
func TestDataServiceRouterPlacement(t *testing.T) {
	channels := routerChannels(20000)
	nodes := []sim.NodeID{3, 5, 7, 9}
	a := routeAll(t, newTestRouter(t, nodes...), channels)
	b := newTestRouter(t, 9, 3)
	for _, n := range []sim.NodeID{7, 5} {
		if err := b.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	if got := routeAll(t, b, channels); !slices.Equal(a, got) {
		t.Fatalf("two routers over the same instances disagree")
	}
	count := map[sim.NodeID]int{}
	for _, n := range a {
		if !slices.Contains(nodes, n) {
			t.Fatalf("a channel routed to node %d, not an instance", n)
		}
		count[n]++
	}
	mean := len(channels) / len(nodes)
	for _, n := range nodes {
		if c := count[n]; c < mean*3/4 || c > mean*5/4 {
			t.Errorf("instance %d serves %d of %d channels, want within 25%% of %d", n, c, len(channels), mean)
		}
	}
	if !slices.Equal(b.Nodes(), nodes) {
		t.Errorf("Nodes() = %v, want %v", b.Nodes(), nodes)
	}
	if err := b.Add(3); err == nil {
		t.Errorf("adding an instance twice: no error")
	}
}

// TestDataServiceRouterAddMovesSome: adding a fifth instance moves about a
// fifth of the channels, all of them to the new instance; removing it again
// puts every channel back where it was; removing an old instance moves only
// its own channels.
func TestDataServiceRouterAddMovesSome(t *testing.T) {
	channels := routerChannels(20000)
	r := newTestRouter(t, 3, 5, 7, 9)
	before := routeAll(t, r, channels)
	if err := r.Add(11); err != nil {
		t.Fatal(err)
	}
	after := routeAll(t, r, channels)
	moved := 0
	for i := range channels {
		if before[i] != after[i] {
			moved++
			if after[i] != 11 {
				t.Fatalf("channel %d moved from %d to %d, an old instance", channels[i], before[i], after[i])
			}
		}
	}
	t.Logf("adding a fifth instance moved %d of %d channels (%.1f%%)", moved, len(channels), 100*float64(moved)/float64(len(channels)))
	if want := len(channels) / 5; moved < want*3/4 || moved > want*5/4 {
		t.Fatalf("adding a fifth instance moved %d of %d channels, want about %d", moved, len(channels), want)
	}
	if err := r.Remove(11); err != nil {
		t.Fatal(err)
	}
	if got := routeAll(t, r, channels); !slices.Equal(got, before) {
		t.Fatalf("removing the new instance did not restore the placement")
	}
	if err := r.Remove(5); err != nil {
		t.Fatal(err)
	}
	for i, n := range routeAll(t, r, channels) {
		if n != before[i] && before[i] != 5 {
			t.Fatalf("channel %d moved from %d to %d, though only instance 5 left", channels[i], before[i], n)
		}
		if n == 5 {
			t.Fatalf("channel %d still routed to the removed instance 5", channels[i])
		}
	}
}

// TestDataServiceRouterProperties: under any sequence of adds and removes,
// a change moves only channels to the added instance or from the removed
// one, and the placement always equals that of a router built from scratch
// over the same instances.
func TestDataServiceRouterProperties(t *testing.T) {
	channels := routerChannels(500)
	rapid.Check(t, func(t *rapid.T) {
		r, err := NewDataServiceRouter(DataServiceRouterOptions{VNodes: 16})
		if err != nil {
			t.Fatal(err)
		}
		var members []sim.NodeID
		route := func() []sim.NodeID {
			out := make([]sim.NodeID, len(channels))
			for i, ch := range channels {
				out[i], _ = r.Route(ch)
			}
			return out
		}
		placed := route()
		for step := range rapid.IntRange(1, 12).Draw(t, "steps") {
			node := sim.NodeID(rapid.IntRange(0, 7).Draw(t, fmt.Sprintf("node %d", step)))
			adding := !slices.Contains(members, node)
			if adding {
				if err := r.Add(node); err != nil {
					t.Fatal(err)
				}
				members = append(members, node)
			} else {
				if err := r.Remove(node); err != nil {
					t.Fatal(err)
				}
				members = slices.DeleteFunc(members, func(n sim.NodeID) bool { return n == node })
			}
			now := route()
			for i := range channels {
				if now[i] == placed[i] || len(members) == 0 {
					continue
				}
				if adding && now[i] != node || !adding && placed[i] != node {
					t.Fatalf("step %d (%s %d, instances %v): channel %d moved from %d to %d",
						step, map[bool]string{true: "add", false: "remove"}[adding], node, members, channels[i], placed[i], now[i])
				}
			}
			fresh, err := NewDataServiceRouter(DataServiceRouterOptions{VNodes: 16, Nodes: members})
			if err != nil {
				t.Fatal(err)
			}
			for i, ch := range channels {
				if n, _ := fresh.Route(ch); n != now[i] {
					t.Fatalf("step %d: channel %d routed to %d, a fresh router over %v says %d", step, ch, now[i], members, n)
				}
			}
			placed = now
		}
	})
}
