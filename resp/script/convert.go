package script

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/nadb-server/nadb-server/engine"

	lua "github.com/yuin/gopher-lua"
)

// parseReply converts one RESP reply to the Lua value Redis gives a
// script for it, and returns the rest of b. A top-level error reply is
// returned as its text (without '-'), for redis.call to raise; nested
// errors become {err=...} tables. Bytes that are not a reply give nil.
//
//	RESP2: integer -> number, bulk -> string, null bulk or array -> false,
//	       array -> table, status -> {ok=...}, error -> {err=...}
//	RESP3: null -> nil, boolean -> boolean, double -> {double=n},
//	       big number -> {big_number=s}, verbatim ->
//	       {verbatim_string={format=f, string=s}}, map -> {map={k=v}},
//	       set -> {set={member=true}}
func parseReply(L *lua.LState, b []byte) (v lua.LValue, errText string, rest []byte) {
	if len(b) < 3 {
		return lua.LNil, "", nil
	}
	kind := b[0]
	line, rest, ok := cutLine(b[1:])
	if !ok {
		return lua.LNil, "", nil
	}
	switch kind {
	case '+':
		return field(L, "ok", lua.LString(line)), "", rest
	case '-':
		return lua.LNil, string(line), rest
	case ':':
		n, _ := strconv.ParseInt(string(line), 10, 64)
		return lua.LNumber(n), "", rest
	case '$', '=':
		n, _ := strconv.Atoi(string(line))
		if n < 0 {
			return lua.LFalse, "", rest
		}
		if len(rest) < n+2 {
			return lua.LNil, "", nil
		}
		s, rest := rest[:n], rest[n+2:]
		if kind == '=' {
			v := L.NewTable()
			format, text := "", s
			if len(s) >= 4 && s[3] == ':' {
				format, text = string(s[:3]), s[4:]
			}
			v.RawSetString("format", lua.LString(format))
			v.RawSetString("string", lua.LString(text))
			return field(L, "verbatim_string", v), "", rest
		}
		return lua.LString(s), "", rest
	case '*', '~', '%', '>':
		n, _ := strconv.Atoi(string(line))
		if n < 0 {
			return lua.LFalse, "", rest
		}
		items := L.CreateTable(n, 0)
		switch kind {
		case '%':
			items = L.CreateTable(0, n)
		case '~':
			items = L.CreateTable(0, n)
		}
		for i := 0; i < n; i++ {
			var item lua.LValue
			var e string
			if item, e, rest = parseReply(L, rest); e != "" {
				item = field(L, "err", lua.LString(e))
			}
			switch kind {
			case '%':
				var val lua.LValue
				if val, e, rest = parseReply(L, rest); e != "" {
					val = field(L, "err", lua.LString(e))
				}
				items.RawSet(item, val)
			case '~':
				items.RawSet(item, lua.LTrue)
			default:
				items.RawSetInt(i+1, item)
			}
		}
		switch kind {
		case '%':
			return field(L, "map", items), "", rest
		case '~':
			return field(L, "set", items), "", rest
		}
		return items, "", rest
	case '_':
		return lua.LNil, "", rest
	case '#':
		return lua.LBool(len(line) == 1 && line[0] == 't'), "", rest
	case ',':
		return field(L, "double", lua.LNumber(parseDouble(line))), "", rest
	case '(':
		return field(L, "big_number", lua.LString(line)), "", rest
	}
	return lua.LNil, "", nil
}

func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return nil, nil, false
	}
	return b[:i], b[i+2:], true
}

func parseDouble(b []byte) float64 {
	switch string(b) {
	case "inf":
		return math.Inf(1)
	case "-inf":
		return math.Inf(-1)
	}
	f, _ := strconv.ParseFloat(string(b), 64)
	return f
}

func field(L *lua.LState, name string, v lua.LValue) *lua.LTable {
	t := L.CreateTable(0, 1)
	t.RawSetString(name, v)
	return t
}

// maxDepth bounds the nesting of a script's result, as Lua's stack bounds
// it in Redis.
const maxDepth = 1000

// encode appends the reply Redis sends for the Lua value v (see
// luaReplyToRedisReply): numbers are truncated to integers, strings are
// bulk strings, booleans are 1 and null (or RESP3 booleans once the
// script chose RESP3 with redis.setresp), nil is null; a table is an
// error (err), a status (ok), a double, a big number, a verbatim string,
// a map or a set by its one field, else an array of its items up to the
// first nil. resp3 is the client's protocol.
func (st *state) encode(dst []byte, v lua.LValue, resp3 bool, depth int) []byte {
	switch v := v.(type) {
	case lua.LString:
		return appendBulk(dst, string(v))
	case lua.LNumber:
		return appendInt(dst, ':', toInteger(float64(v)))
	case lua.LBool:
		switch {
		case !st.resp3:
			if v {
				return append(dst, ":1\r\n"...)
			}
			return appendNull(dst, resp3)
		case resp3:
			if v {
				return append(dst, "#t\r\n"...)
			}
			return append(dst, "#f\r\n"...)
		case bool(v):
			return append(dst, ":1\r\n"...)
		default:
			return append(dst, ":0\r\n"...)
		}
	case *lua.LTable:
		if depth >= maxDepth {
			return append(dst, "-ERR reached lua stack limit\r\n"...)
		}
		return st.encodeTable(dst, v, resp3, depth)
	}
	return appendNull(dst, resp3)
}

