package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
)

// Fanout comparison (guildsim compare, reference §6): the same workload in
// the same world, built from the same seed, under each fanout strategy and
// guild size; only the strategy differs between the runs of one size.
//
// The world of one run (RunCompare): a control node (identify limiter), 3
// storage nodes, CompareGuildNodes guild nodes, one gateway node (with its
// partitioner) per CompareSessionsPerGateway members (at least 2), one
// client node and nothing else. One guild, two channels, Members members,
// every one online with a full client (gateway session, heartbeats), the
// whole stack the scenarios use: latencies are read from the clients'
// records, not from inside the system.
//
// The workload, at fixed offsets that depend on the size only:
//
//  1. t=0: every client dials its gateway (round robin) and identifies; the
//     guild sends each session GUILD_CREATE.
//  2. joinBy (compareJoinBy): every client must have GUILD_CREATE (else the
//     run fails). OpenPercent of the clients (every tenth, client 0, the
//     poster, among them) open the guild (op 14): under a passive strategy
//     only they get MESSAGE_CREATE; under the others op 14 changes nothing,
//     but every strategy gets the same requests.
//  3. From joinBy+1s, client 0 posts Messages messages MessageEvery apart in
//     the public channel: with a slow strategy, later messages queue behind
//     the fanout of earlier ones, which the latencies show.
//  4. The run ends compareTail after the last post.
//
// Figures: latency is from the poster's send record to each client's
// MESSAGE_CREATE record (true time); network messages are the process
// messages between nodes (sim Stats.DistMessages) from just before the first
// post to the end (posts, store writes and replication, acks and the
// fanout; client streams are not counted: one segment per delivery under
// every strategy); guild busy is the CPU the guild process declared in the
// same span, and the busy share divides it by the span from the first post
// to the last MESSAGE_CREATE.

// CompareStrategy is one fanout strategy of the comparison: a name a user
// types and the guild options it sets.
type CompareStrategy struct {
	Name        string
	Description string
	// Passive says that sessions start passive (see guild.Options
	// PassiveThreshold): only clients that opened the guild get
	// MESSAGE_CREATE; the others get one CHANNEL_UNREAD.
	Passive bool
	guild   guild.Options
}

// comparePassiveThreshold makes every compared guild "large" for the
// passive strategies, so that a strategy means the same at every size.
// Discord's figure is 75,000 members (guild.Options.PassiveThreshold): with
// it, guilds of 1,000 and 10,000 members would behave as relays.
const comparePassiveThreshold = 1

// CompareStrategies are the strategies guildsim compare knows, in this order.
func CompareStrategies() []CompareStrategy {
	return []CompareStrategy{
		{Name: "direct", Description: "the guild sends one message per session",
			guild: guild.Options{Fanout: guild.FanoutDirect}},
		{Name: "per-node", Description: "Manifold: one message per gateway node, whose partitioner's workers send to sessions",
			guild: guild.Options{Fanout: guild.FanoutPerNode}},
		{Name: "relays", Description: "relays of up to 15,000 sessions on the guild nodes send to sessions",
			guild: guild.Options{Fanout: guild.FanoutRelays}},
		{Name: "relays+per-node", Description: "relays that send per gateway node (relays + Manifold)",
			guild: guild.Options{Fanout: guild.FanoutRelays, RelaysPerNode: true}},
		{Name: "relays+passive", Description: "relays; sessions start passive: only members who opened the guild get MESSAGE_CREATE, the others one CHANNEL_UNREAD",
			Passive: true, guild: guild.Options{Fanout: guild.FanoutRelays, PassiveThreshold: comparePassiveThreshold}},
	}
}

// LookupCompareStrategy returns the strategy called name.
func LookupCompareStrategy(name string) (CompareStrategy, error) {
	var names []string
	for _, s := range CompareStrategies() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return CompareStrategy{}, fmt.Errorf("guildsim: --strategies %q: unknown strategy: want one of %s", name, strings.Join(names, ", "))
}

