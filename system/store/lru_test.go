package store

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestLRUOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts LRUOptions
		want LRUOptions // when err is nil
		err  string
	}{
		{name: "defaults", want: LRUOptions{MaxEntries: DefaultLRUMaxEntries, MaxBytes: DefaultLRUMaxBytes}},
		{name: "set", opts: LRUOptions{MaxEntries: 3, MaxBytes: 10}, want: LRUOptions{MaxEntries: 3, MaxBytes: 10}},
		{name: "negative entries", opts: LRUOptions{MaxEntries: -1}, err: "max entries -1: must be between 1 and 2147483647"},
		{name: "too many entries", opts: LRUOptions{MaxEntries: maxLRUEntries + 1}, err: "max entries 2147483648"},
		{name: "negative bytes", opts: LRUOptions{MaxBytes: -5}, err: "max bytes -5: must be at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewLRU[int, string](tc.opts)
			if tc.err != "" {
				require.ErrorIs(t, err, ErrLRUOptions)
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, c.Options())
		})
	}
}

// TestLRUEvictionOrder walks one sequence by hand: a Get saves an entry from
// eviction, both bounds evict, an oversize Put is refused and drops the old
// value, and OnEvict sees exactly the evicted entries in order.
func TestLRUEvictionOrder(t *testing.T) {
	c, err := NewLRU[string, int](LRUOptions{MaxEntries: 3, MaxBytes: 10})
	require.NoError(t, err)
	var evicted []string
	c.OnEvict(func(k string, _ int) { evicted = append(evicted, k) })

	require.True(t, c.Put("a", 1, 2))
	require.True(t, c.Put("b", 2, 2))
	require.True(t, c.Put("c", 3, 2))
	_, hit := c.Get("a") // a is now the most recent; b is the oldest
	require.True(t, hit)
	require.True(t, c.Put("d", 4, 2)) // entry bound: evicts b
	require.Equal(t, []string{"d", "a", "c"}, c.Keys())
	require.True(t, c.Put("e", 5, 7)) // 4 entries: evicts c; 2+2+7 > 10: evicts a
	require.Equal(t, []string{"e", "d"}, c.Keys())
	require.Equal(t, int64(9), c.Bytes())
	require.True(t, c.Put("d", 40, 3)) // replace: 7+3 fits, nothing evicted
	require.Equal(t, []string{"d", "e"}, c.Keys())
	require.False(t, c.Put("e", 50, 11)) // larger than the whole budget
	require.Equal(t, []string{"d"}, c.Keys())
	_, hit = c.Get("e")
	require.False(t, hit, "a refused Put must not leave the old value behind")
	require.True(t, c.Invalidate("d"))
	require.False(t, c.Invalidate("d"))
	require.False(t, c.Remove("zz"))

	require.Equal(t, []string{"b", "c", "a"}, evicted)
	require.Equal(t, LRUStats{Hits: 1, Misses: 1, Puts: 6, Refused: 1, Evictions: 3, EvictedBytes: 6, Invalidations: 1}, c.Stats())
	require.Equal(t, 0, c.Len())
	require.Equal(t, int64(0), c.Bytes())
}

// TestLRUTurnoverAllocatesNothing holds the arena's promise: a full cache
// whose keys keep changing reuses freed slots and allocates nothing per Put,
// which is why the list is indices into a slice and not pointers.
func TestLRUTurnoverAllocatesNothing(t *testing.T) {
	const entries = 1000
	c, err := NewLRU[int, int](LRUOptions{MaxEntries: entries})
	require.NoError(t, err)
	k := 0
	for ; k < 5*entries; k++ {
		c.Put(k, k, 10)
	}
	allocs := testing.AllocsPerRun(10_000, func() {
		c.Put(k, k, 10) // a new key: evicts the oldest
		c.Get(k - entries/2)
		k++
	})
	require.Zero(t, allocs)
	require.Equal(t, entries, c.Len())
}

// lruModel is the obvious cache: a slice in recency order, the most recent
// first, scanned linearly. It keeps the counters the cache should keep and
// the entries it should have evicted, in order.
type lruModel struct {
	maxEntries int
	maxBytes   int64
	entries    []lruModelEntry
	evicted    []lruModelEntry
	stats      LRUStats
}

type lruModelEntry struct {
	key, val int
	size     int64
}

func (m *lruModel) find(key int) int {
	return slices.IndexFunc(m.entries, func(e lruModelEntry) bool { return e.key == key })
}

func (m *lruModel) bytes() int64 {
	var n int64
	for _, e := range m.entries {
		n += e.size
	}
	return n
}

func (m *lruModel) get(key int) (int, bool) {
	i := m.find(key)
	if i < 0 {
		m.stats.Misses++
		return 0, false
	}
	m.stats.Hits++
	e := m.entries[i]
	m.entries = slices.Insert(slices.Delete(m.entries, i, i+1), 0, e)
	return e.val, true
}

