package chan_bad

type pipe chan int // want `^detlint: channel type is forbidden in simulated code: use process messages \(ctx\.Send\) and mailboxes instead$`

type holder struct {
	in  <-chan string // want `channel type is forbidden`
	out chan<- string // want `channel type is forbidden`
}

func param(c chan int) {} // want `channel type is forbidden`

func ops(p pipe) {
	ch := make(chan int, 1)   // want `channel type is forbidden`
	cc := make(chan chan int) // want `channel type is forbidden`
	ch <- 1                   // want `^detlint: channel send is forbidden in simulated code: use process messages \(ctx\.Send\) and mailboxes instead$`
	v := <-ch                 // want `^detlint: channel receive is forbidden in simulated code: use process messages \(ctx\.Send\) and mailboxes instead$`
	p <- <-ch                 // want `channel send is forbidden`
	_, _ = v, cc
	select { // want `^detlint: select statement is forbidden in simulated code: use process messages \(ctx\.Send\) and mailboxes instead$`
	case x := <-ch:
		_ = x
	case p <- 2:
	case <-p:
	default:
	}
	for x := range p { // want `^detlint: range over a channel is forbidden in simulated code: use process messages \(ctx\.Send\) and mailboxes instead$`
		_ = x
	}
	close(ch) // want `^detlint: channel close is forbidden in simulated code: use process messages \(ctx\.Send\) and mailboxes instead$`
}

// Generic code ranging over a channel type parameter is caught too.
func drain[C ~chan E, E any](c C) { // want `channel type is forbidden`
	for range c { // want `range over a channel is forbidden`
	}
}
