package deploy

import (
	"slices"

	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
	"github.com/guildsim/guildsim/system/store"
)

// CoverageSites returns every coverage site the system declares (each
// package's CoverageSites), sorted. New declares them on the world it
// builds, so a run lists the sites it never reached as well as those it
// did: a blind spot is visible only if the site is known before anything
// reaches it.
func CoverageSites() []string {
	var all []string
	for _, pkg := range [][]string{client.CoverageSites, gateway.CoverageSites, guild.CoverageSites, store.CoverageSites} {
		all = append(all, pkg...)
	}
	slices.Sort(all)
	return all
}
