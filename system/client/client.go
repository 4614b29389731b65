package client

import (
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
)

// State is where a client is.
type State uint8

const (
	StateConnecting  State = iota + 1 // dialled, stream not up yet
	StateHello                        // stream up, waiting for Hello
	StateIdentifying                  // Identify sent, waiting for READY
	StateResuming                     // Resume sent, waiting for RESUMED
	StateReady                        // READY or RESUMED seen
	StateWaiting                      // between connections (backoff, Invalid Session wait)
	StateStopped                      // a close code said "do not reconnect"
)

// Client is one simulated device: a process that keeps a gateway session up
// the way discord.py does (see doc.go). Spawn it with sim's Spawn; read its
// state between runs with the getters.
type Client struct {
	cfg     *Config
	token   string
	id      uint32
	shard   [2]int32
	intents gateway.Intents

	state      State
	conn       sim.ConnID
	connNode   sim.NodeID
	avoid      sim.NodeID // sent op 7: not dialled while another node is available
	gw         uint16     // Config.Gateways index of the next fresh dial
	backoffExp uint8
	gen        uint32 // numbers reconnect timers, so a stale one is ignored
	acked      bool   // the last heartbeat was acknowledged
	healthy    bool   // this connection reached READY or RESUMED
	resumeNext bool   // the next connection sends Resume
	// freshOwed: the user asked for a new session (Reconnect{Resume:
	// false}) while not connected; the next connection identifies, and a
	// resume already under way is dropped once it succeeds.
	freshOwed    bool
	resumeDead   bool // the resume URL could not be reached: dial the list
	dialedResume bool // this connection was dialled at the resume URL

	interval  sim.Duration
	sessionID string
	resumeURL gateway.GatewayURL
	session   sim.PID
	seq       uint64 // last s received, 0 = none
	user      uint64 // from READY: the author of posts
	apis      *apiState
}

// Timer messages.
type (
	heartbeatDue struct{ conn sim.ConnID }
	// beatLate sends a heartbeat held back on conn (buggify: see
	// siteHeartbeatLate).
	beatLate     struct{ conn sim.ConnID }
	helloTimeout struct{ conn sim.ConnID }
	reconnectDue struct{ gen uint32 }
)

// OpenGuild, sent to a client process, makes it open a guild (the user
// clicks on it): the client sends op 14 for it if it is connected.
type OpenGuild struct{ GuildID uint64 }

// New returns a client; id names it in the recorder's log.
func New(cfg *Config, id uint32, d Device) *Client {
	sim.Assert(cfg.validated, "client: New with an unvalidated Config")
	sim.Assert(d.Gateway >= 0 && d.Gateway < len(cfg.Gateways), "client: Device.Gateway out of range of Config.Gateways")
	return &Client{
		cfg: cfg, token: d.Token, id: id, intents: d.Intents,
		shard: [2]int32{int32(d.Shard[0]), int32(d.Shard[1])},
		gw:    uint16(d.Gateway), avoid: sim.NoNode, connNode: sim.NoNode,
	}
}

// State returns where the client is.
func (c *Client) State() State { return c.state }

// SessionID returns the current session's ID ("" if none).
func (c *Client) SessionID() string { return c.sessionID }

// Session returns the session process from READY (see gateway.Ready.Session).
func (c *Client) Session() sim.PID { return c.session }

// Seq returns the last s received.
func (c *Client) Seq() uint64 { return c.seq }

// Node returns the gateway node of the current connection (sim.NoNode if
// none).
func (c *Client) Node() sim.NodeID {
	if c.conn == 0 {
		return sim.NoNode
	}
	return c.connNode
}

// Start dials the device's gateway.
func (c *Client) Start(ctx *sim.Ctx) { c.dial(ctx) }

