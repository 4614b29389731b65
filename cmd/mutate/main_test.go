package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestFlags: bad flags exit 2 with a message naming the flag; --list
// lists every mutation and exits 0 without copying or building anything.
func TestFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--seeds", "0"}, 2, "--seeds 0"},
		{[]string{"--only", "no-such-mutation"}, 2, "no-such-mutation"},
		{[]string{"--baseline-seeds", "-1"}, 2, "--baseline-seeds"},
		{[]string{"extra"}, 2, "extra"},
		{[]string{"--list"}, 0, "resume-replays-from-s"},
	} {
		var out, errb bytes.Buffer
		if got := run(c.args, &out, &errb); got != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, got, c.code, errb.String())
		}
		if !strings.Contains(out.String()+errb.String(), c.says) {
			t.Errorf("%v: output does not mention %q:\n%s%s", c.args, c.says, out.String(), errb.String())
		}
	}
}
