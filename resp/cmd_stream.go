package resp

import (
	"math"
	"slices"
	"time"

	"github.com/nadb-server/nadb-server/engine"
)

// registerStreamCommands adds the stream commands (without consumer
// groups), with Redis 7.0's arity, flags and key positions.
func registerStreamCommands(t commandTable) {
	one := keySpec{1, 1, 1}
	add := func(name string, arity int, flags cmdFlags, keys keySpec, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keys, group: "stream", since: since, summary: summary, handler: h})
	}
	add("xadd", -5, flagWrite|flagDenyOOM|flagFast, one, "5.0.0", "Appends a new message to a stream. Creates the key if it doesn't exist.", cmdXAdd)
	add("xlen", 2, flagReadOnly|flagFast, one, "5.0.0", "Return the number of messages in a stream.", cmdXLen)
	add("xrange", -4, flagReadOnly, one, "5.0.0", "Returns the messages from a stream within a range of IDs.", cmdXRange(false))
	add("xrevrange", -4, flagReadOnly, one, "5.0.0", "Returns the messages from a stream within a range of IDs in reverse order.", cmdXRange(true))
	add("xdel", -3, flagWrite|flagFast, one, "5.0.0", "Returns the number of messages after removing them from a stream.", cmdXDel)
	add("xtrim", -4, flagWrite, one, "5.0.0", "Deletes messages from the beginning of a stream.", cmdXTrim)
	add("xsetid", -3, flagWrite|flagDenyOOM|flagFast, one, "5.0.0", "An internal command for replicating stream values.", cmdXSetID)
	add("xread", -4, flagReadOnly|flagBlocking|flagMovableKeys, keySpec{}, "5.0.0", "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.", cmdXRead)
	add("xinfo", -2, 0, keySpec{}, "5.0.0", "A container for stream introspection commands.", cmdXInfo)
}

// parseID reads a stream ID argument ("ms-seq", or "ms" with the
// sequence missingSeq), answering Redis's error when it is not one.
func parseID(c *client, b []byte, missingSeq uint64) (engine.StreamID, bool) {
	id, _, ok := engine.ParseStreamID(b, missingSeq)
	if !ok {
		c.conn.WriteError(errStreamID)
	}
	return id, ok
}

// parseTrim reads XADD's and XTRIM's trimming options from args[i:]:
// MAXLEN or MINID, = or ~, the threshold, LIMIT. It returns the trim
// (nil when none), the index of the first argument that is not one
// (XADD's ID), and false after answering an error. XTRIM (trimOnly)
// takes nothing else, XADD NOMKSTREAM too.
func parseTrim(c *client, args [][]byte, i int, trimOnly bool) (trim *engine.StreamTrim, noMk bool, next int, ok bool) {
	var t engine.StreamTrim
	limitGiven, have := false, false
	for ; i < len(args); i++ {
		a, more := args[i], len(args)-i-1
		switch {
		case !trimOnly && equalFold(a, "nomkstream"):
			noMk = true
		case (equalFold(a, "maxlen") || equalFold(a, "minid")) && more >= 1:
			minid := equalFold(a, "minid")
			if have {
				c.conn.WriteError(errTrimBoth)
				return nil, false, 0, false
			}
			have, t.MinID = true, minid
			if v := args[i+1]; len(v) == 1 && (v[0] == '~' || v[0] == '=') && more >= 2 {
				t.Approx = v[0] == '~'
				i++
			}
			i++
			if minid {
				id, ok := parseID(c, args[i], 0)
				if !ok {
					return nil, false, 0, false
				}
				t.Min = id
				continue
			}
			n, ok := parseInt(args[i])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return nil, false, 0, false
			}
			if n < 0 {
				c.conn.WriteError(errStreamMaxLen)
				return nil, false, 0, false
			}
			t.MaxLen = n
		case equalFold(a, "limit") && more >= 1:
			n, ok := parseInt(args[i+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return nil, false, 0, false
			}
			if n < 0 {
				c.conn.WriteError(errStreamLimit)
				return nil, false, 0, false
			}
			t.Limit, limitGiven = n, true
			i++
		case trimOnly:
			c.conn.WriteError(errSyntax)
			return nil, false, 0, false
		default:
			goto done
		}
	}
done:
	switch {
	case t.Limit != 0 && !have:
		c.conn.WriteError(errTrimNoStrategy)
		return nil, false, 0, false
	case trimOnly && !have:
		c.conn.WriteError(errXTrimNoStrategy)
		return nil, false, 0, false
	case limitGiven && !t.Approx:
		c.conn.WriteError(errTrimLimit)
		return nil, false, 0, false
	}
	if t.Approx && !limitGiven {
		t.Limit = 100 * 100 // Redis: 100 times stream-node-max-entries
	}
	if have {
		trim = &t
	}
	return trim, noMk, i, true
}

