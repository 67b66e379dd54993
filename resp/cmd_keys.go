package resp

import (
	"bytes"
	"math"
	"strconv"

	"github.com/nadb-server/nadb-server/engine"
)

func registerKeyCommands(t commandTable) {
	one := keySpec{1, 1, 1}
	all := keySpec{1, -1, 1}
	add := func(name string, arity int, flags cmdFlags, keys keySpec, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keys, group: "generic", since: since, summary: summary, handler: h})
	}
	ro := flagReadOnly | flagFast
	wf := flagWrite | flagFast
	add("del", -2, flagWrite, all, "1.0.0", "Deletes one or more keys.", cmdDel)
	add("unlink", -2, wf, all, "4.0.0", "Asynchronously deletes one or more keys.", cmdDel)
	add("exists", -2, ro, all, "1.0.0", "Determines whether one or more keys exist.", cmdExists)
	add("type", 2, ro, one, "1.0.0", "Determines the type of value stored at a key.", cmdType)
	add("keys", 2, flagReadOnly, keySpec{}, "1.0.0", "Returns all key names that match a pattern.", cmdKeys)
	add("scan", -2, flagReadOnly, keySpec{}, "2.8.0", "Iterates over the key names in the database.", cmdScan)
	add("randomkey", 1, flagReadOnly, keySpec{}, "1.0.0", "Returns a random key name from the database.", cmdRandomKey)
	add("rename", 3, flagWrite, keySpec{1, 2, 1}, "1.0.0", "Renames a key and overwrites the destination.", cmdRename)
	add("renamenx", 3, wf, keySpec{1, 2, 1}, "1.0.0", "Renames a key only when the target key name doesn't exist.", cmdRenameNX)
	add("expire", -3, wf, one, "1.0.0", "Sets the expiration time of a key in seconds.", cmdExpire)
	add("pexpire", -3, wf, one, "2.6.0", "Sets the expiration time of a key in milliseconds.", cmdPExpire)
	add("expireat", -3, wf, one, "1.2.0", "Sets the expiration time of a key to a Unix timestamp.", cmdExpireAt)
	add("pexpireat", -3, wf, one, "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.", cmdPExpireAt)
	add("ttl", 2, ro, one, "1.0.0", "Returns the expiration time in seconds of a key.", cmdTTL)
	add("pttl", 2, ro, one, "2.6.0", "Returns the expiration time in milliseconds of a key.", cmdPTTL)
	add("expiretime", 2, ro, one, "7.0.0", "Returns the expiration time of a key as a Unix timestamp.", cmdExpireTime)
	add("pexpiretime", 2, ro, one, "7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp.", cmdPExpireTime)
	add("persist", 2, wf, one, "2.2.0", "Removes the expiration time of a key.", cmdPersist)
	add("touch", -2, ro, all, "3.2.1", "Returns the number of existing keys out of those specified after updating the time they were last accessed.", cmdTouch)
	add("move", 3, wf, one, "1.0.0", "Moves a key to another database.", cmdMove)
	t.add(command{name: "swapdb", arity: 3, flags: flagWrite | flagFast, group: "server", since: "4.0.0", summary: "Swaps two Redis databases.", handler: cmdSwapDB})
	add("copy", -3, flagWrite|flagDenyOOM, keySpec{1, 2, 1}, "6.2.0", "Copies the value of a key to a new key.", cmdCopy)
	add("object", -2, 0, keySpec{}, "2.2.3", "A container for object introspection commands.", cmdObject)
}

func cmdDel(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt(c.eng.Del(c.DB(), keyStrings(args[1:])))
}

func cmdExists(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt(c.eng.Exists(c.DB(), keyStrings(args[1:])))
}

func cmdTouch(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt(c.eng.Touch(c.DB(), keyStrings(args[1:])))
}

func cmdType(s *Server, c *client, args [][]byte) {
	c.conn.WriteString(c.eng.Type(c.DB(), string(args[1])))
}

