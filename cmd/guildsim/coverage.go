package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/guildsim/guildsim/reports"
	"github.com/guildsim/guildsim/scenarios"
)

// coverageOf is a run's coverage as summary.json and results.jsonl write
// it: every declared site, reached or not, sorted by name.
func coverageOf(res scenarios.Result) []reports.CoverageSite {
	out := []reports.CoverageSite{}
	for _, s := range res.Coverage {
		c := reports.CoverageSite{Site: s.Site, Kind: s.Kind, Asked: s.Asked, Hits: s.Hits}
		if s.Reached() {
			c.FirstNs, c.FirstEvent = int64(s.FirstAt), s.FirstEvent
		}
		out = append(out, c)
	}
	return out
}

// coverageLine is the run command's one line on coverage.
func coverageLine(cs []reports.CoverageSite) string {
	reached := 0
	for _, s := range cs {
		if s.Hits > 0 {
			reached++
		}
	}
	return fmt.Sprintf("coverage: %d of %d sites reached (summary.json lists each; a sweep lists the blind spots)", reached, len(cs))
}

// coverageTotal is one site over the seeds of a sweep.
type coverageTotal struct {
	site        string
	kind        string // as the code asked it; "" if no seed asked it
	seeds       int    // seeds that reached it
	hits, asked uint64
}

// coverageTotals sums every site over the results that recorded coverage,
// sites sorted by name; recorded counts those results (a results file of
// an older guildsim has none).
func coverageTotals(rs []result) (totals []coverageTotal, recorded int) {
	for _, r := range rs {
		if len(r.Coverage) == 0 {
			continue
		}
		recorded++
		for _, s := range r.Coverage {
			i, found := slices.BinarySearchFunc(totals, s.Site, func(t coverageTotal, site string) int { return strings.Compare(t.site, site) })
			if !found {
				totals = slices.Insert(totals, i, coverageTotal{site: s.Site})
			}
			t := &totals[i]
			if t.kind == "" {
				t.kind = s.Kind
			}
			t.asked += s.Asked
			t.hits += s.Hits
			if s.Hits > 0 {
				t.seeds++
			}
		}
	}
	return totals, recorded
}

// printCoverageTotals prints, after a sweep or a merge, each coverage site
// with the seeds that reached it and its hits, then the sites no seed
// reached as BLIND SPOTS: paths of the system that this sweep never walked,
// where a planted bug would pass every checker.
func printCoverageTotals(w io.Writer, rs []result) {
	totals, recorded := coverageTotals(rs)
	if recorded == 0 {
		return
	}
	var blind []coverageTotal
	for _, t := range totals {
		if t.seeds == 0 {
			blind = append(blind, t)
		}
	}
	fmt.Fprintf(w, "coverage: %d of %d sites reached by at least one of %d seeds:\n", len(totals)-len(blind), len(totals), recorded)
	fmt.Fprintf(w, "  %-48s %9s %12s %12s\n", "site", "seeds", "hits", "asked")
	for _, t := range totals {
		fmt.Fprintf(w, "  %-48s %9d %12d %12d\n", t.site, t.seeds, t.hits, t.asked)
	}
	if len(blind) == 0 {
		fmt.Fprintln(w, "BLIND SPOTS: none (every site reached)")
		return
	}
	fmt.Fprintf(w, "BLIND SPOTS: %d sites no seed reached:\n", len(blind))
	for _, t := range blind {
		switch {
		case t.asked == 0:
			fmt.Fprintf(w, "  %s: never asked (no seed ran that code)\n", t.site)
		default:
			fmt.Fprintf(w, "  %s: asked %d times, its condition never held\n", t.site, t.asked)
		}
	}
}
