package gostmt_good

type Ctx struct{ procs []func() }

// Spawn records a process for the scheduler to run: the deterministic
// replacement for a go statement.
func (c *Ctx) Spawn(f func()) { c.procs = append(c.procs, f) }

func start(c *Ctx) {
	c.Spawn(func() {})
	func() {}() // called directly, not started as a goroutine
	goTo := "go"
	_ = goTo
}
