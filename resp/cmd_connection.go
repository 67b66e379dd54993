package resp

import "math"

func registerConnectionCommands(t commandTable) {
	t.add(command{name: "ping", arity: -1, flags: flagFast, group: "connection", since: "1.0.0", summary: "Returns the server's liveliness response.", handler: cmdPing})
	t.add(command{name: "echo", arity: 2, flags: flagLoading | flagFast | flagStale, group: "connection", since: "1.0.0", summary: "Returns the given string.", handler: cmdEcho})
	t.add(command{name: "quit", arity: -1, flags: flagAllowBusy | flagFast | flagStale | flagLoading | flagNoAuth | flagNoScript, group: "connection", since: "1.0.0", summary: "Closes the connection.", handler: cmdQuit})
	t.add(command{name: "select", arity: 2, flags: flagFast | flagStale | flagLoading, group: "connection", since: "1.0.0", summary: "Changes the selected database.", handler: cmdSelect})
	t.add(command{name: "hello", arity: -1, flags: flagAllowBusy | flagFast | flagStale | flagLoading | flagNoScript | flagNoAuth, group: "connection", since: "6.0.0", summary: "Handshakes with the Redis server.", handler: cmdHello})
	t.add(command{name: "reset", arity: 1, flags: flagAllowBusy | flagFast | flagStale | flagLoading | flagNoScript | flagNoAuth, group: "connection", since: "6.2.0", summary: "Resets the connection.", handler: cmdReset})
	t.add(command{name: "auth", arity: -2, flags: flagAllowBusy | flagFast | flagStale | flagLoading | flagNoScript | flagNoAuth, group: "connection", since: "1.0.0", summary: "Authenticates the connection.", handler: cmdAuth})
}

func cmdPing(s *Server, c *client, args [][]byte) {
	if len(args) > 2 {
		c.conn.WriteError(errArity("ping"))
		return
	}
	if c.pubsubCount() > 0 && !c.inScript && !c.resp3() {
		// In RESP2's subscriber mode, as Redis answers. (RESP3 can tell
		// a reply from a message: PING answers as usual.)
		c.conn.WriteArray(2)
		c.conn.WriteBulkString("pong")
		if len(args) > 1 {
			c.conn.WriteBulk(args[1])
		} else {
			c.conn.WriteBulkString("")
		}
		return
	}
	if len(args) == 1 {
		c.conn.WriteString("PONG")
		return
	}
	c.conn.WriteBulk(args[1])
}

func cmdEcho(s *Server, c *client, args [][]byte) { c.conn.WriteBulk(args[1]) }

func cmdQuit(s *Server, c *client, args [][]byte) {
	okReply(c)
	c.closeAfterReply = true
}

func cmdSelect(s *Server, c *client, args [][]byte) {
	n, ok := parseInt(args[1])
	switch {
	case !ok:
		c.conn.WriteError(errNotInteger)
		return
	case n < math.MinInt32 || n > math.MaxInt32:
		c.conn.WriteError(errIntRange)
		return
	}
	if !s.eng.ValidDB(int(n)) || n > int64(s.eng.Databases()) {
		c.conn.WriteError(errDBIndex)
		return
	}
	c.setDB(int(n))
	okReply(c)
}

// cmdAuth answers AUTH [username] password. The one-argument form is an
// error while no password is set, as in Redis; the default user with no
// password accepts any password.
func cmdAuth(s *Server, c *client, args [][]byte) {
	if len(args) > 3 {
		c.conn.WriteError(errSyntax)
		return
	}
	user, pass := []byte(defaultUser), args[1]
	if len(args) == 2 {
		if s.limits.pass.Load() == nil {
			c.conn.WriteError(errAuthNoPassword)
			return
		}
	} else {
		user, pass = args[1], args[2]
	}
	if !s.checkCredentials(user, pass) {
		c.conn.WriteError(errWrongPass)
		return
	}
	c.lc.authed.Store(true)
	okReply(c)
}

// cmdHello answers HELLO [protover [AUTH user pass] [SETNAME name]] as
// Redis 7.0 does: protover 2 or 3 (anything else: NOPROTO) switches the
// connection's protocol; the options take effect one by one, in order, so
// an AUTH that succeeded stays even if a later option is refused, and a
// SETNAME sets the name even before the NOAUTH check. The protocol changes
// only when the whole command succeeds. Without protover, HELLO describes
// the connection in its current protocol.
func cmdHello(s *Server, c *client, args [][]byte) {
	ver := 0
	if len(args) >= 2 {
		v, ok := parseInt(args[1])
		if !ok {
			c.conn.WriteError(errProtoVersion)
			return
		}
		if v < 2 || v > 3 {
			c.conn.WriteError(errNoProto)
			return
		}
		ver = int(v)
	}
	for i := 2; i < len(args); i++ {
		more := len(args) - 1 - i
		switch {
		case equalFold(args[i], "auth") && more >= 2:
			if !s.checkCredentials(args[i+1], args[i+2]) {
				c.conn.WriteError(errWrongPass)
				return
			}
			c.lc.authed.Store(true)
			i += 2
		case equalFold(args[i], "setname") && more >= 1:
			name := args[i+1]
			if !validClientName(name) {
				c.conn.WriteError(errClientName)
				return
			}
			c.mu.Lock()
			c.name = string(name)
			c.mu.Unlock()
			i++
		default:
			c.conn.WriteError(errHelloOption(args[i]))
			return
		}
	}
	if !c.lc.authed.Load() {
		c.conn.WriteError(errHelloNoAuth)
		return
	}
	if ver != 0 {
		c.setProto(ver)
	}
	proto := 2
	if c.resp3() {
		proto = 3
	}
	role := "master"
	if s.replication().ReadOnly() {
		role = "replica"
	}
	writeAny(c.conn, mapReply{
		"server", "redis",
		"version", redisVersion,
		"proto", int64(proto),
		"id", c.id,
		"mode", "standalone",
		"role", role,
		"modules", []any{},
	})
}

// cmdReset returns the connection to its state at connect, which includes
// RESP2 and no longer being authenticated when a password is set.
func cmdReset(s *Server, c *client, args [][]byte) {
	s.endTx(c)
	s.unsubscribeAll(c)
	s.unmonitor(c)
	s.track.disable(c)
	c.replyOff, c.replySkipNext = false, false
	c.setDB(0)
	c.setProto(2)
	c.lc.authed.Store(s.defaultAuthenticated())
	c.mu.Lock()
	c.name = ""
	c.mu.Unlock()
	c.conn.WriteString("RESET")
}
