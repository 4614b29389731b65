package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// File names in a run report folder.
const (
	RunHTMLFile = "report.html"
	SummaryFile = "summary.json"
)

// RunReport lists what WriteRun wrote.
type RunReport struct {
	Dir     string
	HTML    string // path of report.html
	Summary string // path of summary.json
	Figures []Figure
}

// WriteRun writes the report of r into dir, creating dir if needed:
// report.html, summary.json and each figure as SVG and PNG. It never fails
// on missing data: an empty Run gives a report whose plots say "no data".
func WriteRun(dir string, r *Run) (*RunReport, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	figs, err := runFigures(dir, r, sortedLatencies(r.Latencies))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range figs {
		names = append(names, filepath.Base(f.SVG), filepath.Base(f.PNG))
	}
	s := Summarize(r, names)

	rep := &RunReport{
		Dir:     dir,
		HTML:    filepath.Join(dir, RunHTMLFile),
		Summary: filepath.Join(dir, SummaryFile),
		Figures: figs,
	}
	var js bytes.Buffer
	if err := WriteSummary(&js, s); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	if err := os.WriteFile(rep.Summary, js.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}

	page := runPage{S: s, Figures: embedFigures(figs)}
	for k, v := range r.Options {
		page.Options = append(page.Options, option{k, v})
	}
	slices.SortFunc(page.Options, func(a, b option) int { return cmp.Compare(a.Name, b.Name) })
	for _, f := range r.Faults {
		page.Faults = append(page.Faults, faultRow{FaultWindow: f, Length: max(0, f.End-f.Start)})
	}
	for _, v := range r.Verdicts {
		row := verdictRow{Verdict: v, Timed: v.At > 0, ArtifactName: artifactName(v.Artifact)}
		if row.Timed {
			row.Phase = phaseAt(r.Phases, v.At)
		}
		page.Verdicts = append(page.Verdicts, row)
		if v.Result != ResultOK {
			page.Failures = append(page.Failures, row)
		}
	}
	for _, v := range r.Verdicts {
		if err := linkBack(dir, v.Artifact); err != nil {
			return nil, err
		}
	}
	var html bytes.Buffer
	if err := runTemplate.Execute(&html, page); err != nil {
		return nil, fmt.Errorf("reports: rendering %s: %w", RunHTMLFile, err)
	}
	if err := os.WriteFile(rep.HTML, html.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return rep, nil
}

// phaseAt names the phase instant at falls in ("safety", "liveness, 7.3 s
// after the heal"), or "" when the run gave no phases.
func phaseAt(phases []Phase, at time.Duration) string {
	var heal time.Duration = -1
	for _, p := range phases {
		if p.Name == PhaseHeal {
			heal = p.Start
		}
	}
	for _, p := range phases {
		if p.End <= p.Start || at < p.Start || at >= p.End {
			continue
		}
		if heal >= 0 && at >= heal {
			return fmt.Sprintf("%s phase, %s after the heal", p.Name, humanDuration(at-heal))
		}
		return p.Name + " phase"
	}
	return ""
}

// artifactName is the text of an artifact's link: Porcupine's page says
// what it is; any other file goes by its name.
func artifactName(path string) string {
	base := filepath.Base(path)
	if strings.HasPrefix(base, "porcupine") && strings.HasSuffix(base, ".html") {
		return "Porcupine visualisation"
	}
	return base
}

// backLinkMarker tells a page that already links back to its report.
const backLinkMarker = "<!-- guildsim: link back to the report -->"

// linkBack puts a link to report.html at the top of an HTML artifact in the
// report folder (Porcupine's visualisation), so that a reader who followed
// the report's link can return. Porcupine writes a page of its own that
// this package does not control: the link goes right after its <body>
// tag, once, and an artifact that is not HTML or not in the folder is left
// alone.
func linkBack(dir, artifact string) error {
	if artifact == "" || !strings.HasSuffix(artifact, ".html") || filepath.IsAbs(artifact) {
		return nil
	}
	path := filepath.Join(dir, filepath.FromSlash(artifact))
	if rel, err := filepath.Rel(dir, path); err != nil || strings.HasPrefix(rel, "..") {
		return nil
	}
	page, err := os.ReadFile(path)
	if err != nil {
		return nil // a missing artifact is the checker's to explain, not a report failure
	}
	if bytes.Contains(page, []byte(backLinkMarker)) {
		return nil
	}
	i := bytes.Index(page, []byte("<body"))
	if i < 0 {
		return nil
	}
	end := bytes.IndexByte(page[i:], '>')
	if end < 0 {
		return nil
	}
	at := i + end + 1
	up := strings.Repeat("../", strings.Count(filepath.ToSlash(artifact), "/"))
	// Fixed in the top right corner: Porcupine positions its drawing
	// absolutely, over anything in the flow of its page.
	link := backLinkMarker + `<p style="position: fixed; top: 0.5em; right: 1em; z-index: 1000; margin: 0; padding: 0.3em 0.7em; background: #fff; border: 1px solid #ccc; font-family: system-ui, sans-serif;"><a href="` + up + RunHTMLFile + `">← back to the run report</a></p>`
	out := append(append(append([]byte{}, page[:at]...), link...), page[at:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("reports: linking %s back to the report: %w", artifact, err)
	}
	return nil
}
