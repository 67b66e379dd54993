package resp

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The slow log (SLOWLOG) keeps the commands that ran for at least
// slowlog-log-slower-than microseconds, newest first, at most
// slowlog-max-len of them, as Redis does. The time is the command's own,
// as INFO commandstats counts it: not the wait of a blocked command, nor
// that of the pipeline around it. A command EXEC runs is logged by itself;
// EXEC is not (its skip_slowlog flag). An entry keeps at most
// slowMaxArgs arguments of at most slowMaxArgBytes bytes each, and none of
// the secrets AUTH, HELLO and CONFIG SET carry.

const (
	// slowMaxArgs is the most arguments an entry keeps, the last one
	// then saying how many more there were.
	slowMaxArgs = 32
	// slowMaxArgBytes is the longest argument an entry keeps whole.
	slowMaxArgBytes = 128
	// slowDefaultGet is how many entries SLOWLOG GET returns by default.
	slowDefaultGet = 10
)

// Redis's defaults of slowlog-log-slower-than (microseconds) and
// slowlog-max-len, in force until SetSlowLog.
const (
	DefaultSlowLogSlowerThan = 10000
	DefaultSlowLogMaxLen     = 128
)

// redacted replaces a secret in an entry, as in Redis.
const redacted = "(redacted)"

// slowEntry is one logged command.
type slowEntry struct {
	id     int64
	at     int64 // Unix seconds when it was logged
	micros int64 // how long it ran
	args   []string
	addr   string
	name   string
}

// slowLog is the server's slow log. The threshold and the length are read
// on every command without the lock.
type slowLog struct {
	slower atomic.Int64 // slowlog-log-slower-than, µs; negative: off
	maxLen atomic.Int64 // slowlog-max-len

	mu     sync.Mutex // guards the fields below
	nextID int64
	// entries[head:] are the log, oldest first. A full log drops its
	// oldest entry by moving head; the dropped room is reclaimed once it
	// is half the slice, so an entry costs O(1) whatever the length.
	entries []slowEntry
	head    int
}

// live returns the entries in the log, oldest first. l.mu must be held.
func (l *slowLog) live() []slowEntry { return l.entries[l.head:] }

// SetSlowLog sets slowlog-log-slower-than (microseconds; negative logs
// nothing, 0 every command) and slowlog-max-len. A shorter length trims
// the log at its next entry, as in Redis.
func (s *Server) SetSlowLog(slowerThanMicros, maxLen int64) {
	s.slow.slower.Store(slowerThanMicros)
	s.slow.maxLen.Store(max(maxLen, 0))
}

// noteSlow logs the command c ran in nanos if it is slow enough.
func (s *Server) noteSlow(c *client, cmd *command, args [][]byte, nanos int64) {
	limit := s.slow.slower.Load()
	micros := nanos / int64(time.Microsecond)
	if limit < 0 || micros < limit || cmd.flags&flagSkipSlowlog != 0 {
		return
	}
	e := slowEntry{at: time.Now().Unix(), micros: micros, args: slowArgs(cmd, args), addr: c.addr}
	c.mu.Lock()
	e.name = c.name
	c.mu.Unlock()
	s.slow.add(e)
}

func (l *slowLog) add(e slowEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	if over := len(l.live()) - int(l.maxLen.Load()); over > 0 {
		clear(l.entries[l.head : l.head+over])
		l.head += over
	}
	if l.head > 0 && l.head >= len(l.entries)/2 {
		n := copy(l.entries, l.live())
		clear(l.entries[n:])
		l.entries, l.head = l.entries[:n], 0
	}
}

// newest returns up to n entries, newest first (n < 0: all).
func (l *slowLog) newest(n int) []slowEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	live := l.live()
	if n < 0 || n > len(live) {
		n = len(live)
	}
	out := make([]slowEntry, n)
	for i := range out {
		out[i] = live[len(live)-1-i]
	}
	return out
}

func (l *slowLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.live())
}

func (l *slowLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries, l.head = nil, 0
}