func cmdKeys(s *Server, c *client, args [][]byte) {
	writeAny(c.conn, c.eng.Keys(c.DB(), string(args[1])))
}

// parseScanCursor reads a SCAN-family cursor as Redis does, answering a
// bad one (ok false): like strtoul, a negative one is taken modulo 2^64.
func parseScanCursor(c *client, arg []byte) (uint64, bool) {
	v, ok := strtoul(arg)
	if !ok {
		c.conn.WriteError(errInvalidCursor)
	}
	return v, ok
}

// strtoul reads a cursor as Redis does with C's strtoul: the argument is
// a C string (it ends at a NUL), a leading blank is refused, a sign may
// come first (a '-' negates modulo 2^64), no digits at all reads 0 when
// nothing follows, and a value past 2^64-1 is refused.
func strtoul(arg []byte) (uint64, bool) {
	if i := bytes.IndexByte(arg, 0); i >= 0 {
		arg = arg[:i]
	}
	if len(arg) == 0 {
		return 0, true
	}
	if isBlank(arg[0]) {
		return 0, false
	}
	return engine.ParseSignedUint(arg)
}

func cmdScan(s *Server, c *client, args [][]byte) {
	cursor, ok := parseScanCursor(c, args[1])
	if !ok {
		return
	}
	pattern, count, typ, ok := scanOptions(c, args[2:], true)
	if !ok {
		return
	}
	next, keys := c.eng.Scan(c.DB(), cursor, pattern, count, typ)
	c.conn.WriteArray(2)
	c.conn.WriteBulkString(strconv.FormatUint(next, 10))
	writeAny(c.conn, keys)
}

// scanOptionsAfterKey reads HSCAN's, SSCAN's or ZSCAN's options once the
// key is known to hold a value of type want: Redis looks the key up
// first, so a missing key answers an empty scan and a key of another
// type WRONGTYPE whatever the options say (the scan itself then answers,
// counting the read).
func scanOptionsAfterKey(c *client, key []byte, want engine.ValueType, opts [][]byte) (pattern string, count int, ok bool) {
	if typ, live := c.eng.LiveType(c.DB(), string(key)); !live || typ != want {
		return "*", 10, true
	}
	pattern, count, _, ok = scanOptions(c, opts, false)
	return pattern, count, ok
}

// scanOptions reads the MATCH and COUNT options of SCAN and its cousins,
// and TYPE when withType is set, answering a bad one with Redis's error (ok
// false). No MATCH is MATCH "*", which matches every key, the empty one too
// (engine.scanMatch).
func scanOptions(c *client, opts [][]byte, withType bool) (pattern string, count int, typ string, ok bool) {
	pattern, count = "*", 10
	for i := 0; i < len(opts); i += 2 {
		if i+1 >= len(opts) {
			c.conn.WriteError(errSyntax)
			return "", 0, "", false
		}
		v := opts[i+1]
		switch {
		case equalFold(opts[i], "match"):
			pattern = string(v)
		case equalFold(opts[i], "count"):
			n, isInt := parseInt(v)
			if !isInt {
				c.conn.WriteError(errNotInteger)
				return "", 0, "", false
			}
			if n < 1 {
				c.conn.WriteError(errSyntax)
				return "", 0, "", false
			}
			count = int(min(n, math.MaxInt32))
		case withType && equalFold(opts[i], "type"):
			typ = string(v)
		default:
			c.conn.WriteError(errSyntax)
			return "", 0, "", false
		}
	}
	return pattern, count, typ, true
}

func cmdRandomKey(s *Server, c *client, args [][]byte) {
	k, ok := c.eng.RandomKey(c.DB())
	if !ok {
		c.conn.WriteNull()
		return
	}
	c.conn.WriteBulkString(k)
}

func cmdRename(s *Server, c *client, args [][]byte) {
	if _, err := c.eng.Rename(c.DB(), string(args[1]), string(args[2]), false); err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	okReply(c)
}

