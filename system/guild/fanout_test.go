package guild_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
	"github.com/guildsim/guildsim/system/gateway"
	"github.com/guildsim/guildsim/system/guild"
)

// The fanout scenario. Guild G has three channels: C1 public, C2 private to
// role R (@everyone denied VIEW_CHANNEL, R allowed), C3 public but denied to
// user 3 by a member overwrite. Users 0-8 are members: 0, 1 and 2 have R,
// 5 has an ADMINISTRATOR role; user 9 is not a member. Every user has a
// client; users 0 and 2 have a second one (two sessions). From 5 s on,
// user 5 posts message k every 100 ms in channel k % 3, mentioning user 4
// when k % 4 == 0. Between messages 5 and 6 user 2 loses R; between 9 and
// 10, C2's overwrite for R stops allowing VIEW_CHANNEL.
var (
	gID    = base + 1
	chans  = []uint64{base + 10, base + 11, base + 12}
	roleR  = base + 20
	roleA  = base + 21
	nMsgs  = 12
	author = 5
)

func fanSpec() *guild.Spec {
	s := &guild.Spec{
		ID: gID, Owner: base + 999, Everyone: guild.PermViewChannel | guild.PermSendMessages | guild.PermReadMessageHistory,
		Roles: []guild.Role{{ID: roleR}, {ID: roleA, Permissions: guild.PermAdministrator}},
		Channels: []guild.Channel{
			{ID: chans[0]},
			{ID: chans[1], Overwrites: []guild.Overwrite{
				{ID: gID, Kind: guild.OverwriteRole, Deny: guild.PermViewChannel},
				{ID: roleR, Kind: guild.OverwriteRole, Allow: guild.PermViewChannel},
			}},
			{ID: chans[2], Overwrites: []guild.Overwrite{{ID: userID(3), Kind: guild.OverwriteMember, Deny: guild.PermViewChannel}}},
		},
	}
	for i := range 9 {
		m := guild.Member{User: userID(i)}
		switch i {
		case 0, 1, 2:
			m.Roles = []uint64{roleR}
		case 5:
			m.Roles = []uint64{roleA}
		}
		s.Members = append(s.Members, m)
	}
	return s
}

// canSee is the scenario's permission model: may user i see message k?
func canSee(i, k int) bool {
	switch {
	case i == 9:
		return false
	case i == 5:
		return true // administrator
	}
	switch k % 3 {
	case 1:
		hasR := i == 0 || i == 1 || (i == 2 && k <= 5)
		return hasR && k <= 9
	case 2:
		return i != 3
	}
	return true
}

func mentioned(i, k int) bool { return i == 4 && k%4 == 0 }

type fanCase struct {
	name    string
	opts    guild.Options
	passive bool
}

func fanCases() []fanCase {
	var out []fanCase
	for _, p := range []bool{false, true} {
		for _, c := range []fanCase{
			{name: "direct", opts: guild.Options{Fanout: guild.FanoutDirect}},
			{name: "per-node", opts: guild.Options{Fanout: guild.FanoutPerNode}},
			// Capacity 4 spreads the 12 sessions over 3 relays on both nodes.
			{name: "relays", opts: guild.Options{Fanout: guild.FanoutRelays, RelayCapacity: 4}},
			{name: "relays+per-node", opts: guild.Options{Fanout: guild.FanoutRelays, RelayCapacity: 4, RelaysPerNode: true}},
		} {
			if p {
				c.name += "+passive"
				c.opts.PassiveThreshold = 3 // 9 members: every session starts passive
				c.passive = true
			}
			// Small chunks interleave the guild's sends with its other
			// messages, as a large guild's would be.
			c.opts.SendChunk = 2
			out = append(out, c)
		}
	}
	return out
}

func seeds() []uint64 {
	n := 8
	if testing.Short() {
		n = 3
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// TestFanout checks, for each strategy, with and without passive sessions,
// over several seeds, from what the clients recorded only: every session
// whose user may see a message gets it exactly once (after dedup by ID), in
// ID order; nobody else gets it; permission changes apply from the next
// message on; passive sessions get only mentions and one CHANNEL_UNREAD per
// channel until the user opens the guild.
func TestFanout(t *testing.T) {
	for _, fc := range fanCases() {
		t.Run(fc.name, func(t *testing.T) {
			for _, seed := range seeds() {
				t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
					t.Parallel()
					runFanout(t, seed, fc)
				})
			}
		})
	}
}

