package resp

import "github.com/nadb-server/nadb-server/engine"

// Transactions: MULTI, EXEC, DISCARD, WATCH and UNWATCH, as Redis runs
// them. Between MULTI and EXEC a command is checked (name, arity,
// authentication, read-only replica, memory) and queued; a refusal makes
// EXEC abort with EXECABORT. EXEC runs the queue as one critical section
// of the engine (engine.Group): no other client's command comes in
// between, the WATCH check is part of it, and the writes are one group in
// the log, on disk and in the stream, so a secondary applies all of them
// or none. A queue holding a server command (CONFIG, CLIENT, REPLICAOF,
// INFO...) cannot hold the engine's lock across it: such a queue runs
// command by command, after the WATCH check, each command atomic on its
// own, which is what Sentinel's reconfiguration transaction needs.

// txState is a client's transaction.
type txState struct {
	on      bool // between MULTI and EXEC or DISCARD
	dirty   bool // a command was refused while queued: EXEC aborts
	queue   []queuedCmd
	watches []engine.Watch
}

// queuedCmd is a command waiting for EXEC, its arguments copied out of
// the read buffer.
type queuedCmd struct {
	cmd  *command
	args [][]byte
}

func registerTxCommands(t commandTable) {
	t.add(command{name: "multi", arity: 1, flags: flagAllowBusy | flagFast | flagLoading | flagStale | flagNoScript, group: "transactions", since: "1.2.0", summary: "Starts a transaction.", handler: cmdMulti})
	t.add(command{name: "exec", arity: 1, flags: flagLoading | flagStale | flagNoScript | flagSkipSlowlog, group: "transactions", since: "1.2.0", summary: "Executes all commands in a transaction.", handler: cmdExec})
	t.add(command{name: "discard", arity: 1, flags: flagAllowBusy | flagFast | flagLoading | flagStale | flagNoScript, group: "transactions", since: "2.0.0", summary: "Discards a transaction.", handler: cmdDiscard})
	t.add(command{name: "watch", arity: -2, keys: keySpec{1, -1, 1}, flags: flagAllowBusy | flagFast | flagLoading | flagStale | flagNoScript, group: "transactions", since: "2.2.0", summary: "Monitors changes to keys to determine the execution of a transaction.", handler: cmdWatch})
	t.add(command{name: "unwatch", arity: 1, flags: flagAllowBusy | flagFast | flagLoading | flagStale | flagNoScript, group: "transactions", since: "2.2.0", summary: "Forgets about watched keys of a transaction.", handler: cmdUnwatch})
}

// runsInMulti names the commands that run at once between MULTI and EXEC
// instead of being queued, as in Redis.
func runsInMulti(cmd *command) bool {
	switch cmd.name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

// groupable reports whether cmd may run inside the engine's group: it
// touches nothing but the keyspace and the client.
func groupable(cmd *command) bool {
	if cmd.flags&(flagWrite|flagReadOnly) != 0 {
		return true
	}
	switch cmd.name {
	case "ping", "echo", "select", "time", "lastsave", "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		return true
	}
	return false
}

// queue adds a checked command to the transaction and answers QUEUED.
func (c *client) queue(cmd *command, args [][]byte) {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	cp := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		cp[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	c.tx.queue = append(c.tx.queue, queuedCmd{cmd: cmd, args: cp})
	c.queued.Store(int32(len(c.tx.queue)))
	c.conn.WriteString("QUEUED")
}

// refuse answers a refused command; inside MULTI it also dooms the
// transaction, as Redis's flagTransaction.
func (c *client) refuse(msg string) {
	if c.tx.on {
		c.tx.dirty = true
	}
	c.conn.WriteError(msg)
}

// endTx forgets the transaction and every watch.
func (s *Server) endTx(c *client) {
	s.eng.Unwatch(c.tx.watches)
	clear(c.tx.queue)
	c.tx = txState{queue: c.tx.queue[:0], watches: c.tx.watches[:0]}
	c.queued.Store(-1)
}

func cmdMulti(s *Server, c *client, args [][]byte) {
	if c.tx.on {
		c.conn.WriteError(errNestedMulti)
		return
	}
	c.tx.on = true
	c.queued.Store(0)
	okReply(c)
}

func cmdDiscard(s *Server, c *client, args [][]byte) {
	if !c.tx.on {
		c.conn.WriteError(errDiscardNoMulti)
		return
	}
	s.endTx(c)
	okReply(c)
}

func cmdWatch(s *Server, c *client, args [][]byte) {
	if c.tx.on {
		c.conn.WriteError(errWatchInMulti)
		return
	}
	for _, k := range args[1:] {
		c.tx.watches = append(c.tx.watches, s.eng.Watch(c.DB(), string(k)))
	}
	okReply(c)
}

func cmdUnwatch(s *Server, c *client, args [][]byte) {
	s.eng.Unwatch(c.tx.watches)
	c.tx.watches = c.tx.watches[:0]
	okReply(c)
}

func cmdExec(s *Server, c *client, args [][]byte) {
	if !c.tx.on {
		c.conn.WriteError(errExecNoMulti)
		return
	}
	defer s.endTx(c)
	if c.tx.dirty {
		c.conn.WriteError(errExecAbort)
		return
	}
	c.tx.on = false // the queue runs as ordinary commands
	c.queued.Store(-1)
	queue := c.tx.queue
	grouped, writes := true, false
	for _, q := range queue {
		grouped = grouped && groupable(q.cmd)
		writes = writes || q.cmd.flags&flagWrite != 0 || s.scriptMayWrite(c, q.cmd, q.args)
	}
	// As Redis, a transaction with writes is refused as a whole when the
	// good secondaries went below min-replicas-to-write since it queued
	// them.
	if writes && !s.enoughReplicas() {
		c.conn.WriteError(errExecAbortBecause(errNoReplicas))
		return
	}
	c.inExec = true
	defer func() {
		c.inExec = false
		c.flushSelf() // after EXEC's reply, never inside it
	}()
	if !grouped {
		if s.eng.Touched(c.tx.watches) {
			c.conn.WriteNullArray()
			return
		}
		c.conn.WriteArray(len(queue))
		for _, q := range queue {
			s.run(c, q.args)
		}
		return
	}
	if writes {
		// The write gate once for the whole group, before the engine's
		// lock, in the order a single write takes them.
		r := s.replication()
		c.execGate, c.gateErr = true, ""
		defer func() { c.execGate, c.gateErr = false, "" }()
		if err := r.BeginWrite(); err != nil {
			c.gateErr = gateError(err)
		} else {
			defer r.EndWrite()
		}
	}
	own := c.eng
	own.Group(func(tx *engine.Engine) {
		if tx.Touched(c.tx.watches) {
			c.conn.WriteNullArray()
			return
		}
		c.eng, c.inGroup = tx, true
		defer func() { c.eng, c.inGroup = own, false }()
		c.conn.WriteArray(len(queue))
		for _, q := range queue {
			s.run(c, q.args)
		}
	})
	s.forwardPubs(c) // of the scripts in the queue
}
