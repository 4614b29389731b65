package detlint_test

import (
	"testing"

	"github.com/guildsim/guildsim/internal/detlint"
	"golang.org/x/tools/go/analysis/analysistest"
)

// Each rule has a bad package, whose "// want" comments list exactly the
// diagnostics expected, and a good package, which must produce none.
func TestAnalyzer(t *testing.T) {
	for _, pkg := range []string{
		"imports_bad", "imports_good",
		"gostmt_bad", "gostmt_good",
		"chan_bad", "chan_good",
		"maprange_bad", "maprange_good",
		"allow",
	} {
		t.Run(pkg, func(t *testing.T) {
			analysistest.Run(t, analysistest.TestData(), detlint.Analyzer, pkg)
		})
	}
}
