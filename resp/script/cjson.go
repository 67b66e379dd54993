package script

import (
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// The cjson library, as Lua CJSON (which Redis embeds) behaves with its
// default settings: numbers as "%.14g", '/' escaped, an empty table as an
// object, a table whose keys are 1..n (with at most as many holes as
// items, or n <= 10) as an array, cjson.null for JSON's null.

const jsonMaxDepth = 1000

func (st *state) cjsonLib() *lua.LTable {
	L := st.L
	t := L.NewTable()
	st.null = L.NewUserData()
	t.RawSetString("null", st.null)
	t.RawSetString("encode", L.NewFunction(st.jsonEncode))
	t.RawSetString("decode", L.NewFunction(st.jsonDecode))
	// The settings are accepted and keep their defaults.
	for _, name := range []string{"encode_sparse_array", "encode_max_depth", "decode_max_depth", "encode_number_precision", "encode_keep_buffer", "encode_invalid_numbers", "decode_invalid_numbers", "decode_array_with_array_mt"} {
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int { return L.GetTop() }))
	}
	return t
}

// jsonFail raises a cjson error, with the script's position as Redis
// gives it.
func jsonFail(L *lua.LState, msg string) {
	L.RaiseError("%s", msg)
}

func (st *state) jsonEncode(L *lua.LState) int {
	if L.GetTop() != 1 {
		jsonFail(L, "bad argument #1 to 'encode' (expected 1 argument)")
	}
	L.Push(lua.LString(st.appendJSON(L, nil, L.Get(1), 0)))
	return 1
}

func (st *state) appendJSON(L *lua.LState, dst []byte, v lua.LValue, depth int) []byte {
	switch v := v.(type) {
	case *lua.LNilType:
		return append(dst, "null"...)
	case lua.LBool:
		return strconv.AppendBool(dst, bool(v))
	case lua.LNumber:
		f := float64(v)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			jsonFail(L, "Cannot serialise number: must not be NaN or Inf")
		}
		return strconv.AppendFloat(dst, f, 'g', 14, 64)
	case lua.LString:
		return appendJSONString(dst, string(v))
	case *lua.LUserData:
		if v == st.null {
			return append(dst, "null"...)
		}
		jsonFail(L, "Cannot serialise userdata: type not supported")
	case *lua.LTable:
		depth++
		if depth > jsonMaxDepth {
			jsonFail(L, "Cannot serialise, excessive nesting ("+strconv.Itoa(depth)+")")
		}
		n, isArray := arrayLength(v)
		if n < 0 {
			jsonFail(L, "Cannot serialise table: excessively sparse array")
		}
		if isArray {
			dst = append(dst, '[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					dst = append(dst, ',')
				}
				dst = st.appendJSON(L, dst, v.RawGetInt(i), depth)
			}
			return append(dst, ']')
		}
		dst = append(dst, '{')
		first := true
		v.ForEach(func(k, val lua.LValue) {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			switch k := k.(type) {
			case lua.LString:
				dst = appendJSONString(dst, string(k))
			case lua.LNumber:
				dst = appendJSONString(dst, strconv.FormatFloat(float64(k), 'g', 14, 64))
			default:
				jsonFail(L, "Cannot serialise table: table key must be a number or string")
			}
			dst = append(dst, ':')
			dst = st.appendJSON(L, dst, val, depth)
		})
		return append(dst, '}')
	default:
		jsonFail(L, "Cannot serialise "+v.Type().String()+": type not supported")
	}
	return dst
}

// arrayLength reports whether t is an array for cjson, and its length;
// -1 for an array too sparse to encode.
func arrayLength(t *lua.LTable) (int, bool) {
	max, items := 0, 0
	array := true
	t.ForEach(func(k, _ lua.LValue) {
		n, ok := k.(lua.LNumber)
		if !ok || n < 1 || float64(n) != math.Floor(float64(n)) {
			array = false
			return
		}
		if int(n) > max {
			max = int(n)
		}
		items++
	})
	if !array || max == 0 {
		return 0, false
	}
	if max > 10 && max > 2*items {
		return -1, true
	}
	return max, true
}

// jsonEscapes holds the escape of every byte CJSON escapes.
var jsonEscapes = func() [128]string {
	var e [128]string
	for c := 0; c < 0x20; c++ {
		e[c] = `\u00` + string("0123456789abcdef"[c>>4]) + string("0123456789abcdef"[c&15])
	}
	e['\b'], e['\f'], e['\n'], e['\r'], e['\t'] = `\b`, `\f`, `\n`, `\r`, `\t`
	e['"'], e['\\'], e['/'] = `\"`, `\\`, `\/`
	e[0x7f] = `\u007f`
	return e
}()

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && jsonEscapes[c] != "" {
			dst = append(dst, jsonEscapes[c]...)
			continue
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}