// CompareOptions are a comparison's sizes, strategies and workload. Zero
// fields take the defaults in brackets.
type CompareOptions struct {
	_ struct{} // keyed literals only

	// Members are the guild sizes [1000, 10000, 100000; each 1-1000000, no
	// repeats].
	Members []int
	// Strategies are strategy names [direct, per-node, relays,
	// relays+passive; see CompareStrategies, no repeats].
	Strategies []string
	// Messages is how many messages the poster sends [5; 1-100], one every
	// MessageEvery [2s; 1ms-1m].
	Messages     int
	MessageEvery sim.Duration
	// OpenPercent is the share of clients that open the guild [10; 1-100]:
	// under a passive strategy, the ones that get MESSAGE_CREATE.
	OpenPercent int
}

// Comparison defaults and bounds.
const (
	MaxCompareMembers = 1_000_000
	// CompareSessionsPerGateway is how many members share a gateway node
	// (GUESS: about 10,000 sessions per node, as in the guild benchmark).
	CompareSessionsPerGateway = 10_000
	// CompareGuildNodes and CompareStoreNodes are the world's guild and
	// storage nodes.
	CompareGuildNodes = 4
	CompareStoreNodes = 3
)

// DefaultCompareMembers and DefaultCompareStrategies are what guildsim
// compare runs without flags.
var (
	DefaultCompareMembers    = []int{1000, 10_000, 100_000}
	DefaultCompareStrategies = []string{"direct", "per-node", "relays", "relays+passive"}
)

// Validate fills defaults and rejects values out of range, naming the flag
// as a user types it.
func (o *CompareOptions) Validate() error {
	if o.Members == nil {
		o.Members = slices.Clone(DefaultCompareMembers)
	}
	if o.Strategies == nil {
		o.Strategies = slices.Clone(DefaultCompareStrategies)
	}
	if o.Messages == 0 {
		o.Messages = 5
	}
	if o.MessageEvery == 0 {
		o.MessageEvery = 2 * sim.Second
	}
	if o.OpenPercent == 0 {
		o.OpenPercent = 10
	}
	if len(o.Members) == 0 {
		return fmt.Errorf("guildsim: --members: empty: list at least one guild size, e.g. 1000,10000")
	}
	for i, m := range o.Members {
		if m < 1 || m > MaxCompareMembers {
			return fmt.Errorf("guildsim: --members %d: must be between 1 and %d", m, MaxCompareMembers)
		}
		if slices.Contains(o.Members[:i], m) {
			return fmt.Errorf("guildsim: --members %d: listed twice", m)
		}
	}
	if len(o.Strategies) == 0 {
		return fmt.Errorf("guildsim: --strategies: empty: list at least one strategy, e.g. direct,relays")
	}
	for i, s := range o.Strategies {
		if _, err := LookupCompareStrategy(s); err != nil {
			return err
		}
		if slices.Contains(o.Strategies[:i], s) {
			return fmt.Errorf("guildsim: --strategies %q: listed twice", s)
		}
	}
	switch {
	case o.Messages < 1 || o.Messages > 100:
		return fmt.Errorf("guildsim: --messages %d: must be between 1 and 100", o.Messages)
	case o.MessageEvery < sim.Millisecond || o.MessageEvery > sim.Minute:
		return fmt.Errorf("guildsim: --message-every %s: must be between 1ms and 1m", o.MessageEvery)
	case o.OpenPercent < 1 || o.OpenPercent > 100:
		return fmt.Errorf("guildsim: --open-percent %d: must be between 1 and 100", o.OpenPercent)
	}
	return nil
}

