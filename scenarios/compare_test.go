package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// compareSizes are small guilds: the comparison's mechanics, in well under a
// second per strategy.
var compareSizes = []int{50, 200}

func runCompareAll(t *testing.T, seed uint64) map[string]CompareRun {
	t.Helper()
	o := CompareOptions{Members: compareSizes, Strategies: []string{"direct", "per-node", "relays", "relays+per-node", "relays+passive"}}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	out := map[string]CompareRun{}
	for _, s := range o.Strategies {
		for _, m := range o.Members {
			r := RunCompare(s, m, seed, o)
			if r.Err != nil {
				t.Fatalf("seed=%d: %s", seed, r.String())
			}
			out[key(s, m)] = r
		}
	}
	return out
}

func key(s string, m int) string { return fmt.Sprintf("%s/%d", s, m) }

// TestCompareFigures checks that the figures mean what they say: every
// online member gets each message exactly once (only those who opened the
// guild under relays+passive; the others one unread notification), the
// latencies are positive, and the strategies differ where their design says
// they must.
func TestCompareFigures(t *testing.T) {
	runs := runCompareAll(t, 1)
	for k, r := range runs {
		if !r.Complete() {
			t.Errorf("%s: incomplete: %s", k, r.String())
		}
		if r.Percentile(99) <= 0 || r.Percentile(50) > r.Percentile(99) || r.Percentile(99) > r.Percentile(100) {
			t.Errorf("%s: percentiles out of order or zero: %s", k, r.String())
		}
		if r.Acked != 5 || r.NetworkMessages == 0 || r.Span <= 0 {
			t.Errorf("%s: %s", k, r.String())
		}
		if r.Strategy == "relays+passive" {
			// Every tenth member opened the guild; the others get one
			// CHANNEL_UNREAD for the channel, at the first message.
			opened := (r.Members + 9) / 10
			if r.Recipients != opened || r.Deliveries != 5*opened || r.Unread != r.Members-opened {
				t.Errorf("%s: want %d recipients, %d deliveries, %d unread: %s", k, opened, 5*opened, r.Members-opened, r.String())
			}
		} else if r.Recipients != r.Members || r.Deliveries != 5*r.Members || r.Unread != 0 {
			t.Errorf("%s: want every member to get every message: %s", k, r.String())
		}
	}
	big := slices.Max(compareSizes)
	direct, perNode, relays := runs[key("direct", big)], runs[key("per-node", big)], runs[key("relays", big)]
	if perNode.MessagesPerDelivery() >= direct.MessagesPerDelivery() {
		t.Errorf("per-node should put fewer messages on the network per delivery than direct:\n%s\n%s", perNode.String(), direct.String())
	}
	if relays.BusyShare() >= direct.BusyShare() {
		t.Errorf("relays should keep the guild process less busy than direct:\n%s\n%s", relays.String(), direct.String())
	}
	if direct.Percentile(99) <= runs[key("direct", slices.Min(compareSizes))].Percentile(99) {
		t.Errorf("direct's p99 should grow with the guild")
	}
}

// TestCompareDeterminism runs every pair twice with one seed: same
// fingerprints, same figures.
func TestCompareDeterminism(t *testing.T) {
	a, b := runCompareAll(t, 3), runCompareAll(t, 3)
	for k, ra := range a {
		rb := b[k]
		if ra.Fingerprint != rb.Fingerprint || ra.Events != rb.Events || ra.NetworkMessages != rb.NetworkMessages ||
			ra.GuildBusy != rb.GuildBusy || ra.Span != rb.Span || !slices.Equal(ra.Latencies, rb.Latencies) {
			t.Errorf("seed=3 %s: two runs differ:\n%s\n%s", k, ra.String(), rb.String())
		}
	}
}

func TestCompareOptionsValidate(t *testing.T) {
	var o CompareOptions
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Members, DefaultCompareMembers) || !slices.Equal(o.Strategies, DefaultCompareStrategies) || o.Messages != 5 {
		t.Errorf("defaults: %+v", o)
	}
	for _, tc := range []struct {
		o    CompareOptions
		want string
	}{
		{CompareOptions{Members: []int{}}, "--members: empty"},
		{CompareOptions{Members: []int{0}}, "--members 0: must be between 1 and 1000000"},
		{CompareOptions{Members: []int{-3}}, "--members -3: must be between"},
		{CompareOptions{Members: []int{1_000_001}}, "--members 1000001: must be between"},
		{CompareOptions{Members: []int{10, 20, 10}}, "--members 10: listed twice"},
		{CompareOptions{Strategies: []string{}}, "--strategies: empty"},
		{CompareOptions{Strategies: []string{"direct", "gossip"}}, `--strategies "gossip": unknown strategy: want one of direct, per-node, relays`},
		{CompareOptions{Strategies: []string{"relays", "relays"}}, `--strategies "relays": listed twice`},
		{CompareOptions{Messages: 101}, "--messages 101"},
		{CompareOptions{OpenPercent: -1}, "--open-percent -1"},
	} {
		err := tc.o.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.o, err, tc.want)
		}
	}
}
