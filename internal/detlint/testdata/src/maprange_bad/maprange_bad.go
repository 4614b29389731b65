package maprange_bad

import "maps"

type Index map[string]int

func sum(m map[string]int, idx Index) int {
	n := 0
	for k, v := range m { // want `^detlint: range over a map has a random order: collect and sort the keys \(slices\.Sorted\(maps\.Keys\(m\)\)\) or keep a slice$`
		n += len(k) + v
	}
	for k := range idx { // want `range over a map has a random order`
		n += len(k)
	}
	for range m { // want `range over a map has a random order`
		n++
	}
	for k := range maps.Keys(m) { // want `^detlint: range over maps\.Keys has a random order: collect and sort the keys \(slices\.Sorted\(maps\.Keys\(m\)\)\) or keep a slice$`
		n += len(k)
	}
	for v := range maps.Values(m) { // want `range over maps\.Values has a random order`
		n += v
	}
	for k, v := range maps.All(m) { // want `range over maps\.All has a random order`
		n += len(k) + v
	}
	return n
}

// Generic code over any map type is caught through the type parameter.
func count[M ~map[K]V, K comparable, V any](m M) int {
	n := 0
	for range m { // want `range over a map has a random order`
		n++
	}
	return n
}
