package resp

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// MONITOR, as in Redis 7.0: a monitoring client gets one line per command
// any client ran, once it ran, with the time, the database selected after
// it and the client's address, its arguments quoted as Redis quotes them
// and its secrets redacted (the slow log's redaction). Administrative
// commands (the admin flag: CONFIG, DEBUG, SLOWLOG...) are left out, and so
// are commands refused before running; EXEC's commands come before EXEC.
// A monitoring client may still run commands that do not touch the
// keyspace (PING, INFO, CLIENT...); RESET or QUIT ends it.
//
// The lines go through the client's outbox, as pub/sub messages do, held
// to client-output-buffer-limit normal (no limit by default) unless the
// client also has subscriptions (then pubsub), as Redis classes a monitor.
// Each command costs one atomic load while nobody monitors.

// errMonitorKeyspace refuses a keyspace command from a monitoring client.
const errMonitorKeyspace = "ERR Replica can't interact with the keyspace"

// errMonitorInMulti refuses MONITOR inside a transaction, where a client
// expects one reply per command.
const errMonitorInMulti = "ERR MONITOR isn't allowed for DENY BLOCKING client"

// monitors are the clients in MONITOR mode.
type monitors struct {
	n       atomic.Int32 // len(clients), read on every command
	mu      sync.Mutex
	clients map[*client]*subscriber
}

func cmdMonitor(s *Server, c *client, args [][]byte) {
	if c.inExec {
		c.conn.WriteError(errMonitorInMulti)
		return
	}
	if c.monitoring.Load() {
		return // Redis ignores a second MONITOR, without a reply
	}
	sb := s.subscribed(c)
	// The pipeline's earlier replies go first, once durable; if they
	// cannot be, none goes and the connection closes.
	if err := s.flushToOutbox(c); err != nil {
		c.closed, c.closeErr = true, err
		return
	}
	// The +OK and the registration share the lock feedMonitors holds: a
	// client that reads +OK sees every command run after it (registering
	// after queueing +OK missed the commands run in between), and no line
	// comes before the +OK.
	s.mon.mu.Lock()
	defer s.mon.mu.Unlock()
	c.conn.WriteString("OK")
	_ = s.flushToOutbox(c)
	c.monitoring.Store(true)
	if s.mon.clients == nil {
		s.mon.clients = map[*client]*subscriber{}
	}
	s.mon.clients[c] = sb
	s.mon.n.Store(int32(len(s.mon.clients)))
}

// unmonitor ends c's MONITOR mode, if it was in it (RESET, close).
func (s *Server) unmonitor(c *client) {
	if !c.monitoring.Load() {
		return
	}
	c.monitoring.Store(false)
	s.mon.mu.Lock()
	defer s.mon.mu.Unlock()
	delete(s.mon.clients, c)
	s.mon.n.Store(int32(len(s.mon.clients)))
}

// feedMonitors sends the line of a command c ran to every monitoring
// client.
func (s *Server) feedMonitors(c *client, cmd *command, args [][]byte) {
	addr := c.addr
	if c.inScript {
		addr = "lua" // a script's command, as Redis marks it
	}
	line := monitorLine(time.Now(), c.DB(), addr, cmd, args)
	if c.monitoring.Load() {
		// A monitoring client's own command: its reply comes before its
		// line, as in Redis, where both share one output buffer.
		_ = s.flushToOutbox(c)
	}
	s.mon.mu.Lock()
	defer s.mon.mu.Unlock()
	for _, sb := range s.mon.clients {
		sb.enqueue(func(out []byte) []byte { return append(out, line...) })
	}
}

// feedMonitorsFirst sends the line of a script command (EVAL, EVALSHA,
// FCALL and their _RO forms, flagged skip_monitor) before it runs, as Redis does, so
// that the script's own commands, marked lua, come after it.
func (s *Server) feedMonitorsFirst(c *client, args [][]byte) {
	if s.mon.n.Load() == 0 || c.inScript {
		return
	}
	if cmd := s.lookup(args[0]); cmd != nil {
		s.feedMonitors(c, cmd, args)
	}
}

// hiddenFromMonitor reports whether MONITOR leaves the command out: an
// administrative command or subcommand.
func hiddenFromMonitor(cmd *command) bool { return cmd.flags&flagAdmin != 0 }

// monitorLine formats one MONITOR line: +<seconds>.<microseconds> [<db>
// <address>] and the quoted arguments.
func monitorLine(now time.Time, db int, addr string, cmd *command, args [][]byte) []byte {
	us := now.UnixMicro()
	b := make([]byte, 0, 64+len(addr))
	b = append(b, '+')
	b = strconv.AppendInt(b, us/1e6, 10)
	b = append(b, '.')
	frac := strconv.AppendInt(nil, us%1e6, 10)
	for range 6 - len(frac) {
		b = append(b, '0')
	}
	b = append(b, frac...)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(db), 10)
	b = append(b, ' ')
	b = append(b, addr...)
	b = append(b, ']')
	secret := secretArgs(cmd, args)
	for i, a := range args {
		b = append(b, ' ')
		if containsInt(secret, i) {
			a = []byte(redacted)
		}
		b = appendRepr(b, a)
	}
	return append(b, '\r', '\n')
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// appendRepr appends a quoted as Redis's sdscatrepr quotes it: printable
// ASCII as is, '\\' and '"' escaped, \n \r \t \a \b by name, any other
// byte as \xHH.
func appendRepr(b, a []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, ch := range a {
		switch ch {
		case '\\', '"':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				b = append(b, ch)
			} else {
				b = append(b, '\\', 'x', hex[ch>>4], hex[ch&0xf])
			}
		}
	}
	return append(b, '"')
}
