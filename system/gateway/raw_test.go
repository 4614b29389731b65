package gateway_test

import (
	"fmt"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
	"github.com/guildsim/guildsim/system/gateway"
)

// raw is a test client that speaks the protocol by hand: it records every
// payload and close, and a script decides what to send.
type raw struct {
	gws      []gateway.GatewayURL
	conn     sim.ConnID
	conns    int
	script   func(ctx *sim.Ctx, r *raw, p gateway.Payload)
	onClose  func(ctx *sim.Ctx, r *raw, m sim.StreamClosed)
	got      []gateway.Payload
	closes   []sim.StreamClosed
	session  string
	sessPID  sim.PID
	lastSeq  uint64
	resumeTo int // gateway index for the next dial
}

func (r *raw) Start(ctx *sim.Ctx) { r.dial(ctx, 0) }

func (r *raw) dial(ctx *sim.Ctx, gw int) {
	r.conns++
	r.conn = ctx.Dial(r.gws[gw].Node, r.gws[gw].Port)
}

func (r *raw) send(ctx *sim.Ctx, p gateway.Payload) {
	if err := ctx.StreamSend(r.conn, p); err != nil {
		panic(err)
	}
}

func (r *raw) identify(ctx *sim.Ctx, token string) {
	r.send(ctx, gateway.Payload{Op: gateway.OpIdentify, D: gateway.Identify{Token: token}})
}

func (r *raw) resume(ctx *sim.Ctx, token string, seq uint64) {
	r.send(ctx, gateway.Payload{Op: gateway.OpResume, D: gateway.Resume{Token: token, SessionID: r.session, Seq: seq}})
}

func (r *raw) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case sim.StreamData:
		if m.Conn != r.conn {
			return
		}
		p := m.Msg.(gateway.Payload)
		r.got = append(r.got, p)
		if p.T == gateway.EventReady {
			d := p.D.(gateway.Ready)
			r.session, r.sessPID = d.SessionID, d.Session
		}
		if p.S > r.lastSeq {
			r.lastSeq = p.S
		}
		r.script(ctx, r, p)
	case sim.StreamClosed:
		if m.Conn != r.conn {
			return
		}
		r.closes = append(r.closes, m)
		if r.onClose != nil {
			r.onClose(ctx, r, m)
		}
	}
}

// rawWorld: control node 0 (the limiter), two gateway nodes, one client
// node, built by deploy.
type rawWorld struct {
	w    *sim.World
	gws  []gateway.GatewayURL
	cn   sim.NodeID
	opts *gateway.Options // in effect
}

func newRawWorld(t *testing.T, seed uint64) *rawWorld { return newRawWorldHooks(t, seed, nil) }

func newRawWorldHooks(t *testing.T, seed uint64, hooks gateway.Hooks) *rawWorld {
	d, err := deploy.New(deploy.Topology{Seed: seed, GatewayNodes: 2, ClientNodes: 1,
		Tokens:  gateway.TokenMap{"user-0": {UserID: 1000}, "user-1": {UserID: 1001}},
		Gateway: gateway.Options{Hooks: hooks}})
	if err != nil {
		t.Fatalf("seed=%d: %v", seed, err)
	}
	// The raw clients dial the gateways the clients' configuration lists.
	return &rawWorld{w: d.World, gws: d.Options.Client.Gateways, cn: d.ClientNodes[0], opts: &d.Options.Gateway}
}

func (rw *rawWorld) spawn(r *raw) *raw {
	r.gws = rw.gws
	rw.w.Spawn(rw.cn, "raw", r)
	return r
}

