package demo

import (
	"strconv"

	"github.com/guildsim/guildsim/sim"
)

func (t *topology) guildCount() int { return len(t.guilds) * t.opts.GuildsPerNode }

// guildHome places guild g on a node, round robin, under a registered name.
func (t *topology) guildHome(g int) (sim.NodeID, string) {
	return t.guilds[g%len(t.guilds)], "guild-" + strconv.Itoa(g/len(t.guilds))
}

func bootGuildNode(ctx *sim.Ctx, perNode int) {
	spec := sim.SupervisorSpec{MaxRestarts: 5, Period: 10 * sim.Second}
	for i := 0; i < perNode; i++ {
		name := "guild-" + strconv.Itoa(i)
		spec.Children = append(spec.Children, sim.ChildSpec{Name: name, Start: func() sim.Handler { return &guild{name: name} }})
	}
	ctx.Spawn("guild-sup", sim.NewSupervisor(spec))
}

// guild keeps its online members, fans every post out to them (declaring
// the CPU it costs), and appends posts to a log on disk, synced every second.
type guild struct {
	name    string
	members []sim.PID
	refs    []sim.MonitorRef
	nextID  uint64
	dirty   bool
}

// fanoutCost is the CPU of one send to a session (Discord, 2017: 30-70 µs).
const fanoutCost = 50 * sim.Microsecond

func (g *guild) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Register(g.name), "demo: guild name taken")
	if data, ok := ctx.Disk().ReadFile(g.name + ".log"); ok {
		g.nextID = uint64(len(data) / 8)
	}
	ctx.SetTimer(sim.Second, syncDue{})
}

func (g *guild) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case join:
		g.members = append(g.members, m.session)
		g.refs = append(g.refs, ctx.Monitor(m.session))
	case sim.Down:
		for i, r := range g.refs {
			if r == m.Ref {
				g.members = append(g.members[:i], g.members[i+1:]...)
				g.refs = append(g.refs[:i], g.refs[i+1:]...)
				break
			}
		}
	case post:
		g.nextID++
		var rec [8]byte
		for i := range rec {
			rec[i] = byte(g.nextID >> (8 * i))
		}
		ctx.Disk().Append(g.name+".log", rec[:])
		g.dirty = true
		mc := messageCreate{id: g.nextID, author: m.user}
		for _, s := range g.members {
			ctx.Send(s, mc)
		}
		ctx.Work(fanoutCost * sim.Duration(len(g.members)))
		if ctx.Buggify("guild-slow-fanout") {
			ctx.Work(20 * sim.Millisecond)
		}
		if ctx.Buggify("guild-crash") {
			ctx.Exit("buggify-crash")
		}
	case syncDue:
		if g.dirty {
			ctx.Disk().Sync(g.name + ".log")
			g.dirty = false
		}
		ctx.SetTimer(sim.Second, syncDue{})
	}
}
