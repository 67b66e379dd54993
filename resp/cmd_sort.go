package resp

import (
	"bytes"

	"github.com/nadb-server/nadb-server/engine"
)

func registerSortCommands(t commandTable) {
	keys := keySpec{1, 1, 1}
	t.add(command{name: "sort", arity: -2, flags: flagWrite | flagDenyOOM | flagMovableKeys, keys: keys, group: "generic", since: "1.0.0",
		summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.", handler: cmdSort})
	t.add(command{name: "sort_ro", arity: -2, flags: flagReadOnly | flagMovableKeys, keys: keys, group: "generic", since: "7.0.0",
		summary: "Returns the sorted elements of a list, a set, or a sorted set.", handler: cmdSort})
}

// cmdSort answers SORT key [BY pattern] [LIMIT offset count] [GET pattern
// ...] [ASC|DESC] [ALPHA] [STORE destination], and SORT_RO without STORE,
// parsing the options as Redis 7.0 does (the last of a repeated one wins;
// a BY pattern without '*' keeps the native order for good).
func cmdSort(s *Server, c *client, args [][]byte) {
	readonly := equalFold(args[0], "sort_ro")
	spec := engine.SortSpec{Count: -1}
	var store []byte
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		a := args[j]
		switch {
		case equalFold(a, "asc"):
			spec.Desc = false
		case equalFold(a, "desc"):
			spec.Desc = true
		case equalFold(a, "alpha"):
			spec.Alpha = true
		case equalFold(a, "limit") && left >= 2:
			off, ok1 := parseInt(args[j+1])
			cnt, ok2 := parseInt(args[j+2])
			if !ok1 || !ok2 {
				c.conn.WriteError(errNotInteger)
				return
			}
			spec.Offset, spec.Count = off, cnt
			j += 2
		case !readonly && equalFold(a, "store") && left >= 1:
			store = args[j+1]
			j++
		case equalFold(a, "by") && left >= 1:
			spec.By = args[j+1]
			if bytes.IndexByte(spec.By, '*') < 0 {
				spec.NoSort = true
			}
			j++
		case equalFold(a, "get") && left >= 1:
			spec.Gets = append(spec.Gets, args[j+1])
			j++
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	if store != nil {
		n, err := c.eng.SortStore(c.DB(), string(args[1]), string(store), spec)
		if err != nil {
			c.conn.WriteError(errorText(err))
			return
		}
		c.conn.WriteInt(n)
		return
	}
	out, err := c.eng.Sort(c.DB(), string(args[1]), spec)
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	c.conn.WriteArray(len(out))
	for _, v := range out {
		if v == nil {
			c.conn.WriteNull()
		} else {
			c.conn.WriteBulk(v)
		}
	}
}
