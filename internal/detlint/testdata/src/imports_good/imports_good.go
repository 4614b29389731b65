// Package imports_good uses allowed packages, including runtime, and names
// that merely look like the forbidden ones.
package imports_good

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sort"
	"strings"
)

// Time and Duration stand in for package sim's virtual time types.
type Time int64

type Duration int64

// Now has the name of time.Now but reads a virtual clock.
func Now(clock *Time) Time { return *clock }

// Sleep has the name of time.Sleep but only advances a number.
func Sleep(clock *Time, d Duration) { *clock += Time(d) }

// Rand is a seeded generator, not math/rand.
type Rand struct{ state uint64 }

func (r *Rand) Uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	hi, lo := bits.Mul64(r.state, r.state)
	return hi ^ lo
}

var (
	osName  = "os"
	netName = strings.ToUpper("net")
	_       = fmt.Sprint(osName, netName, math.Pi, runtime.GOOS)
	_       = sort.Ints
)