// Receive handles one message.
func (c *Client) Receive(ctx *sim.Ctx, msg any) {
	if c.apis != nil && c.apis.history != nil {
		if r, ok := c.apis.history.Match(ctx, msg); ok {
			c.onStoreResult(ctx, r)
			return
		}
	}
	switch m := msg.(type) {
	case sim.StreamConnected:
		if m.Conn == c.conn && c.conn != 0 && c.state == StateConnecting {
			c.state = StateHello
			c.record(Record{Kind: KindConnected})
		}
	case sim.StreamData:
		if m.Conn == c.conn && c.conn != 0 {
			if p, ok := m.Msg.(gateway.Payload); ok {
				c.onPayload(ctx, p)
			}
		}
	case sim.StreamClosed:
		if m.Conn == c.conn && c.conn != 0 {
			c.onClosed(ctx, m)
		}
	case heartbeatDue:
		if m.conn == c.conn && c.conn != 0 {
			c.heartbeat(ctx)
		}
	case beatLate:
		if m.conn == c.conn && c.conn != 0 {
			c.sendHeartbeat(ctx)
		}
	case helloTimeout:
		if m.conn == c.conn && c.conn != 0 && (c.state == StateConnecting || c.state == StateHello) {
			c.closeConn(ctx, c.cfg.ZombieCloseCode)
			c.dialFailed()
			c.reconnect(ctx, true, c.backoff(ctx))
		}
	case SendMessage:
		c.post(ctx, m)
	case guild.MessageCreated:
		c.onSendAnswer(ctx, m.Request, Record{Kind: KindSendAck, ID: m.ID}, false)
	case guild.MessageRejected:
		c.onSendAnswer(ctx, m.Request, Record{Kind: KindSendFailed, ID: rejection(m.Err)}, false)
	case sendTimeout:
		c.onSendAnswer(ctx, m.request, Record{Kind: KindSendFailed, ID: SendTimedOut}, true)
	case backfillRetry:
		c.onBackfillRetry(ctx, m)
	case ReadHistory:
		c.readHistory(ctx, m)
	case EditMessage, DeleteMessage, BulkDelete, AddReaction, RemoveReaction, PinMessage, guild.MessageChanged:
		c.onChangeCommand(ctx, m)
	case StartTyping, SetStatus, Reconnect:
		c.onChattyCommand(ctx, m)
	case OpenGuild:
		// The user opens a guild: op 14 subscribes the session to it, and
		// in a large guild turns it from passive to active. Not connected:
		// nothing to subscribe (a real client subscribes again after
		// READY; here the scenario asks again).
		if c.state == StateReady && c.conn != 0 {
			c.send(ctx, gateway.Payload{Op: gateway.OpGuildSubscriptions, D: gateway.GuildSubscriptions{GuildID: m.GuildID}})
		}
	case reconnectDue:
		if m.gen == c.gen && c.state == StateWaiting {
			c.dial(ctx)
		}
	}
}

// ---- connecting ----

func (c *Client) dial(ctx *sim.Ctx) {
	t := c.target()
	c.conn = ctx.Dial(t.Node, t.Port)
	c.connNode = t.Node
	c.state = StateConnecting
	c.healthy = false
	c.interval = 0
	var resume uint64
	if c.resumeNext && c.sessionID != "" {
		resume = 1
	}
	c.record(Record{Kind: KindDial, Seq: resume})
	ctx.SetTimer(c.cfg.HelloTimeout, helloTimeout{conn: c.conn})
}

// target picks the node to dial: the session's resume_gateway_url for a
// resume, unless it could not be reached or it sent op 7; otherwise the
// device's current gateway, skipping the one that sent op 7 while any other
// is listed.
func (c *Client) target() gateway.GatewayURL {
	if c.resumeNext && c.sessionID != "" && !c.resumeDead && c.resumeURL.Node != c.avoid {
		c.dialedResume = true
		return c.resumeURL
	}
	c.dialedResume = false
	gws := c.cfg.Gateways
	for i := range gws {
		k := (int(c.gw) + i) % len(gws)
		if gws[k].Node != c.avoid {
			c.gw = uint16(k)
			return gws[k]
		}
	}
	return gws[c.gw]
}

// dialFailed moves the next dial away from a node that refused, timed out or
// went silent.
func (c *Client) dialFailed() {
	if c.dialedResume {
		c.resumeDead = true
		return
	}
	c.gw = uint16((int(c.gw) + 1) % len(c.cfg.Gateways))
}

