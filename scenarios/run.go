package scenarios

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/guildsim/guildsim/faults"
	"github.com/guildsim/guildsim/scenarios/check"
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
)

// Result is one run of one scenario with one seed.
type Result struct {
	Scenario string
	Seed     uint64
	// Options are the options the run used, defaults filled in.
	Options Options
	// Events and Fingerprint identify the run: same seed, same code, same
	// fingerprint.
	Events      uint64
	Fingerprint uint64
	// Verdicts are the checkers' verdicts, in the scenario's order.
	Verdicts []check.Verdict
	// Faults describe what the schedule drew (swarm: the draw itself) and
	// every fault as it happened, with true start and end times.
	Faults []string
	// BeyondBudget names each fault of the schedule that goes beyond the
	// system's fault budget (World.Budget, faults.Budget.Check), with why.
	// A schedule written out (--faults) runs as written; its checkers
	// still judge, and their verdicts are then what the system did past
	// its promises, not a found bug. Swarm's schedules are within the
	// budget by construction (its refusals are among Faults).
	BeyondBudget []string
	// FaultLog is every fault as it happened (structured, for reports).
	FaultLog []faults.Entry
	// HealedAt is when the safety phase ended and every fault was healed.
	HealedAt sim.Time
	// Phases are the run's phases in order (warmup, safety, heal,
	// liveness, final reads), for reports to mark on their time axes.
	Phases []Phase
	// NodeNames are the world's node names, by sim.NodeID, so that a
	// report can name FaultLog's nodes (see FaultNodes).
	NodeNames []string
	// Elapsed is the run's real (wall) time; Virtual its simulated time.
	Elapsed time.Duration
	Virtual sim.Duration
	// Deliveries are every first receipt of an acknowledged message by a
	// client, with its latency from the send (for reports).
	Deliveries []Delivery
	// Sent counts the posts clients sent, Acked those the guild
	// acknowledged, SendFailed those rejected or timed out.
	Sent, Acked, SendFailed int
	// AckedAt and FailedAt are when each acknowledgement and each failed
	// send reached its client, since the start of the run, in record
	// order: a report draws sends acknowledged per second from them, and
	// a stall shows as seconds with none.
	AckedAt, FailedAt []sim.Duration
	// Requests count the clients' lifecycle requests by kind ("edit",
	// "delete", ...): sent, acknowledged, refused for permissions, other
	// (a store error or no answer); Dispatches the events clients received
	// by name, and the backfill pages they read. They show which paths a
	// run walked, end to end.
	Requests   []RequestCount
	Dispatches []NamedCount
	// Connected and Mailboxes are time series, filled only when
	// RunConfig.Series asks (see series.go).
	Connected []SeriesPoint
	Mailboxes []ProcessSeries
	// Buggify says whether buggify was on (--buggify, or swarm's draw) and
	// what each buggify site asked did: drawn active or not, firings.
	Buggify Buggify
	// Coverage is what each coverage site of system code saw in this run
	// (every declared site, reached or not), sorted by name: a sweep counts
	// the seeds that reached each, and lists those none did.
	Coverage []sim.CoverageSite
	// Err is a failure to build or run the world (a failed assertion in
	// system code is a found bug); Verdicts are then empty.
	Err error
	// Stopped is set when the run reached a stop point of RunConfig.Stop:
	// the world as it froze there. A stopped run has no verdicts: the
	// checkers judge whole histories, and a prefix would look like lost
	// messages and clients that never reconnected.
	Stopped *StopReport
}

// CoverageSites are the coverage sites every run declares (each system
// package's CoverageSites, sorted): what Result.Coverage lists.
func CoverageSites() []string { return deploy.CoverageSites() }

// Phase is a stretch of a run: [Start, End) since the start of the run.
// The heal is an instant (Start == End).
type Phase struct {
	Name       string
	Start, End sim.Duration
}

// Phase names, in the order a run goes through them.
const (
	PhaseWarmup     = "warmup"
	PhaseSafety     = "safety"
	PhaseHeal       = "heal"
	PhaseLiveness   = "liveness"
	PhaseFinalReads = "final reads"
)

