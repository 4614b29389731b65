package sim

import "math/bits"

// The fingerprint folds every event into a 64-bit running hash, one word at a
// time with an xxh64-style round (~1-2 ns a word; byte-wise FNV over a record
// costs ~43 ns). hash/maphash is seeded per OS process and cannot be used.
const (
	prime1 uint64 = 11400714785074694791
	prime2 uint64 = 14029467366897019727
	prime3 uint64 = 1609587929392839161
)

func foldWord(acc, v uint64) uint64 {
	acc += v * prime2
	acc = bits.RotateLeft64(acc, 31)
	return acc * prime1
}

// mix64 is a strong finaliser (splitmix64's), used to derive seeds.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Mix64 is splitmix64's finaliser: a bijection on 64-bit words whose output
// bits each depend on every input bit. Simulated code uses it for stable
// hashes (ring tokens, worker choice) that are the same on every machine,
// which hash/maphash (seeded per OS process) is not.
func Mix64(x uint64) uint64 { return mix64(x) }

// hashString is FNV-1a over the bytes of s: used for names, never per event.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
