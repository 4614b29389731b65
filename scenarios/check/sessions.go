package check

import (
	"sort"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// session is one gateway session of a client: from its READY until an
// INVALID_SESSION, the client's exit, or the next READY. Successful resumes
// (KindResumed) continue it: the gateway replays what the client missed, so
// whatever was sent to the session while the client was away must still
// arrive.
type session struct {
	readyAt sim.Time
	endAt   sim.Time // Forever while it lives
}

// clientView is what one client recorded, digested.
type clientView struct {
	sessions []session
	downs    []Interval // disconnected periods; Until is Forever if still down
	stopped  sim.Time   // when the client exited for good, Forever if never
	received map[uint64]sim.Time
	// guildCreates are the times of each GUILD_CREATE, by guild ID.
	guildCreates map[uint64][]sim.Time
}

// isDown says whether a record ends the client's connection (or tells it
// the session is over).
func isDown(k client.Kind) bool {
	switch k {
	case client.KindClosed, client.KindZombie, client.KindInvalidSession, client.KindReconnect,
		client.KindClientClose, client.KindStopped:
		return true
	}
	return false
}

// viewClient digests one client's records: sessions, disconnected periods
// (a client is down from its first record until its first READY, and from
// any close, zombie, reconnect request or invalid session until its next
// READY or RESUMED), and the first receipt of each MESSAGE_CREATE.
func viewClient(h *History, recs []client.Record) clientView {
	v := clientView{stopped: Forever, received: map[uint64]sim.Time{}, guildCreates: map[uint64][]sim.Time{}}
	if len(recs) == 0 {
		return v
	}
	down := true
	v.downs = append(v.downs, Interval{From: recs[0].At, Until: Forever})
	endSession := func(t sim.Time) {
		if n := len(v.sessions); n > 0 && v.sessions[n-1].endAt == Forever {
			v.sessions[n-1].endAt = t
		}
	}
	for _, rec := range recs {
		switch {
		case rec.Kind == client.KindReady || rec.Kind == client.KindResumed:
			if rec.Kind == client.KindReady {
				endSession(rec.At)
				v.sessions = append(v.sessions, session{readyAt: rec.At, endAt: Forever})
			}
			if down {
				v.downs[len(v.downs)-1].Until = rec.At
				down = false
			}
		case isDown(rec.Kind):
			if rec.Kind == client.KindInvalidSession || rec.Kind == client.KindStopped {
				endSession(rec.At)
			}
			if rec.Kind == client.KindStopped {
				v.stopped = rec.At
			}
			if !down {
				v.downs = append(v.downs, Interval{From: rec.At, Until: Forever})
				down = true
			}
		case rec.Kind == client.KindDispatch && h.eventName(rec) == EventGuildCreate:
			v.guildCreates[rec.ID] = append(v.guildCreates[rec.ID], rec.At)
		case rec.Kind == client.KindDispatch && h.eventName(rec) == EventMessageCreate:
			if _, seen := v.received[rec.ID]; !seen {
				v.received[rec.ID] = rec.At
			}
		}
	}
	return v
}

// ackedByChannel returns each channel's acknowledged message IDs, ascending.
func (ix *index) ackedByChannel() map[uint64][]uint64 {
	out := map[uint64][]uint64{}
	for _, s := range ix.sends {
		if s.outcome == outcomeAcked {
			out[s.channel] = append(out[s.channel], s.id)
		}
	}
	for c := range out {
		sort.Slice(out[c], func(i, j int) bool { return out[c][i] < out[c][j] })
	}
	return out
}

func (t *Truth) receives(c uint32, channel uint64) bool {
	return t.Receives == nil || t.Receives(c, channel)
}
