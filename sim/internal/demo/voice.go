package demo

import "github.com/guildsim/guildsim/sim"

// sfu relays each voice frame to the media sinks of two client nodes.
type sfu struct{ topo *topology }

func (s *sfu) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.BindUDP(voicePort) == nil, "demo: voice port taken")
}

func (s *sfu) Receive(ctx *sim.Ctx, msg any) {
	d, ok := msg.(sim.Datagram)
	if !ok {
		return
	}
	f := d.Msg.(voiceFrame)
	for r := range s.topo.clients {
		if (f.speaker+r)%2 == 0 {
			sink := s.topo.clients[r][f.speaker%len(s.topo.clients[r])]
			ctx.SendDatagram(voicePort, sim.Addr{Node: sink, Port: mediaPort}, f)
		}
	}
}

// mediaSink receives relayed frames on a client node and counts them, with
// a small jitter buffer bound.
type mediaSink struct {
	frames, late uint64
	last         map[int]uint32
}

func (m *mediaSink) Start(ctx *sim.Ctx) {
	sim.Assert(ctx.BindUDP(mediaPort) == nil, "demo: media port taken")
	m.last = map[int]uint32{}
}

func (m *mediaSink) Receive(ctx *sim.Ctx, msg any) {
	d, ok := msg.(sim.Datagram)
	if !ok {
		return
	}
	f := d.Msg.(voiceFrame)
	m.frames++
	if f.seq <= m.last[f.speaker] {
		m.late++ // reordered or duplicated: a jitter buffer would drop it
		return
	}
	m.last[f.speaker] = f.seq
}