func (st *state) encodeTable(dst []byte, t *lua.LTable, resp3 bool, depth int) []byte {
	if e, ok := t.RawGetString("err").(lua.LString); ok {
		return append(append(append(dst, '-'), sanitize(cString(string(e)))...), "\r\n"...)
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		return append(append(append(dst, '+'), oneLine(cString(string(s)))...), "\r\n"...)
	}
	if d, ok := t.RawGetString("double").(lua.LNumber); ok {
		if resp3 {
			return append(formatNumber(append(dst, ','), float64(d)), "\r\n"...)
		}
		return appendBulk(dst, string(formatNumber(nil, float64(d))))
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		if resp3 {
			return append(append(append(dst, '('), oneLine(string(s))...), "\r\n"...)
		}
		return appendBulk(dst, oneLine(string(s)))
	}
	if vt, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		format, ok1 := vt.RawGetString("format").(lua.LString)
		text, ok2 := vt.RawGetString("string").(lua.LString)
		if ok1 && ok2 {
			if resp3 {
				// Redis takes the format as a C string, cut or padded
				// with spaces to three bytes.
				f := [3]byte{' ', ' ', ' '}
				for i := 0; i < 3 && i < len(format) && format[i] != 0; i++ {
					f[i] = format[i]
				}
				dst = appendInt(dst, '=', int64(len(text)+4))
				return append(append(append(append(dst, f[:]...), ':'), text...), "\r\n"...)
			}
			return appendBulk(dst, string(text))
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		var body []byte
		n := int64(0)
		m.ForEach(func(k, v lua.LValue) {
			body = st.encode(body, k, resp3, depth+1)
			body = st.encode(body, v, resp3, depth+1)
			n++
		})
		if resp3 {
			dst = appendInt(dst, '%', n)
		} else {
			dst = appendInt(dst, '*', 2*n)
		}
		return append(dst, body...)
	}
	if s, ok := t.RawGetString("set").(*lua.LTable); ok {
		var body []byte
		n := int64(0)
		s.ForEach(func(k, _ lua.LValue) {
			body = st.encode(body, k, resp3, depth+1)
			n++
		})
		kind := byte('*')
		if resp3 {
			kind = '~'
		}
		return append(appendInt(dst, kind, n), body...)
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	dst = appendInt(dst, '*', int64(n))
	for i := 1; i <= n; i++ {
		dst = st.encode(dst, t.RawGetInt(i), resp3, depth+1)
	}
	return dst
}

func appendInt(dst []byte, kind byte, n int64) []byte {
	return append(strconv.AppendInt(append(dst, kind), n, 10), "\r\n"...)
}

func appendBulk(dst []byte, s string) []byte {
	return append(append(appendInt(dst, '$', int64(len(s))), s...), "\r\n"...)
}

func appendNull(dst []byte, resp3 bool) []byte {
	if resp3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "$-1\r\n"...)
}

// tonumber is Lua 5.1's tonumber: in base 10 a string is read as C's
// strtod reads it (exponents, hexadecimal, "inf"), with blanks around it;
// other bases are the interpreter's own (base10 runs them).
func tonumber(base10 *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if L.GetTop() >= 2 && L.CheckInt(2) != 10 {
			return base10.GFunction(L)
		}
		switch v := L.Get(1).(type) {
		case lua.LNumber:
			L.Push(v)
		case lua.LString:
			if f, ok := strtod(string(v)); ok {
				L.Push(lua.LNumber(f))
			} else {
				L.Push(lua.LNil)
			}
		default:
			L.CheckAny(1)
			L.Push(lua.LNil)
		}
		return 1
	}
}

// strtod reads s as Lua 5.1's luaO_str2d does with C's strtod: blanks
// around the number, then what Redis's own strtod reading takes
// (engine.ParseLongDouble: exponents, hexadecimal, infinities).
func strtod(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\v\f\r")
	if f, ok := strtodNaN(s); ok {
		return f, true
	}
	return engine.ParseLongDouble([]byte(s))
}

// strtodNaN reads what C's strtod reads as a NaN: an optional sign, "nan"
// in any case, optionally "(chars)"; "-nan" has its sign bit set.
func strtodNaN(s string) (float64, bool) {
	neg := strings.HasPrefix(s, "-")
	rest := strings.TrimLeft(s, "+-")
	if len(s)-len(rest) > 1 || len(rest) < 3 || !strings.EqualFold(rest[:3], "nan") {
		return 0, false
	}
	if tail := rest[3:]; tail != "" {
		inner, ok := strings.CutPrefix(tail, "(")
		if !ok || !strings.HasSuffix(inner, ")") ||
			strings.IndexFunc(inner[:len(inner)-1], func(r rune) bool {
				return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
			}) >= 0 {
			return 0, false
		}
	}
	sign := 1.0
	if neg {
		sign = -1
	}
	return math.Copysign(math.NaN(), sign), true
}

// numberString is a Lua number as Lua 5.1 makes it a string (tostring,
// string.format's %s): C's "%.14g".
func numberString(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f) && math.Signbit(f):
		return "-nan"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}
