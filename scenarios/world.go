package scenarios

import (
	"slices"

	"github.com/guildsim/guildsim/faults"
	"github.com/guildsim/guildsim/scenarios/check"
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// World is one scenario's assembled system and its ground truth: what the
// scenario's hooks (workload, faults) act on. Everything in it is decided
// from the options and the seed before the run starts. The system itself
// is a deploy.Deployment; the fields below name its parts as scenarios use
// them.
type World struct {
	D       *deploy.Deployment
	W       *sim.World
	Opts    Options
	Rec     *client.Recorder
	Cluster *guild.Cluster

	Control  sim.NodeID   // the identify limiter's node
	Store    []sim.NodeID // storage nodes (replica + coordinator)
	Guild    []sim.NodeID // guild nodes
	Gateways []sim.NodeID // gateway nodes (with partitioners)
	Clients  []sim.NodeID // one client node per region
	Driver   sim.NodeID   // the scenario's API edge (membership changes)

	Guilds []GuildInfo
	// Access, Send and Manage are the permission timelines the checkers
	// judge by (check.Truth): who may see, post in (and react in), and
	// delete others' messages of which channel when. build fills them from
	// the generated population; a workload that changes roles, overwrites
	// or membership must keep them true (Grant from when the change is
	// surely applied, Revoke at the instant it is issued), or use Kick and
	// Readd, which do it.
	Access *check.Access
	Send   *check.Access
	Manage *check.Access

	// Reads are every history read the scenario asked, for check.History.
	Reads []check.ReadCall
	// receivesNot lists clients that must not be expected to get
	// MESSAGE_CREATE (check.Truth.Receives).
	receivesNot map[uint32]bool
	// passiveGuilds are the guilds whose sessions start passive
	// (guild.Options.PassiveThreshold): their members get CHANNEL_UNREAD,
	// not MESSAGE_CREATE, until they open the guild.
	passiveGuilds map[uint64]bool
	guildOf       map[uint64]uint64 // channel -> guild, built by GuildOf

	nonce    uint64
	lastRead []sim.Time // per client: when its last read was asked
	posts    map[uint64]int
	// removals are the members removed from guilds (Removed, Readded),
	// for check.Truth.Removals.
	removals      []check.Removal
	pendingReadds []check.Removal // Readded: User, Guild, Until
}

// GuildInfo is one guild of the scenario.
type GuildInfo struct {
	ID       uint64
	Channels []uint64 // Channels[0] is private to Role
	Role     uint64
	Members  []uint64 // users
	Online   []uint32 // clients of members
}

// readSpacing keeps a client's reads apart: at most one in flight per
// client (the checkers match reads to pages by order), and a read is
// answered or fails within the store client's timeout (10 s).
const readSpacing = store.DefaultClientTimeout + 2*sim.Second

// dataServiceNodes is the size of the data-service tier when reads go
// through it (--read-path data-services): enough for the ring to spread
// channels and for one instance's crash to move only its share (GUESS).
const dataServiceNodes = 3

// nodes is the part of the deployment the options decide alone: regions,
// nodes by role and the read path (what a fault schedule may name).
func (o Options) nodes() deploy.Topology {
	rp, err := deploy.ParseReadPath(o.ReadPath)
	sim.Assert(err == nil, "scenarios: the read path was validated")
	t := deploy.Topology{Regions: o.Regions, StoreNodes: o.StoreNodes, GuildNodes: o.GuildNodes, GatewayNodes: o.GatewayNodes, ReadPath: rp}
	if rp == deploy.ReadDataServices {
		t.DataServiceNodes = dataServiceNodes
	}
	return t
}

// topology is the deployment a scenario's options describe: a control
// node with the identify limiter, storage, guild and gateway nodes (and
// data services, when reads go through them) spread over the regions, a
// client node per region, a driver node for the scenario's API edge, and
// deploy's generated population.
func topology(s *Scenario, seed uint64, o Options, buggify bool) deploy.Topology {
	t := o.nodes()
	t.Seed, t.Buggify = seed, buggify
	t.Population = deploy.Population{Guilds: o.Guilds, Channels: o.Channels, Members: o.Members,
		OnlinePercent: o.OnlinePercent, ExtraUsers: extraUsers}
	t.Guild = s.Guild
	t.Guild.Fanout = o.Fanout
	t.Guild.WriteConsistency = consistencies[o.Consistency]
	t.Replica = store.ReplicaOptions{Engine: store.Options{Sync: syncPolicies[o.StoreSync]}}
	// Clients read what a resync skipped (client.Config.Backfill): the
	// liveness checker requires it. A run without resyncs reads nothing
	// more.
	t.Client.Backfill = true
	ts, err := store.ParseTimestamps(o.Timestamps)
	sim.Assert(err == nil, "scenarios: the timestamps were validated")
	t.Coordinator.Timestamps = ts
	if s.Deploy != nil {
		s.Deploy(seed, &t)
	}
	return t
}

// build assembles the world through deploy and derives the scenario's
// truth from the guilds it generated: who may see which channel.
func build(s *Scenario, seed uint64, o Options, buggify bool) (*World, error) {
	sw := &World{Opts: o, Access: check.NewAccess(), Send: check.NewAccess(), Manage: check.NewAccess(),
		receivesNot: map[uint32]bool{}, posts: map[uint64]int{}}
	t := topology(s, seed, o, buggify)
	t.Driver = &deploy.Driver{Name: "edge", Handler: &deploy.Edge{OnReply: sw.onEdgeReply}}
	if s.Spec != nil {
		t.EditGuilds = func(specs []*guild.Spec) { s.Spec(sw, specs) }
	}
	d, err := deploy.New(t)
	if err != nil {
		return nil, err
	}
	sw.D, sw.W, sw.Rec, sw.Cluster = d, d.World, d.Recorder, d.Cluster
	sw.Control, sw.Store, sw.Guild, sw.Gateways, sw.Clients, sw.Driver = d.Control, d.Store, d.Guild, d.Gateways, d.ClientNodes, d.Driver
	for _, spec := range d.Topology.Guilds {
		gi := GuildInfo{ID: spec.ID, Role: deploy.RoleOf(spec.ID)}
		for _, ch := range spec.Channels {
			gi.Channels = append(gi.Channels, ch.ID)
		}
		for _, m := range spec.Members {
			gi.Members = append(gi.Members, m.User)
			for c, ch := range gi.Channels {
				// Channel 0 is private to the guild's role (deploy.Population).
				if c != 0 || slices.Contains(m.Roles, gi.Role) {
					sw.grant(m.User, ch, slices.Contains(m.Roles, gi.Role), sim.Time(0))
				}
			}
		}
		sw.Guilds = append(sw.Guilds, gi)
	}
	sw.lastRead = make([]sim.Time, len(d.Clients))
	for c := range sw.lastRead {
		sw.lastRead[c] = -1
	}
	for g := range sw.Guilds {
		gi := &sw.Guilds[g]
		for c, ci := range d.Clients {
			for _, m := range gi.Members {
				if m == ci.User {
					gi.Online = append(gi.Online, uint32(c))
				}
			}
		}
	}
	return sw, nil
}

// grant records that user may see and post in channel ch (the generated
// population's @everyone permissions) from `from` on, and, with manage
// (the guild's role: MANAGE_MESSAGES), delete others' messages there.
func (sw *World) grant(user, ch uint64, manage bool, from sim.Time) {
	sw.Access.Grant(user, ch, from, check.Forever)
	sw.Send.Grant(user, ch, from, check.Forever)
	if manage {
		sw.Manage.Grant(user, ch, from, check.Forever)
	}
}

// revoke ends user's grants of channel ch, in every timeline, at at.
func (sw *World) revoke(user, ch uint64, at sim.Time) {
	sw.Access.Revoke(user, ch, at)
	sw.Send.Revoke(user, ch, at)
	sw.Manage.Revoke(user, ch, at)
}

// extraUsers are tokens beyond the guilds' members, for users a scenario
// adds (celebrity-join's celebrity).
const extraUsers = 4

// ExtraUser returns the user ID of extra user k (0 <= k < 4): not a member
// of any guild at the start, with a token.
func (sw *World) ExtraUser(k int) uint64 { return sw.D.Topology.Population.ExtraUser(k) }

// AddClient starts a client for user, on the client node of its region,
// and returns its id.
func (sw *World) AddClient(user uint64) uint32 {
	sw.lastRead = append(sw.lastRead, -1)
	return sw.D.AddUser(user)
}

// UserOf returns client c's user.
func (sw *World) UserOf(c uint32) uint64 { return sw.D.Clients[c].User }

// At runs fn at elapsed time d of the run.
func (sw *World) At(d sim.Duration, label string, fn func()) {
	sw.W.At(sim.DefaultStart.Add(d), label, fn)
}

// Post makes client c post in channel ch of guild g at elapsed time d,
// unless the channel already has MaxPerChannel posts planned. It returns
// whether the post was planned.
func (sw *World) Post(d sim.Duration, c uint32, g int, ch uint64) bool {
	if sw.posts[ch] >= sw.Opts.MaxPerChannel {
		return false
	}
	sw.posts[ch]++
	sw.nonce++
	msg := client.SendMessage{Guild: sw.Guilds[g].ID, Channel: ch, Content: "hello", Nonce: sw.nonce}
	pid := sw.D.Clients[c].PID
	sw.At(d, "post", func() { sw.W.Send(pid, msg) })
	return true
}

// Read makes client c read channel ch's latest page at elapsed time d,
// unless it asked for another read less than readSpacing before (one read
// in flight per client). It returns whether the read was planned.
func (sw *World) Read(d sim.Duration, c uint32, ch uint64) bool {
	return sw.ReadLimit(d, c, ch, pageLimit)
}

// ReadLimit is Read of the latest limit (1-100) messages: a page that may
// not reach the whole channel (the store then reads past deleted messages
// to fill it: short read protection).
func (sw *World) ReadLimit(d sim.Duration, c uint32, ch uint64, limit int) bool {
	at := sim.DefaultStart.Add(d)
	if last := sw.lastRead[c]; last >= 0 && (at < last || at.Sub(last) < readSpacing) {
		return false
	}
	sw.lastRead[c] = at
	sw.Reads = append(sw.Reads, check.ReadCall{Client: c, Channel: ch, Limit: limit, At: at})
	pid := sw.D.Clients[c].PID
	rh := client.ReadHistory{Channel: ch, Limit: limit, Consistency: consistencies[sw.Opts.ReadConsistency]}
	sw.W.At(at, "read", func() { sw.W.Send(pid, rh) })
	return true
}

// pageLimit is every read's page size: the store's maximum, so one page is a
// whole channel of at most MaxPerChannel messages.
const pageLimit = 100

// ToGuild makes the driver send msg to guild g's process at elapsed time d
// (membership and permission changes: the API edge's job).
func (sw *World) ToGuild(d sim.Duration, g int, msg any) {
	sw.D.ToGuild(d, sw.Guilds[g].ID, msg)
}

// GuildOf returns the guild of channel ch (0 if none).
func (sw *World) GuildOf(ch uint64) uint64 {
	if sw.guildOf == nil {
		sw.guildOf = map[uint64]uint64{}
		for _, gi := range sw.Guilds {
			for _, c := range gi.Channels {
				sw.guildOf[c] = gi.ID
			}
		}
	}
	return sw.guildOf[ch]
}

// CanSee says whether client c's user may see channel ch at the start.
func (sw *World) CanSee(c uint32, ch uint64) bool {
	return sw.Access.CanSee(sw.UserOf(c), ch, sim.DefaultStart)
}

// NotReceiving marks client c as one that is not meant to get
// MESSAGE_CREATE (check.Truth.Receives), with the scenario's reason in its
// documentation.
func (sw *World) NotReceiving(c uint32) { sw.receivesNot[c] = true }

// servers are every node but the clients' and the driver's: what faults may
// touch in most scenarios.
func (sw *World) servers() []sim.NodeID { return sw.D.Servers() }

// Forever is the end of a grant that is never revoked.
func Forever() sim.Time { return check.Forever }

// stateLossGrace is how long after a disk stopped lying a crash still loses
// what its node acknowledged: a storage node syncs its commit log at least
// every 10 s (store.DefaultSyncPeriod under SyncPeriodic; under SyncPerBatch
// with every write, if it gets one), and a guild rewrites its ID reservation
// within 10 s of minting (guild's idReserveAhead).
const stateLossGrace = store.DefaultSyncPeriod

// Budget is the fault budget of the system this world runs, as its
// subsystems' docs state it (system/store/doc.go, "Fault budget"): the
// storage nodes hold replicas of every message (replication factor 3,
// QUORUM), so one of them may lose state while the others are up; a guild
// node's disk holds the only copy of its guilds' snowflake reservations,
// so no guild node may lose state.
func (sw *World) Budget() faults.Budget {
	return faults.Budget{
		Groups: []faults.BudgetGroup{
			{Name: "store", Nodes: sw.D.Store, Tolerance: faults.OneReplica},
			{Name: "guild", Nodes: sw.D.Guild, Tolerance: faults.SoleCopy},
		},
		StateLossGrace: stateLossGrace,
	}
}
