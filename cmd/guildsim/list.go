package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/guildsim/guildsim/scenarios"
)

func cmdList(stdout io.Writer) int {
	fmt.Fprintln(stdout, "worlds:")
	fmt.Fprintln(stdout, "  demo   a toy chat service on sim alone: gateways, guilds, voice relays in 3 regions,")
	fmt.Fprintln(stdout, "         2,600 clients, faults drawn from the seed (partitions, crashes, clock jumps, ...)")
	fmt.Fprintln(stdout, "         options: --duration (60s) --clients (2600) --no-faults --no-buggify")
	fmt.Fprintln(stdout, "scenarios of the system under test (run from go test for now: see README):")
	for _, sc := range scenarios.Catalogue() {
		fmt.Fprintf(stdout, "  %-22s %s\n", sc.Name, sc.Description)
	}
	return exitOK
}

// cmdVersion prints the module version and the commit the binary was built
// from, when the build recorded it.
func cmdVersion(stdout io.Writer) int {
	version, commit, modified := "(devel)", "unknown", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = " (modified)"
				}
			}
		}
		fmt.Fprintf(stdout, "guildsim %s commit %s%s, %s\n", version, commit, modified, bi.GoVersion)
		return exitOK
	}
	fmt.Fprintf(stdout, "guildsim %s commit %s\n", version, commit)
	return exitOK
}
