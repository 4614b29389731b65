// Command detlint runs the determinism lint (package internal/detlint) over
// simulated code, which must replay exactly from a seed.
//
// Usage:
//
//	go run ./cmd/detlint ./system/... ./sim/...
//
// Each diagnostic is printed to stderr as file:line:col: message, and the
// message names the package sim replacement to use. The exit status is 0 when
// the packages are clean, 3 when diagnostics were reported and 1 when the
// packages could not be loaded or analyzed. (With -json, output goes to
// stdout and the status is always 0.) Pass -test=false to skip test files.
//
// A line comment "//detlint:allow <reason>" suppresses a report on its line,
// or on the line below when the comment stands alone on its line.
package main

import (
	"github.com/guildsim/guildsim/internal/detlint"
	"golang.org/x/tools/go/analysis/singlechecker"
)

func main() { singlechecker.Main(detlint.Analyzer) }
