package gateway

import "github.com/guildsim/guildsim/sim"

// Opcode is a gateway opcode (reference §1). The numbers are the real ones.
type Opcode uint8

const (
	OpDispatch            Opcode = 0  // recv: an event; T names it, S orders it
	OpHeartbeat           Opcode = 1  // both: the client's beat (d = last s); from the server, "beat now"
	OpIdentify            Opcode = 2  // send: start a new session
	OpPresenceUpdate      Opcode = 3  // send: status change
	OpVoiceStateUpdate    Opcode = 4  // send: join, move or leave voice
	OpResume              Opcode = 6  // send: re-attach a session to a new connection
	OpReconnect           Opcode = 7  // recv: reconnect and resume; the server closes a few seconds later
	OpRequestGuildMembers Opcode = 8  // send: member chunks
	OpInvalidSession      Opcode = 9  // recv: d says whether the session may be resumed
	OpHello               Opcode = 10 // recv: first payload of every connection, d = heartbeat_interval
	OpHeartbeatACK        Opcode = 11 // recv: answer to a heartbeat
	// OpGuildSubscriptions is the user clients' op 14 (reference §1, [U]):
	// a client that opens a guild subscribes to it. The gateway does not
	// interpret it: it hands it to Hooks that implement ClientOpHooks (the
	// guild layer turns a passive session active with it).
	OpGuildSubscriptions Opcode = 14
)

var opNames = [...]string{
	OpDispatch: "DISPATCH", OpHeartbeat: "HEARTBEAT", OpIdentify: "IDENTIFY",
	OpPresenceUpdate: "PRESENCE_UPDATE", OpVoiceStateUpdate: "VOICE_STATE_UPDATE", 5: "",
	OpResume: "RESUME", OpReconnect: "RECONNECT", OpRequestGuildMembers: "REQUEST_GUILD_MEMBERS",
	OpInvalidSession: "INVALID_SESSION", OpHello: "HELLO", OpHeartbeatACK: "HEARTBEAT_ACK",
	12: "", 13: "", OpGuildSubscriptions: "GUILD_SUBSCRIPTIONS",
}

func (o Opcode) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "UNKNOWN_OP"
}

// sentByClient reports whether clients may send op (reference §1, the
// "send" and "both" rows). Anything else from a client is an unknown opcode
// (close 4001).
func (o Opcode) sentByClient() bool {
	switch o {
	case OpHeartbeat, OpIdentify, OpPresenceUpdate, OpVoiceStateUpdate, OpResume, OpRequestGuildMembers,
		OpGuildSubscriptions:
		return true
	}
	return false
}

// GuildSubscriptions is d of op 14, reduced to what the simulation uses:
// the guild the user opened (the real payload also carries typing,
// activities and member-list ranges).
type GuildSubscriptions struct{ GuildID uint64 }

// WireSize estimates `{"guild_id":"..","typing":true,"activities":true}`.
func (GuildSubscriptions) WireSize() int { return 64 }

// Event names (the t of a dispatch). Later layers add their own (guilds send
// MESSAGE_CREATE through Deliver); these are the ones the gateway itself
// emits or that every layer shares.
const (
	EventReady         = "READY"
	EventResumed       = "RESUMED"
	EventGuildCreate   = "GUILD_CREATE"
	EventGuildDelete   = "GUILD_DELETE" // d: UnavailableGuild{Unavailable: true} when the guild becomes unavailable
	EventMessageCreate = "MESSAGE_CREATE"
)

// Payload is one gateway message, {op, d, s, t}, as a Go value rather than
// JSON: s and t are set only for op 0 (Dispatch). s starts at 1 on every
// session, so S == 0 stands for null; T == "" stands for null.
type Payload struct {
	D  any    // the op's data: Hello, Identify, Resume, Heartbeat, InvalidSession, an event's data, or nil
	T  string // event name, dispatch only
	S  uint64 // sequence number, dispatch only
	Op Opcode
	// Size is the byte estimate of D on the wire when the sender knows it
	// (Deliver.Size); 0 asks D itself (sim.Sizer) or uses defaultDataBytes.
	Size int32
}

// payloadOverhead is the JSON around d: `{"op":0,"d":,"s":123456,"t":""}`.
const payloadOverhead = 32

// defaultDataBytes is the size assumed for data that does not say.
const defaultDataBytes = 64

// WireSize estimates the payload's JSON size in bytes (sim.Sizer): the
// network counts bandwidth with it, and the server applies the 4096-byte
// client payload limit (close 4002) to it.
func (p Payload) WireSize() int {
	n := payloadOverhead + len(p.T)
	switch {
	case p.Size > 0:
		n += int(p.Size)
	case p.D == nil:
		n += 4 // null
	default:
		if s, ok := p.D.(sim.Sizer); ok {
			n += s.WireSize()
		} else {
			n += defaultDataBytes
		}
	}
	return n
}

// Hello is d of op 10. The real field is an integer of milliseconds (41250
// in practice).
type Hello struct{ HeartbeatInterval sim.Duration }

// WireSize estimates `{"heartbeat_interval":41250}`.
func (Hello) WireSize() int { return 28 }

// Identify is d of op 2.
type Identify struct {
	Token      string
	Properties ConnectionProperties
	Compress   bool
	// LargeThreshold is the member count above which GUILD_CREATE omits
	// offline members (50-250, default 50; guilds use it, not the gateway).
	LargeThreshold int
	// Shard is [shard_id, num_shards]; [0, 0] means absent (one shard).
	Shard   [2]int
	Intents Intents
}

