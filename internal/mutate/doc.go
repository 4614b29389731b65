// Package mutate proves the checkers' worth with mutations: system code
// carries no test hooks (DESIGN.md §1), so instead of asking the system
// whether a bug can happen, it plants one and asks whether the checkers,
// which read only what clients recorded, notice.
//
// The life of one mutation (go run ./cmd/mutate):
//
//  1. The tracked tree (git ls-files; not guildsim-out/ nor
//     testdata/rapid/) is copied once to a temporary folder.
//  2. The mutated file is restored to its pristine contents, then each of
//     the mutation's edits replaces an exact snippet that must occur exactly
//     once; otherwise the mutation is STALE, a failure of the tool, so the
//     list cannot rot silently (TestFindsMatch catches it in CI already).
//  3. go build ./... in the copy: a mutant that does not compile is
//     NOCOMPILE, a failure of the list.
//  4. Its catchers run in the copy: go test ./scenarios -run
//     '^TestMutantSeeds$' with the scenario runs it names, seed 1 of every
//     run, then seed 2, up to --seeds, stopping at the first run that is
//     not Ok (CAUGHT, with the checkers and the first verdict) or running
//     out (MISSED); or a named test such as TestFoundByProperties, CAUGHT
//     if it fails.
//  5. A missed mutant's runs are compared with the unmutated tree's, run
//     by run, by fingerprint. If every one is equal and the mutation says
//     why it should be (Mutation.Equivalent: it changes only memory, say),
//     it is EQUIVALENT, not a miss: it behaves exactly as the original
//     wherever it ran, so no checker of client records can catch it. An
//     undeclared mutant whose runs all match stays MISSED: code no
//     scenario exercises is a gap to fill, not an equivalence.
//
// A baseline runs the same catchers on the unmutated tree for a few seeds:
// they pass, so a catch is the mutation's doing. Settings (no edits, only
// options such as consistency=one) are legitimate but unsafe: they too
// must be caught. The command runs on demand, not in CI: a full session
// takes minutes.
package mutate
