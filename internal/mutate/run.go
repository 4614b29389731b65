package mutate

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Status is a mutation's outcome.
type Status string

const (
	Caught Status = "CAUGHT"
	Missed Status = "MISSED"
	// Equivalent: missed, declared equivalent (Mutation.Equivalent), and
	// every run's fingerprint equals the unmutated tree's: the mutant
	// behaves exactly as the original in every run (it changes only what
	// the world does not record, such as memory held), so no checker of
	// client records can catch it. Not counted as a miss.
	Equivalent Status = "EQUIVALENT"
	Stale      Status = "STALE"     // a Find no longer matches exactly once: fix the list
	NoCompile  Status = "NOCOMPILE" // the mutant does not build: fix the mutation
	Failed     Status = "ERROR"     // the catcher could not run
	Pass       Status = "PASS"      // the baseline: every catcher passes on the unmutated tree
	Fail       Status = "FAIL"      // the baseline: some catcher fails with no mutation
)

// Row is one line of the table.
type Row struct {
	Name     string
	File     string
	Status   Status
	Run      string // the run that caught it: "scenario:opts seed N", or the test
	Checkers string
	Detail   string // the first catching verdict, or why it is STALE, NOCOMPILE or ERROR
	Seeds    int    // seeds tried: the catching seed, or all of them
	Runs     int    // scenario runs tried (seeds x runs)
	Wall     time.Duration
	// Changed counts, for a MISSED row, the runs whose fingerprint differs
	// from the unmutated tree's: 0 means the mutant changed nothing the
	// world records in any run (never exercised, or memory only).
	Changed int
	fps     map[string]string // run@seed -> fingerprint, as the mutant ran
}

// Options of a mutation session.
type Options struct {
	Root          string   // the repository to copy
	Seeds         int      // seeds per run [200]
	BaselineSeeds int      // seeds of the unmutated baseline [5]
	Only          []string // mutation names; empty: all
	Keep          bool     // keep the copy
	Log           io.Writer
}

// Session is the copied tree mutations are applied to.
type Session struct {
	o    Options
	dir  string
	orig map[string][]byte // pristine contents of the files mutations touch
	// pristine holds the unmutated tree's fingerprints (run@seed), filled
	// on demand for missed mutants' runs.
	pristine map[string]string
}

