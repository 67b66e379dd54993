package resp

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/nadb-server/nadb-server/engine"
)

// registerStreamGroupCommands adds the consumer group commands, with
// Redis 7.0's arity, flags and key positions.
func registerStreamGroupCommands(t commandTable) {
	one := keySpec{1, 1, 1}
	add := func(name string, arity int, flags cmdFlags, keys keySpec, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keys, group: "stream", since: since, summary: summary, handler: h})
	}
	add("xgroup", -2, 0, keySpec{}, "5.0.0", "A container for consumer groups commands.", cmdXGroup)
	add("xreadgroup", -7, flagWrite|flagBlocking|flagMovableKeys, keySpec{}, "5.0.0", "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.", cmdXReadGroup)
	add("xack", -4, flagWrite|flagFast, one, "5.0.0", "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", cmdXAck)
	add("xpending", -3, flagReadOnly, one, "5.0.0", "Returns the information and entries from a stream consumer group's pending entries list.", cmdXPending)
	add("xclaim", -6, flagWrite|flagFast, one, "5.0.0", "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", cmdXClaim)
	add("xautoclaim", -6, flagWrite|flagFast, one, "6.2.0", "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", cmdXAutoClaim)
}

// Errors of the consumer group commands.
const (
	errGroupNoKey      = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
	errBusyGroup       = "BUSYGROUP Consumer Group name already exists"
	errEntriesRead     = "ERR value for ENTRIESREAD must be positive or -1"
	errReadGroupDollar = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
	errMissingGroup    = "ERR Missing GROUP option for XREADGROUP"
	errGroupGone       = "NOGROUP the consumer group this client was blocked on no longer exists"
	errStreamGone      = "UNBLOCKED the stream key no longer exists"
)

// errNoKeyOrGroup answers a missing stream or group for XPENDING, XCLAIM
// and XAUTOCLAIM (suffix: XREADGROUP's addition).
func errNoKeyOrGroup(key, group []byte, suffix string) string {
	return "NOGROUP No such key '" + string(key) + "' or consumer group '" + string(group) + "'" + suffix
}

// parseGroupID reads XGROUP CREATE's and SETID's ID: "$" or an ID.
func parseGroupID(c *client, b []byte) (engine.GroupID, bool) {
	if len(b) == 1 && b[0] == '$' {
		return engine.GroupID{Last: true}, true
	}
	id, ok := parseID(c, b, 0)
	return engine.GroupID{ID: id}, ok
}

// parseEntriesRead reads ENTRIESREAD's value.
func parseEntriesRead(c *client, b []byte) (*int64, bool) {
	n, ok := parseInt(b)
	if !ok {
		c.conn.WriteError(errNotInteger)
		return nil, false
	}
	if n < -1 {
		c.conn.WriteError(errEntriesRead)
		return nil, false
	}
	return &n, true
}