func cmdXAdd(s *Server, c *client, args [][]byte) {
	trim, noMk, i, ok := parseTrim(c, args, 2, false)
	if !ok {
		return
	}
	if i >= len(args) {
		c.conn.WriteError(errArity("xadd"))
		return
	}
	var want engine.XAddID
	switch a := args[i]; {
	case len(a) == 1 && a[0] == '*':
		want.Auto = true
	case len(a) > 2 && a[len(a)-2] == '-' && a[len(a)-1] == '*':
		id, hasSeq, ok := engine.ParseStreamID(a[:len(a)-2], 0)
		if !ok || hasSeq {
			c.conn.WriteError(errStreamID)
			return
		}
		want.ID, want.AutoSeq = id, true
	default:
		id, _, ok := engine.ParseStreamID(a, 0)
		if !ok {
			c.conn.WriteError(errStreamID)
			return
		}
		want.ID = id
	}
	if n := len(args) - i; n < 3 || (n-1)%2 != 0 {
		c.conn.WriteError(errArity("xadd"))
		return
	}
	if !want.Auto && !want.AutoSeq && want.ID == (engine.StreamID{}) {
		c.conn.WriteError(errXAddZero) // after the arity, as Redis
		return
	}
	id, done, err := c.eng.XAdd(c.DB(), string(args[1]), want, args[i+1:], noMk, trim)
	switch {
	case writeErr(c, err):
	case !done:
		c.conn.WriteNull()
	default:
		c.conn.WriteBulk(id.Append(nil))
	}
}

