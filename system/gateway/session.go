package gateway

import (
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// sessionState is where a session process is in its life (see doc.go).
type sessionState uint8

const (
	sFresh       sessionState = iota // Hello sent; waiting for Identify or Resume
	sIdentifying                     // Identify checked; waiting for the limiter's verdict
	sResumeWait                      // Resume forwarded to the session it names; waiting for the answer
	sReady                           // identified and attached to a connection: dispatching
	sAttaching                       // a resume was granted; waiting for the connection to be handed over
	sDetached                        // connection gone; resumable until ResumeWindow runs out
	sEnded
)

// session is one process per connection, and the session itself once
// identified. A session outlives its connection (detached) for the resume
// window; a fresh process that receives a Resume hands its connection to the
// session it names and exits (resume.go).
type session struct {
	o        *Options
	listener sim.PID
	slot     int32 // in the listener's table
	conn     sim.ConnID
	state    sessionState
	draining bool
	hbArmed  bool // a heartbeatCheck timer is pending
	expArmed bool // an expiryCheck timer is pending
	req      uint32
	target   sim.PID // sResumeWait: the session asked

	// Times on the node's monotonic clock.
	hbDeadline sim.Time // close 4009 if no heartbeat by then
	detachedAt sim.Time
	rate       rateWindow

	// Identity, set by Identify.
	id    string // session_id and registered name; "" until READY
	token string
	user  uint64
	bot   bool
	shard [2]int32

	seq        uint64 // last s given
	resumeFrom uint64 // sAttaching: replay events after this s
	buf        replayBuffer

	// unavailable are the guilds READY listed whose GUILD_CREATE has not
	// come yet, ascending; joinWait the current wait between retries.
	unavailable []uint64
	joinWait    sim.Duration
	joinArmed   bool // a joinRetry timer is pending
	// homes are the nodes of the guilds that sent GUILD_CREATE, watched
	// with MonitorNode (see GuildHomer).
	homes []guildHome
}

// guildHome is one guild's node as its GUILD_CREATE named it; watched
// says the session has a MonitorNode on it that has not fired.
type guildHome struct {
	guild   uint64
	node    sim.NodeID
	watched bool
}

// Timer and control messages.
type (
	heartbeatCheck struct{}
	expiryCheck    struct{}
	joinRetry      struct{}
	requestTimeout struct{ req uint32 }
	// ackDue sends a heartbeat ACK held back on conn (buggify: see
	// siteHeartbeatAckLate).
	ackDue        struct{ conn sim.ConnID }
	sessionExited struct{ slot int32 } // to the listener
)

// Start greets the client: Hello carries the heartbeat interval, and the
// first heartbeat is due within it.
func (s *session) Start(ctx *sim.Ctx) {
	s.send(ctx, Payload{Op: OpHello, D: Hello{HeartbeatInterval: s.o.HeartbeatInterval}})
	s.beatSeen(ctx)
}

// Receive handles one message.
func (s *session) Receive(ctx *sim.Ctx, msg any) {
	if s.state == sEnded {
		return
	}
	switch m := msg.(type) {
	case sim.StreamData:
		if m.Conn == s.conn && s.conn != 0 {
			s.onPayload(ctx, m.Msg)
		}
	case sim.StreamClosed:
		if m.Conn == s.conn && s.conn != 0 {
			s.connLost(ctx, m)
		}
	case Deliver:
		s.deliver(ctx, m)
	case heartbeatCheck:
		s.hbArmed = false
		s.checkHeartbeat(ctx)
	case joinRetry:
		s.joinArmed = false
		s.retryJoins(ctx)
	case sim.NodeDown:
		s.guildNodeDown(ctx, m.Node)
	case expiryCheck:
		s.expArmed = false
		s.checkExpiry(ctx)
	case requestTimeout:
		s.onRequestTimeout(ctx, m)
	case ackDue:
		if m.conn == s.conn && s.conn != 0 {
			s.send(ctx, Payload{Op: OpHeartbeatACK})
		}
	case identifyVerdict:
		s.onIdentifyVerdict(ctx, m)
	case resumeQuery:
		s.onResumeQuery(ctx, m)
	case resumeAnswer:
		s.onResumeAnswer(ctx, m)
	case attachConn:
		s.onAttach(ctx, m)
	case attachFailed:
		if s.state == sAttaching && m.conn == s.conn {
			s.conn = 0
			s.detach(ctx)
		}
	case drainNow:
		s.onDrain(ctx)
	case drainClose:
		s.onDrainClose(ctx)
	}
}

// ---- client payloads ----

func (s *session) onPayload(ctx *sim.Ctx, msg any) {
	p, ok := msg.(Payload)
	if !ok {
		s.closeWith(ctx, CloseDecodeError)
		return
	}
	if p.WireSize() > s.o.MaxPayloadBytes {
		s.closeWith(ctx, CloseDecodeError)
		return
	}
	// Every client payload counts, heartbeats included (discord.py budgets
	// 110 of the 120 and keeps 10 for heartbeats).
	if !s.rate.allow(ctx.Monotonic(), s.o.EventsPerWindow, s.o.EventWindow) {
		sim.Reachable(ctx, "gateway/closed-4008-rate-limited")
		s.closeWith(ctx, CloseRateLimited)
		return
	}
	switch p.Op {
	case OpHeartbeat:
		hb, _ := p.D.(Heartbeat)
		s.beatSeen(ctx)
		if s.state == sReady && hb.LastSeq <= s.seq {
			s.buf.trimThrough(hb.LastSeq)
		}
		s.ack(ctx)
	case OpIdentify, OpResume:
		// Both open a session: only on a fresh connection, and only with
		// the payload their op names.
		d, isIdentify := p.D.(Identify)
		r, isResume := p.D.(Resume)
		switch {
		case p.Op == OpIdentify && !isIdentify, p.Op == OpResume && !isResume:
			s.closeWith(ctx, CloseDecodeError)
		case s.state != sFresh:
			s.closeWith(ctx, CloseAlreadyAuthenticated)
		case isIdentify:
			s.identify(ctx, d)
		default:
			s.resume(ctx, r)
		}
	default:
		switch {
		case !p.Op.sentByClient():
			s.closeWith(ctx, CloseUnknownOpcode)
		case s.state != sReady:
			s.closeWith(ctx, CloseNotAuthenticated)
		case p.Op == OpGuildSubscriptions:
			if h, ok := s.o.Hooks.(ClientOpHooks); ok {
				h.ClientOp(ctx, s.info(ctx), p)
			}
		}
		// Presence, voice state and member requests belong to later layers.
	}
}

// siteHeartbeatAckLate is the session's buggify site: the ACK to a
// heartbeat leaves late (a busy gateway scheduler, a full socket buffer),
// by up to half the heartbeat interval: late enough that dispatches
// overtake it, never so late that the client, which wants the ACK before
// its next beat, must call the connection a zombie.
const siteHeartbeatAckLate = "gateway/heartbeat-ack-late"

// ack acknowledges a heartbeat, at once or (buggify) later on the same
// connection.
func (s *session) ack(ctx *sim.Ctx) {
	if !ctx.Buggify(siteHeartbeatAckLate) {
		s.send(ctx, Payload{Op: OpHeartbeatACK})
		return
	}
	ctx.SetTimer(ctx.Rand().Duration(sim.Millisecond, s.o.HeartbeatInterval/2), ackDue{conn: s.conn})
}

// beatSeen moves the heartbeat deadline: one interval plus the grace from
// now. The pending check timer, if any, finds the later deadline and re-arms
// itself, so a heartbeat costs no timer cancellation.
func (s *session) beatSeen(ctx *sim.Ctx) {
	s.hbDeadline = ctx.Monotonic().Add(s.o.HeartbeatInterval + s.o.HeartbeatGrace)
	if !s.hbArmed {
		s.hbArmed = true
		ctx.SetTimer(s.hbDeadline.Sub(ctx.Monotonic()), heartbeatCheck{})
	}
}

func (s *session) checkHeartbeat(ctx *sim.Ctx) {
	if s.conn == 0 {
		return // detached: no connection to time out
	}
	now := ctx.Monotonic()
	if now < s.hbDeadline {
		s.hbArmed = true
		ctx.SetTimer(s.hbDeadline.Sub(now), heartbeatCheck{})
		return
	}
	sim.Reachable(ctx, "gateway/closed-4009-heartbeat-timeout")
	s.closeWith(ctx, CloseSessionTimedOut)
}

// ---- identify ----

func (s *session) identify(ctx *sim.Ctx, d Identify) {
	info, ok := s.o.Tokens.Lookup(d.Token)
	switch {
	case !ok:
		s.closeWith(ctx, CloseAuthenticationFailed)
		return
	case !validShard(d.Shard):
		s.closeWith(ctx, CloseInvalidShard)
		return
	case d.Intents&^validIntents != 0:
		s.closeWith(ctx, CloseInvalidIntents)
		return
	case info.Bot && d.Intents&PrivilegedIntents&^info.PrivilegedIntents != 0:
		s.closeWith(ctx, CloseDisallowedIntents)
		return
	}
	s.token, s.user, s.bot = d.Token, info.UserID, info.Bot
	s.shard = [2]int32{int32(d.Shard[0]), int32(d.Shard[1])}
	conc := max(info.MaxConcurrency, 1)
	s.state = sIdentifying
	s.req++
	ctx.SendNamed(s.o.LimiterNode, LimiterName, identifyRequest{
		token: d.Token, req: s.req, bucket: int32(IdentifyBucket(d.Shard[0], conc)), buckets: int32(conc),
	})
	ctx.SetTimer(s.o.IdentifyPermitTimeout, requestTimeout{req: s.req})
}

func (s *session) onIdentifyVerdict(ctx *sim.Ctx, m identifyVerdict) {
	if s.state != sIdentifying || m.req != s.req {
		return // timed out already
	}
	switch m.verdict {
	case admitOK:
		s.becomeReady(ctx)
	case admitConcurrency:
		// "If you hit this limit, the Gateway will respond with an Opcode 9
		// Invalid Session": the client waits 1-5 s and identifies again.
		sim.Reachable(ctx, "gateway/identify-concurrency-limited")
		s.invalid(ctx)
	case admitBudget:
		// Discord resets the token of a bot that spends its daily budget;
		// here the token stays known but every further Identify fails the
		// same way until the window turns (GUESS: other sessions of the
		// token are not terminated).
		s.closeWith(ctx, CloseAuthenticationFailed)
	}
}

// becomeReady creates the session: a fresh ID registered on this node, READY
// with s = 1, and the hook that lets guilds learn of it.
func (s *session) becomeReady(ctx *sim.Ctx) {
	for tries := 0; ; tries++ {
		sim.Assert(tries < 8, "gateway: could not register a fresh session ID")
		id := newSessionID(ctx.Node(), ctx.Rand())
		if ctx.Register(id) {
			s.id = id
			break
		}
	}
	s.state = sReady
	ready := Ready{
		V: 10, User: User{ID: s.user, Bot: s.bot}, SessionID: s.id,
		ResumeGatewayURL: GatewayURL{Node: ctx.Node(), Port: s.o.Port},
		Shard:            [2]int{int(s.shard[0]), int(s.shard[1])}, Session: ctx.Self(),
	}
	if s.o.Hooks != nil {
		s.o.Hooks.Identified(ctx, s.info(ctx), &ready)
	}
	s.unavailable = s.unavailable[:0]
	for _, g := range ready.Guilds {
		if g.Unavailable {
			s.unavailable = append(s.unavailable, g.ID)
		}
	}
	slices.Sort(s.unavailable)
	s.homes = s.homes[:0]
	s.armJoinRetry(ctx)
	s.dispatch(ctx, EventReady, ready, 0)
}

// Join retries: a guild listed unavailable in READY must send its
// GUILD_CREATE; the message that told it about the session can be lost (a
// link between the gateway and guild nodes that breaks), so the session
// asks again (JoinRetryHooks) after firstJoinRetry, then doubling up to
// maxJoinRetry, while any stays unavailable and the session lives.
const (
	firstJoinRetry = 5 * sim.Second  // GUESS
	maxJoinRetry   = 20 * sim.Second // GUESS
)

// armJoinRetry starts the retries (firstJoinRetry) if guilds are
// unavailable, the hooks can retry, and no retry is pending.
func (s *session) armJoinRetry(ctx *sim.Ctx) {
	if _, ok := s.o.Hooks.(JoinRetryHooks); !ok || len(s.unavailable) == 0 || s.joinArmed {
		return
	}
	s.joinWait, s.joinArmed = firstJoinRetry, true
	ctx.SetTimer(s.joinWait, joinRetry{})
}

// retryJoins asks the hooks to join the guilds still unavailable.
func (s *session) retryJoins(ctx *sim.Ctx) {
	h, ok := s.o.Hooks.(JoinRetryHooks)
	if !ok || len(s.unavailable) == 0 {
		return
	}
	switch s.state {
	case sReady, sAttaching, sDetached:
	default:
		return
	}
	h.RetryJoins(ctx, s.info(ctx), s.unavailable)
	s.joinWait = min(2*s.joinWait, maxJoinRetry)
	s.joinArmed = true
	ctx.SetTimer(s.joinWait, joinRetry{})
}

// guildNodeDown: the link to a node with guilds of this session broke.
// Those guilds are unavailable until their GUILD_CREATE comes again; the
// client is told (GUILD_DELETE, unavailable) and the session asks again.
func (s *session) guildNodeDown(ctx *sim.Ctx, node sim.NodeID) {
	switch s.state {
	case sReady, sAttaching, sDetached:
	default:
		return
	}
	for i := range s.homes {
		h := &s.homes[i]
		if h.node != node || !h.watched {
			continue
		}
		h.watched = false
		if i, found := slices.BinarySearch(s.unavailable, h.guild); !found {
			s.unavailable = slices.Insert(s.unavailable, i, h.guild)
			sim.Reachable(ctx, "gateway/guild-unavailable-on-node-down")
			s.dispatch(ctx, EventGuildDelete, UnavailableGuild{ID: h.guild, Unavailable: true}, 0)
		}
	}
	s.armJoinRetry(ctx)
}

// watchHome records a guild's node from its GUILD_CREATE and watches it.
func (s *session) watchHome(ctx *sim.Ctx, guild uint64, node sim.NodeID) {
	if node == ctx.Node() {
		return
	}
	watchedAlready := false
	idx := -1
	for i, h := range s.homes {
		if h.node == node && h.watched {
			watchedAlready = true
		}
		if h.guild == guild {
			idx = i
		}
	}
	if !watchedAlready {
		ctx.MonitorNode(node)
	}
	if idx < 0 {
		s.homes = append(s.homes, guildHome{guild: guild, node: node, watched: true})
	} else {
		s.homes[idx] = guildHome{guild: guild, node: node, watched: true}
	}
}

func (s *session) info(ctx *sim.Ctx) SessionInfo {
	return SessionInfo{
		ID: s.id, PID: ctx.Self(), Node: ctx.Node(), UserID: s.user, Bot: s.bot,
		Shard: [2]int{int(s.shard[0]), int(s.shard[1])},
	}
}

// invalid answers op 9 d=false and returns to the fresh state: the client may
// Identify on this connection or, as discord.py does, close and reconnect.
func (s *session) invalid(ctx *sim.Ctx) {
	s.send(ctx, Payload{Op: OpInvalidSession, D: InvalidSession{Resumable: false}})
	s.state = sFresh
	s.token, s.user, s.bot, s.shard, s.target = "", 0, false, [2]int32{}, 0
}

func (s *session) onRequestTimeout(ctx *sim.Ctx, m requestTimeout) {
	if m.req != s.req {
		return
	}
	switch s.state {
	case sIdentifying, sResumeWait:
		sim.Reachable(ctx, "gateway/identify-or-resume-timed-out")
		s.invalid(ctx)
	case sAttaching:
		// The fresh process never handed the connection over.
		s.conn = 0
		s.detach(ctx)
	}
}

// ---- dispatch ----

func (s *session) deliver(ctx *sim.Ctx, d Deliver) {
	switch s.state {
	case sReady, sAttaching, sDetached:
		if d.Event == EventGuildCreate {
			if e, ok := d.Data.(EventIDer); ok {
				if i, found := slices.BinarySearch(s.unavailable, e.EventID()); found {
					s.unavailable = slices.Delete(s.unavailable, i, i+1)
				}
				if hm, ok := d.Data.(GuildHomer); ok {
					s.watchHome(ctx, e.EventID(), hm.GuildHome())
				}
			}
		}
		s.dispatch(ctx, d.Event, d.Data, d.Size)
	}
	// Not identified yet (or a fresh process): there is no session to
	// deliver to, and nobody should know this PID as a session.
}

// dispatch gives the event the next s, keeps it for replay and sends it if a
// connection is attached. s is strictly increasing per session, across
// resumes.
func (s *session) dispatch(ctx *sim.Ctx, event string, data any, size int) {
	s.seq++
	s.buf.push(s.seq, bufferedEvent{event: event, data: data, size: int32(size)}, s.o.ResumeBufferEvents)
	if s.state == sReady {
		s.send(ctx, Payload{Op: OpDispatch, T: event, S: s.seq, D: data, Size: int32(size)})
	}
}

func (s *session) send(ctx *sim.Ctx, p Payload) {
	// An error means the connection is closed on our side, which we learn
	// from StreamClosed; until then there is nothing else to do.
	_ = ctx.StreamSend(s.conn, p)
}

// ---- resume ----

func (s *session) resume(ctx *sim.Ctx, d Resume) {
	node, ok := sessionNode(d.SessionID)
	if !ok || node != ctx.Node() {
		s.invalid(ctx)
		return
	}
	pid, ok := ctx.WhereIs(d.SessionID)
	if !ok {
		sim.Reachable(ctx, "gateway/resume-unknown-session")
		s.invalid(ctx) // expired, ended, or lost in a crash
		return
	}
	s.state = sResumeWait
	s.token = d.Token
	s.target = pid
	s.req++
	ctx.Send(pid, resumeQuery{token: d.Token, seq: d.Seq, conn: s.conn, req: s.req})
	ctx.SetTimer(s.o.IdentifyPermitTimeout, requestTimeout{req: s.req})
}

// onResumeQuery runs in the session a Resume names.
func (s *session) onResumeQuery(ctx *sim.Ctx, q resumeQuery) {
	v := resumeGranted
	switch {
	case q.token != s.token || s.draining || (s.state != sReady && s.state != sDetached):
		v = resumeRefused
	case q.seq > s.seq:
		v = resumeBadSeq
	case !s.buf.covers(q.seq, s.seq):
		v = resumeGone
	}
	sim.Sometimes(ctx, "gateway/resume-refused-past-buffer", v == resumeGone)
	sim.Sometimes(ctx, "gateway/resume-honoured-near-buffer-bound", v == resumeGranted && 10*(s.seq-q.seq) >= 9*uint64(s.o.ResumeBufferEvents))
	sim.Sometimes(ctx, "gateway/resume-honoured-at-buffer-bound", v == resumeGranted && s.seq-q.seq == uint64(s.o.ResumeBufferEvents))
	ctx.Send(ctx.Sender(), resumeAnswer{req: q.req, verdict: v})
	switch v {
	case resumeGranted:
		if s.conn != 0 {
			// The client gave up on this connection (a zombie, from our
			// side): only the newest one is the session's.
			sim.Reachable(ctx, "gateway/resume-replaced-zombie-connection")
			_ = ctx.StreamClose(s.conn, int(CloseUnknownError))
		}
		s.conn = q.conn
		s.state = sAttaching
		s.resumeFrom = q.seq
		s.beatSeen(ctx) // the new connection's deadline, not the old one's
		s.req++
		ctx.SetTimer(s.o.IdentifyPermitTimeout, requestTimeout{req: s.req})
	case resumeGone, resumeBadSeq:
		if s.conn != 0 {
			_ = ctx.StreamClose(s.conn, int(CloseUnknownError))
			s.conn = 0
		}
		s.end(ctx)
	}
}

// onResumeAnswer runs in the fresh process that received the Resume.
func (s *session) onResumeAnswer(ctx *sim.Ctx, m resumeAnswer) {
	if s.state != sResumeWait || m.req != s.req {
		if m.verdict == resumeGranted {
			// We timed out and answered Invalid Session already: release
			// the session that waits for our connection.
			ctx.Send(ctx.Sender(), attachFailed{conn: s.conn})
		}
		return
	}
	switch m.verdict {
	case resumeGranted:
		conn := s.conn
		if err := ctx.StreamHandoff(conn, s.target); err != nil {
			ctx.Send(s.target, attachFailed{conn: conn})
		} else {
			ctx.Send(s.target, attachConn{conn: conn})
		}
		s.conn = 0
		s.end(ctx)
	case resumeBadSeq:
		s.closeWith(ctx, CloseInvalidSeq)
	default:
		s.invalid(ctx)
	}
}

// onAttach replays exactly the events after the client's seq, in order, then
// RESUMED. RESUMED gets no s of its own (GUESS: the real one carries the
// next s; leaving it out keeps it out of the replay buffer, so a later
// resume never replays a RESUMED).
func (s *session) onAttach(ctx *sim.Ctx, m attachConn) {
	if s.state != sAttaching || m.conn != s.conn {
		return
	}
	s.state = sReady
	s.rate = rateWindow{}
	s.beatSeen(ctx)
	sim.Reachable(ctx, "gateway/resume-honoured")
	s.buf.each(s.resumeFrom, func(seq uint64, e *bufferedEvent) {
		s.send(ctx, Payload{Op: OpDispatch, T: e.event, S: seq, D: e.data, Size: e.size})
	})
	s.send(ctx, Payload{Op: OpDispatch, T: EventResumed, D: Resumed{}})
}

// ---- losing the connection, ending ----

// connLost handles the end of our connection. Only an identified session
// survives it; a client's 1000/1001 close invalidates even that (reference
// §1: "Close 1000/1001 invalidates the session").
func (s *session) connLost(ctx *sim.Ctx, m sim.StreamClosed) {
	s.conn = 0
	switch s.state {
	case sReady, sAttaching:
		code := CloseCode(m.Code)
		if s.draining || (m.Reason == sim.ClosePeer && (code == CloseNormal || code == CloseGoingAway)) {
			s.end(ctx)
			return
		}
		s.detach(ctx)
	default:
		s.end(ctx)
	}
}

// closeWith closes the connection with code. An identified session survives
// a resumable code (the client will resume); otherwise it ends.
func (s *session) closeWith(ctx *sim.Ctx, code CloseCode) {
	if s.conn != 0 {
		_ = ctx.StreamClose(s.conn, int(code))
		s.conn = 0
	}
	if (s.state == sReady || s.state == sAttaching) && code.Resumable() && !s.draining {
		s.detach(ctx)
		return
	}
	s.end(ctx)
}

func (s *session) detach(ctx *sim.Ctx) {
	s.state = sDetached
	s.detachedAt = ctx.Monotonic()
	if !s.expArmed {
		s.expArmed = true
		ctx.SetTimer(s.o.ResumeWindow, expiryCheck{})
	}
}

// checkExpiry ends a session detached for ResumeWindow. A pending check from
// an earlier detachment finds a later deadline and re-arms itself.
func (s *session) checkExpiry(ctx *sim.Ctx) {
	if s.state != sDetached {
		return
	}
	left := s.detachedAt.Add(s.o.ResumeWindow).Sub(ctx.Monotonic())
	if left > 0 {
		s.expArmed = true
		ctx.SetTimer(left, expiryCheck{})
		return
	}
	sim.Reachable(ctx, "gateway/session-expired")
	s.end(ctx)
}

// end ends the session (or the fresh process) for good: hooks hear of it,
// the listener frees its slot, and the registered name goes with the
// process, so a later Resume gets Invalid Session.
func (s *session) end(ctx *sim.Ctx) {
	if s.state == sEnded {
		return
	}
	identified := s.id != ""
	s.state = sEnded
	if identified && s.o.Hooks != nil {
		s.o.Hooks.Ended(ctx, s.info(ctx))
	}
	ctx.Send(s.listener, sessionExited{slot: s.slot})
	ctx.Exit(sim.ReasonNormal)
}
