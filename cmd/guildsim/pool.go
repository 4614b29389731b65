package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// forEach runs job(i) for every i in [0, n) on up to parallel goroutines
// (each world is single-threaded and independent), in index order of
// taking, with progress on w named what unless quiet. Results go into
// slots the caller indexes by i, so their order never depends on the
// scheduling. Once stop is closed no job starts; the running ones finish.
func forEach(n, parallel int, quiet bool, w io.Writer, what string, stop <-chan struct{}, job func(i int)) {
	var p progressSink = noProgress{}
	if !quiet {
		p = newProgressSink(n, w, what)
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range max(1, min(parallel, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				job(i)
				p.add()
			}
		}()
	}
	wg.Wait()
	p.finish()
}

// progressSink shows how many of a pool's jobs are done.
type progressSink interface {
	add()
	finish()
}

type noProgress struct{}

func (noProgress) add()    {}
func (noProgress) finish() {}

// newProgressSink draws a bar on a terminal and, anywhere else (a CI log,
// a file, a pipe), prints a plain line every 5% of the jobs: carriage
// returns redrawing a bar turn a log into one unreadable line.
func newProgressSink(n int, w io.Writer, what string) progressSink {
	if isTerminal(w) {
		return barProgress{progressbar.NewOptions(n, progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(what), progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())}
	}
	return &lineProgress{w: w, n: n, what: what, every: max(1, n/20), start: time.Now()}
}

// isTerminal says whether w is a terminal (a character device; /dev/null
// is one too, and drawing into it is harmless).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

type barProgress struct{ bar *progressbar.ProgressBar }

func (b barProgress) add()    { _ = b.bar.Add(1) }
func (b barProgress) finish() { _ = b.bar.Finish() }

// lineProgress is progress as lines: "seeds: 40/200 done, 12s".
type lineProgress struct {
	mu      sync.Mutex
	w       io.Writer
	n, done int
	every   int
	what    string
	start   time.Time
}

func (p *lineProgress) add() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if p.done%p.every == 0 || p.done == p.n {
		fmt.Fprintf(p.w, "%s: %d/%d done, %s\n", p.what, p.done, p.n, time.Since(p.start).Round(time.Second))
	}
}

func (p *lineProgress) finish() {}
