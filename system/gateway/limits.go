package gateway

import "github.com/guildsim/guildsim/sim"

// ---- the per-connection event limit (120 per 60 s) ----

// rateWindow counts a connection's client payloads in a fixed window that
// opens with the first payload after the previous window ran out. GUESS: the
// reference gives the figure (120 per 60 s, then an immediate disconnect),
// not the algorithm; a fixed window costs 12 bytes per session where a
// sliding log would cost a timestamp per allowed event.
type rateWindow struct {
	start sim.Time // monotonic
	count int32
}

// allow counts one payload and reports whether it is within the limit.
func (r *rateWindow) allow(now sim.Time, limit int, window sim.Duration) bool {
	if r.count == 0 || now.Sub(r.start) >= window {
		r.start, r.count = now, 0
	}
	r.count++
	return int(r.count) <= limit
}

// ---- the identify limiter ----

// The identify limiter is one process per cluster, registered as LimiterName
// on Options.LimiterNode. Both identify limits are per token, whatever
// gateway node a shard connects to, so they need one place that sees every
// Identify of the cluster; a per-node limiter would let a bot whose shards
// land on k nodes identify k times per bucket per 5 s. A session asks it
// with identifyRequest (a process message, possibly to another node) and
// waits for identifyVerdict, at most Options.IdentifyPermitTimeout: a
// limiter that is down or partitioned away means Invalid Session, never an
// unlimited rate. It keeps its state in memory: a crash of its node forgets
// the day's budgets (GUESS: the real store is not documented). Its table has
// one entry per token that ever identified, so it is bounded by the token
// table (sessions reject unknown tokens before asking).

// NewLimiter returns the identify limiter's handler. Boot spawns it on
// Options.LimiterNode; spawn it yourself only on a node booted otherwise.
func NewLimiter(o *Options) sim.Handler {
	sim.Assert(o.validated, "gateway: NewLimiter with unvalidated Options")
	return &limiter{o: o, limits: identifyLimits{
		budget: o.IdentifyBudget, budgetWindow: o.IdentifyBudgetWindow, concurrencyWindow: o.IdentifyConcurrencyWindow,
	}}
}

type limiter struct {
	o      *Options
	limits identifyLimits
}

// Start registers the limiter so sessions reach it by name.
func (l *limiter) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.Register(LimiterName), "gateway: a second identify limiter on one node")
}

// Receive answers identify requests.
func (l *limiter) Receive(ctx *sim.Ctx, msg any) {
	r, ok := msg.(identifyRequest)
	if !ok {
		return
	}
	ctx.Work(l.o.IdentifyCheckCost)
	v := l.limits.admit(ctx.Monotonic(), r.token, int(r.bucket), int(r.buckets))
	ctx.Send(ctx.Sender(), identifyVerdict{req: r.req, verdict: v})
}

// identifyRequest asks the limiter to admit one Identify of token in bucket
// (shard_id % max_concurrency) of buckets (max_concurrency).
type identifyRequest struct {
	token   string
	req     uint32 // the session's request number, echoed back
	bucket  int32
	buckets int32
}

func (r identifyRequest) WireSize() int { return 24 + len(r.token) }

type identifyVerdict struct {
	req     uint32
	verdict admitVerdict
}

func (identifyVerdict) WireSize() int { return 8 }

type admitVerdict uint8

const (
	admitOK          admitVerdict = iota + 1
	admitConcurrency              // the bucket admitted an Identify less than a window ago: Invalid Session
	admitBudget                   // the token's daily budget is spent: 4004
)

// identifyLimits is the limiter's pure state: a function of the requests and
// the times they arrived, tested without a world.
type identifyLimits struct {
	budget            int
	budgetWindow      sim.Duration
	concurrencyWindow sim.Duration

	index  map[string]int32 // token -> position in tokens (lookups only, never ranged)
	tokens []tokenLimits
}

// tokenLimits is one token's state. Bucket 0 is kept inline because most
// tokens (users, small bots) have max_concurrency 1.
type tokenLimits struct {
	windowStart sim.Time // start of the current budget window
	used        int32    // Identifies admitted in it
	last0       sim.Time // last admission in bucket 0 (0 = never)
	lastMore    []sim.Time
}

// admit decides one Identify at monotonic time now. The concurrency check
// comes first so that a refused Identify does not spend the daily budget
// (GUESS: the reference does not say whether refused ones count).
func (l *identifyLimits) admit(now sim.Time, token string, bucket, buckets int) admitVerdict {
	if l.index == nil {
		l.index = map[string]int32{}
	}
	i, ok := l.index[token]
	if !ok {
		i = int32(len(l.tokens))
		l.index[token] = i
		l.tokens = append(l.tokens, tokenLimits{windowStart: now})
	}
	t := &l.tokens[i]
	buckets = max(buckets, 1)
	bucket %= buckets
	last := &t.last0
	if bucket > 0 {
		for len(t.lastMore) < buckets-1 {
			t.lastMore = append(t.lastMore, 0)
		}
		last = &t.lastMore[bucket-1]
	}
	if *last != 0 && now.Sub(*last) < l.concurrencyWindow {
		return admitConcurrency
	}
	if now.Sub(t.windowStart) >= l.budgetWindow {
		t.windowStart, t.used = now, 0
	}
	if int(t.used) >= l.budget {
		return admitBudget
	}
	t.used++
	*last = now
	return admitOK
}
