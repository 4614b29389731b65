package reports

import (
	"encoding/base64"
	"html/template"
	"path/filepath"
	"time"
)

// pageStyle is shared by report.html and compare.html. It is inline because a
// report must open from a CI artifact or a mail attachment with nothing else.
const pageStyle = `
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 62em; color: #222; }
h1 { margin-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { white-space: pre-wrap; margin: 0; }
.ok, .Ok { color: #1a7f37; font-weight: bold; }
.illegal, .Illegal { color: #cf222e; font-weight: bold; }
.unknown, .Unknown { color: #9a6700; font-weight: bold; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #555; }
code { background: #f4f4f4; padding: 0 0.2em; }
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
	"dur":     func(d time.Duration) string { return d.String() },
	"ns":      func(ns int64) string { return time.Duration(ns).String() },
	"percent": func(f float64) float64 { return 100 * f },
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

<h2 id="summary">Summary</h2>
<table>
<tr><th>scenario</th><td>{{.S.Scenario}}</td></tr>
<tr><th>seed</th><td>{{.S.Seed}}</td></tr>
<tr><th>fingerprint</th><td><code>{{.S.Fingerprint}}</code></td></tr>
<tr><th>events</th><td class="num">{{.S.Events}}</td></tr>
<tr><th>simulated time</th><td class="num">{{ns .S.SimulatedNs}}</td></tr>
<tr><th>wall time</th><td class="num">{{ns .S.WallNs}}</td></tr>
<tr><th>deliveries</th><td class="num">{{.S.Latency.Count}}</td></tr>
{{if .S.Replay}}<tr><th>replay</th><td><code>{{.S.Replay}}</code></td></tr>{{end}}
{{if .S.Version}}<tr><th>guildsim version</th><td><code>{{.S.Version}}</code></td></tr>{{end}}
</table>

<h3>Delivery latency</h3>
{{with .S.Latency}}{{if .Count}}<table>
<tr><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>
<tr><td class="num">{{ns .MeanNs}}</td><td class="num">{{ns .P50Ns}}</td><td class="num">{{ns .P90Ns}}</td><td class="num">{{ns .P99Ns}}</td><td class="num">{{ns .P999Ns}}</td><td class="num">{{ns .MaxNs}}</td></tr>
</table>{{else}}<p>No deliveries were recorded.</p>{{end}}{{end}}

<h3>Options</h3>
{{if .Options}}<table>
<tr><th>option</th><th>value</th></tr>
{{range .Options}}<tr><td>{{.Name}}</td><td><code>{{.Value}}</code></td></tr>
{{end}}</table>{{else}}<p>No options.</p>{{end}}

<h2 id="verdicts">Checker verdicts</h2>
{{if .S.Verdicts}}<table>
<tr><th>checker</th><th>result</th><th>first violation</th><th>artifact</th></tr>
{{range .S.Verdicts}}<tr><td>{{.Checker}}</td><td class="{{.Result}}">{{.Result}}</td><td>{{if .Detail}}<pre>{{.Detail}}</pre>{{end}}</td><td>{{if .Artifact}}<a href="{{.Artifact}}">{{.Artifact}}</a>{{end}}</td></tr>
{{end}}</table>{{else}}<p>No checkers ran.</p>{{end}}

<h2 id="faults">Fault timeline</h2>
{{if .Faults}}<table>
<tr><th>#</th><th>fault</th><th>start</th><th>end</th><th>duration</th></tr>
{{range $i, $f := .Faults}}<tr class="fault"><td class="num">{{$i}}</td><td>{{$f.Description}}</td><td class="num">{{dur $f.Start}}</td>{{if $f.Instantaneous}}<td class="num">—</td><td>instant</td>{{else}}<td class="num">{{dur $f.End}}</td><td class="num">{{dur $f.Length}}</td>{{end}}</tr>
{{end}}</table>
<p>Shaded red in the plots below.</p>{{else}}<p>No faults were injected.</p>{{end}}

<h2 id="plots">Plots</h2>
{{template "figures" .Figures}}

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
	S       Summary
	Options []option
	Faults  []faultRow
	Figures []embeddedFigure
}

type option struct{ Name, Value string }

type faultRow struct {
	FaultWindow
	Length time.Duration
}