// CompareRun is one (strategy, size) run of a comparison.
type CompareRun struct {
	Strategy string
	Members  int
	Seed     uint64

	// The world: gateway and guild nodes.
	GatewayNodes, GuildNodes int
	// Messages were posted, Acked acknowledged to the poster.
	Messages, Acked int
	// Recipients is how many clients should get each message's
	// MESSAGE_CREATE (every member, or under a passive strategy those who
	// opened the guild); Deliveries how many first receipts there were in
	// all (at most Acked * Recipients), Duplicates receipts beyond the first
	// of one message by one client, Unexpected receipts by clients that
	// should not have had one. Unread counts CHANNEL_UNREAD receipts.
	Recipients int
	Deliveries int
	Duplicates int
	Unexpected int
	Unread     int
	// Latencies are every delivery's latency, sorted.
	Latencies []sim.Duration
	// NetworkMessages are process messages between nodes from just before
	// the first post to the end of the run.
	NetworkMessages uint64
	// GuildBusy is the guild process's declared CPU over the same span;
	// Span runs from the first post to the last MESSAGE_CREATE.
	GuildBusy sim.Duration
	Span      sim.Duration

	Events      uint64
	Fingerprint uint64
	Virtual     sim.Duration
	Elapsed     time.Duration
	// Err is a failure to build or run the world, or a world that did not
	// reach the workload (clients not joined by joinBy).
	Err error
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of the
// latencies, 0 when there are none.
func (r CompareRun) Percentile(p int) sim.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	k := (len(r.Latencies)*p + 99) / 100
	return r.Latencies[max(k, 1)-1]
}

// MessagesPerDelivery is NetworkMessages / Deliveries (0 without
// deliveries).
func (r CompareRun) MessagesPerDelivery() float64 {
	if r.Deliveries == 0 {
		return 0
	}
	return float64(r.NetworkMessages) / float64(r.Deliveries)
}

// BusyShare is GuildBusy / Span (0 for an empty span).
func (r CompareRun) BusyShare() float64 {
	if r.Span <= 0 {
		return 0
	}
	return float64(r.GuildBusy) / float64(r.Span)
}

// compareJoinBy is when every client must have joined the guild: 5 s for
// connecting and identifying, plus 100 µs a member (the slowest strategy,
// direct, spends 50 µs of the guild's CPU on each GUILD_CREATE; relays the
// same on each relayAdd).
func compareJoinBy(members int) sim.Duration {
	return 5*sim.Second + sim.Duration(members)*100*sim.Microsecond
}

// compareTail is how long the run goes on after the last post: 10 s, plus
// 60 µs per member and message (direct needs 50 µs of the guild's CPU per
// session and message, and its messages queue one behind the other).
func compareTail(members, messages int) sim.Duration {
	return 10*sim.Second + sim.Duration(members)*sim.Duration(messages)*60*sim.Microsecond
}

// RunCompare runs one strategy at one guild size with seed. o must have
// been validated. Runs are independent: a caller may run several at once.
func RunCompare(strategy string, members int, seed uint64, o CompareOptions) CompareRun {
	start := time.Now()
	res := CompareRun{Strategy: strategy, Members: members, Seed: seed, Messages: o.Messages}
	s, err := LookupCompareStrategy(strategy)
	if err != nil {
		res.Err = err
		return res
	}
	cw, err := buildCompare(s, members, seed, o)
	if err != nil {
		res.Err = err
		return res
	}
	res.GatewayNodes, res.GuildNodes = cw.gateways, CompareGuildNodes
	cw.run(&res)
	res.Events, res.Fingerprint, res.Virtual = cw.w.Events(), cw.w.Fingerprint(), cw.w.Elapsed()
	res.Elapsed = time.Since(start)
	return res
}

// compareWorld is one run's world and what the measurement needs of it.
type compareWorld struct {
	d        *deploy.Deployment
	w        *sim.World
	o        CompareOptions
	s        CompareStrategy
	members  int
	gateways int
	cluster  *guild.Cluster
	rec      *client.Recorder
	pids     []sim.PID
	guildID  uint64
	channel  uint64
}

