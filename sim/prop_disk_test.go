package sim_test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Property: after a crash and restart a node's disk holds, for each file,
// exactly its contents as of the file's last Sync; files never synced do not
// exist; Remove is durable at once; with LoseSyncs set, Sync makes nothing
// durable. Before the crash, reads see every write, synced or not. A model
// (a map of current and durable contents) is checked against ReadFile and
// List after every operation and at every boot.

type propDiskOp struct {
	Kind int // see diskOpNames
	File int
	Len  int          // bytes to append or write; size to truncate to
	Wait sim.Duration // for pauses
}

var propDiskOpNames = []string{"append", "write", "truncate", "sync", "remove", "pause"}

func (o propDiskOp) String() string {
	if o.Kind == 5 {
		return fmt.Sprintf("pause(%s)", o.Wait)
	}
	return fmt.Sprintf("%s(f%d,%d)", propDiskOpNames[o.Kind], o.File, o.Len)
}

type propDiskModel struct {
	cur, durable map[string][]byte // presence of the key is existence of the file
}

func propCloneFiles(m map[string][]byte) map[string][]byte {
	c := make(map[string][]byte, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		c[k] = append([]byte{}, m[k]...)
	}
	return c
}

type propDiskRound struct {
	Ops       []propDiskOp
	LoseSyncs bool
	CrashAt   sim.Duration // after the round's boot
	Down      sim.Duration // how long the node stays down
}

// propDiskWriter applies a round's operations, pausing on pause ops, and checks
// the node's view against the model after each one.
type propDiskWriter struct {
	pt    *propT
	model *propDiskModel
	round int
	ops   []propDiskOp
	next  int
	lose  bool
	data  int // counter that makes written bytes distinct
}

type propDiskResume struct{}

func (d *propDiskWriter) Start(ctx *sim.Ctx)          { d.apply(ctx) }
func (d *propDiskWriter) Receive(ctx *sim.Ctx, _ any) { d.apply(ctx) }

func (d *propDiskWriter) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + (d.data+i)%26)
	}
	d.data += n
	return b
}

func (d *propDiskWriter) apply(ctx *sim.Ctx) {
	disk := ctx.Disk()
	m := d.model
	for d.next < len(d.ops) {
		op := d.ops[d.next]
		d.next++
		name := fmt.Sprintf("f%d", op.File)
		switch op.Kind {
		case 0:
			b := d.bytes(op.Len)
			disk.Append(name, b)
			m.cur[name] = append(m.cur[name], b...)
		case 1:
			b := d.bytes(op.Len)
			disk.WriteFile(name, b)
			m.cur[name] = b
		case 2:
			disk.Truncate(name, op.Len)
			// Truncating a file that does not exist leaves it missing.
			if c, ok := m.cur[name]; ok {
				m.cur[name] = c[:min(len(c), op.Len)]
			}
		case 3:
			disk.Sync(name)
			if !d.lose {
				if _, ok := m.cur[name]; !ok {
					m.cur[name] = []byte{}
				}
				m.durable[name] = append([]byte{}, m.cur[name]...)
			}
		case 4:
			disk.Remove(name)
			delete(m.cur, name)
			delete(m.durable, name)
		case 5:
			ctx.SetTimer(op.Wait, propDiskResume{})
			return
		}
		if msg := propCompareDisk(disk, m.cur); msg != "" {
			d.pt.failLater("round %d after op %d %s: %s", d.round, d.next-1, op, msg)
		}
	}
}

// propCompareDisk compares the node's files with want; "" if equal.
func propCompareDisk(disk *sim.DiskHandle, want map[string][]byte) string {
	names := slices.Sorted(maps.Keys(want))
	if got := disk.List(); !slices.Equal(got, names) {
		return fmt.Sprintf("List() = %v, want %v", got, names)
	}
	for _, name := range names {
		got, ok := disk.ReadFile(name)
		if !ok || !bytes.Equal(got, want[name]) {
			return fmt.Sprintf("ReadFile(%s) = %q, %v; want %q", name, got, ok, want[name])
		}
		if disk.Size(name) != len(want[name]) {
			return fmt.Sprintf("Size(%s) = %d, want %d", name, disk.Size(name), len(want[name]))
		}
	}
	return ""
}

