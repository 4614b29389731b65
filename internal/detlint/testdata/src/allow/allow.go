package allow

import "time" //detlint:allow test fixture: the harness may read the wall clock

var _ = time.Now

func sum(m map[string]int) int {
	n := 0
	//detlint:allow addition is commutative, so the order does not matter
	for _, v := range m {
		n += v
	}
	for _, v := range m { //detlint:allow addition is commutative
		n += v
	}
	// A trailing allow covers its own line only, not the next one.
	for range m { //detlint:allow counting only
		for range m { // want `range over a map`
			n++
		}
	}
	// want +1 `^detlint: //detlint:allow needs a reason$`
	//detlint:allow
	for range m { // want `range over a map`
		n++
	}
	// want +1 `//detlint:allow needs a reason` `range over a map`
	for range m { //detlint:allow
		n++
	}
	// Not the directive: a different word, so it neither allows nor complains.
	//detlint:allowed everything
	for range m { // want `range over a map`
		n++
	}
	return n
}
