package scenarios

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/guild"
)

// TestTraceNamesAreTheWorlds: every node and process name a traced run
// shows is one CheckTraceFilter accepts, and every name ProcessNames
// lists shows up in a run (per-node fanout has workers and a partitioner,
// relays a relay host and relays; reads through the data services the
// data-service processes): the list --trace-filter is checked
// against is the world's, not a guess.
func TestTraceNamesAreTheWorlds(t *testing.T) {
	seen := map[string]bool{}
	for _, fanout := range []guild.Fanout{guild.FanoutPerNode, guild.FanoutRelays} {
		o := Options{Fanout: fanout, Warmup: 2 * sim.Second, Safety: 3 * sim.Second, Liveness: 10 * sim.Second, LivenessBound: 5 * sim.Second}
		if fanout == guild.FanoutRelays {
			o.ReadPath = "data-services" // the data-service tier's processes and nodes too
		}
		resolved, err := Resolve("chat-basic", o)
		if err != nil {
			t.Fatal(err)
		}
		var trace bytes.Buffer
		RunWith("chat-basic", 1, o, RunConfig{Trace: &trace, SkipCheckers: true})
		for _, line := range strings.Split(strings.TrimSpace(trace.String()), "\n") {
			var rec struct{ Node, Proc, From string }
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			var f sim.TraceFilter
			if rec.Node != "" {
				f.Nodes = append(f.Nodes, rec.Node)
			}
			for _, p := range []string{rec.Proc, rec.From} {
				name, _, _ := strings.Cut(p, "#")
				if name != "" {
					f.Processes = append(f.Processes, p, name)
					seen[name] = true
				}
			}
			if err := CheckTraceFilter(resolved, f); err != nil {
				t.Fatalf("a name of the trace is refused: %v\n%s", err, line)
			}
		}
	}
	for _, name := range ProcessNames {
		if !seen[name] {
			t.Errorf("ProcessNames lists %q, which no traced run has", name)
		}
	}
	guildProcess := false
	for name := range seen {
		guildProcess = guildProcess || strings.HasPrefix(name, guildProcessPrefix) && !slices.Contains(ProcessNames, name)
	}
	if !guildProcess {
		t.Error("no guild/<id> process in the trace")
	}
	for _, bad := range []sim.TraceFilter{{Nodes: []string{"store-9"}}, {Processes: []string{"session"}}, {Processes: []string{"guild/abc"}}, {Processes: []string{"client#x"}}} {
		if err := CheckTraceFilter(baseOptions, bad); err == nil {
			t.Errorf("%+v: accepted", bad)
		}
	}
}
