package sim_test

import (
	"math"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Property: datagram loss and duplication follow the configured ratios: over
// n datagrams the number lost and the number duplicated stay within five
// standard deviations of their binomial expectation; no datagram arrives more
// than twice or before the base latency; Stats counts exactly what happened.

type propDgMsg struct {
	Seq    int
	SentAt sim.Time
}

type propDgTick struct{}

// propDgSender sends n numbered datagrams, burst per timer tick.
type propDgSender struct {
	to    sim.Addr
	n     int
	burst int
	gap   sim.Duration
	seq   int
	w     *sim.World
}

func (s *propDgSender) Start(ctx *sim.Ctx) {
	if err := ctx.BindUDP(5000); err != nil {
		panic(err)
	}
	ctx.SetTimer(0, propDgTick{})
}

func (s *propDgSender) Receive(ctx *sim.Ctx, _ any) {
	for i := 0; i < s.burst && s.seq < s.n; i++ {
		ctx.SendDatagram(5000, s.to, propDgMsg{Seq: s.seq, SentAt: s.w.Now()})
		s.seq++
	}
	if s.seq < s.n {
		ctx.SetTimer(s.gap, propDgTick{})
	}
}

// propDgReceiver counts copies per sequence number and keeps the arrival order.
type propDgReceiver struct {
	pt       *propT
	w        *sim.World
	port     uint16
	from     sim.Addr
	copies   []uint8
	order    []int
	minDelay sim.Duration
}

func (r *propDgReceiver) Start(ctx *sim.Ctx) {
	if err := ctx.BindUDP(r.port); err != nil {
		r.pt.failLater("BindUDP: %v", err)
	}
}

func (r *propDgReceiver) Receive(ctx *sim.Ctx, msg any) {
	d, ok := msg.(sim.Datagram)
	if !ok {
		r.pt.failLater("unexpected %T", msg)
		return
	}
	if d.From != r.from {
		r.pt.failLater("datagram from %+v, want %+v", d.From, r.from)
	}
	m := d.Msg.(propDgMsg)
	r.copies[m.Seq]++
	r.order = append(r.order, m.Seq)
	if lat := r.w.Now().Sub(m.SentAt); lat < r.minDelay {
		r.pt.failLater("datagram #%d took %s, below the base latency %s", m.Seq, lat, r.minDelay)
	}
}

// propWithin5Sigma reports whether an observed count k of a binomial(n, p) is
// no less likely than a 5-sigma deviation: the exact binomial tail on k's
// side of the mean must be at least 2.87e-7, the one-sided normal tail beyond
// five standard deviations. (The normal approximation itself is wrong for
// small n*p: 3 losses of 10000 at 9 ppm are rare, not impossible.)
func propWithin5Sigma(k, n int, ppm int64) (bool, float64, float64) {
	p := float64(ppm) / 1e6
	mean := float64(n) * p
	sd := math.Sqrt(float64(n) * p * (1 - p))
	if math.Abs(float64(k)-mean) <= 5*sd {
		return true, mean, sd
	}
	lo, hi := k, n // P(X >= k)
	if float64(k) < mean {
		lo, hi = 0, k // P(X <= k)
	}
	return propBinomTail(n, p, lo, hi) >= 2.87e-7, mean, sd
}

// propBinomTail returns P(lo <= X <= hi) for X ~ binomial(n, p), 0 < p < 1.
func propBinomTail(n int, p float64, lo, hi int) float64 {
	if p <= 0 || p >= 1 {
		return 0 // k is off a degenerate distribution's only value
	}
	lgN, _ := math.Lgamma(float64(n + 1))
	sum := 0.0
	for x := lo; x <= hi; x++ {
		a, _ := math.Lgamma(float64(x + 1))
		b, _ := math.Lgamma(float64(n - x + 1))
		sum += math.Exp(lgN - a - b + float64(x)*math.Log(p) + float64(n-x)*math.Log1p(-p))
	}
	return sum
}

// propInversions counts pairs arriving out of send order (first copies only),
// merge-sort style.
func propInversions(order []int) int {
	seen := map[int]bool{}
	var a []int
	for _, s := range order {
		if !seen[s] {
			seen[s] = true
			a = append(a, s)
		}
	}
	var sortCount func([]int) int
	sortCount = func(s []int) int {
		if len(s) < 2 {
			return 0
		}
		m := len(s) / 2
		l, r := append([]int(nil), s[:m]...), append([]int(nil), s[m:]...)
		c := sortCount(l) + sortCount(r)
		i, j, k := 0, 0, 0
		for i < len(l) && j < len(r) {
			if l[i] <= r[j] {
				s[k] = l[i]
				i++
			} else {
				s[k] = r[j]
				j++
				c += len(l) - i
			}
			k++
		}
		for ; i < len(l); i, k = i+1, k+1 {
			s[k] = l[i]
		}
		for ; j < len(r); j, k = j+1, k+1 {
			s[k] = r[j]
		}
		return c
	}
	return sortCount(a)
}

func TestPropDatagramLossAndDupRatios(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pt := newPropT(rt)
		regions, lat := drawRegions(rt, 2, 50*sim.Millisecond)
		net := sim.NetConfig{Latency: lat}
		drawJitter(rt, &net)
		net.DatagramLossPPM = rapid.Int64Range(0, 500_000).Draw(rt, "datagramLossPPM")
		net.DatagramDupPPM = rapid.Int64Range(0, 500_000).Draw(rt, "datagramDupPPM")
		sr := rapid.IntRange(0, len(regions)-1).Draw(rt, "srcRegion")
		dr := rapid.IntRange(0, len(regions)-1).Draw(rt, "dstRegion")
		n := rapid.IntRange(10_000, 20_000).Draw(rt, "datagrams")
		burst := rapid.IntRange(1, 500).Draw(rt, "burst")
		gap := drawDuration(rt, "gap", 0, 10*sim.Millisecond, sim.Microsecond)

		w := pt.newWorld(sim.Config{Regions: regions, Net: net})
		a := w.MustAddNode(sim.NodeConfig{Name: "a", Region: regions[sr]})
		b := w.MustAddNode(sim.NodeConfig{Name: "b", Region: regions[dr]})
		rcv := &propDgReceiver{pt: pt, w: w, port: 6000, from: sim.Addr{Node: a, Port: 5000}, copies: make([]uint8, n), minDelay: lat[sr][dr]}
		w.Spawn(b, "rcv", rcv)
		w.Spawn(a, "snd", &propDgSender{to: sim.Addr{Node: b, Port: 6000}, n: n, burst: burst, gap: gap, w: w})
		pt.run(w)
		pt.checkErrs()

		distinct, dups := 0, 0
		for seq, c := range rcv.copies {
			switch {
			case c > 2:
				pt.Fatalf("datagram #%d arrived %d times: at most one duplicate", seq, c)
			case c == 0 && net.DatagramLossPPM == 0:
				pt.Fatalf("datagram #%d lost with DatagramLossPPM 0", seq)
			case c == 2 && net.DatagramDupPPM == 0:
				pt.Fatalf("datagram #%d duplicated with DatagramDupPPM 0", seq)
			}
			if c > 0 {
				distinct++
			}
			if c == 2 {
				dups++
			}
		}
		lost := n - distinct
		if ok, mean, sd := propWithin5Sigma(lost, n, net.DatagramLossPPM); !ok {
			pt.Fatalf("lost %d of %d datagrams with DatagramLossPPM %d: expected %.1f ± 5×%.1f", lost, n, net.DatagramLossPPM, mean, sd)
		}
		if ok, mean, sd := propWithin5Sigma(dups, distinct, net.DatagramDupPPM); !ok {
			pt.Fatalf("duplicated %d of %d delivered datagrams with DatagramDupPPM %d: expected %.1f ± 5×%.1f", dups, distinct, net.DatagramDupPPM, mean, sd)
		}
		s := w.Stats()
		if s.Datagrams != uint64(n) || s.DatagramsLost != uint64(lost) || s.DatagramsDup != uint64(dups) {
			pt.Fatalf("Stats: Datagrams=%d DatagramsLost=%d DatagramsDup=%d, observed sent=%d lost=%d duplicated=%d",
				s.Datagrams, s.DatagramsLost, s.DatagramsDup, n, lost, dups)
		}
	})
}

