package deploy_test

import (
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
)

// TestEdgeForwards: the driver's Edge sends what it is told, from its own
// process, to a process by PID or by name, and hands the answers to
// OnReply.
func TestEdgeForwards(t *testing.T) {
	var replies []any
	d, err := deploy.New(deploy.Topology{Seed: 1, Extra: []deploy.Extra{{Name: "peer"}},
		Driver: &deploy.Driver{Name: "edge", Handler: &deploy.Edge{OnReply: func(msg any) { replies = append(replies, msg) }}}})
	if err != nil {
		t.Fatal(err)
	}
	e := &echo{}
	peer := d.World.Spawn(d.Extra[0], "echo", e)
	d.At(sim.Second, "by-pid", func() { d.Forward(deploy.Forward{To: peer, Msg: "by pid"}) })
	d.At(2*sim.Second, "by-name", func() { d.Forward(deploy.Forward{Node: d.Extra[0], Name: "echo", Msg: "by name"}) })
	if err := d.RunUntil(3 * sim.Second); err != nil {
		t.Fatal(err)
	}
	if want := []string{"by pid", "by name"}; !slices.Equal(e.got, want) {
		t.Fatalf("the peer got %q, want %q", e.got, want)
	}
	if !slices.Equal(e.from, []sim.PID{d.DriverPID, d.DriverPID}) {
		t.Fatalf("senders %v, want the edge %v twice", e.from, d.DriverPID)
	}
	if want := []any{"re: by pid", "re: by name"}; !slices.Equal(replies, want) {
		t.Fatalf("OnReply got %q, want %q", replies, want)
	}
}

// echo registers as "echo", keeps what it gets and from whom, and answers.
type echo struct {
	got  []string
	from []sim.PID
}

func (e *echo) Start(ctx *sim.Ctx) { sim.Assert(ctx.Register("echo"), "echo: name taken") }

func (e *echo) Receive(ctx *sim.Ctx, msg any) {
	e.got = append(e.got, msg.(string))
	e.from = append(e.from, ctx.Sender())
	ctx.Send(ctx.Sender(), "re: "+msg.(string))
}

// TestUserTokens: the table knows exactly the generated users below its
// bound, by their TokenOf.
func TestUserTokens(t *testing.T) {
	tokens := deploy.UserTokens(3)
	for u := range 3 {
		info, ok := tokens.Lookup(deploy.TokenOf(deploy.UserID(u)))
		if !ok || info.UserID != deploy.UserID(u) {
			t.Errorf("user %d: %+v %v, want user %d", u, info, ok, deploy.UserID(u))
		}
	}
	for _, bad := range []string{deploy.TokenOf(deploy.UserID(3)), deploy.TokenOf(deploy.UserID(0) - 1), "token-x", "user-0", ""} {
		if info, ok := tokens.Lookup(bad); ok {
			t.Errorf("token %q accepted as %+v", bad, info)
		}
	}
}
