package store

// CoverageSites are the store's coverage sites (sim.Sometimes,
// sim.Reachable): the rare paths a planted bug could hide on, which some
// run of a sweep must reach. A test of system/deploy checks that this list
// and the calls in the code name the same sites.
var CoverageSites = []string{
	"store/commitlog-replayed-on-start",              // a replica restarted and rebuilt its memory from the synced commit log (writes not synced are gone)
	"store/coordinator-overloaded",                   // a coordinator at MaxInFlight refused a request
	"store/dataservice-cache-hit",                    // a history read answered from a data service's cache
	"store/dataservice-coalescer-full",               // a data service read that the coalescer refused to join (too many waiters or flights): sent on its own
	"store/dataservice-flight-requeried-after-write", // a coalesced flight re-queried because a write invalidated it while in flight (read-your-writes)
	"store/dataservice-late-store-reply",             // a store reply reached a data service after its request had timed out
	"store/dataservice-read-coalesced",               // a history read joined another's flight instead of querying the store
	"store/hint-dropped-at-max-hints",                // a hint dropped because the coordinator held MaxHints (asked: every dropped hint)
	"store/hint-stored",                              // a write a replica missed kept as a hint
	"store/hints-replayed",                           // a batch of hints acknowledged by a returning replica
	"store/page-reread",                              // a page read's scan answers disagreed: after repairing them it read the same range again, so the page is one instant's
	"store/pin-written",                              // a pin or unpin passed its point read and was written (the pinned cell)
	"store/read-repair-write",                        // a read found replicas disagreeing and wrote the merge back
	"store/read-timed-out",                           // a read failed: too few replicas answered in time
	"store/replica-marked-down",                      // a coordinator came to believe a replica down
	"store/replica-marked-up",                        // a coordinator heard again from a replica it believed down
	"store/short-read-round",                         // a page came back short (tombstones, disagreeing replicas) and the coordinator read another round
	"store/short-read-rounds-exhausted",              // a page stayed short after MaxShortReadRounds and was returned as a prefix
	"store/speculative-read",                         // a read asked an extra replica after SpeculativeDelay
	"store/write-timed-out-after-partial-ack",        // a write failed with ErrTimeout although some replica had applied it: the caller sees a failure that may yet be read
}
