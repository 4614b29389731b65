package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
	var html bytes.Buffer
	if err := runTemplate.Execute(&html, page); err != nil {
		return nil, fmt.Errorf("reports: rendering %s: %w", RunHTMLFile, err)
	}
	if err := os.WriteFile(rep.HTML, html.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return rep, nil
}
