package resp

import (
	"github.com/nadb-server/nadb-server/engine"
)

// writeAny writes nested replies: string (bulk), []byte (bulk, nil: null),
// int, int64, simple (status), []any, []string and [][]byte (arrays),
// mapReply (a map in RESP3), setReply (a set in RESP3), nil (null).
func writeAny(w *replyWriter, v any) {
	switch v := v.(type) {
	case nil:
		w.WriteNull()
	case string:
		w.WriteBulkString(v)
	case []byte:
		if v == nil {
			w.WriteNull()
		} else {
			w.WriteBulk(v)
		}
	case int:
		w.WriteInt(v)
	case int64:
		w.WriteInt64(v)
	case simple:
		w.WriteString(string(v))
	case mapReply:
		w.WriteMap(len(v) / 2)
		for _, x := range v {
			writeAny(w, x)
		}
	case setReply:
		w.WriteSet(len(v))
		for _, x := range v {
			writeAny(w, x)
		}
	case []any:
		w.WriteArray(len(v))
		for _, x := range v {
			writeAny(w, x)
		}
	case []string:
		w.WriteArray(len(v))
		for _, x := range v {
			w.WriteBulkString(x)
		}
	case [][]byte:
		w.WriteArray(len(v))
		for _, x := range v {
			writeAny(w, x)
		}
	default:
		panic("resp: writeAny of unsupported type")
	}
}

// simple is a RESP simple string inside writeAny.
type simple string

// mapReply is a map inside writeAny: keys and values alternating. RESP3
// sends it as a map, RESP2 as a flat array.
type mapReply []any

// setReply is a set inside writeAny: RESP3 sends it as a set, RESP2 as an
// array.
type setReply []any

// parseInt parses a Redis integer argument (see engine.ParseInt).
func parseInt(b []byte) (int64, bool) { return engine.ParseInt(b) }

// equalFold compares an argument with a lower-case ASCII word.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func okReply(c *client) { c.conn.WriteString("OK") }

// writeHelp answers CONTAINER HELP as Redis does: an array of status lines,
// a heading, then each subcommand followed by its indented description.
func writeHelp(c *client, container string, lines ...string) {
	all := append([]string{container + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"}, lines...)
	all = append(all, "HELP", "    Prints this help.")
	c.conn.WriteArray(len(all))
	for _, l := range all {
		c.conn.WriteString(l)
	}
}
