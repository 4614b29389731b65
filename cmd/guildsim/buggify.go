package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/guildsim/guildsim/reports"
	"github.com/guildsim/guildsim/scenarios"
)

// buggifyOf is a run's buggify record as summary.json and results.jsonl
// write it.
func buggifyOf(b scenarios.Buggify) reports.BuggifySummary {
	out := reports.BuggifySummary{Enabled: b.Enabled, Sites: []reports.BuggifySite{}}
	for _, s := range b.Sites {
		out.Sites = append(out.Sites, reports.BuggifySite{Site: s.Site, Active: s.Active, Asked: s.Asked, Fired: s.Fired})
	}
	return out
}

// buggifyLine is the run command's one line on buggify: which sites fired
// how often ("buggify: off" when it was off).
func buggifyLine(b reports.BuggifySummary) string {
	if !b.Enabled {
		return "buggify: off"
	}
	var parts []string
	for _, s := range b.Sites {
		if s.Active {
			parts = append(parts, fmt.Sprintf("%s %d/%d", s.Site, s.Fired, s.Asked))
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("buggify: on, no site of the %d reached drawn active", len(b.Sites))
	}
	return fmt.Sprintf("buggify: on, %d of %d sites reached active (fired/asked): %s", len(parts), len(b.Sites), strings.Join(parts, ", "))
}

// buggifyTotal is one site over the seeds of a sweep.
type buggifyTotal struct {
	site                  string
	fired, asked          uint64
	reached, active, fire int // seeds where the site was asked, drawn active, fired
}

// buggifyTotals sums every site's firings over the results that had
// buggify on, sites sorted by name; on counts those results.
func buggifyTotals(rs []result) (totals []buggifyTotal, on int) {
	for _, r := range rs {
		if r.Buggify == nil || !r.Buggify.Enabled {
			continue
		}
		on++
		for _, s := range r.Buggify.Sites {
			i, found := slices.BinarySearchFunc(totals, s.Site, func(t buggifyTotal, site string) int { return strings.Compare(t.site, site) })
			if !found {
				totals = slices.Insert(totals, i, buggifyTotal{site: s.Site})
			}
			t := &totals[i]
			t.reached++
			t.asked += s.Asked
			t.fired += s.Fired
			if s.Active {
				t.active++
			}
			if s.Fired > 0 {
				t.fire++
			}
		}
	}
	return totals, on
}

// printBuggifyTotals prints, after a sweep or a merge, how many seeds ran
// with buggify on and each site's firings over them; nothing if none did.
func printBuggifyTotals(w io.Writer, rs []result) {
	totals, on := buggifyTotals(rs)
	if on == 0 {
		return
	}
	fmt.Fprintf(w, "buggify: on in %d of %d seeds; per site over those seeds:\n", on, len(rs))
	fmt.Fprintf(w, "  %-36s %10s %12s %8s %8s %8s\n", "site", "fired", "asked", "reached", "active", "fired in")
	for _, t := range totals {
		fmt.Fprintf(w, "  %-36s %10d %12d %8d %8d %8d\n", t.site, t.fired, t.asked, t.reached, t.active, t.fire)
	}
	if len(totals) == 0 {
		fmt.Fprintln(w, "  (no buggify site was reached)")
	}
}
