package detlint

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

// Analyzer reports nondeterminism in simulated code. See the package
// documentation for the rules and the //detlint:allow escape hatch.
var Analyzer = &analysis.Analyzer{
	Name: "detlint",
	Doc: `report nondeterminism in simulated code

detlint rejects imports of time, math/rand, crypto/rand, os, net and sync,
go statements, channel operations and types, and ranging over maps (or over
maps.Keys/Values/All), each with the package sim replacement to use instead.
A line comment "//detlint:allow <reason>" on the same line, or alone on the
line above, suppresses the report.`,
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

// Diagnostic categories. Reports are deduplicated per line and category, so a
// line such as "out <- <-in" yields one channel report, not two.
const (
	catImport  = "import"
	catGo      = "goroutine"
	catChan    = "channel"
	catMap     = "maporder"
	catAllow   = "allow"
	allowDir   = "//detlint:allow"
	chanAdvice = "use process messages (ctx.Send) and mailboxes instead"
	mapAdvice  = "collect and sort the keys (slices.Sorted(maps.Keys(m))) or keep a slice"
)

// forbiddenImport is one banned import path and what to use instead.
type forbiddenImport struct {
	path    string
	subpkgs bool // also ban path/... (os/exec, net/http, sync/atomic, math/rand/v2)
	instead string
}

var forbiddenImports = []forbiddenImport{
	{"time", false, "use ctx.Now(), ctx.Monotonic() and ctx.SetTimer from package sim (virtual time)"},
	{"math/rand", true, "use ctx.Rand() (a seeded stream from sim)"},
	{"crypto/rand", false, "use ctx.Rand()"},
	{"os", true, "use ctx.Disk() for storage and return errors instead of exiting"},
	{"net", true, "use sim streams (ctx.Dial/ctx.StreamSend), datagrams (ctx.SendDatagram) or process messages (ctx.Send)"},
	{"sync", true, "code under sim runs single-threaded inside one process handler at a time: no locks or atomics are needed"},
}

// lineKey identifies a source line. It uses the token.File's own line
// numbers, ignoring //line directives, so that comments and the code they
// annotate are always compared in the same coordinates.
type lineKey struct {
	file *token.File
	line int
}

// finding is a diagnostic held back until allow comments and duplicates
// have been taken into account.
type finding struct {
	pos      token.Pos
	category string
	message  string
	always   bool // not subject to allow comments (the allow check itself)
}

func run(pass *analysis.Pass) (any, error) {
	var findings []finding
	report := func(pos token.Pos, category, format string, args ...any) {
		findings = append(findings, finding{pos, category, "detlint: " + fmt.Sprintf(format, args...), false})
	}

	allowed := make(map[lineKey]bool)
	for _, f := range pass.Files {
		findings = append(findings, collectAllows(pass.Fset, f, allowed)...)
		checkImports(f, report)
	}
	checkSyntax(pass, report)

	// Report in source order, which the collection above does not guarantee.
	slices.SortStableFunc(findings, func(a, b finding) int { return cmp.Compare(a.pos, b.pos) })
	type lineCategory struct {
		lineKey
		category string
	}
	seen := make(map[lineCategory]bool)
	for _, d := range findings {
		k := keyOf(pass.Fset, d.pos)
		if allowed[k] && !d.always {
			continue
		}
		if seen[lineCategory{k, d.category}] {
			continue
		}
		seen[lineCategory{k, d.category}] = true
		pass.Report(analysis.Diagnostic{Pos: d.pos, Category: d.category, Message: d.message})
	}
	return nil, nil
}

func keyOf(fset *token.FileSet, pos token.Pos) lineKey {
	tf := fset.File(pos)
	return lineKey{tf, tf.Line(pos)}
}

// checkImports reports each import of a forbidden package.
func checkImports(f *ast.File, report func(token.Pos, string, string, ...any)) {
	for _, spec := range f.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue // the type checker reports malformed import paths
		}
		for _, fi := range forbiddenImports {
			if path == fi.path || fi.subpkgs && strings.HasPrefix(path, fi.path+"/") {
				report(spec.Path.Pos(), catImport, "import of %q is forbidden in simulated code: %s", path, fi.instead)
				break
			}
		}
	}
}

// checkSyntax reports go statements, channel use and map-order iteration.
func checkSyntax(pass *analysis.Pass, report func(token.Pos, string, string, ...any)) {
	insp := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)

	// skip holds channel operations already covered by an enclosing report:
	// the comm operations of a select, and element types of a channel type.
	// Preorder visits parents first, so marking them from the parent works.
	skip := make(map[ast.Node]bool)
	chanOp := func(n ast.Node, what string) {
		if !skip[n] {
			report(n.Pos(), catChan, "%s is forbidden in simulated code: %s", what, chanAdvice)
		}
	}

	filter := []ast.Node{
		(*ast.GoStmt)(nil),
		(*ast.SendStmt)(nil),
		(*ast.UnaryExpr)(nil),
		(*ast.SelectStmt)(nil),
		(*ast.ChanType)(nil),
		(*ast.CallExpr)(nil),
		(*ast.RangeStmt)(nil),
	}
	insp.Preorder(filter, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n.Pos(), catGo, "go statement is forbidden in simulated code: spawn a process with ctx.Spawn instead")

		case *ast.SendStmt:
			chanOp(n, "channel send")

		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				chanOp(n, "channel receive")
			}

		case *ast.SelectStmt:
			report(n.Pos(), catChan, "select statement is forbidden in simulated code: %s", chanAdvice)
			for _, s := range n.Body.List {
				if op := commOp(s.(*ast.CommClause).Comm); op != nil {
					skip[op] = true
				}
			}

		case *ast.ChanType:
			chanOp(n, "channel type")
			// chan chan T: one report for the whole type.
			for inner, ok := n.Value.(*ast.ChanType); ok; inner, ok = inner.Value.(*ast.ChanType) {
				skip[inner] = true
			}

		case *ast.CallExpr:
			// close(ch) is a channel operation with no channel syntax.
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if b, ok := pass.TypesInfo.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
					chanOp(n, "channel close")
				}
			}

		case *ast.RangeStmt:
			checkRange(pass, n, report, chanOp)
		}
	})
}

