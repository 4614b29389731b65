package store

import (
	"errors"
	"fmt"

	"github.com/guildsim/guildsim/sim"
)

// Client is the caller's side of the client API: a plain value owned by one
// process (a guild, a data service, a test workload), not a process of its
// own. It numbers requests, sends them to a coordinator, keeps a timeout
// timer for each, and turns the replies and timeouts arriving at its owner
// into Results. The owner hands every message it receives to Match first.
//
// It sends to one coordinator at a time and moves to the next in
// Coordinators when one lets a request go unanswered (crashed, partitioned
// away), as drivers move to another node. It never retries a request: a
// write that timed out may have been applied (its outcome is unknown), and
// sending it again would mint a second message.
type Client struct {
	opts    ClientOptions
	next    RequestID
	current int // index in opts.Coordinators
	pending map[RequestID]sim.TimerID
}

// ClientOptions configures a Client. Coordinators is required.
type ClientOptions struct {
	_ struct{}
	// Coordinators are the nodes whose coordinators the client may use, in
	// the order it tries them.
	Coordinators []sim.NodeID
	// DataServices, when set, takes the place of Coordinators: each request
	// goes to its channel's data-service instance, which coalesces reads
	// and caches hot channels (the read path of Discord's data services).
	DataServices *DataServiceRouter
	// CoordinatorName is the name coordinators register under. Default
	// "store-coord".
	CoordinatorName string
	// Timeout is how long the client waits for a reply before it gives the
	// request up with ErrNoReply. Default 10 s: above the coordinator's
	// read and write timeouts (5 s and 2 s), so that a live coordinator's
	// own timeout error normally arrives first.
	Timeout sim.Duration
	// MaxPending bounds the requests awaiting a reply. Default 1024 (GUESS).
	MaxPending int
}

// Client option defaults.
const (
	DefaultClientTimeout    = 10 * sim.Second
	DefaultClientMaxPending = 1024
)

// ErrClientOptions reports a bad client option; ErrTooManyPending a request
// refused because MaxPending requests await replies.
var (
	ErrClientOptions  = errors.New("store: bad client options")
	ErrTooManyPending = errors.New("store: too many requests awaiting replies")
)

// Result is the outcome of one request: Err is nil, or wraps one of the
// errors of api.go. Message is set for writes, edits and deletes, Messages
// for page reads.
type Result struct {
	ID       RequestID
	Message  Snowflake
	Messages []Message
	Err      error
}

// clientTimeout is a request's timeout timer.
type clientTimeout struct{ id RequestID }

// NewClient returns a client.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.CoordinatorName == "" {
		opts.CoordinatorName = DefaultCoordinatorName
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultClientTimeout
	}
	if opts.MaxPending == 0 {
		opts.MaxPending = DefaultClientMaxPending
	}
	switch {
	case len(opts.Coordinators) == 0 && opts.DataServices == nil:
		return nil, fmt.Errorf("%w: coordinators: need at least one node (or a data-service router)", ErrClientOptions)
	case opts.Timeout < 0:
		return nil, fmt.Errorf("%w: timeout %s: must be positive", ErrClientOptions, opts.Timeout)
	case opts.MaxPending < 1:
		return nil, fmt.Errorf("%w: max pending %d: must be at least 1", ErrClientOptions, opts.MaxPending)
	}
	opts.Coordinators = append([]sim.NodeID(nil), opts.Coordinators...)
	return &Client{opts: opts, pending: map[RequestID]sim.TimerID{}}, nil
}

// Write sends m with its ID filled in, and returns the ID.
func (c *Client) Write(ctx *sim.Ctx, m WriteMessage) (RequestID, error) {
	id, err := c.reserve()
	if err == nil {
		m.ID = id
		c.send(ctx, id, m)
	}
	return id, err
}

