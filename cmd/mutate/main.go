// Command mutate applies each mutation of internal/mutate to a copy of the
// tree and reports whether the scenarios' checkers catch it:
//
//	go run ./cmd/mutate [--seeds 200] [--only NAME,...] [--keep] [--list]
//
// Exit status: 0 if every mutation was caught and the baseline passed, 1
// if any was missed, stale or did not compile, 2 on bad flags.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/guildsim/guildsim/internal/mutate"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seeds := fs.Int("seeds", 200, "seeds per catcher run, at most (1-100000)")
	baseline := fs.Int("baseline-seeds", 5, "seeds of the unmutated baseline (0: skip it)")
	only := fs.String("only", "", "comma-separated mutation names (default: all; see --list)")
	keep := fs.Bool("keep", false, "keep the temporary copy and print its folder")
	list := fs.Bool("list", false, "list the mutations and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mutate: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *seeds < 1 || *seeds > 100_000 {
		fmt.Fprintf(stderr, "mutate: --seeds %d: must be between 1 and 100000\n", *seeds)
		return 2
	}
	if *baseline < 0 || *baseline > 100_000 {
		fmt.Fprintf(stderr, "mutate: --baseline-seeds %d: must be between 0 and 100000\n", *baseline)
		return 2
	}
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	ms, err := mutate.Select(names)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *list {
		for _, m := range ms {
			catchers := strings.Join(m.Runs, ", ")
			if m.Test != "" {
				catchers = m.Test
			}
			file := m.File
			if m.Setting() {
				file = "(setting)"
			}
			fmt.Fprintf(stdout, "%-38s %-27s %s\n  catchers: %s\n", m.Name, file, m.Bug, catchers)
		}
		return 0
	}
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		fmt.Fprintf(stderr, "mutate: not in a git repository: %v\n", err)
		return 1
	}
	start := time.Now()
	s, err := mutate.Start(mutate.Options{Root: strings.TrimSpace(string(root)), Seeds: *seeds, BaselineSeeds: *baseline, Keep: *keep})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer s.Close()
	if *keep {
		fmt.Fprintf(stdout, "copy: %s\n", s.Dir())
	}
	fmt.Fprintf(stdout, "mutate: %d mutations, up to %d seeds each, in %s\n", len(ms), *seeds, s.Dir())
	var rows []mutate.Row
	for _, m := range ms {
		r := s.Mutate(m)
		fmt.Fprintf(stdout, "%-38s %-9s %-46s %s (%s)\n", r.Name, r.Status, r.Run, r.Checkers, r.Wall.Round(100*time.Millisecond))
		rows = append(rows, r)
	}
	base := mutate.Row{Name: "baseline (no mutation)", File: "-", Status: mutate.Pass}
	if *baseline > 0 {
		base = s.Baseline(ms)
		fmt.Fprintf(stdout, "%-38s %-9s %s (%s)\n", base.Name, base.Status, base.Run, base.Wall.Round(100*time.Millisecond))
	}
	fmt.Fprintln(stdout)
	all := rows
	if *baseline > 0 {
		all = append(all, base)
	}
	mutate.WriteTable(stdout, all)
	fmt.Fprintf(stdout, "\ntotal wall time: %s\n", time.Since(start).Round(time.Second))
	if !mutate.AllCaught(base, rows) {
		fmt.Fprintln(stdout, "result: not every mutation was caught (or the baseline failed)")
		return 1
	}
	fmt.Fprintln(stdout, "result: every mutation caught (or equivalent)")
	return 0
}
