package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/guildsim/guildsim/scenarios"
	"github.com/guildsim/guildsim/sim"
)

// optionDef is one scenario option as a flag: its name is the one
// scenarios.Options.Validate uses in its errors (without the dashes), and
// the one results lines, replay files and summary.json use as a key.
type optionDef struct {
	name  string
	usage string
	kind  byte // 'i' int, 'd' duration, 'f' fanout, 's' string, 'b' on/off
	int   func(*scenarios.Options) *int
	dur   func(*scenarios.Options) *sim.Duration
	str   func(*scenarios.Options) *string
	bool  func(*scenarios.Options) *bool
}

// optionDefs are every field of scenarios.Options, in the order of
// Options.Lines.
var optionDefs = []optionDef{
	{name: "regions", usage: "regions the nodes are spread over (1-8)", kind: 'i', int: func(o *scenarios.Options) *int { return &o.Regions }},
	{name: "store-nodes", usage: "storage nodes (3-64)", kind: 'i', int: func(o *scenarios.Options) *int { return &o.StoreNodes }},
	{name: "guild-nodes", usage: "guild nodes (1-64)", kind: 'i', int: func(o *scenarios.Options) *int { return &o.GuildNodes }},
	{name: "gateway-nodes", usage: "gateway nodes (1-64)", kind: 'i', int: func(o *scenarios.Options) *int { return &o.GatewayNodes }},
	{name: "guilds", usage: "guilds (1-1000)", kind: 'i', int: func(o *scenarios.Options) *int { return &o.Guilds }},
	{name: "channels", usage: "channels per guild (2-50)", kind: 'i', int: func(o *scenarios.Options) *int { return &o.Channels }},
	{name: "members", usage: "members per guild (2-100000)", kind: 'i', int: func(o *scenarios.Options) *int { return &o.Members }},
	{name: "online-percent", usage: "share of users with a connected client (1-100)", kind: 'i', int: func(o *scenarios.Options) *int { return &o.OnlinePercent }},
	{name: "post-every", usage: "mean time between posts in each guild (1ms-1h)", kind: 'd', dur: func(o *scenarios.Options) *sim.Duration { return &o.PostEvery }},
	{name: "read-every", usage: "mean time between history reads in each guild (1ms-1h)", kind: 'd', dur: func(o *scenarios.Options) *sim.Duration { return &o.ReadEvery }},
	{name: "max-per-channel", usage: "posts per channel at most (1-95)", kind: 'i', int: func(o *scenarios.Options) *int { return &o.MaxPerChannel }},
	{name: "fanout", usage: "fanout strategy: direct, per-node or relays", kind: 'f'},
	{name: "warmup", usage: "time clients connect before faults and posts (1s-10m)", kind: 'd', dur: func(o *scenarios.Options) *sim.Duration { return &o.Warmup }},
	{name: "safety", usage: "the phase under faults (1s-1h)", kind: 'd', dur: func(o *scenarios.Options) *sim.Duration { return &o.Safety }},
	{name: "liveness", usage: "the phase after the heal (>= --liveness-bound, <= 1h)", kind: 'd', dur: func(o *scenarios.Options) *sim.Duration { return &o.Liveness }},
	{name: "liveness-bound", usage: "how long after the heal everything must have converged (1s-1h)", kind: 'd', dur: func(o *scenarios.Options) *sim.Duration { return &o.LivenessBound }},
	{name: "consistency", usage: "level guilds store messages at: one, quorum or all (one is unsafe: the checkers catch it)", kind: 's', str: func(o *scenarios.Options) *string { return &o.Consistency }},
	{name: "faults", usage: "the fault schedule instead of the scenario's, e.g. 'crash store-1 at +3s for 5s; partition-node guild-0 at +8s for 4s', or none", kind: 's', str: func(o *scenarios.Options) *string { return &o.Faults }},
	{name: "read-consistency", usage: "level history reads use: one, quorum or all (one is not linearizable: Porcupine is not run)", kind: 's', str: func(o *scenarios.Options) *string { return &o.ReadConsistency }},
	{name: "store-sync", usage: "storage nodes' commit log: batch or periodic (periodic loses acknowledged writes in a crash)", kind: 's', str: func(o *scenarios.Options) *string { return &o.StoreSync }},
	{name: "read-path", usage: "where history reads go: coordinators, or data-services (3 data-service nodes that coalesce reads and cache hot channels)", kind: 's', str: func(o *scenarios.Options) *string { return &o.ReadPath }},
	{name: "timestamps", usage: "where the store's last-write-wins timestamps of edits, deletes, reactions and pins come from: read-bumped, or coordinator-clock (unsafe under clock skew: the lifecycle checker catches it)", kind: 's', str: func(o *scenarios.Options) *string { return &o.Timestamps }},
	{name: "buggify", usage: "turn the buggify sites of system code on: rare but legal timings become common (swarm also draws it per seed)", kind: 'b', bool: func(o *scenarios.Options) *bool { return &o.Buggify }},
}