// Edit sends m with its ID filled in, and returns the ID.
func (c *Client) Edit(ctx *sim.Ctx, m EditMessage) (RequestID, error) {
	id, err := c.reserve()
	if err == nil {
		m.ID = id
		c.send(ctx, id, m)
	}
	return id, err
}

// Delete sends m with its ID filled in, and returns the ID.
func (c *Client) Delete(ctx *sim.Ctx, m DeleteMessage) (RequestID, error) {
	id, err := c.reserve()
	if err == nil {
		m.ID = id
		c.send(ctx, id, m)
	}
	return id, err
}

// React sends m with its ID filled in, and returns the ID.
func (c *Client) React(ctx *sim.Ctx, m ReactMessage) (RequestID, error) {
	id, err := c.reserve()
	if err == nil {
		m.ID = id
		c.send(ctx, id, m)
	}
	return id, err
}

// Pin sends m with its ID filled in, and returns the ID.
func (c *Client) Pin(ctx *sim.Ctx, m PinMessage) (RequestID, error) {
	id, err := c.reserve()
	if err == nil {
		m.ID = id
		c.send(ctx, id, m)
	}
	return id, err
}

// Read sends m with its ID filled in, and returns the ID.
func (c *Client) Read(ctx *sim.Ctx, m ReadPage) (RequestID, error) {
	id, err := c.reserve()
	if err == nil {
		m.ID = id
		c.send(ctx, id, m)
	}
	return id, err
}

// reserve numbers a new request, unless MaxPending are awaiting replies.
func (c *Client) reserve() (RequestID, error) {
	if len(c.pending) >= c.opts.MaxPending {
		return 0, fmt.Errorf("%w: %d pending, at most %d", ErrTooManyPending, len(c.pending), c.opts.MaxPending)
	}
	c.next++
	return c.next, nil
}

// send sends request id to the current coordinator and starts its timer.
func (c *Client) send(ctx *sim.Ctx, id RequestID, msg any) {
	if c.opts.DataServices != nil {
		// A request the router cannot place (no instance) is never
		// answered: its timeout reports it, as for a dead coordinator.
		_ = c.opts.DataServices.Send(ctx, msg)
	} else {
		ctx.SendNamed(c.opts.Coordinators[c.current], c.opts.CoordinatorName, msg)
	}
	c.pending[id] = ctx.SetTimer(c.opts.Timeout, clientTimeout{id: id})
}

// Match turns msg into a Result if it answers a pending request (a reply,
// or the request's timeout), and reports false otherwise: the message is
// not the client's, or a reply arriving after its request timed out.
func (c *Client) Match(ctx *sim.Ctx, msg any) (Result, bool) {
	var r Result
	switch m := msg.(type) {
	case Ack:
		r = Result{ID: m.ID, Message: m.Message}
	case PageReply:
		r = Result{ID: m.ID, Messages: m.Messages}
	case ErrorReply:
		r = Result{ID: m.ID, Err: m.Err}
	case clientTimeout:
		if _, ok := c.pending[m.id]; !ok {
			return Result{}, false
		}
		delete(c.pending, m.id)
		if c.opts.DataServices != nil {
			return Result{ID: m.id, Err: fmt.Errorf("%w: request %d to a data service, after %s",
				ErrNoReply, m.id, c.opts.Timeout)}, true
		}
		node := c.opts.Coordinators[c.current]
		c.current = (c.current + 1) % len(c.opts.Coordinators)
		return Result{ID: m.id, Err: fmt.Errorf("%w: request %d to the coordinator on node %d, after %s",
			ErrNoReply, m.id, node, c.opts.Timeout)}, true
	default:
		return Result{}, false
	}
	timer, ok := c.pending[r.ID]
	if !ok {
		return Result{}, false
	}
	ctx.CancelTimer(timer)
	delete(c.pending, r.ID)
	return r, true
}

// Pending returns the number of requests awaiting a reply.
func (c *Client) Pending() int { return len(c.pending) }
