package scenarios

import (
	"cmp"
	"slices"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// SeriesPoint is one value of a time series at an elapsed simulated time.
type SeriesPoint struct {
	At    sim.Duration
	Value int
}

// ProcessSeries is one process's mailbox depth over time: at each sample,
// the deepest its mailbox got since the sample before.
type ProcessSeries struct {
	Name   string // "node/name#pid"
	Peak   int
	Points []SeriesPoint
}

// Sampling bounds. samplesPerRun keeps plots readable and memory flat
// whatever the run's length; minSampleEvery keeps a short run from
// stepping the world thousands of times for nothing; maxMailboxEntries
// bounds what the sampler keeps (one entry per process with a non-empty
// mailbox per sample): past it, later samples are not recorded.
const (
	samplesPerRun        = 240
	minSampleEvery       = 100 * sim.Millisecond
	defaultMailboxSeries = 5
	maxMailboxEntries    = 1 << 20
)

// sampler runs the world in steps and reads it between steps: mailbox
// peaks for Series, how far the run is for Progress. It only reads the
// world (sim.World.MailboxPeak resets a high-water mark the world itself
// never reads), so it does not change the run.
type sampler struct {
	w      *sim.World
	cfg    RunConfig
	total  sim.Duration
	every  sim.Duration
	next   sim.Time
	times  []sim.Duration // elapsed time of each sample
	boxes  []mailboxEntry
	peaks  map[sim.PID]int
	names  map[sim.PID]string
	capped bool
}

type mailboxEntry struct {
	sample int
	pid    sim.PID
	depth  int
}

func newSampler(w *sim.World, cfg RunConfig, total sim.Duration) *sampler {
	s := &sampler{w: w, cfg: cfg, total: total}
	if !cfg.Series && cfg.Progress == nil {
		return s
	}
	s.every = cfg.SampleEvery
	if s.every <= 0 {
		s.every = max(minSampleEvery, total/samplesPerRun)
	}
	s.next = w.Now().Add(s.every)
	if cfg.Series {
		s.peaks, s.names = map[sim.PID]int{}, map[sim.PID]string{}
	}
	s.sample() // the start: no client connected yet, every mailbox empty
	return s
}

// runTo runs the world up to t, stopping at every sample instant on the
// way.
func (s *sampler) runTo(t sim.Time) error {
	if s.every == 0 {
		return s.w.RunUntil(t)
	}
	for {
		step := min(t, s.next)
		if err := s.w.RunUntil(step); err != nil {
			return err
		}
		if step == s.next {
			s.sample()
			s.next = s.next.Add(s.every)
		}
		if step == t {
			return nil
		}
	}
}

func (s *sampler) sample() {
	at := s.w.Elapsed()
	if s.cfg.Series {
		k := len(s.times)
		s.times = append(s.times, at)
		s.w.EachProcess(func(pid sim.PID) {
			d := s.w.MailboxPeak(pid)
			if d == 0 {
				return
			}
			if len(s.boxes) >= maxMailboxEntries {
				s.capped = true
				return
			}
			s.boxes = append(s.boxes, mailboxEntry{sample: k, pid: pid, depth: d})
			if _, seen := s.names[pid]; !seen {
				name := s.w.ProcessName(pid)
				if node, ok := s.w.ProcessNode(pid); ok {
					name = s.w.NodeName(node) + "/" + name
				}
				s.names[pid] = name
			}
			s.peaks[pid] = max(s.peaks[pid], d)
		})
	}
	if s.cfg.Progress != nil {
		s.cfg.Progress(Progress{Elapsed: at, Total: s.total, Events: s.w.Events()})
	}
}

// busiest returns the mailbox series of the n processes with the deepest
// peak (ties: lower PID first), one point per sample.
func (s *sampler) busiest(n int) []ProcessSeries {
	if n <= 0 {
		n = defaultMailboxSeries
	}
	pids := make([]sim.PID, 0, len(s.peaks))
	for pid := range s.peaks {
		pids = append(pids, pid)
	}
	slices.SortFunc(pids, func(a, b sim.PID) int {
		if c := cmp.Compare(s.peaks[b], s.peaks[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	pids = pids[:min(n, len(pids))]
	out := make([]ProcessSeries, len(pids))
	index := map[sim.PID]int{}
	for i, pid := range pids {
		index[pid] = i
		out[i] = ProcessSeries{Name: s.names[pid], Peak: s.peaks[pid], Points: make([]SeriesPoint, len(s.times))}
		for k, at := range s.times {
			out[i].Points[k].At = at
		}
	}
	for _, e := range s.boxes {
		if i, ok := index[e.pid]; ok {
			out[i].Points[e.sample].Value = e.depth
		}
	}
	return out
}

// connectedSeries counts the clients with a live session at each sample
// instant, from the clients' records: READY or RESUMED connects a client;
// a close (by either side), a zombie verdict or a stop disconnects it.
func connectedSeries(rec *client.Recorder, times []sim.Duration) []SeriesPoint {
	if len(times) == 0 {
		return nil
	}
	out := make([]SeriesPoint, len(times))
	var up []bool
	connected, k := 0, 0
	emit := func(upTo sim.Duration) {
		for k < len(times) && times[k] < upTo {
			out[k] = SeriesPoint{At: times[k], Value: connected}
			k++
		}
	}
	rec.Each(func(r client.Record) {
		emit(r.At.Sub(sim.DefaultStart))
		for int(r.Client) >= len(up) {
			up = append(up, false)
		}
		switch r.Kind {
		case client.KindReady, client.KindResumed:
			if !up[r.Client] {
				up[r.Client] = true
				connected++
			}
		case client.KindClosed, client.KindZombie, client.KindClientClose, client.KindStopped:
			if up[r.Client] {
				up[r.Client] = false
				connected--
			}
		}
	})
	for ; k < len(times); k++ {
		out[k] = SeriesPoint{At: times[k], Value: connected}
	}
	return out
}
