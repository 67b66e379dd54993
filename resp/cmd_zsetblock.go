package resp

import "github.com/nadb-server/nadb-server/engine"

// The blocking sorted set commands, BZPOPMIN, BZPOPMAX and BZMPOP: ZPOPMIN,
// ZPOPMAX and ZMPOP that, when every key is missing, wait (runBlocking,
// block.go) for one of them to hold a sorted set. As in Redis, the keys
// are looked at in order: a missing key is skipped, a key of another type
// answers WRONGTYPE, the first sorted set is popped at once. A waiter is
// served, in the order the clients blocked, by the write that made one of
// its keys a sorted set, whose group its pop (ZREM effects) joins.

// zpopReply turns a pop's outcome into the reply to write, nil when
// nothing was popped (no key held a sorted set); write writes the
// members popped from key.
func zpopReply(key string, ms []engine.ZMember, err error, write func(*client, string, []engine.ZMember)) func(*client) {
	switch {
	case err != nil:
		return func(c *client) { writeErr(c, err) }
	case key == "" || len(ms) == 0:
		return nil
	}
	return func(c *client) { write(c, key, ms) }
}

// writeKeyMemberScore writes BZPOPMIN's and BZPOPMAX's reply: the key,
// the member and its score (a bulk string in RESP2, a double in RESP3).
func writeKeyMemberScore(c *client, key string, ms []engine.ZMember) {
	c.conn.WriteArray(3)
	c.conn.WriteBulkString(key)
	c.conn.WriteBulkString(ms[0].Member)
	c.conn.WriteDouble(ms[0].Score)
}

// cmdBZPop is BZPOPMIN (BZPOPMAX when max): key [key ...] timeout.
func cmdBZPop(max bool) handlerFunc {
	return func(s *Server, c *client, args [][]byte) {
		timeout, ok := parseTimeout(c, args[len(args)-1])
		if !ok {
			return
		}
		db := c.DB()
		keys := blockKeys(args[1 : len(args)-1])
		s.runBlocking(c, blocking{
			typ: engine.TypeZSet, keys: keys, timeout: timeout,
			attempt: func(tx *engine.Engine) func(*client) {
				key, ms, err := tx.ZMPop(db, keys, 1, max)
				return zpopReply(key, ms, err, writeKeyMemberScore)
			},
			serve: func(tx *engine.Engine, key string) func(*client) {
				ms, err := tx.ZPop(db, key, 1, max)
				return zpopReply(key, ms, err, writeKeyMemberScore)
			},
			empty: func(c *client) { c.conn.WriteNullArray() },
		})
	}
}

// cmdBZMPop is BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT
// count]. Redis reads the timeout after the other arguments.
func cmdBZMPop(s *Server, c *client, args [][]byte) {
	a, ok := parseZMPop(c, args, 2)
	if !ok {
		return
	}
	timeout, ok := parseTimeout(c, args[1])
	if !ok {
		return
	}
	db := c.DB()
	s.runBlocking(c, blocking{
		typ: engine.TypeZSet, keys: a.keys, timeout: timeout,
		attempt: func(tx *engine.Engine) func(*client) {
			key, ms, err := tx.ZMPop(db, a.keys, a.count, a.max)
			return zpopReply(key, ms, err, writeKeyZPairs)
		},
		serve: func(tx *engine.Engine, key string) func(*client) {
			ms, err := tx.ZPop(db, key, a.count, a.max)
			return zpopReply(key, ms, err, writeKeyZPairs)
		},
		empty: func(c *client) { c.conn.WriteNullArray() },
	})
}