func cmdRenameNX(s *Server, c *client, args [][]byte) {
	ok, err := c.eng.Rename(c.DB(), string(args[1]), string(args[2]), true)
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	c.conn.WriteInt(boolInt(ok))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// expireGeneric runs EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT.
func expireGeneric(s *Server, c *client, args [][]byte, name string, ms, absolute bool) {
	var nx, xx, gt, lt bool
	for _, a := range args[3:] {
		switch {
		case equalFold(a, "nx"):
			nx = true
		case equalFold(a, "xx"):
			xx = true
		case equalFold(a, "gt"):
			gt = true
		case equalFold(a, "lt"):
			lt = true
		default:
			c.conn.WriteError(errUnsupportedOption(a))
			return
		}
	}
	if nx && (xx || gt || lt) {
		c.conn.WriteError(errExpireOptions)
		return
	}
	if gt && lt {
		c.conn.WriteError(errGTAndLT)
		return
	}
	// The options are checked before the time, as Redis does.
	n, ok := parseInt(args[2])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	cond := engine.ExpireAlways
	for _, f := range []struct {
		on bool
		c  engine.ExpireCond
	}{{nx, engine.ExpireNX}, {xx, engine.ExpireXX}, {gt, engine.ExpireGT}, {lt, engine.ExpireLT}} {
		if f.on {
			cond |= f.c
		}
	}
	if !ms {
		if n > math.MaxInt64/1000 || n < math.MinInt64/1000 {
			c.conn.WriteError(errInvalidExpire(name))
			return
		}
		n *= 1000
	}
	if !absolute {
		now := c.eng.NowMs()
		// now is positive: only a positive n can overflow.
		if n > 0 && n > math.MaxInt64-now {
			c.conn.WriteError(errInvalidExpire(name))
			return
		}
		// Added to the engine's own time when it applies the change.
		c.conn.WriteInt(boolInt(c.eng.ExpireIn(c.DB(), string(args[1]), n, cond)))
		return
	}
	c.conn.WriteInt(boolInt(c.eng.Expire(c.DB(), string(args[1]), n, cond)))
}

func cmdExpire(s *Server, c *client, args [][]byte) {
	expireGeneric(s, c, args, "expire", false, false)
}
func cmdPExpire(s *Server, c *client, args [][]byte) {
	expireGeneric(s, c, args, "pexpire", true, false)
}
func cmdExpireAt(s *Server, c *client, args [][]byte) {
	expireGeneric(s, c, args, "expireat", false, true)
}
func cmdPExpireAt(s *Server, c *client, args [][]byte) {
	expireGeneric(s, c, args, "pexpireat", true, true)
}

// toSeconds rounds milliseconds to the nearest second as Redis's TTL does,
// leaving the -1 and -2 markers alone.
func toSeconds(ms int64) int64 {
	if ms < 0 {
		return ms
	}
	return (ms + 500) / 1000
}

func cmdTTL(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt64(toSeconds(c.eng.TTL(c.DB(), string(args[1]))))
}

func cmdPTTL(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt64(c.eng.TTL(c.DB(), string(args[1])))
}

func cmdExpireTime(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt64(toSeconds(c.eng.ExpireTime(c.DB(), string(args[1]))))
}

func cmdPExpireTime(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt64(c.eng.ExpireTime(c.DB(), string(args[1])))
}

func cmdPersist(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt(boolInt(c.eng.Persist(c.DB(), string(args[1]))))
}

// dbArg parses a database index argument: an integer within a C int, as
// Redis reads it, then a database.
func dbArg(s *Server, c *client, b []byte) (int, bool) {
	n, ok := parseInt(b)
	switch {
	case !ok:
		c.conn.WriteError(errNotInteger)
		return 0, false
	case n < math.MinInt32 || n > math.MaxInt32:
		c.conn.WriteError(errIntRange)
		return 0, false
	}
	if !c.eng.ValidDB(int(n)) || n >= int64(c.eng.Databases()) {
		c.conn.WriteError(errDBIndex)
		return 0, false
	}
	return int(n), true
}

func cmdMove(s *Server, c *client, args [][]byte) {
	dst, ok := dbArg(s, c, args[2])
	if !ok {
		return
	}
	moved, err := c.eng.Move(c.DB(), string(args[1]), dst)
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	c.conn.WriteInt(boolInt(moved))
}

func cmdSwapDB(s *Server, c *client, args [][]byte) {
	// Both indexes are read (as C ints) before either is checked, as Redis
	// does.
	var dbs [2]int64
	for i, text := range [2]string{errFirstDBIndex, errSecondDBIndex} {
		n, ok := parseInt(args[1+i])
		if !ok || n < math.MinInt32 || n > math.MaxInt32 {
			c.conn.WriteError(text)
			return
		}
		dbs[i] = n
	}
	for _, n := range dbs {
		if !c.eng.ValidDB(int(n)) {
			c.conn.WriteError(errDBIndex)
			return
		}
	}
	c.eng.SwapDB(int(dbs[0]), int(dbs[1]))
	okReply(c)
}

func cmdCopy(s *Server, c *client, args [][]byte) {
	dstDB := c.DB()
	replace := false
	for i := 3; i < len(args); i++ {
		switch {
		case equalFold(args[i], "replace"):
			replace = true
		case equalFold(args[i], "db") && i+1 < len(args):
			d, ok := dbArg(s, c, args[i+1])
			if !ok {
				return
			}
			dstDB = d
			i++
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	done, err := c.eng.Copy(c.DB(), string(args[1]), dstDB, string(args[2]), replace)
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	c.conn.WriteInt(boolInt(done))
}

func cmdObject(s *Server, c *client, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "encoding") && len(args) == 3:
		enc, ok := c.eng.Encoding(c.DB(), string(args[2]))
		if !ok {
			c.conn.WriteNull()
			return
		}
		c.conn.WriteBulkString(enc)
	case equalFold(sub, "refcount") && len(args) == 3:
		n, ok := c.eng.RefCount(c.DB(), string(args[2]))
		if !ok {
			c.conn.WriteNull()
			return
		}
		c.conn.WriteInt64(n)
	case equalFold(sub, "freq") && len(args) == 3:
		f, found, err := c.eng.Freq(c.DB(), string(args[2]))
		writeObjectInt(c, int64(f), found, err)
	case equalFold(sub, "idletime") && len(args) == 3:
		secs, found, err := c.eng.IdleTime(c.DB(), string(args[2]))
		writeObjectInt(c, secs, found, err)
	case equalFold(sub, "help") && len(args) == 2:
		writeHelp(c, "OBJECT",
			"ENCODING <key>",
			"    Return the kind of internal representation used in order to store the value",
			"    associated with a <key>.",
			"FREQ <key>",
			"    Return the access frequency index of the <key>. The returned integer is",
			"    proportional to the logarithm of the recent access frequency of the key.",
			"IDLETIME <key>",
			"    Return the idle time of the <key>, that is the approximated number of",
			"    seconds elapsed since the last access to the key.",
			"REFCOUNT <key>",
			"    Return the number of references of the value associated with the specified",
			"    <key>.")
	case equalFold(sub, "encoding"), equalFold(sub, "refcount"), equalFold(sub, "idletime"), equalFold(sub, "freq"),
		equalFold(sub, "help"):
		c.conn.WriteError(errArity("object|" + string(lowerASCII(sub))))
	default:
		c.conn.WriteError(errUnknownSubcommand("object", sub))
	}
}

// writeObjectInt answers OBJECT FREQ or IDLETIME: nil for a missing key,
// then the policy's error, then n.
func writeObjectInt(c *client, n int64, found bool, err error) {
	switch {
	case !found:
		c.conn.WriteNull()
	case err != nil:
		c.conn.WriteError(errorText(err))
	default:
		c.conn.WriteInt64(n)
	}
}

func lowerASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		out[i] = ch
	}
	return out
}