func buildCompare(s CompareStrategy, members int, seed uint64, o CompareOptions) (*compareWorld, error) {
	cw := &compareWorld{o: o, s: s, members: members, guildID: deploy.GuildID(0)}
	cw.gateways = max(2, (members+CompareSessionsPerGateway-1)/CompareSessionsPerGateway)
	// Channel 1 is the one posted in; channel 2 exists so that the guild is
	// not a single channel (the unread marks are per channel).
	cw.channel = cw.guildID + 1
	spec := &guild.Spec{
		ID: cw.guildID, Owner: deploy.UserID(0),
		Everyone: guild.PermViewChannel | guild.PermSendMessages | guild.PermReadMessageHistory,
		Channels: []guild.Channel{{ID: cw.channel}, {ID: cw.guildID + 2}},
		Members:  make([]guild.Member, members),
	}
	tokens := make(gateway.TokenMap, members)
	for i := range members {
		spec.Members[i] = guild.Member{User: deploy.UserID(i)}
		tokens[deploy.TokenOf(deploy.UserID(i))] = gateway.TokenInfo{UserID: deploy.UserID(i)}
	}
	d, err := deploy.New(deploy.Topology{
		Seed:       seed,
		StoreNodes: CompareStoreNodes, GuildNodes: CompareGuildNodes, GatewayNodes: cw.gateways,
		Guilds: []*guild.Spec{spec}, Tokens: tokens, Guild: s.guild,
	})
	if err != nil {
		return nil, err
	}
	cw.d, cw.w, cw.cluster, cw.rec = d, d.World, d.Cluster, d.Recorder
	cw.pids = make([]sim.PID, members)
	for i := range members {
		c := d.AddClient(deploy.UserID(i), client.Device{Token: deploy.TokenOf(deploy.UserID(i)), Gateway: i % cw.gateways})
		cw.pids[i] = d.Clients[c].PID
	}
	return cw, nil
}

// opens says whether client i opens the guild: every (100/OpenPercent)-th
// client, spread evenly, client 0 (the poster) first.
func (cw *compareWorld) opens(i int) bool {
	return i*cw.o.OpenPercent/100 != (i-1)*cw.o.OpenPercent/100 || i == 0
}

// passive says whether the guild's sessions start passive under this
// strategy and size (guild.Options.PassiveThreshold: more members than it).
func (cw *compareWorld) passive() bool {
	return cw.s.Passive && cw.members > comparePassiveThreshold
}

// run plays the workload and fills res's figures.
func (cw *compareWorld) run(res *CompareRun) {
	w, o := cw.w, cw.o
	joinBy := compareJoinBy(cw.members)
	firstPost := joinBy + sim.Second
	lastPost := firstPost + sim.Duration(o.Messages-1)*o.MessageEvery
	end := lastPost + compareTail(cw.members, o.Messages)
	at := func(d sim.Duration) sim.Time { return sim.DefaultStart.Add(d) }

	if err := w.RunUntil(at(joinBy)); err != nil {
		res.Err = err
		return
	}
	if joined := cw.count(gateway.EventGuildCreate); joined < cw.members {
		res.Err = fmt.Errorf("scenarios: compare %s, %d members: %d clients had GUILD_CREATE %s after the start, want all", cw.s.Name, cw.members, joined, joinBy)
		return
	}
	for i, pid := range cw.pids {
		if cw.opens(i) {
			w.Send(pid, client.OpenGuild{GuildID: cw.guildID})
		}
	}
	for k := range o.Messages {
		msg := client.SendMessage{Guild: cw.guildID, Channel: cw.channel, Content: "hello", Nonce: uint64(k + 1)}
		w.At(at(firstPost+sim.Duration(k)*o.MessageEvery), "post", func() { w.Send(cw.pids[0], msg) })
	}
	if err := w.RunUntil(at(firstPost - sim.Millisecond)); err != nil {
		res.Err = err
		return
	}
	g := cw.cluster.Guild(cw.guildID)
	busy0, dist0 := g.Stats().Busy, w.Stats().DistMessages
	if err := w.RunUntil(at(end)); err != nil {
		res.Err = err
		return
	}
	res.GuildBusy = g.Stats().Busy - busy0
	res.NetworkMessages = w.Stats().DistMessages - dist0
	cw.measure(res)
}

