package main

import (
	"context"
	"runtime"
	"time"

	"github.com/nadb-server/nadb-server/replication/node"
)

// Threads. io-threads, as Redis's, is the number of threads that run
// client connections and commands: by default one, which costs less CPU
// per request than Go's default of one per core (the engine takes one lock
// per command anyway; see bench/RESULTS.md). Redis gives its background
// work threads of its own besides (fsync, lazy free, the forked child that
// writes a snapshot); Go cannot pin goroutines to threads, so the server
// gives the runtime one more thread while it has background work: the log
// on disk, secondaries to feed, a stream to apply, a snapshot to write.
// GOMAXPROCS in the environment turns this off.
const threadsEvery = 200 * time.Millisecond

// threadsFor is GOMAXPROCS for io client threads on a machine with cpus
// cores, with or without background work. The extra thread is never more
// than the machine has; io-threads beyond it are the operator's choice.
func threadsFor(io, cpus int, background bool) int {
	if !background {
		return io
	}
	return max(io, min(io+1, cpus))
}

// hasBackgroundWork says whether a node's state has work besides its
// clients' commands.
func hasBackgroundWork(st node.Status, ps node.PersistenceStatus) bool {
	switch {
	case ps.AOFEnabled, ps.SaveInProgress, ps.RewriteInProgress, st.Secondary != nil:
		return true
	case st.Primary != nil:
		return len(st.Primary.Replicas) > 0
	}
	return false
}

// runThreads keeps GOMAXPROCS at threadsFor the node's state until ctx is
// done.
func runThreads(ctx context.Context, repl *node.Node, io int) {
	cpus := runtime.NumCPU()
	t := time.NewTicker(threadsEvery)
	defer t.Stop()
	for {
		want := threadsFor(io, cpus, hasBackgroundWork(repl.Status(), repl.Persistence()))
		if runtime.GOMAXPROCS(0) != want {
			runtime.GOMAXPROCS(want)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