func cmdXGroup(s *Server, c *client, args [][]byte) {
	sub := args[1]
	if equalFold(sub, "help") && len(args) == 2 {
		writeHelp(c, "XGROUP",
			"CREATE <key> <groupname> <id|$> [option]",
			"    Create a new consumer group. Options are:",
			"    * MKSTREAM",
			"      Create the empty stream if it does not exist.",
			"    * ENTRIESREAD entries_read",
			"      Set the group's entries_read counter (internal use).",
			"CREATECONSUMER <key> <groupname> <consumer>",
			"    Create a new consumer in the specified group.",
			"DELCONSUMER <key> <groupname> <consumer>",
			"    Remove the specified consumer.",
			"DESTROY <key> <groupname>",
			"    Remove the specified group.",
			"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
			"    Set the current group ID and entries_read counter.")
		return
	}
	arity := map[string]int{"create": -5, "setid": -5, "destroy": 4, "createconsumer": 5, "delconsumer": 5, "help": 2}
	name := string(lowerASCII(sub))
	n, known := arity[name]
	switch {
	case !known:
		c.conn.WriteError(errUnknownSubcommand("xgroup", sub))
		return
	case (n >= 0 && len(args) != n) || (n < 0 && len(args) < -n):
		c.conn.WriteError(errArity("xgroup|" + name))
		return
	}
	db, key, group := c.DB(), string(args[2]), string(args[3])
	malformed := func() {
		c.conn.WriteError("ERR unknown subcommand or wrong number of arguments for '" + string(sub) + "'. Try XGROUP HELP.")
	}
	// As Redis: CREATE's options, then the key (and the group that
	// SETID, CREATECONSUMER and DELCONSUMER need), then the ID.
	mk := false
	var read *int64
	if name == "create" || name == "setid" {
		if name == "create" && len(args) > 8 {
			malformed()
			return
		}
		for i := 5; i < len(args); i++ {
			var ok bool
			switch {
			case name == "create" && equalFold(args[i], "mkstream"):
				mk = true
			case equalFold(args[i], "entriesread") && i+1 < len(args):
				if read, ok = parseEntriesRead(c, args[i+1]); !ok {
					return
				}
				i++
			default:
				malformed()
				return
			}
		}
	}
	stream, hasGroup, err := c.eng.XGroupState(db, key, group)
	switch {
	case writeErr(c, err):
		return
	case !stream && !mk:
		c.conn.WriteError(errGroupNoKey)
		return
	case !hasGroup && (name == "setid" || name == "createconsumer" || name == "delconsumer"):
		c.conn.WriteError(errNoGroup(args[3], args[2]))
		return
	}
	switch name {
	case "create", "setid":
		var id engine.GroupID
		switch a := args[4]; {
		case name == "setid" && len(a) == 1 && a[0] == '-':
			id = engine.GroupID{}
		case name == "setid" && len(a) == 1 && a[0] == '+':
			id = engine.GroupID{ID: engine.MaxStreamID}
		default:
			var ok bool
			if id, ok = parseGroupID(c, a); !ok {
				return
			}
		}
		if name == "create" {
			err = c.eng.XGroupCreate(db, key, group, id, mk, read)
		} else {
			err = c.eng.XGroupSetID(db, key, group, id, read)
		}
		if err == nil {
			okReply(c)
			return
		}
	case "destroy":
		var done bool
		if done, err = c.eng.XGroupDestroy(db, key, group); err == nil {
			c.conn.WriteInt(boolInt(done))
			return
		}
	case "createconsumer":
		var done bool
		if done, err = c.eng.XGroupCreateConsumer(db, key, group, string(args[4])); err == nil {
			c.conn.WriteInt(boolInt(done))
			return
		}
	case "delconsumer":
		var n int
		if n, err = c.eng.XGroupDelConsumer(db, key, group, string(args[4])); err == nil {
			c.conn.WriteInt(n)
			return
		}
	}
	switch {
	case errors.Is(err, engine.ErrGroupNoKey):
		c.conn.WriteError(errGroupNoKey)
	case errors.Is(err, engine.ErrBusyGroup):
		c.conn.WriteError(errBusyGroup)
	case errors.Is(err, engine.ErrNoGroup):
		c.conn.WriteError(errNoGroup(args[3], args[2]))
	default:
		writeErr(c, err)
	}
}

// writeGroupEntries writes the entries XREADGROUP, XCLAIM and XAUTOCLAIM
// return: an entry the stream no longer holds as its ID and a nil; with
// justID only the IDs.
func writeGroupEntries(c *client, ents []engine.GroupEntry, justID bool) {
	c.conn.WriteArray(len(ents))
	for i := range ents {
		en := &ents[i]
		if justID {
			c.conn.WriteBulk(en.ID.Append(nil))
			continue
		}
		if en.Deleted {
			c.conn.WriteArray(2)
			c.conn.WriteBulk(en.ID.Append(nil))
			c.conn.WriteNullArray()
			continue
		}
		writeEntry(c, &en.StreamEntry)
	}
}

