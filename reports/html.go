package reports

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"path/filepath"
	"strings"
	"time"
)

// pageStyle is shared by report.html and compare.html. It is inline because a
// report must open from a CI artifact or a mail attachment with nothing else.
// Long words (message IDs, lists of them) wrap anywhere, so that no verdict
// widens the page and pushes a link off screen; tables fit the page.
const pageStyle = `
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 76em; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; max-width: 100%; }
table.wide { width: 100%; table-layout: fixed; }
table.fit { width: 100%; }
table.fit th { overflow-wrap: normal; }
table.fit td { overflow-wrap: normal; white-space: nowrap; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
.ok, .Ok { color: #1a7f37; font-weight: bold; }
.illegal, .Illegal { color: #cf222e; font-weight: bold; }
.unknown, .Unknown { color: #9a6700; font-weight: bold; }
.verdict { border-left: 4px solid #cf222e; background: #fff5f5; padding: 0.6em 1em; margin: 1em 0; }
.verdict.passed { border-color: #1a7f37; background: #f3fbf5; }
.verdict p { margin: 0.3em 0; overflow-wrap: anywhere; }
.conclusion { border-left: 4px solid #0969da; background: #f3f8ff; padding: 0.6em 1em; margin: 1em 0; }
.conclusion li { margin: 0.25em 0; }
.muted { color: #666; font-size: 0.9em; }
figure { margin: 1em 0 2em; }
figure img { width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #555; }
code { background: #f4f4f4; padding: 0 0.2em; overflow-wrap: anywhere; }
details summary { cursor: pointer; color: #0969da; }
`

// embeddedFigure is a figure as the templates see it.
type embeddedFigure struct {
	Title   string
	Empty   bool
	DataURI template.URL // the SVG as a data: URI, so no external asset
	SVGName string
	PNGName string
}

// embedFigures turns figures into data: URIs. The SVG goes in as an image
// rather than inline markup: an <img> cannot run script, so text drawn from
// the input (series names) cannot inject anything into the page.
func embedFigures(figs []Figure) []embeddedFigure {
	out := make([]embeddedFigure, len(figs))
	for i, f := range figs {
		out[i] = embeddedFigure{
			Title:   f.Title,
			Empty:   f.Empty,
			DataURI: template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(f.svg)),
			SVGName: filepath.Base(f.SVG),
			PNGName: filepath.Base(f.PNG),
		}
	}
	return out
}

var funcs = template.FuncMap{
	"dur":         func(d time.Duration) string { return d.String() },
	"ns":          func(ns int64) string { return time.Duration(ns).String() },
	"human":       humanDuration,
	"humanns":     func(ns int64) string { return humanDuration(time.Duration(ns)) },
	"ratio":       humanRatio,
	"share":       humanShare,
	"secs":        func(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) },
	"thousands":   thousands,
	"thousands64": thousands64,
	"join":        strings.Join,
}

const figuresTemplate = `{{define "figures"}}{{range .}}
<figure>
<img alt="{{.Title}}" src="{{.DataURI}}">
<figcaption>{{.Title}}{{if .Empty}} (no data){{end}}: <a href="{{.SVGName}}">SVG</a> · <a href="{{.PNGName}}">PNG</a></figcaption>
</figure>{{end}}{{end}}`

