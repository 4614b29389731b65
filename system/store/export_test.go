package store

// Internals the external tests (package store_test) assert on. Those tests
// build their worlds through system/deploy, which imports store, so they
// cannot be internal tests; each name here opens one thing they look at
// and nothing else.

// ProcessShift is where a snowflake's process field starts: flipping a bit
// there names an ID another coordinator would mint.
const ProcessShift = processShift

// HasLiveMessageForTest reports whether e holds a live copy of message: a
// replica's own state, which no read through a coordinator shows (a read
// merges replicas and repairs them).
func (e *Engine) HasLiveMessageForTest(channel, message Snowflake) bool {
	r, ok := e.lookupRow(channel, message)
	if !ok {
		return false
	}
	_, live, _ := r.view(channel)
	return live
}

// MintedForTest is how many IDs c's generator minted.
func (c *Coordinator) MintedForTest() uint64 { return c.gen.Stats().Minted }

// CachedPageForTest returns the latest page d's cache holds for channel
// (ok false without a cache or an entry), without touching its recency or
// its hit counts.
func (d *DataService) CachedPageForTest(channel Snowflake) (page []Message, ok bool) {
	if d.cache == nil {
		return nil, false
	}
	e, ok := d.cache.Peek(channel)
	return e.page, ok
}
