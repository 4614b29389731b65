package demo

import "github.com/guildsim/guildsim/sim"

// client is one user's device: connect to a gateway of its region, identify,
// heartbeat with a jittered first beat, treat a missing ACK as a zombie
// connection, chat now and then, talk in voice if it is a speaker, and
// reconnect with discord.py's backoff (uniform(0, base*2^exp), exp <= 10).
type client struct {
	topo    *topology
	user    int
	region  int
	speaker bool

	conn      sim.ConnID
	ready     bool
	acked     bool
	hbSeq     uint64
	lastSeq   uint64
	nonce     uint64
	backoffN  int
	hbTimer   sim.TimerID
	frameSeq  uint32
	talking   int // frames left in this talk spurt
	connected bool
}

const (
	chatMean       = 20 * sim.Second
	backoffBase    = 500 * sim.Millisecond
	maxBackoffExp  = 10
	frameInterval  = 20 * sim.Millisecond // Opus frame
	talkSpurtFrame = 50                   // one second of speech
)

func (c *client) Start(ctx *sim.Ctx) {
	c.dial(ctx)
	ctx.SetTimer(ctx.Rand().Duration(0, 2*chatMean), chatDue{})
	if c.speaker {
		ctx.SetTimer(ctx.Rand().Duration(0, 10*sim.Second), talkDue{})
	}
}

func (c *client) dial(ctx *sim.Ctx) {
	gws := c.topo.gateways[c.region]
	gw := gws[ctx.Rand().Intn(len(gws))]
	c.conn = ctx.Dial(gw, gatewayPort)
	c.ready, c.connected = false, false
}

func (c *client) Receive(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case sim.StreamConnected:
		if m.Conn == c.conn {
			c.connected = true
		}
	case sim.StreamData:
		if m.Conn == c.conn {
			c.onServer(ctx, m.Msg)
		}
	case sim.StreamClosed:
		if m.Conn == c.conn {
			c.lost(ctx)
		}
	case hbDue:
		if !c.ready {
			return
		}
		if !c.acked {
			// Zombie: no ACK since the last beat. Close and reconnect.
			_ = ctx.StreamClose(c.conn, closeUnknownError)
			c.lost(ctx)
			return
		}
		c.acked = false
		c.hbSeq++
		_ = ctx.StreamSend(c.conn, heartbeat{seq: c.lastSeq})
		c.hbTimer = ctx.SetTimer(c.topo.opts.HeartbeatInterval, hbDue{})
	case reconnectDue:
		c.dial(ctx)
	case chatDue:
		if c.ready {
			c.nonce++
			_ = ctx.StreamSend(c.conn, chatSend{guild: c.user % c.topo.guildCount(), nonce: c.nonce})
		}
		ctx.SetTimer(ctx.Rand().Duration(chatMean/2, 3*chatMean/2), chatDue{})
	case talkDue:
		c.talking = talkSpurtFrame
		ctx.SetTimer(frameInterval, frameDue{})
		ctx.SetTimer(ctx.Rand().Duration(5*sim.Second, 15*sim.Second), talkDue{})
	case frameDue:
		if c.talking == 0 {
			return
		}
		c.talking--
		c.frameSeq++
		ctx.SendDatagram(mediaPort, sim.Addr{Node: c.topo.voice[c.region], Port: voicePort}, voiceFrame{speaker: c.user, seq: c.frameSeq})
		ctx.SetTimer(frameInterval, frameDue{})
	}
}

func (c *client) onServer(ctx *sim.Ctx, msg any) {
	switch m := msg.(type) {
	case hello:
		_ = ctx.StreamSend(c.conn, identify{user: c.user})
		c.acked = true
		// First beat after interval * jitter, jitter in [0, 1).
		c.hbTimer = ctx.SetTimer(ctx.Rand().Duration(0, m.interval), hbDue{})
	case ready:
		c.ready = true
		c.backoffN = 0
	case heartbeatAck:
		c.acked = true
	case dispatch:
		sim.Assertf(m.seq > c.lastSeq, "demo: dispatch seq %d after %d on one connection", m.seq, c.lastSeq)
		c.lastSeq = m.seq
	}
}

// lost schedules a reconnect after a jittered exponential backoff.
func (c *client) lost(ctx *sim.Ctx) {
	ctx.CancelTimer(c.hbTimer)
	c.ready, c.connected = false, false
	c.lastSeq = 0
	exp := min(c.backoffN, maxBackoffExp)
	c.backoffN++
	ctx.SetTimer(ctx.Rand().Duration(0, backoffBase<<exp), reconnectDue{})
}
