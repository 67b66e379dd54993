package resp

import (
	"context"
	"math"
	"sync"
	"time"
)

func registerReplicationCommands(t commandTable) {
	t.add(command{name: "replicaof", arity: 3, flags: flagNoAsyncLoading | flagAdmin | flagNoScript | flagStale, group: "server", since: "5.0.0", summary: "Configures a server as replica of another, or promotes it to a master.", handler: cmdReplicaOf})
	t.add(command{name: "slaveof", arity: 3, flags: flagNoAsyncLoading | flagAdmin | flagNoScript | flagStale, group: "server", since: "1.0.0", summary: "Sets a Redis server as a replica of another, or promotes it to being a master.", handler: cmdReplicaOf})
	t.add(command{name: "role", arity: 1, flags: flagFast | flagStale | flagLoading | flagNoScript, group: "server", since: "2.8.12", summary: "Returns the replication role.", handler: cmdRole})
	t.add(command{name: "failover", arity: -1, flags: flagAdmin | flagNoScript | flagStale, group: "server", since: "6.2.0", summary: "Starts a coordinated failover from a server to one of its replicas.", handler: cmdFailover})
	t.add(command{name: "wait", arity: 3, flags: flagNoScript, group: "generic", since: "3.0.0", summary: "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.", handler: cmdWait})
}

// cmdReplicaOf answers REPLICAOF host port and REPLICAOF NO ONE.
func cmdReplicaOf(s *Server, c *client, args [][]byte) {
	if s.fo.current() != failoverNone {
		c.conn.WriteError(errReplicaOfFailover)
		return
	}
	if equalFold(args[1], "no") && equalFold(args[2], "one") {
		if _, err := s.replication().ReplicaOf("", 0); err != nil {
			c.conn.WriteError(errorText(err))
			return
		}
		okReply(c)
		return
	}
	port, ok := parseInt(args[2])
	if !ok || port < 0 || port > 65535 {
		c.conn.WriteError(errMasterPort)
		return
	}
	already, err := s.replication().ReplicaOf(string(args[1]), int(port))
	switch {
	case already:
		c.conn.WriteString("OK Already connected to specified master")
	case err != nil:
		c.conn.WriteError(errorText(err))
	default:
		okReply(c)
	}
}

func cmdRole(s *Server, c *client, args [][]byte) {
	writeAny(c.conn, roleReply(s.replication().Status()))
}

// cmdWait answers WAIT numreplicas timeout (milliseconds, 0: forever).
func cmdWait(s *Server, c *client, args [][]byte) {
	if s.replication().ReadOnly() {
		c.conn.WriteError(errWaitOnReplica)
		return
	}
	n, ok := parseInt(args[1])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	ms, ok := parseInt(args[2])
	if !ok {
		c.conn.WriteError(errTimeout)
		return
	}
	if ms < 0 {
		c.conn.WriteError(errTimeoutNegative)
		return
	}
	timeout := time.Duration(min(ms, math.MaxInt64/int64(time.Millisecond))) * time.Millisecond
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	if c.inExec {
		// A transaction never blocks (Redis denies its client blocking):
		// the count of secondaries that have acknowledged already.
		cancel()
		c.conn.WriteInt(s.replication().Wait(ctx, int(max(n, 0)), timeout))
		return
	}
	// The client is blocked meanwhile, as in Redis: the replies before
	// the wait go out, CLIENT UNBLOCK ends it with the count so far or
	// with an error, and a client that goes away ends it.
	if err := s.endPipeline(c); err != nil {
		c.closed, c.closeErr = true, err
		return
	}
	select { // a CLIENT UNBLOCK meant for an earlier wait
	case <-c.unblock:
	default:
	}
	c.isBlocked.Store(true)
	s.blockedClients.Add(1)
	watch := watchConn(c.lc)
	stop, got := make(chan struct{}), make(chan uint8, 1)
	gone := false
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case r := <-c.unblock:
			got <- r
			cancel()
		case <-watch.gone:
			gone = true
			cancel()
		case <-stop:
		}
	})
	acked := s.replication().Wait(ctx, int(max(n, 0)), timeout)
	close(stop)
	wg.Wait()
	watch.stop(c.lc)
	c.isBlocked.Store(false)
	s.blockedClients.Add(-1)
	if gone {
		// Gone, or closed by a stop: the rest of its pipeline never runs.
		c.closed = true
		return
	}
	select {
	case r := <-got:
		if r == unblockError {
			c.conn.WriteError(errUnblocked)
			return
		}
	default:
	}
	c.conn.WriteInt(acked)
}
