package resp

import (
	"math"
	"strings"

	"github.com/nadb-server/nadb-server/engine"
)

func registerStringCommands(t commandTable) {
	ro := flagReadOnly | flagFast
	wr := flagWrite
	grow := flagWrite | flagDenyOOM // may take more memory
	one := keySpec{1, 1, 1}
	add := func(name string, arity int, flags cmdFlags, keys keySpec, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keys, group: "string", since: since, summary: summary, handler: h})
	}
	add("get", 2, ro, one, "1.0.0", "Returns the string value of a key.", cmdGet)
	add("set", -3, grow, one, "1.0.0", "Sets the string value of a key, ignoring its type.", cmdSet)
	add("setnx", 3, grow|flagFast, one, "1.0.0", "Set the string value of a key only when the key doesn't exist.", cmdSetNX)
	add("setex", 4, grow, one, "2.0.0", "Sets the string value and expiration time of a key.", cmdSetEx)
	add("psetex", 4, grow, one, "2.6.0", "Sets both string value and expiration time in milliseconds of a key.", cmdPSetEx)
	add("getset", 3, grow|flagFast, one, "1.0.0", "Returns the previous string value of a key after setting it to a new value.", cmdGetSet)
	add("getdel", 2, wr|flagFast, one, "6.2.0", "Returns the string value of a key after deleting the key.", cmdGetDel)
	add("getex", -2, wr|flagFast, one, "6.2.0", "Returns the string value of a key after setting its expiration time.", cmdGetEx)
	add("mget", -2, ro, keySpec{1, -1, 1}, "1.0.0", "Atomically returns the string values of one or more keys.", cmdMGet)
	add("mset", -3, grow, keySpec{1, -1, 2}, "1.0.1", "Atomically creates or modifies the string values of one or more keys.", cmdMSet)
	add("msetnx", -3, grow, keySpec{1, -1, 2}, "1.0.1", "Atomically modifies the string values of one or more keys only when all keys don't exist.", cmdMSetNX)
	add("append", 3, grow|flagFast, one, "2.0.0", "Appends a string to the value of a key. Creates the key if it doesn't exist.", cmdAppend)
	add("strlen", 2, ro, one, "2.2.0", "Returns the length of a string value.", cmdStrLen)
	add("incr", 2, grow|flagFast, one, "1.0.0", "Increments the integer value of a key by one.", cmdIncr)
	add("decr", 2, grow|flagFast, one, "1.0.0", "Decrements the integer value of a key by one.", cmdDecr)
	add("incrby", 3, grow|flagFast, one, "1.0.0", "Increments the integer value of a key by a number.", cmdIncrBy)
	add("decrby", 3, grow|flagFast, one, "1.0.0", "Decrements a number from the integer value of a key.", cmdDecrBy)
	add("incrbyfloat", 3, grow|flagFast, one, "2.6.0", "Increment the floating point value of a key by a number.", cmdIncrByFloat)
	add("getrange", 4, flagReadOnly, one, "2.4.0", "Returns a substring of the string stored at a key.", cmdGetRange)
	add("substr", 4, flagReadOnly, one, "1.0.0", "Returns a substring from a string value.", cmdGetRange)
	add("lcs", -3, flagReadOnly, keySpec{1, 2, 1}, "7.0.0", "Finds the longest common substring.", cmdLCS)
	add("setrange", 4, grow, one, "2.2.0", "Overwrites a part of a string value with another by an offset.", cmdSetRange)
}

func cmdGet(s *Server, c *client, args [][]byte) {
	// Copied under the engine lock into a buffer the client keeps: the
	// next SET of the key may write over the stored bytes.
	v, ok, err := c.eng.GetAppend(c.value[:0], c.DB(), string(args[1]))
	if cap(v) <= maxKeptValue {
		c.value = v[:0]
	} else {
		c.value = nil
	}
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	if !ok {
		c.conn.WriteNull()
		return
	}
	c.conn.WriteBulk(v)
}

// maxKeptValue bounds the buffer a client keeps between GETs.
const maxKeptValue = 64 << 10

// expireArg turns an EX/PX/EXAT/PXAT argument into milliseconds: a Unix
// time when absolute, otherwise a time from now that the engine adds to
// its own clock when it applies the change (SetOptions.Relative). It
// fails (ok false), as Redis does, on values that are not integers (isInt
// false), not positive, or that overflow once added to now.
func expireArg(now int64, b []byte, ms, absolute bool) (at int64, isInt, ok bool) {
	n, ok := parseInt(b)
	if !ok {
		return 0, false, false
	}
	if n <= 0 || (!ms && n > math.MaxInt64/1000) {
		return 0, true, false
	}
	if !ms {
		n *= 1000
	}
	if !absolute {
		if n > math.MaxInt64-now {
			return 0, true, false
		}
	}
	return n, true, true
}