func (m *lruModel) put(key, val int, size int64) bool {
	if i := m.find(key); i >= 0 {
		m.entries = slices.Delete(m.entries, i, i+1)
	}
	if size > m.maxBytes {
		m.stats.Refused++
		return false
	}
	m.stats.Puts++
	m.entries = slices.Insert(m.entries, 0, lruModelEntry{key: key, val: val, size: size})
	for len(m.entries) > m.maxEntries || m.bytes() > m.maxBytes {
		last := m.entries[len(m.entries)-1]
		m.entries = m.entries[:len(m.entries)-1]
		m.evicted = append(m.evicted, last)
		m.stats.Evictions++
		m.stats.EvictedBytes += uint64(last.size)
	}
	return true
}

func (m *lruModel) drop(key int) bool {
	i := m.find(key)
	if i < 0 {
		return false
	}
	m.entries = slices.Delete(m.entries, i, i+1)
	return true
}

// TestLRUProperties runs random sequences of Get, Peek, Put, Remove and
// Invalidate over a few keys against lruModel, with bounds drawn per case
// small enough that both of them bind often. After every step the cache must
// hold exactly the model's entries in the model's recency order, within both
// bounds, with the same counters, and must have evicted exactly the entries
// the model evicted: the least recently used, in order.
func TestLRUProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		maxEntries := rapid.IntRange(1, 6).Draw(t, "maxEntries")
		maxBytes := rapid.Int64Range(1, 20).Draw(t, "maxBytes")
		c, err := NewLRU[int, int](LRUOptions{MaxEntries: maxEntries, MaxBytes: maxBytes})
		if err != nil {
			t.Fatal(err)
		}
		var evicted []lruModelEntry
		c.OnEvict(func(k, v int) {
			// The size is gone with the slot; the model's list supplies it
			// for the comparison, the key and value must match.
			evicted = append(evicted, lruModelEntry{key: k, val: v})
		})
		m := &lruModel{maxEntries: maxEntries, maxBytes: maxBytes}
		key := rapid.IntRange(0, 7)
		nextVal := 0

		t.Repeat(map[string]func(*rapid.T){
			"Get": func(t *rapid.T) {
				k := key.Draw(t, "key")
				got, ok := c.Get(k)
				want, wantOK := m.get(k)
				if got != want || ok != wantOK {
					t.Fatalf("Get(%d) = %d, %v; model %d, %v", k, got, ok, want, wantOK)
				}
			},
			"Peek": func(t *rapid.T) {
				k := key.Draw(t, "key")
				got, ok := c.Peek(k)
				i := m.find(k)
				if ok != (i >= 0) || (ok && got != m.entries[i].val) {
					t.Fatalf("Peek(%d) = %d, %v; model index %d", k, got, ok, i)
				}
			},
			"Put": func(t *rapid.T) {
				k := key.Draw(t, "key")
				// Sizes run past the budget so refusals happen, and include
				// zero, which only the entry bound can evict.
				size := rapid.Int64Range(0, maxBytes+2).Draw(t, "size")
				nextVal++
				if got, want := c.Put(k, nextVal, size), m.put(k, nextVal, size); got != want {
					t.Fatalf("Put(%d, size %d) = %v; model %v", k, size, got, want)
				}
			},
			"Remove": func(t *rapid.T) {
				k := key.Draw(t, "key")
				got, want := c.Remove(k), m.drop(k)
				if want {
					m.stats.Removals++
				}
				if got != want {
					t.Fatalf("Remove(%d) = %v; model %v", k, got, want)
				}
			},
			"Invalidate": func(t *rapid.T) {
				k := key.Draw(t, "key")
				got, want := c.Invalidate(k), m.drop(k)
				if want {
					m.stats.Invalidations++
				}
				if got != want {
					t.Fatalf("Invalidate(%d) = %v; model %v", k, got, want)
				}
			},
			"": func(t *rapid.T) {
				if c.Len() > maxEntries || c.Bytes() > maxBytes {
					t.Fatalf("bounds exceeded: %d entries (max %d), %d bytes (max %d)", c.Len(), maxEntries, c.Bytes(), maxBytes)
				}
				wantKeys := make([]int, len(m.entries))
				for i, e := range m.entries {
					wantKeys[i] = e.key
				}
				if got := c.Keys(); !slices.Equal(got, wantKeys) {
					t.Fatalf("recency order %v; model %v", got, wantKeys)
				}
				if c.Len() != len(m.entries) || c.Bytes() != m.bytes() {
					t.Fatalf("Len %d Bytes %d; model %d, %d", c.Len(), c.Bytes(), len(m.entries), m.bytes())
				}
				if c.Stats() != m.stats {
					t.Fatalf("stats %+v; model %+v", c.Stats(), m.stats)
				}
				if len(evicted) != len(m.evicted) {
					t.Fatalf("evicted %v; model %v", evicted, m.evicted)
				}
				for i, e := range evicted {
					if e.key != m.evicted[i].key || e.val != m.evicted[i].val {
						t.Fatalf("eviction %d: %+v; model %+v", i, e, m.evicted[i])
					}
				}
			},
		})
	})
}
