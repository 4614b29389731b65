package client_test

import (
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
)

// TestHeartbeatLossCloses4009 cuts the client's beats to the gateway (a
// one-way partition, client -> gateway) for two minutes. The server sees no
// heartbeat for an interval plus the grace and closes with 4009; the close
// reaches the client (the other direction works) before the client's own
// stream timeout or zombie check fires. 4009 means "new session": after the
// partition heals the client identifies again and gets a new session.
func TestHeartbeatLossCloses4009(t *testing.T) {
	forSeeds(t, func(t *testing.T, seed uint64) {
		tw := newTestWorld(t, seed, spec{})
		id, c := tw.addClient(client.Device{Token: userToken(0)})
		const cut = 60 * sim.Second
		tw.runUntil(cut)
		if c.State() != client.StateReady {
			tw.fail(id, "not READY before the partition: state %d", c.State())
		}
		sess := c.SessionID()
		tw.at(cut, "partition", func() {
			p := tw.w.PartitionOneWay(tw.cnodes, tw.gws)
			tw.w.After(2*sim.Minute, "heal", func() { tw.w.Heal(p) })
		})
		tw.runUntil(cut + 6*sim.Minute)

		recs := since(tw.records(id), cut)
		closed, ci, ok := first(recs, client.KindClosed)
		if !ok || closed.Seq != uint64(gateway.CloseSessionTimedOut) || closed.ID != uint64(sim.ClosePeer) {
			tw.fail(id, "want the server's close 4009 first after the partition, got %+v", closed)
		}
		// The server's deadline is the last beat it got (within one interval
		// before the cut) plus an interval and the grace.
		iv, grace := tw.gopts.HeartbeatInterval, tw.gopts.HeartbeatGrace
		at := closed.At.Sub(sim.DefaultStart)
		if at < cut+grace || at > cut+iv+grace+sim.Second {
			tw.fail(id, "4009 at %s: want between %s and %s", at, cut+grace, cut+iv+grace+sim.Second)
		}
		if n := count(recs[:ci], client.KindZombie); n != 0 {
			tw.fail(id, "the client saw a zombie before the server's 4009")
		}
		ready, _, ok := first(recs[ci:], client.KindReady)
		if !ok || ready.ID == client.SessionHash(sess) {
			tw.fail(id, "want a READY with a new session after 4009")
		}
		if count(recs, client.KindResumed) != 0 || count(recs, client.KindResume) != 0 {
			tw.fail(id, "4009 is not resumable, yet the client resumed")
		}
		if c.State() != client.StateReady || c.SessionID() == sess {
			tw.fail(id, "not READY on a new session at the end: state %d", c.State())
		}
	})
}

// zombieWorld sets up the zombie scenario used by the resume tests: a
// heartbeat interval of 10 s (so that the scenario fits between the
// protocol's timers; see below), one client READY by 30 s, and from 30 s a
// one-way clog gateway -> client of 21 s. The server keeps getting beats and
// stays happy; the client gets no ACK, and at its second beat after the clog
// starts (between 40 s and 50 s) it declares the connection a zombie, closes
// it with 4000 (the FIN reaches the server: the session detaches, resumable)
// and dials again. The new connection's SYN-ACK and Hello are held until the
// clog ends at 51 s; the Resume then reaches the server well before the new
// connection's own heartbeat deadline (Hello + 10 s + 10 s grace).
const (
	zombieInterval = 10 * sim.Second
	zombieClogAt   = 30 * sim.Second
	zombieClogFor  = 21 * sim.Second
)

func zombieWorld(t *testing.T, seed uint64, gw func(*gateway.Options)) (*testWorld, uint32, *client.Client) {
	tw := newTestWorld(t, seed, spec{gateway: func(o *gateway.Options) {
		o.HeartbeatInterval = zombieInterval
		if gw != nil {
			gw(o)
		}
	}})
	id, c := tw.addClient(client.Device{Token: userToken(0)})
	tw.at(zombieClogAt, "clog", func() {
		p := tw.w.ClogOneWay(tw.gws, tw.cnodes)
		tw.w.After(zombieClogFor, "unclog", func() { tw.w.Unclog(p) })
	})
	return tw, id, c
}

