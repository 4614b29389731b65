package deploy_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// small is a whole system: every role, a generated population, half of it
// online.
func small(seed uint64) deploy.Topology {
	return deploy.Topology{
		Seed: seed, Regions: 2,
		StoreNodes: 3, GuildNodes: 2, GatewayNodes: 2, DataServiceNodes: 2,
		Population: deploy.Population{Guilds: 3, Channels: 2, Members: 8, OnlinePercent: 50, ExtraUsers: 1},
	}
}

func TestNodesByRoleInOrder(t *testing.T) {
	d, err := deploy.New(small(1))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range d.World.Nodes() {
		names = append(names, d.World.NodeName(n))
	}
	want := []string{"control", "store-0", "store-1", "store-2", "guild-0", "guild-1", "gateway-0", "gateway-1",
		"data-service-0", "data-service-1", "clients-0", "clients-1"}
	if !slices.Equal(names, want) {
		t.Fatalf("nodes %v, want %v", names, want)
	}
	// NodeNames says the same without a world.
	if listed, err := small(1).NodeNames(); err != nil || !slices.Equal(listed, names) {
		t.Fatalf("NodeNames: %v %v, want the world's %v", listed, err, names)
	}
	// The identify limiter must be where gateway.Options.LimiterNode says.
	if d.Control != d.Options.Gateway.LimiterNode || d.Control != d.World.Nodes()[0] {
		t.Fatalf("control node %d, limiter node %d: the control node must be node 0", d.Control, d.Options.Gateway.LimiterNode)
	}
	if got := len(d.Servers()); got != 10 {
		t.Fatalf("%d servers, want 10 (control, 3 store, 2 guild, 2 gateway, 2 data-service)", got)
	}
	// Nodes of a role are spread over the regions round robin.
	if r0, r1 := d.World.NodeRegion(d.Store[0]), d.World.NodeRegion(d.Store[1]); r0 == r1 {
		t.Fatalf("store-0 and store-1 both in %s: roles must spread over the regions", r0)
	}
}

func TestOptionsInEffect(t *testing.T) {
	top := small(1)
	top.Coordinator = store.CoordinatorOptions{ReplicationFactor: 2}
	d, err := deploy.New(top)
	if err != nil {
		t.Fatal(err)
	}
	o := d.Options
	// Defaults filled in, from each package's documented figures.
	if o.Gateway.HeartbeatInterval != 41250*sim.Millisecond || o.Gateway.ResumeBufferEvents == 0 {
		t.Errorf("gateway heartbeat %s, resume buffer %d: defaults not filled in", o.Gateway.HeartbeatInterval, o.Gateway.ResumeBufferEvents)
	}
	if o.Coordinator.ReplicationFactor != 2 || o.Coordinator.MaxPageSize != store.DefaultMaxPageSize {
		t.Errorf("coordinator: replication %d (want the 2 given), page %d (want the default)", o.Coordinator.ReplicationFactor, o.Coordinator.MaxPageSize)
	}
	if !slices.Equal(o.Coordinator.Nodes, d.Store) || !slices.Equal(o.Guild.StoreCoordinators, d.Store) || !slices.Equal(o.Guild.GuildNodes, d.Guild) {
		t.Errorf("wiring: coordinator nodes %v, guild coordinators %v, guild nodes %v", o.Coordinator.Nodes, o.Guild.StoreCoordinators, o.Guild.GuildNodes)
	}
	if o.Replica.Name != store.DefaultReplicaName || o.DataService.Name != store.DefaultDataServiceName {
		t.Errorf("replica name %q, data service name %q", o.Replica.Name, o.DataService.Name)
	}
	if len(o.Client.Gateways) != 2 || !slices.Equal(o.Client.Store, d.Store) || o.Client.DataServices != nil {
		t.Errorf("client config: %d gateways, store %v, data services %v: want both gateways and reads at the coordinators", len(o.Client.Gateways), o.Client.Store, o.Client.DataServices)
	}
	// The booted processes run with exactly these options.
	if err := d.RunUntil(sim.Second); err != nil {
		t.Fatal(err)
	}
	for _, n := range d.Store {
		c := d.Coordinator(n)
		if c == nil || d.Replica(n) == nil {
			t.Fatalf("node %d: no replica or coordinator after boot", n)
		}
		if got := len(c.ReplicasFor(store.PartitionKey{Channel: 1})); got != 2 {
			t.Errorf("node %d: %d replicas per key, want the replication factor 2", n, got)
		}
	}
}

