package resp

import (
	"bufio"
	"net"
	"strconv"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/engine/rdb"
)

func registerDumpCommands(t commandTable) {
	add := func(name string, arity int, flags cmdFlags, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keySpec{1, 1, 1}, group: "generic", since: since, summary: summary, handler: h})
	}
	add("dump", 2, flagReadOnly, "2.6.0", "Returns a serialized representation of the value stored at a key.", cmdDump)
	add("restore", -4, flagWrite|flagDenyOOM, "2.6.0", "Creates a key from the serialized representation of a value.", cmdRestore)
	t.add(command{name: "migrate", arity: -6, flags: flagWrite | flagMovableKeys, keys: keySpec{3, 3, 1}, group: "generic", since: "2.6.0",
		summary: "Atomically transfers a key from one Redis instance to another.", handler: cmdMigrate})
}

// cmdDump answers the value of a key in Redis's DUMP format (package
// rdb), which RESTORE here or in Redis reads back.
func cmdDump(s *Server, c *client, args [][]byte) {
	it, enc, ok := c.eng.Dump(c.DB(), string(args[1]))
	if !ok {
		c.conn.WriteNull()
		return
	}
	p, err := rdb.Encode(nil, &it, enc)
	if err != nil {
		c.conn.WriteError(sanitize("ERR " + err.Error()))
		return
	}
	c.conn.WriteBulk(p)
}