// Start copies the tracked tree of o.Root (git ls-files, without
// guildsim-out/ and testdata/rapid/) to a temporary folder.
func Start(o Options) (*Session, error) {
	out, err := exec.Command("git", "-C", o.Root, "ls-files", "-z").Output()
	if err != nil {
		return nil, fmt.Errorf("mutate: git ls-files in %s: %w", o.Root, err)
	}
	dir, err := os.MkdirTemp("", "guildsim-mutate-")
	if err != nil {
		return nil, err
	}
	s := &Session{o: o, dir: dir, orig: map[string][]byte{}, pristine: map[string]string{}}
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" || strings.HasPrefix(f, "guildsim-out/") || strings.Contains(f, "testdata/rapid/") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(o.Root, f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree, not yet in git
		}
		if err != nil {
			return nil, err
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Dir is the copy's folder.
func (s *Session) Dir() string { return s.dir }

// Close removes the copy unless Keep.
func (s *Session) Close() error {
	if s.o.Keep {
		return nil
	}
	return os.RemoveAll(s.dir)
}

// Apply returns the file's pristine contents with m's edits applied, or
// an error naming the edit that does not match exactly once.
func Apply(src []byte, m Mutation) ([]byte, error) {
	text := string(src)
	for i, e := range m.Edits {
		if n := strings.Count(text, e.Find); n != 1 {
			return nil, fmt.Errorf("edit %d of %s: find %q occurs %d times in %s, want exactly 1", i+1, m.Name, firstLine(e.Find), n, m.File)
		}
		text = strings.Replace(text, e.Find, e.Replace, 1)
	}
	return []byte(text), nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// restore puts every file a mutation touched back.
func (s *Session) restore() error {
	for f, b := range s.orig {
		if err := os.WriteFile(filepath.Join(s.dir, f), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Mutate runs one mutation: restore, apply, build, run its catchers.
func (s *Session) Mutate(m Mutation) Row {
	start := time.Now()
	row := Row{Name: m.Name, File: m.File, Status: Missed}
	if m.Setting() {
		row.File = "(setting)"
	}
	done := func() Row { row.Wall = time.Since(start); return row }
	if err := s.restore(); err != nil {
		row.Status, row.Detail = Failed, err.Error()
		return done()
	}
	if !m.Setting() {
		path := filepath.Join(s.dir, m.File)
		if _, ok := s.orig[m.File]; !ok {
			b, err := os.ReadFile(path)
			if err != nil {
				row.Status, row.Detail = Stale, err.Error()
				return done()
			}
			s.orig[m.File] = b
		}
		mutated, err := Apply(s.orig[m.File], m)
		if err != nil {
			row.Status, row.Detail = Stale, err.Error()
			return done()
		}
		if err := os.WriteFile(path, mutated, 0o644); err != nil {
			row.Status, row.Detail = Failed, err.Error()
			return done()
		}
		if out, err := s.goCmd(nil, "build", "-p", "2", "./..."); err != nil {
			row.Status, row.Detail = NoCompile, oneLine(string(out), 200)
			return done()
		}
	}
	s.catch(&row, m.Runs, m.Test, s.o.Seeds)
	if row.Status == Missed && !m.Setting() && m.Test == "" {
		if err := s.compare(&row, m.Runs, m.Equivalent); err != nil {
			row.Status, row.Detail = Failed, err.Error()
		}
	}
	return done()
}

// compare fills a missed row's Changed and Detail: how many of its runs
// the mutation changed, against the unmutated tree's fingerprints.
func (s *Session) compare(row *Row, runs []string, equivalent string) error {
	var todo []string
	for _, r := range runs {
		if _, ok := s.pristine[r+"@1"]; !ok {
			todo = append(todo, r)
		}
	}
	if len(todo) > 0 {
		if err := s.restore(); err != nil {
			return err
		}
		env := []string{"GUILDSIM_MUTANT_RUNS=" + strings.Join(todo, ","), "GUILDSIM_MUTANT_SEEDS=" + strconv.Itoa(s.o.Seeds), "GUILDSIM_MUTANT_FINGERPRINTS=1"}
		out, err := s.goCmd(env, "test", "-p", "2", "./scenarios", "-run", "^TestMutantSeeds$", "-count=1", "-v", "-timeout", "2h")
		if err != nil {
			return fmt.Errorf("fingerprints of the unmutated tree: %v: %s", err, oneLine(string(out), 300))
		}
		for k, v := range runLines(out) {
			s.pristine[k] = v
		}
	}
	compared := 0
	for k, fp := range row.fps {
		want, ok := s.pristine[k]
		if !ok {
			continue
		}
		compared++
		if want != fp {
			row.Changed++
		}
	}
	if row.Changed == 0 && compared > 0 && compared == len(row.fps) && equivalent != "" {
		row.Status = Equivalent
		row.Detail = fmt.Sprintf("equivalent: all %d fingerprints equal the unmutated tree's, as expected: %s", compared, equivalent)
	} else if row.Changed == 0 {
		row.Detail = fmt.Sprintf("no run changed: all %d fingerprints equal the unmutated tree's (the mutated code is not exercised, or changes nothing the world records)", compared)
	} else {
		row.Detail = fmt.Sprintf("behaviour changed in %d of %d runs (fingerprints differ from the unmutated tree's), and every checker still says Ok", row.Changed, compared)
	}
	return nil
}

// runLines reads the "MUTANT RUN" lines: run@seed -> fingerprint.
func runLines(out []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "MUTANT RUN "); ok {
			f := fields(rest)
			m[f["run"]+"@"+f["seed"]] = f["fingerprint"]
		}
	}
	return m
}

// Baseline runs every catcher of ms on the unmutated tree for a few seeds:
// they must pass, or a catch would prove nothing.
func (s *Session) Baseline(ms []Mutation) Row {
	start := time.Now()
	row := Row{Name: "baseline (no mutation)", File: "-", Status: Missed}
	if err := s.restore(); err != nil {
		row.Status, row.Detail = Failed, err.Error()
		return row
	}
	var runs, tests []string
	seen := map[string]bool{}
	for _, m := range ms {
		if m.Setting() {
			continue // fails by design
		}
		for _, r := range m.Runs {
			if !seen[r] {
				seen[r] = true
				runs = append(runs, r)
			}
		}
		if m.Test != "" && !seen[m.Test] {
			seen[m.Test] = true
			tests = append(tests, m.Test)
		}
	}
	if len(runs) > 0 {
		s.catch(&row, runs, "", s.o.BaselineSeeds)
	}
	for _, t := range tests {
		if row.Status != Missed {
			break
		}
		n := row.Runs
		s.catch(&row, nil, t, 1)
		row.Runs += n
	}
	switch row.Status {
	case Missed:
		row.Status = Pass
	case Caught:
		row.Status = Fail
	}
	row.Wall = time.Since(start)
	return row
}

// catch runs the catchers and fills row: CAUGHT with where and why, MISSED,
// or ERROR.
func (s *Session) catch(row *Row, runs []string, test string, seeds int) {
	if test != "" {
		out, err := s.goCmd(nil, "test", "-p", "2", "./scenarios", "-run", "^"+test+"$", "-count=1")
		row.Runs++
		if err == nil {
			return
		}
		if _, ok := err.(*exec.ExitError); !ok {
			row.Status, row.Detail = Failed, err.Error()
			return
		}
		row.Status, row.Run = Caught, test
		row.Checkers, row.Detail = failLine(out)
		return
	}
	env := []string{"GUILDSIM_MUTANT_RUNS=" + strings.Join(runs, ","), "GUILDSIM_MUTANT_SEEDS=" + strconv.Itoa(seeds)}
	out, err := s.goCmd(env, "test", "-p", "2", "./scenarios", "-run", "^TestMutantSeeds$", "-count=1", "-v", "-timeout", "2h")
	row.fps = runLines(out)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	parsed := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "MUTANT CAUGHT "):
			f := fields(strings.TrimPrefix(line, "MUTANT CAUGHT "))
			row.Status, row.Checkers = Caught, f["checkers"]
			row.Run = f["run"] + " seed " + f["seed"]
			row.Runs, _ = strconv.Atoi(f["runs"])
			row.Seeds, _ = strconv.Atoi(f["seed"])
			parsed = true
		case strings.HasPrefix(line, "MUTANT DETAIL "):
			row.Detail = strings.TrimPrefix(line, "MUTANT DETAIL ")
		case strings.HasPrefix(line, "MUTANT MISSED "):
			f := fields(strings.TrimPrefix(line, "MUTANT MISSED "))
			row.Status = Missed
			row.Runs, _ = strconv.Atoi(f["runs"])
			row.Seeds = seeds
			parsed = true
		}
	}
	if !parsed {
		row.Status = Failed
		if err != nil {
			row.Detail = oneLine(string(out), 300)
		} else {
			row.Detail = "TestMutantSeeds printed no MUTANT line"
		}
	}
}

