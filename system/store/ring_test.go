package store

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestRingOptions(t *testing.T) {
	r, err := NewRing(RingOptions{})
	require.NoError(t, err)
	require.Equal(t, DefaultVNodes, r.vnodes)
	for _, v := range []int{-1, maxVNodes + 1} {
		_, err := NewRing(RingOptions{VNodes: v})
		require.ErrorIs(t, err, ErrRing)
		require.ErrorContains(t, err, fmt.Sprintf("vnodes %d: must be between 1 and %d", v, maxVNodes))
	}
}

func TestRingEmptyAndErrors(t *testing.T) {
	r, err := NewRing(RingOptions{VNodes: 4})
	require.NoError(t, err)
	_, ok := r.Owner(123)
	require.False(t, ok)
	require.Empty(t, r.ReplicasFor(123, 3))
	require.ErrorContains(t, r.Remove(7), "remove node 7: not on the ring")
	require.NoError(t, r.Add(7))
	require.ErrorContains(t, r.Add(7), "add node 7: already on the ring")
	owner, ok := r.Owner(123)
	require.True(t, ok)
	require.Equal(t, sim.NodeID(7), owner)
	require.Equal(t, []sim.NodeID{7}, r.ReplicasFor(123, 3), "fewer nodes than rf: all of them")
}

// TestRingBalance checks that 256 virtual nodes give each of 12 nodes (the
// 2017 cluster's size) a fair share of partitions: within 25% of the mean.
func TestRingBalance(t *testing.T) {
	r, err := NewRing(RingOptions{})
	require.NoError(t, err)
	const nodes, keys = 12, 24000
	for n := range nodes {
		require.NoError(t, r.Add(sim.NodeID(n)))
	}
	count := make([]int, nodes)
	for k := range keys {
		o, _ := r.Owner(PartitionKey{Channel: Snowflake(1000 + k/50), Bucket: Bucket(400 + k%50)}.Token())
		count[o]++
	}
	for n, c := range count {
		require.InDelta(t, keys/nodes, c, keys/nodes/4, "node %d owns %d of %d", n, c, keys)
	}
}

// ringModel places keys by brute force: a node's distance from a key is how
// far clockwise its nearest virtual node lies; nodes in order of distance
// (ties to the smaller ID) are the replicas, the first the owner. It shares
// only vnodeToken with Ring.
type ringModel struct {
	vnodes int
	nodes  []sim.NodeID
}

func (m *ringModel) replicas(t Token, rf int) []sim.NodeID {
	type cand struct {
		node sim.NodeID
		dist uint64
	}
	cs := make([]cand, 0, len(m.nodes))
	for _, n := range m.nodes {
		best := ^uint64(0)
		for v := range m.vnodes {
			best = min(best, uint64(vnodeToken(uint64(n), v)-t))
		}
		cs = append(cs, cand{n, best})
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if c := cmp.Compare(a.dist, b.dist); c != 0 {
			return c
		}
		return cmp.Compare(a.node, b.node)
	})
	out := []sim.NodeID{}
	for _, c := range cs[:min(rf, len(cs))] {
		out = append(out, c.node)
	}
	return out
}

// TestRingProperties is a state machine that adds and removes nodes and, for
// a fixed set of keys, checks placement against the model after every step
// and, across each change, that only the keys that should move did.
func TestRingProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vnodes := rapid.SampledFrom([]int{1, 2, 3, 8, 32}).Draw(t, "vnodes")
		r, err := NewRing(RingOptions{VNodes: vnodes})
		if err != nil {
			t.Fatal(err)
		}
		m := &ringModel{vnodes: vnodes}
		keys := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Token {
			return PartitionKey{
				Channel: Snowflake(rapid.Uint64().Draw(t, "channel")),
				Bucket:  Bucket(rapid.Int64Range(0, 600).Draw(t, "bucket")),
			}.Token()
		}), 1, 40).Draw(t, "keys")
		const maxNode, rf = 11, 3

		placement := func() (owners []sim.NodeID, replicas [][]sim.NodeID) {
			for _, k := range keys {
				o, _ := r.Owner(k)
				owners = append(owners, o)
				replicas = append(replicas, r.ReplicasFor(k, rf))
			}
			return owners, replicas
		}

		t.Repeat(map[string]func(*rapid.T){
			"add": func(t *rapid.T) {
				n := sim.NodeID(rapid.IntRange(0, maxNode).Draw(t, "node"))
				if slices.Contains(m.nodes, n) {
					if err := r.Add(n); err == nil {
						t.Fatalf("adding node %d twice succeeded", n)
					}
					return
				}
				owners, replicas := placement()
				if err := r.Add(n); err != nil {
					t.Fatal(err)
				}
				m.nodes = append(m.nodes, n)
				newOwners, newReplicas := placement()
				for i, k := range keys {
					if len(m.nodes) > 1 && newOwners[i] != owners[i] && newOwners[i] != n {
						t.Fatalf("adding node %d moved key %x from %d to %d", n, k, owners[i], newOwners[i])
					}
					for _, x := range newReplicas[i] {
						if x != n && !slices.Contains(replicas[i], x) {
							t.Fatalf("adding node %d made %d a replica of key %x (was %v, now %v)", n, x, k, replicas[i], newReplicas[i])
						}
					}
				}
			},
			"remove": func(t *rapid.T) {
				n := sim.NodeID(rapid.IntRange(0, maxNode).Draw(t, "node"))
				i := slices.Index(m.nodes, n)
				if i < 0 {
					if err := r.Remove(n); err == nil {
						t.Fatalf("removing absent node %d succeeded", n)
					}
					return
				}
				owners, replicas := placement()
				if err := r.Remove(n); err != nil {
					t.Fatal(err)
				}
				m.nodes = slices.Delete(m.nodes, i, i+1)
				newOwners, newReplicas := placement()
				for i, k := range keys {
					if len(m.nodes) > 0 && newOwners[i] != owners[i] && owners[i] != n {
						t.Fatalf("removing node %d moved key %x from %d to %d", n, k, owners[i], newOwners[i])
					}
					for _, x := range replicas[i] {
						if x != n && !slices.Contains(newReplicas[i], x) {
							t.Fatalf("removing node %d dropped replica %d of key %x (was %v, now %v)", n, x, k, replicas[i], newReplicas[i])
						}
					}
				}
			},
			"": func(t *rapid.T) {
				want := slices.Sorted(slices.Values(m.nodes))
				if got := r.Nodes(); !slices.Equal(got, want) {
					t.Fatalf("Nodes() = %v, want %v", got, want)
				}
				for _, k := range keys {
					for _, f := range []int{1, 2, rf, 5} {
						got, want := r.ReplicasFor(k, f), m.replicas(k, f)
						if !slices.Equal(got, want) {
							t.Fatalf("ReplicasFor(%x, %d) = %v, want %v", k, f, got, want)
						}
						if len(got) != min(f, len(m.nodes)) {
							t.Fatalf("ReplicasFor(%x, %d) has %d nodes, ring has %d", k, f, len(got), len(m.nodes))
						}
						for j := range got {
							if slices.Contains(got[:j], got[j]) {
								t.Fatalf("ReplicasFor(%x, %d) = %v repeats a node", k, f, got)
							}
						}
					}
					o, ok := r.Owner(k)
					if ok != (len(m.nodes) > 0) {
						t.Fatalf("Owner(%x) ok = %v with %d nodes", k, ok, len(m.nodes))
					}
					if ok && o != m.replicas(k, 1)[0] {
						t.Fatalf("Owner(%x) = %d, want %d", k, o, m.replicas(k, 1)[0])
					}
				}
			},
		})
	})
}
