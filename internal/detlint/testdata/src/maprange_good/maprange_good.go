package maprange_good

import (
	"cmp"
	"maps"
	"slices"
)

func sum(m map[string]int, s []int, word string) int {
	n := 0
	for _, k := range slices.Sorted(maps.Keys(m)) { // sorted: deterministic
		n += len(k) + m[k]
	}
	for _, k := range slices.SortedFunc(maps.Keys(m), cmp.Compare[string]) {
		n += len(k)
	}
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	for _, k := range keys {
		n += m[k]
	}
	for _, v := range s {
		n += v
	}
	for _, r := range word {
		n += int(r)
	}
	for i := range slices.Values(s) { // an iterator, but not over a map
		n += i
	}
	n += len(m) + m["x"] // lookups are fine
	return n
}

// Generic code over slices is not confused with maps.
func total[S ~[]E, E cmp.Ordered](s S) (t E) {
	for _, v := range s {
		t += v
	}
	return t
}
