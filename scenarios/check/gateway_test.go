package check

import (
	"strings"
	"testing"

	"github.com/guildsim/guildsim/sim"
	"github.com/guildsim/guildsim/system/client"
)

// The gateway tests' world: client 1 (user 1) runs on node clientNode and
// identifies on gateway node gw (sessionH hash sessionH); user 1 sees
// channel ch.
const (
	clientNode = sim.NodeID(10)
	gw         = sim.NodeID(1)
	otherGW    = sim.NodeID(2)
	sessionH   = uint64(0xabc)
)

func at(seconds float64) sim.Time {
	return sim.DefaultStart.Add(sim.Duration(seconds * float64(sim.Second)))
}

// gwTruth is truth() with a gateway of the real defaults (41.25 s + 10 s,
// 3 min, 500 events), the run ending at 1000 s, and faults.
func gwTruth(cuts []Cut, nodeFaults ...NodeFault) Truth {
	t := truth()
	t.EndAt = at(1000)
	t.Gateway = &GatewayTruth{
		HeartbeatInterval: 41250 * sim.Millisecond, HeartbeatGrace: 10 * sim.Second,
		ResumeWindow: 3 * sim.Minute, ResumeBufferEvents: 500,
		NodeOf:     func(uint32) sim.NodeID { return clientNode },
		Cuts:       cuts,
		NodeFaults: nodeFaults,
	}
	return t
}

// gwRec appends a record of client 1 on gateway node.
func (b *builder) gwRec(seconds float64, k client.Kind, node sim.NodeID, seq, id uint64) *builder {
	b.h.Records = append(b.h.Records, client.Record{At: at(seconds), Client: 1, Kind: k, Seq: seq, ID: id, Node: node})
	return b
}

// events appends n dispatches of client 1 from seconds on, 1 ms apart,
// with s from seq on.
func (b *builder) events(seconds float64, node sim.NodeID, seq uint64, n int) *builder {
	for i := range n {
		b.h.Records = append(b.h.Records, client.Record{At: at(seconds) + sim.Time(i)*sim.Time(sim.Millisecond), Client: 1, Kind: client.KindDispatch, Seq: seq + uint64(i), Node: node, Name: 1})
	}
	return b
}

func checkGateway(t *testing.T, name string, h *History, tr Truth, want Result, says string) {
	t.Helper()
	v := GatewayProtocol(h, tr)
	if v.Result != want || !strings.Contains(v.Detail, says) {
		t.Errorf("%s: got %s, want %s saying %q", name, v, want, says)
	}
}

// Rule 3: a replay longer than the buffer's bound is Illegal.
func TestGatewayReplayBound(t *testing.T) {
	replay := func(n int) *History {
		return newBuilder().gwRec(1, client.KindReady, gw, 1, sessionH).events(2, gw, 2, 10).
			gwRec(50, client.KindClosed, gw, 0, uint64(sim.CloseReset)).
			gwRec(51, client.KindResume, gw, 11, sessionH).events(51, gw, 12, n).
			gwRec(52, client.KindResumed, gw, 11+uint64(n), 0).h
	}
	checkGateway(t, "a replay of 500", replay(500), gwTruth(nil), Ok, "1 replays within 500 events")
	checkGateway(t, "a replay of 501", replay(501), gwTruth(nil), Illegal, "replay of 501 events")
}

// Rule 1: a client cut off from its gateway must see the connection end
// within the heartbeat interval and grace.
func TestGatewayHeartbeatTimeout(t *testing.T) {
	cut := []Cut{{From: []sim.NodeID{clientNode}, To: []sim.NodeID{gw}, During: Interval{at(100), at(200)}}}
	attached := func() *builder { return newBuilder().gwRec(1, client.KindReady, gw, 1, sessionH).events(2, gw, 2, 5) }
	tests := []struct {
		name string
		h    *History
		tr   Truth
		want Result
		says string
	}{
		{"closed with 4009 in time", attached().gwRec(150, client.KindClosed, gw, 4009, uint64(sim.ClosePeer)).h, gwTruth(cut), Ok, "1 with 4009"},
		{"ended by the client's own timeout first", attached().gwRec(130, client.KindClosed, gw, 0, uint64(sim.CloseTimeout)).h, gwTruth(cut), Ok, "1 connections cut off"},
		{"never closed", attached().h, gwTruth(cut), Illegal, "it was never closed"},
		{"closed late, by the client's zombie check", attached().gwRec(170, client.KindZombie, gw, 0, 0).h, gwTruth(cut), Illegal, "it lasted until +2m50s"},
		{"a cut shorter than interval + grace is not judged", attached().h,
			gwTruth([]Cut{{From: cut[0].From, To: cut[0].To, During: Interval{at(100), at(150)}}}), Ok, "0 connections cut off"},
		{"another fault on the link is not judged", attached().h,
			gwTruth(append(cut, Cut{From: []sim.NodeID{gw}, To: []sim.NodeID{clientNode}, During: Interval{at(20), at(30)}})), Ok, "0 connections cut off"},
		{"a fault of the gateway node is not judged", attached().h,
			gwTruth(cut, NodeFault{Node: gw, Kind: "clock-drift", During: Interval{at(0), Forever}}), Ok, "0 connections cut off"},
		{"a client attached elsewhere is not judged", newBuilder().gwRec(1, client.KindReady, otherGW, 1, sessionH).h, gwTruth(cut), Ok, "0 connections cut off"},
		{"a client already disconnected is not judged", attached().gwRec(90, client.KindZombie, gw, 0, 0).h, gwTruth(cut), Ok, "0 connections cut off"},
	}
	for _, tc := range tests {
		checkGateway(t, tc.name, tc.h, tc.tr, tc.want, tc.says)
	}
}