func seedList() []uint64 {
	n := 20
	if testing.Short() {
		n = 3
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

func closeCodes(r *raw) []int {
	var out []int
	for _, c := range r.closes {
		out = append(out, c.Code)
	}
	return out
}

// TestEventRateLimit: 120 client payloads within 60 s are allowed (Identify
// plus 119 presence updates); the 121st closes the connection with 4008.
// 4008 is resumable: the same session resumes on a new connection.
func TestEventRateLimit(t *testing.T) {
	for _, extra := range []int{119, 120} {
		for _, seed := range seedList() {
			t.Run(fmt.Sprintf("updates=%d/seed=%d", extra, seed), func(t *testing.T) {
				t.Parallel()
				rw := newRawWorld(t, seed)
				r := rw.spawn(&raw{script: func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
					switch {
					case p.Op == gateway.OpHello && r.conns == 1:
						r.identify(ctx, "user-0")
					case p.Op == gateway.OpHello:
						r.resume(ctx, "user-0", r.lastSeq)
					case p.T == gateway.EventReady:
						for range extra {
							r.send(ctx, gateway.Payload{Op: gateway.OpPresenceUpdate, D: gateway.PresenceUpdate{Status: "online"}})
						}
					}
				}, onClose: func(ctx *sim.Ctx, r *raw, m sim.StreamClosed) {
					if r.conns == 1 {
						r.dial(ctx, 0)
					}
				}})
				if err := rw.w.RunFor(30 * sim.Second); err != nil {
					t.Fatal(err)
				}
				codes := closeCodes(r)
				if extra == 119 {
					if len(codes) != 0 {
						t.Fatalf("seed=%d: 120 payloads closed the connection: %v", seed, codes)
					}
					return
				}
				if len(codes) != 1 || codes[0] != int(gateway.CloseRateLimited) {
					t.Fatalf("seed=%d: closes %v, want [4008]", seed, codes)
				}
				last := r.got[len(r.got)-1]
				if last.T != gateway.EventResumed {
					t.Fatalf("seed=%d: after 4008 the session should resume; last payload %+v", seed, last)
				}
			})
		}
	}
}

// TestProtocolErrors drives each protocol error and checks the server's
// answer: a close code, or op 9 Invalid Session (false).
func TestProtocolErrors(t *testing.T) {
	const invalid = -9 // want op 9 d=false instead of a close
	ready := func(ctx *sim.Ctx, r *raw, p gateway.Payload, then func()) {
		if p.Op == gateway.OpHello && r.conns == 1 {
			r.identify(ctx, "user-0")
		}
		if p.T == gateway.EventReady {
			then()
		}
	}
	// resumeAfter identifies on gateway 0, closes with code, dials gateway
	// gw and sends Resume with token and seq.
	resumeAfter := func(code gateway.CloseCode, gw int, token string, seq uint64) func(*sim.Ctx, *raw, gateway.Payload) {
		return func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
			switch {
			case p.Op == gateway.OpHello && r.conns == 1:
				r.identify(ctx, "user-0")
			case p.Op == gateway.OpHello:
				r.resume(ctx, token, seq)
			case p.T == gateway.EventReady:
				_ = ctx.StreamClose(r.conn, int(code))
				r.dial(ctx, gw)
			}
		}
	}
	cases := []struct {
		name   string
		script func(*sim.Ctx, *raw, gateway.Payload)
		want   int
	}{
		{"oversized-payload", func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
			ready(ctx, r, p, func() {
				r.send(ctx, gateway.Payload{Op: gateway.OpPresenceUpdate, D: gateway.PresenceUpdate{Status: string(make([]byte, 5000))}})
			})
		}, int(gateway.CloseDecodeError)},
		{"not-a-payload", func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
			if p.Op == gateway.OpHello {
				_ = ctx.StreamSend(r.conn, "hello?")
			}
		}, int(gateway.CloseDecodeError)},
		{"server-only-opcode", func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
			ready(ctx, r, p, func() { r.send(ctx, gateway.Payload{Op: gateway.OpHeartbeatACK}) })
		}, int(gateway.CloseUnknownOpcode)},
		{"presence-before-identify", func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
			if p.Op == gateway.OpHello {
				r.send(ctx, gateway.Payload{Op: gateway.OpPresenceUpdate, D: gateway.PresenceUpdate{Status: "online"}})
			}
		}, int(gateway.CloseNotAuthenticated)},
		{"identify-twice", func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
			ready(ctx, r, p, func() { r.identify(ctx, "user-0") })
		}, int(gateway.CloseAlreadyAuthenticated)},
		{"unknown-token", func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
			if p.Op == gateway.OpHello {
				r.identify(ctx, "nobody")
			}
		}, int(gateway.CloseAuthenticationFailed)},
		{"resume-future-seq", resumeAfter(gateway.CloseUnknownError, 0, "user-0", 99), int(gateway.CloseInvalidSeq)},
		{"resume-wrong-token", resumeAfter(gateway.CloseUnknownError, 0, "user-1", 1), invalid},
		{"resume-on-another-node", resumeAfter(gateway.CloseUnknownError, 1, "user-0", 1), invalid},
		{"resume-after-1000", resumeAfter(gateway.CloseNormal, 0, "user-0", 1), invalid},
	}
	for _, tc := range cases {
		for _, seed := range seedList() {
			t.Run(fmt.Sprintf("%s/seed=%d", tc.name, seed), func(t *testing.T) {
				t.Parallel()
				rw := newRawWorld(t, seed)
				r := rw.spawn(&raw{script: tc.script})
				if err := rw.w.RunFor(20 * sim.Second); err != nil {
					t.Fatal(err)
				}
				if tc.want == invalid {
					last := r.got[len(r.got)-1]
					if last.Op != gateway.OpInvalidSession || last.D.(gateway.InvalidSession).Resumable || len(r.closes) != 0 {
						t.Fatalf("seed=%d: want op 9 false on an open connection, got %+v, closes %v", seed, last, closeCodes(r))
					}
					return
				}
				if codes := closeCodes(r); len(codes) != 1 || codes[0] != tc.want {
					t.Fatalf("seed=%d: closes %v, want [%d]", seed, codes, tc.want)
				}
			})
		}
	}
}