// TestPropDatagramJitterReorders: datagrams sent closer together than the
// jitter arrive out of order.
func TestPropDatagramJitterReorders(t *testing.T) {
	pt := &propT{seed: 11}
	net := sim.NetConfig{JitterPercent: 50}
	w, err := sim.NewWorld(sim.Config{Seed: 11, Regions: []string{"us", "eu"}, Net: net})
	require.NoError(t, err)
	a := w.MustAddNode(sim.NodeConfig{Name: "a", Region: "us"})
	b := w.MustAddNode(sim.NodeConfig{Name: "b", Region: "eu"})
	rcv := &propDgReceiver{pt: pt, w: w, port: 6000, from: sim.Addr{Node: a, Port: 5000}, copies: make([]uint8, 2000), minDelay: 35 * sim.Millisecond}
	w.Spawn(b, "rcv", rcv)
	w.Spawn(a, "snd", &propDgSender{to: sim.Addr{Node: b, Port: 6000}, n: 2000, burst: 1, gap: 100 * sim.Microsecond, w: w})
	require.NoError(t, w.Run())
	require.Empty(t, pt.errs)
	require.Len(t, rcv.order, 2000)
	require.Greater(t, propInversions(rcv.order), 100)
}

func TestPropWithin5Sigma(t *testing.T) {
	ok, _, _ := propWithin5Sigma(3, 10_000, 9) // P(X>=3) ~ 1.2e-4
	require.True(t, ok)
	ok, _, _ = propWithin5Sigma(6, 10_000, 9) // P(X>=6) ~ 7e-10
	require.False(t, ok)
	ok, _, _ = propWithin5Sigma(5000+5*50+15, 10_000, 500_000)
	require.False(t, ok)
	ok, _, _ = propWithin5Sigma(5000-5*50, 10_000, 500_000)
	require.True(t, ok)
	ok, _, _ = propWithin5Sigma(1, 10_000, 0)
	require.False(t, ok)
}

