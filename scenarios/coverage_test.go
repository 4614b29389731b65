package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/deploy"
)

// The coverage campaign is what TestScenarios and TestReadThroughDataServices
// run: seeds 1-seedsPerScenario of every scenario, with history reads through
// the coordinators and through the data services. Those tests record each
// run's coverage here, and TestRequiredCoverage reads it back, so CI pays
// for the campaign once; run alone, TestRequiredCoverage runs what is
// missing itself (the same runs: one seed, one run).
var campaign = struct {
	sync.Mutex
	coverage map[campaignKey][]sim.CoverageSite
}{coverage: map[campaignKey][]sim.CoverageSite{}}

type campaignKey struct {
	scenario string
	seed     uint64
	readPath string
}

// campaignReadPaths are the campaign's read paths, in the order its tests
// run them.
var campaignReadPaths = []string{"", "data-services"}

// campaignRun runs one seed of the campaign and records its coverage.
func campaignRun(name string, seed uint64, o Options) Result {
	r := Run(name, seed, o)
	campaign.Lock()
	campaign.coverage[campaignKey{name, seed, o.ReadPath}] = r.Coverage
	campaign.Unlock()
	return r
}

// requiredCoverage are the sites the campaign must reach: a change that
// makes a scenario stop walking one of these paths fails CI, even when
// every checker still says Ok (a planted bug there would then pass).
var requiredCoverage = []string{
	"guild/channel-overwrites-changed",
	"store/dataservice-coalescer-full",
	"client/reconnect-by-hand",
	"gateway/closed-4008-rate-limited",
	"guild/banned-user-not-added",
	"guild/member-removed-while-online",
	"client/backfill-after-resync",
	"client/closed-4009-by-gateway",
	"client/dial-refused-or-timed-out",
	"client/invalid-session-identify-again",
	"client/resume-sent",
	"client/send-timed-out",
	"client/zombie-connection-detected",
	"gateway/closed-4009-heartbeat-timeout",
	"gateway/guild-unavailable-on-node-down",
	"gateway/resume-honoured",
	"gateway/resume-refused-past-buffer",
	"gateway/resume-unknown-session",
	"gateway/session-expired",
	"guild/id-minted-ahead-of-clock",
	"guild/lost-session-rejoined",
	"guild/pin-refused-without-permission",
	"guild/post-failed-in-store",
	"guild/post-refused-by-checks",
	"guild/relay-roles-refreshed",
	"guild/restart-found-id-floor",
	"guild/store-acked-out-of-queue-order",
	"store/dataservice-cache-hit",
	"store/dataservice-flight-requeried-after-write",
	"store/dataservice-late-store-reply",
	"store/dataservice-read-coalesced",
	"store/hint-stored",
	"store/hints-replayed",
	"store/page-reread",
	"store/pin-written",
	"store/read-repair-write",
	"store/read-timed-out",
	"store/replica-marked-down",
	"store/replica-marked-up",
	"store/speculative-read",
	"store/write-timed-out-after-partial-ack",
}

