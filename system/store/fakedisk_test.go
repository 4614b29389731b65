package store

// fakeDisk is a sim disk cut down to what the engine uses, for tests that
// need many crashes quickly: appends are pending until Sync, and crash keeps
// only the synced prefix of each file, as sim.Disk does for append-only files.
type fakeDisk struct {
	files map[string]*fakeFile
	syncs int
}

type fakeFile struct {
	data   []byte
	synced int
}

func newFakeDisk() *fakeDisk { return &fakeDisk{files: map[string]*fakeFile{}} }

func (d *fakeDisk) file(name string) *fakeFile {
	f := d.files[name]
	if f == nil {
		f = &fakeFile{}
		d.files[name] = f
	}
	return f
}

func (d *fakeDisk) Append(name string, data []byte) {
	f := d.file(name)
	f.data = append(f.data, data...)
}

func (d *fakeDisk) Sync(name string) {
	f := d.file(name)
	f.synced = len(f.data)
	d.syncs++
}

func (d *fakeDisk) ReadFile(name string) ([]byte, bool) {
	f, ok := d.files[name]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), f.data...), true
}

func (d *fakeDisk) Truncate(name string, size int) {
	f := d.file(name)
	if size < len(f.data) {
		f.data = f.data[:size:size]
	}
	f.synced = min(f.synced, size)
}

// crash drops every file's unsynced tail.
func (d *fakeDisk) crash() {
	for _, name := range []string{DefaultLogName} {
		if f, ok := d.files[name]; ok {
			f.data = f.data[:f.synced:f.synced]
		}
	}
}