// writeExpireError reports a bad expire argument of cmd.
func writeExpireError(c *client, cmd string, isInt bool) {
	if !isInt {
		c.conn.WriteError(errNotInteger)
		return
	}
	c.conn.WriteError(errInvalidExpire(cmd))
}

// strOptions are the options of SET (set) or GETEX: exp is the index of
// the expire option's word (EX, PX, EXAT or PXAT; 0 for none), its value
// after it.
type strOptions struct {
	nx, xx, get, keepTTL, persist bool
	exp                           int
}

// parseStrOptions reads SET's or GETEX's options from args[from:] as
// Redis does: an option may come again (the last expire value counts),
// an expire option excludes the other three and KEEPTTL (SET) or PERSIST
// (GETEX), and the expire value is read only after every option was.
func parseStrOptions(args [][]byte, from int, set bool) (o strOptions, ok bool) {
	for i := from; i < len(args); i++ {
		a := args[i]
		isExp := equalFold(a, "ex") || equalFold(a, "px") || equalFold(a, "exat") || equalFold(a, "pxat")
		switch {
		case set && equalFold(a, "nx") && !o.xx:
			o.nx = true
		case set && equalFold(a, "xx") && !o.nx:
			o.xx = true
		case set && equalFold(a, "get"):
			o.get = true
		case set && equalFold(a, "keepttl") && o.exp == 0:
			o.keepTTL = true
		case !set && equalFold(a, "persist") && o.exp == 0:
			o.persist = true
		case isExp && !o.keepTTL && !o.persist && i+1 < len(args) && (o.exp == 0 || equalFold(args[o.exp], strings.ToLower(string(a)))):
			o.exp = i
			i++
		default:
			return o, false
		}
	}
	return o, true
}

func cmdSet(s *Server, c *client, args [][]byte) {
	so, ok := parseStrOptions(args, 3, true)
	if !ok {
		c.conn.WriteError(errSyntax)
		return
	}
	o := engine.SetOptions{NX: so.nx, XX: so.xx, Get: so.get, KeepTTL: so.keepTTL}
	if so.exp > 0 {
		a := args[so.exp]
		ms, abs := a[0] == 'p' || a[0] == 'P', len(a) == 4
		// The clock is read only for a relative expiry: a plain SET
		// reads it once, in the engine.
		at, isInt, ok := expireArg(c.eng.NowMs(), args[so.exp+1], ms, abs)
		if !ok {
			writeExpireError(c, "set", isInt)
			return
		}
		o.ExpireAt, o.Relative = at, !abs
	}
	r := c.eng.Set(c.DB(), string(args[1]), args[2], o)
	switch {
	case r.Err != nil:
		c.conn.WriteError(errorText(r.Err))
	case o.Get && r.HadOld:
		c.conn.WriteBulk(r.Old)
	case o.Get || !r.Done:
		c.conn.WriteNull()
	default:
		okReply(c)
	}
}

func cmdSetNX(s *Server, c *client, args [][]byte) {
	r := c.eng.Set(c.DB(), string(args[1]), args[2], engine.SetOptions{NX: true})
	if r.Done {
		c.conn.WriteInt(1)
	} else {
		c.conn.WriteInt(0)
	}
}

func setWithExpire(s *Server, c *client, args [][]byte, ms bool, name string) {
	at, isInt, ok := expireArg(c.eng.NowMs(), args[2], ms, false)
	if !ok {
		writeExpireError(c, name, isInt)
		return
	}
	c.eng.Set(c.DB(), string(args[1]), args[3], engine.SetOptions{ExpireAt: at, Relative: true})
	okReply(c)
}

func cmdSetEx(s *Server, c *client, args [][]byte)  { setWithExpire(s, c, args, false, "setex") }
func cmdPSetEx(s *Server, c *client, args [][]byte) { setWithExpire(s, c, args, true, "psetex") }

func cmdGetSet(s *Server, c *client, args [][]byte) {
	r := c.eng.Set(c.DB(), string(args[1]), args[2], engine.SetOptions{Get: true})
	if r.Err != nil {
		c.conn.WriteError(errorText(r.Err))
		return
	}
	if r.HadOld {
		c.conn.WriteBulk(r.Old)
	} else {
		c.conn.WriteNull()
	}
}

func cmdGetDel(s *Server, c *client, args [][]byte) {
	v, ok, err := c.eng.GetDel(c.DB(), string(args[1]))
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	if !ok {
		c.conn.WriteNull()
		return
	}
	c.conn.WriteBulk(v)
}

