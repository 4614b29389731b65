package check

import (
	"sort"

	"github.com/guildsim/guildsim/sim"
)

// Truth is what the scenario itself knows, never read from system state:
// who each client is, who may see which channel when, when the faults were
// healed, and how long the system has to recover.
type Truth struct {
	// UserOf says which user a client logs in as. Required by Authorized
	// and Liveness.
	UserOf func(client uint32) uint64
	// Access says which user may see which channel over which true-time
	// intervals.
	Access *Access
	// Online says whether a client is meant to be connected after the heal
	// (Liveness). Nil: every client that appears in the history.
	Online func(client uint32) bool
	// Receives says whether a client is meant to get MESSAGE_CREATE for a
	// channel it may see (false for a passive session in a large guild the
	// client never opened, which gets CHANNEL_UNREAD instead). Nil: always.
	Receives func(client uint32, channel uint64) bool
	// HealedAt is the true time the last fault ended; the liveness phase
	// starts there.
	HealedAt sim.Time
	// LivenessBound is how long after HealedAt every client must be
	// connected again, and how long after its acknowledgement a message
	// sent after the heal has to reach every client that should get it.
	LivenessBound sim.Duration
	// EndAt is the true time the run stopped recording. Liveness is Unknown
	// if EndAt < HealedAt + LivenessBound.
	EndAt sim.Time
	// ConvergedAt is when reads must see every acknowledged write again
	// (NoAckedMessageLost judges reads called from then on): HealedAt for
	// reads at QUORUM, later for reads at ONE (replicas converge by hinted
	// handoff). Zero: HealedAt.
	ConvergedAt sim.Time
	// GuildOf names the guild of a channel (scenario set-up). With it, a
	// client that missed messages while its session was out of their
	// guild (a broken link) and then got that guild's GUILD_CREATE again is
	// resynchronised: Liveness counts the messages before that GUILD_CREATE
	// as delivered by the resync, and SessionOrder restarts only that
	// guild's channels. Nil: SessionOrder restarts every channel, Liveness
	// counts no resync.
	GuildOf func(channel uint64) uint64
	// Gateway is how the scenario configured the gateway and which faults
	// it applied, for GatewayProtocol (nil: Unknown).
	Gateway *GatewayTruth
	// ArtifactDir is where a checker may write what shows its failure
	// (Porcupine's visualisation); empty: nowhere. It never changes a
	// verdict.
	ArtifactDir string
}

// Interval is a half-open interval of true virtual time [From, Until).
type Interval struct{ From, Until sim.Time }

// Forever is the Until of a grant that is never revoked.
const Forever = sim.Time(1<<63 - 1)

type userChannel struct{ user, channel uint64 }

// Access is a timeline of who may see which channel: for each (user,
// channel) a set of intervals. A guild applies a permission change from the
// next message it fans out, so a scenario that changes permissions should
// record the grant as starting when the change is surely applied and ending
// when its revocation was issued (Authorized then cannot blame the
// propagation delay), and should keep the two apart by at least that delay.
//
// Settle widens that for a scenario that changes permissions while messages
// flow and cannot say to the instant when the guild applied a change: it
// records grants and revocations at the instant they were issued, and a
// change is applied within Settle of it. A user may then have seen a
// channel from a grant's From until Settle after its Until (Authorized
// allows a delivery there), and must see it from Settle after From until
// Until (Liveness expects deliveries only there).
type Access struct {
	grants map[userChannel][]Interval
	Settle sim.Duration
}

// NewAccess returns an empty timeline: nobody sees anything.
func NewAccess() *Access { return &Access{grants: map[userChannel][]Interval{}} }

// Grant lets user see channel over [from, until).
func (a *Access) Grant(user, channel uint64, from, until sim.Time) {
	k := userChannel{user, channel}
	iv := append(a.grants[k], Interval{From: from, Until: until})
	sort.Slice(iv, func(i, j int) bool { return iv[i].From < iv[j].From })
	a.grants[k] = iv
}

// Revoke ends user's grants of channel that cover at, at at (the instant
// the revocation was issued).
func (a *Access) Revoke(user, channel uint64, at sim.Time) {
	for i, iv := range a.grants[userChannel{user, channel}] {
		if iv.From <= at && at < iv.Until {
			a.grants[userChannel{user, channel}][i].Until = at
		}
	}
}

// CanSee says whether user may see channel at true time t.
func (a *Access) CanSee(user, channel uint64, t sim.Time) bool {
	if a == nil {
		return false
	}
	for _, iv := range a.grants[userChannel{user, channel}] {
		if iv.From <= t && t < iv.Until {
			return true
		}
	}
	return false
}

// canSeeDuring says whether user may see channel at some instant of [from,
// to]: a message created somewhere in that window might have been visible.
func (a *Access) canSeeDuring(user, channel uint64, from, to sim.Time) bool {
	if a == nil {
		return false
	}
	for _, iv := range a.grants[userChannel{user, channel}] {
		if iv.From <= to && from < a.mayUntil(iv) {
			return true
		}
	}
	return false
}

// canSeeThroughout says whether user may see channel at every instant of
// [from, to]: then a message created in that window must reach them.
func (a *Access) canSeeThroughout(user, channel uint64, from, to sim.Time) bool {
	if a == nil {
		return false
	}
	for _, iv := range a.grants[userChannel{user, channel}] {
		if iv.From.Add(a.Settle) <= from && to < iv.Until {
			return true
		}
	}
	return false
}

// mayUntil is when a grant surely stopped applying: Settle after it was
// revoked (Forever stays Forever).
func (a *Access) mayUntil(iv Interval) sim.Time {
	if iv.Until == Forever || a.Settle == 0 {
		return iv.Until
	}
	return iv.Until.Add(a.Settle)
}
