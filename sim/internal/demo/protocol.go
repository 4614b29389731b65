package demo

import "github.com/guildsim/guildsim/sim"

// Messages on the client-gateway stream (a much reduced gateway protocol).
type (
	hello        struct{ interval sim.Duration }
	identify     struct{ user int }
	ready        struct{ session sim.PID }
	heartbeat    struct{ seq uint64 }
	heartbeatAck struct{}
	chatSend     struct {
		guild int
		nonce uint64
	}
	dispatch struct {
		seq uint64
		msg messageCreate
	}
)

// Messages between sessions and guilds (process messages between nodes).
type (
	join struct{ session sim.PID }
	post struct {
		user  int
		nonce uint64
	}
	messageCreate struct {
		guild  int
		id     uint64
		author int
	}
)

// voiceFrame is one 20 ms Opus frame (a datagram).
type voiceFrame struct {
	speaker int
	seq     uint32
}

func (voiceFrame) WireSize() int { return 160 }

// Timer messages.
type (
	tick         struct{}
	hbDue        struct{}
	hbTimeout    struct{}
	chatDue      struct{}
	talkDue      struct{}
	frameDue     struct{}
	reconnectDue struct{}
	syncDue      struct{}
)

// Close codes the demo uses (from the Discord gateway).
const (
	closeUnknownError   = 4000
	closeSessionTimeout = 4009
)