func cmdGetEx(s *Server, c *client, args [][]byte) {
	// Like Redis: options are checked for syntax first, then a missing key
	// answers nil before the expire value is looked at.
	so, ok := parseStrOptions(args, 2, false)
	if !ok {
		c.conn.WriteError(errSyntax)
		return
	}
	ch := engine.ExpireChange{Persist: so.persist}
	expireArgAt := 0 // index of the EX/PX/EXAT/PXAT value, 0: none
	if so.exp > 0 {
		expireArgAt = so.exp + 1
	}
	key := string(args[1])
	if expireArgAt != 0 {
		typ, live := c.eng.LiveType(c.DB(), key)
		if !live {
			// Counted as the miss it is, once, as GetEx would.
			c.eng.Get(c.DB(), key)
			c.conn.WriteNull()
			return
		}
		if typ != engine.TypeString {
			// Redis checks the type before the expire value; GetEx counts
			// the read.
			_, _, err := c.eng.GetEx(c.DB(), key, engine.ExpireChange{})
			c.conn.WriteError(errorText(err))
			return
		}
		a := args[expireArgAt-1]
		ms := a[0] == 'p' || a[0] == 'P'
		at, isInt, ok := expireArg(c.eng.NowMs(), args[expireArgAt], ms, len(a) == 4)
		if !ok {
			writeExpireError(c, "getex", isInt)
			return
		}
		ch.Set, ch.At, ch.Relative = true, at, len(a) != 4
	}
	v, ok, err := c.eng.GetEx(c.DB(), key, ch)
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	if !ok {
		c.conn.WriteNull()
		return
	}
	c.conn.WriteBulk(v)
}

func keyStrings(args [][]byte) []string {
	keys := make([]string, len(args))
	for i, a := range args {
		keys[i] = string(a)
	}
	return keys
}

func cmdMGet(s *Server, c *client, args [][]byte) {
	vals := c.eng.MGet(c.DB(), keyStrings(args[1:]))
	c.conn.WriteArray(len(vals))
	for _, v := range vals {
		if v == nil {
			c.conn.WriteNull()
		} else {
			c.conn.WriteBulk(v)
		}
	}
}

func cmdMSet(s *Server, c *client, args [][]byte) {
	if len(args)%2 != 1 {
		c.conn.WriteError(errArity("mset"))
		return
	}
	c.eng.MSet(c.DB(), args[1:], false)
	okReply(c)
}

func cmdMSetNX(s *Server, c *client, args [][]byte) {
	if len(args)%2 != 1 {
		c.conn.WriteError(errArity("msetnx"))
		return
	}
	if c.eng.MSet(c.DB(), args[1:], true) {
		c.conn.WriteInt(1)
	} else {
		c.conn.WriteInt(0)
	}
}

func cmdAppend(s *Server, c *client, args [][]byte) {
	n, err := c.eng.Append(c.DB(), string(args[1]), args[2])
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	c.conn.WriteInt(n)
}

func cmdStrLen(s *Server, c *client, args [][]byte) {
	n, err := c.eng.StrLen(c.DB(), string(args[1]))
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	c.conn.WriteInt(n)
}

func incrBy(s *Server, c *client, key []byte, delta int64) {
	n, err := c.eng.IncrBy(c.DB(), string(key), delta)
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	c.conn.WriteInt64(n)
}

func cmdIncr(s *Server, c *client, args [][]byte) { incrBy(s, c, args[1], 1) }
func cmdDecr(s *Server, c *client, args [][]byte) { incrBy(s, c, args[1], -1) }

func cmdIncrBy(s *Server, c *client, args [][]byte) {
	n, ok := parseInt(args[2])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	incrBy(s, c, args[1], n)
}

func cmdDecrBy(s *Server, c *client, args [][]byte) {
	n, ok := parseInt(args[2])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	if n == math.MinInt64 {
		c.conn.WriteError(errDecrOverflow)
		return
	}
	incrBy(s, c, args[1], -n)
}

func cmdIncrByFloat(s *Server, c *client, args [][]byte) {
	v, err := c.eng.IncrByFloat(c.DB(), string(args[1]), args[2])
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	c.conn.WriteBulk(v)
}

func cmdGetRange(s *Server, c *client, args [][]byte) {
	start, ok1 := parseInt(args[2])
	end, ok2 := parseInt(args[3])
	if !ok1 || !ok2 {
		c.conn.WriteError(errNotInteger)
		return
	}
	v, err := c.eng.GetRange(c.DB(), string(args[1]), start, end)
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	if v == nil {
		c.conn.WriteBulkString("")
		return
	}
	c.conn.WriteBulk(v)
}

func cmdSetRange(s *Server, c *client, args [][]byte) {
	off, ok := parseInt(args[2])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	if off < 0 {
		c.conn.WriteError(errOffsetRange)
		return
	}
	n, err := c.eng.SetRange(c.DB(), string(args[1]), off, args[3])
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	c.conn.WriteInt(n)
}