// phases are the phases of a run of options o healed at healedAt and
// ended at endAt (both since the start of the run). The final reads
// phase runs from the end of the liveness phase to the end of the run:
// the wait for late answers, then the reads.
func phases(o Options, healedAt, endAt sim.Duration) []Phase {
	liveEnd := o.Warmup + o.Safety + o.Liveness
	return []Phase{
		{PhaseWarmup, 0, o.Warmup},
		{PhaseSafety, o.Warmup, healedAt},
		{PhaseHeal, healedAt, healedAt},
		{PhaseLiveness, healedAt, liveEnd},
		{PhaseFinalReads, liveEnd, max(liveEnd, endAt)},
	}
}

// FaultNodes names the nodes a report draws fault e on: the nodes it acts
// on (the crashed node, the node whose clock, disk or links misbehave, the
// sending side of a one-way partition), and for a two-sided partition the
// smaller side (minus a bridge's bridge node), the side cut off from the
// rest.
func (r Result) FaultNodes(e faults.Entry) []string {
	ids := e.Nodes
	switch e.Kind {
	case faults.PartitionHalves, faults.PartitionRegion, faults.PartitionBridge:
		a, b := e.Nodes, e.Other
		if e.Kind == faults.PartitionBridge {
			a, b = faults.Without(a, e.Bridge), faults.Without(b, e.Bridge)
		}
		ids = a
		if len(b) < len(a) {
			ids = b
		}
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		name := fmt.Sprintf("node %d", id)
		if int(id) >= 0 && int(id) < len(r.NodeNames) {
			name = r.NodeNames[id]
		}
		out = append(out, name)
	}
	return out
}

// Buggify is what buggify did in one run. Sites are sorted by name; a
// site that no code reached in the run is not listed.
type Buggify struct {
	Enabled bool
	Sites   []sim.BuggifySite
}

// String is one line: "buggify: on; site fired/asked (active), ...".
func (b Buggify) String() string {
	if !b.Enabled {
		return "buggify: off"
	}
	var parts []string
	for _, s := range b.Sites {
		state := "inactive"
		if s.Active {
			state = "active"
		}
		parts = append(parts, fmt.Sprintf("%s %s fired %d of %d", s.Site, state, s.Fired, s.Asked))
	}
	if len(parts) == 0 {
		return "buggify: on; no site reached"
	}
	return "buggify: on; " + strings.Join(parts, ", ")
}

// Delivery is one client's first receipt of one message.
type Delivery struct {
	Message uint64
	Client  uint32
	At      sim.Duration // when the client got it, since the start of the run
	Latency sim.Duration // from the sender's KindSend to this client's MESSAGE_CREATE
}

// Ok says whether the run finished and every checker said Ok.
func (r Result) Ok() bool {
	if r.Err != nil || len(r.Verdicts) == 0 {
		return false
	}
	for _, v := range r.Verdicts {
		if v.Result != check.Ok {
			return false
		}
	}
	return true
}

// Replay is the command that reruns this scenario and seed.
func (r Result) Replay() string {
	return fmt.Sprintf("go run ./cmd/guildsim run --scenario %s --seed %d %s", r.Scenario, r.Seed, r.Options.Flags())
}

// String prints the run as the simulator's output: the seed and every
// option first, then faults, verdicts and the replay line on failure.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "SCENARIO=%s SEED=%d\n", r.Scenario, r.Seed)
	for _, l := range r.Options.Lines() {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	for _, f := range r.Faults {
		fmt.Fprintf(&b, "  fault: %s\n", f)
	}
	for _, f := range r.BeyondBudget {
		fmt.Fprintf(&b, "  beyond budget: %s\n", f)
	}
	fmt.Fprintf(&b, "  events=%d fingerprint=%016x virtual=%s elapsed=%s deliveries=%d\n", r.Events, r.Fingerprint, r.Virtual, r.Elapsed.Round(time.Millisecond), len(r.Deliveries))
	if r.Buggify.Enabled {
		fmt.Fprintf(&b, "  %s\n", r.Buggify)
	}
	if r.Err != nil {
		fmt.Fprintf(&b, "  error: %v\n", r.Err)
	}
	for _, v := range r.Verdicts {
		fmt.Fprintf(&b, "  %s\n", v)
	}
	if !r.Ok() {
		fmt.Fprintf(&b, "  replay: %s\n", r.Replay())
	}
	return b.String()
}