// TestZombieResumes: the client detects the zombie connection (no ACK
// between two beats), closes with 4000 and resumes the same session.
func TestZombieResumes(t *testing.T) {
	forSeeds(t, func(t *testing.T, seed uint64) {
		tw, id, c := zombieWorld(t, seed, nil)
		tw.runUntil(zombieClogAt)
		sess := c.SessionID()
		if c.State() != client.StateReady {
			tw.fail(id, "not READY before the clog")
		}
		tw.runUntil(2 * sim.Minute)
		recs := since(tw.records(id), zombieClogAt)
		z, zi, ok := first(recs, client.KindZombie)
		if !ok {
			tw.fail(id, "no zombie detected")
		}
		if at := z.At.Sub(sim.DefaultStart); at <= zombieClogAt+zombieInterval-sim.Second || at > zombieClogAt+2*zombieInterval+sim.Second {
			tw.fail(id, "zombie at %s: want within two intervals of the clog", at)
		}
		if cl := recs[zi+1]; cl.Kind != client.KindClientClose || cl.Seq != uint64(gateway.CloseUnknownError) {
			tw.fail(id, "want a 4000 close right after the zombie, got %+v", cl)
		}
		res, _, ok := first(recs, client.KindResume)
		if !ok || res.ID != client.SessionHash(sess) {
			tw.fail(id, "want a Resume of the first session")
		}
		if count(recs, client.KindResumed) != 1 || count(recs, client.KindReady) != 0 || count(recs, client.KindInvalidSession) != 0 {
			tw.fail(id, "want exactly one RESUMED and no new session")
		}
		if c.State() != client.StateReady || c.SessionID() != sess {
			tw.fail(id, "not READY on the first session at the end")
		}
	})
}

// TestResumeReplaysMissedEvents drives 40 events into the session from a
// process on another node: 5 before the clog (received live), 20 while the
// gateway's side is clogged (some sent on the zombie connection and lost with
// it, some buffered while the session is detached), 15 after the resume.
// The Resume must replay exactly the events after the client's last s, in
// order, then RESUMED, and the client must end with every event once, in
// order.
func TestResumeReplaysMissedEvents(t *testing.T) {
	forSeeds(t, func(t *testing.T, seed uint64) {
		tw, id, c := zombieWorld(t, seed, nil)
		tw.runUntil(15 * sim.Second)
		if c.State() != client.StateReady {
			tw.fail(id, "not READY at 15 s")
		}
		var want []uint64
		ev := uint64(0)
		deliver := func(at sim.Duration) {
			ev++
			want = append(want, ev)
			tw.deliverAt(at, c, ev)
		}
		for i := range 5 {
			deliver(20*sim.Second + sim.Duration(i)*sim.Second)
		}
		for i := range 20 {
			deliver(zombieClogAt + sim.Second + sim.Duration(i)*sim.Second)
		}
		for i := range 15 {
			deliver(80*sim.Second + sim.Duration(i)*sim.Second)
		}
		tw.runUntil(2 * sim.Minute)

		recs := tw.records(id)
		if got := dispatchIDs(recs); !slices.Equal(got, want) {
			tw.fail(id, "events received %v, want %v", got, want)
		}
		if n := count(recs, client.KindDuplicate); n != 0 {
			tw.fail(id, "%d duplicates: the replay must start after the client's s", n)
		}
		_, ri, ok := first(recs, client.KindResume)
		if !ok {
			tw.fail(id, "no Resume")
		}
		resumeSeq := recs[ri].Seq
		_, di, ok := first(recs[ri:], client.KindResumed)
		if !ok {
			tw.fail(id, "no RESUMED")
		}
		replay := recs[ri+1 : ri+di]
		if len(replay) == 0 {
			tw.fail(id, "nothing replayed, yet events were missed")
		}
		for k, r := range replay {
			if r.Kind != client.KindDispatch || r.Seq != resumeSeq+uint64(k)+1 {
				tw.fail(id, "replay record %d is %+v: want dispatch s=%d", k, r, resumeSeq+uint64(k)+1)
			}
		}
		// Exactly the missed ones: every event delivered before the resume
		// and not received before it is in the replay.
		before := dispatchIDs(recs[:ri])
		missed := len(want) - 15 - len(before)
		if len(replay) != missed {
			tw.fail(id, "replayed %d events, missed %d", len(replay), missed)
		}
	})
}

