package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/guildsim/guildsim/scenarios"
)

func cmdList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	if code, ok := parseFlags(fs, args, "usage: guildsim list\n\nLists the scenarios (guildsim run --scenario NAME) with their default options.", stdout, stderr); !ok {
		return code
	}
	fmt.Fprintln(stdout, "scenarios (guildsim run --scenario NAME; default chat-basic):")
	for _, sc := range scenarios.Catalogue() {
		fmt.Fprintf(stdout, "  %-22s %s\n", sc.Name, sc.Description)
		o, err := scenarios.Resolve(sc.Name, scenarios.Options{})
		if err != nil {
			fmt.Fprintf(stdout, "  %-22s   defaults invalid: %v\n", "", err)
			continue
		}
		fmt.Fprintf(stdout, "  %-22s   defaults:%s\n", "", optionArgs(o))
	}
	return exitOK
}

// commit may be set at build time (-ldflags "-X main.commit=$(git
// rev-parse HEAD)") for builds without VCS stamping (-buildvcs=false).
var commit = ""

// cmdVersion prints the module version and the commit the binary was built
// from, when the build recorded it.
func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if code, ok := parseFlags(fs, args, "usage: guildsim version\n\nPrints the module path and version, the commit (from Go's VCS stamp, or -ldflags \"-X main.commit=...\"), and the Go version.", stdout, stderr); !ok {
		return code
	}
	v := readVersion()
	if v.path != "" {
		fmt.Fprintf(stdout, "guildsim %s %s commit %s%s, %s\n", v.path, v.version, v.commit, v.modified, v.goVersion)
		return exitOK
	}
	fmt.Fprintf(stdout, "guildsim %s commit %s\n", v.version, v.commit)
	return exitOK
}

// versionInfo is what guildsim version prints.
type versionInfo struct {
	path, version, commit, modified, goVersion string
}

// readVersion finds the version and commit: Go's VCS stamp when the
// binary has one (go build), else main.commit, else the checkout's .git
// (go run stamps none).
func readVersion() versionInfo {
	v := versionInfo{version: "(devel)", commit: commit}
	if v.commit == "" {
		// go run and -buildvcs=false stamp no revision: read the checkout
		// the command runs in, as go run ./cmd/guildsim from the repository
		// does.
		if rev, ok := gitHead("."); ok {
			v.commit = rev + " (read from the checkout's .git)"
		} else {
			v.commit = "unknown (no VCS stamp and no .git here; set -ldflags \"-X main.commit=...\")"
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v.path, v.goVersion = bi.Main.Path, bi.GoVersion
		if bi.Main.Version != "" {
			v.version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					v.modified = " (modified)"
				}
			}
		}
	}
	return v
}

// buildVersion is the version recorded with every run (summary.json,
// results lines, replay files, report.html, JUnit): the module version
// and the commit, e.g. "(devel) commit 52d7328... (modified)", so a
// replay that no longer matches can be traced to the code that ran it.
var buildVersion = sync.OnceValue(func() string {
	v := readVersion()
	c, _, _ := strings.Cut(v.commit, " ")
	return fmt.Sprintf("%s commit %s%s", v.version, c, v.modified)
})

// gitHead returns the commit HEAD names in the git checkout containing dir
// (a branch ref, loose or packed, or a detached HEAD).
func gitHead(dir string) (string, bool) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		gitDir := filepath.Join(abs, ".git")
		if head, err := os.ReadFile(filepath.Join(gitDir, "HEAD")); err == nil {
			h := strings.TrimSpace(string(head))
			ref, isRef := strings.CutPrefix(h, "ref: ")
			if !isRef {
				return h, len(h) == 40
			}
			if b, err := os.ReadFile(filepath.Join(gitDir, filepath.FromSlash(ref))); err == nil {
				return strings.TrimSpace(string(b)), true
			}
			packed, err := os.ReadFile(filepath.Join(gitDir, "packed-refs"))
			if err != nil {
				return "", false
			}
			for _, line := range strings.Split(string(packed), "\n") {
				if sha, name, ok := strings.Cut(line, " "); ok && name == ref {
					return sha, true
				}
			}
			return "", false
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", false
		}
		abs = parent
	}
}
