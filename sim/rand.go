package sim

import "math/bits"

// Rand is a deterministic random stream (wyrand: 8 bytes of state, fast, and
// good enough for simulation). Every consumer owns its own stream derived from
// the root seed and a stable name, so that adding a consumer never shifts the
// draws of another. Probabilities are integer ratios: no floating point decides
// control flow, so a run replays bit for bit on any CPU.
type Rand struct{ state uint64 }

// NewRand returns a stream seeded with seed. Simulated code gets its stream
// from Ctx.Rand instead.
func NewRand(seed uint64) *Rand { return &Rand{state: seed} }

// DeriveSeed returns the seed of the stream named name under root.
func DeriveSeed(root uint64, name string) uint64 {
	return mix64(root ^ mix64(hashString(name)))
}

// Uint64 returns 64 uniformly random bits.
func (r *Rand) Uint64() uint64 {
	r.state += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.state, r.state^0xe7037ed1a0b428db)
	return hi ^ lo
}

// Uint64n returns a uniform value in [0, n). n must be > 0.
func (r *Rand) Uint64n(n uint64) uint64 {
	Assert(n > 0, "Rand.Uint64n: n must be positive")
	// Lemire's multiply-shift with rejection: unbiased and division-free on
	// the common path.
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// Intn returns a uniform value in [0, n). n must be > 0.
func (r *Rand) Intn(n int) int { return int(r.Uint64n(uint64(n))) }

// Int64n returns a uniform value in [0, n). n must be > 0.
func (r *Rand) Int64n(n int64) int64 { return int64(r.Uint64n(uint64(n))) }

// Chance reports true with probability num/den (an integer ratio).
func (r *Rand) Chance(num, den uint64) bool {
	if num == 0 {
		return false
	}
	if num >= den {
		return true
	}
	return r.Uint64n(den) < num
}

// ChancePPM reports true with probability ppm parts per million.
func (r *Rand) ChancePPM(ppm int64) bool {
	if ppm <= 0 {
		return false
	}
	return r.Chance(uint64(ppm), 1_000_000)
}

// Duration returns a uniform duration in [lo, hi). It returns lo if hi <= lo.
func (r *Rand) Duration(lo, hi Duration) Duration {
	if hi <= lo {
		return lo
	}
	return lo + Duration(r.Uint64n(uint64(hi-lo)))
}

// Shuffle permutes n elements with swap (Fisher-Yates).
func (r *Rand) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, r.Intn(i+1))
	}
}

// Perm returns a random permutation of [0, n).
func (r *Rand) Perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// Geometric returns k >= 0 with P(k) = 2^-(k+1), capped at max: the number of
// leading zero bits of a random word. It gives integer long tails.
func (r *Rand) Geometric(max int) int {
	k := bits.LeadingZeros64(r.Uint64())
	if k > max {
		k = max
	}
	return k
}