// TestResumePastBufferReidentifies: with a replay buffer of 8 events and 20
// events delivered while the client is away, the Resume cannot be served:
// Invalid Session d=false, and the client re-identifies (a new session)
// after waiting 1-5 s.
func TestResumePastBufferReidentifies(t *testing.T) {
	forSeeds(t, func(t *testing.T, seed uint64) {
		tw, id, c := zombieWorld(t, seed, func(o *gateway.Options) { o.ResumeBufferEvents = 8 })
		tw.runUntil(15 * sim.Second)
		sess := c.SessionID()
		for i := range 20 {
			tw.deliverAt(zombieClogAt+sim.Second+sim.Duration(i)*sim.Second, c, uint64(i+1))
		}
		tw.runUntil(2 * sim.Minute)
		expectReidentify(tw, id, c, sess)
	})
}

// TestResumeAfterWindowReidentifies: with a resume window of 500 ms the
// detached session is gone before the Resume arrives: Invalid Session and a
// fresh Identify.
func TestResumeAfterWindowReidentifies(t *testing.T) {
	forSeeds(t, func(t *testing.T, seed uint64) {
		tw, id, c := zombieWorld(t, seed, func(o *gateway.Options) { o.ResumeWindow = 500 * sim.Millisecond })
		tw.runUntil(15 * sim.Second)
		sess := c.SessionID()
		tw.runUntil(2 * sim.Minute)
		expectReidentify(tw, id, c, sess)
	})
}

func expectReidentify(tw *testWorld, id uint32, c *client.Client, old string) {
	tw.t.Helper()
	recs := since(tw.records(id), zombieClogAt)
	_, ri, ok := first(recs, client.KindResume)
	if !ok {
		tw.fail(id, "no Resume")
	}
	steps := []struct {
		kind client.Kind
		seq  uint64
	}{
		{client.KindInvalidSession, 0},
		{client.KindClientClose, uint64(gateway.CloseNormal)},
		{client.KindDial, 0},
		{client.KindConnected, 0},
		{client.KindIdentify, 0},
		{client.KindReady, 1},
	}
	rest := recs[ri+1:]
	if len(rest) < len(steps) {
		tw.fail(id, "log too short after the Resume")
	}
	for k, s := range steps {
		if rest[k].Kind != s.kind || rest[k].Seq != s.seq {
			tw.fail(id, "step %d after the Resume: got %s seq=%d, want %s seq=%d", k, rest[k].Kind, rest[k].Seq, s.kind, s.seq)
		}
	}
	wait := rest[2].At.Sub(rest[1].At)
	if wait < tw.ccfg.InvalidSessionWaitMin || wait > tw.ccfg.InvalidSessionWaitMax {
		tw.fail(id, "waited %s after Invalid Session: want 1-5 s", wait)
	}
	if rest[5].ID == client.SessionHash(old) || c.SessionID() == old || c.State() != client.StateReady {
		tw.fail(id, "want READY on a new session")
	}
	if count(recs, client.KindResumed) != 0 {
		tw.fail(id, "RESUMED after an Invalid Session")
	}
}
