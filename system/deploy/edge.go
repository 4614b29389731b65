package deploy

import (
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
)

// Edge is a driving process that sends, from the driver node, what it is
// told to: a scenario's API edge (membership and permission changes, sent
// to guild processes), a test's script (a dispatch to one session, a drain
// to a gateway's listener). Sending from a process of the driver node,
// rather than from a world action, makes the message cross the network
// like a real peer's, and the driver node is one faults leave alone. Set
// it as Topology.Driver's handler and drive it with Forward and ToGuild.
type Edge struct {
	// OnReply, when set, gets every message the edge receives that is not
	// a Forward: the guilds' answers (guild.MessageCreated, ...).
	OnReply func(msg any)
}

// Forward asks an Edge to send Msg to process To, or, when To is zero, to
// the process named Name on Node.
type Forward struct {
	To   sim.PID
	Node sim.NodeID
	Name string
	Msg  any
}

func (e *Edge) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case Forward:
		if m.To != 0 {
			ctx.Send(m.To, m.Msg)
		} else {
			ctx.SendNamed(m.Node, m.Name, m.Msg)
		}
	default:
		if e.OnReply != nil {
			e.OnReply(msg)
		}
	}
}

// Forward makes the driver's Edge send f, now: call it from a world action
// (At), when what it names (a client's current session, say) is known.
func (d *Deployment) Forward(f Forward) {
	dr := d.Topology.Driver
	sim.Assert(dr != nil, "deploy: Forward needs Topology.Driver")
	_, ok := dr.Handler.(*Edge)
	sim.Assert(ok, "deploy: Forward needs an *Edge as Topology.Driver's handler")
	d.World.Send(d.DriverPID, f)
}

// ToGuild makes the driver's Edge send msg to guild id's process, on the
// node the placement names at elapsed time e.
func (d *Deployment) ToGuild(e sim.Duration, id uint64, msg any) {
	d.At(e, "edge", func() {
		d.Forward(Forward{Node: d.Cluster.Placement().NodeOf(id), Name: guild.ProcessName(id), Msg: msg})
	})
}

// UserTokens knows the token TokenOf(UserID(u)) of every u < users, without
// a table: for callers that give Guilds rather than a Population (a
// memory benchmark of a million clients would otherwise measure a map).
func UserTokens(users int) gateway.TokenFunc { return populationTokens(users) }
