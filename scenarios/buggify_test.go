package scenarios

import (
	"slices"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
)

// buggifyDeterminismSeeds is how many seeds of every scenario
// TestBuggifyDeterministicAndDifferent runs with buggify on, twice each.
const buggifyDeterminismSeeds = 12

// TestBuggifyDeterministicAndDifferent runs every scenario with --buggify
// for a few seeds, twice each (concurrently, as TestDeterminism does), and
// requires equal fingerprints and equal per-site firing counts; a seed in
// which a site fired must differ from the same seed without buggify (a
// seed whose code reached only sites drawn inactive runs exactly as
// without it, and so does a swarm seed whose draw turned buggify on
// already). Every scenario must see some site
// fire in these seeds, and the sites are reported sorted by name.
func TestBuggifyDeterministicAndDifferent(t *testing.T) {
	for _, s := range Catalogue() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			changed, fired := 0, map[string]uint64{}
			for seed := uint64(1); seed <= buggifyDeterminismSeeds; seed++ {
				var b Result
				done := make(chan struct{})
				go func() {
					defer close(done)
					b = RunWith(s.Name, seed, Options{Buggify: true}, RunConfig{SkipCheckers: true})
				}()
				a := RunWith(s.Name, seed, Options{Buggify: true}, RunConfig{SkipCheckers: true})
				<-done
				off := RunWith(s.Name, seed, Options{}, RunConfig{SkipCheckers: true})
				for _, r := range []Result{a, b, off} {
					if r.Err != nil {
						t.Fatalf("seed=%d: %v\nreplay: %s", seed, r.Err, r.Replay())
					}
				}
				if a.Fingerprint != b.Fingerprint || a.Events != b.Events {
					t.Fatalf("seed=%d: buggify on: fingerprints %016x and %016x differ\nreplay: %s", seed, a.Fingerprint, b.Fingerprint, a.Replay())
				}
				if !a.Buggify.Enabled || !slices.Equal(a.Buggify.Sites, b.Buggify.Sites) {
					t.Fatalf("seed=%d: buggify records differ between two runs:\n%s\n%s", seed, a.Buggify, b.Buggify)
				}
				if !slices.IsSortedFunc(a.Buggify.Sites, func(x, y sim.BuggifySite) int { return strings.Compare(x.Site, y.Site) }) {
					t.Fatalf("seed=%d: sites not sorted by name: %s", seed, a.Buggify)
				}
				n := uint64(0)
				for _, site := range a.Buggify.Sites {
					n += site.Fired
					fired[site.Site] += site.Fired
					if site.Fired > 0 && !site.Active {
						t.Fatalf("seed=%d: site %s fired while inactive", seed, site.Site)
					}
				}
				switch {
				case off.Buggify.Enabled && s.Buggify == nil:
					t.Fatalf("seed=%d: buggify on without --buggify", seed)
				case off.Buggify.Enabled:
					// Swarm drew buggify on for this seed: --buggify
					// changes nothing.
					if a.Fingerprint != off.Fingerprint {
						t.Fatalf("seed=%d: swarm drew buggify on, yet --buggify changed the run", seed)
					}
				case n > 0 && a.Fingerprint == off.Fingerprint:
					t.Fatalf("seed=%d: %d buggify firings, yet the fingerprint %016x equals the run without buggify", seed, n, a.Fingerprint)
				case n > 0:
					changed++
				case a.Fingerprint != off.Fingerprint:
					t.Fatalf("seed=%d: no site fired, yet the run differs from the one without buggify", seed)
				}
			}
			if changed == 0 {
				t.Fatalf("no buggify site fired in %d seeds", buggifyDeterminismSeeds)
			}
			t.Logf("%d of %d seeds changed by buggify; firings by site: %v", changed, buggifyDeterminismSeeds, fired)
		})
	}
}

// The replay line of a buggify run carries --buggify, and its options
// line says buggify=on.
func TestBuggifyReplayCarriesTheFlag(t *testing.T) {
	r := Result{Scenario: "chat-basic", Seed: 9, Options: Options{Buggify: true}}
	if !strings.Contains(r.Replay(), " --buggify") || strings.Contains(r.Replay(), "--buggify=") {
		t.Errorf("replay %q: want a bare --buggify", r.Replay())
	}
	if !slices.Contains(r.Options.Lines(), "buggify=on") {
		t.Errorf("options lines %q: want buggify=on", r.Options.Lines())
	}
	if off := (Options{}); slices.ContainsFunc(off.Lines(), func(l string) bool { return strings.Contains(l, "buggify") }) || strings.Contains(off.Flags(), "buggify") {
		t.Errorf("buggify off must not show: %q %q", off.Lines(), off.Flags())
	}
}