// ConnectionProperties is Identify's properties object.
type ConnectionProperties struct{ OS, Browser, Device string }

// WireSize estimates a typical identify: token, properties, intents, shard.
func (d Identify) WireSize() int {
	return 120 + len(d.Token) + len(d.Properties.OS) + len(d.Properties.Browser) + len(d.Properties.Device)
}

// Resume is d of op 6.
type Resume struct {
	Token     string
	SessionID string
	Seq       uint64 // the last s the client received
}

// WireSize estimates `{"token":..,"session_id":..,"seq":..}`.
func (d Resume) WireSize() int { return 48 + len(d.Token) + len(d.SessionID) }

// Heartbeat is d of op 1 from a client: the last s it received (0 = null).
type Heartbeat struct{ LastSeq uint64 }

// WireSize estimates a bare integer.
func (Heartbeat) WireSize() int { return 8 }

// InvalidSession is d of op 9: whether the session may still be resumed.
type InvalidSession struct{ Resumable bool }

// WireSize estimates a bare boolean.
func (InvalidSession) WireSize() int { return 5 }

// PresenceUpdate is d of op 3 (activities omitted until presence needs them).
type PresenceUpdate struct {
	Since  int64 // unix ms when the client went idle, 0 = null
	Status string
	AFK    bool
}

// WireSize estimates `{"since":..,"activities":[],"status":..,"afk":..}`.
func (d PresenceUpdate) WireSize() int { return 56 + len(d.Status) }

// User is READY's user object, reduced to what the simulation uses.
type User struct {
	ID  uint64 // snowflake
	Bot bool
}

// UnavailableGuild is one entry of READY's guilds: every guild starts
// unavailable and is followed by its GUILD_CREATE.
type UnavailableGuild struct {
	ID          uint64
	Unavailable bool
}

// Ready is the data of the READY dispatch.
type Ready struct {
	V                int
	User             User
	Guilds           []UnavailableGuild // filled by Hooks.Identified; empty without guilds
	SessionID        string
	ResumeGatewayURL GatewayURL
	Shard            [2]int // echoed from Identify
	// Session is the session process's PID. It is not part of the real
	// payload (a real client cannot address an Erlang process): it is the
	// simulation's seam so that a test or scenario driver holding the client
	// can address the session (Deliver) the way a guild process will once
	// guilds exist. It costs no bytes in WireSize.
	Session sim.PID
}

// WireSize estimates READY's JSON without guild data: the user object,
// session_id, resume_gateway_url, shard, plus ~30 bytes per guild stub.
func (d Ready) WireSize() int { return 400 + len(d.SessionID) + 30*len(d.Guilds) }

// Resumed is the data of the RESUMED dispatch (the real one carries only a
// debugging trace).
type Resumed struct{}

// WireSize estimates `{"_trace":[..]}`.
func (Resumed) WireSize() int { return 32 }

// GatewayURL is where a client dials: a gateway node and port. It stands for
// the real resume_gateway_url (wss://...): the simulated client resolves it
// without DNS.
type GatewayURL struct {
	Node sim.NodeID
	Port uint16
}

// Intents is the intents bit set of Identify.
type Intents uint64

// A few intents by their real bit; the rest are valid but unnamed here.
const (
	IntentGuilds            Intents = 1 << 0
	IntentGuildMembers      Intents = 1 << 1 // privileged
	IntentGuildPresences    Intents = 1 << 8 // privileged
	IntentGuildMessages     Intents = 1 << 9
	IntentDirectMessages    Intents = 1 << 12
	IntentMessageContent    Intents = 1 << 15 // privileged
	IntentGuildMessagePolls Intents = 1 << 24
)

// PrivilegedIntents need to be enabled for a bot's token; asking for one
// that is not closes with 4014.
const PrivilegedIntents = IntentGuildMembers | IntentGuildPresences | IntentMessageContent

// validIntents are the bits Discord defines (0-16, 20, 21, 24, 25); any other
// bit closes with 4013.
const validIntents Intents = 1<<17 - 1 | 1<<20 | 1<<21 | 1<<24 | 1<<25

// Deliver asks a session to dispatch one event to its client: the session
// gives it the next s, keeps it in its replay buffer and sends it if a
// connection is attached. Any process may send it (a guild, a presence
// service, a test driver) to a PID learnt from Hooks.Identified or READY.
// A session that is not identified yet drops it; one that is detached
// buffers it so that a resume replays it.
type Deliver struct {
	Event string // the dispatch's t, e.g. EventMessageCreate
	Data  any    // the dispatch's d
	Size  int    // byte estimate of Data on the wire, 0 = ask Data (sim.Sizer)
}

// WireSize is the size of the process message between nodes (the event
// travels once to each session).
func (d Deliver) WireSize() int {
	if d.Size > 0 {
		return d.Size + len(d.Event)
	}
	if s, ok := d.Data.(sim.Sizer); ok {
		return s.WireSize() + len(d.Event)
	}
	return defaultDataBytes + len(d.Event)
}

// EventIDer is implemented by event data that carries an identity (a
// message's snowflake): clients record it so that checkers can match what
// was sent with what was received.
type EventIDer interface{ EventID() uint64 }

// GuildHomer is implemented by GUILD_CREATE data that names the node of the
// guild's process: the session watches that node (sim.MonitorNode) and,
// when the link to it breaks (the node crashed, or a partition outlasted
// the link timeout), tells the client the guild is unavailable
// (GUILD_DELETE) and asks for it again (JoinRetryHooks) until a new
// GUILD_CREATE comes, as Discord's sessions do when a guild process dies.
type GuildHomer interface{ GuildHome() sim.NodeID }