func TestPropDiskSyncedSurvivesCrash(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		pt := newPropT(rt)
		files := rapid.IntRange(1, 4).Draw(rt, "files")
		rounds := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) propDiskRound {
			return propDiskRound{
				Ops: rapid.SliceOfN(rapid.Custom(func(t *rapid.T) propDiskOp {
					o := propDiskOp{Kind: rapid.IntRange(0, len(propDiskOpNames)-1).Draw(t, "kind"), File: rapid.IntRange(0, files-1).Draw(t, "file")}
					o.Len = rapid.IntRange(0, 24).Draw(t, "len")
					if o.Kind == 5 {
						o.Wait = drawDuration(t, "wait", 0, 50*sim.Millisecond, sim.Millisecond)
					}
					return o
				}), 0, 40).Draw(t, "ops"),
				LoseSyncs: rapid.IntRange(0, 4).Draw(t, "loseSyncs") == 0,
				CrashAt:   drawDuration(t, "crashAt", 0, 300*sim.Millisecond, sim.Millisecond),
				Down:      drawDuration(t, "down", 0, 5*sim.Second, sim.Millisecond),
			}
		}), 1, 3).Draw(rt, "rounds")

		w := pt.newWorld(sim.Config{})
		model := &propDiskModel{cur: map[string][]byte{}, durable: map[string][]byte{}}
		boots := 0
		var node sim.NodeID
		node = w.MustAddNode(sim.NodeConfig{
			Name:            "db",
			DiskSyncLatency: drawDuration(rt, "syncLatency", 0, 10*sim.Millisecond, sim.Microsecond),
			Boot: func(ctx *sim.Ctx) {
				r := boots
				boots++
				// At boot the disk holds exactly the durable state.
				model.cur = propCloneFiles(model.durable)
				if msg := propCompareDisk(ctx.Disk(), model.durable); msg != "" {
					pt.failLater("boot %d: %s (rounds %v)", r, msg, rounds)
				}
				if r >= len(rounds) {
					return
				}
				rd := rounds[r]
				w.DiskOf(node).LoseSyncs = rd.LoseSyncs
				ctx.Spawn("writer", &propDiskWriter{pt: pt, model: model, round: r, ops: rd.Ops, lose: rd.LoseSyncs})
				w.After(rd.CrashAt, "crash", func() {
					w.Crash(node)
					w.After(rd.Down, "restart", func() { w.Restart(node) })
				})
			},
		})
		pt.run(w)
		pt.checkErrs()
		if boots != len(rounds)+1 {
			pt.Fatalf("booted %d times, want %d", boots, len(rounds)+1)
		}
	})
}

// TestPropDiskCrashKeepsLastSync: the worked example of the property.
func TestPropDiskCrashKeepsLastSync(t *testing.T) {
	w, err := sim.NewWorld(sim.Config{Seed: 1})
	require.NoError(t, err)
	var after map[string]string
	boots := 0
	var id sim.NodeID
	id = w.MustAddNode(sim.NodeConfig{Name: "db", Boot: func(ctx *sim.Ctx) {
		boots++
		d := ctx.Disk()
		if boots == 2 {
			after = map[string]string{}
			for _, name := range d.List() {
				b, _ := d.ReadFile(name)
				after[name] = string(b)
			}
			return
		}
		d.Append("log", []byte("one;"))
		d.Sync("log")
		d.Append("log", []byte("two;"))   // lost
		d.WriteFile("meta", []byte("v1")) // synced below
		d.Sync("meta")
		d.WriteFile("meta", []byte("v2"))   // lost
		d.WriteFile("tmp", []byte("never")) // never synced: gone
		w.After(sim.Second, "crash", func() { w.Crash(id); w.Restart(id) })
	}})
	require.NoError(t, w.Run())
	require.Equal(t, map[string]string{"log": "one;", "meta": "v1"}, after)
}