func cmdXLen(s *Server, c *client, args [][]byte) {
	n, err := c.eng.XLen(c.DB(), string(args[1]))
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

// parseRangeID reads an XRANGE bound: "-", "+", an ID (a missing
// sequence is 0 for a start, the largest for an end), or one of these
// after "(" for an exclusive bound.
func parseRangeID(c *client, b []byte, start bool) (engine.StreamID, bool) {
	exclusive := len(b) > 1 && b[0] == '('
	if exclusive {
		b = b[1:]
	}
	var id engine.StreamID
	switch {
	case exclusive && len(b) == 1 && (b[0] == '-' || b[0] == '+'):
		c.conn.WriteError(errStreamID)
		return id, false
	case len(b) == 1 && b[0] == '-':
		id = engine.StreamID{}
	case len(b) == 1 && b[0] == '+':
		id = engine.MaxStreamID
	default:
		missing := uint64(0)
		if !start {
			missing = math.MaxUint64
		}
		var ok bool
		if id, ok = parseID(c, b, missing); !ok {
			return id, false
		}
	}
	if !exclusive {
		return id, true
	}
	var ok bool
	if start {
		id, ok = id.Next()
		if !ok {
			c.conn.WriteError(errStreamStartID)
		}
	} else {
		id, ok = id.Prev()
		if !ok {
			c.conn.WriteError(errStreamEndID)
		}
	}
	return id, ok
}

func cmdXRange(rev bool) handlerFunc {
	return func(s *Server, c *client, args [][]byte) {
		startArg, endArg := args[2], args[3]
		if rev {
			startArg, endArg = endArg, startArg
		}
		start, ok := parseRangeID(c, startArg, true)
		if !ok {
			return
		}
		end, ok := parseRangeID(c, endArg, false)
		if !ok {
			return
		}
		count := int64(-1)
		for j := 4; j < len(args); j++ {
			if !equalFold(args[j], "count") || j+1 >= len(args) {
				c.conn.WriteError(errSyntax)
				return
			}
			n, ok := parseInt(args[j+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			count = max(n, 0)
			j++
		}
		if count == 0 {
			// Redis looks the key up first: a missing one answers an
			// empty array, another type WRONGTYPE, a stream nil.
			switch typ, live := c.eng.LiveType(c.DB(), string(args[1])); {
			case !live:
				c.conn.WriteArray(0)
			case typ != engine.TypeStream:
				c.conn.WriteError(errWrongType)
			default:
				c.conn.WriteNullArray()
			}
			return
		}
		ents, err := c.eng.XRange(c.DB(), string(args[1]), start, end, max(count, 0), rev)
		if !writeErr(c, err) {
			writeEntries(c, ents)
		}
	}
}

// writeStreamReads writes XREAD's and XREADGROUP's reply for n keys:
// RESP3, a map of each key to its entries; RESP2, [key, entries] pairs.
func writeStreamReads(c *client, n int, key func(i int) string, entries func(i int)) {
	if c.conn.resp3 {
		c.conn.WriteMap(n)
	} else {
		c.conn.WriteArray(n)
	}
	for i := range n {
		if !c.conn.resp3 {
			c.conn.WriteArray(2)
		}
		c.conn.WriteBulkString(key(i))
		entries(i)
	}
}

// parseBlockCount reads XREAD's and XREADGROUP's BLOCK or COUNT option at
// args[i] (with its value after it) into a, reporting whether it was one,
// and false in ok after answering an error.
func parseBlockCount(c *client, args [][]byte, i int, a *xreadArgs) (isOpt, ok bool) {
	if i+1 >= len(args) {
		return false, true
	}
	switch {
	case equalFold(args[i], "block"):
		ms, ok := parseInt(args[i+1])
		if !ok {
			c.conn.WriteError(errTimeout)
			return true, false
		}
		if ms < 0 {
			c.conn.WriteError(errTimeoutNegative)
			return true, false
		}
		a.block, a.timeout = true, time.Duration(min(ms, math.MaxInt64/int64(time.Millisecond)))*time.Millisecond
		return true, true
	case equalFold(args[i], "count"):
		n, ok := parseInt(args[i+1])
		if !ok {
			c.conn.WriteError(errNotInteger)
			return true, false
		}
		a.count = max(n, 0)
		return true, true
	}
	return false, true
}

// writeEntries writes stream entries: each its ID and its fields and
// values.
func writeEntries(c *client, ents []engine.StreamEntry) {
	c.conn.WriteArray(len(ents))
	for i := range ents {
		writeEntry(c, &ents[i])
	}
}

func writeEntry(c *client, en *engine.StreamEntry) {
	c.conn.WriteArray(2)
	c.conn.WriteBulk(en.ID.Append(nil))
	writeBulks(c, en.Fields)
}

func cmdXDel(s *Server, c *client, args [][]byte) {
	// The key first, as Redis: missing, 0 whatever the IDs.
	switch typ, live := c.eng.LiveType(c.DB(), string(args[1])); {
	case !live:
		c.conn.WriteInt(0)
		return
	case typ != engine.TypeStream:
		c.conn.WriteError(errWrongType)
		return
	}
	ids := make([]engine.StreamID, len(args)-2)
	for i, a := range args[2:] {
		id, ok := parseID(c, a, 0)
		if !ok {
			return
		}
		ids[i] = id
	}
	n, err := c.eng.XDel(c.DB(), string(args[1]), ids)
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdXTrim(s *Server, c *client, args [][]byte) {
	trim, _, _, ok := parseTrim(c, args, 2, true)
	if !ok {
		return
	}
	n, err := c.eng.XTrim(c.DB(), string(args[1]), *trim)
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdXSetID(s *Server, c *client, args [][]byte) {
	last, ok := parseID(c, args[2], 0)
	if !ok {
		return
	}
	var added *uint64
	var maxDel *engine.StreamID
	for i := 3; i < len(args); i++ {
		switch a := args[i]; {
		case equalFold(a, "entriesadded") && i+1 < len(args):
			n, ok := parseInt(args[i+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			if n < 0 {
				c.conn.WriteError(errEntriesAddedNegative)
				return
			}
			v := uint64(n)
			added = &v
			i++
		case equalFold(a, "maxdeletedid") && i+1 < len(args):
			id, ok := parseID(c, args[i+1], 0)
			if !ok {
				return
			}
			if last.Compare(id) < 0 {
				c.conn.WriteError(errXSetIDMaxDel)
				return
			}
			maxDel = &id
			i++
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	if !writeErr(c, c.eng.XSetID(c.DB(), string(args[1]), last, added, maxDel)) {
		okReply(c)
	}
}

// xreadArgs are XREAD's parsed arguments.
type xreadArgs struct {
	count   int64
	block   bool
	timeout time.Duration
	keys    []string
	ids     [][]byte // as given: "$" or an ID
}

func parseXRead(c *client, args [][]byte) (xreadArgs, bool) {
	var a xreadArgs
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		switch arg := args[i]; {
		case equalFold(arg, "group") && more >= 2:
			c.conn.WriteError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
			return a, false
		case equalFold(arg, "noack"):
			c.conn.WriteError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
			return a, false
		case equalFold(arg, "block") && more >= 1 && c.inScript:
			c.conn.WriteError("ERR " + string(args[0]) + " command is not allowed with BLOCK option from scripts")
			return a, false
		case equalFold(arg, "block") || equalFold(arg, "count"):
			isOpt, ok := parseBlockCount(c, args, i, &a)
			if !ok {
				return a, false
			}
			if !isOpt {
				c.conn.WriteError(errSyntax)
				return a, false
			}
			i++
		case equalFold(arg, "streams") && more >= 1:
			if more%2 != 0 {
				c.conn.WriteError(errXReadUnbalanced)
				return a, false
			}
			n := more / 2
			for _, k := range args[i+1 : i+1+n] {
				a.keys = append(a.keys, string(k))
			}
			a.ids = args[i+1+n:]
			return a, true
		default:
			c.conn.WriteError(errSyntax)
			return a, false
		}
	}
	c.conn.WriteError(errSyntax)
	return a, false
}

func cmdXRead(s *Server, c *client, args [][]byte) {
	a, ok := parseXRead(c, args)
	if !ok {
		return
	}
	db := c.DB()
	after := make([]engine.StreamID, len(a.ids))
	dollar := make([]bool, len(a.ids))
	for i, b := range a.ids {
		// Each key's type, then its ID, in order, as Redis checks them.
		if typ, live := c.eng.LiveType(db, a.keys[i]); live && typ != engine.TypeStream {
			c.conn.WriteError(errWrongType)
			return
		}
		switch {
		case len(b) == 1 && b[0] == '$':
			dollar[i] = true
		case len(b) == 1 && b[0] == '>':
			c.conn.WriteError(errXReadGreater)
			return
		default:
			id, ok := parseID(c, b, 0)
			if !ok {
				return
			}
			after[i] = id
		}
	}
	// "$" is the last ID when the command runs: resolved in the group
	// that tries it, so that no entry comes in between.
	resolve := func(tx *engine.Engine) error {
		for i, d := range dollar {
			if d {
				id, err := tx.XLastID(db, a.keys[i])
				if err != nil {
					return err
				}
				after[i] = id
			}
		}
		return nil
	}
	reply := func(res []engine.StreamRead, err error) func(*client) {
		switch {
		case err != nil:
			return func(c *client) { writeErr(c, err) }
		case len(res) == 0:
			return nil
		}
		return func(c *client) {
			writeStreamReads(c, len(res), func(i int) string { return res[i].Key }, func(i int) { writeEntries(c, res[i].Entries) })
		}
	}
	if !a.block {
		var now func(*client)
		c.eng.Group(func(tx *engine.Engine) {
			if err := resolve(tx); err != nil {
				now = reply(nil, err)
				return
			}
			now = reply(tx.XRead(db, a.keys, after, a.count))
		})
		if now == nil {
			c.conn.WriteNullArray()
			return
		}
		now(c)
		return
	}
	s.runBlocking(c, blocking{
		typ: engine.TypeStream, keys: a.keys, timeout: a.timeout,
		attempt: func(tx *engine.Engine) func(*client) {
			if err := resolve(tx); err != nil {
				return reply(nil, err)
			}
			return reply(tx.XRead(db, a.keys, after, a.count))
		},
		// A key named twice waits with its first ID, as in Redis.
		ready: func(tx *engine.Engine, key string) bool {
			i := slices.Index(a.keys, key)
			return i >= 0 && tx.XHasAfter(db, key, after[i])
		},
		serve: func(tx *engine.Engine, key string) func(*client) {
			i := slices.Index(a.keys, key)
			ents, err := tx.XReadAfter(db, key, after[i], a.count)
			return reply([]engine.StreamRead{{Key: key, Entries: ents}}, err)
		},
		empty: func(c *client) { c.conn.WriteNullArray() },
	})
}

func cmdXInfo(s *Server, c *client, args [][]byte) {
	switch sub := args[1]; {
	case equalFold(sub, "help") && len(args) == 2:
		writeHelp(c, "XINFO",
			"CONSUMERS <key> <groupname>",
			"    Show consumers of <groupname>.",
			"GROUPS <key>",
			"    Show the stream consumer groups.",
			"STREAM <key> [FULL [COUNT <count>]",
			"    Show information about the stream.")
	case equalFold(sub, "stream") && len(args) >= 3:
		xinfoStream(c, args)
	case equalFold(sub, "groups") && len(args) == 3:
		xinfoGroups(c, args)
	case equalFold(sub, "consumers") && len(args) == 4:
		xinfoConsumers(c, args)
	case equalFold(sub, "stream"), equalFold(sub, "groups"), equalFold(sub, "consumers"), equalFold(sub, "help"):
		c.conn.WriteError(errArity("xinfo|" + string(lowerASCII(sub))))
	default:
		c.conn.WriteError(errUnknownSubcommand("xinfo", sub))
	}
}

func xinfoStream(c *client, args [][]byte) {
	// The key first, as Redis: then the arguments.
	switch typ, live := c.eng.LiveType(c.DB(), string(args[2])); {
	case !live:
		c.conn.WriteError(errNoSuchKey)
		return
	case typ != engine.TypeStream:
		c.conn.WriteError(errWrongType)
		return
	}
	full, count := false, int64(10)
	malformed := func() {
		c.conn.WriteError("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try XINFO HELP.")
	}
	if len(args) > 3 {
		if !equalFold(args[3], "full") {
			malformed()
			return
		}
		full = true
		switch {
		case len(args) == 4:
		case len(args) == 6 && equalFold(args[4], "count"):
			n, ok := parseInt(args[5])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			if n >= 0 {
				count = n
			}
		default:
			malformed()
			return
		}
	}
	in, ok, err := c.eng.XInfo(c.DB(), string(args[2]), full, count)
	switch {
	case writeErr(c, err):
		return
	case !ok:
		c.conn.WriteError(errNoSuchKey)
		return
	}
	id := func(v engine.StreamID) { c.conn.WriteBulk(v.Append(nil)) }
	if full {
		c.conn.WriteMap(9)
	} else {
		c.conn.WriteMap(10)
	}
	c.conn.WriteBulkString("length")
	c.conn.WriteInt(in.Length)
	c.conn.WriteBulkString("radix-tree-keys")
	c.conn.WriteInt(in.Nodes)
	c.conn.WriteBulkString("radix-tree-nodes")
	c.conn.WriteInt(in.Nodes + 1)
	c.conn.WriteBulkString("last-generated-id")
	id(in.Last)
	c.conn.WriteBulkString("max-deleted-entry-id")
	id(in.MaxDeleted)
	c.conn.WriteBulkString("entries-added")
	c.conn.WriteInt64(int64(min(in.Added, math.MaxInt64)))
	c.conn.WriteBulkString("recorded-first-entry-id")
	id(in.First)
	if full {
		c.conn.WriteBulkString("entries")
		writeEntries(c, in.Entries)
		c.conn.WriteBulkString("groups")
		writeGroupsFull(c, in.GroupInfo)
		return
	}
	c.conn.WriteBulkString("groups")
	c.conn.WriteInt(in.Groups)
	c.conn.WriteBulkString("first-entry")
	writeMaybeEntry(c, in.FirstEntry)
	c.conn.WriteBulkString("last-entry")
	writeMaybeEntry(c, in.LastEntry)
}

// writeMaybeEntry writes en, or nil.
func writeMaybeEntry(c *client, en *engine.StreamEntry) {
	if en == nil {
		c.conn.WriteNull()
		return
	}
	writeEntry(c, en)
}