// convergeAfter is how long after the heal reads at ONE must see every
// acknowledged write: hinted handoff replays within a probe interval (1 s)
// and a few write timeouts (10 s) of a replica's return. GUESS, generous.
const convergeAfter = 30 * sim.Second

// finalReadDelay is how long after the last planned post the final reads
// start: every post has been answered or timed out by then (the client's
// SendTimeout, 15 s), so the final reads come after every acknowledgement,
// as NoAckedMessageLost needs.
const finalReadDelay = 16 * sim.Second

// Run builds scenario name's world for seed, runs its workload through the
// safety phase under its faults, heals, runs the liveness phase, issues the
// final reads, and judges the clients' records with every checker. Zero
// fields of opts take the scenario's defaults.
func Run(name string, seed uint64, opts Options) Result {
	return RunWith(name, seed, opts, RunConfig{})
}

// RunConfig says how a run is observed. Nothing in it changes what the
// world does: a run has the same fingerprint with any RunConfig.
type RunConfig struct {
	// SkipCheckers leaves Verdicts empty (determinism checks need only the
	// fingerprint); Result.Ok is then false.
	SkipCheckers bool
	// ArtifactDir is where checkers write what shows a failure (Porcupine's
	// visualisation of the failing channel); empty: nothing is written.
	ArtifactDir string
	// Trace, when set, receives the world's JSON-lines trace, filtered by
	// TraceFilter.
	Trace       io.Writer
	TraceFilter sim.TraceFilter

	// Series fills Result.Connected (connected clients over time) and
	// Result.Mailboxes (mailbox depth of the busiest processes over time).
	Series bool
	// MailboxSeries is how many of the busiest processes Series keeps [5].
	MailboxSeries int
	// Progress, when set, is called after each step of SampleEvery
	// simulated time with how far the run is (for a progress line: the
	// caller throttles by wall time).
	Progress func(Progress)
	// SampleEvery is the simulated time between samples and Progress calls
	// [the run's length / 240, at least 100ms]. With Series and Progress
	// both off the world runs each phase in one step.
	SampleEvery sim.Duration

	// Stop stops the run early to read it (Result.Stopped), sets its event
	// budget, or ends its faults early (see Stop). The events before a stop
	// are the same run, event for event; only Stop.HealAfterEvent changes
	// what comes after its event.
	Stop Stop
}

// Progress is how far a run is.
type Progress struct {
	Elapsed, Total sim.Duration // simulated time done, of the whole run
	Events         uint64
}

