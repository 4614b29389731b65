package scenarios

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// ProcessNames are the names the processes of a scenario's world spawn
// under (not the workload's driver, whose actions the trace shows as the
// world's own, without a node or process), as a trace shows them before "#pid" and as --trace-filter
// process=NAME matches them; a guild's own process is guild/<guild id>.
// TestTraceNamesAreTheWorlds checks the list against a traced run, so a
// process renamed in system/ fails a test instead of making a filter
// silently keep nothing.
var ProcessNames = []string{
	"init", // the process that runs a node's boot function (sim)
	"client",
	"gateway/session", gateway.ListenerName, gateway.LimiterName,
	guild.PartitionerName, guild.RelayHostName, "guild/relay", "guild/worker",
	store.DefaultReplicaName, store.DefaultCoordinatorName,
	store.DefaultDataServiceName, // with --read-path data-services
}

// guildProcessPrefix is how a guild's process name starts (guild/<id>).
const guildProcessPrefix = "guild/"

// CheckTraceFilter says which name of f no node or process of a run with
// options o has (resolved options, as Resolve returns them): a filter
// naming nothing would write an empty trace and look like a quiet world.
// A process is named as sim matches it: NAME or NAME#PID.
func CheckTraceFilter(o Options, f sim.TraceFilter) error {
	nodes := o.nodeNames()
	for _, n := range f.Nodes {
		if !slices.Contains(nodes, n) {
			names := slices.Sorted(slices.Values(nodes))
			return fmt.Errorf("node=%s: no such node in this run (nodes: %s)", n, strings.Join(names, ", "))
		}
	}
	for _, p := range f.Processes {
		name, pid, hasPID := strings.Cut(p, "#")
		if hasPID {
			if _, err := strconv.ParseUint(pid, 10, 32); err != nil {
				return fmt.Errorf("process=%s: want NAME or NAME#PID with a number after #", p)
			}
		}
		if slices.Contains(ProcessNames, name) {
			continue
		}
		if id, ok := strings.CutPrefix(name, guildProcessPrefix); ok {
			if _, err := strconv.ParseUint(id, 10, 64); err == nil {
				continue
			}
		}
		return fmt.Errorf("process=%s: no process is called so (processes: %s, guild/<guild id>)", p, strings.Join(ProcessNames, ", "))
	}
	return nil
}
