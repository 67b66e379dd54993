package resp

import (
	"math"

	"github.com/nadb-server/nadb-server/engine"
)

func registerListCommands(t commandTable) {
	one, two := keySpec{1, 1, 1}, keySpec{1, 2, 1}
	grow := flagWrite | flagDenyOOM
	add := func(name string, arity int, flags cmdFlags, keys keySpec, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keys, group: "list", since: since, summary: summary, handler: h})
	}
	add("lpush", -3, grow|flagFast, one, "1.0.0", "Prepends one or more elements to a list. Creates the key if it doesn't exist.", cmdPush(true, false))
	add("rpush", -3, grow|flagFast, one, "1.0.0", "Appends one or more elements to a list. Creates the key if it doesn't exist.", cmdPush(false, false))
	add("lpushx", -3, grow|flagFast, one, "2.2.0", "Prepends one or more elements to a list only when the list exists.", cmdPush(true, true))
	add("rpushx", -3, grow|flagFast, one, "2.2.0", "Appends an element to a list only when the list exists.", cmdPush(false, true))
	add("lpop", -2, flagWrite|flagFast, one, "1.0.0", "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", cmdPop(true))
	add("rpop", -2, flagWrite|flagFast, one, "1.0.0", "Returns and removes the last elements of a list. Deletes the list if the last element was popped.", cmdPop(false))
	add("lrange", 4, flagReadOnly, one, "1.0.0", "Returns a range of elements from a list.", cmdLRange)
	add("lindex", 3, flagReadOnly, one, "1.0.0", "Returns an element from a list by its index.", cmdLIndex)
	add("lset", 4, grow, one, "1.0.0", "Sets the value of an element in a list by its index.", cmdLSet)
	add("llen", 2, flagReadOnly|flagFast, one, "1.0.0", "Returns the length of a list.", cmdLLen)
	add("linsert", 5, grow, one, "2.2.0", "Inserts an element before or after another element in a list.", cmdLInsert)
	add("lrem", 4, flagWrite, one, "1.0.0", "Removes elements from a list. Deletes the list if the last element was removed.", cmdLRem)
	add("ltrim", 4, flagWrite, one, "1.0.0", "Removes elements from both ends a list. Deletes the list if all elements were trimmed.", cmdLTrim)
	add("lpos", -3, flagReadOnly, one, "6.0.6", "Returns the index of matching elements in a list.", cmdLPos)
	add("lmove", 5, grow, two, "6.2.0", "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", cmdLMove)
	add("rpoplpush", 3, grow, two, "1.2.0", "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", cmdRPopLPush)
	add("lmpop", -4, flagWrite|flagMovableKeys, keySpec{}, "7.0.0", "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", cmdLMPop)
	blocking := flagWrite | flagNoScript | flagBlocking
	add("blpop", -3, blocking, keySpec{1, -2, 1}, "2.0.0", "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", cmdBPop(true))
	add("brpop", -3, blocking, keySpec{1, -2, 1}, "2.0.0", "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", cmdBPop(false))
	add("blmove", 6, blocking|flagDenyOOM, two, "6.2.0", "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", cmdBLMove)
	add("brpoplpush", 4, blocking|flagDenyOOM, two, "2.2.0", "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", cmdBRPopLPush)
	add("blmpop", -5, flagWrite|flagBlocking|flagMovableKeys, keySpec{}, "7.0.0", "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", cmdBLMPop)
}

func cmdPush(left, onlyExisting bool) handlerFunc {
	return func(s *Server, c *client, args [][]byte) {
		n, err := c.eng.LPush(c.DB(), string(args[1]), args[2:], left, onlyExisting)
		if !writeErr(c, err) {
			c.conn.WriteInt(n)
		}
	}
}