func TestPopulation(t *testing.T) {
	d, err := deploy.New(small(3))
	if err != nil {
		t.Fatal(err)
	}
	p := d.Topology.Population
	// 3 guilds of 8 with stride 6: users 0-19.
	if p.Users() != 20 || len(d.Users) != 20 {
		t.Fatalf("%d users (%d listed), want 20", p.Users(), len(d.Users))
	}
	if len(d.Clients) != 10 {
		t.Fatalf("%d online clients, want 50%% of 20", len(d.Clients))
	}
	seen := map[uint64]bool{}
	for c, cl := range d.Clients {
		if seen[cl.User] || !slices.Contains(d.Users, cl.User) {
			t.Fatalf("client %d: user %d twice or not a member", c, cl.User)
		}
		seen[cl.User] = true
		if want := d.ClientNodes[c%len(d.Gateways)%len(d.ClientNodes)]; cl.Node != want {
			t.Fatalf("client %d on node %d, want %d", c, cl.Node, want)
		}
	}
	for g, spec := range d.Topology.Guilds {
		if len(spec.Members) != 8 || len(spec.Channels) != 2 {
			t.Fatalf("guild %d: %d members, %d channels", g, len(spec.Members), len(spec.Channels))
		}
		// Channel 0 is private to the guild's role.
		private := spec.Channels[0]
		if len(private.Overwrites) != 2 || private.Overwrites[1].ID != deploy.RoleOf(spec.ID) {
			t.Fatalf("guild %d: channel 0 overwrites %+v", g, private.Overwrites)
		}
	}
	// Consecutive guilds share a quarter of their members.
	if a, b := d.Topology.Guilds[0].Members[6].User, d.Topology.Guilds[1].Members[0].User; a != b {
		t.Fatalf("guild 0's member 6 is %d, guild 1's member 0 is %d: want the same user", a, b)
	}
	// Tokens: members and extra users identify; others do not.
	for _, u := range []uint64{deploy.UserID(0), deploy.UserID(19), p.ExtraUser(0)} {
		if info, ok := d.Topology.Tokens.Lookup(deploy.TokenOf(u)); !ok || info.UserID != u {
			t.Errorf("token of user %d: %v %v", u, info, ok)
		}
	}
	for _, tok := range []string{deploy.TokenOf(deploy.UserID(21)), "token-x", "token-0" + strings.TrimPrefix(deploy.TokenOf(deploy.UserID(1)), "token-")} {
		if _, ok := d.Topology.Tokens.Lookup(tok); ok {
			t.Errorf("token %q identifies: want refused", tok)
		}
	}
}

func TestEditGuildsBeforeTheDirectory(t *testing.T) {
	top := small(1)
	extra := deploy.UserID(500)
	top.EditGuilds = func(specs []*guild.Spec) { specs[0].Members = append(specs[0].Members, guild.Member{User: extra}) }
	d, err := deploy.New(top)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Topology.Guilds[0].Members); n != 9 {
		t.Fatalf("guild 0 has %d members after the edit, want 9", n)
	}
}

// The same topology and seed give the same run, event for event; another
// seed another run.
func TestSameSeedSameRun(t *testing.T) {
	run := func(seed uint64) uint64 {
		d, err := deploy.New(small(seed))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.RunUntil(20 * sim.Second); err != nil {
			t.Fatal(err)
		}
		return d.World.Fingerprint()
	}
	a, b, c := run(7), run(7), run(8)
	if a != b {
		t.Fatalf("seed 7: fingerprints %016x and %016x differ", a, b)
	}
	if a == c {
		t.Fatalf("seeds 7 and 8: same fingerprint %016x", a)
	}
}