// ---- payloads ----

func (c *Client) onPayload(ctx *sim.Ctx, p gateway.Payload) {
	switch p.Op {
	case gateway.OpHello:
		c.onHello(ctx, p)
	case gateway.OpDispatch:
		c.onDispatch(ctx, p)
	case gateway.OpHeartbeat:
		// The server asks for a beat at once; the schedule is unchanged.
		c.sendHeartbeat(ctx)
	case gateway.OpHeartbeatACK:
		c.acked = true
		if c.cfg.Recorder != nil && c.cfg.Recorder.Heartbeats {
			c.record(Record{Kind: KindHeartbeatACK})
		}
	case gateway.OpReconnect:
		sim.Reachable(ctx, "client/op7-reconnect")
		c.record(Record{Kind: KindReconnect})
		c.avoid = c.connNode
		c.closeConn(ctx, c.cfg.ZombieCloseCode)
		c.reconnect(ctx, true, c.protocolWait(ctx))
	case gateway.OpInvalidSession:
		d, _ := p.D.(gateway.InvalidSession)
		var r uint64
		if d.Resumable {
			r = 1
		}
		c.record(Record{Kind: KindInvalidSession, Seq: r})
		if d.Resumable {
			c.closeConn(ctx, c.cfg.ZombieCloseCode)
			c.reconnect(ctx, true, c.protocolWait(ctx))
			return
		}
		// As discord.py: forget the session, close with 1000 and
		// reconnect; as the docs: wait 1-5 s before the fresh Identify.
		sim.Reachable(ctx, "client/invalid-session-identify-again")
		c.forgetSession()
		c.closeConn(ctx, gateway.CloseNormal)
		c.reconnect(ctx, false, ctx.Rand().Duration(c.cfg.InvalidSessionWaitMin, c.cfg.InvalidSessionWaitMax))
	}
}

func (c *Client) onHello(ctx *sim.Ctx, p gateway.Payload) {
	d, _ := p.D.(gateway.Hello)
	if d.HeartbeatInterval <= 0 || c.interval != 0 {
		return
	}
	c.interval = d.HeartbeatInterval
	c.acked = true
	// First beat after heartbeat_interval * jitter, jitter in [0, 1), so
	// that clients reconnecting together do not beat together.
	ctx.SetTimer(ctx.Rand().Duration(0, c.interval), heartbeatDue{conn: c.conn})
	if c.resumeNext && c.sessionID != "" {
		c.state = StateResuming
		c.send(ctx, gateway.Payload{Op: gateway.OpResume, D: gateway.Resume{Token: c.token, SessionID: c.sessionID, Seq: c.seq}})
		sim.Reachable(ctx, "client/resume-sent")
		c.record(Record{Kind: KindResume, Seq: c.seq, ID: SessionHash(c.sessionID)})
		return
	}
	c.state = StateIdentifying
	c.send(ctx, gateway.Payload{Op: gateway.OpIdentify, D: gateway.Identify{
		Token: c.token, Properties: c.cfg.Properties, LargeThreshold: c.cfg.LargeThreshold,
		Shard: [2]int{int(c.shard[0]), int(c.shard[1])}, Intents: c.intents,
	}})
	c.record(Record{Kind: KindIdentify})
}