// count returns how many clients have received event at least once.
func (cw *compareWorld) count(event string) int {
	seen := make([]bool, cw.members)
	n := 0
	cw.rec.Each(func(r client.Record) {
		if r.Kind == client.KindDispatch && !seen[r.Client] && cw.rec.EventName(r.Name) == event {
			seen[r.Client] = true
			n++
		}
	})
	return n
}

// measure reads the clients' records: the poster's sends and acks, and every
// client's MESSAGE_CREATE and CHANNEL_UNREAD.
func (cw *compareWorld) measure(res *CompareRun) {
	msgs := cw.o.Messages
	sentAt := make([]sim.Time, msgs)
	var ids []uint64 // acked IDs; index k for nonce k+1
	idx := map[uint64]int{}
	cw.rec.Each(func(r client.Record) {
		if r.Client != 0 || r.Seq < 1 || r.Seq > uint64(msgs) {
			return
		}
		switch r.Kind {
		case client.KindSend:
			sentAt[r.Seq-1] = r.At
		case client.KindSendAck:
			idx[r.ID] = int(r.Seq - 1)
			ids = append(ids, r.ID)
		}
	})
	res.Acked = len(ids)
	passive := cw.passive()
	res.Recipients = cw.members
	if passive {
		res.Recipients = 0
		for i := range cw.members {
			if cw.opens(i) {
				res.Recipients++
			}
		}
	}
	got := make([]uint8, cw.members*msgs)
	var first, last sim.Time
	for _, t := range sentAt {
		if t != 0 && (first == 0 || t < first) {
			first = t
		}
	}
	cw.rec.Each(func(r client.Record) {
		if r.Kind != client.KindDispatch {
			return
		}
		switch cw.rec.EventName(r.Name) {
		case guild.EventChannelUnread:
			res.Unread++
		case gateway.EventMessageCreate:
			k, ok := idx[r.ID]
			if !ok {
				return
			}
			c := int(r.Client)
			if got[c*msgs+k]++; got[c*msgs+k] > 1 {
				res.Duplicates++
				return
			}
			if passive && !cw.opens(c) {
				res.Unexpected++
			}
			res.Deliveries++
			res.Latencies = append(res.Latencies, r.At.Sub(sentAt[k]))
			last = max(last, r.At)
		}
	})
	slices.Sort(res.Latencies)
	if first != 0 && last > first {
		res.Span = last.Sub(first)
	}
}

// Complete says whether every acknowledged message reached every client it
// should have, exactly once, and nobody else, and every post was
// acknowledged.
func (r CompareRun) Complete() bool {
	return r.Err == nil && r.Acked == r.Messages && r.Deliveries == r.Acked*r.Recipients && r.Duplicates == 0 && r.Unexpected == 0
}

// String is one line: the pair, the figures, and what went wrong.
func (r CompareRun) String() string {
	if r.Err != nil {
		return fmt.Sprintf("%-16s %8d members: error: %v", r.Strategy, r.Members, r.Err)
	}
	return fmt.Sprintf("%-16s %8d members: p50 %s p99 %s max %s, %d/%d acked, %d deliveries (%d per message), %d duplicates, %d unread, %.3f network messages/delivery, guild busy %s (%.1f%% of %s), %d events, %s wall",
		r.Strategy, r.Members, r.Percentile(50), r.Percentile(99), r.Percentile(100), r.Acked, r.Messages, r.Deliveries, r.Recipients,
		r.Duplicates, r.Unread, r.MessagesPerDelivery(), r.GuildBusy, 100*r.BusyShare(), r.Span, r.Events, r.Elapsed.Round(time.Millisecond))
}
