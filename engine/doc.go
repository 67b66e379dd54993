// Package engine is the keyspace of nadb-server: a fixed number of numbered
// databases holding string and hash values with optional expiry.
//
// The engine does no I/O. Time comes from an injected Clock, so expiry is
// tested without sleeping, and every mutation reports its effect to a Sink
// while the engine lock is still held. The effect is what changed, not the
// command that asked for it: INCR reports a Set of the new value, an expired
// key reports a Delete, MSET reports one Set per key. Effects of one call are
// reported together, as one group, so a consumer (the replication log) sees
// them in exactly the order they were applied and can keep a multi-key
// command atomic downstream.
//
// # Usage
//
//	e := engine.New(engine.Options{Databases: 16, Clock: engine.SystemClock{}, Sink: log})
//	_, err := e.Set(0, "k", []byte("v"), engine.SetOptions{})
//	v, ok := e.Get(0, "k")
//
// A replica applies effects it receives with Apply and switches off its own
// expiry with SetReplica(true): expired keys are then hidden from readers
// but only deleted when the primary says so. A node that changes role
// calls SetRole, which moves the sink and replica mode in one critical
// section.
//
// # Caveats
//
// Values handed out by reads alias the stored bytes. They stay valid and
// unchanged after the call returns (the engine never rewrites bytes in place
// that a reader may hold), but callers must not modify them.
//
// All databases share one mutex. That keeps the apply order total and cheap
// to reason about; the network front end, not the map, is the bottleneck.
package engine
