package mutate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFindsMatch keeps the list from rotting: every mutation's edits apply
// to the current tree (each find exactly once), names are unique, and
// mutated files are under system/. No mutant is built.
func TestFindsMatch(t *testing.T) {
	root := filepath.Join("..", "..")
	seen := map[string]bool{}
	settings := 0
	for _, m := range Mutations {
		if seen[m.Name] {
			t.Errorf("%s: name used twice", m.Name)
		}
		seen[m.Name] = true
		if len(m.Runs) == 0 && m.Test == "" {
			t.Errorf("%s: no catcher (Runs or Test)", m.Name)
		}
		if m.Setting() {
			settings++
			if m.File != "" {
				t.Errorf("%s: a setting names file %s", m.Name, m.File)
			}
			continue
		}
		if !strings.HasPrefix(m.File, "system/") || strings.HasSuffix(m.File, "_test.go") {
			t.Errorf("%s: file %q: mutations change system code only", m.Name, m.File)
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, m.File))
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		out, err := Apply(src, m)
		if err != nil {
			t.Errorf("STALE: %v", err)
			continue
		}
		if string(out) == string(src) {
			t.Errorf("%s: the edits change nothing", m.Name)
		}
	}
	if len(Mutations)-settings < 8 {
		t.Errorf("%d source mutations: want at least 8", len(Mutations)-settings)
	}
}

// TestApplyRejectsAmbiguousFinds: a find that occurs twice or not at all
// is an error, not a guess.
func TestApplyRejectsAmbiguousFinds(t *testing.T) {
	m := Mutation{Name: "x", File: "f.go", Edits: []Edit{{Find: "a", Replace: "b"}}}
	if _, err := Apply([]byte("a a"), m); err == nil {
		t.Error("find occurring twice: applied, want an error")
	}
	if _, err := Apply([]byte("c"), m); err == nil {
		t.Error("find occurring nowhere: applied, want an error")
	}
	if out, err := Apply([]byte("xay"), m); err != nil || string(out) != "xby" {
		t.Errorf("Apply = %q, %v; want \"xby\"", out, err)
	}
}

// TestEquivalentIsNotAMiss: a mutant no run can tell from the original
// (EQUIVALENT) does not fail the session; a MISSED one does.
func TestEquivalentIsNotAMiss(t *testing.T) {
	base := Row{Status: Pass}
	if !AllCaught(base, []Row{{Status: Caught}, {Status: Equivalent}}) {
		t.Error("CAUGHT and EQUIVALENT rows: want every mutation caught")
	}
	if AllCaught(base, []Row{{Status: Caught}, {Status: Missed}}) {
		t.Error("a MISSED row: want not every mutation caught")
	}
	if AllCaught(Row{Status: Fail}, []Row{{Status: Equivalent}}) {
		t.Error("a failed baseline: want not every mutation caught")
	}
}
