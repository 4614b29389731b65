package gateway

import "strconv"

// CloseCode is a WebSocket close code: the standard 1000/1001 and the
// gateway's own 4000-4014 (reference §1, "Close codes").
type CloseCode int

const (
	CloseNormal               CloseCode = 1000 // clean close: invalidates the session
	CloseGoingAway            CloseCode = 1001 // endpoint going away: invalidates the session too
	CloseUnknownError         CloseCode = 4000
	CloseUnknownOpcode        CloseCode = 4001
	CloseDecodeError          CloseCode = 4002 // also: a client payload over 4096 bytes
	CloseNotAuthenticated     CloseCode = 4003
	CloseAuthenticationFailed CloseCode = 4004
	CloseAlreadyAuthenticated CloseCode = 4005
	CloseInvalidSeq           CloseCode = 4007
	CloseRateLimited          CloseCode = 4008
	CloseSessionTimedOut      CloseCode = 4009
	CloseInvalidShard         CloseCode = 4010
	CloseShardingRequired     CloseCode = 4011
	CloseInvalidAPIVersion    CloseCode = 4012
	CloseInvalidIntents       CloseCode = 4013
	CloseDisallowedIntents    CloseCode = 4014
)

var closeNames = map[CloseCode]string{
	CloseNormal: "normal", CloseGoingAway: "going away",
	CloseUnknownError: "unknown error", CloseUnknownOpcode: "unknown opcode",
	CloseDecodeError: "decode error", CloseNotAuthenticated: "not authenticated",
	CloseAuthenticationFailed: "authentication failed", CloseAlreadyAuthenticated: "already authenticated",
	CloseInvalidSeq: "invalid seq", CloseRateLimited: "rate limited",
	CloseSessionTimedOut: "session timed out", CloseInvalidShard: "invalid shard",
	CloseShardingRequired: "sharding required", CloseInvalidAPIVersion: "invalid API version",
	CloseInvalidIntents: "invalid intent(s)", CloseDisallowedIntents: "disallowed intent(s)",
}

func (c CloseCode) String() string {
	if n, ok := closeNames[c]; ok {
		return strconv.Itoa(int(c)) + " " + n
	}
	return strconv.Itoa(int(c))
}

// Reconnect reports whether a client may reconnect after this close. The
// reference's "do not reconnect" list: 4004 (bad token), 4010 (invalid
// shard), 4011 (sharding required), 4012 (API version), 4013 (invalid
// intents), 4014 (disallowed intents). Everything else, including codes the
// client does not know, reconnects, as discord.py does.
func (c CloseCode) Reconnect() bool {
	switch c {
	case CloseAuthenticationFailed, CloseInvalidShard, CloseShardingRequired,
		CloseInvalidAPIVersion, CloseInvalidIntents, CloseDisallowedIntents:
		return false
	}
	return true
}

// Resumable reports whether the session survives this close, so that the
// client reconnects with Resume rather than Identify. Not resumable: the
// do-not-reconnect codes; 4007 and 4009, whose documented remedy is a new
// session; and 1000/1001, which invalidate the session (reference §1,
// "Resume"). Any other close keeps the session for the resume window.
func (c CloseCode) Resumable() bool {
	switch c {
	case CloseNormal, CloseGoingAway, CloseInvalidSeq, CloseSessionTimedOut:
		return false
	}
	return c.Reconnect()
}
