package resp

import (
	"strconv"
	"strings"
	"time"
)

// validClientName follows Redis: printable ASCII without spaces.
func validClientName(b []byte) bool {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

// cmdClient answers the CLIENT subcommands.
func cmdClient(s *Server, c *client, args [][]byte) {
	sub := args[1]
	arity := func(ok bool) bool {
		if !ok {
			c.conn.WriteError(errArity("client|" + strings.ToLower(string(sub))))
		}
		return ok
	}
	switch {
	case equalFold(sub, "id"):
		if arity(len(args) == 2) {
			c.conn.WriteInt64(c.id)
		}
	case equalFold(sub, "setname"):
		if !arity(len(args) == 3) {
			return
		}
		if !validClientName(args[2]) {
			c.conn.WriteError(errClientName)
			return
		}
		c.mu.Lock()
		c.name = string(args[2])
		c.mu.Unlock()
		okReply(c)
	case equalFold(sub, "getname"):
		if !arity(len(args) == 2) {
			return
		}
		c.mu.Lock()
		name := c.name
		c.mu.Unlock()
		if name == "" {
			c.conn.WriteNull()
		} else {
			c.conn.WriteBulkString(name)
		}
	case equalFold(sub, "info"):
		if arity(len(args) == 2) {
			c.conn.WriteVerbatim(c.info(time.Now()) + "\n")
		}
	case equalFold(sub, "list"):
		clientList(s, c, args[2:])
	case equalFold(sub, "kill"):
		if arity(len(args) >= 3) {
			clientKill(s, c, args[2:])
		}
	case equalFold(sub, "unblock"):
		if len(args) > 4 {
			c.conn.WriteError(errSubcommandSyntax("client", sub))
			return
		}
		clientUnblock(s, c, args[2:])
	case equalFold(sub, "setinfo"):
		if !arity(len(args) == 4) {
			return
		}
		clientSetInfo(c, args[2], args[3])
	case equalFold(sub, "pause"):
		if arity(len(args) >= 3) {
			clientPause(s, c, args)
		}
	case equalFold(sub, "unpause"):
		if arity(len(args) == 2) {
			s.unpauseClients()
			okReply(c)
		}
	case equalFold(sub, "no-evict"), equalFold(sub, "no-touch"):
		if !arity(len(args) == 3) {
			return
		}
		if !equalFold(args[2], "on") && !equalFold(args[2], "off") {
			c.conn.WriteError(errSyntax)
			return
		}
		if equalFold(sub, "no-evict") {
			c.noEvict.Store(equalFold(args[2], "on"))
		}
		okReply(c)
	case equalFold(sub, "reply"):
		if !arity(len(args) == 3) {
			return
		}
		switch {
		case equalFold(args[2], "on"):
			c.replyOff, c.replySkip, c.replySkipNext = false, false, false
			okReply(c)
		case equalFold(args[2], "off"):
			c.replyOff = true
		case equalFold(args[2], "skip"):
			if !c.replyOff {
				c.replySkipNext = true
			}
		default:
			c.conn.WriteError(errSyntax)
		}
	case equalFold(sub, "tracking"):
		if arity(len(args) >= 3) {
			clientTracking(s, c, args)
		}
	case equalFold(sub, "caching"):
		if arity(len(args) == 3) {
			clientCaching(s, c, args)
		}
	case equalFold(sub, "getredir"):
		if arity(len(args) == 2) {
			clientGetRedir(c)
		}
	case equalFold(sub, "trackinginfo"):
		if arity(len(args) == 2) {
			clientTrackingInfo(s, c)
		}
	case equalFold(sub, "help") && len(args) == 2:
		writeHelp(c, "CLIENT",
			"ID", "    Return the ID of the current connection.",
			"INFO", "    Return information about the current client connection.",
			"LIST [TYPE normal|master|replica|pubsub] [ID <id> [<id> ...]]", "    Return information about client connections.",
			"KILL <ip:port> | <filter> <value> [...]", "    Kill connections by address, ID, LADDR, SKIPME or TYPE.",
			"SETNAME <name>", "    Set the name of the current connection.",
			"GETNAME", "    Return the name of the current connection.",
			"UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
			"SETINFO <LIB-NAME|LIB-VER> <value>", "    Set client library information.",
			"PAUSE <timeout> [WRITE|ALL]", "    Hold the commands of every client (ALL, the default), or only those that change data",
			"    (WRITE), for <timeout> milliseconds.",
			"UNPAUSE", "    End a pause now.",
			"REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
			"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]] [OPTIN] [OPTOUT] [NOLOOP]", "    Control server assisted client side caching.",
			"CACHING (YES|NO)", "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
			"GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
			"TRACKINGINFO", "    Report tracking status for the current connection.",
			"NO-EVICT|NO-TOUCH <ON|OFF>", "    Accepted for compatibility.")
	default:
		c.conn.WriteError(errUnknownSubcommand("client", sub))
	}
}

// clientUnblock answers CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 when the
// client was blocked by a blocking command (it then gets the timeout's
// reply, or an error); 0 for one a pause holds.
func clientUnblock(s *Server, c *client, args [][]byte) {
	reason := unblockTimeout
	if len(args) == 2 {
		switch {
		case equalFold(args[1], "timeout"):
		case equalFold(args[1], "error"):
			reason = unblockError
		default:
			c.conn.WriteError(errUnblockReason)
			return
		}
	}
	id, ok := parseInt(args[0])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	s.mu.Lock()
	target := s.clients[id]
	s.mu.Unlock()
	if target == nil || !target.isBlocked.Load() || target.pauseHeld.Load() {
		c.conn.WriteInt(0)
		return
	}
	select {
	case target.unblock <- reason:
	default: // one is on its way already
	}
	c.conn.WriteInt(1)
}

func clientSetInfo(c *client, attr, val []byte) {
	var field *string
	switch {
	case equalFold(attr, "lib-name"):
		field = &c.libName
	case equalFold(attr, "lib-ver"):
		field = &c.libVer
	default:
		c.conn.WriteError(errUnrecognizedOption(attr))
		return
	}
	for _, ch := range val {
		if ch < '!' || ch > '~' {
			c.conn.WriteError(errClientAttr(attr))
			return
		}
	}
	c.mu.Lock()
	*field = string(val)
	c.mu.Unlock()
	okReply(c)
}

// clientList answers CLIENT LIST [TYPE normal|...] [ID id ...].
func clientList(s *Server, c *client, args [][]byte) {
	// One filter, as Redis 7.0 takes it: TYPE with one type, or ID with
	// one or more ids; anything else is a syntax error.
	var ids map[int64]bool
	typ := "" // any
	switch {
	case len(args) == 0:
	case len(args) == 2 && equalFold(args[0], "type"):
		t := args[1]
		if !equalFold(t, "normal") && !equalFold(t, "master") && !equalFold(t, "replica") && !equalFold(t, "slave") && !equalFold(t, "pubsub") {
			c.conn.WriteError(errClientType(t))
			return
		}
		typ = clientTypeName(t)
	case len(args) >= 2 && equalFold(args[0], "id"):
		ids = map[int64]bool{}
		for _, a := range args[1:] {
			id, ok := parseInt(a)
			if !ok {
				c.conn.WriteError(errClientID)
				return
			}
			ids[id] = true // one of no client (0, negative) lists nothing
		}
	default:
		c.conn.WriteError(errSyntax)
		return
	}
	now := time.Now()
	var b strings.Builder
	for _, cl := range s.clientList() {
		if (ids != nil && !ids[cl.id]) || (typ != "" && cl.clientType() != typ) {
			continue
		}
		b.WriteString(cl.info(now))
		b.WriteByte('\n')
	}
	c.conn.WriteVerbatim(b.String())
}

// clientKill answers CLIENT KILL addr and CLIENT KILL <filter value> ...
func clientKill(s *Server, c *client, args [][]byte) {
	if len(args) == 1 {
		// Old form: one address, reply OK or an error.
		addr := string(args[0])
		for _, cl := range s.clientList() {
			if cl.addr == addr {
				s.kill(c, cl)
				okReply(c)
				return
			}
		}
		c.conn.WriteError(errNoSuchClient)
		return
	}
	if len(args)%2 != 0 {
		c.conn.WriteError(errSyntax)
		return
	}
	var (
		id          int64
		addr, laddr string
		skipMe      = true
		typ         string // any
	)
	for i := 0; i < len(args); i += 2 {
		v := args[i+1]
		switch {
		case equalFold(args[i], "id"):
			n, ok := parseInt(v)
			if !ok || n <= 0 {
				c.conn.WriteError(errClientIDNotPositive)
				return
			}
			id = n
		case equalFold(args[i], "addr"):
			addr = string(v)
		case equalFold(args[i], "laddr"):
			laddr = string(v)
		case equalFold(args[i], "skipme"):
			switch {
			case equalFold(v, "yes"):
				skipMe = true
			case equalFold(v, "no"):
				skipMe = false
			default:
				c.conn.WriteError(errSyntax)
				return
			}
		case equalFold(args[i], "type"):
			if !equalFold(v, "normal") && !equalFold(v, "master") && !equalFold(v, "replica") && !equalFold(v, "slave") && !equalFold(v, "pubsub") {
				c.conn.WriteError(errClientType(v))
				return
			}
			typ = clientTypeName(v)
		case equalFold(args[i], "user"):
			// Every client is the default user's, the only one there is.
			if string(v) != "default" {
				c.conn.WriteError(errNoSuchUser(v))
				return
			}
		default: // MAXAGE too, which Redis 7.0 does not have
			c.conn.WriteError(errSyntax)
			return
		}
	}
	killed := 0
	for _, cl := range s.clientList() {
		if (typ != "" && cl.clientType() != typ) || (id != 0 && cl.id != id) || (addr != "" && cl.addr != addr) || (laddr != "" && cl.laddr != laddr) {
			continue
		}
		if cl == c && skipMe {
			continue
		}
		s.kill(c, cl)
		killed++
	}
	c.conn.WriteInt(killed)
}

// kill disconnects cl. The caller's own connection is closed after its
// reply is flushed; another client's socket is closed under its feet, which
// makes its goroutine's next read fail.
// cl.closeAfterReply is owned by the connection goroutine, which is self.
func (s *Server) kill(self, cl *client) {
	s.log.Debug("client killed", "id", cl.id, "addr", cl.addr, "by", strconv.FormatInt(self.id, 10))
	if cl == self {
		// Closed by handle once the reply is written, as Redis does.
		cl.closeAfterReply = true
		return
	}
	_ = cl.lc.Close()
}

// clientTypeName is a TYPE filter's class, lower case, with slave as
// replica.
func clientTypeName(t []byte) string {
	if equalFold(t, "slave") {
		return "replica"
	}
	return string(lowerASCII(t))
}