// commOp returns the channel operation of a select case (nil for default),
// so that it is not reported a second time.
func commOp(s ast.Stmt) ast.Node {
	switch s := s.(type) {
	case *ast.SendStmt:
		return s // case ch <- v:
	case *ast.ExprStmt:
		return ast.Unparen(s.X) // case <-ch:
	case *ast.AssignStmt:
		return ast.Unparen(s.Rhs[0]) // case v := <-ch: / case v, ok = <-ch:
	}
	return nil
}

// checkRange reports ranging over a channel, a map, or a maps iterator.
func checkRange(pass *analysis.Pass, rs *ast.RangeStmt, report func(token.Pos, string, string, ...any), chanOp func(ast.Node, string)) {
	x := ast.Unparen(rs.X)

	// The range expression directly being maps.Keys(m) (etc.) iterates in map
	// order. slices.Sorted(maps.Keys(m)) is a different call and passes.
	if call, ok := x.(*ast.CallExpr); ok {
		if fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func); ok &&
			fn.Pkg() != nil && fn.Pkg().Path() == "maps" {
			switch fn.Name() {
			case "Keys", "Values", "All":
				report(x.Pos(), catMap, "range over maps.%s has a random order: %s", fn.Name(), mapAdvice)
				return
			}
		}
	}

	for _, t := range coreTypes(pass.TypesInfo.TypeOf(x)) {
		switch t.(type) {
		case *types.Map:
			report(x.Pos(), catMap, "range over a map has a random order: %s", mapAdvice)
			return
		case *types.Chan:
			chanOp(rs, "range over a channel")
			return
		}
	}
}

// coreTypes returns the underlying types a value of type t may have: just
// t's underlying type, or for a type parameter the underlying type of each
// term in its constraint (so M ~map[K]V counts as a map).
func coreTypes(t types.Type) []types.Type {
	tp, ok := t.(*types.TypeParam)
	if !ok {
		if t == nil {
			return nil
		}
		return []types.Type{t.Underlying()}
	}
	var out []types.Type
	var walk func(types.Type)
	walk = func(t types.Type) {
		switch u := t.Underlying().(type) {
		case *types.Interface:
			for i := range u.NumEmbeddeds() {
				walk(u.EmbeddedType(i))
			}
		case *types.Union:
			for i := range u.Len() {
				walk(u.Term(i).Type())
			}
		default:
			out = append(out, u)
		}
	}
	walk(tp.Constraint())
	return out
}

// collectAllows records in allowed the lines suppressed by //detlint:allow
// comments in f, and returns findings for directives that give no reason.
func collectAllows(fset *token.FileSet, f *ast.File, allowed map[lineKey]bool) (bad []finding) {
	for _, group := range f.Comments {
		for _, c := range group.List {
			rest, ok := strings.CutPrefix(c.Text, allowDir)
			if !ok || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
				continue // not the directive (e.g. //detlint:allowed)
			}
			if strings.TrimSpace(rest) == "" {
				// always: an allow comment cannot excuse its own lack of reason.
				bad = append(bad, finding{c.Pos(), catAllow, "detlint: //detlint:allow needs a reason", true})
				continue
			}
			k := keyOf(fset, c.Pos())
			allowed[k] = true
			if standsAlone(fset, f, c) {
				allowed[lineKey{k.file, k.line + 1}] = true
			}
		}
	}
	return bad
}

// standsAlone reports whether comment c is the first thing on its line. Only
// such a comment applies to the line below; a trailing comment applies to its
// own line alone, so it cannot silently excuse the next statement too.
func standsAlone(fset *token.FileSet, f *ast.File, c *ast.Comment) bool {
	tf := fset.File(c.Pos())
	lineStart := tf.LineStart(tf.Line(c.Pos()))
	alone := true
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil || !alone {
			return false
		}
		// Only nodes overlapping [lineStart, c) can put code before c.
		if n.End() <= lineStart || n.Pos() >= c.Pos() {
			return false
		}
		if _, ok := n.(*ast.CommentGroup); ok {
			return false
		}
		// Code before c on this line: a node starting there, or a node
		// ending there (such as the "}" of a multi-line block).
		if n.Pos() >= lineStart || n.End() <= c.Pos() {
			alone = false
			return false
		}
		return true // n spans the line; look inside it
	})
	return alone
}
