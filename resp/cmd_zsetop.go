package resp

import "github.com/nadb-server/nadb-server/engine"

// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD: numkeys, the
// keys, then options, read as Redis's zunionInterDiffGenericCommand does.

// zsetOpArgs are the parsed arguments of a set operation.
type zsetOpArgs struct {
	keys       []string
	weights    []float64
	agg        int
	withScores bool
	limit      int64
}

// parseZSetOp reads numkeys (at args[at]), the keys and the options of
// command name (op; store for a STORE form, card for ZINTERCARD),
// answering the error when they are not valid.
func parseZSetOp(c *client, args [][]byte, at int, name string, op int, store, card bool) (zsetOpArgs, bool) {
	var a zsetOpArgs
	n, ok := parseInt(args[at])
	switch {
	case !ok:
		c.conn.WriteError(errNotInteger)
		return a, false
	case n < 1:
		c.conn.WriteError("ERR at least 1 input key is needed for '" + name + "' command")
		return a, false
	case n > int64(len(args)-at-1):
		c.conn.WriteError(errSyntax)
		return a, false
	}
	a.keys = make([]string, n)
	for i := range a.keys {
		a.keys[i] = string(args[at+1+i])
	}
	if e := a.options(args[at+1+int(n):], op, store, card); e != "" {
		// Redis checks the inputs' types before the options.
		if err := c.eng.ZSetOpCheck(c.DB(), a.keys); err != nil {
			e = errorText(err)
		}
		c.conn.WriteError(e)
		return a, false
	}
	return a, true
}

// options reads the options after the keys and returns the error text of
// a bad one ("" when all are good).
func (a *zsetOpArgs) options(opts [][]byte, op int, store, card bool) string {
	n := len(a.keys)
	for j := 0; j < len(opts); j++ {
		left := len(opts) - j
		o := opts[j]
		switch {
		case op != engine.ZDiff && !card && left >= n+1 && equalFold(o, "weights"):
			a.weights = make([]float64, n)
			for i := range n {
				w, ok := engine.ParseScore(opts[j+1+i])
				if !ok {
					return errZWeightFloat
				}
				a.weights[i] = w
			}
			j += n
		case op != engine.ZDiff && !card && left >= 2 && equalFold(o, "aggregate"):
			j++
			switch {
			case equalFold(opts[j], "sum"):
				a.agg = engine.ZAggSum
			case equalFold(opts[j], "min"):
				a.agg = engine.ZAggMin
			case equalFold(opts[j], "max"):
				a.agg = engine.ZAggMax
			default:
				return errSyntax
			}
		case !store && !card && equalFold(o, "withscores"):
			a.withScores = true
		case card && left >= 2 && equalFold(o, "limit"):
			j++
			l, ok := parseInt(opts[j])
			if !ok || l < 0 {
				return errZLimitNegative
			}
			a.limit = l
		default:
			return errSyntax
		}
	}
	return ""
}

func cmdZUnion(s *Server, c *client, args [][]byte) { zsetOp(c, args, "zunion", engine.ZUnion) }
func cmdZInter(s *Server, c *client, args [][]byte) { zsetOp(c, args, "zinter", engine.ZInter) }
func cmdZDiff(s *Server, c *client, args [][]byte)  { zsetOp(c, args, "zdiff", engine.ZDiff) }

func zsetOp(c *client, args [][]byte, name string, op int) {
	a, ok := parseZSetOp(c, args, 1, name, op, false, false)
	if !ok {
		return
	}
	ms, err := c.eng.ZSetOp(c.DB(), op, a.keys, a.weights, a.agg)
	if !writeErr(c, err) {
		writeZMembers(c, ms, a.withScores)
	}
}

func cmdZUnionStore(s *Server, c *client, args [][]byte) {
	zsetOpStore(c, args, "zunionstore", engine.ZUnion)
}
func cmdZInterStore(s *Server, c *client, args [][]byte) {
	zsetOpStore(c, args, "zinterstore", engine.ZInter)
}
func cmdZDiffStore(s *Server, c *client, args [][]byte) {
	zsetOpStore(c, args, "zdiffstore", engine.ZDiff)
}

func zsetOpStore(c *client, args [][]byte, name string, op int) {
	a, ok := parseZSetOp(c, args, 2, name, op, true, false)
	if !ok {
		return
	}
	n, err := c.eng.ZSetOpStore(c.DB(), string(args[1]), op, a.keys, a.weights, a.agg)
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdZInterCard(s *Server, c *client, args [][]byte) {
	a, ok := parseZSetOp(c, args, 1, "zintercard", engine.ZInter, false, true)
	if !ok {
		return
	}
	n, err := c.eng.ZInterCard(c.DB(), a.keys, a.limit)
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}
