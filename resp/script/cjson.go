package script

import (
	"math"
	"strconv"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// The cjson library, as Lua CJSON (which Redis embeds) behaves with its
// default settings: numbers as "%.14g", '/' escaped, an empty table as an
// object, a table whose keys are 1..n (with at most as many holes as
// items, or n <= 10) as an array, cjson.null for JSON's null.

// jsonConfig is Lua CJSON's configuration, which its setters change for
// every later script (until SCRIPT FLUSH), as in Redis: one per Runner
// generation, shared by its interpreter states (jsonSettings).
type jsonConfig struct {
	sparseConvert  bool
	sparseRatio    int
	sparseSafe     int
	encodeMaxDepth int
	decodeMaxDepth int
	precision      int
	keepBuffer     bool
	encodeInvalid  int // 0 off, 1 on, 2 null
	decodeInvalid  bool
}

// jsonSettings is the jsonConfig the states of one generation share.
type jsonSettings struct {
	mu  sync.Mutex
	cfg jsonConfig
}

func newJSONSettings() *jsonSettings { return &jsonSettings{cfg: defaultJSONConfig()} }

func (s *jsonSettings) get() jsonConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// change runs set on a copy of the settings (set may raise a Lua error:
// then nothing changes) and stores the copy.
func (s *jsonSettings) change(set func(cfg *jsonConfig)) {
	cfg := s.get()
	set(&cfg)
	s.mu.Lock()
	s.cfg = cfg
	s.mu.Unlock()
}

// The deepest nesting cjson encodes and decodes whatever its settings say:
// Lua CJSON's stops where Lua's stack does (it fails at 7998 and 7999
// levels), and this server's recursion must stop before Go's stack does.
const (
	jsonEncodeDepthCap = 7997
	jsonDecodeDepthCap = 7998
)

func defaultJSONConfig() jsonConfig {
	return jsonConfig{sparseRatio: 2, sparseSafe: 10, encodeMaxDepth: 1000, decodeMaxDepth: 1000,
		precision: 14, keepBuffer: true, decodeInvalid: true}
}

func (st *state) cjsonLib() *lua.LTable {
	L := st.L
	t := L.NewTable()
	st.null = L.NewUserData()
	t.RawSetString("null", st.null)
	t.RawSetString("encode", L.NewFunction(st.jsonEncode))
	t.RawSetString("decode", L.NewFunction(st.jsonDecode))
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	setters := map[string]func(L *lua.LState, cfg *jsonConfig) int{
		"encode_sparse_array": func(L *lua.LState, cfg *jsonConfig) int {
			jsonArgs(L, 3)
			jsonBoolOption(L, 1, &cfg.sparseConvert)
			jsonIntOption(L, 2, &cfg.sparseRatio, 0, math.MaxInt32)
			jsonIntOption(L, 3, &cfg.sparseSafe, 0, math.MaxInt32)
			return 3
		},
		"encode_max_depth": func(L *lua.LState, cfg *jsonConfig) int {
			jsonArgs(L, 1)
			jsonIntOption(L, 1, &cfg.encodeMaxDepth, 1, math.MaxInt32)
			return 1
		},
		"decode_max_depth": func(L *lua.LState, cfg *jsonConfig) int {
			jsonArgs(L, 1)
			jsonIntOption(L, 1, &cfg.decodeMaxDepth, 1, math.MaxInt32)
			return 1
		},
		"encode_number_precision": func(L *lua.LState, cfg *jsonConfig) int {
			jsonArgs(L, 1)
			jsonIntOption(L, 1, &cfg.precision, 1, 14)
			return 1
		},
		"encode_keep_buffer": func(L *lua.LState, cfg *jsonConfig) int {
			jsonArgs(L, 1)
			jsonBoolOption(L, 1, &cfg.keepBuffer)
			return 1
		},
		"encode_invalid_numbers": func(L *lua.LState, cfg *jsonConfig) int {
			jsonArgs(L, 1)
			if v := L.Get(1); v != lua.LNil {
				if b, ok := v.(lua.LBool); ok {
					cfg.encodeInvalid = 0
					if b {
						cfg.encodeInvalid = 1
					}
				} else {
					cfg.encodeInvalid = jsonCheckOption(L, 1, "off", "on", "null")
				}
			}
			if cfg.encodeInvalid == 2 {
				L.Push(lua.LString("null"))
			} else {
				L.Push(lua.LBool(cfg.encodeInvalid == 1))
			}
			return 1
		},
		"decode_invalid_numbers": func(L *lua.LState, cfg *jsonConfig) int {
			jsonArgs(L, 1)
			jsonBoolOption(L, 1, &cfg.decodeInvalid)
			return 1
		},
	}
	for name, fn := range setters {
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			n := 0
			st.json.change(func(cfg *jsonConfig) { n = fn(L, cfg) })
			return n
		}))
	}
	return t
}