// TestResumeReplayIsExact: READY is s=1; three events follow (s=2..4). The
// client closes (4000) as soon as it has s=2 and resumes from 2: the server
// sends exactly s=3 and s=4, in order, then RESUMED, then live events go on
// at s=5.
func TestResumeReplayIsExact(t *testing.T) {
	for _, seed := range seedList() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			rw := newRawWorld(t, seed)
			var replay []gateway.Payload
			resumed := false
			r := rw.spawn(&raw{script: func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
				switch {
				case p.Op == gateway.OpHello && r.conns == 1:
					r.identify(ctx, "user-0")
				case p.Op == gateway.OpHello:
					r.resume(ctx, "user-0", 2)
				case r.conns == 1 && p.S == 2:
					_ = ctx.StreamClose(r.conn, int(gateway.CloseUnknownError))
					r.dial(ctx, 0)
				case r.conns == 2 && !resumed:
					replay = append(replay, p)
					resumed = p.T == gateway.EventResumed
				}
			}})
			if err := rw.w.RunFor(sim.Second); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				rw.w.Send(r.sessPID, gateway.Deliver{Event: gateway.EventMessageCreate, Data: i + 2})
			}
			if err := rw.w.RunFor(sim.Second); err != nil {
				t.Fatal(err)
			}
			rw.w.Send(r.sessPID, gateway.Deliver{Event: gateway.EventMessageCreate, Data: 5})
			if err := rw.w.RunFor(sim.Second); err != nil {
				t.Fatal(err)
			}
			if len(replay) != 3 || replay[0].S != 3 || replay[1].S != 4 || replay[0].D != 3 || replay[1].D != 4 || replay[2].T != gateway.EventResumed {
				t.Fatalf("seed=%d: replay %+v: want s=3, s=4, RESUMED", seed, replay)
			}
			last := r.got[len(r.got)-1]
			if last.S != 5 || last.D != 5 {
				t.Fatalf("seed=%d: live event after RESUMED %+v, want s=5", seed, last)
			}
		})
	}
}