// RunWith is Run observed as cfg says.
func RunWith(name string, seed uint64, opts Options, cfg RunConfig) Result {
	start := time.Now()
	res := Result{Scenario: name, Seed: seed}
	s, err := Lookup(name)
	if err != nil {
		res.Err = err
		return res
	}
	o := opts.withDefaults(s.defaults(seed).withDefaults(baseOptions))
	res.Options = o
	if err := o.Validate(); err != nil {
		res.Err = err
		return res
	}
	buggify := o.Buggify || (s.Buggify != nil && s.Buggify(seed, o))
	sw, err := build(s, seed, o, buggify)
	if err != nil {
		res.Err = err
		return res
	}
	w := sw.W
	in, err := newIncident(w, cfg.Stop, cfg)
	if err != nil {
		res.Err = err
		return res
	}
	for _, id := range w.Nodes() {
		for int(id) >= len(res.NodeNames) {
			res.NodeNames = append(res.NodeNames, "")
		}
		res.NodeNames[id] = w.NodeName(id)
	}
	workload := s.Workload
	if workload == nil {
		workload = SteadyChat
	}
	workload(sw, sim.NewRand(sim.DeriveSeed(seed, "scenarios/workload/"+name)))
	end := o.Warmup + o.Safety + o.Liveness
	finalAt := end + finalReadDelay
	stopAt := finalReads(sw, finalAt) + readSpacing

	var schedule faults.Schedule
	switch {
	case o.Faults == "none":
		res.Faults = append(res.Faults, "faults: none (--faults none)")
	case o.Faults != "":
		sched, err := ParseSchedule(w, o.Faults)
		if err != nil {
			res.Err = err
			return res
		}
		schedule = sched
		res.Faults = append(res.Faults, "faults: as given (--faults)")
	case s.Faults != nil:
		sched, lines, err := s.Faults(sw, sim.NewRand(sim.DeriveSeed(seed, "scenarios/faults/"+name)))
		if err != nil {
			res.Err = err
			return res
		}
		schedule = sched
		res.Faults = append(res.Faults, lines...)
	}
	for _, r := range sw.Budget().Check(w, schedule) {
		res.BeyondBudget = append(res.BeyondBudget, r.Describe(w))
	}
	// The world runs in steps of SampleEvery when someone watches: between
	// steps nothing of the world changes (samplers only read, and
	// RunUntil leaves the clock where the next step starts), so the run
	// is the same event for event; TestObservingKeepsTheFingerprint
	// checks it.
	smp := newSampler(w, cfg, stopAt)
	var log *faults.Log
	// An early heal (Stop.HealAfterEvent) ends the faults now, or, in the
	// warmup, drops the schedule before it starts.
	heal := func() {
		if log != nil {
			log.HealAll()
		} else {
			schedule = nil
		}
	}
	runTo := func(at sim.Duration) error {
		err := in.run(func() error { return smp.runTo(sim.DefaultStart.Add(at)) }, heal)
		var stopped *sim.StoppedError
		if errors.As(err, &stopped) {
			res.Stopped = in.report(sw, o, log)
			return errStopped
		}
		return err
	}
	finish := func(err error) Result {
		if err != errStopped {
			res.Err = err
		}
		res.Events, res.Fingerprint, res.Virtual = w.Events(), w.Fingerprint(), w.Elapsed()
		if res.HealedAt != 0 {
			res.Phases = phases(o, res.HealedAt.Sub(sim.DefaultStart), res.Virtual)
		}
		res.Buggify = Buggify{Enabled: buggify, Sites: w.BuggifySites()}
		res.Coverage = w.Coverage()
		if cfg.Series {
			res.Connected = connectedSeries(sw.Rec, smp.times)
			res.Mailboxes = smp.busiest(cfg.MailboxSeries)
		}
		res.Elapsed = time.Since(start)
		return res
	}
	if err := runTo(o.Warmup); err != nil {
		return finish(err)
	}
	if log, err = faults.Apply(w, schedule); err != nil {
		return finish(err)
	}
	if err := runTo(o.Warmup + o.Safety); err != nil {
		return finish(err)
	}
	in.healedAsPlanned()
	log.HealAll()
	res.HealedAt = w.Now()
	res.FaultLog = log.Entries
	// One origin for every instant a run prints: the world's start, as
	// verdicts and the trace count time (the schedule's own offsets count
	// from the safety phase's start, so the line does not repeat them).
	for _, e := range log.Entries {
		line := fmt.Sprintf("+%s", e.Start.Sub(sim.DefaultStart))
		if e.End != 0 {
			line += fmt.Sprintf(" to +%s", e.End.Sub(sim.DefaultStart))
		}
		res.Faults = append(res.Faults, line+": "+e.Subject)
	}
	if err := runTo(stopAt); err != nil {
		return finish(err)
	}

	h := check.FromRecorder(sw.Rec, sw.Reads)
	t := check.Truth{
		UserOf:        sw.UserOf,
		Access:        sw.Access,
		Send:          sw.Send,
		Manage:        sw.Manage,
		Removals:      sw.Removals(),
		HealedAt:      res.HealedAt,
		ConvergedAt:   res.HealedAt,
		GuildOf:       sw.GuildOf,
		LivenessBound: o.LivenessBound,
		EndAt:         w.Now(),
		Gateway:       gatewayTruth(sw, res.FaultLog),
	}
	if len(sw.receivesNot) > 0 || len(sw.passiveGuilds) > 0 {
		t.Receives = func(c uint32, ch uint64) bool { return !sw.receivesNot[c] && !sw.passiveGuilds[sw.GuildOf(ch)] }
	}
	checkers := s.Checkers
	if checkers == nil {
		checkers = AllCheckers
	}
	if o.ReadConsistency == "one" {
		// Reads at ONE are not linearizable by design; replicas must
		// converge within convergeAfter of the heal instead.
		t.ConvergedAt = res.HealedAt.Add(convergeAfter)
		checkers = slices.DeleteFunc(slices.Clone(checkers), func(c Checker) bool { return c.Name == "porcupine" })
	}
	if !cfg.SkipCheckers {
		t.ArtifactDir = cfg.ArtifactDir
		for _, c := range checkers {
			res.Verdicts = append(res.Verdicts, c.Check(h, t))
		}
	}
	res.Deliveries = deliveries(h)
	res.AckedAt, res.FailedAt, res.Sent = sendTimes(h)
	res.Acked, res.SendFailed = len(res.AckedAt), len(res.FailedAt)
	res.Requests, res.Dispatches = activity(h)
	return finish(nil)
}