func (c *Client) onDispatch(ctx *sim.Ctx, p gateway.Payload) {
	switch p.T {
	case gateway.EventReady:
		d, _ := p.D.(gateway.Ready)
		c.sessionID, c.resumeURL, c.session, c.user = d.SessionID, d.ResumeGatewayURL, d.Session, d.User.ID
		c.seq = p.S
		c.resumeDead = false
		c.freshOwed = false
		c.becomeReady()
		c.record(Record{Kind: KindReady, Seq: p.S, ID: SessionHash(d.SessionID)})
		return
	case gateway.EventResumed:
		c.becomeReady()
		c.record(Record{Kind: KindResumed, Seq: c.seq})
		if c.freshOwed {
			c.freshOwed = false
			c.forgetSession()
			c.closeConn(ctx, gateway.CloseNormal)
			c.reconnect(ctx, false, 0)
		}
		return
	}
	var id uint64
	if e, ok := p.D.(gateway.EventIDer); ok {
		id = e.EventID()
	}
	name := uint16(0)
	if c.cfg.Recorder != nil {
		name = c.cfg.Recorder.name(p.T)
	}
	// Dedupe by s: across a resume the server may send again what the
	// client already has; those are recorded and dropped.
	if p.S != 0 && p.S <= c.seq {
		c.record(Record{Kind: KindDuplicate, Seq: p.S, ID: id, Name: name})
		return
	}
	if p.S != 0 {
		c.seq = p.S
	}
	c.record(Record{Kind: KindDispatch, Seq: p.S, ID: id, Name: name})
	c.applyView(p)
	switch d := p.D.(type) {
	case guild.GuildCreate:
		c.onGuildCreate(ctx, d)
	case *guild.MessageCreate:
		c.noteSeen(d.Channel, d.ID)
	}
	// A message of our own with our nonce: Discord echoes the nonce in
	// MESSAGE_CREATE so that a client can match it with its pending send
	// (also one whose acknowledgement never came).
	if mc, ok := p.D.(*guild.MessageCreate); ok && mc.Author == c.user && mc.Nonce != 0 {
		c.record(Record{Kind: KindSendEcho, Seq: mc.Nonce, ID: mc.ID})
	}
}

func (c *Client) becomeReady() {
	c.state = StateReady
	c.healthy = true
	c.backoffExp = 0
}

// ---- heartbeats ----

// heartbeat runs at each beat time: a beat whose predecessor was never
// acknowledged means the connection is a zombie (reference §1: "no ACK
// between two heartbeats"), so the client closes it with a non-1000 code and
// resumes on a new one.
func (c *Client) heartbeat(ctx *sim.Ctx) {
	if !c.acked {
		sim.Reachable(ctx, "client/zombie-connection-detected")
		c.record(Record{Kind: KindZombie})
		c.closeConn(ctx, c.cfg.ZombieCloseCode)
		c.reconnect(ctx, true, c.protocolWait(ctx))
		return
	}
	c.acked = false
	if ctx.Buggify(siteHeartbeatLate) {
		ctx.SetTimer(ctx.Rand().Duration(sim.Millisecond, heartbeatLateMax), beatLate{conn: c.conn})
	} else {
		c.sendHeartbeat(ctx)
	}
	ctx.SetTimer(c.interval, heartbeatDue{conn: c.conn})
}

// siteHeartbeatLate is a buggify site of the client: a heartbeat leaves
// late, as one does from a client whose event loop was blocked (discord.py
// logs "heartbeat blocked for more than N seconds"). The next beat keeps
// its time, so the late beat's ACK still has most of an interval to come.
const siteHeartbeatLate = "client/heartbeat-late"

// heartbeatLateMax bounds a late heartbeat: half the gateway's grace
// beyond the interval (10 s, gateway.Options.HeartbeatGrace), so that a
// late beat alone never gets the connection closed with 4009.
const heartbeatLateMax = 5 * sim.Second

func (c *Client) sendHeartbeat(ctx *sim.Ctx) {
	c.send(ctx, gateway.Payload{Op: gateway.OpHeartbeat, D: gateway.Heartbeat{LastSeq: c.seq}})
	if c.cfg.Recorder != nil && c.cfg.Recorder.Heartbeats {
		c.record(Record{Kind: KindHeartbeat, Seq: c.seq})
	}
}

// ---- losing the connection ----

