package store

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/guildsim/guildsim/sim"
)

// Ring is a consistent-hash ring with virtual nodes, as Cassandra and
// ScyllaDB place partitions: each node owns VNodes points (tokens) on a
// 64-bit circle; a key's owner is the node of the first point at or after the
// key's token, going clockwise and wrapping; its replicas are the first rf
// distinct nodes met on that walk.
//
// Virtual nodes spread a node's share over many small arcs, so adding a node
// takes a little from every other node instead of halving one neighbour, and
// removing one spreads its keys over all the rest. Only keys on the arcs the
// changed node's points cut out move; every other key keeps its owner.
//
// Ties are broken by node ID, so placement depends only on the set of nodes,
// never on the order they were added.
type Ring struct {
	vnodes int
	nodes  []sim.NodeID // sorted
	points []vnode      // sorted by (token, node)
}

type vnode struct {
	token Token
	node  sim.NodeID
}

// RingOptions configures a Ring.
type RingOptions struct {
	_ struct{}
	// VNodes is the number of points per node. Default 256: the num_tokens
	// default of Cassandra before 4.0 and of ScyllaDB.
	VNodes int
}

// maxVNodes bounds the points per node (and so every walk of the ring).
const maxVNodes = 4096

// DefaultVNodes is RingOptions.VNodes when left zero.
const DefaultVNodes = 256

// ErrRing reports a bad ring option or membership change.
var ErrRing = errors.New("store: bad ring operation")

// NewRing returns an empty ring.
func NewRing(opts RingOptions) (*Ring, error) {
	if opts.VNodes == 0 {
		opts.VNodes = DefaultVNodes
	}
	if opts.VNodes < 1 || opts.VNodes > maxVNodes {
		return nil, fmt.Errorf("%w: vnodes %d: must be between 1 and %d", ErrRing, opts.VNodes, maxVNodes)
	}
	return &Ring{vnodes: opts.VNodes}, nil
}

// Add places node's virtual nodes on the ring.
func (r *Ring) Add(node sim.NodeID) error {
	i, found := slices.BinarySearch(r.nodes, node)
	if found {
		return fmt.Errorf("%w: add node %d: already on the ring", ErrRing, node)
	}
	r.nodes = slices.Insert(r.nodes, i, node)
	for v := range r.vnodes {
		r.points = append(r.points, vnode{token: vnodeToken(uint64(node), v), node: node})
	}
	slices.SortFunc(r.points, compareVNodes)
	return nil
}

// Remove takes node's virtual nodes off the ring; its arcs fall to the next
// points clockwise.
func (r *Ring) Remove(node sim.NodeID) error {
	i, found := slices.BinarySearch(r.nodes, node)
	if !found {
		return fmt.Errorf("%w: remove node %d: not on the ring", ErrRing, node)
	}
	r.nodes = slices.Delete(r.nodes, i, i+1)
	r.points = slices.DeleteFunc(r.points, func(p vnode) bool { return p.node == node })
	return nil
}

// Nodes returns the ring's nodes in ID order.
func (r *Ring) Nodes() []sim.NodeID { return slices.Clone(r.nodes) }

// Len returns the number of nodes.
func (r *Ring) Len() int { return len(r.nodes) }

// Owner returns the node that owns t; false if the ring is empty.
func (r *Ring) Owner(t Token) (sim.NodeID, bool) {
	if len(r.points) == 0 {
		return 0, false
	}
	return r.points[r.successor(t)].node, true
}

// ReplicasFor returns the replicas of t: the first rf distinct nodes
// clockwise from t, the owner first. With fewer than rf nodes it returns all
// of them (a coordinator then sees too few replicas for its consistency
// level, as Cassandra reports Unavailable). rf must be positive.
func (r *Ring) ReplicasFor(t Token, rf int) []sim.NodeID {
	sim.Assert(rf > 0, "store: ReplicasFor needs a positive replication factor")
	want := min(rf, len(r.nodes))
	out := make([]sim.NodeID, 0, want)
	if want == 0 {
		return out
	}
	start := r.successor(t)
	// One lap of the ring meets every node, so the walk is bounded by the
	// number of points.
	for step := 0; step < len(r.points) && len(out) < want; step++ {
		n := r.points[(start+step)%len(r.points)].node
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sim.Assert(len(out) == want, "store: a lap of the ring missed a node")
	return out
}

// successor returns the index of the first point at or after t, wrapping.
func (r *Ring) successor(t Token) int {
	i, _ := slices.BinarySearchFunc(r.points, t, func(p vnode, t Token) int { return cmp.Compare(p.token, t) })
	if i == len(r.points) {
		return 0
	}
	return i
}

func compareVNodes(a, b vnode) int {
	if c := cmp.Compare(a.token, b.token); c != 0 {
		return c
	}
	return cmp.Compare(a.node, b.node)
}
