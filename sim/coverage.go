package sim

import (
	"cmp"
	"slices"
)

// Coverage sites are Antithesis's "sometimes assertions": not a property
// that must hold on every run, but a promise that some run of a campaign
// gets there. A planted bug on a path no scenario walks passes every
// checker; a site on that path that no seed of a sweep reaches says so.
//
// Recording never changes the run: nothing is folded into the fingerprint,
// no random draw is taken, and the only trace line (kind "coverage", on a
// site's first hit in a run) is written only when a trace sink is set,
// like every other trace line. A hit costs one map lookup by name and two
// counter increments (BenchmarkCoverageHit).

// Sometimes records that code asked coverage site name whether cond held
// here. The site counts as reached in a run if cond held at least once.
// Name sites "package/what" with a string literal, one call site per name,
// and declare each in its package's CoverageSites (a test of system/deploy
// scans the source for both).
func Sometimes(c *Ctx, name string, cond bool) { c.w.cover.hit(c, name, cond, false) }

// Reachable records that code reached coverage site name.
func Reachable(c *Ctx, name string) { c.w.cover.hit(c, name, true, true) }

type coverState struct {
	sites map[string]*coverSite // lookups only: reports sort by name
}

type coverSite struct {
	reachable bool // declared by a call of Reachable (else Sometimes)
	used      bool // asked at least once (a declared site may never be)
	declared  bool
	asked     uint64
	hits      uint64
	firstAt   Duration // since the start, when hits became 1
	firstEv   uint64   // the event of the first hit
}

func (s *coverState) site(name string) *coverSite {
	if s.sites == nil {
		s.sites = map[string]*coverSite{}
	}
	cs := s.sites[name]
	if cs == nil {
		cs = &coverSite{}
		s.sites[name] = cs
	}
	return cs
}

func (s *coverState) hit(c *Ctx, name string, cond, reachable bool) {
	cs := s.sites[name]
	if cs == nil {
		cs = s.site(name)
	}
	if !cs.used {
		cs.used, cs.reachable = true, reachable
	}
	cs.asked++
	if !cond {
		return
	}
	cs.hits++
	if cs.hits == 1 {
		w := c.w
		cs.firstAt, cs.firstEv = w.Elapsed(), w.events
		w.traceLine(traceRecord{kind: "coverage", node: c.p.node.id, pid: c.p.pid, detail: name})
	}
}

// DeclareCoverage makes the named sites known to the world before any code
// reaches them, so that Coverage lists the ones a run never reached. The
// builder of a world declares every system package's sites.
func (w *World) DeclareCoverage(names ...string) {
	for _, n := range names {
		w.cover.site(n).declared = true
	}
}

// Coverage kinds, as CoverageSite.Kind says them.
const (
	CoverageSometimes = "sometimes"
	CoverageReachable = "reachable"
)

// CoverageSite is what one coverage site saw in a run.
type CoverageSite struct {
	Site string `json:"site"`
	// Kind is CoverageSometimes or CoverageReachable, as the code asked it;
	// empty for a declared site that no code asked in this run.
	Kind string `json:"kind,omitempty"`
	// Declared is false for a site that code asked without declaring it
	// (a test of system/deploy keeps system code from doing so).
	Declared bool `json:"declared"`
	// Asked counts the calls; Hits those where the condition held (for a
	// Reachable site, every call). Reached means Hits > 0.
	Asked uint64 `json:"asked"`
	Hits  uint64 `json:"hits"`
	// FirstAt (since the start of the run) and FirstEvent are when the
	// first hit happened: --stop-at-event FirstEvent+1 stops just after.
	FirstAt    Duration `json:"first_ns,omitempty"`
	FirstEvent uint64   `json:"first_event,omitempty"`
}

// Reached says whether the site's condition held at least once.
func (s CoverageSite) Reached() bool { return s.Hits > 0 }

// Coverage returns every declared or asked site, sorted by name.
func (w *World) Coverage() []CoverageSite {
	out := make([]CoverageSite, 0, len(w.cover.sites))
	for name, s := range w.cover.sites { //detlint:allow sorted below, before anyone sees the order
		cs := CoverageSite{Site: name, Declared: s.declared, Asked: s.asked, Hits: s.hits, FirstAt: s.firstAt, FirstEvent: s.firstEv}
		if s.used {
			cs.Kind = CoverageSometimes
			if s.reachable {
				cs.Kind = CoverageReachable
			}
		}
		out = append(out, cs)
	}
	slices.SortFunc(out, func(a, b CoverageSite) int { return cmp.Compare(a.Site, b.Site) })
	return out
}
