package store

import (
	"errors"
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// DataServiceRouter picks the data-service instance for a channel by
// consistent hash on channel_id (reference §4: "routing to data-service
// instances by consistent hash on channel_id"). It is a plain value each
// caller (an API node's process, a guild process) holds, not a process:
// routing is a pure function of the set of instances, so every caller with
// the same set sends a channel's requests to the same instance, which is
// what lets that instance coalesce them and cache the channel's page.
//
// It reuses the storage Ring with virtual nodes, hashing the channel alone
// (not the partition key's (channel, bucket)): a data-service instance
// serves a channel's whole history. Adding an instance takes a share of
// channels from every other one and moves no channel between two old ones;
// removing one spreads its channels over the rest.
type DataServiceRouter struct {
	ring *Ring
	name string
}

// DataServiceRouterOptions configures a router.
type DataServiceRouterOptions struct {
	_ struct{}
	// Nodes are the data-service nodes. May be empty, and changed later
	// with Add and Remove.
	Nodes []sim.NodeID
	// VNodes is the ring's virtual nodes per instance. Default
	// DefaultVNodes (256): with a handful of instances, fewer points leave
	// some instances with twice the channels of others.
	VNodes int
	// Name is the name instances register under. Default
	// DefaultDataServiceName.
	Name string
}

// ErrNoDataService: a request could not be routed, because the router has
// no instance or the message is not one of the client API's requests.
var ErrNoDataService = errors.New("store: no data service for the request")

// NewDataServiceRouter returns a router over opts.Nodes.
func NewDataServiceRouter(opts DataServiceRouterOptions) (*DataServiceRouter, error) {
	if opts.Name == "" {
		opts.Name = DefaultDataServiceName
	}
	ring, err := NewRing(RingOptions{VNodes: opts.VNodes})
	if err != nil {
		return nil, err
	}
	for _, n := range opts.Nodes {
		if err := ring.Add(n); err != nil {
			return nil, err
		}
	}
	return &DataServiceRouter{ring: ring, name: opts.Name}, nil
}

// Route returns the instance's node for channel; false if the router has
// no instance.
func (r *DataServiceRouter) Route(channel Snowflake) (sim.NodeID, bool) {
	return r.ring.Owner(channelToken(channel))
}

// Send sends an API request (ReadPage, WriteMessage, EditMessage,
// DeleteMessage) to its channel's instance. The reply comes back to the
// sending process like a coordinator's.
func (r *DataServiceRouter) Send(ctx *sim.Ctx, msg any) error {
	ch, ok := requestChannel(msg)
	if !ok {
		return fmt.Errorf("%w: a %T is not a request of the client API", ErrNoDataService, msg)
	}
	node, ok := r.Route(ch)
	if !ok {
		return fmt.Errorf("%w: channel %d: the router has no data-service node", ErrNoDataService, ch)
	}
	ctx.SendNamed(node, r.name, msg)
	return nil
}

// Add adds an instance's node.
func (r *DataServiceRouter) Add(node sim.NodeID) error { return r.ring.Add(node) }

// Remove removes an instance's node; its channels go to the others.
func (r *DataServiceRouter) Remove(node sim.NodeID) error { return r.ring.Remove(node) }

// Nodes returns the instances' nodes in ID order.
func (r *DataServiceRouter) Nodes() []sim.NodeID { return r.ring.Nodes() }

// channelToken is a channel's place on the data-service ring.
func channelToken(channel Snowflake) Token { return Token(sim.Mix64(uint64(channel))) }

// requestChannel returns the channel an API request is about.
func requestChannel(msg any) (Snowflake, bool) {
	switch m := msg.(type) {
	case ReadPage:
		return m.Query.Channel, true
	case WriteMessage:
		return m.Channel, true
	case EditMessage:
		return m.Channel, true
	case DeleteMessage:
		return m.Channel, true
	case ReactMessage:
		return m.Channel, true
	case PinMessage:
		return m.Channel, true
	}
	return 0, false
}
