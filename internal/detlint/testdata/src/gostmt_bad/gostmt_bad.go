package gostmt_bad

func work() {}

func spawn() {
	go work()   // want `^detlint: go statement is forbidden in simulated code: spawn a process with ctx\.Spawn instead$`
	go func() { // want `go statement is forbidden`
		work()
	}()
}
