package reports

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// summary.json carries buggify as {"enabled", "sites": [{site, active,
// asked, fired}]}, sites never null, and reads back to the same value.
func TestSummaryBuggify(t *testing.T) {
	run := &Run{Scenario: "swarm", Seed: 7, Buggify: BuggifySummary{Enabled: true, Sites: []BuggifySite{
		{Site: "gateway/heartbeat-ack-late", Active: false, Asked: 40},
		{Site: "store/replica-late-reply", Active: true, Asked: 900, Fired: 212},
	}}}
	var b bytes.Buffer
	if err := WriteSummary(&b, Summarize(run, nil)); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Buggify struct {
			Enabled bool             `json:"enabled"`
			Sites   []map[string]any `json:"sites"`
		} `json:"buggify"`
	}
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if !raw.Buggify.Enabled || len(raw.Buggify.Sites) != 2 {
		t.Fatalf("buggify: got %+v, want enabled with 2 sites", raw.Buggify)
	}
	want := map[string]any{"site": "store/replica-late-reply", "active": true, "asked": 900.0, "fired": 212.0}
	if got := raw.Buggify.Sites[1]; !reflect.DeepEqual(got, want) {
		t.Errorf("site 1: got %v, want %v", got, want)
	}
	back, err := ReadSummary(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Buggify, Summarize(run, nil).Buggify) {
		t.Errorf("buggify does not round-trip: got %+v", back.Buggify)
	}

	b.Reset()
	if err := WriteSummary(&b, Summarize(&Run{}, nil)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte(`"buggify": {
    "enabled": false,
    "sites": []
  }`)) {
		t.Errorf("a run without buggify: want enabled false and sites [], got\n%s", b.String())
	}
}
