// Package layering holds the test that keeps DESIGN.md's import rules: sim
// imports nothing of ours; system imports only sim; faults only sim;
// scenarios ties sim, system and faults together; reports never runs a
// simulation; cmd wires flags to scenarios and reports.
package layering
