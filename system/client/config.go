package client

import (
	"errors"
	"fmt"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// Config is what every client of a world shares (read-only once validated).
// Zero fields take the defaults in brackets.
type Config struct {
	_ struct{} // keyed literals only

	// Gateways are the nodes a client may dial: what GET /gateway would
	// answer (required). Each Device names the one it dials first.
	Gateways []gateway.GatewayURL
	// Recorder collects what clients do and see; nil records nothing.
	Recorder *Recorder

	// BackoffBase and BackoffMaxExp shape the reconnect backoff, discord.py's
	// ExponentialBackoff: uniform(0, base * 2^exp), exp growing by one per
	// attempt up to 10 [base 1 s, max exp 10].
	BackoffBase   sim.Duration
	BackoffMaxExp int
	// InvalidSessionWaitMin and Max bound the random wait after Invalid
	// Session d=false before a fresh Identify [1 s and 5 s, the Discord
	// docs].
	InvalidSessionWaitMin sim.Duration
	InvalidSessionWaitMax sim.Duration
	// HelloTimeout bounds the wait for Hello after dialling [60 s: discord.py
	// wraps connect-and-Hello in asyncio.wait_for(..., timeout=60.0)]. It
	// catches connections whose SYN got through but nothing came back.
	HelloTimeout sim.Duration
	// ZombieCloseCode is the close code for a zombie connection, op 7 and a
	// resumable op 9 [4000: any code but 1000/1001 keeps the session, and
	// discord.py closes with 4000].
	ZombieCloseCode gateway.CloseCode
	// Properties are Identify's connection properties.
	Properties gateway.ConnectionProperties
	// Guilds places guild processes, for posting messages (nil: posts fail
	// with SendRefused).
	Guilds *guild.Placement
	// Store lists the storage nodes whose coordinators serve history reads
	// (empty: reads fail).
	Store []sim.NodeID
	// DataServices, when set, serves history reads instead of Store: each
	// read goes to its channel's data-service instance (coalescing, cache).
	DataServices *store.DataServiceRouter
	// SendTimeout bounds the wait for a post's acknowledgement; after it the
	// outcome is unknown (recorded SendTimedOut) [15 s, GUESS: above the
	// guild's store timeout (10 s), so a live guild's own error comes first].
	SendTimeout sim.Duration
	// MaxPendingSends bounds the posts awaiting an answer [16, GUESS].
	MaxPendingSends int
	// LocalView makes each client keep its view of the channels it gets
	// dispatches for (lifecycle.go): messages created, edited, deleted and
	// reacted to. Off by default: a million clients' views cost memory
	// that only the lifecycle workload needs.
	LocalView bool
	// Backfill makes a client that gets a guild's GUILD_CREATE again (a
	// resync: the guild lost its session, or the client identified
	// afresh) read the history it missed in the channels listed
	// (backfill.go). Off by default: scenarios turn it on.
	Backfill bool
	// BackfillMaxPages bounds a backfill's pages per channel and pass
	// [5: 500 messages, GUESS: a client that missed more shows a "jump
	// to present" rather than fetching everything].
	BackfillMaxPages int
	// LargeThreshold is Identify's large_threshold [50, the documented
	// default; 50-250].
	LargeThreshold int

	validated bool
}

// Validate fills defaults and rejects values out of range, naming the field.
func (c *Config) Validate() error {
	if len(c.Gateways) == 0 {
		return errors.New("client: Config.Gateways: empty: list at least one gateway node to dial")
	}
	if len(c.Gateways) > 1<<16 {
		return fmt.Errorf("client: Config.Gateways: %d nodes: at most %d", len(c.Gateways), 1<<16)
	}
	for i, g := range c.Gateways {
		if g.Node < 0 {
			return fmt.Errorf("client: Config.Gateways[%d].Node %d: not a node", i, g.Node)
		}
		if g.Port == 0 {
			c.Gateways[i].Port = 443
		}
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = sim.Second
	}
	if c.BackoffMaxExp == 0 {
		c.BackoffMaxExp = 10
	}
	if c.InvalidSessionWaitMin == 0 {
		c.InvalidSessionWaitMin = sim.Second
	}
	if c.InvalidSessionWaitMax == 0 {
		c.InvalidSessionWaitMax = 5 * sim.Second
	}
	if c.HelloTimeout == 0 {
		c.HelloTimeout = 60 * sim.Second
	}
	if c.ZombieCloseCode == 0 {
		c.ZombieCloseCode = gateway.CloseUnknownError
	}
	if c.Properties == (gateway.ConnectionProperties{}) {
		c.Properties = gateway.ConnectionProperties{OS: "linux", Browser: "guildsim", Device: "guildsim"}
	}
	if c.SendTimeout == 0 {
		c.SendTimeout = 15 * sim.Second
	}
	if c.MaxPendingSends == 0 {
		c.MaxPendingSends = 16
	}
	if c.LargeThreshold == 0 {
		c.LargeThreshold = 50
	}
	if c.BackfillMaxPages == 0 {
		c.BackfillMaxPages = 5
	}
	switch {
	case c.BackoffBase < sim.Millisecond || c.BackoffBase > sim.Minute:
		return fmt.Errorf("client: Config.BackoffBase %s: must be between 1ms and 1m", c.BackoffBase)
	case c.BackoffMaxExp < 0 || c.BackoffMaxExp > 20:
		return fmt.Errorf("client: Config.BackoffMaxExp %d: must be between 0 and 20", c.BackoffMaxExp)
	case c.InvalidSessionWaitMin < 0 || c.InvalidSessionWaitMax < c.InvalidSessionWaitMin:
		return fmt.Errorf("client: Config.InvalidSessionWait %s..%s: want 0 <= min <= max", c.InvalidSessionWaitMin, c.InvalidSessionWaitMax)
	case c.HelloTimeout < sim.Millisecond:
		return fmt.Errorf("client: Config.HelloTimeout %s: must be at least 1ms", c.HelloTimeout)
	case c.ZombieCloseCode == gateway.CloseNormal || c.ZombieCloseCode == gateway.CloseGoingAway:
		return fmt.Errorf("client: Config.ZombieCloseCode %d: must not be 1000 or 1001, which invalidate the session", c.ZombieCloseCode)
	case c.SendTimeout < sim.Millisecond:
		return fmt.Errorf("client: Config.SendTimeout %s: must be at least 1ms", c.SendTimeout)
	case c.MaxPendingSends < 1 || c.MaxPendingSends > 1<<16:
		return fmt.Errorf("client: Config.MaxPendingSends %d: must be between 1 and %d", c.MaxPendingSends, 1<<16)
	case c.BackfillMaxPages < 1 || c.BackfillMaxPages > 100:
		return fmt.Errorf("client: Config.BackfillMaxPages %d: must be between 1 and 100", c.BackfillMaxPages)
	case c.LargeThreshold < 50 || c.LargeThreshold > 250:
		return fmt.Errorf("client: Config.LargeThreshold %d: must be between 50 and 250", c.LargeThreshold)
	}
	c.validated = true
	return nil
}

// Device is what distinguishes one client: its account and where it dials.
type Device struct {
	Token   string
	Shard   [2]int // [shard_id, num_shards] for bots; [0, 0] for none
	Intents gateway.Intents
	Gateway int // index in Config.Gateways of the first node to dial
}