// gatewayTruth is what check.GatewayProtocol needs: the gateway's options
// in effect (as the deployment reports them), each client's node, and the
// fault log as cuts and node faults.
func gatewayTruth(sw *World, log []faults.Entry) *check.GatewayTruth {
	gopts := sw.D.Options.Gateway
	nodes := make([]sim.NodeID, len(sw.D.Clients))
	for c, ci := range sw.D.Clients {
		nodes[c] = sim.NoNode
		if n, ok := sw.W.ProcessNode(ci.PID); ok {
			nodes[c] = n
		}
	}
	g := &check.GatewayTruth{
		HeartbeatInterval: gopts.HeartbeatInterval, HeartbeatGrace: gopts.HeartbeatGrace,
		ResumeWindow: gopts.ResumeWindow, ResumeBufferEvents: gopts.ResumeBufferEvents,
		NodeOf: func(c uint32) sim.NodeID {
			if int(c) < len(nodes) {
				return nodes[c]
			}
			return sim.NoNode
		},
	}
	for _, e := range log {
		during := check.Interval{From: e.Start, Until: e.End}
		switch {
		case e.End == 0 && (e.Kind == faults.ClockJump || e.Kind == faults.Kill):
			during.Until = e.Start + 1
		case e.End == 0:
			during.Until = check.Forever
		}
		if cuts := e.Fault.Cuts(sw.W.Nodes()); cuts != nil {
			for _, c := range cuts {
				g.Cuts = append(g.Cuts, check.Cut{From: c.From, To: c.To, During: during})
			}
			continue
		}
		for _, n := range e.Nodes {
			g.NodeFaults = append(g.NodeFaults, check.NodeFault{Node: n, Kind: string(e.Kind), During: during})
		}
	}
	return g
}