func runFanout(t *testing.T, seed uint64, fc fanCase) {
	fw := newFanWorld(t, seed, fanSpec(), fc.opts, 10)
	// Second sessions for users 0 and 2, on the other gateway.
	fw.addClient(fw.d.ClientNodes[0], 0, 1)
	fw.addClient(fw.d.ClientNodes[0], 2, 0)
	userOf := func(c int) int { return []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 2}[c] }
	opened := func(c int) bool { return !fc.passive || c == 0 }
	if fc.passive {
		fw.toClient(4*sim.Second, 0, client.OpenGuild{GuildID: gID})
	}
	start := 5 * sim.Second
	for k := range nMsgs {
		m := guild.CreateMessage{Request: uint64(k + 1), Channel: chans[k%3], Author: userID(author), Content: "hello", Nonce: uint64(k)}
		if k%4 == 0 {
			m.Mentions = []uint64{userID(4)}
		}
		fw.toGuild(start+sim.Duration(k)*100*sim.Millisecond, gID, m)
	}
	fw.toGuild(start+550*sim.Millisecond, gID, guild.MemberSetRoles{User: userID(2)})
	fw.toGuild(start+950*sim.Millisecond, gID, guild.ChannelSetOverwrites{Channel: chans[1], Overwrites: []guild.Overwrite{
		{ID: gID, Kind: guild.OverwriteRole, Deny: guild.PermViewChannel},
		{ID: roleR, Kind: guild.OverwriteRole},
	}})
	fw.runUntil(start + sim.Duration(nMsgs)*100*sim.Millisecond + 2*sim.Second)

	fail := func(c int, format string, args ...any) {
		t.Helper()
		t.Fatalf("seed=%d (replay: go test ./system/guild -run 'TestFanout/%s/seed=%d$' -count=1 -v): client %d (user %d): %s\nlog:\n%s",
			seed, fc.name, seed, c, userOf(c), fmt.Sprintf(format, args...), fw.dump(c))
	}
	if len(fw.edge.acked) != nMsgs || fw.edge.rejected != 0 {
		t.Fatalf("seed=%d: %d messages acknowledged, %d rejected; want %d and 0", seed, len(fw.edge.acked), fw.edge.rejected, nMsgs)
	}
	ids := make([]uint64, nMsgs)
	for k := range nMsgs {
		ids[k] = fw.edge.acked[uint64(k+1)]
	}
	for c := range fw.clients {
		u := userOf(c)
		if fw.clients[c].State() != client.StateReady {
			fail(c, "not connected at the end (state %d)", fw.clients[c].State())
		}
		gc := fw.received(c, gateway.EventGuildCreate)
		if member := u != 9; member != (len(gc) == 1) {
			fail(c, "GUILD_CREATE %v; member %v", gc, member)
		}
		var wantMsgs, wantUnread []uint64
		var marked [3]bool
		for k := range nMsgs {
			if !canSee(u, k) {
				continue
			}
			switch {
			case opened(c) || mentioned(u, k):
				wantMsgs = append(wantMsgs, ids[k])
			case !marked[k%3]:
				marked[k%3] = true
				wantUnread = append(wantUnread, ids[k])
			}
		}
		got := fw.received(c, gateway.EventMessageCreate)
		if !slices.IsSorted(got) {
			fail(c, "MESSAGE_CREATE out of ID order: %v", got)
		}
		if !slices.Equal(got, wantMsgs) {
			fail(c, "MESSAGE_CREATE %v, want %v", got, wantMsgs)
		}
		gotUnread := fw.received(c, guild.EventChannelUnread)
		slices.Sort(gotUnread)
		slices.Sort(wantUnread)
		if !slices.Equal(gotUnread, wantUnread) {
			fail(c, "CHANNEL_UNREAD %v, want %v", gotUnread, wantUnread)
		}
		// Exactly once: no ID delivered twice to one session, even under a
		// different s.
		n := 0
		for _, r := range fw.rec.ForClient(uint32(c)) {
			if r.Kind == client.KindDispatch && fw.rec.EventName(r.Name) == gateway.EventMessageCreate {
				n++
			}
		}
		if n != len(got) {
			fail(c, "%d MESSAGE_CREATE dispatches for %d distinct messages", n, len(got))
		}
	}
}

// TestFanoutDeterministic runs the busiest case twice per seed: same seed,
// same fingerprint.
func TestFanoutDeterministic(t *testing.T) {
	fc := fanCases()[len(fanCases())-1] // relays+per-node+passive
	for _, seed := range seeds()[:2] {
		var fps [2]uint64
		for i := range fps {
			fw := newFanWorld(t, seed, fanSpec(), fc.opts, 10)
			for k := range nMsgs {
				fw.toGuild(5*sim.Second+sim.Duration(k)*10*sim.Millisecond, gID,
					guild.CreateMessage{Request: uint64(k + 1), Channel: chans[k%3], Author: userID(author), Content: "x"})
			}
			fw.runUntil(8 * sim.Second)
			fps[i] = fw.w.Fingerprint()
		}
		if fps[0] != fps[1] {
			t.Fatalf("seed=%d: fingerprints %#x and %#x differ", seed, fps[0], fps[1])
		}
	}
}
