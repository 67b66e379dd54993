package resp

import (
	"github.com/nadb-server/nadb-server/engine"
	"math"
	"strconv"
)

func registerHashCommands(t commandTable) {
	ro := flagReadOnly | flagFast
	grow := flagWrite | flagDenyOOM | flagFast
	one := keySpec{1, 1, 1}
	add := func(name string, arity int, flags cmdFlags, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: one, group: "hash", since: since, summary: summary, handler: h})
	}
	add("hset", -4, grow, "2.0.0", "Creates or modifies the value of a field in a hash.", cmdHSet)
	add("hmset", -4, grow, "2.0.0", "Sets the values of multiple fields.", cmdHMSet)
	add("hsetnx", 4, grow, "2.0.0", "Sets the value of a field in a hash only when the field doesn't exist.", cmdHSetNX)
	add("hget", 3, ro, "2.0.0", "Returns the value of a field in a hash.", cmdHGet)
	add("hmget", -3, ro, "2.0.0", "Returns the values of all fields in a hash.", cmdHMGet)
	add("hgetall", 2, flagReadOnly, "2.0.0", "Returns all fields and values in a hash.", cmdHGetAll)
	add("hkeys", 2, flagReadOnly, "2.0.0", "Returns all fields in a hash.", cmdHKeys)
	add("hvals", 2, flagReadOnly, "2.0.0", "Returns all values in a hash.", cmdHVals)
	add("hdel", -3, flagWrite|flagFast, "2.0.0", "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", cmdHDel)
	add("hlen", 2, ro, "2.0.0", "Returns the number of fields in a hash.", cmdHLen)
	add("hexists", 3, ro, "2.0.0", "Determines whether a field exists in a hash.", cmdHExists)
	add("hstrlen", 3, ro, "3.2.0", "Returns the length of the value of a field.", cmdHStrLen)
	add("hincrby", 4, grow, "2.0.0", "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", cmdHIncrBy)
	add("hincrbyfloat", 4, grow, "2.6.0", "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", cmdHIncrByFloat)
	add("hrandfield", -2, flagReadOnly, "6.2.0", "Returns one or more random fields from a hash.", cmdHRandField)
	add("hscan", -3, flagReadOnly, "2.8.0", "Iterates over fields and values of a hash.", cmdHScan)
}

// writeErr answers with err's Redis text and reports whether there was one.
func writeErr(c *client, err error) bool {
	if err != nil {
		c.conn.WriteError(errorText(err))
	}
	return err != nil
}

func hset(c *client, args [][]byte, name string) (int, bool) {
	if len(args)%2 != 0 {
		c.conn.WriteError(errArity(name))
		return 0, false
	}
	n, err := c.eng.HSet(c.DB(), string(args[1]), args[2:], false)
	return n, !writeErr(c, err)
}

func cmdHSet(s *Server, c *client, args [][]byte) {
	if n, ok := hset(c, args, "hset"); ok {
		c.conn.WriteInt(n)
	}
}

func cmdHMSet(s *Server, c *client, args [][]byte) {
	if _, ok := hset(c, args, "hmset"); ok {
		okReply(c)
	}
}

