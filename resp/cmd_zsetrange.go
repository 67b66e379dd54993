package resp

import "github.com/nadb-server/nadb-server/engine"

// ZRANGE and the commands it generalises (ZREVRANGE, ZRANGEBYSCORE,
// ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, ZRANGESTORE), ZCOUNT,
// ZLEXCOUNT and ZREMRANGEBY*. Their arguments are read in Redis's order:
// options, then the range, then the key.

// zrangeForm is what a command of the ZRANGE family fixes in advance.
type zrangeForm struct {
	by    int  // engine.ZByRank... or -1: the options say
	rev   int  // 1 reversed, 0 not, -1: the options say
	store bool // ZRANGESTORE: args[1] is the destination
}

func cmdZRange(s *Server, c *client, args [][]byte) { zrange(c, args, zrangeForm{-1, -1, false}) }
func cmdZRangeStore(s *Server, c *client, args [][]byte) {
	zrange(c, args, zrangeForm{-1, -1, true})
}
func cmdZRevRange(s *Server, c *client, args [][]byte) {
	zrange(c, args, zrangeForm{engine.ZByRank, 1, false})
}
func cmdZRangeByScore(s *Server, c *client, args [][]byte) {
	zrange(c, args, zrangeForm{engine.ZByScore, 0, false})
}
func cmdZRevRangeByScore(s *Server, c *client, args [][]byte) {
	zrange(c, args, zrangeForm{engine.ZByScore, 1, false})
}
func cmdZRangeByLex(s *Server, c *client, args [][]byte) {
	zrange(c, args, zrangeForm{engine.ZByLex, 0, false})
}
func cmdZRevRangeByLex(s *Server, c *client, args [][]byte) {
	zrange(c, args, zrangeForm{engine.ZByLex, 1, false})
}

// zrange runs a command of the ZRANGE family.
func zrange(c *client, args [][]byte, form zrangeForm) {
	first := 1 // the source key
	if form.store {
		first = 2
	}
	spec := engine.ZRangeSpec{Count: -1}
	withScores := false
	by, rev := form.by, form.rev
	for j := first + 3; j < len(args); j++ {
		a := args[j]
		left := len(args) - j - 1
		switch {
		case !form.store && equalFold(a, "withscores"):
			withScores = true
		case equalFold(a, "limit") && left >= 2:
			off, ok1 := parseInt(args[j+1])
			cnt, ok2 := parseInt(args[j+2])
			if !ok1 || !ok2 {
				c.conn.WriteError(errNotInteger)
				return
			}
			spec.Offset, spec.Count = off, cnt
			j += 2
		case rev == -1 && equalFold(a, "rev"):
			rev = 1
		case by == -1 && equalFold(a, "bylex"):
			by = engine.ZByLex
		case by == -1 && equalFold(a, "byscore"):
			by = engine.ZByScore
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	if by == -1 {
		by = engine.ZByRank
	}
	spec.By, spec.Rev = by, rev == 1
	switch {
	case spec.Count != -1 && by == engine.ZByRank:
		c.conn.WriteError(errZLimitRank)
		return
	case withScores && by == engine.ZByLex:
		c.conn.WriteError(errZLexScores)
		return
	}
	lo, hi := args[first+1], args[first+2]
	if spec.Rev && by != engine.ZByRank {
		lo, hi = hi, lo // given as max, min
	}
	if !parseZRange(c, &spec, lo, hi) {
		return
	}
	if form.store {
		n, err := c.eng.ZRangeStore(c.DB(), string(args[1]), string(args[2]), spec)
		if !writeErr(c, err) {
			c.conn.WriteInt(n)
		}
		return
	}
	ms, err := c.eng.ZRange(c.DB(), string(args[1]), spec)
	if !writeErr(c, err) {
		writeZMembers(c, ms, withScores)
	}
}

// parseZRange reads the two ends of spec's range (by rank, score or lex),
// answering the error when they are not valid.
func parseZRange(c *client, spec *engine.ZRangeSpec, lo, hi []byte) bool {
	switch spec.By {
	case engine.ZByRank:
		start, ok1 := parseInt(lo)
		stop, ok2 := parseInt(hi)
		if !ok1 || !ok2 {
			c.conn.WriteError(errNotInteger)
			return false
		}
		spec.Start, spec.Stop = start, stop
	case engine.ZByScore:
		var ok1, ok2 bool
		spec.Score.Min, spec.Score.MinEx, ok1 = engine.ParseScoreBound(lo)
		spec.Score.Max, spec.Score.MaxEx, ok2 = engine.ParseScoreBound(hi)
		if !ok1 || !ok2 {
			c.conn.WriteError(errZMinMaxFloat)
			return false
		}
	default:
		var ok1, ok2 bool
		spec.LexMin, ok1 = engine.ParseLexBound(lo)
		spec.LexMax, ok2 = engine.ParseLexBound(hi)
		if !ok1 || !ok2 {
			c.conn.WriteError(errZMinMaxLex)
			return false
		}
	}
	return true
}

func cmdZCount(s *Server, c *client, args [][]byte) { zcount(c, args, engine.ZByScore) }
func cmdZLexCount(s *Server, c *client, args [][]byte) {
	zcount(c, args, engine.ZByLex)
}

func zcount(c *client, args [][]byte, by int) {
	spec := engine.ZRangeSpec{By: by, Count: -1}
	if !parseZRange(c, &spec, args[2], args[3]) {
		return
	}
	n, err := c.eng.ZCount(c.DB(), string(args[1]), spec)
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdZRemRangeByRank(s *Server, c *client, args [][]byte) {
	zremrange(c, args, engine.ZByRank)
}
func cmdZRemRangeByScore(s *Server, c *client, args [][]byte) {
	zremrange(c, args, engine.ZByScore)
}
func cmdZRemRangeByLex(s *Server, c *client, args [][]byte) {
	zremrange(c, args, engine.ZByLex)
}

func zremrange(c *client, args [][]byte, by int) {
	spec := engine.ZRangeSpec{By: by, Count: -1}
	if !parseZRange(c, &spec, args[2], args[3]) {
		return
	}
	n, err := c.eng.ZRemRange(c.DB(), string(args[1]), spec)
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}