func cmdPop(left bool) handlerFunc {
	name := "rpop"
	if left {
		name = "lpop"
	}
	return func(s *Server, c *client, args [][]byte) {
		if len(args) > 3 {
			c.conn.WriteError(errArity(name))
			return
		}
		count, hasCount := int64(1), len(args) == 3
		if hasCount {
			n, ok := parseInt(args[2])
			if !ok || n < 0 {
				c.conn.WriteError(errMustBePositive)
				return
			}
			count = n
		}
		elems, found, err := c.eng.LPop(c.DB(), string(args[1]), left, int(min(count, math.MaxInt32)))
		switch {
		case writeErr(c, err):
		case !found && hasCount:
			c.conn.WriteNullArray()
		case !found:
			c.conn.WriteNull()
		case hasCount:
			writeBulks(c, elems)
		default:
			c.conn.WriteBulk(elems[0])
		}
	}
}

// writeBulks writes an array of bulk strings.
func writeBulks(c *client, elems [][]byte) {
	c.conn.WriteArray(len(elems))
	for _, e := range elems {
		c.conn.WriteBulk(e)
	}
}

// intArgs parses args as Redis integers, answering the error if one is
// not.
func intArgs(c *client, args ...[]byte) ([]int64, bool) {
	out := make([]int64, len(args))
	for i, a := range args {
		n, ok := parseInt(a)
		if !ok {
			c.conn.WriteError(errNotInteger)
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

func cmdLRange(s *Server, c *client, args [][]byte) {
	r, ok := intArgs(c, args[2], args[3])
	if !ok {
		return
	}
	elems, err := c.eng.LRange(c.DB(), string(args[1]), r[0], r[1])
	if !writeErr(c, err) {
		writeBulks(c, elems)
	}
}

// badIndex answers an index argument that is not an integer as Redis
// does, which looks the key up first: missing (the reply missing gives),
// or of another type (WRONGTYPE), before it parses the index.
func badIndex(c *client, key []byte, missing func()) {
	switch c.eng.Type(c.DB(), string(key)) {
	case "none":
		missing()
	case "list":
		c.conn.WriteError(errNotInteger)
	default:
		c.conn.WriteError(errWrongType)
	}
}

func cmdLIndex(s *Server, c *client, args [][]byte) {
	i, ok := parseInt(args[2])
	if !ok {
		badIndex(c, args[1], c.conn.WriteNull)
		return
	}
	r := []int64{i}
	e, found, err := c.eng.LIndex(c.DB(), string(args[1]), r[0])
	switch {
	case writeErr(c, err):
	case !found:
		c.conn.WriteNull()
	default:
		c.conn.WriteBulk(e)
	}
}

func cmdLSet(s *Server, c *client, args [][]byte) {
	i, ok := parseInt(args[2])
	if !ok {
		badIndex(c, args[1], func() { c.conn.WriteError(errNoSuchKey) })
		return
	}
	r := []int64{i}
	if !writeErr(c, c.eng.LSet(c.DB(), string(args[1]), r[0], args[3])) {
		okReply(c)
	}
}

func cmdLLen(s *Server, c *client, args [][]byte) {
	n, err := c.eng.LLen(c.DB(), string(args[1]))
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdLInsert(s *Server, c *client, args [][]byte) {
	var before bool
	switch {
	case equalFold(args[2], "before"):
		before = true
	case equalFold(args[2], "after"):
	default:
		c.conn.WriteError(errSyntax)
		return
	}
	n, err := c.eng.LInsert(c.DB(), string(args[1]), before, args[3], args[4])
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdLRem(s *Server, c *client, args [][]byte) {
	r, ok := intArgs(c, args[2])
	if !ok {
		return
	}
	n, err := c.eng.LRem(c.DB(), string(args[1]), r[0], args[3])
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdLTrim(s *Server, c *client, args [][]byte) {
	r, ok := intArgs(c, args[2], args[3])
	if !ok {
		return
	}
	if !writeErr(c, c.eng.LTrim(c.DB(), string(args[1]), r[0], r[1])) {
		okReply(c)
	}
}

func cmdLPos(s *Server, c *client, args [][]byte) {
	o := engine.LPosOptions{Rank: 1, Count: -1}
	for i := 3; i < len(args); i++ {
		opt, more := args[i], i+1 < len(args)
		if !more {
			c.conn.WriteError(errSyntax)
			return
		}
		i++
		switch {
		case equalFold(opt, "rank"):
			n, ok := parseInt(args[i])
			switch {
			case !ok:
				c.conn.WriteError(errNotInteger)
				return
			case n == 0:
				c.conn.WriteError(errRankZero)
				return
			}
			o.Rank = n
		case equalFold(opt, "count"):
			n, ok := parseInt(args[i])
			switch {
			case !ok || n < 0:
				c.conn.WriteError(errCountNegative)
				return
			}
			o.Count = n
		case equalFold(opt, "maxlen"):
			n, ok := parseInt(args[i])
			switch {
			case !ok || n < 0:
				c.conn.WriteError(errMaxLenNegative)
				return
			}
			o.MaxLen = n
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	idx, err := c.eng.LPos(c.DB(), string(args[1]), args[2], o)
	switch {
	case writeErr(c, err):
	case o.Count >= 0:
		c.conn.WriteArray(len(idx))
		for _, i := range idx {
			c.conn.WriteInt64(i)
		}
	case len(idx) == 0:
		c.conn.WriteNull()
	default:
		c.conn.WriteInt64(idx[0])
	}
}

// parseEnd parses LEFT or RIGHT.
func parseEnd(b []byte) (left, ok bool) {
	switch {
	case equalFold(b, "left"):
		return true, true
	case equalFold(b, "right"):
		return false, true
	}
	return false, false
}

func cmdLMove(s *Server, c *client, args [][]byte) {
	from, ok1 := parseEnd(args[3])
	to, ok2 := parseEnd(args[4])
	if !ok1 || !ok2 {
		c.conn.WriteError(errSyntax)
		return
	}
	lmove(c, args[1], args[2], from, to)
}

func cmdRPopLPush(s *Server, c *client, args [][]byte) {
	lmove(c, args[1], args[2], false, true)
}

func lmove(c *client, src, dst []byte, from, to bool) {
	e, found, err := c.eng.LMove(c.DB(), string(src), string(dst), from, to)
	switch {
	case writeErr(c, err):
	case !found:
		c.conn.WriteNull()
	default:
		c.conn.WriteBulk(e)
	}
}

// mpopArgs are LMPOP's and BLMPOP's parsed arguments.
type mpopArgs struct {
	keys  []string
	left  bool
	count int64
}

// parseMPop parses numkeys key... LEFT|RIGHT [COUNT count] from args
// (numkeys first), answering the error if they are not.
func parseMPop(c *client, args [][]byte) (mpopArgs, bool) {
	var a mpopArgs
	n, ok := parseInt(args[0])
	if !ok || n <= 0 {
		c.conn.WriteError(errNumKeys)
		return a, false
	}
	if n > int64(len(args)-2) {
		c.conn.WriteError(errSyntax)
		return a, false
	}
	for _, k := range args[1 : 1+n] {
		a.keys = append(a.keys, string(k))
	}
	rest := args[1+n:]
	var okEnd bool
	if a.left, okEnd = parseEnd(rest[0]); !okEnd {
		c.conn.WriteError(errSyntax)
		return a, false
	}
	a.count = -1
	for i := 1; i < len(rest); i++ {
		if equalFold(rest[i], "count") && a.count < 0 && i+1 < len(rest) {
			i++
			v, ok := parseInt(rest[i])
			if !ok || v <= 0 {
				c.conn.WriteError(errCountPositive)
				return a, false
			}
			a.count = v
			continue
		}
		c.conn.WriteError(errSyntax)
		return a, false
	}
	if a.count < 0 {
		a.count = 1
	}
	return a, true
}

func cmdLMPop(s *Server, c *client, args [][]byte) {
	a, ok := parseMPop(c, args[1:])
	if !ok {
		return
	}
	key, elems, err := c.eng.LMPop(c.DB(), a.keys, a.left, int(min(a.count, math.MaxInt32)))
	switch {
	case writeErr(c, err):
	case key == "":
		c.conn.WriteNullArray()
	default:
		writeKeyElems(c, key, elems)
	}
}

// writeKeyElems writes LMPOP's reply: the key and its popped elements.
func writeKeyElems(c *client, key string, elems [][]byte) {
	c.conn.WriteArray(2)
	c.conn.WriteBulkString(key)
	writeBulks(c, elems)
}

// blockKeys returns the keys of a blocking command.
func blockKeys(args [][]byte) []string {
	keys := make([]string, len(args))
	for i, k := range args {
		keys[i] = string(k)
	}
	return keys
}

func cmdBPop(left bool) handlerFunc {
	return func(s *Server, c *client, args [][]byte) {
		timeout, ok := parseTimeout(c, args[len(args)-1])
		if !ok {
			return
		}
		db := c.DB()
		keys := blockKeys(args[1 : len(args)-1])
		reply := func(key string, elems [][]byte, err error) func(*client) {
			switch {
			case err != nil:
				return func(c *client) { writeErr(c, err) }
			case key == "":
				return nil
			}
			return func(c *client) {
				c.conn.WriteArray(2)
				c.conn.WriteBulkString(key)
				c.conn.WriteBulk(elems[0])
			}
		}
		s.runBlocking(c, blocking{
			typ: engine.TypeList, keys: keys, timeout: timeout,
			attempt: func(tx *engine.Engine) func(*client) { return reply(tx.LMPop(db, keys, left, 1)) },
			serve: func(tx *engine.Engine, key string) func(*client) {
				elems, _, err := tx.LPop(db, key, left, 1)
				return reply(key, elems, err)
			},
			empty: func(c *client) { c.conn.WriteNullArray() },
		})
	}
}

func cmdBLMove(s *Server, c *client, args [][]byte) {
	from, ok1 := parseEnd(args[3])
	to, ok2 := parseEnd(args[4])
	if !ok1 || !ok2 {
		c.conn.WriteError(errSyntax)
		return
	}
	blmove(s, c, args[1], args[2], from, to, args[5])
}

func cmdBRPopLPush(s *Server, c *client, args [][]byte) {
	blmove(s, c, args[1], args[2], false, true, args[3])
}

func blmove(s *Server, c *client, srcArg, dstArg []byte, from, to bool, timeoutArg []byte) {
	timeout, ok := parseTimeout(c, timeoutArg)
	if !ok {
		return
	}
	db, src, dst := c.DB(), string(srcArg), string(dstArg)
	move := func(tx *engine.Engine) func(*client) {
		e, found, err := tx.LMove(db, src, dst, from, to)
		switch {
		case err != nil:
			return func(c *client) { writeErr(c, err) }
		case !found:
			return nil
		}
		return func(c *client) { c.conn.WriteBulk(e) }
	}
	s.runBlocking(c, blocking{
		typ: engine.TypeList, keys: []string{src}, timeout: timeout,
		attempt: move,
		serve:   func(tx *engine.Engine, _ string) func(*client) { return move(tx) },
		empty:   func(c *client) { c.conn.WriteNull() },
	})
}

func cmdBLMPop(s *Server, c *client, args [][]byte) {
	a, ok := parseMPop(c, args[2:])
	if !ok {
		return
	}
	timeout, ok := parseTimeout(c, args[1])
	if !ok {
		return
	}
	db, count := c.DB(), int(min(a.count, math.MaxInt32))
	reply := func(key string, elems [][]byte, err error) func(*client) {
		switch {
		case err != nil:
			return func(c *client) { writeErr(c, err) }
		case key == "":
			return nil
		}
		return func(c *client) { writeKeyElems(c, key, elems) }
	}
	s.runBlocking(c, blocking{
		typ: engine.TypeList, keys: a.keys, timeout: timeout,
		attempt: func(tx *engine.Engine) func(*client) { return reply(tx.LMPop(db, a.keys, a.left, count)) },
		serve: func(tx *engine.Engine, key string) func(*client) {
			elems, _, err := tx.LPop(db, key, a.left, count)
			return reply(key, elems, err)
		},
		empty: func(c *client) { c.conn.WriteNullArray() },
	})
}