// jsonArgs refuses more than max arguments, as Lua CJSON's setters do,
// and pads them with nils to max (the settings are pushed after them).
func jsonArgs(L *lua.LState, max int) {
	if L.GetTop() > max {
		L.ArgError(max+1, "found too many arguments")
	}
	L.SetTop(max)
}

// jsonIntOption sets *v from argument n when it is given (an integer
// within min..max) and pushes the setting.
func jsonIntOption(L *lua.LState, n int, v *int, min, max int) {
	if L.Get(n) != lua.LNil {
		x := int(toInteger(checkNumber(L, n)))
		if x < min || x > max {
			L.ArgError(1, "expected integer between "+strconv.Itoa(min)+" and "+strconv.Itoa(max))
		}
		*v = x
	}
	L.Push(lua.LNumber(*v))
}

// jsonBoolOption sets *v from argument n when it is given (a boolean, or
// "on"/"off") and pushes the setting.
func jsonBoolOption(L *lua.LState, n int, v *bool) {
	if x := L.Get(n); x != lua.LNil {
		if b, ok := x.(lua.LBool); ok {
			*v = bool(b)
		} else {
			*v = jsonCheckOption(L, n, "off", "on") == 1
		}
	}
	L.Push(lua.LBool(*v))
}

// jsonCheckOption is luaL_checkoption: argument n is one of names.
func jsonCheckOption(L *lua.LState, n int, names ...string) int {
	s := checkString(L, n)
	for i, name := range names {
		if s == name {
			return i
		}
	}
	L.ArgError(n, "invalid option '"+s+"'")
	return 0
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
	st.encoding = st.json.get() // one read of the settings per encode
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
		return st.appendJSONNumber(L, dst, float64(v))
	case lua.LString:
		return appendJSONString(dst, string(v))
	case *lua.LUserData:
		if v == st.null {
			return append(dst, "null"...)
		}
		jsonFail(L, "Cannot serialise userdata: type not supported")
	case *lua.LTable:
		depth++
		if depth > min(st.encoding.encodeMaxDepth, jsonEncodeDepthCap) {
			jsonFail(L, "Cannot serialise, excessive nesting ("+strconv.Itoa(depth)+")")
		}
		n, isArray := st.arrayLength(v)
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
				dst = append(st.appendJSONNumber(L, append(dst, '"'), float64(k)), '"')
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

// appendJSONNumber writes f as "%.<precision>g", an infinity or NaN as
// encode_invalid_numbers says (refused by default).
func (st *state) appendJSONNumber(L *lua.LState, dst []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		switch st.encoding.encodeInvalid {
		case 0:
			jsonFail(L, "Cannot serialise number: must not be NaN or Inf")
		case 2:
			return append(dst, "null"...)
		}
		switch {
		case math.IsNaN(f):
			return append(dst, "nan"...)
		case f > 0:
			return append(dst, "inf"...)
		}
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', st.encoding.precision, 64)
}

// arrayLength reports whether t is an array for cjson, and its length;
// -1 for an array too sparse to encode, 0 and false for a table encoded
// as an object (also a sparse one, with encode_sparse_array(true)).
func (st *state) arrayLength(t *lua.LTable) (int, bool) {
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
	if cfg := &st.encoding; cfg.sparseRatio > 0 && max > items*cfg.sparseRatio && max > cfg.sparseSafe {
		if cfg.sparseConvert {
			return 0, false
		}
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