func lookupOption(name string) (optionDef, bool) {
	for _, d := range optionDefs {
		if d.name == name {
			return d, true
		}
	}
	return optionDef{}, false
}

// set parses s into d's field of o. The syntax is checked here; ranges are
// scenarios.Options.Validate's job, so that the limits live in one place.
func (d optionDef) set(o *scenarios.Options, s string) error {
	switch d.kind {
	case 'i':
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("want a whole number")
		}
		*d.int(o) = v
	case 'd':
		v, err := sim.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("want a duration such as 500ms, 30s or 2m")
		}
		*d.dur(o) = v
	case 'f':
		f, err := scenarios.ParseFanout(s)
		if err != nil {
			return err
		}
		o.Fanout = f
	case 's':
		*d.str(o) = strings.TrimSpace(s)
	case 'b':
		// "on" is how options lines and summary.json write it; true and
		// false are what the flag package passes for --buggify and
		// --buggify=false.
		switch strings.TrimSpace(s) {
		case "on", "true":
			*d.bool(o) = true
		case "off", "false":
			*d.bool(o) = false
		default:
			return fmt.Errorf("want on or off")
		}
	}
	return nil
}

// get formats d's field of o ("" when zero: the scenario's default).
func (d optionDef) get(o *scenarios.Options) string {
	switch d.kind {
	case 'i':
		if v := *d.int(o); v != 0 {
			return strconv.Itoa(v)
		}
	case 'd':
		if v := *d.dur(o); v != 0 {
			return v.String()
		}
	case 'f':
		if o.Fanout != 0 {
			return o.Fanout.String()
		}
	case 's':
		return *d.str(o)
	case 'b':
		if *d.bool(o) {
			return "on"
		}
	}
	return ""
}

// optionValue is one option as a flag.Value.
type optionValue struct {
	def optionDef
	o   *scenarios.Options
}

func (v optionValue) String() string {
	if v.o == nil {
		return ""
	}
	return v.def.get(v.o)
}

func (v optionValue) Set(s string) error { return v.def.set(v.o, s) }

// IsBoolFlag lets an on/off option stand alone (--buggify).
func (v optionValue) IsBoolFlag() bool { return v.def.kind == 'b' }

// registerOptions adds a flag per scenario option, writing into o.
func registerOptions(fs *flag.FlagSet, o *scenarios.Options) {
	for _, d := range optionDefs {
		if d.kind == 'b' {
			fs.Var(optionValue{d, o}, d.name, d.usage+" (off when absent)")
			continue
		}
		arg := map[byte]string{'i': "`N`", 'd': "`DURATION`", 'f': "`STRATEGY`", 's': "`VALUE`"}[d.kind]
		fs.Var(optionValue{d, o}, d.name, d.usage+" ("+arg+"; absent: the scenario's default)")
	}
}

// optionsMap renders o's non-zero fields by name.
func optionsMap(o scenarios.Options) map[string]string {
	m := map[string]string{}
	for _, d := range optionDefs {
		if v := d.get(&o); v != "" {
			m[d.name] = v
		}
	}
	return m
}

// optionsFromMap reads options written by optionsMap (results lines,
// replay files, summary.json), naming the key that is wrong.
func optionsFromMap(m map[string]string) (scenarios.Options, error) {
	var o scenarios.Options
	for _, d := range optionDefs {
		v, ok := m[d.name]
		if !ok {
			continue
		}
		if err := d.set(&o, v); err != nil {
			return o, fmt.Errorf("option %s=%q: %v", d.name, v, err)
		}
	}
	for k := range m {
		if _, ok := lookupOption(k); !ok {
			return o, fmt.Errorf("option %q: unknown", k)
		}
	}
	return o, nil
}

// optionArgs renders o's non-zero fields as command-line flags, in the
// order of optionDefs (for replay lines).
func optionArgs(o scenarios.Options) string {
	var b strings.Builder
	for _, d := range optionDefs {
		switch v := d.get(&o); {
		case v == "":
		case d.kind == 'b':
			fmt.Fprintf(&b, " --%s", d.name) // a boolean flag takes no word
		default:
			fmt.Fprintf(&b, " --%s %s", d.name, shellWord(v))
		}
	}
	return b.String()
}

// shellWord quotes v for a POSIX shell when it holds anything but plain
// word characters (a --faults schedule does).
func shellWord(v string) string {
	if strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.+:/=,", r))
	}) < 0 {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
