package main

import (
	"io"
	"sync"

	"github.com/schollz/progressbar/v3"
)

// forEach runs job(i) for every i in [0, n) on up to parallel goroutines
// (each world is single-threaded and independent), in index order of
// taking, with a progress bar on w named what unless quiet. Results go
// into slots the caller indexes by i, so their order never depends on the
// scheduling.
func forEach(n, parallel int, quiet bool, w io.Writer, what string, job func(i int)) {
	var bar *progressbar.ProgressBar
	if !quiet {
		bar = progressbar.NewOptions(n, progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(what), progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range max(1, min(parallel, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				job(i)
				if bar != nil {
					_ = bar.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if bar != nil {
		_ = bar.Finish()
	}
}