func cmdXReadGroup(s *Server, c *client, args [][]byte) {
	var group, consumer []byte
	var a xreadArgs
	noAck := false
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		switch arg := args[i]; {
		case equalFold(arg, "group") && more >= 2:
			group, consumer = args[i+1], args[i+2]
			i += 2
		case equalFold(arg, "noack"):
			noAck = true
		case equalFold(arg, "block") && more >= 1 && c.inScript:
			c.conn.WriteError("ERR " + string(args[0]) + " command is not allowed with BLOCK option from scripts")
			return
		case (equalFold(arg, "block") || equalFold(arg, "count")) && more >= 1:
			if _, ok := parseBlockCount(c, args, i, &a); !ok {
				return
			}
			i++
		case equalFold(arg, "streams") && more >= 1:
			if more%2 != 0 {
				c.conn.WriteError(errXReadUnbalanced)
				return
			}
			n := more / 2
			for _, k := range args[i+1 : i+1+n] {
				a.keys = append(a.keys, string(k))
			}
			a.ids = args[i+1+n:]
			i = len(args)
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	if a.keys == nil {
		c.conn.WriteError(errSyntax)
		return
	}
	if group == nil {
		c.conn.WriteError(errMissingGroup)
		return
	}
	db := c.DB()
	reads := make([]engine.GroupRead, len(a.keys))
	allNew := true
	g, cons := string(group), string(consumer)
	for i, b := range a.ids {
		reads[i].Key = a.keys[i]
		// Each key's group, then its ID, in order, as Redis checks them
		// (the read checks the groups again, with the engine's lock).
		if err := c.eng.XGroupCheck(db, g, a.keys[i:i+1]); err != nil {
			var ng *engine.NoGroupError
			if errors.As(err, &ng) {
				c.conn.WriteError(errNoKeyOrGroup([]byte(ng.Key), group, " in XREADGROUP with GROUP option"))
			} else {
				writeErr(c, err)
			}
			return
		}
		switch {
		case len(b) == 1 && b[0] == '>':
			reads[i].New = true
		case len(b) == 1 && b[0] == '$':
			c.conn.WriteError(errReadGroupDollar)
			return
		default:
			id, ok := parseID(c, b, 0)
			if !ok {
				return
			}
			reads[i].After, allNew = id, false
		}
	}
	reply := func(res []engine.GroupReadResult, err error) func(*client) {
		var ng *engine.NoGroupError
		switch {
		case errors.As(err, &ng):
			return func(c *client) {
				c.conn.WriteError(errNoKeyOrGroup([]byte(ng.Key), group, " in XREADGROUP with GROUP option"))
			}
		case err != nil:
			return func(c *client) { writeErr(c, err) }
		case len(res) == 0:
			return nil
		}
		return func(c *client) {
			writeStreamReads(c, len(res), func(i int) string { return res[i].Key }, func(i int) { writeGroupEntries(c, res[i].Entries, false) })
		}
	}
	if !a.block || !allNew {
		var now func(*client)
		c.eng.Group(func(tx *engine.Engine) {
			now = reply(tx.XReadGroup(db, g, cons, reads, a.count, noAck))
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
			return reply(tx.XReadGroup(db, g, cons, reads, a.count, noAck))
		},
		ready:     func(tx *engine.Engine, key string) bool { return tx.XGroupHasNew(db, key, g) },
		serveGone: true,
		serve: func(tx *engine.Engine, key string) func(*client) {
			switch stream, hasGroup, _ := tx.XGroupState(db, key, g); {
			case !stream:
				return func(c *client) { c.conn.WriteError(errStreamGone) }
			case !hasGroup:
				return func(c *client) { c.conn.WriteError(errGroupGone) }
			}
			return reply(tx.XReadGroup(db, g, cons, []engine.GroupRead{{Key: key, New: true, Always: true}}, a.count, noAck))
		},
		empty: func(c *client) { c.conn.WriteNullArray() },
	})
}

func cmdXAck(s *Server, c *client, args [][]byte) {
	// The key and the group first, as Redis: missing, 0 whatever the IDs.
	stream, hasGroup, err := c.eng.XGroupState(c.DB(), string(args[1]), string(args[2]))
	switch {
	case writeErr(c, err):
		return
	case !stream || !hasGroup:
		c.conn.WriteInt(0)
		return
	}
	ids := make([]engine.StreamID, len(args)-3)
	for i, a := range args[3:] {
		id, ok := parseID(c, a, 0)
		if !ok {
			return
		}
		ids[i] = id
	}
	n, err := c.eng.XAck(c.DB(), string(args[1]), string(args[2]), ids)
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdXPending(s *Server, c *client, args [][]byte) {
	key, group := args[1], args[2]
	noGroup := func(err error) bool {
		if errors.Is(err, engine.ErrNoGroup) {
			c.conn.WriteError(errNoKeyOrGroup(key, group, ""))
			return true
		}
		return writeErr(c, err)
	}
	if len(args) == 3 {
		sum, err := c.eng.XPendingSummary(c.DB(), string(key), string(group))
		if noGroup(err) {
			return
		}
		c.conn.WriteArray(4)
		c.conn.WriteInt(sum.Count)
		if sum.Count == 0 {
			c.conn.WriteNull()
			c.conn.WriteNull()
			c.conn.WriteNullArray()
			return
		}
		c.conn.WriteBulk(sum.First.Append(nil))
		c.conn.WriteBulk(sum.Last.Append(nil))
		c.conn.WriteArray(len(sum.Consumers))
		for _, cp := range sum.Consumers {
			c.conn.WriteArray(2)
			c.conn.WriteBulkString(cp.Name)
			c.conn.WriteBulkString(strconv.Itoa(cp.Count))
		}
		return
	}
	if len(args) < 6 || len(args) > 9 { // Redis's bounds; extras are ignored
		c.conn.WriteError(errSyntax)
		return
	}
	i := 3
	minIdle := int64(0)
	if equalFold(args[i], "idle") {
		if len(args) < i+2 {
			c.conn.WriteError(errSyntax)
			return
		}
		n, ok := parseInt(args[i+1])
		if !ok {
			c.conn.WriteError(errNotInteger)
			return
		}
		minIdle = max(n, 0)
		i += 2
	}
	if len(args)-i < 3 {
		c.conn.WriteError(errSyntax)
		return
	}
	count, ok := parseInt(args[i+2])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	start, ok := parseRangeID(c, args[i], true)
	if !ok {
		return
	}
	end, ok := parseRangeID(c, args[i+1], false)
	if !ok {
		return
	}
	var consumer *string // what follows it is ignored, as Redis does
	if len(args) > i+3 {
		name := string(args[i+3])
		consumer = &name
	}
	pel, now, err := c.eng.XPendingRange(c.DB(), string(key), string(group), minIdle, start, end, count, consumer)
	if noGroup(err) {
		return
	}
	c.conn.WriteArray(len(pel))
	for _, p := range pel {
		c.conn.WriteArray(4)
		c.conn.WriteBulk(p.ID.Append(nil))
		c.conn.WriteBulkString(p.Consumer)
		c.conn.WriteInt64(max(now-p.Time, 0))
		c.conn.WriteInt64(int64(min(p.Count, math.MaxInt64)))
	}
}

// parseMinIdle reads XCLAIM's and XAUTOCLAIM's min-idle-time.
func parseMinIdle(c *client, b []byte, cmd string) (int64, bool) {
	n, ok := parseInt(b)
	if !ok {
		c.conn.WriteError("ERR Invalid min-idle-time argument for " + cmd)
		return 0, false
	}
	return max(n, 0), true
}

func cmdXClaim(s *Server, c *client, args [][]byte) {
	key, group := args[1], args[2]
	// The key and the group first, as Redis.
	stream, hasGroup, err := c.eng.XGroupState(c.DB(), string(key), string(group))
	switch {
	case writeErr(c, err):
		return
	case !stream || !hasGroup:
		c.conn.WriteError(errNoKeyOrGroup(key, group, ""))
		return
	}
	minIdle, ok := parseMinIdle(c, args[4], "XCLAIM")
	if !ok {
		return
	}
	var ids []engine.StreamID
	j := 5
	for ; j < len(args); j++ {
		id, _, ok := engine.ParseStreamID(args[j], 0)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	o := engine.ClaimOptions{Time: -1, Retry: -1}
	now := time.Now().UnixMilli()
	for ; j < len(args); j++ {
		more := len(args) - j - 1
		opt := func(name string) (int64, bool) {
			n, ok := parseInt(args[j+1])
			if !ok {
				c.conn.WriteError("ERR Invalid " + name + " option argument for XCLAIM")
				return 0, false
			}
			j++
			return n, true
		}
		switch a := args[j]; {
		case equalFold(a, "force"):
			o.Force = true
		case equalFold(a, "justid"):
			o.JustID = true
		case equalFold(a, "idle") && more >= 1:
			idle, ok := opt("IDLE")
			if !ok {
				return
			}
			// IDLE and TIME both set the delivery time; the last given
			// wins. A bogus one (before 0, after the engine's clock) is
			// the engine's clock.
			o.Time = now - idle
			if idle < 0 || o.Time < 0 {
				o.Time = math.MaxInt64
			}
		case equalFold(a, "time") && more >= 1:
			if o.Time, ok = opt("TIME"); !ok {
				return
			}
			if o.Time < 0 {
				o.Time = math.MaxInt64
			}
		case equalFold(a, "retrycount") && more >= 1:
			if o.Retry, ok = opt("RETRYCOUNT"); !ok {
				return
			}
		case equalFold(a, "lastid") && more >= 1:
			id, ok := parseID(c, args[j+1], 0)
			if !ok {
				return
			}
			o.LastID = &id
			j++
		default:
			c.conn.WriteError("ERR Unrecognized XCLAIM option '" + string(a) + "'")
			return
		}
	}
	ents, err := c.eng.XClaim(c.DB(), string(key), string(group), string(args[3]), minIdle, ids, o)
	if errors.Is(err, engine.ErrNoGroup) {
		c.conn.WriteError(errNoKeyOrGroup(key, group, ""))
		return
	}
	if !writeErr(c, err) {
		writeGroupEntries(c, ents, o.JustID)
	}
}

func cmdXAutoClaim(s *Server, c *client, args [][]byte) {
	key, group := args[1], args[2]
	minIdle, ok := parseMinIdle(c, args[4], "XAUTOCLAIM")
	if !ok {
		return
	}
	start, ok := parseRangeID(c, args[5], true)
	if !ok {
		return
	}
	count, justID := int64(100), false
	for j := 6; j < len(args); j++ {
		switch a := args[j]; {
		case equalFold(a, "count") && j+1 < len(args):
			n, ok := parseInt(args[j+1])
			if !ok || n < 1 || n > math.MaxInt64/16 {
				c.conn.WriteError("ERR COUNT must be > 0")
				return
			}
			count = n
			j++
		case equalFold(a, "justid"):
			justID = true
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	next, ents, deleted, err := c.eng.XAutoClaim(c.DB(), string(key), string(group), string(args[3]), minIdle, start, count, justID)
	if errors.Is(err, engine.ErrNoGroup) {
		c.conn.WriteError(errNoKeyOrGroup(key, group, ""))
		return
	}
	if writeErr(c, err) {
		return
	}
	c.conn.WriteArray(3)
	c.conn.WriteBulk(next.Append(nil))
	writeGroupEntries(c, ents, justID)
	c.conn.WriteArray(len(deleted))
	for _, id := range deleted {
		c.conn.WriteBulk(id.Append(nil))
	}
}

// writeEntriesRead writes a group's entries read, nil when not known.
func writeEntriesRead(c *client, g *engine.GroupInfo) {
	c.conn.WriteBulkString("entries-read")
	if g.Read < 0 {
		c.conn.WriteNull()
	} else {
		c.conn.WriteInt64(g.Read)
	}
	c.conn.WriteBulkString("lag")
	if g.LagKnown {
		c.conn.WriteInt64(g.Lag)
	} else {
		c.conn.WriteNull()
	}
}

func xinfoGroups(c *client, args [][]byte) {
	gs, ok, err := c.eng.XInfoGroups(c.DB(), string(args[2]))
	switch {
	case writeErr(c, err):
		return
	case !ok:
		c.conn.WriteError(errNoSuchKey)
		return
	}
	c.conn.WriteArray(len(gs))
	for i := range gs {
		g := &gs[i]
		c.conn.WriteMap(6)
		c.conn.WriteBulkString("name")
		c.conn.WriteBulkString(g.Name)
		c.conn.WriteBulkString("consumers")
		c.conn.WriteInt(g.Consumers)
		c.conn.WriteBulkString("pending")
		c.conn.WriteInt(g.Pending)
		c.conn.WriteBulkString("last-delivered-id")
		c.conn.WriteBulk(g.Last.Append(nil))
		writeEntriesRead(c, g)
	}
}

func xinfoConsumers(c *client, args [][]byte) {
	cs, now, ok, err := c.eng.XInfoConsumers(c.DB(), string(args[2]), string(args[3]))
	switch {
	case errors.Is(err, engine.ErrNoGroup):
		c.conn.WriteError(errNoGroup(args[3], args[2]))
		return
	case writeErr(c, err):
		return
	case !ok:
		c.conn.WriteError(errNoSuchKey)
		return
	}
	c.conn.WriteArray(len(cs))
	for _, cn := range cs {
		c.conn.WriteMap(3)
		c.conn.WriteBulkString("name")
		c.conn.WriteBulkString(cn.Name)
		c.conn.WriteBulkString("pending")
		c.conn.WriteInt(cn.Pending)
		c.conn.WriteBulkString("idle")
		c.conn.WriteInt64(max(now-cn.Seen, 0))
	}
}

// writeGroupsFull writes XINFO STREAM FULL's groups.
func writeGroupsFull(c *client, gs []engine.GroupInfo) {
	c.conn.WriteArray(len(gs))
	for i := range gs {
		g := &gs[i]
		c.conn.WriteMap(7)
		c.conn.WriteBulkString("name")
		c.conn.WriteBulkString(g.Name)
		c.conn.WriteBulkString("last-delivered-id")
		c.conn.WriteBulk(g.Last.Append(nil))
		writeEntriesRead(c, g)
		c.conn.WriteBulkString("pel-count")
		c.conn.WriteInt(g.Pending)
		c.conn.WriteBulkString("pending")
		c.conn.WriteArray(len(g.PEL))
		for _, p := range g.PEL {
			c.conn.WriteArray(4)
			c.conn.WriteBulk(p.ID.Append(nil))
			c.conn.WriteBulkString(p.Consumer)
			c.conn.WriteInt64(p.Time)
			c.conn.WriteInt64(int64(min(p.Count, math.MaxInt64)))
		}
		c.conn.WriteBulkString("consumers")
		c.conn.WriteArray(len(g.Members))
		for _, cn := range g.Members {
			c.conn.WriteMap(4)
			c.conn.WriteBulkString("name")
			c.conn.WriteBulkString(cn.Name)
			c.conn.WriteBulkString("seen-time")
			c.conn.WriteInt64(cn.Seen)
			c.conn.WriteBulkString("pel-count")
			c.conn.WriteInt(cn.Pending)
			c.conn.WriteBulkString("pending")
			c.conn.WriteArray(len(cn.PEL))
			for _, p := range cn.PEL {
				c.conn.WriteArray(3)
				c.conn.WriteBulk(p.ID.Append(nil))
				c.conn.WriteInt64(p.Time)
				c.conn.WriteInt64(int64(min(p.Count, math.MaxInt64)))
			}
		}
	}
}
