package mutate

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteTable prints rows as an aligned markdown table, then each row's
// detail (the catching verdict, or why it is not CAUGHT).
func WriteTable(w io.Writer, rows []Row) {
	head := []string{"mutation", "file", "caught?", "scenario/seed", "checker(s)", "seeds (runs)", "wall time"}
	cells := [][]string{head}
	for _, r := range rows {
		seeds := "-"
		if r.Runs > 0 {
			seeds = fmt.Sprintf("%d (%d)", r.Seeds, r.Runs)
			if r.Seeds == 0 {
				seeds = fmt.Sprintf("- (%d)", r.Runs)
			}
		}
		run, checkers := r.Run, r.Checkers
		if run == "" {
			run = "-"
		}
		if checkers == "" {
			checkers = "-"
		}
		cells = append(cells, []string{r.Name, r.File, string(r.Status), run, checkers, seeds, r.Wall.Round(100 * time.Millisecond).String()})
	}
	width := make([]int, len(head))
	for _, row := range cells {
		for i, c := range row {
			width[i] = max(width[i], len(c))
		}
	}
	line := func(row []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range row {
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-len(c)) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(cells[0])
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, row := range cells[1:] {
		line(row)
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		if r.Detail != "" {
			fmt.Fprintf(w, "%s: %s\n", r.Name, r.Detail)
		}
	}
}

// AllCaught reports whether the baseline passed and every mutation row is
// CAUGHT or EQUIVALENT (a mutant no run can tell from the original is not
// a miss of the checkers).
func AllCaught(baseline Row, rows []Row) bool {
	if baseline.Status != Pass {
		return false
	}
	for _, r := range rows {
		if r.Status != Caught && r.Status != Equivalent {
			return false
		}
	}
	return true
}

// Select returns the mutations named in only (all when empty), or an error
// naming an unknown one.
func Select(only []string) ([]Mutation, error) {
	if len(only) == 0 {
		return Mutations, nil
	}
	var out []Mutation
	for _, name := range only {
		found := false
		for _, m := range Mutations {
			if m.Name == name {
				out = append(out, m)
				found = true
			}
		}
		if !found {
			var names []string
			for _, m := range Mutations {
				names = append(names, m.Name)
			}
			return nil, fmt.Errorf("mutate: --only %s: unknown mutation: want some of %s", strconv.Quote(name), strings.Join(names, ", "))
		}
	}
	return out, nil
}
