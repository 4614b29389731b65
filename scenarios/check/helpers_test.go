package check

import (
	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// builder writes a History by hand, the way clients would have recorded it.
type builder struct {
	h       *History
	authors map[uint64]uint64 // message ID -> author a read reports (0 if unset)
}

func newBuilder() *builder {
	return &builder{h: &History{EventNames: []string{"", EventMessageCreate, "GUILD_CREATE"}}}
}

func (b *builder) rec(at sim.Time, c uint32, k client.Kind, seq, id uint64) *builder {
	b.h.Records = append(b.h.Records, client.Record{At: at, Client: c, Kind: k, Seq: seq, ID: id, Node: sim.NoNode})
	return b
}

func (b *builder) send(at sim.Time, c uint32, channel, nonce uint64) *builder {
	return b.rec(at, c, client.KindSend, nonce, channel)
}

func (b *builder) ack(at sim.Time, c uint32, nonce, id uint64) *builder {
	return b.rec(at, c, client.KindSendAck, nonce, id)
}

func (b *builder) timedOut(at sim.Time, c uint32, nonce uint64) *builder {
	return b.rec(at, c, client.KindSendFailed, nonce, client.SendTimedOut)
}

// echo records client c's own MESSAGE_CREATE of message id with its nonce.
func (b *builder) echo(at sim.Time, c uint32, nonce, id uint64) *builder {
	return b.rec(at, c, client.KindSendEcho, nonce, id)
}

// author makes reads report message id as written by user.
func (b *builder) author(id, user uint64) *builder {
	if b.authors == nil {
		b.authors = map[uint64]uint64{}
	}
	b.authors[id] = user
	return b
}

// guildCreate records a GUILD_CREATE of guild g at client c.
func (b *builder) guildCreate(at sim.Time, c uint32, g uint64) *builder {
	b.h.Records = append(b.h.Records, client.Record{At: at, Client: c, Kind: client.KindDispatch, ID: g, Name: 2})
	return b
}

func (b *builder) ready(at sim.Time, c uint32) *builder { return b.rec(at, c, client.KindReady, 1, 7) }

func (b *builder) dispatch(at sim.Time, c uint32, id uint64) *builder {
	b.h.Records = append(b.h.Records, client.Record{At: at, Client: c, Kind: client.KindDispatch, ID: id, Name: 1})
	return b
}

// read records a read of channel called at call that returned ids (newest
// first) at ret.
func (b *builder) read(call, ret sim.Time, c uint32, channel uint64, limit int, ids ...uint64) *builder {
	b.h.Reads = append(b.h.Reads, ReadCall{Client: c, Channel: channel, Limit: limit, At: call})
	first := uint64(0)
	if len(ids) > 0 {
		first = channel
	}
	b.rec(ret, c, client.KindHistory, uint64(len(ids)), first)
	for _, id := range ids {
		b.rec(ret, c, client.KindHistoryMessage, b.authors[id], id)
	}
	return b
}

// event records a dispatch named name (added to EventNames if new) of
// event ID id at client c.
func (b *builder) event(at sim.Time, c uint32, name string, id uint64) *builder {
	k := -1
	for i, n := range b.h.EventNames {
		if n == name {
			k = i
		}
	}
	if k < 0 {
		k = len(b.h.EventNames)
		b.h.EventNames = append(b.h.EventNames, name)
	}
	b.h.Records = append(b.h.Records, client.Record{At: at, Client: c, Kind: client.KindDispatch, ID: id, Name: uint16(k)})
	return b
}

// backfill records a backfill page of channel that returned ids (oldest
// taken, newest first) at ret.
func (b *builder) backfill(ret sim.Time, c uint32, channel uint64, ids ...uint64) *builder {
	b.rec(ret, c, client.KindBackfill, uint64(len(ids)), channel)
	for _, id := range ids {
		b.rec(ret, c, client.KindHistoryMessage, b.authors[id], id)
	}
	return b
}

// change records client c's lifecycle request of kind k on message id
// (for a bulk delete: of channel id, messages args) called at call and
// answered at ret with answer (client.KindChangeAck or KindChangeFailed)
// and, for a failure, reason.
func (b *builder) change(call, ret sim.Time, c uint32, k client.Kind, nonce, id uint64, answer client.Kind, reason uint64, args ...uint64) *builder {
	b.rec(call, c, k, nonce, id)
	for _, a := range args {
		b.rec(call, c, client.KindChangeArg, nonce, a)
	}
	return b.rec(ret, c, answer, nonce, reason)
}
