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
	// Send says which user may post in (and react to messages of) which
	// channel when: VIEW_CHANNEL and SEND_MESSAGES (and ADD_REACTIONS,
	// READ_MESSAGE_HISTORY). Permitted judges rejected posts and
	// reactions by it; nil: they are not judged.
	Send *Access
	// Manage says which user may delete others' messages of which channel
	// when (VIEW_CHANNEL and MANAGE_MESSAGES): Permitted judges rejected
	// deletes of others' messages and bulk deletes by it; nil: not judged.
	Manage *Access
	// Removals are the members the scenario removed from a guild (kick,
	// ban), for RemovedGetsNothing.
	Removals []Removal
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
	// GuildOf names the guild of a channel (scenario set-up). With it,
	// SessionOrder restarts only a guild's channels at its GUILD_CREATE
	// (a resync: the client backfills the gap from history, which
	// Liveness checks page by page), Authorized bounds a backfill page's
	// window by the guild's GUILD_CREATE, and RemovedGetsNothing knows
	// which guild a dispatch is of. Nil: SessionOrder restarts every
	// channel, Authorized judges backfill pages from the start of the
	// run, RemovedGetsNothing is Unknown.
	GuildOf func(channel uint64) uint64
	// Gateway is how the scenario configured the gateway and which faults
	// it applied, for GatewayProtocol (nil: Unknown).
	Gateway *GatewayTruth
	// ArtifactDir is where a checker may write what shows its failure
	// (Porcupine's visualisation); empty: nowhere. It never changes a
	// verdict.
	ArtifactDir string
}

// Removal is one member removed from a guild: from AckedAt (the true time
// the guild's acknowledgement, guild.MemberRemoved, reached the scenario's
// driver) until Until (the true time the member's re-adding was issued;
// Forever if never), no session of User gets anything of Guild that
// happened after the acknowledgement.
type Removal struct {
	User, Guild uint64
	AckedAt     sim.Time
	Until       sim.Time
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
