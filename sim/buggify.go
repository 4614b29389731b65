package sim

// buggify decides Ctx.Buggify points. Each site is active in a run with a
// fixed chance, decided from (seed, site) the first time it is asked, and an
// active site fires with a fixed chance per call, drawn from the site's own
// stream: whether one site fires never shifts another's draws.
type buggifyState struct {
	w     *World
	sites map[string]*buggifySite
}

type buggifySite struct {
	active bool
	rng    Rand
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
	if !s.active || !s.rng.Chance(uint64(w.cfg.BuggifyFirePercent), 100) {
		return false
	}
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
