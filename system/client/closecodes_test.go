package client_test

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/gateway"
)

// fakeGateway speaks just enough of the protocol to put a client in a given
// situation: it answers Identify with READY and Resume with RESUMED, and
// closes the first connection with a chosen code 10 ms after READY.
type fakeGateway struct {
	code  int
	conns int
}

type (
	closeNow struct{ conn sim.ConnID }
	helloNow struct{ conn sim.ConnID }
)

func (f *fakeGateway) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Listen(443) == nil, "fake gateway: port taken")
}

func (f *fakeGateway) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case sim.StreamAccepted:
		f.conns++
		// Hello from a later event, as the real gateway's session does: data
		// sent inside the accept handler would overtake the SYN-ACK.
		ctx.SetTimer(0, helloNow{conn: m.Conn})
	case helloNow:
		_ = ctx.StreamSend(m.conn, gateway.Payload{Op: gateway.OpHello, D: gateway.Hello{HeartbeatInterval: 41250 * sim.Millisecond}})
	case sim.StreamData:
		p := m.Msg.(gateway.Payload)
		switch p.Op {
		case gateway.OpIdentify:
			_ = ctx.StreamSend(m.Conn, gateway.Payload{Op: gateway.OpDispatch, T: gateway.EventReady, S: 1,
				D: gateway.Ready{SessionID: "fake-session", ResumeGatewayURL: gateway.GatewayURL{Node: ctx.Node(), Port: 443}}})
			if f.conns == 1 {
				ctx.SetTimer(10*sim.Millisecond, closeNow{conn: m.Conn})
			}
		case gateway.OpResume:
			_ = ctx.StreamSend(m.Conn, gateway.Payload{Op: gateway.OpDispatch, T: gateway.EventResumed, D: gateway.Resumed{}})
		case gateway.OpHeartbeat:
			_ = ctx.StreamSend(m.Conn, gateway.Payload{Op: gateway.OpHeartbeatACK})
		}
	case closeNow:
		_ = ctx.StreamClose(m.conn, f.code)
	}
}

// TestCloseCodeReactions: after a session exists, the server closes with
// each code; the client stops (do-not-reconnect codes), resumes (resumable
// codes, unknown codes, a close without a code) or identifies anew (4007,
// 4009, 1000, 1001). Protocol-requested reconnects of a healthy connection
// are immediate; 1000/1001 and a drop without a code wait a backoff.
func TestCloseCodeReactions(t *testing.T) {
	type reaction int
	const (
		stop reaction = iota
		resume
		identify
	)
	cases := []struct {
		code      int
		want      reaction
		immediate bool
	}{
		{0, resume, false}, // FIN without a close code
		{1000, identify, false}, {1001, identify, false},
		{4000, resume, true}, {4001, resume, true}, {4002, resume, true}, {4003, resume, true},
		{4004, stop, false}, {4005, resume, true}, {4007, identify, true}, {4008, resume, true},
		{4009, identify, true}, {4010, stop, false}, {4011, stop, false}, {4012, stop, false},
		{4013, stop, false}, {4014, stop, false}, {4999, resume, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("code=%d", tc.code), func(t *testing.T) {
			forSeeds(t, func(t *testing.T, seed uint64) {
				fake := &fakeGateway{code: tc.code}
				d, err := deploy.New(deploy.Topology{Seed: seed, ClientNodes: 1,
					Extra: []deploy.Extra{{Name: "fake-gateway", Boot: func(ctx *sim.Ctx) { ctx.Spawn("fake", fake) }}}})
				if err != nil {
					t.Fatal(err)
				}
				// The deployment has no gateway of its own to configure
				// clients for: this one dials the fake.
				rec := d.Recorder
				cfg := &client.Config{Gateways: []gateway.GatewayURL{{Node: d.Extra[0], Port: 443}}, Recorder: rec}
				if err := cfg.Validate(); err != nil {
					t.Fatal(err)
				}
				c := client.New(cfg, 0, client.Device{Token: "t"})
				d.World.Spawn(d.ClientNodes[0], "client", c)
				if err := d.World.RunFor(time1m); err != nil {
					t.Fatal(err)
				}
				recs := rec.ForClient(0)
				tw := &testWorld{t: t, seed: seed, rec: rec}
				closed, ci, ok := first(recs, client.KindClosed)
				if !ok || closed.Seq != uint64(tc.code) {
					tw.fail(0, "want the server's close %d", tc.code)
				}
				after := recs[ci+1:]
				switch tc.want {
				case stop:
					if len(after) != 1 || after[0].Kind != client.KindStopped || c.State() != client.StateStopped {
						tw.fail(0, "want the client to stop")
					}
					return
				case resume:
					if _, _, ok := first(after, client.KindResumed); !ok || count(after, client.KindIdentify) != 0 {
						tw.fail(0, "want a Resume and RESUMED")
					}
				case identify:
					if _, _, ok := first(after, client.KindReady); !ok || count(after, client.KindResume) != 0 {
						tw.fail(0, "want a fresh Identify and READY")
					}
				}
				dial, _, _ := first(after, client.KindDial)
				if immediate := dial.At == closed.At; immediate != tc.immediate {
					tw.fail(0, "reconnect after %s: want immediate=%v", dial.At.Sub(closed.At), tc.immediate)
				}
				if c.State() != client.StateReady {
					tw.fail(0, "not READY at the end")
				}
			})
		})
	}
}
