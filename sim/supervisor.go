package sim

// Supervisor is a process that starts children, links to them and restarts
// each one that exits (one-for-one, as OTP's supervisor does). If more than
// MaxRestarts restarts happen within Period, it gives up: it stops every
// child and exits with ReasonMaxRestarts, so the failure escalates to
// whoever supervises or monitors it.
type Supervisor struct {
	spec     SupervisorSpec
	children []PID // by spec index; 0 = not running
	restarts []Time
}

// RestartPolicy says when a child is restarted.
type RestartPolicy uint8

const (
	Permanent RestartPolicy = iota // always
	Transient                      // only after an abnormal exit
	Temporary                      // never
)

// ReasonMaxRestarts is the exit reason of a supervisor that gave up.
const ReasonMaxRestarts Reason = "max-restart-intensity"

// ChildSpec describes one child.
type ChildSpec struct {
	Name    string
	Start   func() Handler // a fresh handler for every start
	Restart RestartPolicy
}

// SupervisorSpec describes a supervisor. Defaults are OTP's: at most 3
// restarts in 5 seconds.
type SupervisorSpec struct {
	Children    []ChildSpec
	MaxRestarts int
	Period      Duration
}

// NewSupervisor returns a supervisor handler; spawn it like any process.
func NewSupervisor(spec SupervisorSpec) *Supervisor {
	if spec.MaxRestarts == 0 {
		spec.MaxRestarts = 3
	}
	if spec.Period == 0 {
		spec.Period = 5 * Second
	}
	Assert(spec.MaxRestarts > 0 && spec.Period > 0, "sim: SupervisorSpec: MaxRestarts and Period must be positive")
	return &Supervisor{spec: spec, children: make([]PID, len(spec.Children))}
}

// Children returns the PIDs of the running children, by spec index (0 for a
// child that is not running).
func (s *Supervisor) Children() []PID { return append([]PID(nil), s.children...) }

// Restarts returns how many restarts fall within the current period.
func (s *Supervisor) Restarts() int { return len(s.restarts) }

// Start starts every child in order.
func (s *Supervisor) Start(ctx *Ctx) {
	ctx.TrapExit(true)
	for i := range s.spec.Children {
		s.startChild(ctx, i)
	}
}

func (s *Supervisor) startChild(ctx *Ctx, i int) {
	c := s.spec.Children[i]
	s.children[i] = ctx.SpawnLink(c.Name, c.Start())
}

// Receive handles exits of children.
func (s *Supervisor) Receive(ctx *Ctx, msg any) {
	ex, ok := msg.(Exit)
	if !ok {
		return
	}
	i := -1
	for k, pid := range s.children {
		if pid == ex.From && pid != 0 {
			i = k
		}
	}
	if i < 0 {
		// Not a child: the link to our parent. OTP supervisors exit with it.
		if ex.Reason != ReasonNormal {
			s.stopAll(ctx)
			ctx.Exit(ex.Reason)
		}
		return
	}
	s.children[i] = 0
	switch s.spec.Children[i].Restart {
	case Temporary:
		return
	case Transient:
		if ex.Reason == ReasonNormal || ex.Reason == ReasonShutdown {
			return
		}
	}
	now := ctx.Monotonic()
	kept := s.restarts[:0]
	for _, t := range s.restarts {
		if now.Sub(t) < s.spec.Period {
			kept = append(kept, t)
		}
	}
	s.restarts = append(kept, now)
	if len(s.restarts) > s.spec.MaxRestarts {
		ctx.Log("supervisor: %d restarts within %s: giving up", len(s.restarts), s.spec.Period)
		s.stopAll(ctx)
		ctx.Exit(ReasonMaxRestarts)
		return
	}
	s.startChild(ctx, i)
}

func (s *Supervisor) stopAll(ctx *Ctx) {
	for i := len(s.children) - 1; i >= 0; i-- {
		if pid := s.children[i]; pid != 0 {
			ctx.Unlink(pid)
			ctx.SendExit(pid, ReasonShutdown)
			s.children[i] = 0
		}
	}
}