// TestHeartbeatACKAndHello: Hello carries the configured interval; a
// heartbeat is answered with op 11.
func TestHeartbeatACKAndHello(t *testing.T) {
	rw := newRawWorld(t, 1)
	r := rw.spawn(&raw{script: func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
		if p.Op == gateway.OpHello {
			r.send(ctx, gateway.Payload{Op: gateway.OpHeartbeat, D: gateway.Heartbeat{}})
		}
	}})
	if err := rw.w.RunFor(sim.Second); err != nil {
		t.Fatal(err)
	}
	if len(r.got) != 2 || r.got[0].Op != gateway.OpHello || r.got[0].D.(gateway.Hello).HeartbeatInterval != 41250*sim.Millisecond || r.got[1].Op != gateway.OpHeartbeatACK {
		t.Fatalf("got %+v", r.got)
	}
}

// guildStub stands in for the guild layer behind the Hooks seam: on
// Identified it lists a guild in READY and, like a guild that learnt of the
// session, sends it a GUILD_CREATE through Deliver; it counts Ended.
type guildStub struct {
	identified []gateway.SessionInfo
	ended      []gateway.SessionInfo
}

func (g *guildStub) Identified(ctx *sim.Ctx, s gateway.SessionInfo, ready *gateway.Ready) {
	g.identified = append(g.identified, s)
	ready.Guilds = append(ready.Guilds, gateway.UnavailableGuild{ID: 77, Unavailable: true})
	ctx.Send(s.PID, gateway.Deliver{Event: gateway.EventGuildCreate, Data: 77, Size: 500})
}

func (g *guildStub) Ended(ctx *sim.Ctx, s gateway.SessionInfo) { g.ended = append(g.ended, s) }

// TestHooks: the seam for guilds. Identified runs before READY (which then
// lists the guild) and gets the session's PID, to which a Deliver is the
// next dispatch (s = 2); a resumable close does not end the session, a 1000
// close does, and Ended runs once.
func TestHooks(t *testing.T) {
	g := &guildStub{}
	rw := newRawWorldHooks(t, 1, g)
	r := rw.spawn(&raw{script: func(ctx *sim.Ctx, r *raw, p gateway.Payload) {
		switch {
		case p.Op == gateway.OpHello && r.conns == 1:
			r.identify(ctx, "user-0")
		case p.Op == gateway.OpHello:
			r.resume(ctx, "user-0", r.lastSeq)
		case p.T == gateway.EventGuildCreate:
			_ = ctx.StreamClose(r.conn, int(gateway.CloseUnknownError))
			r.dial(ctx, 0)
		case p.T == gateway.EventResumed:
			_ = ctx.StreamClose(r.conn, int(gateway.CloseNormal))
		}
	}})
	if err := rw.w.RunFor(10 * sim.Second); err != nil {
		t.Fatal(err)
	}
	if len(r.got) < 3 || r.got[1].T != gateway.EventReady || r.got[2].T != gateway.EventGuildCreate || r.got[2].S != 2 {
		t.Fatalf("want Hello, READY, GUILD_CREATE s=2; got %+v", r.got)
	}
	ready := r.got[1].D.(gateway.Ready)
	if len(ready.Guilds) != 1 || ready.Guilds[0].ID != 77 || ready.Session == 0 {
		t.Fatalf("READY %+v: want guild 77 and the session PID", ready)
	}
	if len(g.identified) != 1 || g.identified[0].PID != ready.Session || g.identified[0].ID != ready.SessionID || g.identified[0].UserID != 1000 {
		t.Fatalf("Identified got %+v", g.identified)
	}
	if len(g.ended) != 1 || g.ended[0].ID != ready.SessionID || rw.w.Alive(ready.Session) {
		t.Fatalf("after the 1000 close: Ended %+v, session alive %v", g.ended, rw.w.Alive(ready.Session))
	}
}
