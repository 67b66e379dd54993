package resp

import (
	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/engine/rdb"
)

func registerDumpCommands(t commandTable) {
	add := func(name string, arity int, flags cmdFlags, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keySpec{1, 1, 1}, group: "generic", since: since, summary: summary, handler: h})
	}
	add("dump", 2, flagReadOnly, "2.6.0", "Returns a serialized representation of the value stored at a key.", cmdDump)
	add("restore", -4, flagWrite|flagDenyOOM, "2.6.0", "Creates a key from the serialized representation of a value.", cmdRestore)
}

// cmdDump answers the value of a key in Redis's DUMP format (package
// rdb), which RESTORE here or in Redis reads back.
func cmdDump(s *Server, c *client, args [][]byte) {
	it, enc, ok := c.eng.Dump(c.DB(), string(args[1]))
	if !ok {
		c.conn.WriteNull()
		return
	}
	p, err := rdb.Encode(nil, &it, enc)
	if err != nil {
		c.conn.WriteError(sanitize("ERR " + err.Error()))
		return
	}
	c.conn.WriteBulk(p)
}

// cmdRestore is RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME
// seconds] [FREQ frequency], checking its arguments in Redis's order:
// options, an existing key, the TTL, the payload's footer, its object.
func cmdRestore(s *Server, c *client, args [][]byte) {
	o := engine.RestoreOptions{IdleSecs: -1, Freq: -1}
	absTTL := false
	for i := 4; i < len(args); i++ {
		more := i+1 < len(args)
		switch {
		case equalFold(args[i], "replace"):
			o.Replace = true
		case equalFold(args[i], "absttl"):
			absTTL = true
		case equalFold(args[i], "idletime") && more && o.Freq < 0:
			v, ok := parseInt64(args[i+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			if v < 0 {
				c.conn.WriteError(errRestoreIdle)
				return
			}
			o.IdleSecs = v
			i++
		case equalFold(args[i], "freq") && more && o.IdleSecs < 0:
			v, ok := parseInt64(args[i+1])
			if !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			if v < 0 || v > 255 {
				c.conn.WriteError(errRestoreFreq)
				return
			}
			o.Freq = int(v)
			i++
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	key := string(args[1])
	if !o.Replace && c.eng.Live(c.DB(), key) {
		c.conn.WriteError(errBusyKey)
		return
	}
	ttl, ok := parseInt64(args[2])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	if ttl < 0 {
		c.conn.WriteError(errRestoreTTL)
		return
	}
	typ, val, err := rdb.Decode(args[3])
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	it := engine.Item{DB: c.DB(), Key: key, Type: typ, Value: val, ExpireAt: ttl}
	if ttl != 0 && !absTTL {
		it.ExpireAt = c.eng.NowMs() + ttl
	}
	if err := c.eng.Restore(&it, o); err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	okReply(c)
}
