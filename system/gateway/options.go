package gateway

import (
	"errors"
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Options configure every gateway node of a cluster and its identify
// limiter. One *Options is shared, read-only, by all the cluster's processes.
// Zero fields take the defaults in brackets; Validate fills them and rejects
// values out of range.
type Options struct {
	_ struct{} // keyed literals only

	// Tokens says which tokens exist and what they may do (required).
	Tokens TokenTable
	// LimiterNode is the node that runs the cluster's identify limiter (see
	// limits.go). Its zero value is node 0, the world's first node: set it
	// when that is not where the limiter is booted.
	LimiterNode sim.NodeID
	// Hooks lets later layers (guilds, presence) learn of sessions; nil for
	// none.
	Hooks Hooks
	// Port is the listening port of every gateway node [443].
	Port uint16

	// HeartbeatInterval is sent in Hello [41.25 s: the reference's "41250 ms
	// in practice"].
	HeartbeatInterval sim.Duration
	// HeartbeatGrace is how much later than one interval after the previous
	// heartbeat the server still waits before it closes with 4009 [10 s,
	// GUESS: the grace is not published; it must cover network delay and
	// retransmissions, and stay below the clients' stream timeout so that a
	// client whose beats are lost learns of the 4009].
	HeartbeatGrace sim.Duration
	// ResumeWindow is how long a session outlives its connection, waiting for
	// a Resume [3 min, GUESS: the reference says only "a few minutes"].
	ResumeWindow sim.Duration
	// ResumeBufferEvents bounds each session's replay buffer [500 events,
	// GUESS: not published. A client confirms what it has with every
	// heartbeat and the buffer drops confirmed events, so while connected it
	// holds ~one interval of events; the bound matters while detached].
	ResumeBufferEvents int
	// EventsPerWindow client payloads per EventWindow are allowed on one
	// connection; one more closes it with 4008 [120 per 60 s, reference §1].
	EventsPerWindow int
	EventWindow     sim.Duration
	// MaxPayloadBytes is the largest client payload; a bigger one closes with
	// 4002 [4096, reference §1].
	MaxPayloadBytes int

	// IdentifyBudget Identifies per IdentifyBudgetWindow are allowed per
	// token [1000 per 24 h, reference §1]; resumes do not count.
	IdentifyBudget       int
	IdentifyBudgetWindow sim.Duration
	// IdentifyConcurrencyWindow: one Identify per max_concurrency bucket
	// (shard_id % max_concurrency) per window [5 s, reference §1].
	IdentifyConcurrencyWindow sim.Duration
	// IdentifyCheckCost is the limiter's CPU time per request [5 µs, GUESS:
	// a table lookup and a reply in one Erlang process]. It makes an
	// identify storm queue at the limiter, as registry stampedes did
	// (reference §2).
	IdentifyCheckCost sim.Duration
	// IdentifyPermitTimeout is how long a session waits for the limiter (or
	// for the session a Resume names) before it answers Invalid Session
	// [5 s, GUESS]. The gateway fails closed: an unreachable limiter means
	// no new sessions, never an unlimited identify rate.
	IdentifyPermitTimeout sim.Duration

	// DrainCloseDelay is how long after op 7 a draining node closes the
	// connections still open [5 s, GUESS: the reference says "a few seconds
	// later"].
	DrainCloseDelay sim.Duration
	// MaxSessionsPerNode bounds the sessions (and so connections) of one
	// gateway node; connections beyond it are closed with 1001 at once
	// [500,000: "one VM holds up to 500,000 sessions", reference §2].
	MaxSessionsPerNode int

	validated bool
}

// Option bounds checked by Validate.
const (
	maxResumeBufferEvents = 1 << 20
	maxSessionsPerNode    = 10_000_000
)

// Validate fills defaults and rejects values out of range, naming the field.
func (o *Options) Validate() error {
	if o.Tokens == nil {
		return errors.New("gateway: Options.Tokens: required (a TokenTable, e.g. a TokenMap)")
	}
	def := func(d *sim.Duration, v sim.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d == 0 {
			*d = v
		}
	}
	if o.Port == 0 {
		o.Port = 443
	}
	def(&o.HeartbeatInterval, 41250*sim.Millisecond)
	def(&o.HeartbeatGrace, 10*sim.Second)
	def(&o.ResumeWindow, 3*sim.Minute)
	defInt(&o.ResumeBufferEvents, 500)
	defInt(&o.EventsPerWindow, 120)
	def(&o.EventWindow, 60*sim.Second)
	defInt(&o.MaxPayloadBytes, 4096)
	defInt(&o.IdentifyBudget, 1000)
	def(&o.IdentifyBudgetWindow, 24*sim.Hour)
	def(&o.IdentifyConcurrencyWindow, 5*sim.Second)
	def(&o.IdentifyCheckCost, 5*sim.Microsecond)
	def(&o.IdentifyPermitTimeout, 5*sim.Second)
	def(&o.DrainCloseDelay, 5*sim.Second)
	defInt(&o.MaxSessionsPerNode, 500_000)
	for _, f := range []struct {
		name   string
		v      sim.Duration
		lo, hi sim.Duration
	}{
		{"HeartbeatInterval", o.HeartbeatInterval, 100 * sim.Millisecond, 10 * sim.Minute},
		{"HeartbeatGrace", o.HeartbeatGrace, 0, 10 * sim.Minute},
		{"ResumeWindow", o.ResumeWindow, sim.Millisecond, 24 * sim.Hour},
		{"EventWindow", o.EventWindow, sim.Millisecond, 24 * sim.Hour},
		{"IdentifyBudgetWindow", o.IdentifyBudgetWindow, sim.Second, 7 * 24 * sim.Hour},
		{"IdentifyConcurrencyWindow", o.IdentifyConcurrencyWindow, sim.Millisecond, sim.Hour},
		{"IdentifyCheckCost", o.IdentifyCheckCost, 0, sim.Second},
		{"IdentifyPermitTimeout", o.IdentifyPermitTimeout, sim.Millisecond, 10 * sim.Minute},
		{"DrainCloseDelay", o.DrainCloseDelay, 0, 10 * sim.Minute},
	} {
		if f.v < f.lo || f.v > f.hi {
			return fmt.Errorf("gateway: Options.%s %s: must be between %s and %s", f.name, f.v, f.lo, f.hi)
		}
	}
	for _, f := range []struct {
		name   string
		v      int
		lo, hi int
	}{
		{"ResumeBufferEvents", o.ResumeBufferEvents, 1, maxResumeBufferEvents},
		{"EventsPerWindow", o.EventsPerWindow, 1, 1 << 20},
		{"MaxPayloadBytes", o.MaxPayloadBytes, 64, 1 << 24},
		{"IdentifyBudget", o.IdentifyBudget, 1, 1 << 30},
		{"MaxSessionsPerNode", o.MaxSessionsPerNode, 1, maxSessionsPerNode},
	} {
		if f.v < f.lo || f.v > f.hi {
			return fmt.Errorf("gateway: Options.%s %d: must be between %d and %d", f.name, f.v, f.lo, f.hi)
		}
	}
	if o.LimiterNode < 0 {
		return fmt.Errorf("gateway: Options.LimiterNode %d: must be a node of the world", o.LimiterNode)
	}
	o.validated = true
	return nil
}

// TokenInfo is what the gateway knows of a token.
type TokenInfo struct {
	UserID uint64 // the account's snowflake
	Bot    bool
	// MaxConcurrency is the bot's identify concurrency (shard buckets per
	// 5 s); 0 means 1, the default for bots under 150,000 guilds.
	MaxConcurrency int
	// PrivilegedIntents are the privileged intents enabled for the bot;
	// asking for others closes with 4014. Ignored for user accounts.
	PrivilegedIntents Intents
}

// TokenTable looks tokens up; an unknown token closes with 4004.
type TokenTable interface {
	Lookup(token string) (TokenInfo, bool)
}

// TokenMap is a TokenTable held in a map (small worlds, tests).
type TokenMap map[string]TokenInfo

// Lookup implements TokenTable.
func (m TokenMap) Lookup(token string) (TokenInfo, bool) {
	info, ok := m[token]
	return info, ok
}

// TokenFunc is a TokenTable computed from the token itself, for worlds with
// a million clients where a map of every token would cost more than the
// clients.
type TokenFunc func(token string) (TokenInfo, bool)

// Lookup implements TokenTable.
func (f TokenFunc) Lookup(token string) (TokenInfo, bool) { return f(token) }

// SessionInfo describes a session to Hooks.
type SessionInfo struct {
	ID     string  // session_id; also the session's registered name on Node
	PID    sim.PID // send Deliver here
	Node   sim.NodeID
	UserID uint64
	Bot    bool
	Shard  [2]int
}

// Hooks are the seam between the gateway and the layers above it (guilds,
// presence). They run inside the session's handler, with its ctx, so they
// may send messages and set nothing else: a hook must not keep ctx. The
// gateway never imports those layers; they import the gateway for Deliver
// and these types.
type Hooks interface {
	// Identified runs when an Identify has been admitted, just before READY
	// is sent: a guild layer fills ready.Guilds and tells the user's guilds
	// about s.PID, which then send it Deliver messages.
	Identified(ctx *sim.Ctx, s SessionInfo, ready *Ready)
	// Ended runs once when the session ends for good (invalidated, timed
	// out, expired after its resume window, drained), so that guilds drop
	// it. A detached session that may still be resumed has not ended.
	Ended(ctx *sim.Ctx, s SessionInfo)
}

// ClientOpHooks is implemented by Hooks that want the client payloads the
// gateway itself does not interpret (today op 14, OpGuildSubscriptions).
// It is a separate interface so that Hooks written before it keep working.
// ClientOp runs inside the session's handler, only for an identified
// session whose connection is attached, in the order the payloads arrived.
type ClientOpHooks interface {
	ClientOp(ctx *sim.Ctx, s SessionInfo, p Payload)
}

// JoinRetryHooks is implemented by Hooks that can ask a guild again for a
// session: RetryJoins runs inside the session's handler for the guilds that
// READY listed as unavailable and whose GUILD_CREATE (an event whose data
// is an EventIDer naming the guild) has not come, first 5 s after READY,
// then with doubling waits up to 20 s.
type JoinRetryHooks interface {
	RetryJoins(ctx *sim.Ctx, s SessionInfo, guilds []uint64)
}

// Registered names on gateway nodes.
const (
	ListenerName = "gateway/listener"         // the node's listener; send it Drain
	LimiterName  = "gateway/identify-limiter" // the cluster's identify limiter, on Options.LimiterNode
	sessionName  = "gateway/session"          // process name of sessions (not registered: see session IDs)
)

// Boot returns the boot function of a gateway node: it starts the node's
// listener and, on Options.LimiterNode, the cluster's identify limiter.
func Boot(o *Options) (func(ctx *sim.Ctx), error) {
	if !o.validated {
		if err := o.Validate(); err != nil {
			return nil, err
		}
	}
	return func(ctx *sim.Ctx) {
		if ctx.Node() == o.LimiterNode {
			ctx.Spawn(LimiterName, NewLimiter(o))
		}
		ctx.Spawn(ListenerName, &listener{o: o})
	}, nil
}

// BootLimiter returns the boot function of a node that runs only the
// identify limiter (a control node), for clusters that keep it off the
// gateway nodes. That node must be Options.LimiterNode.
func BootLimiter(o *Options) (func(ctx *sim.Ctx), error) {
	if !o.validated {
		if err := o.Validate(); err != nil {
			return nil, err
		}
	}
	return func(ctx *sim.Ctx) {
		sim.Assert(ctx.Node() == o.LimiterNode, "gateway: BootLimiter on a node other than Options.LimiterNode")
		ctx.Spawn(LimiterName, NewLimiter(o))
	}, nil
}
