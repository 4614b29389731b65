package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
	"github.com/stretchr/testify/require"
)

// coverageCall is one call of sim.Sometimes or sim.Reachable in system code.
type coverageCall struct {
	site string
	at   string // file:line
}

// coverageCalls scans the non-test Go files of system/<pkg> for calls of
// sim.Sometimes and sim.Reachable. A name that is not a string literal is
// reported as such: the declared lists are checked against the source, so
// the source must say the name.
func coverageCalls(t *testing.T, pkg string) []coverageCall {
	t.Helper()
	dir := filepath.Join("..", pkg)
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	var calls []coverageCall
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		file, err := parser.ParseFile(fset, f, src, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok || x.Name != "sim" || (sel.Sel.Name != "Sometimes" && sel.Sel.Name != "Reachable") {
				return true
			}
			at := fset.Position(call.Pos()).String()
			require.GreaterOrEqual(t, len(call.Args), 2, "%s: sim.%s without a site name", at, sel.Sel.Name)
			lit, ok := call.Args[1].(*ast.BasicLit)
			require.True(t, ok && lit.Kind == token.STRING, "%s: the site name of sim.%s must be a string literal, so that this test can read it", at, sel.Sel.Name)
			name, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			calls = append(calls, coverageCall{site: name, at: at})
			return true
		})
	}
	return calls
}

// Every site the code asks is declared in its package's CoverageSites, and
// every declared site is asked somewhere: a site that is only declared
// would be listed as a blind spot forever, and one only asked would never
// be listed when no run reaches it. Each name is asked at one place and is
// "package/what".
func TestCoverageSitesDeclaredAndUsed(t *testing.T) {
	declared := map[string][]string{
		"client":  client.CoverageSites,
		"gateway": gateway.CoverageSites,
		"guild":   guild.CoverageSites,
		"store":   store.CoverageSites,
	}
	entries, err := os.ReadDir("..")
	require.NoError(t, err)
	where := map[string]string{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		pkg := e.Name()
		var used []string
		for _, c := range coverageCalls(t, pkg) {
			require.True(t, strings.HasPrefix(c.site, pkg+"/"), "%s: site %q must be named %s/what", c.at, c.site, pkg)
			if prev, dup := where[c.site]; dup {
				t.Fatalf("%s: site %q is asked at %s too: one place per site, so that reaching it says where the run went", c.at, c.site, prev)
			}
			where[c.site] = c.at
			used = append(used, c.site)
		}
		slices.Sort(used)
		decl := slices.Clone(declared[pkg])
		slices.Sort(decl)
		require.Equal(t, len(decl), len(slices.Compact(slices.Clone(decl))), "system/%s: CoverageSites lists a site twice", pkg)
		for _, s := range used {
			require.Contains(t, decl, s, "system/%s: site %q (at %s) is asked but not in CoverageSites", pkg, s, where[s])
		}
		for _, s := range decl {
			require.Contains(t, used, s, "system/%s: CoverageSites declares %q, which no code asks", pkg, s)
		}
	}
	require.NotEmpty(t, where)
	require.Equal(t, len(where), len(CoverageSites()))
}

// New declares every site on the world it builds: a run that reaches none
// still lists them all.
func TestNewDeclaresCoverageSites(t *testing.T) {
	d, err := New(Topology{Seed: 1})
	require.NoError(t, err)
	var names []string
	for _, s := range d.World.Coverage() {
		require.True(t, s.Declared, s.Site)
		require.False(t, s.Reached(), "nothing ran yet: %s", s.Site)
		names = append(names, s.Site)
	}
	require.Equal(t, CoverageSites(), names)
}