// slowArgs copies what an entry keeps of args: the first slowMaxArgs-1
// and a count of the rest when there are more than slowMaxArgs, each cut
// at slowMaxArgBytes, with secrets redacted.
func slowArgs(cmd *command, args [][]byte) []string {
	n := min(len(args), slowMaxArgs)
	out := make([]string, n)
	for i := range n {
		if n != len(args) && i == n-1 {
			out[i] = "... (" + strconv.Itoa(len(args)-n+1) + " more arguments)"
			break
		}
		a := args[i]
		if len(a) > slowMaxArgBytes {
			out[i] = string(a[:slowMaxArgBytes]) + "... (" + strconv.Itoa(len(a)-slowMaxArgBytes) + " more bytes)"
		} else {
			out[i] = string(a)
		}
	}
	for _, i := range secretArgs(cmd, args) {
		if i < n && !(n != len(args) && i == n-1) {
			out[i] = redacted
		}
	}
	return out
}

// secretArgs returns the positions of the arguments of args that are
// secrets: AUTH's, HELLO's after AUTH, and CONFIG SET's values of the
// password options.
func secretArgs(cmd *command, args [][]byte) []int {
	var at []int
	switch cmd.name {
	case "auth":
		for i := 1; i < len(args); i++ {
			at = append(at, i)
		}
	case "hello": // HELLO protover [AUTH username password] [SETNAME name]
		for i := 2; i < len(args); i++ {
			switch {
			case equalFold(args[i], "auth") && i+2 < len(args):
				at = append(at, i+1, i+2)
				i += 2
			case equalFold(args[i], "setname"):
				i++
			}
		}
	case "config|set":
		for i := 2; i+1 < len(args); i += 2 {
			if secretOption(args[i]) {
				at = append(at, i+1)
			}
		}
	case "migrate": // MIGRATE host port key db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS ...]
		for i := 6; i < len(args); i++ {
			switch {
			case equalFold(args[i], "auth") && i+1 < len(args):
				at = append(at, i+1)
				i++
			case equalFold(args[i], "auth2") && i+2 < len(args):
				at = append(at, i+1, i+2)
				i += 2
			case equalFold(args[i], "keys"):
				return at // keys to the end
			}
		}
	case "acl|setuser": // the user's name and every rule
		for i := 2; i < len(args); i++ {
			at = append(at, i)
		}
	}
	return at
}

// secretOption reports whether the option named name holds a password.
func secretOption(name []byte) bool {
	for _, o := range []string{"requirepass", "masterauth", "masteruser", "repl-password"} {
		if equalFold(name, o) {
			return true
		}
	}
	return false
}

func cmdSlowlog(s *Server, c *client, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "get"):
		if len(args) > 3 {
			c.conn.WriteError(errSubcommandSyntax("slowlog", sub))
			return
		}
		n := slowDefaultGet
		if len(args) == 3 {
			v, ok := parseInt(args[2])
			if !ok || v < -1 {
				c.conn.WriteError(errSlowlogCount)
				return
			}
			n = int(min(v, int64(1<<31)))
		}
		entries := s.slow.newest(n)
		c.conn.WriteArray(len(entries))
		for _, e := range entries {
			c.conn.WriteArray(6)
			c.conn.WriteInt64(e.id)
			c.conn.WriteInt64(e.at)
			c.conn.WriteInt64(e.micros)
			c.conn.WriteArray(len(e.args))
			for _, a := range e.args {
				c.conn.WriteBulkString(a)
			}
			c.conn.WriteBulkString(e.addr)
			c.conn.WriteBulkString(e.name)
		}
	case equalFold(sub, "len") && len(args) == 2:
		c.conn.WriteInt64(int64(s.slow.len()))
	case equalFold(sub, "reset") && len(args) == 2:
		s.slow.reset()
		c.conn.WriteString("OK")
	case equalFold(sub, "help") && len(args) == 2:
		writeHelp(c, "SLOWLOG",
			"GET [<count>]",
			"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
			"    Entries are made of:",
			"    id, timestamp, time in microseconds, arguments array, client IP and port,",
			"    client name",
			"LEN",
			"    Return the length of the slowlog.",
			"RESET",
			"    Reset the slowlog.")
	case equalFold(sub, "len"), equalFold(sub, "reset"), equalFold(sub, "help"):
		c.conn.WriteError(errArity("slowlog|" + string(lowerASCII(sub))))
	default:
		c.conn.WriteError(errUnknownSubcommand("slowlog", sub))
	}
}