// finalReads plans, from elapsed time at, two reads of every channel by
// different online members of its guild (two: one failed read does not
// leave a channel unchecked). A client has one read in flight at a time,
// so when a guild has fewer online members than its channels need, later
// rounds come readSpacing apart. It returns the start of the last round
// that planned a read (its reads start within 2 ms of it), plus the wider
// spacing of reads through the data services.
func finalReads(sw *World, at sim.Duration) sim.Duration {
	last := at
	// The most rounds a channel may wait: one client serving every
	// channel of every guild twice.
	rounds := 0
	for _, gi := range sw.Guilds {
		rounds += 2 * len(gi.Channels)
	}
	step := readSpacing + sim.Second // a round's reads start up to 2 ms late
	// The two reads of a channel start 1 ms apart. Through the data
	// services that makes them one coalesced store query that fails or
	// succeeds for both, so there the second starts after the first's
	// query is answered or timed out: two observations, not one.
	apart := sim.Millisecond
	if sw.D.Options.ReadPath == deploy.ReadDataServices {
		apart = sw.D.Options.DataService.StoreTimeout + sim.Second
	}
	// A round's second read waits apart, which can be longer than step:
	// one client serving every channel then needs more rounds (mixed with
	// a single online member through the data services left a channel
	// with no final read).
	rounds *= 2 + int(apart/step)
	for _, gi := range sw.Guilds {
		if len(gi.Online) == 0 {
			continue
		}
		for k, ch := range gi.Channels {
			planned := 0
			for round := 0; planned < 2 && round < rounds; round++ {
				t := at + sim.Duration(round)*step
				for i := 0; i < len(gi.Online) && planned < 2; i++ {
					c := gi.Online[(k*2+i)%len(gi.Online)]
					if sw.Read(t+sim.Duration(planned)*apart, c, ch) {
						// The caller's readSpacing after last covers a
						// round's reads 1 ms apart; a wider apart counts.
						last = max(last, t+sim.Duration(planned)*(apart-sim.Millisecond))
						planned++
					}
				}
			}
		}
	}
	return last
}

// deliveries pairs every client's first MESSAGE_CREATE of a message with
// the message's send.
func deliveries(h *check.History) []Delivery {
	type key struct {
		client uint32
		nonce  uint64
	}
	sentAt := map[key]sim.Time{}
	sendOf := map[uint64]sim.Time{} // message ID -> send time
	seen := map[key]bool{}          // (client, message ID)
	var out []Delivery
	for _, r := range h.Records {
		switch r.Kind {
		case client.KindSend:
			sentAt[key{r.Client, r.Seq}] = r.At
		case client.KindSendAck:
			if at, ok := sentAt[key{r.Client, r.Seq}]; ok {
				sendOf[r.ID] = at
			}
		case client.KindDispatch:
			if int(r.Name) >= len(h.EventNames) || h.EventNames[r.Name] != check.EventMessageCreate {
				continue
			}
			at, ok := sendOf[r.ID]
			if !ok || seen[key{r.Client, r.ID}] {
				continue
			}
			seen[key{r.Client, r.ID}] = true
			out = append(out, Delivery{Message: r.ID, Client: r.Client, At: r.At.Sub(sim.DefaultStart), Latency: r.At.Sub(at)})
		}
	}
	return out
}

// sendTimes counts posts sent and lists when each was acknowledged or
// failed, since the start of the run.
func sendTimes(h *check.History) (acked, failed []sim.Duration, sent int) {
	for _, r := range h.Records {
		switch r.Kind {
		case client.KindSend:
			sent++
		case client.KindSendAck:
			acked = append(acked, r.At.Sub(sim.DefaultStart))
		case client.KindSendFailed:
			failed = append(failed, r.At.Sub(sim.DefaultStart))
		}
	}
	return acked, failed, sent
}

// defaults are the scenario's defaults for seed: Defaults, under what Draw
// drew.
func (s *Scenario) defaults(seed uint64) Options {
	if s.Draw == nil {
		return s.Defaults
	}
	return s.Draw(seed).withDefaults(s.Defaults)
}

// Resolve fills opts' zero fields with scenario name's defaults and
// validates the result: what RunWith would run, or the error naming the
// unknown scenario or the option out of range (a caller's bad input, as
// opposed to a failure of the run).
func Resolve(name string, opts Options) (Options, error) {
	s, err := Lookup(name)
	if err != nil {
		return Options{}, err
	}
	o := opts.withDefaults(s.Defaults.withDefaults(baseOptions))
	return o, o.Validate()
}

// ResolveFor is Resolve for one seed: with what a scenario that draws its
// defaults (Scenario.Draw) drew for it.
func ResolveFor(name string, seed uint64, opts Options) (Options, error) {
	s, err := Lookup(name)
	if err != nil {
		return Options{}, err
	}
	o := opts.withDefaults(s.defaults(seed).withDefaults(baseOptions))
	return o, o.Validate()
}

// Draws reports whether scenario name draws its defaults from the seed.
func Draws(name string) bool {
	s, err := Lookup(name)
	return err == nil && s.Draw != nil
}