// knownBlindSpots are the sites the campaign does not reach today, each
// with the reason: listed, never silently missing. A site reached by the
// campaign must move to requiredCoverage (the test says so), so the list
// only shrinks as the workload grows.
var knownBlindSpots = map[string]string{
	"gateway/identify-concurrency-limited":       "two Identifies of one max_concurrency bucket within its window need a fast reconnect loop: mixed's reconnect loops and storms reach it in some seeds (and 2 of 200 swarm seeds), seeds 1-3 of the campaign not reliably",
	"guild/channel-deleted-with-requests-queued": "mixed deletes a channel a few times a run, rarely while one of its posts awaits the store",
	"client/op7-reconnect":                       "op 7 is sent only by a draining gateway node: mixed drains one in a third of its seeds with two or more gateway nodes, not in seeds 1-3 (gateway-node-crash crashes its node)",
	"gateway/session-drained":                    "as client/op7-reconnect: mixed drains a gateway node in some seeds, not in seeds 1-3",
	"gateway/identify-or-resume-timed-out":       "the identify limiter (control node) or the resumed session must fail to answer within IdentifyPermitTimeout: 5 of 200 swarm seeds cut them off at that moment, none of seeds 1-3",
	"gateway/resume-honoured-at-buffer-bound":    "resume-past-buffer's cuts miss either a few dozen events (honoured) or a burst far past the 500-event bound (refused); no workload draws a gap of exactly 500",
	"gateway/resume-honoured-near-buffer-bound":  "no workload draws a gap of 450-500 missed events (see resume-honoured-at-buffer-bound)",
	"gateway/resume-replaced-zombie-connection":  "the gateway closes a silent connection (interval + grace) before the client's own zombie detection and resume arrive; needs a network flap short enough that the gateway still holds the old connection",
	"guild/channel-unread-to-passive":            "passive sessions are on in a third of mixed's seeds with guilds of 30 members or more, none of seeds 1-3 (and compare's relays+passive)",
	"guild/relay-node-down":                      "needs a fault on a guild node (relays run there) while fanning out through relays: celebrity-join has no faults, swarm and the fault scenarios run per-node fanout, and mixed leaves guild nodes alone",
	"store/commitlog-replayed-on-start":          "seeds 1-3 of swarm crash no storage node (63 of 200 swarm seeds do), and no other scenario crashes one",
	"store/coordinator-overloaded":               "needs a coordinator at MaxInFlight (4096): mixed draws 24-48 in a quarter of its seeds and reaches it there, not in seeds 1-3",
	"store/hint-dropped-at-max-hints":            "needs MaxHints (100,000) hints held: mixed draws 5-50 in a quarter of its seeds and reaches it there, not in seeds 1-3",
	"store/short-read-round":                     "a scan round short of live rows within its bucket: mixed deletes messages and reads pages of 1-5, yet no sweep has reached it (not yet understood why: open)",
	"store/short-read-rounds-exhausted":          "as store/short-read-round",
}

// campaignCoverage returns, for each site, the runs of the campaign that
// reached it, running the seeds no other test ran.
func campaignCoverage(t *testing.T) map[string][]string {
	reached := map[string][]string{}
	for _, s := range Catalogue() {
		if _, skip := knownFailures[s.Name]; skip {
			continue
		}
		for _, rp := range campaignReadPaths {
			for seed := uint64(1); seed <= seedsPerScenario; seed++ {
				k := campaignKey{s.Name, seed, rp}
				campaign.Lock()
				cov, ok := campaign.coverage[k]
				campaign.Unlock()
				if !ok {
					r := campaignRun(s.Name, seed, Options{ReadPath: rp})
					if r.Err != nil {
						t.Fatalf("%s seed %d read path %q: %v", s.Name, seed, rp, r.Err)
					}
					cov = r.Coverage
				}
				run := fmt.Sprintf("%s:%d", s.Name, seed)
				if rp != "" {
					run += ":" + rp
				}
				for _, c := range cov {
					if c.Reached() {
						reached[c.Site] = append(reached[c.Site], run)
					}
				}
			}
		}
	}
	return reached
}

// TestRequiredCoverage fails if a required site is never reached by the
// campaign, if a known blind spot is reached (promote it), or if a site is
// neither required nor a known blind spot.
func TestRequiredCoverage(t *testing.T) {
	all := deploy.CoverageSites()
	for _, s := range requiredCoverage {
		if !slices.Contains(all, s) {
			t.Errorf("requiredCoverage names %q, which no system package declares", s)
		}
		if _, blind := knownBlindSpots[s]; blind {
			t.Errorf("%q is both required and a known blind spot", s)
		}
	}
	for s := range knownBlindSpots {
		if !slices.Contains(all, s) {
			t.Errorf("knownBlindSpots names %q, which no system package declares", s)
		}
	}
	reached := campaignCoverage(t)
	var table strings.Builder
	for _, s := range all {
		runs := reached[s]
		fmt.Fprintf(&table, "  %-48s %3d runs  %s\n", s, len(runs), strings.Join(runs[:min(len(runs), 3)], " "))
		_, blind := knownBlindSpots[s]
		required := slices.Contains(requiredCoverage, s)
		switch {
		case required && len(runs) == 0:
			t.Errorf("required coverage site %s: no run of the campaign (seeds 1-%d of every scenario, both read paths) reached it; a scenario stopped walking that path", s, seedsPerScenario)
		case blind && len(runs) > 0:
			t.Errorf("known blind spot %s is reached now (%s): move it to requiredCoverage", s, strings.Join(runs, ", "))
		case !required && !blind:
			t.Errorf("coverage site %s is neither in requiredCoverage nor in knownBlindSpots (reached by %d runs)", s, len(runs))
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("coverage of the campaign:\n%s", table.String())
	}
}
