package chan_good

// Mailbox is the deterministic replacement: a queue the scheduler drains.
type Mailbox struct{ msgs []string }

func (m *Mailbox) Send(msg string) { m.msgs = append(m.msgs, msg) }

func (m *Mailbox) Receive() (string, bool) {
	if len(m.msgs) == 0 {
		return "", false
	}
	msg := m.msgs[0]
	m.msgs = m.msgs[1:]
	return msg, true
}

func use(x int, s []int, word string) int {
	var m Mailbox
	m.Send("hello")
	_, _ = m.Receive()
	if x < -1 { // "<" then "-", not a receive
		x = -x
	}
	for _, v := range s { // slice
		x += v
	}
	for i, r := range word { // string
		x += i + int(r)
	}
	for i := range 3 { // integer
		x += i
	}
	var arr [4]int
	for i := range arr { // array
		x += i
	}
	close := func(int) {} // a local func named close, not the builtin
	close(x)
	return x
}
