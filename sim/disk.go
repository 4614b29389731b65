package sim

import "slices"

// Disk is a node's storage: named files that survive a crash only up to
// their last sync. Writes are in memory until Sync; a crash rolls every file
// back to what was synced (append-only files are truncated, rewritten files
// go back to their synced contents, files never synced vanish).
type Disk struct {
	node  *Node
	files map[string]*file
	// LoseSyncs, when set (a fault), makes Sync report success without making
	// anything durable: firmware that lies, a volume that drops flushes.
	LoseSyncs bool
	// SyncLatencyFactor multiplies the node's sync latency (a slow-disk fault;
	// 0 or 1 = normal).
	SyncLatencyFactor int64
}

type file struct {
	data      []byte
	syncedLen int
	durable   []byte // synced contents when data was changed other than by appends
	rewritten bool
	exists    bool // has been synced at least once (survives a crash)
}

func (d *Disk) init(n *Node) {
	d.node = n
	d.files = map[string]*file{}
}

// crash rolls every file back to its synced state.
func (d *Disk) crash() {
	for _, name := range d.names() {
		f := d.files[name]
		if !f.exists {
			delete(d.files, name)
			continue
		}
		if f.rewritten {
			f.data = f.durable
		} else {
			f.data = f.data[:f.syncedLen:f.syncedLen]
		}
		f.durable = nil
		f.rewritten = false
		f.syncedLen = len(f.data)
	}
}

func (d *Disk) names() []string {
	names := make([]string, 0, len(d.files))
	for name := range d.files { //detlint:allow the names are sorted before use
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func (d *Disk) get(name string) *file {
	f := d.files[name]
	if f == nil {
		f = &file{}
		d.files[name] = f
	}
	return f
}

// beforeRewrite keeps the synced contents before a non-append change.
func (f *file) beforeRewrite() {
	if !f.rewritten {
		f.durable = append([]byte(nil), f.data[:f.syncedLen]...)
		f.rewritten = true
	}
}

// DiskOf returns node id's disk, for faults and tests.
func (w *World) DiskOf(id NodeID) *Disk { return &w.node(id).disk }

// DiskHandle is a process's view of its node's disk.
type DiskHandle struct {
	d   *Disk
	ctx *Ctx
}

// Append adds data at the end of the file (a commit log). Not durable until Sync.
func (h *DiskHandle) Append(name string, data []byte) {
	f := h.d.get(name)
	f.data = append(f.data, data...)
}

// WriteFile replaces the file's contents. Not durable until Sync.
func (h *DiskHandle) WriteFile(name string, data []byte) {
	f := h.d.get(name)
	f.beforeRewrite()
	f.data = append([]byte(nil), data...)
}

// Truncate cuts the file to size bytes (a missing file stays missing). Not
// durable until Sync.
func (h *DiskHandle) Truncate(name string, size int) {
	f, ok := h.d.files[name]
	if !ok || size >= len(f.data) {
		return
	}
	f.beforeRewrite()
	f.data = f.data[:size:size]
}

// ReadFile returns a copy of the file's current contents (what this node
// sees, synced or not) and whether it exists.
func (h *DiskHandle) ReadFile(name string) ([]byte, bool) {
	f, ok := h.d.files[name]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), f.data...), true
}

// Size returns the file's current size.
func (h *DiskHandle) Size(name string) int {
	if f, ok := h.d.files[name]; ok {
		return len(f.data)
	}
	return 0
}

// Remove deletes the file; the deletion is durable at once (a metadata
// operation the sim treats as synced).
func (h *DiskHandle) Remove(name string) { delete(h.d.files, name) }

// List returns the names of the node's files, sorted.
func (h *DiskHandle) List() []string { return h.d.names() }

// Sync makes the file durable and keeps the calling process busy for the
// node's sync latency (an fsync blocks its caller).
func (h *DiskHandle) Sync(name string) {
	d := h.d
	lat := d.node.cfg.DiskSyncLatency
	if d.SyncLatencyFactor > 1 {
		lat *= Duration(d.SyncLatencyFactor)
	}
	h.ctx.Work(lat)
	if d.LoseSyncs {
		return
	}
	f := d.get(name)
	f.exists = true
	f.syncedLen = len(f.data)
	f.durable = nil
	f.rewritten = false
}
