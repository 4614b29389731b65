package scenarios

import (
	"fmt"

	"github.com/guildsim/guildsim/faults"
	"github.com/guildsim/guildsim/scenarios/check"
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/guild"
)

// Scenario is one entry of the catalogue: a named topology, workload, fault
// schedule, fanout strategy and set of checkers.
type Scenario struct {
	// Name is what a user types (--scenario chat-basic); Description one
	// line on what it stresses.
	Name        string
	Description string
	// Defaults are the options a run takes when the caller leaves them
	// zero; baseOptions fill what the scenario leaves zero.
	Defaults Options
	// Guild configures the guild processes (fanout details: relay
	// capacity, relays per node, chunking). Directory, nodes and Fanout
	// are filled by the runner.
	Guild guild.Options
	// Deploy may change the deployment's system options for a seed before
	// the world is built (mixed draws tight store limits in some seeds, so
	// that the paths past them are walked).
	Deploy func(seed uint64, t *deploy.Topology)
	// Spec may change the guilds' starting state before the world is
	// built (a larger guild, more roles).
	Spec func(sw *World, specs []*guild.Spec)
	// Workload plans the run's posts, reads and other user actions as world
	// actions, drawing from r (a stream derived from the seed). Nil: the
	// steady chat of SteadyChat.
	Workload func(sw *World, r *sim.Rand)
	// Faults returns the schedule to apply at the start of the safety
	// phase (offsets from there) and lines describing what it drew from r.
	// Nil: no faults.
	Faults func(sw *World, r *sim.Rand) (faults.Schedule, []string, error)
	// Draw, when set, draws the scenario's defaults from the seed (sizes,
	// rates, lengths, topology): a bug that needs a big guild or a long run
	// is then reachable by some seed. Options the caller set win, and the
	// run prints every option it used, so the output alone replays it.
	Draw func(seed uint64) Options
	// Buggify says whether sim's buggify points are on; swarm draws it.
	Buggify func(seed uint64, o Options) bool
	// Checkers judge the run [AllCheckers].
	Checkers []Checker
}

// Checker is one named checker over a run's history and truth.
type Checker struct {
	Name  string
	Check func(h *check.History, t check.Truth) check.Verdict
	// Liveness marks a checker of the liveness phase: it judges whether the
	// healed system converged within a bound (TigerBeetle's liveness mode),
	// not whether something wrong happened. The command exits with its own
	// code when only such checkers fail, so CI can tell "lost a write"
	// from "did not recover in time".
	Liveness bool
}

// AllCheckers are the checkers of scenarios/check, in report order.
var AllCheckers = []Checker{
	{Name: "porcupine", Check: func(h *check.History, t check.Truth) check.Verdict {
		return check.Linearizable(h, check.LinearizableOptions{ArtifactDir: t.ArtifactDir, UserOf: t.UserOf})
	}},
	{Name: "no-acked-message-lost", Check: check.NoAckedMessageLost},
	{Name: "session-order", Check: check.SessionOrder},
	{Name: "authorized", Check: check.Authorized},
	{Name: "permitted", Check: check.Permitted},
	{Name: "removed-gets-nothing", Check: check.RemovedGetsNothing},
	{Name: "liveness", Check: check.Liveness, Liveness: true},
	// gateway-protocol is a safety checker: each of its rules (a cut-off
	// connection closed within heartbeat interval + grace, a resume within
	// the window and the buffer honoured, a replay never past the
	// 500-event bound) is a promise the gateway keeps under faults, and a
	// violation is a wrong answer at one instant of the history (a
	// deadline passed, an Invalid Session sent, a bound exceeded), not a
	// failure to converge after the heal.
	{Name: "gateway-protocol", Check: check.GatewayProtocol},
}

// IsLivenessChecker says whether the checker called name judges liveness
// (see Checker.Liveness); any other name, known or not, is a safety
// checker, so that a checker added without thought fails as safety.
func IsLivenessChecker(name string) bool {
	for _, c := range AllCheckers {
		if c.Name == name {
			return c.Liveness
		}
	}
	return false
}

// Catalogue returns every scenario, by name.
func Catalogue() []*Scenario {
	out := []*Scenario{
		chatBasic(), partitionDuringSend(), gatewayNodeCrash(), zombieConnections(),
		clockSkewSnowflakes(), hotChannel(), celebrityJoin(), swarm(), resumePastBuffer(), lifecycle(), mixed(),
	}
	return out
}

// Lookup returns the scenario called name.
func Lookup(name string) (*Scenario, error) {
	var names []string
	for _, s := range Catalogue() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return nil, fmt.Errorf("guildsim: --scenario %q: unknown: want one of %v", name, names)
}

// SteadyChat is the default workload: from the warmup to the end of the
// liveness phase, each guild gets a post every ~PostEvery (uniform in [0,
// 2*PostEvery)) by a random online member in a random channel it may see,
// and a history read every ~ReadEvery by a random online member. Posts in
// the last LivenessBound of the liveness phase are still judged: the
// final reads come after it.
func SteadyChat(sw *World, r *sim.Rand) {
	o := sw.Opts
	end := o.Warmup + o.Safety + o.Liveness
	for g := range sw.Guilds {
		gi := sw.Guilds[g]
		if len(gi.Online) == 0 {
			continue
		}
		for t := o.Warmup + r.Duration(0, 2*o.PostEvery); t < end; t += r.Duration(1, 2*o.PostEvery) {
			c := gi.Online[r.Intn(len(gi.Online))]
			ch := gi.Channels[r.Intn(len(gi.Channels))]
			if sw.CanSee(c, ch) {
				sw.Post(t, c, g, ch)
			}
		}
		for t := o.Warmup + r.Duration(0, 2*o.ReadEvery); t < end; t += r.Duration(1, 2*o.ReadEvery) {
			c := gi.Online[r.Intn(len(gi.Online))]
			sw.Read(t, c, gi.Channels[r.Intn(len(gi.Channels))])
		}
	}
}
