package gateway_test

import (
	"testing"

	"github.com/guildsim/guildsim/system/gateway"
)

func TestCloseCodes(t *testing.T) {
	cases := []struct {
		code                 gateway.CloseCode
		reconnect, resumable bool
	}{
		{gateway.CloseNormal, true, false},
		{gateway.CloseGoingAway, true, false},
		{gateway.CloseUnknownError, true, true},
		{gateway.CloseUnknownOpcode, true, true},
		{gateway.CloseDecodeError, true, true},
		{gateway.CloseNotAuthenticated, true, true},
		{gateway.CloseAuthenticationFailed, false, false},
		{gateway.CloseAlreadyAuthenticated, true, true},
		{gateway.CloseInvalidSeq, true, false},
		{gateway.CloseRateLimited, true, true},
		{gateway.CloseSessionTimedOut, true, false},
		{gateway.CloseInvalidShard, false, false},
		{gateway.CloseShardingRequired, false, false},
		{gateway.CloseInvalidAPIVersion, false, false},
		{gateway.CloseInvalidIntents, false, false},
		{gateway.CloseDisallowedIntents, false, false},
		{4999, true, true}, // unknown codes: reconnect and resume, as discord.py
	}
	for _, c := range cases {
		if c.code.Reconnect() != c.reconnect || c.code.Resumable() != c.resumable {
			t.Errorf("%s: Reconnect %v Resumable %v, want %v %v", c.code, c.code.Reconnect(), c.code.Resumable(), c.reconnect, c.resumable)
		}
	}
	if s := gateway.CloseSessionTimedOut.String(); s != "4009 session timed out" {
		t.Errorf("String: %q", s)
	}
}

func TestShardFor(t *testing.T) {
	// A real-sized guild ID: (197038439483310086 >> 22) = 46977624770, % 1000 = 770.
	cases := []struct {
		guild  uint64
		shards int
		want   int
	}{
		{197038439483310086, 1000, 770},
		{197038439483310086, 1, 0},
		{0, 16, 0},
		{41771983423143937, 2, int((41771983423143937 >> 22) % 2)},
		{uint64(7) << 22, 5, 2},
	}
	for _, c := range cases {
		if got := gateway.ShardFor(c.guild, c.shards); got != c.want {
			t.Errorf("ShardFor(%d, %d) = %d, want %d", c.guild, c.shards, got, c.want)
		}
	}
	for shard, want := range []int{0, 1, 2, 3, 0, 1, 2, 3} {
		if got := gateway.IdentifyBucket(shard, 4); got != want {
			t.Errorf("IdentifyBucket(%d, 4) = %d, want %d", shard, got, want)
		}
	}
	if gateway.IdentifyBucket(5, 1) != 0 || gateway.IdentifyBucket(5, 0) != 0 {
		t.Error("max_concurrency 1 (or unset) has one bucket")
	}
}

func TestWireSize(t *testing.T) {
	hb := gateway.Payload{Op: gateway.OpHeartbeat, D: gateway.Heartbeat{LastSeq: 12}}
	ready := gateway.Payload{Op: gateway.OpDispatch, T: gateway.EventReady, S: 1, D: gateway.Ready{SessionID: "0123456789abcdef01234567"}}
	deliver := gateway.Payload{Op: gateway.OpDispatch, T: gateway.EventMessageCreate, S: 9, D: struct{}{}, Size: 1000}
	if hb.WireSize() >= 64 || ready.WireSize() < 400 || deliver.WireSize() < 1000 || deliver.WireSize() > 1100 {
		t.Fatalf("sizes: heartbeat %d, READY %d, 1000-byte dispatch %d", hb.WireSize(), ready.WireSize(), deliver.WireSize())
	}
	big := gateway.Payload{Op: gateway.OpPresenceUpdate, D: gateway.PresenceUpdate{Status: string(make([]byte, 5000))}}
	if big.WireSize() <= 4096 {
		t.Fatal("a 5000-byte status must exceed the 4096-byte payload limit")
	}
}