// fields parses "k=v k=v".
func fields(s string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// failLine reads a failed go test: the checkers whose verdict was not Ok
// (lines "name: Illegal: ..." of a printed Result) and the first of those
// verdicts, or else the first line that says why it failed.
func failLine(out []byte) (checkers, detail string) {
	var names []string
	first := ""
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		name, rest, ok := strings.Cut(l, ": ")
		if ok && !strings.Contains(name, " ") && (strings.HasPrefix(rest, "Illegal") || strings.HasPrefix(rest, "Unknown")) {
			if strings.HasPrefix(rest, "Unknown") {
				name += "(unknown)"
			}
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
			if detail == "" {
				_, why, _ := strings.Cut(rest, ": ")
				detail = oneLine(strings.TrimSuffix(name, "(unknown)")+": "+why, 200)
			}
		}
		if first == "" && (strings.HasPrefix(l, "--- FAIL") || strings.HasPrefix(l, "panic")) {
			first = oneLine(l, 200)
		}
	}
	if detail == "" {
		return "test failed", first
	}
	return strings.Join(names, ","), detail
}

func (s *Session) goCmd(env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = s.dir
	cmd.Env = append(append(os.Environ(), "GOFLAGS=-buildvcs=false"), env...)
	return cmd.CombinedOutput()
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n]
	}
	return s
}
