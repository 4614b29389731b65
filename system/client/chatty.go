package client

import (
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
)

// What a chatty user does besides posting: typing indicators, status
// changes and reconnecting by hand. A scenario sends these to the client
// process; a chatty enough client goes past the gateway's limits (120
// payloads a minute: the gateway closes it with 4008 and it resumes).

// StartTyping asks the client to show it is typing in a channel (POST
// /channels/{id}/typing, standing for the HTTP API as posts do): the
// guild dispatches TYPING_START to the channel's viewers. Nothing is
// answered or recorded: the request carries no promise a checker holds.
type StartTyping struct {
	Guild, Channel uint64
}

// SetStatus asks the client to send op 3 Presence Update with Status
// ("online", "idle", "dnd", "invisible") on its connection, if it is ready.
type SetStatus struct{ Status string }

// Reconnect asks the client to drop its connection and connect again at
// once: resuming its session (Resume, closed with 4000) or starting a new
// one (closed with 1000, which ends the session). Not connected: a resume
// is what the client does anyway; a new session is owed, and the next
// connection identifies (or, if a resume is already under way, the client
// starts a new session once it is resumed).
type Reconnect struct{ Resume bool }

// onChattyCommand handles one of this file's commands; false if msg is none.
func (c *Client) onChattyCommand(ctx *sim.Ctx, msg any) bool {
	switch m := msg.(type) {
	case StartTyping:
		if c.cfg.Guilds != nil {
			ctx.SendNamed(c.cfg.Guilds.NodeOf(m.Guild), guild.ProcessName(m.Guild), guild.TriggerTyping{Channel: m.Channel, User: c.user})
		}
	case SetStatus:
		if c.state == StateReady && c.conn != 0 {
			c.send(ctx, gateway.Payload{Op: gateway.OpPresenceUpdate, D: gateway.PresenceUpdate{Status: m.Status}})
		}
	case Reconnect:
		if c.state == StateStopped {
			return true
		}
		if c.state != StateReady || c.conn == 0 {
			// Not connected: the next connection identifies afresh (a
			// resume under way is dropped once it succeeds).
			if !m.Resume {
				c.freshOwed = true
				if c.state == StateWaiting {
					c.forgetSession()
				}
			}
			return true
		}
		sim.Reachable(ctx, "client/reconnect-by-hand")
		code := gateway.CloseNormal
		if m.Resume {
			code = c.cfg.ZombieCloseCode
		} else {
			c.forgetSession()
		}
		c.closeConn(ctx, code)
		c.reconnect(ctx, m.Resume, 0)
	default:
		return false
	}
	return true
}