func (c *Client) onClosed(ctx *sim.Ctx, m sim.StreamClosed) {
	c.record(Record{Kind: KindClosed, Seq: uint64(m.Code), ID: uint64(m.Reason)})
	c.conn = 0
	switch m.Reason {
	case sim.ClosePeer:
		code := gateway.CloseCode(m.Code)
		switch {
		case m.Code == 0:
			// A drop without a close code: resume.
			c.reconnect(ctx, true, c.backoff(ctx))
		case !code.Reconnect():
			c.stop(ctx, code)
		case code.Resumable():
			c.reconnect(ctx, true, c.protocolWait(ctx))
		case code == gateway.CloseNormal || code == gateway.CloseGoingAway:
			// The server is going away or ended the session cleanly:
			// a fresh session, elsewhere, after a backoff.
			c.forgetSession()
			c.dialFailed()
			c.reconnect(ctx, false, c.backoff(ctx))
		default:
			// 4007, 4009: reconnect with a new session.
			sim.Sometimes(ctx, "client/closed-4009-by-gateway", code == gateway.CloseSessionTimedOut)
			c.forgetSession()
			c.reconnect(ctx, false, c.protocolWait(ctx))
		}
	case sim.CloseRefused, sim.CloseConnectTimeout:
		sim.Reachable(ctx, "client/dial-refused-or-timed-out")
		c.dialFailed()
		c.reconnect(ctx, c.resumeNext, c.backoff(ctx))
	default:
		// Reset or timed out: the network, not the protocol. Resume after a
		// backoff (discord.py "always tries to RESUME").
		c.reconnect(ctx, true, c.backoff(ctx))
	}
}

// protocolWait is the delay before a reconnect the protocol asked for (op 7,
// a resumable op 9 or close, a zombie): none if this connection was healthy,
// as discord.py reconnects at once on ReconnectWebSocket; a backoff if it
// never reached READY or RESUMED, so a server that closes every new
// connection does not get a tight loop.
func (c *Client) protocolWait(ctx *sim.Ctx) sim.Duration {
	if c.healthy {
		return 0
	}
	return c.backoff(ctx)
}

// siteBackoffMax is the client's buggify site: a reconnect backoff draws
// the top of its window, base * 2^exp, the unluckiest draw discord.py's
// uniform backoff can make. The window itself still grows one step per
// failure, as it would.
const siteBackoffMax = "client/backoff-max"

// backoff is discord.py's ExponentialBackoff.delay: exp grows by one per
// call up to BackoffMaxExp, the delay is uniform in [0, base * 2^exp), and
// READY or RESUMED resets exp.
func (c *Client) backoff(ctx *sim.Ctx) sim.Duration {
	if int(c.backoffExp) < c.cfg.BackoffMaxExp {
		c.backoffExp++
	}
	window := c.cfg.BackoffBase << c.backoffExp
	if ctx.Buggify(siteBackoffMax) {
		return window - 1
	}
	return ctx.Rand().Duration(0, window)
}

// reconnect dials again after wait, resuming if asked and a session exists.
func (c *Client) reconnect(ctx *sim.Ctx, resume bool, wait sim.Duration) {
	c.conn = 0
	c.resumeNext = resume && c.sessionID != ""
	c.gen++
	if wait <= 0 {
		c.dial(ctx)
		return
	}
	c.state = StateWaiting
	ctx.SetTimer(wait, reconnectDue{gen: c.gen})
}

func (c *Client) closeConn(ctx *sim.Ctx, code gateway.CloseCode) {
	if c.conn == 0 {
		return
	}
	_ = ctx.StreamClose(c.conn, int(code))
	c.record(Record{Kind: KindClientClose, Seq: uint64(code)})
	c.conn = 0
}

func (c *Client) forgetSession() {
	c.sessionID, c.session, c.seq = "", 0, 0
	c.resumeNext, c.resumeDead = false, false
}

// stop gives up for good: the close code says that reconnecting cannot help
// (bad token, invalid shard or intents). The process exits.
func (c *Client) stop(ctx *sim.Ctx, code gateway.CloseCode) {
	c.state = StateStopped
	c.record(Record{Kind: KindStopped, Seq: uint64(code)})
	ctx.Exit(sim.ReasonNormal)
}

func (c *Client) send(ctx *sim.Ctx, p gateway.Payload) {
	// An error means our side is closed; StreamClosed or our own close
	// already moved the client on.
	_ = ctx.StreamSend(c.conn, p)
}

func (c *Client) record(r Record) {
	if c.cfg.Recorder == nil {
		return
	}
	r.Client = c.id
	r.Node = c.connNode
	c.cfg.Recorder.add(r)
}