// cmdRestore is RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME
// seconds] [FREQ frequency], checking its arguments in Redis's order:
// options, an existing key, the TTL, the payload's footer, its object.
func cmdRestore(s *Server, c *client, args [][]byte) {
	o := engine.RestoreOptions{IdleSecs: -1, Freq: -1}
	absTTL := false
	for i := 4; i < len(args); i++ {
		more := i+1 < len(args)
		switch {
		case equalFold(args[i], "replace"):
			o.Replace = true
		case equalFold(args[i], "absttl"):
			absTTL = true
		case equalFold(args[i], "idletime") && more && o.Freq < 0:
			v, ok := parseInt(args[i+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			if v < 0 {
				c.conn.WriteError(errRestoreIdle)
				return
			}
			o.IdleSecs = v
			i++
		case equalFold(args[i], "freq") && more && o.IdleSecs < 0:
			v, ok := parseInt(args[i+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			if v < 0 || v > 255 {
				c.conn.WriteError(errRestoreFreq)
				return
			}
			o.Freq = int(v)
			i++
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	key := string(args[1])
	if !o.Replace && c.eng.Live(c.DB(), key) {
		c.conn.WriteError(errBusyKey)
		return
	}
	ttl, ok := parseInt(args[2])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	if ttl < 0 {
		c.conn.WriteError(errRestoreTTL)
		return
	}
	typ, val, err := rdb.Decode(args[3])
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	it := engine.Item{DB: c.DB(), Key: key, Type: typ, Value: val, ExpireAt: ttl}
	if ttl != 0 && !absTTL {
		it.ExpireAt = c.eng.NowMs() + ttl
	}
	if err := c.eng.Restore(&it, o); err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	okReply(c)
}

// migration is what MIGRATE sends: the keys found, their payloads and
// the RESTORE commands that carry them, after AUTH and SELECT.
type migration struct {
	keys    []string
	request []byte
	auth    bool
}

// cmdMigrate is MIGRATE host port key|"" destination-db timeout [COPY]
// [REPLACE] [AUTH password | AUTH2 username password] [KEYS key ...]: it
// sends the keys of the client's database that exist, each as RESTORE
// with its remaining time to live and its DUMP payload, and deletes
// those the target took (unless COPY), as Redis does. The keys are read
// before the target is dialled and deleted after it answered, without
// holding the keyspace in between (Redis blocks the whole server), so a
// key written meanwhile is deleted with the value the write left.
func cmdMigrate(s *Server, c *client, args [][]byte) {
	var copyKeys, replace bool
	var user, pass []byte
	keys := args[3:4]
	for i := 6; i < len(args); i++ {
		more := len(args) - 1 - i
		switch {
		case equalFold(args[i], "copy"):
			copyKeys = true
		case equalFold(args[i], "replace"):
			replace = true
		case equalFold(args[i], "auth") && more >= 1:
			pass = args[i+1]
			i++
		case equalFold(args[i], "auth2") && more >= 2:
			user, pass = args[i+1], args[i+2]
			i += 2
		case equalFold(args[i], "keys"):
			if len(args[3]) != 0 {
				c.conn.WriteError(errMigrateKeys)
				return
			}
			keys = args[i+1:]
			i = len(args)
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	timeoutMs, ok1 := parseInt(args[5])
	dbid, ok2 := parseInt(args[4])
	if !ok1 || !ok2 {
		c.conn.WriteError(errNotInteger)
		return
	}
	if timeoutMs <= 0 {
		timeoutMs = 1000
	}
	m, err := migrationOf(c, keys, dbid, replace, user, pass)
	if err != nil {
		c.conn.WriteError(sanitize("ERR " + err.Error()))
		return
	}
	if len(m.keys) == 0 {
		c.conn.WriteString("NOKEY")
		return
	}
	moved, reply := m.send(s, net.JoinHostPort(string(args[1]), string(args[2])), time.Duration(timeoutMs)*time.Millisecond)
	if !copyKeys && len(moved) > 0 {
		c.eng.Del(c.DB(), moved)
	}
	if reply != "" {
		c.conn.WriteError(reply)
		return
	}
	okReply(c)
}

// migrationOf builds the request for the keys that exist.
func migrationOf(c *client, keys [][]byte, dbid int64, replace bool, user, pass []byte) (*migration, error) {
	m := &migration{auth: pass != nil}
	var req []byte
	if pass != nil {
		if user != nil {
			req = appendCommand(req, []byte("AUTH"), user, pass)
		} else {
			req = appendCommand(req, []byte("AUTH"), pass)
		}
	}
	req = appendCommand(req, []byte("SELECT"), strconv.AppendInt(nil, dbid, 10))
	now := c.eng.NowMs()
	for _, k := range keys {
		it, enc, ok := c.eng.Dump(c.DB(), string(k))
		if !ok {
			continue
		}
		ttl := int64(0)
		if it.ExpireAt != 0 {
			if ttl = it.ExpireAt - now; ttl < 0 {
				continue
			}
			ttl = max(ttl, 1)
		}
		payload, err := rdb.Encode(nil, &it, enc)
		if err != nil {
			return nil, err
		}
		parts := [][]byte{[]byte("RESTORE"), k, strconv.AppendInt(nil, ttl, 10), payload}
		if replace {
			parts = append(parts, []byte("REPLACE"))
		}
		req = appendCommand(req, parts...)
		m.keys = append(m.keys, string(k))
	}
	m.request = req
	return m, nil
}

// appendCommand appends a command as a RESP array of bulk strings.
func appendCommand(dst []byte, parts ...[]byte) []byte {
	dst = strconv.AppendInt(append(dst, '*'), int64(len(parts)), 10)
	dst = append(dst, "\r\n"...)
	for _, p := range parts {
		dst = strconv.AppendInt(append(dst, '$'), int64(len(p)), 10)
		dst = append(dst, "\r\n"...)
		dst = append(append(dst, p...), "\r\n"...)
	}
	return dst
}

// send sends the request to addr and reads the replies: the keys the
// target restored, and the error to answer ("" for none). An error of
// the target (to AUTH, SELECT or a RESTORE) is reported once, with the
// first one's text, as Redis reports it.
func (m *migration) send(s *Server, addr string, timeout time.Duration) (moved []string, reply string) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		// Redis's connect does not wait for the outcome: a refused or
		// timed out connection fails its first write.
		return nil, errMigrateWrite
	}
	defer conn.Close()
	if s.ownAddr(conn) {
		// This server itself: Redis, blocked in MIGRATE, cannot answer
		// and times out reading. Here it could, and REPLACE would then
		// restore the keys over themselves before they are deleted.
		return nil, errMigrateRead
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(m.request); err != nil {
		return nil, errMigrateWrite
	}
	r := bufio.NewReader(conn)
	line := func() (string, bool) {
		_ = conn.SetReadDeadline(time.Now().Add(timeout))
		l, err := r.ReadString('\n')
		if err != nil {
			return "", false
		}
		return trimCRLF(l), true
	}
	var first string // the target's first error
	heads := 1       // SELECT's reply, and AUTH's
	if m.auth {
		heads++
	}
	for range heads {
		l, ok := line()
		if !ok {
			return nil, errMigrateRead
		}
		if first == "" && len(l) > 0 && l[0] == '-' {
			first = l
		}
	}
	headFailed := first != "" // then no RESTORE counts, as in Redis
	for _, k := range m.keys {
		l, ok := line()
		if !ok {
			if first != "" {
				return moved, errMigrateTarget(first[1:])
			}
			return moved, errMigrateRead
		}
		switch {
		case len(l) > 0 && l[0] == '-':
			if first == "" {
				first = l
			}
		case !headFailed:
			// A key the target took is moved even after another's error.
			moved = append(moved, k)
		}
	}
	if first != "" {
		return moved, errMigrateTarget(first[1:])
	}
	return moved, ""
}

func trimCRLF(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// ownAddr reports whether conn, dialled from here, reached one of this
// server's own listeners: the same address and port as one of them (or
// any address of this host, for a listener on all of them).
func (s *Server) ownAddr(conn net.Conn) bool {
	remote, ok1 := conn.RemoteAddr().(*net.TCPAddr)
	local, ok2 := conn.LocalAddr().(*net.TCPAddr)
	if !ok1 || !ok2 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ln := range s.lns {
		la, ok := ln.Addr().(*net.TCPAddr)
		if ok && la.Port == remote.Port && (la.IP.Equal(remote.IP) || (la.IP.IsUnspecified() && remote.IP.Equal(local.IP))) {
			return true
		}
	}
	return false
}
