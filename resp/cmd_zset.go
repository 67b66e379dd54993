package resp

import (
	"math"
	"strconv"

	"github.com/nadb-server/nadb-server/engine"
)

// Sorted set commands. The blocking BZPOPMIN, BZPOPMAX and BZMPOP are in
// cmd_zsetblock.go.

// Errors of the sorted set commands, Redis's texts.
const (
	errZAddXXNX       = "ERR XX and NX options at the same time are not compatible"
	errZAddGTLTNX     = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZAddIncrPairs  = "ERR INCR option supports a single increment-element pair"
	errZMinMaxFloat   = "ERR min or max is not a float"
	errZMinMaxLex     = "ERR min or max not valid string range item"
	errZWeightFloat   = "ERR weight value is not a float"
	errZPositive      = "ERR value is out of range, must be positive"
	errZNumKeysZero   = "ERR numkeys should be greater than 0"
	errZCountZero     = "ERR count should be greater than 0"
	errZLimitNegative = "ERR LIMIT can't be negative"
	errZLimitRank     = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZLexScores     = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
)

func registerZSetCommands(t commandTable) {
	one := keySpec{1, 1, 1}
	add := func(name string, arity int, flags cmdFlags, keys keySpec, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keys, group: "sorted-set", since: since, summary: summary, handler: h})
	}
	ro, rof := flagReadOnly, flagReadOnly|flagFast
	grow := flagWrite | flagDenyOOM
	mov := flagMovableKeys
	add("zadd", -4, grow|flagFast, one, "1.2.0", "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", cmdZAdd)
	add("zincrby", 4, grow|flagFast, one, "1.2.0", "Increments the score of a member in a sorted set.", cmdZIncrBy)
	add("zrem", -3, flagWrite|flagFast, one, "1.2.0", "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", cmdZRem)
	add("zscore", 3, rof, one, "1.2.0", "Returns the score of a member in a sorted set.", cmdZScore)
	add("zmscore", -3, rof, one, "6.2.0", "Returns the score of one or more members in a sorted set.", cmdZMScore)
	add("zcard", 2, rof, one, "1.2.0", "Returns the number of members in a sorted set.", cmdZCard)
	add("zcount", 4, rof, one, "2.0.0", "Returns the count of members in a sorted set that have scores within a range.", cmdZCount)
	add("zlexcount", 4, rof, one, "2.8.9", "Returns the number of members in a sorted set within a lexicographical range.", cmdZLexCount)
	add("zrank", -3, rof, one, "2.0.0", "Returns the index of a member in a sorted set ordered by ascending scores.", cmdZRank)
	add("zrevrank", -3, rof, one, "2.0.0", "Returns the index of a member in a sorted set ordered by descending scores.", cmdZRevRank)
	add("zrange", -4, ro, one, "1.2.0", "Returns members in a sorted set within a range of indexes.", cmdZRange)
	add("zrangestore", -5, grow, keySpec{1, 2, 1}, "6.2.0", "Stores a range of members from sorted set in a key.", cmdZRangeStore)
	add("zrevrange", -4, ro, one, "1.2.0", "Returns members in a sorted set within a range of indexes in reverse order.", cmdZRevRange)
	add("zrangebyscore", -4, ro, one, "1.0.5", "Returns members in a sorted set within a range of scores.", cmdZRangeByScore)
	add("zrevrangebyscore", -4, ro, one, "2.2.0", "Returns members in a sorted set within a range of scores in reverse order.", cmdZRevRangeByScore)
	add("zrangebylex", -4, ro, one, "2.8.9", "Returns members in a sorted set within a lexicographical range.", cmdZRangeByLex)
	add("zrevrangebylex", -4, ro, one, "2.8.9", "Returns members in a sorted set within a lexicographical range in reverse order.", cmdZRevRangeByLex)
	add("zremrangebyscore", 4, flagWrite, one, "1.2.0", "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", cmdZRemRangeByScore)
	add("zremrangebyrank", 4, flagWrite, one, "2.0.0", "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", cmdZRemRangeByRank)
	add("zremrangebylex", 4, flagWrite, one, "2.8.9", "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", cmdZRemRangeByLex)
	add("zpopmin", -2, flagWrite|flagFast, one, "5.0.0", "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", cmdZPopMin)
	add("zpopmax", -2, flagWrite|flagFast, one, "5.0.0", "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", cmdZPopMax)
	add("zmpop", -4, flagWrite|mov, keySpec{}, "7.0.0", "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", cmdZMPop)
	blocking := flagWrite | flagNoScript | flagBlocking
	add("bzpopmin", -3, blocking|flagFast, keySpec{1, -2, 1}, "5.0.0", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", cmdBZPop(false))
	add("bzpopmax", -3, blocking|flagFast, keySpec{1, -2, 1}, "5.0.0", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", cmdBZPop(true))
	add("bzmpop", -5, flagWrite|flagBlocking|mov, keySpec{}, "7.0.0", "Remove and return members with scores in a sorted set or block until one is available", cmdBZMPop)
	add("zrandmember", -2, ro, one, "6.2.0", "Returns one or more random members from a sorted set.", cmdZRandMember)
	add("zscan", -3, ro, one, "2.8.0", "Iterates over members and scores of a sorted set.", cmdZScan)
	add("zunion", -3, ro|mov, keySpec{}, "6.2.0", "Returns the union of multiple sorted sets.", cmdZUnion)
	add("zinter", -3, ro|mov, keySpec{}, "6.2.0", "Returns the intersect of multiple sorted sets.", cmdZInter)
	add("zdiff", -3, ro|mov, keySpec{}, "6.2.0", "Returns the difference between multiple sorted sets.", cmdZDiff)
	add("zunionstore", -4, grow|mov, one, "2.0.0", "Stores the union of multiple sorted sets in a key.", cmdZUnionStore)
	add("zinterstore", -4, grow|mov, one, "2.0.0", "Stores the intersect of multiple sorted sets in a key.", cmdZInterStore)
	add("zdiffstore", -4, grow|mov, one, "6.2.0", "Stores the difference of multiple sorted sets in a key.", cmdZDiffStore)
	add("zintercard", -3, ro|mov, keySpec{}, "7.0.0", "Returns the number of members of the intersect of multiple sorted sets.", cmdZInterCard)
}

// parseScore reads a score or an increment as Redis does, answering the
// error when it is not one.
func parseScore(c *client, b []byte, errText string) (float64, bool) {
	s, ok := engine.ParseScore(b)
	if !ok {
		c.conn.WriteError(errText)
	}
	return s, ok
}

// writeZMembers answers members, with their scores when withScores: a
// flat array in RESP2, an array of [member, score] pairs in RESP3.
func writeZMembers(c *client, ms []engine.ZMember, withScores bool) {
	if !withScores {
		c.conn.WriteArray(len(ms))
		for _, m := range ms {
			c.conn.WriteBulkString(m.Member)
		}
		return
	}
	if c.resp3() {
		c.conn.WriteArray(len(ms))
	} else {
		c.conn.WriteArray(2 * len(ms))
	}
	for _, m := range ms {
		if c.resp3() {
			c.conn.WriteArray(2)
		}
		c.conn.WriteBulkString(m.Member)
		c.conn.WriteDouble(m.Score)
	}
}

// writeZPairs answers members and scores as [member, score] pairs, in
// RESP2 too (ZMPOP's shape).
func writeZPairs(c *client, ms []engine.ZMember) {
	c.conn.WriteArray(len(ms))
	for _, m := range ms {
		c.conn.WriteArray(2)
		c.conn.WriteBulkString(m.Member)
		c.conn.WriteDouble(m.Score)
	}
}

func cmdZAdd(s *Server, c *client, args [][]byte) {
	var opt engine.ZAddOptions
	i := 2
options:
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case equalFold(a, "nx"):
			opt.NX = true
		case equalFold(a, "xx"):
			opt.XX = true
		case equalFold(a, "gt"):
			opt.GT = true
		case equalFold(a, "lt"):
			opt.LT = true
		case equalFold(a, "ch"):
			opt.CH = true
		case equalFold(a, "incr"):
			opt.Incr = true
		default:
			break options
		}
	}
	zadd(c, args[1], opt, args[i:])
}

