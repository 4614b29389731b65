package layering

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/guildsim/guildsim/"

// allowed lists, for each top-level folder, the folders of ours it may import.
var allowed = map[string][]string{
	"sim":       {"sim"},
	"system":    {"sim", "system"},
	"faults":    {"sim", "faults"},
	"scenarios": {"sim", "system", "faults", "scenarios"},
	"reports":   {"sim", "reports"},
	"cmd":       {"sim", "scenarios", "reports", "internal"},
	"internal":  {"sim", "system", "faults", "scenarios", "reports", "internal"},
}

// extra allows single exceptions, each with its reason.
var extra = map[string]string{}

func TestImportsGoDown(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s", root)
	}
	bad, checked, err := violations(root)
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no imports of ours were checked: is the walk rooted at the module?")
	}
	for _, v := range bad {
		t.Error(v)
	}
}

// TestCatchesAWrongImport shows the check failing on a tree that breaks the
// rules: system importing cmd, and sim importing system.
func TestCatchesAWrongImport(t *testing.T) {
	bad, _, err := violations(filepath.Join("testdata", "badtree"))
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 2 {
		t.Fatalf("want 2 violations, got %d: %v", len(bad), bad)
	}
	if !strings.Contains(bad[0]+bad[1], "system/gateway/gateway.go imports cmd/guildsim") ||
		!strings.Contains(bad[0]+bad[1], "sim/sim.go imports system/store") {
		t.Fatalf("unexpected violations: %v", bad)
	}
}

// violations walks root and returns one line per import that breaks the
// rules, and how many imports of ours it checked.
func violations(root string) (bad []string, checked int, err error) {
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		ok, known := allowed[top]
		if !known {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		from := filepath.ToSlash(filepath.Dir(rel))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			target := strings.TrimPrefix(p, module)
			checked++
			if _, ok := extra[from+" -> "+target]; ok {
				continue
			}
			targetTop := strings.Split(target, "/")[0]
			good := false
			for _, a := range ok {
				if a == targetTop {
					good = true
				}
			}
			// system code must not lean on sim's demo world or tests' helpers.
			if top == "system" && strings.HasPrefix(target, "sim/") {
				good = false
			}
			if !good {
				bad = append(bad, rel+" imports "+target+": "+top+" may import only "+strings.Join(ok, ", ")+" (DESIGN.md section 1)")
			}
		}
		return nil
	})
	return bad, checked, err
}