// SeedReport counts one scenario's runs over a range of seeds.
type SeedReport struct {
	Scenario         string
	From, To         uint64 // seeds [From, To)
	Passed, Failed   int
	Unknown          int      // runs with no Illegal verdict but some Unknown
	Failures         []Result // the runs that did not pass (failed or unknown)
	Elapsed          time.Duration
	FirstFingerprint uint64
}

// RunSeeds runs scenario name for every seed in [from, to) with its default
// options. Each run is independent; a caller may run several RunSeeds in
// parallel.
func RunSeeds(name string, from, to uint64) SeedReport {
	start := time.Now()
	rep := SeedReport{Scenario: name, From: from, To: to}
	for seed := from; seed < to; seed++ {
		r := Run(name, seed, Options{})
		if seed == from {
			rep.FirstFingerprint = r.Fingerprint
		}
		switch {
		case r.Ok():
			rep.Passed++
			continue
		case r.Err == nil && !hasIllegal(r):
			rep.Unknown++
		default:
			rep.Failed++
		}
		r.Deliveries = nil // keep the report small
		rep.Failures = append(rep.Failures, r)
	}
	rep.Elapsed = time.Since(start)
	return rep
}

func hasIllegal(r Result) bool {
	for _, v := range r.Verdicts {
		if v.Result == check.Illegal {
			return true
		}
	}
	return false
}

// String is one line: the scenario, seeds, pass/fail/unknown counts.
func (r SeedReport) String() string {
	return fmt.Sprintf("%-24s seeds %d-%d: %d passed, %d failed, %d unknown (%s)", r.Scenario, r.From, r.To-1, r.Passed, r.Failed, r.Unknown, r.Elapsed.Round(time.Millisecond))
}

// RequestCount is one kind of lifecycle request over a run.
type RequestCount struct {
	Kind                             string
	Sent, Acked, Refused, Unanswered int
}

// NamedCount is a count by name.
type NamedCount struct {
	Name  string
	Count int
}

// activity counts a run's lifecycle requests by kind and its dispatches by
// event name (with the backfill pages as "backfill pages"), kinds and
// names in the order first seen.
func activity(h *check.History) ([]RequestCount, []NamedCount) {
	var reqs []RequestCount
	reqIdx := map[string]int{} // lookups only
	type key struct {
		client uint32
		nonce  uint64
	}
	open := map[key]int{} // request -> index in reqs; lookups only
	var disp []NamedCount
	dispIdx := map[string]int{} // lookups only
	count := func(name string) {
		i, ok := dispIdx[name]
		if !ok {
			i = len(disp)
			dispIdx[name] = i
			disp = append(disp, NamedCount{Name: name})
		}
		disp[i].Count++
	}
	for _, rec := range h.Records {
		switch rec.Kind {
		case client.KindEdit, client.KindDelete, client.KindBulkDelete, client.KindReactAdd, client.KindReactRemove, client.KindPin, client.KindUnpin:
			name := rec.Kind.String()
			i, ok := reqIdx[name]
			if !ok {
				i = len(reqs)
				reqIdx[name] = i
				reqs = append(reqs, RequestCount{Kind: name})
			}
			reqs[i].Sent++
			reqs[i].Unanswered++
			open[key{rec.Client, rec.Seq}] = i
		case client.KindChangeAck, client.KindChangeFailed:
			i, ok := open[key{rec.Client, rec.Seq}]
			if !ok {
				continue
			}
			delete(open, key{rec.Client, rec.Seq})
			reqs[i].Unanswered--
			switch {
			case rec.Kind == client.KindChangeAck:
				reqs[i].Acked++
			case rec.ID == client.SendNotPermitted:
				reqs[i].Refused++
			default:
				reqs[i].Unanswered++ // a store error or a timeout: the outcome is unknown
			}
		case client.KindDispatch:
			if int(rec.Name) < len(h.EventNames) {
				count(h.EventNames[rec.Name])
			}
		case client.KindBackfill:
			count("backfill pages")
		}
	}
	return reqs, disp
}
