package store

import (
	"errors"
	"fmt"
	"slices"
)

// Query asks for one page of a channel's messages, as Discord's "get channel
// messages" does: the latest Limit messages, or the Limit messages just
// before Before, or the Limit messages just after After (at most one of the
// two). Pages always come newest first.
type Query struct {
	Channel Snowflake
	Before  Snowflake // if not 0: only IDs below it
	After   Snowflake // if not 0: only IDs above it, the oldest first taken
	Limit   int       // 1..Options.MaxPageSize
}

// Page is a read's answer and what it cost.
type Page struct {
	Messages []Message // newest first
	Cost     ReadCost
}

// ReadCost is what a read did, for the cost model: a replica's work grows
// with rows touched and tombstones scanned, which is how one channel full of
// deletions slows every query on its nodes.
type ReadCost struct {
	Partitions  int // partitions (buckets) visited; empty buckets are never visited
	RowsTouched int // rows examined, dead or alive
	Tombstones  int // rows examined that a row tombstone had killed
}

// Read errors.
var (
	// ErrPageSize: Query.Limit outside 1..MaxPageSize.
	ErrPageSize = errors.New("store: page size out of range")
	// ErrBadQuery: a query that asks for both Before and After.
	ErrBadQuery = errors.New("store: bad query")
	// ErrTombstoneOverwhelm: the read scanned more tombstones than
	// Options.TombstoneFailureThreshold and gave up, as Cassandra does.
	ErrTombstoneOverwhelm = errors.New("store: read aborted after too many tombstones")
)

// Read returns one page of q.Channel. It walks the channel's buckets from the
// newest (or Before's) back to the oldest, or for After from After's bucket
// forwards, visiting only buckets that hold a partition here, and stops as
// soon as the page is full. A channel this node has nothing of gives an empty
// page: the store does not know which channels exist.
//
// Discord's reads walk buckets from now back, paying a query for each empty
// one. One node knows which buckets it holds, so it skips empty ones for
// free; a coordinator reading across replicas will have to walk from now.
func (e *Engine) Read(q Query) (Page, error) {
	if q.Limit < 1 || q.Limit > e.opts.MaxPageSize {
		return Page{}, fmt.Errorf("%w: limit %d: must be between 1 and %d", ErrPageSize, q.Limit, e.opts.MaxPageSize)
	}
	if q.Before != 0 && q.After != 0 {
		return Page{}, fmt.Errorf("%w: before %d and after %d: ask for one of them", ErrBadQuery, q.Before, q.After)
	}
	s := scan{e: e, q: q}
	ci := e.channels[q.Channel]
	if ci == nil {
		return Page{}, nil
	}
	var err error
	if q.After != 0 {
		err = s.forwards(ci)
		slices.Reverse(s.page.Messages)
	} else {
		err = s.backwards(ci)
	}
	if err != nil {
		// The work was done and is charged; the rows are not returned.
		return Page{Cost: s.page.Cost}, err
	}
	return s.page, nil
}

// scan is one read in progress.
type scan struct {
	e    *Engine
	q    Query
	page Page
}

// backwards collects the newest live rows below q.Before (or of the whole
// channel), newest first.
func (s *scan) backwards(ci *channelIndex) error {
	pi := len(ci.parts) - 1
	if s.q.Before != 0 {
		i, found := ci.search(s.q.Before.Bucket())
		pi = i - 1
		if found {
			pi = i
		}
	}
	for ; pi >= 0 && len(s.page.Messages) < s.q.Limit; pi-- {
		p := ci.parts[pi]
		s.page.Cost.Partitions++
		ri := len(p.rows) - 1
		if s.q.Before != 0 && p.bucket == s.q.Before.Bucket() {
			i, _ := p.search(s.q.Before)
			ri = i - 1
		}
		for ; ri >= 0 && len(s.page.Messages) < s.q.Limit; ri-- {
			if err := s.visit(&p.rows[ri]); err != nil {
				return err
			}
		}
	}
	return nil
}

// forwards collects the oldest live rows above q.After, oldest first.
func (s *scan) forwards(ci *channelIndex) error {
	pi, _ := ci.search(s.q.After.Bucket())
	for ; pi < len(ci.parts) && len(s.page.Messages) < s.q.Limit; pi++ {
		p := ci.parts[pi]
		s.page.Cost.Partitions++
		ri := 0
		if p.bucket == s.q.After.Bucket() {
			i, found := p.search(s.q.After)
			ri = i
			if found {
				ri++
			}
		}
		for ; ri < len(p.rows) && len(s.page.Messages) < s.q.Limit; ri++ {
			if err := s.visit(&p.rows[ri]); err != nil {
				return err
			}
		}
	}
	return nil
}

// visit examines one row: counts it, and keeps it if it is alive.
func (s *scan) visit(r *row) error {
	s.page.Cost.RowsTouched++
	m, live, shadowed := r.view(s.q.Channel)
	if shadowed {
		s.page.Cost.Tombstones++
		if s.page.Cost.Tombstones > s.e.opts.TombstoneFailureThreshold {
			return fmt.Errorf("%w: channel %d: more than %d tombstones scanned",
				ErrTombstoneOverwhelm, s.q.Channel, s.e.opts.TombstoneFailureThreshold)
		}
	}
	if live {
		s.page.Messages = append(s.page.Messages, m)
	}
	return nil
}