// Rule 2: a resume within the window, at the sessionH's node, after few
// missed events, is honoured.
func TestGatewayResumeHonoured(t *testing.T) {
	// The client last hears from its session at 50 s, loses the connection
	// at 90 s and resumes on node at resumeAt.
	lost := func(node sim.NodeID, resumeAt float64) *builder {
		return newBuilder().gwRec(1, client.KindReady, gw, 1, sessionH).events(50, gw, 2, 1).
			gwRec(90, client.KindClosed, gw, 0, uint64(sim.CloseReset)).
			gwRec(resumeAt, client.KindResume, node, 2, sessionH)
	}
	refused := func(node sim.NodeID, resumeAt float64) *History {
		return lost(node, resumeAt).gwRec(resumeAt+0.001, client.KindInvalidSession, node, 0, 0).
			gwRec(resumeAt+0.001, client.KindClientClose, node, 1000, 0).h
	}
	honoured := lost(gw, 91).events(91, gw, 3, 20).gwRec(91.1, client.KindResumed, gw, 22, 0).h
	busy := func() *builder {
		b := newBuilder()
		for i := range 251 {
			b.send(at(40)+sim.Time(i), 2, ch, uint64(i+1))
		}
		return b
	}
	busyRefused := busy()
	busyRefused.h.Records = append(busyRefused.h.Records, refused(gw, 91).Records...)
	tests := []struct {
		name string
		h    *History
		tr   Truth
		want Result
		says string
	}{
		{"honoured", honoured, gwTruth(nil), Ok, "1 resumes honoured"},
		{"refused", refused(gw, 91), gwTruth(nil), Illegal, "refused a resume it should have honoured"},
		{"refused, but resumed on another node", refused(otherGW, 91), gwTruth(nil), Ok, "0 resumes honoured"},
		{"refused, but too late in the window", refused(gw, 50+180-44), gwTruth(nil), Ok, "0 resumes honoured"},
		{"refused, but the node crashed", refused(gw, 91),
			gwTruth(nil, NodeFault{Node: gw, Kind: "crash", During: Interval{at(60), at(70)}}), Ok, "0 resumes honoured"},
		{"refused, but the client's traffic to the node was cut (4009)", refused(gw, 91),
			gwTruth([]Cut{{From: []sim.NodeID{clientNode}, To: []sim.NodeID{gw}, During: Interval{at(60), at(89)}}}), Ok, "0 resumes honoured"},
		{"refused after a cut from the node to the client", refused(gw, 91),
			gwTruth([]Cut{{From: []sim.NodeID{gw}, To: []sim.NodeID{clientNode}, During: Interval{at(51), at(87)}}}), Illegal, "refused a resume"},
		{"refused, but more posts than half the buffer", busyRefused.h, gwTruth(nil), Ok, "0 resumes honoured"},
		{"refused, but drained (op 7)", func() *History {
			b := newBuilder().gwRec(1, client.KindReady, gw, 1, sessionH).events(50, gw, 2, 1).
				gwRec(60, client.KindReconnect, gw, 0, 0).gwRec(60, client.KindClientClose, gw, 4000, 0).
				gwRec(61, client.KindResume, gw, 2, sessionH).gwRec(61.001, client.KindInvalidSession, gw, 0, 0)
			return b.h
		}(), gwTruth(nil), Ok, "0 resumes honoured"},
		{"a second attempt is not judged", func() *History {
			b := lost(gw, 91).gwRec(95, client.KindClosed, gw, 0, uint64(sim.CloseTimeout)).
				gwRec(96, client.KindResume, gw, 2, sessionH).gwRec(96.001, client.KindInvalidSession, gw, 0, 0)
			return b.h
		}(), gwTruth(nil), Ok, "0 resumes honoured"},
	}
	for _, tc := range tests {
		checkGateway(t, tc.name, tc.h, tc.tr, tc.want, tc.says)
	}
}

func TestGatewayUnknown(t *testing.T) {
	checkGateway(t, "no gateway truth", newBuilder().h, truth(), Unknown, "Truth.Gateway")
}