// zadd runs ZADD (and ZINCRBY) once the options are read: pairs are the
// score, member arguments.
func zadd(c *client, key []byte, opt engine.ZAddOptions, pairs [][]byte) {
	switch {
	case len(pairs) == 0 || len(pairs)%2 != 0:
		c.conn.WriteError(errSyntax)
		return
	case opt.NX && opt.XX:
		c.conn.WriteError(errZAddXXNX)
		return
	case (opt.GT && opt.NX) || (opt.LT && opt.NX) || (opt.GT && opt.LT):
		c.conn.WriteError(errZAddGTLTNX)
		return
	case opt.Incr && len(pairs) > 2:
		c.conn.WriteError(errZAddIncrPairs)
		return
	}
	scores := make([]float64, len(pairs)/2)
	members := make([][]byte, len(pairs)/2)
	for j := range scores {
		sc, ok := parseScore(c, pairs[2*j], errNotFloat)
		if !ok {
			return
		}
		scores[j], members[j] = sc, pairs[2*j+1]
	}
	n, score, ok, err := c.eng.ZAdd(c.DB(), string(key), opt, scores, members)
	switch {
	case writeErr(c, err):
	case !opt.Incr:
		c.conn.WriteInt(n)
	case !ok:
		c.conn.WriteNull()
	default:
		c.conn.WriteDouble(score)
	}
}

