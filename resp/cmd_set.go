package resp

import (
	"math"
	"strconv"

	"github.com/nadb-server/nadb-server/engine"
)

// registerSetCommands adds the set commands, with Redis 7.0's arity,
// flags and key positions.
func registerSetCommands(t commandTable) {
	one, all, two := keySpec{1, 1, 1}, keySpec{1, -1, 1}, keySpec{1, 2, 1}
	add := func(name string, arity int, flags cmdFlags, keys keySpec, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keys, group: "set", since: since, summary: summary, handler: h})
	}
	ro, store := flagReadOnly|flagFast, flagWrite|flagDenyOOM
	add("sadd", -3, flagWrite|flagDenyOOM|flagFast, one, "1.0.0", "Adds one or more members to a set. Creates the key if it doesn't exist.", cmdSAdd)
	add("srem", -3, flagWrite|flagFast, one, "1.0.0", "Removes one or more members from a set. Deletes the set if the last member was removed.", cmdSRem)
	add("smembers", 2, flagReadOnly, one, "1.0.0", "Returns all members of a set.", cmdSMembers)
	add("scard", 2, ro, one, "1.0.0", "Returns the number of members in a set.", cmdSCard)
	add("sismember", 3, ro, one, "1.0.0", "Determines whether a member belongs to a set.", cmdSIsMember)
	add("smismember", -3, ro, one, "6.2.0", "Determines whether multiple members belong to a set.", cmdSMIsMember)
	add("spop", -2, flagWrite|flagFast, one, "1.0.0", "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", cmdSPop)
	add("srandmember", -2, flagReadOnly, one, "1.0.0", "Get one or multiple random members from a set", cmdSRandMember)
	add("smove", 4, flagWrite|flagFast, two, "1.0.0", "Moves a member from one set to another.", cmdSMove)
	add("sinter", -2, flagReadOnly, all, "1.0.0", "Returns the intersect of multiple sets.", cmdSInter)
	add("sunion", -2, flagReadOnly, all, "1.0.0", "Returns the union of multiple sets.", cmdSUnion)
	add("sdiff", -2, flagReadOnly, all, "1.0.0", "Returns the difference of multiple sets.", cmdSDiff)
	add("sinterstore", -3, store, all, "1.0.0", "Stores the intersect of multiple sets in a key.", cmdSInterStore)
	add("sunionstore", -3, store, all, "1.0.0", "Stores the union of multiple sets in a key.", cmdSUnionStore)
	add("sdiffstore", -3, store, all, "1.0.0", "Stores the difference of multiple sets in a key.", cmdSDiffStore)
	// SINTERCARD's keys follow numkeys: Redis reports no fixed positions.
	add("sintercard", -3, flagReadOnly|flagMovableKeys, keySpec{}, "7.0.0", "Returns the number of members of the intersect of multiple sets.", cmdSInterCard)
	add("sscan", -3, flagReadOnly, one, "2.8.0", "Iterates over members of a set.", cmdSScan)
}

// writeMembers writes members as a set (an array in RESP2).
func writeMembers(c *client, ms [][]byte) {
	c.conn.WriteSet(len(ms))
	for _, m := range ms {
		c.conn.WriteBulk(m)
	}
}

