package sim

import (
	"cmp"
	"slices"
)

// buggify decides Ctx.Buggify points. Each site is active in a run with a
// fixed chance, decided from (seed, site) the first time it is asked, and an
// active site fires with a fixed chance per call, drawn from the site's own
// stream: whether one site fires never shifts another's draws.
type buggifyState struct {
	w     *World
	sites map[string]*buggifySite // lookups only: reports sort by name
}

type buggifySite struct {
	active bool
	rng    Rand
	asked  uint64
	fired  uint64
}

func (b *buggifyState) init(w *World) {
	b.w = w
	b.sites = map[string]*buggifySite{}
}

func (b *buggifyState) ask(site string, p *proc) bool {
	w := b.w
	if !w.cfg.Buggify {
		return false
	}
	s := b.sites[site]
	if s == nil {
		s = &buggifySite{rng: Rand{state: DeriveSeed(w.cfg.Seed, "buggify/"+site)}}
		s.active = s.rng.Chance(uint64(w.cfg.BuggifyActivatePercent), 100)
		b.sites[site] = s
	}
	s.asked++
	if !s.active || !s.rng.Chance(uint64(w.cfg.BuggifyFirePercent), 100) {
		return false
	}
	s.fired++
	w.stats.BuggifyFired++
	w.note(noteBuggify, hashString(site), uint64(p.pid))
	w.traceLine(traceRecord{kind: "buggify", node: p.node.id, pid: p.pid, detail: site})
	return true
}

// BuggifyActive reports whether buggify is on and site was drawn active (for
// tests and reports; simulated code asks Ctx.Buggify).
func (w *World) BuggifyActive(site string) bool {
	s := w.buggify.sites[site]
	return w.cfg.Buggify && s != nil && s.active
}

// BuggifySite is what one buggify site did in a run: whether it was drawn
// active, how often code asked it and how often it fired.
type BuggifySite struct {
	Site   string `json:"site"`
	Active bool   `json:"active"`
	Asked  uint64 `json:"asked"`
	Fired  uint64 `json:"fired"`
}

// BuggifySites returns every site asked so far in this run, sorted by name
// (a site no code reached is not known to the world and is not listed).
// Empty when buggify is off.
func (w *World) BuggifySites() []BuggifySite {
	out := make([]BuggifySite, 0, len(w.buggify.sites))
	for name, s := range w.buggify.sites { //detlint:allow sorted below, before anyone sees the order
		out = append(out, BuggifySite{Site: name, Active: s.active, Asked: s.asked, Fired: s.fired})
	}
	slices.SortFunc(out, func(a, b BuggifySite) int { return cmp.Compare(a.Site, b.Site) })
	return out
}
