package sim_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/sim/internal/demo"
	"github.com/stretchr/testify/require"
)

// determinismSeeds is how many seeds TestDeterminism runs (-short: 20).
func determinismSeeds() int {
	if testing.Short() {
		return 20
	}
	return 200
}

// demoOptions is the busy demo world of the determinism test: 21 nodes in 3
// regions, over 5,000 processes, streams, process messages and datagrams,
// partitions, crashes with restarts, clock jumps and drift, buggify.
func demoOptions(seed uint64) demo.Options {
	return demo.Options{Seed: seed, Duration: 20 * sim.Second}
}

// TestDeterminism runs every seed once under GOMAXPROCS=1, then again under
// GOMAXPROCS=2 with two worlds running at once, and asserts equal
// fingerprints; different seeds must give different fingerprints.
func TestDeterminism(t *testing.T) {
	n := determinismSeeds()
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	first := make([]demo.Result, n)
	for i := range first {
		res, err := demo.Run(demoOptions(uint64(i + 1)))
		require.NoError(t, err, "seed %d", i+1)
		first[i] = res
	}

	runtime.GOMAXPROCS(2)
	second := make([]demo.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for worker := 0; worker < 2; worker++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := worker; i < n; i += 2 {
				second[i], errs[i] = demo.Run(demoOptions(uint64(i + 1)))
			}
		}()
	}
	wg.Wait()

	seen := map[uint64]uint64{}
	var total sim.Stats
	var clockJumps, procsMin int
	procsMin = 1 << 30
	for i := 0; i < n; i++ {
		seed := uint64(i + 1)
		require.NoError(t, errs[i], "seed %d", seed)
		a, b := first[i], second[i]
		require.Equal(t, a.Fingerprint, b.Fingerprint,
			"seed %d: fingerprint differs between GOMAXPROCS=1 and 2 (events %d vs %d); replay: go test ./sim -run TestDeterminism", seed, a.Events, b.Events)
		require.Equal(t, a.Events, b.Events, "seed %d", seed)
		require.Equal(t, a.Stats, b.Stats, "seed %d", seed)
		if other, dup := seen[a.Fingerprint]; dup {
			t.Fatalf("seeds %d and %d give the same fingerprint %016x", other, seed, a.Fingerprint)
		}
		seen[a.Fingerprint] = seed
		s := a.Stats
		total.Crashes += s.Crashes
		total.Restarts += s.Restarts
		total.LinkBreaks += s.LinkBreaks
		total.StreamSegments += s.StreamSegments
		total.DistMessages += s.DistMessages
		total.Datagrams += s.Datagrams
		total.BuggifyFired += s.BuggifyFired
		total.StreamTimeouts += s.StreamTimeouts
		for _, f := range a.Faults {
			if strings.HasPrefix(f, "clock-jump") {
				clockJumps++
			}
		}
		procsMin = min(procsMin, a.Processes)
	}
	// The world really was busy and faulty, or the test proves little.
	require.GreaterOrEqual(t, procsMin, 5000, "every run holds at least 5,000 processes")
	for name, v := range map[string]uint64{
		"crashes": total.Crashes, "restarts": total.Restarts, "link breaks": total.LinkBreaks,
		"stream segments": total.StreamSegments, "process messages": total.DistMessages,
		"datagrams": total.Datagrams, "buggify firings": total.BuggifyFired, "stream timeouts": total.StreamTimeouts,
		"clock jumps": uint64(clockJumps),
	} {
		require.Positive(t, v, "no %s across %d seeds", name, n)
	}
	t.Logf("%d seeds: crashes=%d restarts=%d link-breaks=%d stream-timeouts=%d clock-jumps=%d buggify=%d, min processes %d",
		n, total.Crashes, total.Restarts, total.LinkBreaks, total.StreamTimeouts, clockJumps, total.BuggifyFired, procsMin)
}

// TestDeterminismAcrossProcesses runs seeds in a fresh OS process (new map
// seeds, new addresses, GOMAXPROCS=1) and compares with this process.
func TestDeterminismAcrossProcesses(t *testing.T) {
	if os.Getenv("GUILDSIM_FP_CHILD") != "" {
		for seed := uint64(1); seed <= 5; seed++ {
			res, err := demo.Run(demoOptions(seed))
			if err != nil {
				fmt.Printf("error %v\n", err)
			}
			fmt.Printf("FP %d %d\n", seed, res.Fingerprint)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeterminismAcrossProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GUILDSIM_FP_CHILD=1", "GOMAXPROCS=1", "GODEBUG=randseednop=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	got := 0
	for _, line := range bytes.Split(out, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) != 3 || f[0] != "FP" {
			continue
		}
		seed, _ := strconv.ParseUint(f[1], 10, 64)
		fp, _ := strconv.ParseUint(f[2], 10, 64)
		res, err := demo.Run(demoOptions(seed))
		require.NoError(t, err)
		require.Equal(t, res.Fingerprint, fp, "seed %d: fingerprint differs between OS processes", seed)
		got++
	}
	require.Equal(t, 5, got, "child output:\n%s", out)
}

// TestTraceDoesNotPerturb: writing a trace changes nothing in the run.
func TestTraceDoesNotPerturb(t *testing.T) {
	plain, err := demo.Run(demoOptions(7))
	require.NoError(t, err)
	var buf bytes.Buffer
	traced, err := demo.RunConfig(demoOptions(7), sim.Config{}, func(w *sim.World) { w.SetTrace(&buf, sim.TraceFilter{}) })
	require.NoError(t, err)
	require.Equal(t, plain.Fingerprint, traced.Fingerprint)
	require.Equal(t, plain.Events, traced.Events)
	lines := strings.Count(buf.String(), "\n")
	require.Greater(t, lines, int(plain.Events)/2, "a trace line for most events")
	for _, kind := range []string{"boot", "spawn", "recv", "timer", "fault"} {
		require.Contains(t, buf.String(), `"kind":"`+kind+`"`)
	}
}
