package store_test

import (
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/store"
	"github.com/stretchr/testify/require"
)

// TestTimestampsUnderClockSkew: store-1's clock runs 20 s behind
// store-0's. A message is written and edited through store-0, then edited
// again (and, in a second message, deleted) through store-1, each change
// acknowledged before the next begins. With read-bumped timestamps the
// later change is stamped past what its point read saw and wins; with the
// coordinator's clock as is (Cassandra's way) it is stamped 20 s in the
// past, last-write-wins keeps the earlier state, and the acknowledged edit
// and delete are lost.
func TestTimestampsUnderClockSkew(t *testing.T) {
	for _, tc := range []struct {
		timestamps  store.Timestamps
		wantContent string
		wantDeleted bool
	}{
		{store.TimestampsReadBumped, "second", true},
		{store.TimestampsCoordinatorClock, "first", false},
	} {
		t.Run(tc.timestamps.String(), func(t *testing.T) {
			ct := newClusterTest(t, clusterConfig{seed: 1, storage: 3, coordinator: store.CoordinatorOptions{Timestamps: tc.timestamps}})
			ct.w.SetClockSkew(ct.nodes[1], -20*sim.Second)
			pa, a := ct.scriptClient(ct.nodes[0])
			pb, b := ct.scriptClient(ct.nodes[1])
			m := ct.write(pa, a, clusterChannel, "hello", store.Quorum)
			gone := ct.write(pa, a, clusterChannel, "to delete", store.Quorum)
			require.NoError(t, m.Err)
			require.NoError(t, gone.Err)
			edit := func(pid sim.PID, s *scriptClient, content string) store.Result {
				return ct.call(pid, s, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
					return c.Edit(ctx, store.EditMessage{Channel: clusterChannel, Message: m.Message, Content: content})
				})
			}
			require.NoError(t, edit(pa, a, "first").Err)
			require.NoError(t, edit(pb, b, "second").Err, "the second edit is acknowledged either way")
			del := ct.call(pb, b, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
				return c.Delete(ctx, store.DeleteMessage{Channel: clusterChannel, Message: gone.Message})
			})
			require.NoError(t, del.Err, "the delete is acknowledged either way")
			page := ct.read(pa, a, store.Query{Channel: clusterChannel, Limit: 100}, store.Quorum)
			require.NoError(t, page.Err)
			var content string
			deleted := true
			for _, msg := range page.Messages {
				switch msg.ID {
				case m.Message:
					content = msg.Content
				case gone.Message:
					deleted = false
				}
			}
			require.Equal(t, tc.wantContent, content, "the message's content after both edits")
			require.Equal(t, tc.wantDeleted, deleted, "whether the acknowledged delete took")
		})
	}
}

// TestParseTimestamps: the names round-trip, anything else is refused.
func TestParseTimestamps(t *testing.T) {
	for _, ts := range []store.Timestamps{store.TimestampsReadBumped, store.TimestampsCoordinatorClock} {
		got, err := store.ParseTimestamps(ts.String())
		require.NoError(t, err)
		require.Equal(t, ts, got)
	}
	_, err := store.ParseTimestamps("guild-clock")
	require.ErrorContains(t, err, `timestamps "guild-clock": must be read-bumped or coordinator-clock`)
	_, err = store.NewCoordinator(store.CoordinatorOptions{Nodes: []sim.NodeID{1}, Timestamps: 7})
	require.ErrorIs(t, err, store.ErrCoordinatorOptions)
}

// TestPinUnpin: a pin sets the message's pinned cell, an unpin clears it,
// and both are refused on a deleted message like an edit.
func TestPinUnpin(t *testing.T) {
	ct := newClusterTest(t, clusterConfig{seed: 2, storage: 3})
	p, s := ct.scriptClient(ct.nodes...)
	m := ct.write(p, s, clusterChannel, "hello", store.Quorum)
	require.NoError(t, m.Err)
	pin := func(unpin bool) store.Result {
		return ct.call(p, s, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
			return c.Pin(ctx, store.PinMessage{Channel: clusterChannel, Message: m.Message, Unpin: unpin})
		})
	}
	pinned := func() bool {
		page := ct.read(p, s, store.Query{Channel: clusterChannel, Limit: 100}, store.Quorum)
		require.NoError(t, page.Err)
		require.Len(t, page.Messages, 1)
		return page.Messages[0].Pinned
	}
	require.False(t, pinned(), "a new message is not pinned")
	require.NoError(t, pin(false).Err)
	require.True(t, pinned(), "after the pin")
	require.NoError(t, pin(true).Err)
	require.False(t, pinned(), "after the unpin")
	require.NoError(t, pin(false).Err)
	require.True(t, pinned(), "pinned again")
	del := ct.call(p, s, func(ctx *sim.Ctx, c *store.Client) (store.RequestID, error) {
		return c.Delete(ctx, store.DeleteMessage{Channel: clusterChannel, Message: m.Message})
	})
	require.NoError(t, del.Err)
	require.ErrorIs(t, pin(true).Err, store.ErrMessageDeleted)
}