func cmdZIncrBy(s *Server, c *client, args [][]byte) {
	// Redis reads ZINCRBY's arguments as ZADD's: an option word where the
	// increment goes leaves no score-member pair.
	for _, o := range []string{"nx", "xx", "ch", "incr", "gt", "lt"} {
		if equalFold(args[2], o) {
			c.conn.WriteError(errSyntax)
			return
		}
	}
	zadd(c, args[1], engine.ZAddOptions{Incr: true}, args[2:])
}

func cmdZRem(s *Server, c *client, args [][]byte) {
	n, err := c.eng.ZRem(c.DB(), string(args[1]), args[2:])
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdZScore(s *Server, c *client, args [][]byte) {
	sc, ok, err := c.eng.ZScore(c.DB(), string(args[1]), args[2])
	switch {
	case writeErr(c, err):
	case !ok:
		c.conn.WriteNull()
	default:
		c.conn.WriteDouble(sc)
	}
}

func cmdZMScore(s *Server, c *client, args [][]byte) {
	scores, ok, err := c.eng.ZMScore(c.DB(), string(args[1]), args[2:])
	if writeErr(c, err) {
		return
	}
	c.conn.WriteArray(len(scores))
	for i, sc := range scores {
		if ok[i] {
			c.conn.WriteDouble(sc)
		} else {
			c.conn.WriteNull()
		}
	}
}

func cmdZCard(s *Server, c *client, args [][]byte) {
	n, err := c.eng.ZCard(c.DB(), string(args[1]))
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdZRank(s *Server, c *client, args [][]byte)    { zrank(c, args, false) }
func cmdZRevRank(s *Server, c *client, args [][]byte) { zrank(c, args, true) }

// zrank answers ZRANK and ZREVRANK key member [WITHSCORE]: WITHSCORE as
// Redis 7.2 (the version this server reports) answers it, the rank and the
// score, or a null array; any other extra argument gets Redis 7.0's arity
// error.
func zrank(c *client, args [][]byte, rev bool) {
	withScore := len(args) == 4 && equalFold(args[3], "withscore")
	if len(args) > 3 && !withScore {
		c.conn.WriteError(errArity(string(lowerASCII(args[0]))))
		return
	}
	r, score, ok, err := c.eng.ZRank(c.DB(), string(args[1]), args[2], rev)
	switch {
	case writeErr(c, err):
	case !ok && withScore:
		c.conn.WriteNullArray()
	case !ok:
		c.conn.WriteNull()
	case withScore:
		c.conn.WriteArray(2)
		c.conn.WriteInt(r)
		c.conn.WriteDouble(score)
	default:
		c.conn.WriteInt(r)
	}
}

func cmdZPopMin(s *Server, c *client, args [][]byte) { zpop(c, args, false) }
func cmdZPopMax(s *Server, c *client, args [][]byte) { zpop(c, args, true) }

// zpop answers ZPOPMIN and ZPOPMAX: without a count a flat [member,
// score]; with one, in RESP3, [member, score] pairs.
func zpop(c *client, args [][]byte, max bool) {
	if len(args) > 3 {
		c.conn.WriteError(errSyntax)
		return
	}
	count := int64(1)
	if len(args) == 3 {
		n, ok := parseInt(args[2])
		if !ok || n < 0 {
			c.conn.WriteError(errZPositive)
			return
		}
		count = n
	}
	ms, err := c.eng.ZPop(c.DB(), string(args[1]), int(min(count, math.MaxInt32)), max)
	switch {
	case writeErr(c, err):
	case len(args) == 3:
		writeZMembers(c, ms, true)
	default:
		// One member, flat, in RESP3 too.
		c.conn.WriteArray(2 * len(ms))
		for _, m := range ms {
			c.conn.WriteBulkString(m.Member)
			c.conn.WriteDouble(m.Score)
		}
	}
}

// zmpopArgs are ZMPOP's and BZMPOP's parsed arguments.
type zmpopArgs struct {
	keys  []string
	max   bool
	count int
}

// parseZMPop parses numkeys key... MIN|MAX [COUNT count], numkeys at
// args[idx], in Redis's order, answering the error if they are not.
func parseZMPop(c *client, args [][]byte, idx int) (zmpopArgs, bool) {
	var a zmpopArgs
	numkeys, ok := parseInt(args[idx])
	switch {
	case !ok || numkeys < 1:
		c.conn.WriteError(errZNumKeysZero)
		return a, false
	case numkeys >= int64(len(args)-idx-1):
		c.conn.WriteError(errSyntax)
		return a, false
	}
	a.keys = make([]string, numkeys)
	for i := range a.keys {
		a.keys[i] = string(args[idx+1+i])
	}
	rest := args[idx+1+int(numkeys):]
	switch {
	case equalFold(rest[0], "min"):
	case equalFold(rest[0], "max"):
		a.max = true
	default:
		c.conn.WriteError(errSyntax)
		return a, false
	}
	count := int64(-1)
	for j := 1; j < len(rest); j++ {
		if !equalFold(rest[j], "count") || j+1 >= len(rest) || count != -1 {
			c.conn.WriteError(errSyntax)
			return a, false
		}
		j++
		n, isInt := parseInt(rest[j])
		if !isInt || n < 1 {
			c.conn.WriteError(errZCountZero)
			return a, false
		}
		count = n
	}
	a.count = int(min(max(count, 1), math.MaxInt32))
	return a, true
}

func cmdZMPop(s *Server, c *client, args [][]byte) {
	a, ok := parseZMPop(c, args, 1)
	if !ok {
		return
	}
	key, ms, err := c.eng.ZMPop(c.DB(), a.keys, a.count, a.max)
	switch {
	case writeErr(c, err):
	case key == "":
		c.conn.WriteNullArray()
	default:
		writeKeyZPairs(c, key, ms)
	}
}

// writeKeyZPairs writes ZMPOP's reply: the key and its popped members as
// [member, score] pairs.
func writeKeyZPairs(c *client, key string, ms []engine.ZMember) {
	c.conn.WriteArray(2)
	c.conn.WriteBulkString(key)
	writeZPairs(c, ms)
}

func cmdZRandMember(s *Server, c *client, args [][]byte) {
	key := string(args[1])
	if len(args) == 2 {
		ms, err := c.eng.ZRandMember(c.DB(), key, 1)
		switch {
		case writeErr(c, err):
		case len(ms) == 0:
			c.conn.WriteNull()
		default:
			c.conn.WriteBulkString(ms[0].Member)
		}
		return
	}
	// Redis reads the count before the rest.
	count, ok := parseInt(args[2])
	withScores := len(args) == 4
	switch {
	case !ok:
		c.conn.WriteError(errNotInteger)
		return
	case count == math.MinInt64:
		c.conn.WriteError(errCountRange)
		return
	case len(args) > 4 || (len(args) == 4 && !equalFold(args[3], "withscores")):
		c.conn.WriteError(errSyntax)
		return
	case withScores && (count < -math.MaxInt64/2 || count > math.MaxInt64/2), count < -maxRandCount:
		c.conn.WriteError(errValueRange)
		return
	}
	ms, err := c.eng.ZRandMember(c.DB(), key, count)
	if !writeErr(c, err) {
		writeZMembers(c, ms, withScores)
	}
}

func cmdZScan(s *Server, c *client, args [][]byte) {
	cursor, ok := parseScanCursor(c, args[2])
	if !ok {
		return
	}
	pattern, count, ok := scanOptionsAfterKey(c, args[1], engine.TypeZSet, args[3:])
	if !ok {
		return
	}
	next, ms, listpack, err := c.eng.ZScan(c.DB(), string(args[1]), cursor, pattern, count)
	if writeErr(c, err) {
		return
	}
	c.conn.WriteArray(2)
	c.conn.WriteBulkString(strconv.FormatUint(next, 10))
	c.conn.WriteArray(2 * len(ms))
	for _, m := range ms {
		c.conn.WriteBulkString(m.Member)
		c.conn.WriteBulkString(scanScore(m.Score, listpack))
	}
}

// scanScore is a score as ZSCAN replies it: Redis replies the score as its
// encoding keeps it, and a listpack keeps a whole score within 2^62 as an
// integer (its double2ll), printed whole ("123456789012345680" where
// ZSCORE says 1.2345678901234568e+17); any other score, and every score of
// a skiplist, as formatScore.
func scanScore(f float64, listpack bool) string {
	if listpack && f == math.Trunc(f) && math.Abs(f) <= 1<<62 {
		return strconv.FormatInt(int64(f), 10)
	}
	return formatScore(f)
}

// formatScore is a score as Redis's %.17g prints it ("inf", "-inf").
func formatScore(f float64) string { return cFloat(f, 'g', 17) }

// cFloat formats f as C's printf does with conversion verb ('f', 'g')
// and precision prec: as strconv, but an infinity is inf or -inf.
func cFloat(f float64, verb byte, prec int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, verb, prec, 64)
}
