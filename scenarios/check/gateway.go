package check

import (
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// GatewayTruth is what GatewayProtocol needs beyond the records: the
// gateway's configuration as the scenario set it, where each client runs,
// and the run's faults as the fault log recorded them (true times).
type GatewayTruth struct {
	// HeartbeatInterval and HeartbeatGrace: a gateway closes a connection
	// with 4009 when no heartbeat came for their sum (gateway.Options).
	HeartbeatInterval, HeartbeatGrace sim.Duration
	// ResumeWindow is how long a session outlives its connection;
	// ResumeBufferEvents bounds its replay buffer (gateway.Options).
	ResumeWindow       sim.Duration
	ResumeBufferEvents int
	// NodeOf names the node a client runs on (sim.NoNode if unknown).
	NodeOf func(client uint32) sim.NodeID
	// Cuts are the run's partitions as one-way cuts: a symmetric partition
	// is two cuts, an isolated node two cuts to and from every other node.
	Cuts []Cut
	// NodeFaults are every other fault (crash, kill, latency, loss,
	// duplication, clock, disk), once per node it touched. An
	// instantaneous fault lasts 1 ns.
	NodeFaults []NodeFault
}

// Cut is traffic from every node of From to every node of To held over
// During.
type Cut struct {
	From, To []sim.NodeID
	During   Interval
}

// NodeFault is a fault other than a partition on one node.
type NodeFault struct {
	Node   sim.NodeID
	Kind   string // the fault's kind as faults names it ("crash", "clock-drift")
	During Interval
}

const (
	// closeSlack is what GatewayProtocol's rule 1 allows on top of the
	// heartbeat interval and grace: network delay of the close, scheduling
	// delay of the session's timer.
	closeSlack = 5 * sim.Second
	// faultLookback: rules 1 and 2 judge a client only if its link with
	// the gateway node saw no other fault this long before. A half-open
	// connection left by an earlier fault (the gateway's side gave up, the
	// client's did not) is noticed by the client's next heartbeat, within
	// an interval plus the stream timeout.
	faultLookback = 3 * sim.Minute
	// resumeSlack: rule 2 judges a resume only if it came this much inside
	// the resume window after the client last heard from its session. The
	// session may have detached before the client's last receipt by as
	// long as a stream holds data before its sender gives up (30 s).
	resumeSlack = 45 * sim.Second
	// fanoutSlack: messages sent this long before the client's last
	// receipt may still have reached its session afterwards (a store
	// write's timeouts, held process messages).
	fanoutSlack = 60 * sim.Second
)

// GatewayProtocol checks three rules of the gateway protocol, from the
// clients' records and GatewayTruth only:
//
//  1. Heartbeat timeout: for every cut of traffic from a client's node n
//     to a gateway node g starting at s and lasting at least
//     HeartbeatInterval + HeartbeatGrace + 5 s (D), every client on n
//     attached to g at s (its last READY or RESUMED before s was on g,
//     with no close, zombie, op 7 or Invalid Session since) records the
//     end of that connection by s + D: the gateway closes it with 4009
//     (the client's heartbeats stopped arriving), unless the client ended
//     it earlier itself or was told otherwise. Judged only when no other
//     fault touched the link (another cut between n and g either way, or
//     any fault of n or g) within [s - 3 min, s + D] and the run recorded
//     up to s + D.
//  2. A resume is honoured when it should be: a client's first Resume of
//     session S after it last heard from S (its READY, RESUMED or a
//     dispatch, at a) that reaches S's node (the node of S's READY) by
//     a + ResumeWindow - 45 s, with S's node never crashed since the READY,
//     no op 7 from it, no cut from the client's node to it and no other
//     fault of either node within [a - 3 min, Resume], and at most
//     ResumeBufferEvents/2 posts in channels the user may see sent within
//     [a - 60 s, Resume] (each is at most one event for the session;
//     GUILD_CREATE and GUILD_DELETE fill the margin), must not be answered
//     Invalid Session (d=false).
//  3. A replay is bounded: between a Resume and its RESUMED a client
//     receives at most ResumeBufferEvents events (the replay).
//
// Unknown if Truth.Gateway (with its options) or Truth.UserOf and
// Truth.Access (rule 2) are missing, or records were dropped.
func GatewayProtocol(h *History, t Truth) Verdict {
	const name = "gateway-protocol"
	if h.Dropped > 0 {
		return unknown(name, "the recorder dropped %d records", h.Dropped)
	}
	g := t.Gateway
	if g == nil || g.HeartbeatInterval <= 0 || g.ResumeWindow <= 0 || g.ResumeBufferEvents <= 0 || g.NodeOf == nil {
		return unknown(name, "Truth.Gateway or its options are missing")
	}
	if t.UserOf == nil || t.Access == nil {
		return unknown(name, "Truth.UserOf or Truth.Access is missing")
	}
	ix := buildIndex(h)
	replays := 0
	for _, c := range ix.clients {
		n, v, at := replayBound(ix.byClient[c], g.ResumeBufferEvents)
		if v != "" {
			return illegal(name, "client %d %s", c, v).at(at)
		}
		replays += n
	}
	timeouts, closed := 0, 0
	for i := range g.Cuts {
		j, cl, v, at := heartbeatTimeout(ix, g, i, t.EndAt)
		if v != "" {
			return illegal(name, "%s", v).at(at)
		}
		timeouts, closed = timeouts+j, closed+cl
	}
	resumes := 0
	for _, c := range ix.clients {
		j, v, at := resumeHonoured(ix, g, t, c)
		if v != "" {
			return illegal(name, "%s", v).at(at)
		}
		resumes += j
	}
	return ok(name, fmt.Sprintf("%d replays within %d events; %d connections cut off from their gateway closed in time (%d with 4009); %d resumes honoured as they should", replays, g.ResumeBufferEvents, timeouts, closed, resumes))
}

// replayBound is rule 3 for one client's records: it returns how many
// replays (Resume ... RESUMED) it saw, or a violation.
func replayBound(recs []client.Record, bound int) (int, string, sim.Time) {
	replays := 0
	open := false
	var from client.Record
	events := 0
	for _, rec := range recs {
		switch {
		case rec.Kind == client.KindResume:
			open, from, events = true, rec, 0
		case !open:
		case rec.Kind == client.KindDispatch || rec.Kind == client.KindDuplicate:
			events++
		case rec.Kind == client.KindResumed:
			open = false
			replays++
			if events > bound {
				return replays, fmt.Sprintf("resumed at %v (Resume sent at %v with s %d to node %d) after a replay of %d events: more than the replay buffer's bound of %d; the gateway must refuse such a resume (Invalid Session).",
					fmtTime(int64(rec.At)), fmtTime(int64(from.At)), from.Seq, from.Node, events, bound), rec.At
			}
		case isDown(rec.Kind):
			open = false
		}
	}
	return replays, "", 0
}

// blocks says whether cut holds traffic from a to b.
func (c Cut) blocks(a, b sim.NodeID) bool {
	return slices.Contains(c.From, a) && slices.Contains(c.To, b)
}

func overlaps(iv Interval, from, to sim.Time) bool { return iv.From <= to && from < iv.Until }

// linkDisturbed says whether any fault but cut skip (an index in g.Cuts)
// touched the link between nodes a and b within [from, to]: a cut between
// them either way, or any other fault of either node.
func (g *GatewayTruth) linkDisturbed(a, b sim.NodeID, skip int, from, to sim.Time) bool {
	for i, c := range g.Cuts {
		if i != skip && overlaps(c.During, from, to) && (c.blocks(a, b) || c.blocks(b, a)) {
			return true
		}
	}
	return g.nodeFaulted(a, b, from, to)
}

// heartbeatTimeout is rule 1 for cut ci of g.Cuts: it returns how many
// connections it judged, how many of them the gateway closed with 4009,
// or a violation.
func heartbeatTimeout(ix *index, g *GatewayTruth, ci int, endAt sim.Time) (judged, closed int, violation string, at sim.Time) {
	cut := g.Cuts[ci]
	d := g.HeartbeatInterval + g.HeartbeatGrace + closeSlack
	s := cut.During.From
	deadline := s.Add(d)
	if cut.During.Until < deadline || endAt < deadline {
		return 0, 0, "", 0
	}
	for _, c := range ix.clients {
		n := g.NodeOf(c)
		if n == sim.NoNode || !slices.Contains(cut.From, n) {
			continue
		}
		recs := ix.byClient[c]
		gw := sim.NoNode
		k := 0
		for ; k < len(recs) && recs[k].At < s; k++ {
			switch r := recs[k]; {
			case r.Kind == client.KindReady || r.Kind == client.KindResumed:
				gw = r.Node
			case isDown(r.Kind):
				gw = sim.NoNode
			}
		}
		if gw == sim.NoNode || !slices.Contains(cut.To, gw) || g.linkDisturbed(n, gw, ci, s.Add(-faultLookback), deadline) {
			continue
		}
		judged++
		var end *client.Record
		for ; k < len(recs); k++ {
			if isDown(recs[k].Kind) {
				end = &recs[k]
				break
			}
		}
		if end == nil || end.At > deadline {
			what := "it was never closed"
			if end != nil {
				what = fmt.Sprintf("it lasted until %v (%s, code %d)", fmtTime(int64(end.At)), end.Kind, end.Seq)
			}
			return judged, closed, fmt.Sprintf("client %d on node %d was attached to gateway node %d when traffic from its node to the gateway was cut at %v (until %s): with no heartbeat arriving, the gateway must close the connection with 4009 within the heartbeat interval %v plus the grace %v (+%v slack), by %v, but %s.",
				c, n, gw, fmtTime(int64(s)), endString(cut.During.Until), g.HeartbeatInterval, g.HeartbeatGrace, closeSlack, fmtTime(int64(deadline)), what), deadline
		}
		if end.Kind == client.KindClosed && end.Seq == 4009 {
			closed++
		}
	}
	return judged, closed, "", 0
}

// resumeHonoured is rule 2 for one client: it returns how many resumes it
// judged, or a violation.
func resumeHonoured(ix *index, g *GatewayTruth, t Truth, c uint32) (int, string, sim.Time) {
	n := g.NodeOf(c)
	user := t.UserOf(c)
	var (
		live      bool // a session is known
		hash      uint64
		node      sim.NodeID
		readyAt   sim.Time
		lastAlive sim.Time
		drained   bool
		attempts  int            // Resumes of the session since lastAlive
		pending   *client.Record // the Resume awaiting an answer, if judged
		aliveAt   sim.Time       // lastAlive when pending was sent
	)
	judged := 0
	recs := ix.byClient[c]
	for i := range recs {
		rec := &recs[i]
		switch rec.Kind {
		case client.KindReady:
			live, hash, node, readyAt, lastAlive, drained, attempts, pending = true, rec.ID, rec.Node, rec.At, rec.At, false, 0, nil
		case client.KindResumed, client.KindDispatch, client.KindDuplicate:
			if rec.Kind == client.KindResumed {
				if pending != nil {
					judged++
				}
				pending = nil
			}
			if live {
				// The replay of a pending Resume comes before its answer.
				lastAlive, attempts = rec.At, 0
			}
		case client.KindReconnect:
			if live && rec.Node == node {
				drained = true
			}
			pending = nil
		case client.KindResume:
			pending = nil
			if !live || rec.ID != hash {
				continue
			}
			attempts++
			if attempts != 1 || rec.Node != node || drained || n == sim.NoNode ||
				rec.At > lastAlive.Add(g.ResumeWindow-resumeSlack) ||
				g.crashed(node, readyAt, rec.At) || g.cutFrom(n, node, lastAlive.Add(-faultLookback), rec.At) ||
				g.nodeFaulted(n, node, lastAlive.Add(-faultLookback), rec.At) {
				continue
			}
			if posts := postsVisible(ix, t, user, lastAlive.Add(-fanoutSlack), rec.At); posts > g.ResumeBufferEvents/2 {
				continue
			}
			pending, aliveAt = rec, lastAlive
		case client.KindInvalidSession:
			if pending != nil {
				judged++
				if rec.Seq == 0 {
					posts := postsVisible(ix, t, user, aliveAt.Add(-fanoutSlack), pending.At)
					return judged, fmt.Sprintf("client %d (user %d) resumed session %x at its node %d at %v, %v after it last heard from the session (%v, within the resume window %v), with that node up since the READY at %v, no fault on the link, and %d posts it may see sent meanwhile (the replay buffer holds %d events), but got Invalid Session (not resumable) at %v: the gateway refused a resume it should have honoured.",
						c, user, hash, node, fmtTime(int64(pending.At)), pending.At.Sub(aliveAt), fmtTime(int64(aliveAt)), g.ResumeWindow, fmtTime(int64(readyAt)), posts, g.ResumeBufferEvents, fmtTime(int64(rec.At))), rec.At
				}
			}
			pending = nil
			if rec.Seq == 0 {
				live = false
			}
		case client.KindClosed, client.KindClientClose, client.KindZombie, client.KindStopped:
			pending = nil
		}
	}
	return judged, "", 0
}

// crashed says whether node was down at some instant of [from, to].
func (g *GatewayTruth) crashed(node sim.NodeID, from, to sim.Time) bool {
	for _, f := range g.NodeFaults {
		if f.Node == node && f.Kind == "crash" && overlaps(f.During, from, to) {
			return true
		}
	}
	return false
}

// cutFrom says whether traffic from a to b was cut at some instant of
// [from, to].
func (g *GatewayTruth) cutFrom(a, b sim.NodeID, from, to sim.Time) bool {
	for _, c := range g.Cuts {
		if c.blocks(a, b) && overlaps(c.During, from, to) {
			return true
		}
	}
	return false
}

// nodeFaulted says whether any fault other than a partition touched a or
// b within [from, to].
func (g *GatewayTruth) nodeFaulted(a, b sim.NodeID, from, to sim.Time) bool {
	for _, f := range g.NodeFaults {
		if (f.Node == a || f.Node == b) && overlaps(f.During, from, to) {
			return true
		}
	}
	return false
}

// postsVisible counts the posts (any outcome) sent within [from, to] in
// channels user may see at some instant of that window.
func postsVisible(ix *index, t Truth, user uint64, from, to sim.Time) int {
	n := 0
	for _, s := range ix.sends {
		if s.sentAt >= from && s.sentAt <= to && t.Access.canSeeDuring(user, s.channel, from, to) {
			n++
		}
	}
	return n
}