var runTemplate = template.Must(template.New("report.html").Funcs(funcs).Parse(figuresTemplate + `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>guildsim {{.S.Scenario}} seed {{.S.Seed}}</title>
<style>` + pageStyle + `</style>
</head>
<body>
<h1>{{.S.Scenario}} · seed {{.S.Seed}} · {{if .S.Passed}}<span class="ok">PASS</span>{{else}}<span class="illegal">FAIL</span>{{end}}</h1>
<p>fingerprint <code>{{.S.Fingerprint}}</code></p>

{{if .Failures}}<div class="verdict" id="incident">
{{range .Failures}}<p><span class="{{.Result}}">{{.Checker}}: {{.Result}}</span>{{if .Timed}} · first violation at <b>+{{secs .At}}</b>{{with .Phase}} ({{.}}){{end}}{{end}}{{if .Artifact}} · <a href="{{.Artifact}}">{{.ArtifactName}}</a>{{end}}</p>
{{end}}<p class="muted">Marked in red on every time plot below; the verdicts' full text is under <a href="#verdicts">Checker verdicts</a>.</p>
</div>{{else if .S.Verdicts}}<div class="verdict passed"><p><span class="ok">Every checker said ok.</span></p></div>{{end}}

<h2 id="verdicts">Checker verdicts</h2>
{{if .Verdicts}}<table class="wide">
<colgroup><col style="width:11em"><col style="width:5.5em"><col style="width:11em"><col></colgroup>
<tr><th>checker</th><th>result</th><th>when · artifact</th><th>first violation, or what was covered</th></tr>
{{range .Verdicts}}<tr class="verdict-row"><td>{{.Checker}}</td><td class="{{.Result}}">{{.Result}}</td><td>{{if .Timed}}+{{secs .At}}{{with .Phase}}<br><span class="muted">{{.}}</span>{{end}}{{end}}{{if .Artifact}}<br><a href="{{.Artifact}}">{{.ArtifactName}}</a>{{end}}</td><td>{{if .Detail}}<pre>{{.Detail}}</pre>{{end}}</td></tr>
{{end}}</table>{{else}}<p>No checkers ran.</p>{{end}}

<h2 id="plots">Plots</h2>
<p class="muted">Every time plot shares one time axis: the run's phases are shaded and named above it (the heal is the dashed green line){{if .Failures}}, each failing checker's first violation is a red line{{end}}. When the faults take a small part of a long run, the axis after the settling time is compressed (the axis label says how much).</p>
{{template "figures" .Figures}}

<h2 id="faults">Faults</h2>
{{if .Faults}}<table class="wide">
<colgroup><col style="width:3em"><col style="width:10em"><col style="width:12em"><col style="width:6em"><col style="width:6em"><col style="width:6em"><col></colgroup>
<tr><th class="num">#</th><th>kind</th><th>nodes hit</th><th class="num">start</th><th class="num">end</th><th class="num">length</th><th>fault as drawn</th></tr>
{{range $i, $f := .Faults}}<tr class="fault"><td class="num">{{$i}}</td><td>{{$f.Kind}}</td><td>{{range $j, $n := $f.Nodes}}{{if $j}}, {{end}}{{$n}}{{end}}</td><td class="num">{{secs $f.Start}}</td>{{if $f.Instantaneous}}<td class="num">—</td><td class="num">instant</td>{{else}}<td class="num">{{secs $f.End}}</td><td class="num">{{human $f.Length}}</td>{{end}}<td>{{$f.Description}}</td></tr>
{{end}}</table>{{else}}<p>No faults were injected.</p>{{end}}

<h2 id="summary">Summary</h2>
<table>
<tr><th>scenario</th><td>{{.S.Scenario}}</td></tr>
<tr><th>seed</th><td>{{.S.Seed}}</td></tr>
<tr><th>fingerprint</th><td><code>{{.S.Fingerprint}}</code></td></tr>
<tr><th>events</th><td class="num">{{.S.Events}}</td></tr>
<tr><th>simulated time</th><td class="num">{{ns .S.SimulatedNs}}</td></tr>
<tr><th>wall time</th><td class="num">{{humanns .S.WallNs}}</td></tr>
<tr><th>deliveries</th><td class="num">{{.S.Latency.Count}}</td></tr>
{{if .S.Replay}}<tr><th>replay</th><td><code>{{.S.Replay}}</code></td></tr>{{end}}
{{if .S.Version}}<tr><th>guildsim version</th><td><code>{{.S.Version}}</code></td></tr>{{end}}
</table>

<h3>Delivery latency</h3>
{{with .S.Latency}}{{if .Count}}<table>
<tr><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>
<tr><td class="num">{{humanns .MeanNs}}</td><td class="num">{{humanns .P50Ns}}</td><td class="num">{{humanns .P90Ns}}</td><td class="num">{{humanns .P99Ns}}</td><td class="num">{{humanns .P999Ns}}</td><td class="num">{{humanns .MaxNs}}</td></tr>
</table>{{else}}<p>No deliveries were recorded.</p>{{end}}{{end}}

<h3>Options</h3>
{{if .Options}}<table>
<tr><th>option</th><th>value</th></tr>
{{range .Options}}<tr><td>{{.Name}}</td><td><code>{{.Value}}</code></td></tr>
{{end}}</table>{{else}}<p>No options.</p>{{end}}

<h2 id="counters">Counters</h2>
{{if .S.Counters}}<table>
<tr><th>counter</th><th>value</th></tr>
{{range .S.Counters}}<tr><td>{{.Name}}</td><td class="num">{{.Value}}</td></tr>
{{end}}</table>{{else}}<p>No counters.</p>{{end}}

<p><a href="summary.json">summary.json</a></p>
</body>
</html>
`))

// runPage is the data of report.html.
type runPage struct {
	S        Summary
	Options  []option
	Faults   []faultRow
	Verdicts []verdictRow
	// Failures are the verdicts that are not ok, for the box at the top.
	Failures []verdictRow
	Figures  []embeddedFigure
}

// verdictRow is a verdict as the page shows it.
type verdictRow struct {
	Verdict
	Timed        bool   // At is known
	Phase        string // the phase At falls in
	ArtifactName string // the link's text
}

type option struct{ Name, Value string }

type faultRow struct {
	FaultWindow
	Length time.Duration
}