// TestPropDatagramTotalLoss: DatagramLossPPM 1000000 (the documented top of
// its range), from NetConfig or from LinkConditions, loses every datagram.
// (Loss used to be capped at 999999 ppm for datagrams as for streams, which
// let one datagram in a million through: seed 1 shows it.)
func TestPropDatagramTotalLoss(t *testing.T) {
	for _, viaLink := range []bool{false, true} {
		net := sim.NetConfig{DatagramLossPPM: 1_000_000}
		if viaLink {
			net = sim.NetConfig{}
		}
		pt := &propT{seed: 1}
		w, err := sim.NewWorld(sim.Config{Seed: 1, Net: net})
		require.NoError(t, err)
		a := w.MustAddNode(sim.NodeConfig{Name: "a"})
		b := w.MustAddNode(sim.NodeConfig{Name: "b"})
		if viaLink {
			w.SetLinkConditions(a, b, sim.LinkConditions{DatagramLossPPM: 1_000_000})
		}
		const n = 200_000
		rcv := &propDgReceiver{pt: pt, w: w, port: 6000, from: sim.Addr{Node: a, Port: 5000}, copies: make([]uint8, n)}
		w.Spawn(b, "rcv", rcv)
		w.Spawn(a, "snd", &propDgSender{to: sim.Addr{Node: b, Port: 6000}, n: n, burst: 1000, gap: sim.Millisecond, w: w})
		require.NoError(t, w.Run())
		require.Empty(t, rcv.order, "viaLink=%v", viaLink)
		require.Equal(t, uint64(n), w.Stats().DatagramsLost, "viaLink=%v", viaLink)
	}
}
