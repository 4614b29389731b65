package scenarios

import (
	"fmt"
	"strings"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// Options scale a scenario. Each scenario has its own defaults (small: a
// run takes well under a second of real time); a zero field takes the
// scenario's default, and Validate rejects values out of range, naming the
// option as a user types it ("--members").
type Options struct {
	_ struct{} // keyed literals only

	// Topology.

	// Regions is the number of regions nodes are spread over [1; 1-8].
	Regions int
	// StoreNodes, GuildNodes and GatewayNodes count the server nodes [3,
	// 2, 2; store 3-64 (replication factor 3 needs 3), guild 1-64, gateway
	// 1-64].
	StoreNodes   int
	GuildNodes   int
	GatewayNodes int
	// Guilds is the number of guilds [3; 1-1000], each with Channels
	// channels [3; 2-50]: channel 0 is private to a role half the members
	// hold, the others are public.
	Guilds   int
	Channels int
	// Members is the members per guild [8; 2-100000]. Guilds overlap: a
	// quarter of a guild's members are also in the next guild.
	Members int
	// OnlinePercent is the share of users with a connected client [100;
	// 1-100].
	OnlinePercent int

	// Workload.

	// PostEvery is the mean time between posts in each guild [500ms;
	// 1ms-1h]; ReadEvery between history reads in each guild [2s;
	// 1ms-1h]. Posts stop at MaxPerChannel messages a channel [80; 1-95],
	// so a final read's page (100) reaches every message.
	PostEvery     sim.Duration
	ReadEvery     sim.Duration
	MaxPerChannel int

	// Phases.

	// Warmup is how long clients connect before faults and posts start
	// [5s; 1s-10m]. Safety is the phase under faults [30s; 1s-1h];
	// Liveness the phase after the heal [150s; >= LivenessBound, <= 1h].
	Warmup   sim.Duration
	Safety   sim.Duration
	Liveness sim.Duration
	// LivenessBound is how long after the heal every client must be
	// connected again and every message sent after it delivered [120s;
	// 1s-1h]. Above the client's stream timeout (30 s) plus a few backoff
	// steps: a client cut off during the safety phase may be at backoff
	// step 5 (up to 32 s) when the heal comes.
	LivenessBound sim.Duration

	// Fanout is the guilds' strategy [the scenario's; direct, per-node,
	// relays].
	Fanout guild.Fanout

	// Store settings.

	// Consistency is the level guilds store messages at [quorum; one,
	// quorum, all]. StoreSync is the storage nodes' commit log policy
	// [batch: an acknowledged write survives a crash; periodic: Cassandra's
	// default, a crash loses the last 10 s of writes]. one and periodic are
	// legitimate but unsafe settings: the checkers catch what they lose.
	Consistency string
	StoreSync   string
	// ReadConsistency is the level history reads use [quorum; one, quorum,
	// all]. At one, reads are not linearizable (Porcupine is not run) and
	// no-acked-message-lost judges only reads from convergeAfter past the
	// heal on: by then hinted handoff must have brought every replica up to
	// date (eventual consistency, with a bound). Hints live in the
	// coordinators' memory (system/store/hints.go), so a crash of a
	// coordinator holding hints breaks that bound: swarm at one fails now
	// and then (2 of 100 seeds), partition-during-send at one passes.
	ReadConsistency string
	// ReadPath is where history reads go [coordinators; coordinators,
	// data-services]: straight to a storage node's coordinator, or to the
	// channel's data-service instance (dataServiceNodes of them), which
	// coalesces concurrent reads of a channel and caches hot ones.
	ReadPath string
	// Timestamps is where the store's coordinators take the last-write-wins
	// timestamps of edits, deletes, reactions and pins from [read-bumped:
	// the coordinator's clock bumped past what the change's point read
	// saw; coordinator-clock: the clock as is, Cassandra's, legitimate but
	// unsafe: with a store node's clock behind, an acknowledged edit or
	// delete loses to an older one, and the lifecycle model catches it].
	// Only runs with lifecycle requests (the lifecycle scenario) see a
	// difference: posts are stamped with the clock either way.
	Timestamps string

	// Buggify turns sim's buggify points in system code on for this run
	// [off; swarm draws it per seed as well]: rare but legal timings (a
	// late replica answer, an early coordinator timeout, a late heartbeat
	// ACK, a short send chunk, a slow disk sync, ...) become common. It
	// changes the run: the same seed with and without it are two runs.
	Buggify bool

	// Faults replaces the scenario's fault schedule with one written out
	// (schedule.go has the format: "crash store-1 at +3s for 5s; ..."),
	// "none" for no faults; empty: the scenario's own. It is how a
	// failing property test's schedule is replayed.
	Faults string
}

// ParseFanout reads a fanout strategy as --fanout spells it.
func ParseFanout(s string) (guild.Fanout, error) {
	for _, f := range []guild.Fanout{guild.FanoutDirect, guild.FanoutPerNode, guild.FanoutRelays} {
		if f.String() == s {
			return f, nil
		}
	}
	return 0, fmt.Errorf("want direct, per-node or relays")
}

// consistencies and syncPolicies are the accepted values of --consistency
// and --store-sync.
var (
	consistencies = map[string]store.Consistency{"one": store.One, "quorum": store.Quorum, "all": store.All}
	syncPolicies  = map[string]store.SyncPolicy{"batch": store.SyncPerBatch, "periodic": store.SyncPeriodic}
)

// limit is one option's range, for Validate and the documentation.
type limit struct {
	name   string
	value  int64
	lo, hi int64
	unit   string
}

// limits are the options' ranges, for Validate, RangeOf and the
// documentation.
func (o Options) limits() []limit {
	d := func(v sim.Duration) int64 { return int64(v) }
	return []limit{
		{"--regions", int64(o.Regions), 1, 8, ""},
		{"--store-nodes", int64(o.StoreNodes), 3, 64, ""},
		{"--guild-nodes", int64(o.GuildNodes), 1, 64, ""},
		{"--gateway-nodes", int64(o.GatewayNodes), 1, 64, ""},
		{"--guilds", int64(o.Guilds), 1, 1000, ""},
		{"--channels", int64(o.Channels), 2, 50, ""},
		{"--members", int64(o.Members), 2, 100_000, ""},
		{"--online-percent", int64(o.OnlinePercent), 1, 100, ""},
		{"--post-every", d(o.PostEvery), d(sim.Millisecond), d(sim.Hour), "d"},
		{"--read-every", d(o.ReadEvery), d(sim.Millisecond), d(sim.Hour), "d"},
		{"--max-per-channel", int64(o.MaxPerChannel), 1, 95, ""},
		{"--warmup", d(o.Warmup), d(sim.Second), d(10 * sim.Minute), "d"},
		{"--safety", d(o.Safety), d(sim.Second), d(sim.Hour), "d"},
		{"--liveness-bound", d(o.LivenessBound), d(sim.Second), d(sim.Hour), "d"},
		{"--liveness", d(o.Liveness), d(o.LivenessBound), d(sim.Hour), "d"},
		{"--fanout", int64(o.Fanout), int64(guild.FanoutDirect), int64(guild.FanoutRelays), "f"},
	}
}

// accepted says what l accepts, as errors and RangeOf print it.
func (l limit) accepted() string {
	switch l.unit {
	case "d":
		return fmt.Sprintf("must be between %s and %s", sim.Duration(l.lo), sim.Duration(l.hi))
	case "f":
		return "must be direct, per-node or relays"
	}
	return fmt.Sprintf("must be between %d and %d", l.lo, l.hi)
}

// RangeOf says what the numeric option flag (e.g. "--members") accepts,
// in the words Validate uses ("must be between 2 and 100000"), so that a
// caller refusing an explicit zero (which Options reads as "the default")
// says the same as Validate says of any other value out of range. ok is
// false for an option without a numeric range. The range of --liveness
// starts at the resolved o's --liveness-bound.
func (o Options) RangeOf(flag string) (string, bool) {
	for _, l := range o.limits() {
		if l.name == flag {
			return l.accepted(), true
		}
	}
	return "", false
}

// Validate rejects an option out of range with an error naming it, its value
// and what is accepted.
func (o Options) Validate() error {
	if _, ok := consistencies[o.Consistency]; !ok {
		return fmt.Errorf("guildsim: --consistency %q: must be one, quorum or all", o.Consistency)
	}
	if _, ok := consistencies[o.ReadConsistency]; !ok {
		return fmt.Errorf("guildsim: --read-consistency %q: must be one, quorum or all", o.ReadConsistency)
	}
	if _, err := deploy.ParseReadPath(o.ReadPath); err != nil {
		return fmt.Errorf("guildsim: --read-path %q: must be coordinators or data-services", o.ReadPath)
	}
	if _, ok := syncPolicies[o.StoreSync]; !ok {
		return fmt.Errorf("guildsim: --store-sync %q: must be batch or periodic", o.StoreSync)
	}
	if _, err := store.ParseTimestamps(o.Timestamps); err != nil {
		return fmt.Errorf("guildsim: --timestamps %q: must be read-bumped or coordinator-clock", o.Timestamps)
	}
	for _, l := range o.limits() {
		if l.value >= l.lo && l.value <= l.hi {
			continue
		}
		switch l.unit {
		case "d":
			return fmt.Errorf("guildsim: %s %s: %s", l.name, sim.Duration(l.value), l.accepted())
		case "f":
			return fmt.Errorf("guildsim: %s %d: %s", l.name, l.value, l.accepted())
		}
		return fmt.Errorf("guildsim: %s %d: %s", l.name, l.value, l.accepted())
	}
	// The schedule last: it is checked against the topology and the
	// safety phase, which must be in range first.
	if o.Faults != "" && o.Faults != "none" {
		if err := validateSchedule(o); err != nil {
			return err
		}
	}
	return nil
}

// withDefaults fills o's zero fields from def.
func (o Options) withDefaults(def Options) Options {
	fill := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	fillD := func(v *sim.Duration, d sim.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	fill(&o.Regions, def.Regions)
	fill(&o.StoreNodes, def.StoreNodes)
	fill(&o.GuildNodes, def.GuildNodes)
	fill(&o.GatewayNodes, def.GatewayNodes)
	fill(&o.Guilds, def.Guilds)
	fill(&o.Channels, def.Channels)
	fill(&o.Members, def.Members)
	fill(&o.OnlinePercent, def.OnlinePercent)
	fill(&o.MaxPerChannel, def.MaxPerChannel)
	fillD(&o.PostEvery, def.PostEvery)
	fillD(&o.ReadEvery, def.ReadEvery)
	fillD(&o.Warmup, def.Warmup)
	fillD(&o.Safety, def.Safety)
	fillD(&o.Liveness, def.Liveness)
	fillD(&o.LivenessBound, def.LivenessBound)
	if o.Fanout == 0 {
		o.Fanout = def.Fanout
	}
	if o.Consistency == "" {
		o.Consistency = def.Consistency
	}
	if o.StoreSync == "" {
		o.StoreSync = def.StoreSync
	}
	if o.ReadConsistency == "" {
		o.ReadConsistency = def.ReadConsistency
	}
	if o.ReadPath == "" {
		o.ReadPath = def.ReadPath
	}
	if o.Timestamps == "" {
		o.Timestamps = def.Timestamps
	}
	o.Buggify = o.Buggify || def.Buggify
	return o
}

// baseOptions are the defaults every scenario starts from.
var baseOptions = Options{
	Regions: 1, StoreNodes: 3, GuildNodes: 2, GatewayNodes: 2,
	Guilds: 3, Channels: 3, Members: 8, OnlinePercent: 100,
	PostEvery: 500 * sim.Millisecond, ReadEvery: 2 * sim.Second, MaxPerChannel: 80,
	Warmup: 5 * sim.Second, Safety: 30 * sim.Second, Liveness: 150 * sim.Second,
	LivenessBound: 120 * sim.Second, Fanout: guild.FanoutPerNode,
	Consistency: "quorum", StoreSync: "batch", ReadConsistency: "quorum", ReadPath: "coordinators",
	Timestamps: store.TimestampsReadBumped.String(),
}

// Lines renders the options, one "name=value" line each, for the run's
// output (every option a run used, so a reader can replay it).
func (o Options) Lines() []string {
	lines := []string{
		fmt.Sprintf("regions=%d store-nodes=%d guild-nodes=%d gateway-nodes=%d", o.Regions, o.StoreNodes, o.GuildNodes, o.GatewayNodes),
		fmt.Sprintf("guilds=%d channels=%d members=%d online-percent=%d", o.Guilds, o.Channels, o.Members, o.OnlinePercent),
		fmt.Sprintf("post-every=%s read-every=%s max-per-channel=%d fanout=%s", o.PostEvery, o.ReadEvery, o.MaxPerChannel, o.Fanout),
		fmt.Sprintf("warmup=%s safety=%s liveness=%s liveness-bound=%s", o.Warmup, o.Safety, o.Liveness, o.LivenessBound),
		fmt.Sprintf("consistency=%s read-consistency=%s store-sync=%s read-path=%s timestamps=%s", o.Consistency, o.ReadConsistency, o.StoreSync, o.ReadPath, o.Timestamps),
	}
	if o.Buggify {
		lines = append(lines, "buggify=on")
	}
	if o.Faults != "" {
		lines = append(lines, fmt.Sprintf("faults=%q", o.Faults))
	}
	return lines
}

// Flags renders every option as the command line flags that set it
// (--regions=1 --store-nodes=3 ... --faults='...'), for replay lines: with
// them a run does not depend on the scenario's defaults staying the same.
func (o Options) Flags() string {
	var parts []string
	for _, line := range o.Lines() {
		for _, kv := range strings.Fields(line) {
			if strings.HasPrefix(kv, "faults=") {
				break
			}
			if kv == "buggify=on" {
				parts = append(parts, "--buggify") // a boolean flag
				continue
			}
			parts = append(parts, "--"+kv)
		}
	}
	if o.Faults != "" {
		parts = append(parts, "--faults="+shellQuote(o.Faults))
	}
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