func cmdHSetNX(s *Server, c *client, args [][]byte) {
	n, err := c.eng.HSet(c.DB(), string(args[1]), args[2:4], true)
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdHGet(s *Server, c *client, args [][]byte) {
	v, ok, err := c.eng.HGet(c.DB(), string(args[1]), args[2])
	switch {
	case writeErr(c, err):
	case !ok:
		c.conn.WriteNull()
	default:
		c.conn.WriteBulkString(v)
	}
}

func cmdHMGet(s *Server, c *client, args [][]byte) {
	vals, ok, err := c.eng.HMGet(c.DB(), string(args[1]), args[2:])
	if writeErr(c, err) {
		return
	}
	c.conn.WriteArray(len(vals))
	for i, v := range vals {
		if ok[i] {
			c.conn.WriteBulkString(v)
		} else {
			c.conn.WriteNull()
		}
	}
}

// writeStrings writes an array of bulk strings.
func writeStrings(c *client, ss []string) {
	c.conn.WriteArray(len(ss))
	for _, v := range ss {
		c.conn.WriteBulkString(v)
	}
}

func cmdHGetAll(s *Server, c *client, args [][]byte) {
	pairs, err := c.eng.HGetAll(c.DB(), string(args[1]))
	if writeErr(c, err) {
		return
	}
	c.conn.WriteMap(len(pairs) / 2)
	for _, v := range pairs {
		c.conn.WriteBulkString(v)
	}
}

// hashHalf answers HKEYS (half 0) or HVALS (half 1).
func hashHalf(c *client, args [][]byte, half int) {
	pairs, err := c.eng.HGetAll(c.DB(), string(args[1]))
	if writeErr(c, err) {
		return
	}
	c.conn.WriteArray(len(pairs) / 2)
	for i := half; i < len(pairs); i += 2 {
		c.conn.WriteBulkString(pairs[i])
	}
}

func cmdHKeys(s *Server, c *client, args [][]byte) { hashHalf(c, args, 0) }
func cmdHVals(s *Server, c *client, args [][]byte) { hashHalf(c, args, 1) }

func cmdHDel(s *Server, c *client, args [][]byte) {
	n, err := c.eng.HDel(c.DB(), string(args[1]), args[2:])
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdHLen(s *Server, c *client, args [][]byte) {
	n, err := c.eng.HLen(c.DB(), string(args[1]))
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdHExists(s *Server, c *client, args [][]byte) {
	ok, err := c.eng.HExists(c.DB(), string(args[1]), args[2])
	switch {
	case writeErr(c, err):
	case ok:
		c.conn.WriteInt(1)
	default:
		c.conn.WriteInt(0)
	}
}

func cmdHStrLen(s *Server, c *client, args [][]byte) {
	n, err := c.eng.HStrLen(c.DB(), string(args[1]), args[2])
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdHIncrBy(s *Server, c *client, args [][]byte) {
	delta, ok := parseInt(args[3])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	n, err := c.eng.HIncrBy(c.DB(), string(args[1]), args[2], delta)
	if !writeErr(c, err) {
		c.conn.WriteInt64(n)
	}
}

func cmdHIncrByFloat(s *Server, c *client, args [][]byte) {
	v, err := c.eng.HIncrByFloat(c.DB(), string(args[1]), args[2], args[3])
	if !writeErr(c, err) {
		c.conn.WriteBulk(v)
	}
}

// maxRandCount bounds HRANDFIELD's count: Redis 7.0 refuses a negative
// count below -LONG_MAX/2 with WITHVALUES, and without it tries to build a
// reply of any size (and dies for the largest); this server refuses any
// count whose reply could not be built.
const maxRandCount = 1 << 31

func cmdHRandField(s *Server, c *client, args [][]byte) {
	key := string(args[1])
	if len(args) == 2 {
		fields, err := c.eng.HRandField(c.DB(), key, 1, false)
		switch {
		case writeErr(c, err):
		case len(fields) == 0:
			c.conn.WriteNull()
		default:
			c.conn.WriteBulkString(fields[0])
		}
		return
	}
	// Redis reads the count before the rest.
	count, ok := parseInt(args[2])
	withValues := len(args) == 4
	switch {
	case !ok:
		c.conn.WriteError(errNotInteger)
		return
	case count == math.MinInt64:
		c.conn.WriteError(errCountRange)
		return
	case len(args) > 4 || (len(args) == 4 && !equalFold(args[3], "withvalues")):
		c.conn.WriteError(errSyntax)
		return
	case withValues && (count < -math.MaxInt64/2 || count > math.MaxInt64/2), count < -maxRandCount:
		c.conn.WriteError(errValueRange)
		return
	}
	out, err := c.eng.HRandField(c.DB(), key, count, withValues)
	if writeErr(c, err) {
		return
	}
	if !withValues {
		writeStrings(c, out)
		return
	}
	if !c.resp3() {
		writeStrings(c, out)
		return
	}
	c.conn.WriteArray(len(out) / 2)
	for i := 0; i < len(out); i += 2 {
		c.conn.WriteArray(2)
		c.conn.WriteBulkString(out[i])
		c.conn.WriteBulkString(out[i+1])
	}
}

func cmdHScan(s *Server, c *client, args [][]byte) {
	cursor, ok := parseScanCursor(c, args[2])
	if !ok {
		return
	}
	pattern, count, ok := scanOptionsAfterKey(c, args[1], engine.TypeHash, args[3:])
	if !ok {
		return
	}
	next, out, err := c.eng.HScan(c.DB(), string(args[1]), cursor, pattern, count)
	if writeErr(c, err) {
		return
	}
	c.conn.WriteArray(2)
	c.conn.WriteBulkString(strconv.FormatUint(next, 10))
	writeStrings(c, out)
}