// With ReadDataServices a client's history read goes to its channel's data
// service, which answers it from the store.
func TestReadThroughDataServices(t *testing.T) {
	for _, path := range []deploy.ReadPath{deploy.ReadCoordinators, deploy.ReadDataServices} {
		t.Run(path.String(), func(t *testing.T) {
			top := small(5)
			top.ReadPath = path
			d, err := deploy.New(top)
			if err != nil {
				t.Fatal(err)
			}
			g := d.Topology.Guilds[0]
			ch := g.Channels[1].ID
			var poster uint32
			for c, cl := range d.Clients {
				if slices.ContainsFunc(g.Members, func(m guild.Member) bool { return m.User == cl.User }) {
					poster = uint32(c)
					break
				}
			}
			pid := d.Clients[poster].PID
			d.At(10*sim.Second, "post", func() {
				d.World.Send(pid, client.SendMessage{Guild: g.ID, Channel: ch, Content: "hello", Nonce: 1})
			})
			d.At(12*sim.Second, "read", func() { d.World.Send(pid, client.ReadHistory{Channel: ch, Limit: 10}) })
			if err := d.RunUntil(20 * sim.Second); err != nil {
				t.Fatal(err)
			}
			var pages, msgs int
			for _, r := range d.Recorder.ForClient(poster) {
				switch r.Kind {
				case client.KindHistory:
					pages++
				case client.KindHistoryMessage:
					msgs++
				case client.KindHistoryFailed:
					t.Fatalf("the read failed")
				}
			}
			if pages != 1 || msgs != 1 {
				t.Fatalf("%d pages with %d messages, want the one page with the message posted", pages, msgs)
			}
			var dsReads, dsWrites uint64
			for _, n := range d.DataServices {
				dsReads += d.DataService(n).Stats().Reads
				dsWrites += d.DataService(n).Stats().Mutations
			}
			// The guild's write takes the readers' path: through the data
			// services (which then invalidate their cache) or not.
			if want := uint64(0); path == deploy.ReadDataServices {
				want = 1
				if dsWrites != want {
					t.Fatalf("data services forwarded %d writes, want the guild's %d", dsWrites, want)
				}
			} else if dsWrites != want {
				t.Fatalf("data services forwarded %d writes on the coordinators' path", dsWrites)
			}
			if want := uint64(0); path == deploy.ReadDataServices {
				want = 1
				if dsReads != want {
					t.Fatalf("data services got %d reads, want %d", dsReads, want)
				}
			} else if dsReads != want {
				t.Fatalf("data services got %d reads on the coordinators' path", dsReads)
			}
		})
	}
}

func TestBadTopologies(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*deploy.Topology)
		want string
	}{
		{"regions", func(t *deploy.Topology) { t.Regions = 17 }, "Topology.Regions 17"},
		{"negative nodes", func(t *deploy.Topology) { t.GatewayNodes = -1 }, "Topology.GatewayNodes -1"},
		{"guilds without store", func(t *deploy.Topology) { t.StoreNodes, t.DataServiceNodes = 0, 0 }, "needs storage nodes"},
		{"data-service path without them", func(t *deploy.Topology) { t.DataServiceNodes, t.ReadPath = 0, deploy.ReadDataServices }, "no data-service nodes"},
		{"population and specs", func(t *deploy.Topology) { t.Guilds = []*guild.Spec{{ID: 1}} }, "both Population and Guilds"},
		{"online share", func(t *deploy.Topology) { t.Population.OnlinePercent = 101 }, "OnlinePercent 101"},
		{"no members", func(t *deploy.Topology) { t.Population.Members = 0 }, "Population.Members 0"},
		{"online without gateways", func(t *deploy.Topology) { t.GatewayNodes = 0 }, "online users need gateway nodes"},
		{"extra without name", func(t *deploy.Topology) { t.Extra = []deploy.Extra{{}} }, "Extra[0]: needs a name"},
		{"driver without handler", func(t *deploy.Topology) { t.Driver = &deploy.Driver{Name: "x"} }, "Driver: needs a process name and a handler"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := small(1)
			tc.edit(&top)
			_, err := deploy.New(top)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
