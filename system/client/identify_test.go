package client_test

import (
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
)

// TestIdentifyConcurrencyPerBucket starts 16 shards of one bot with
// max_concurrency 4 at once, spread over two gateway nodes. The cluster's
// limiter admits one Identify per bucket (shard_id % 4) per 5 s and answers
// the rest with Invalid Session; the shards retry after 1-5 s. From the
// clients' own READY times: every shard gets READY exactly once, READYs of
// one bucket are at least 5 s apart (less the network delay between the
// limiter's decision and the client, bounded here by readySlack), and the
// buckets proceed in parallel.
func TestIdentifyConcurrencyPerBucket(t *testing.T) {
	const shards, conc = 16, 4
	const readySlack = 100 * sim.Millisecond
	forSeeds(t, func(t *testing.T, seed uint64) {
		tokens := gateway.TokenMap{"bot": {UserID: 42, Bot: true, MaxConcurrency: conc}}
		tw := newTestWorld(t, seed, spec{gateways: 2, clientNodes: 2, tokens: tokens})
		for i := range shards {
			tw.addClient(client.Device{Token: "bot", Shard: [2]int{i, shards}, Intents: gateway.IntentGuilds, Gateway: i % 2})
		}
		tw.runUntil(3 * sim.Minute)
		byBucket := make([][]sim.Time, conc)
		var firsts []sim.Time
		for i := range shards {
			id := uint32(i)
			recs := tw.records(id)
			if n := count(recs, client.KindReady); n != 1 {
				tw.fail(id, "shard %d: %d READYs, want 1", i, n)
			}
			r, _, _ := first(recs, client.KindReady)
			b := gateway.IdentifyBucket(i, conc)
			byBucket[b] = append(byBucket[b], r.At)
			if tw.clients[i].State() != client.StateReady {
				tw.fail(id, "shard %d not READY at the end", i)
			}
		}
		for b, ts := range byBucket {
			slices.Sort(ts)
			firsts = append(firsts, ts[0])
			for k := 1; k < len(ts); k++ {
				if gap := ts[k].Sub(ts[k-1]); gap < tw.gopts.IdentifyConcurrencyWindow-readySlack {
					t.Fatalf("seed=%d: bucket %d: READYs %s apart (want >= 5 s): %v", seed, b, gap, ts)
				}
			}
		}
		// Buckets are independent: each bucket's first READY comes within
		// the first second, not one bucket after another.
		for b, f := range firsts {
			if at := f.Sub(sim.DefaultStart); at > sim.Second {
				t.Fatalf("seed=%d: bucket %d's first READY at %s: buckets should identify in parallel", seed, b, at)
			}
		}
	})
}

// TestIdentifyBudget: a bot whose daily identify budget is 3 starts 5 shards
// in 5 different buckets: 3 get READY, the other 2 are closed with 4004 (the
// budget is spent; Discord resets the token) and stop.
func TestIdentifyBudget(t *testing.T) {
	forSeeds(t, func(t *testing.T, seed uint64) {
		tokens := gateway.TokenMap{"bot": {UserID: 42, Bot: true, MaxConcurrency: 5}}
		tw := newTestWorld(t, seed, spec{tokens: tokens, gateway: func(o *gateway.Options) { o.IdentifyBudget = 3 }})
		for i := range 5 {
			tw.addClient(client.Device{Token: "bot", Shard: [2]int{i, 5}})
		}
		tw.runUntil(time1m)
		ready, stopped := 0, 0
		for i := range 5 {
			recs := tw.records(uint32(i))
			ready += count(recs, client.KindReady)
			if r, _, ok := first(recs, client.KindStopped); ok {
				stopped++
				if r.Seq != uint64(gateway.CloseAuthenticationFailed) {
					tw.fail(uint32(i), "stopped with %d, want 4004", r.Seq)
				}
			}
		}
		if ready != 3 || stopped != 2 {
			t.Fatalf("seed=%d: %d READY and %d stopped, want 3 and 2", seed, ready, stopped)
		}
	})
}

const time1m = sim.Minute

// TestDoNotReconnect: close codes that say "do not reconnect", each caused
// for real by the gateway, stop the client after one connection.
func TestDoNotReconnect(t *testing.T) {
	tokens := testTokens()
	tokens["bot"] = gateway.TokenInfo{UserID: 42, Bot: true}
	cases := []struct {
		name string
		dev  client.Device
		want gateway.CloseCode
	}{
		{"bad-token", client.Device{Token: "no-such-token"}, gateway.CloseAuthenticationFailed},
		{"invalid-shard", client.Device{Token: "bot", Shard: [2]int{3, 2}}, gateway.CloseInvalidShard},
		{"invalid-intents", client.Device{Token: "bot", Intents: 1 << 30}, gateway.CloseInvalidIntents},
		{"disallowed-intents", client.Device{Token: "bot", Intents: gateway.IntentGuildPresences}, gateway.CloseDisallowedIntents},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forSeeds(t, func(t *testing.T, seed uint64) {
				tw := newTestWorld(t, seed, spec{tokens: tokens})
				id, c := tw.addClient(tc.dev)
				tw.runUntil(5 * sim.Minute)
				recs := tw.records(id)
				closed, _, ok := first(recs, client.KindClosed)
				if !ok || closed.Seq != uint64(tc.want) {
					tw.fail(id, "want close %d", tc.want)
				}
				if st, _, ok := first(recs, client.KindStopped); !ok || st.Seq != uint64(tc.want) {
					tw.fail(id, "want the client stopped by %d", tc.want)
				}
				if n := count(recs, client.KindDial); n != 1 {
					tw.fail(id, "%d dials: the client must not reconnect", n)
				}
				if c.State() != client.StateStopped || tw.w.Alive(tw.pids[id]) {
					tw.fail(id, "the client process should have exited")
				}
			})
		})
	}
}
