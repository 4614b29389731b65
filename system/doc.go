// Package system holds guildsim's system under test: the gateway, guilds,
// presence, the message store, voice routing, the API edge and simulated
// clients, each in its own sub-package, written only against package sim.
//
// Code here is a pure reaction to messages: a process's Receive reads its
// state and the message, changes its state, and asks the sim context to send,
// set timers or declare work. It never uses goroutines, channels, sync, time,
// math/rand, os or net, and never lets map iteration order decide anything;
// cmd/detlint enforces this in CI. Nothing here knows it is being tested.
package system