func cmdSAdd(s *Server, c *client, args [][]byte) {
	n, err := c.eng.SAdd(c.DB(), string(args[1]), args[2:])
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdSRem(s *Server, c *client, args [][]byte) {
	n, err := c.eng.SRem(c.DB(), string(args[1]), args[2:])
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdSMembers(s *Server, c *client, args [][]byte) {
	ms, err := c.eng.SMembers(c.DB(), string(args[1]))
	if !writeErr(c, err) {
		writeMembers(c, ms)
	}
}

func cmdSCard(s *Server, c *client, args [][]byte) {
	n, err := c.eng.SCard(c.DB(), string(args[1]))
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdSIsMember(s *Server, c *client, args [][]byte) {
	ok, err := c.eng.SIsMember(c.DB(), string(args[1]), args[2])
	if !writeErr(c, err) {
		c.conn.WriteInt(boolInt(ok))
	}
}

func cmdSMIsMember(s *Server, c *client, args [][]byte) {
	oks, err := c.eng.SMIsMember(c.DB(), string(args[1]), args[2:])
	if writeErr(c, err) {
		return
	}
	c.conn.WriteArray(len(oks))
	for _, ok := range oks {
		c.conn.WriteInt(boolInt(ok))
	}
}

// cmdSPop answers SPOP key [count]: with a count, a set reply (empty for
// a missing key or a count of 0, after the key's type is checked).
func cmdSPop(s *Server, c *client, args [][]byte) {
	key := string(args[1])
	switch len(args) {
	case 2:
		ms, err := c.eng.SPop(c.DB(), key, 1)
		switch {
		case writeErr(c, err):
		case len(ms) == 0:
			c.conn.WriteNull()
		default:
			c.conn.WriteBulk(ms[0])
		}
		return
	case 3:
	default:
		c.conn.WriteError(errSyntax)
		return
	}
	count, ok := parseInt(args[2])
	if !ok || count < 0 {
		c.conn.WriteError(errMustBePositive)
		return
	}
	ms, err := c.eng.SPop(c.DB(), key, count)
	if !writeErr(c, err) {
		writeMembers(c, ms)
	}
}

// cmdSRandMember answers SRANDMEMBER key [count]. A missing key or a
// count of 0 gives an empty array, after the key's type is checked.
func cmdSRandMember(s *Server, c *client, args [][]byte) {
	key := string(args[1])
	switch len(args) {
	case 2:
		ms, err := c.eng.SRandMember(c.DB(), key, 1)
		switch {
		case writeErr(c, err):
		case len(ms) == 0:
			c.conn.WriteNull()
		default:
			c.conn.WriteBulk(ms[0])
		}
		return
	case 3:
	default:
		c.conn.WriteError(errSyntax)
		return
	}
	count, ok := parseInt(args[2])
	switch {
	case !ok:
		c.conn.WriteError(errNotInteger)
		return
	case count == math.MinInt64:
		c.conn.WriteError(errCountRange)
		return
	case count < -maxRandCount:
		// Redis would try to build the reply; this server refuses one it
		// could not build, as for HRANDFIELD.
		c.conn.WriteError(errValueRange)
		return
	}
	ms, err := c.eng.SRandMember(c.DB(), key, count)
	if !writeErr(c, err) {
		writeBulks(c, ms)
	}
}

func cmdSMove(s *Server, c *client, args [][]byte) {
	ok, err := c.eng.SMove(c.DB(), string(args[1]), string(args[2]), args[3])
	if !writeErr(c, err) {
		c.conn.WriteInt(boolInt(ok))
	}
}

func setAlgebra(c *client, op engine.SetOp, keys [][]byte) {
	ms, err := c.eng.SetAlgebra(c.DB(), op, keyStrings(keys))
	if !writeErr(c, err) {
		writeMembers(c, ms)
	}
}

func setAlgebraStore(c *client, op engine.SetOp, args [][]byte) {
	n, err := c.eng.SetAlgebraStore(c.DB(), op, string(args[1]), keyStrings(args[2:]))
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdSInter(s *Server, c *client, args [][]byte)      { setAlgebra(c, engine.SetInter, args[1:]) }
func cmdSUnion(s *Server, c *client, args [][]byte)      { setAlgebra(c, engine.SetUnion, args[1:]) }
func cmdSDiff(s *Server, c *client, args [][]byte)       { setAlgebra(c, engine.SetDiff, args[1:]) }
func cmdSInterStore(s *Server, c *client, args [][]byte) { setAlgebraStore(c, engine.SetInter, args) }
func cmdSUnionStore(s *Server, c *client, args [][]byte) { setAlgebraStore(c, engine.SetUnion, args) }
func cmdSDiffStore(s *Server, c *client, args [][]byte)  { setAlgebraStore(c, engine.SetDiff, args) }

// cmdSInterCard answers SINTERCARD numkeys key [key ...] [LIMIT limit],
// checking its arguments in Redis's order.
func cmdSInterCard(s *Server, c *client, args [][]byte) {
	n, ok := parseInt(args[1])
	if !ok || n < 1 {
		c.conn.WriteError(errNumKeysZero)
		return
	}
	if n > int64(len(args)-2) {
		c.conn.WriteError(errNumKeysTooMany)
		return
	}
	var limit int64
	for j := 2 + int(n); j < len(args); j++ {
		if !equalFold(args[j], "limit") || j+1 >= len(args) {
			c.conn.WriteError(errSyntax)
			return
		}
		j++
		if limit, ok = parseInt(args[j]); !ok || limit < 0 {
			c.conn.WriteError(errLimitNegative)
			return
		}
	}
	card, err := c.eng.SInterCard(c.DB(), keyStrings(args[2:2+n]), limit)
	if !writeErr(c, err) {
		c.conn.WriteInt(card)
	}
}

func cmdSScan(s *Server, c *client, args [][]byte) {
	cursor, ok := parseScanCursor(c, args[2])
	if !ok {
		return
	}
	pattern, count, ok := scanOptionsAfterKey(c, args[1], engine.TypeSet, args[3:])
	if !ok {
		return
	}
	next, ms, err := c.eng.SScan(c.DB(), string(args[1]), cursor, pattern, count)
	if writeErr(c, err) {
		return
	}
	c.conn.WriteArray(2)
	c.conn.WriteBulkString(strconv.FormatUint(next, 10))
	writeBulks(c, ms)
}
