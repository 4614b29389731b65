package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
)

// TestDataServiceOptions: every bad option is refused with a message naming
// it.
func TestDataServiceOptions(t *testing.T) {
	nodes := []sim.NodeID{1, 2, 3}
	tests := []struct {
		opts DataServiceOptions
		text string
	}{
		{DataServiceOptions{}, "coordinators: need at least one"},
		{DataServiceOptions{Coordinators: nodes, Mode: 3}, "mode 3"},
		{DataServiceOptions{Coordinators: nodes, StoreTimeout: -1}, "store timeout"},
		{DataServiceOptions{Coordinators: nodes, MaxPending: -1}, "max pending -1"},
		{DataServiceOptions{Coordinators: nodes, MaxPageSize: -1}, "max page size -1"},
		{DataServiceOptions{Coordinators: nodes, CacheTTL: -1}, "cache TTL"},
		{DataServiceOptions{Coordinators: nodes, RequestWork: -1}, "request work"},
		{DataServiceOptions{Coordinators: nodes, Coalescer: CoalescerOptions{MaxWaiters: -1}}, "max waiters -1"},
		{DataServiceOptions{Coordinators: nodes, Cache: LRUOptions{MaxBytes: -1}}, "max bytes -1"},
		{DataServiceOptions{Coordinators: nodes, Mode: DataServiceOff, Cache: LRUOptions{MaxEntries: -1}}, "max entries -1"},
	}
	for _, tc := range tests {
		_, err := NewDataService(tc.opts)
		if !errors.Is(err, ErrDataServiceOptions) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("NewDataService(%+v) = %v; want ErrDataServiceOptions containing %q", tc.opts, err, tc.text)
		}
	}
	// A cache is built only where the mode uses one.
	for _, mode := range []DataServiceMode{DataServiceOff, DataServiceCoalescing, DataServiceCoalescingCache} {
		d, err := NewDataService(DataServiceOptions{Coordinators: nodes, Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		if (d.co != nil) != (mode != DataServiceOff) || (d.cache != nil) != (mode == DataServiceCoalescingCache) || d.Mode() != mode {
			t.Errorf("mode %s: coalescer %v, cache %v", mode, d.co != nil, d.cache != nil)
		}
	}
	if s := DataServiceMode(7).String(); s != "DataServiceMode(7)" {
		t.Errorf("String of a bad mode: %q", s)
	}
}
