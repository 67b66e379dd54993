package script

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The redis.log levels and the redis.set_repl flags, Redis's values.
const (
	LogDebug   = 0
	LogVerbose = 1
	LogNotice  = 2
	LogWarning = 3
)

// redisLib builds the redis table.
func (st *state) redisLib() *lua.LTable {
	L := st.L
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"call":               func(L *lua.LState) int { return st.call(L, true) },
		"pcall":              func(L *lua.LState) int { return st.call(L, false) },
		"error_reply":        st.errorReply,
		"status_reply":       st.statusReply,
		"sha1hex":            st.sha1hex,
		"log":                st.log,
		"setresp":            st.setresp,
		"set_repl":           st.setRepl,
		"replicate_commands": func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
		"breakpoint":         func(L *lua.LState) int { L.Push(lua.LFalse); return 1 },
		"debug":              func(L *lua.LState) int { return 0 },
		"acl_check_cmd":      st.aclCheckCmd,
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	for name, v := range map[string]int{
		"LOG_DEBUG": LogDebug, "LOG_VERBOSE": LogVerbose, "LOG_NOTICE": LogNotice, "LOG_WARNING": LogWarning,
		"REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3,
	} {
		t.RawSetString(name, lua.LNumber(v))
	}
	t.RawSetString("REDIS_VERSION", lua.LString(Version))
	t.RawSetString("REDIS_VERSION_NUM", lua.LNumber(versionNum(Version)))
	return t
}

// Version is the Redis version scripts see in redis.REDIS_VERSION: the
// one this server answers as (INFO's redis_version).
const Version = "7.2.0"

func versionNum(v string) int {
	n := 0
	for _, part := range strings.SplitN(v, ".", 3) {
		x, _ := strconv.Atoi(part)
		n = n<<8 | x
	}
	return n
}

// raise raises an error table built from text as Redis's luaPushError
// builds it (see pushError).
func raise(L *lua.LState, text string) {
	L.Error(errTable(L, text), 0)
}

// errTable is the error table of text: "-CODE msg" gives "CODE msg", a
// text without a leading '-' or without a space after its code gets the
// code ERR; a trailing newline is dropped.
func errTable(L *lua.LState, text string) *lua.LTable {
	var msg string
	if rest, ok := strings.CutPrefix(text, "-"); ok {
		if code, m, ok := strings.Cut(rest, " "); ok {
			msg = code + " " + strings.TrimRight(m, "\r\n")
		} else {
			msg = "ERR " + strings.TrimRight(rest, "\r\n")
		}
	} else {
		msg = "ERR " + strings.TrimRight(text, "\r\n")
	}
	t := L.NewTable()
	t.RawSetString("err", lua.LString(msg))
	return t
}

// call is redis.call (raising) and redis.pcall.
func (st *state) call(L *lua.LState, raising bool) int {
	fail := func(text string) int {
		if raising {
			raise(L, text)
		}
		L.Push(errTable(L, text))
		return 1
	}
	n := L.GetTop()
	if n == 0 {
		return fail("Please specify at least one argument for this redis lib call")
	}
	args, ok := st.callArgs(L, n)
	if !ok {
		return fail("Lua redis lib command arguments must be strings or integers")
	}
	reply := st.cur.Host.Call(args, st.resp3)
	v, errText, _ := parseReply(L, reply)
	if errText != "" {
		return fail("-" + errText)
	}
	L.Push(v)
	return 1
}

// callArgs converts the n arguments of a redis.call: strings as they
// are, numbers as C's "%.17g" writes them.
func (st *state) callArgs(L *lua.LState, n int) ([][]byte, bool) {
	buf := st.argBuf[:0]
	ends := make([]int, 0, 8)
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			buf = append(buf, v...)
		case lua.LNumber:
			buf = formatNumber(buf, float64(v))
		default:
			return nil, false
		}
		ends = append(ends, len(buf))
	}
	st.argBuf = buf
	args := st.args[:0]
	start := 0
	for _, end := range ends {
		args = append(args, buf[start:end:end])
		start = end
	}
	st.args = args
	return args, true
}

func (st *state) errorReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errTable(L, "wrong number or type of arguments"))
		return 1
	}
	text := cString(string(s))
	if !strings.HasPrefix(text, "-") {
		text = "-" + text
	}
	L.Push(errTable(L, text))
	return 1
}

func (st *state) statusReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errTable(L, "wrong number or type of arguments"))
		return 1
	}
	t := L.NewTable()
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

func (st *state) sha1hex(L *lua.LState) int {
	if L.GetTop() != 1 {
		raise(L, "wrong number of arguments")
	}
	s := lua.LVAsString(L.Get(1))
	L.Push(lua.LString(SHA1Hex([]byte(s))))
	return 1
}

func (st *state) log(L *lua.LState) int {
	if L.GetTop() < 2 {
		raise(L, "redis.log() requires two arguments or more.")
	}
	level, ok := L.Get(1).(lua.LNumber)
	if !ok {
		raise(L, "First argument must be a number (log level).")
	}
	if level < LogDebug || level > LogWarning {
		raise(L, "Invalid debug level.")
	}
	parts := make([]string, 0, L.GetTop()-1)
	for i := 2; i <= L.GetTop(); i++ {
		parts = append(parts, lua.LVAsString(L.Get(i)))
	}
	if st.cur != nil { // nil while FUNCTION LOAD checks a library
		st.cur.Host.Log(int(level), strings.Join(parts, " "))
	}
	return 0
}

func (st *state) setresp(L *lua.LState) int {
	if L.GetTop() != 1 {
		raise(L, "redis.setresp() requires one argument.")
	}
	v := luaToInt(L.Get(1))
	if v != 2 && v != 3 {
		raise(L, "RESP version must be 2 or 3.")
	}
	st.resp3 = v == 3
	return 0
}

// setRepl is redis.set_repl: this server always replicates a script's
// effects, so the flags are checked and otherwise ignored.
func (st *state) setRepl(L *lua.LState) int {
	if L.GetTop() != 1 {
		raise(L, "redis.set_repl() requires two arguments.") // sic, as Redis 7.0
	}
	if v := luaToInt(L.Get(1)); v&^3 != 0 {
		raise(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	return 0
}

func (st *state) aclCheckCmd(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		raise(L, "Please specify at least one argument for this redis lib call")
	}
	args, ok := st.callArgs(L, n)
	if !ok {
		raise(L, "Lua redis lib command arguments must be strings or integers")
	}
	known, errText := st.cur.Host.Known(args)
	if !known {
		raise(L, "-"+errText)
	}
	L.Push(lua.LTrue)
	return 1
}

// pcall is Redis's pcall: an error table with an err field is caught as
// its message, so a script sees the text of a failed redis.call.
func (st *state) pcall(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		L.ArgError(1, "value expected")
	}
	// A library function's error names the script's line, gopher-lua
	// looking past Go frames; Lua 5.1 names the caller's, pcall, a C
	// function: no position, and no name for the function
	// (pcall(cjson.decode, s), pcall(error, "x")). Not error(msg, 2).
	fn, _ := L.Get(1).(*lua.LFunction)
	leaf := fn != nil && st.leaves[fn] && !(n >= 3 && fn == st.errorFn && L.Get(3) != lua.LNumber(1))
	if err := L.PCall(n-1, lua.MultRet, nil); err != nil {
		var obj lua.LValue = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok && ae.Object != nil {
			obj = ae.Object
		}
		if s, ok := obj.(lua.LString); ok && leaf {
			text := string(s)
			if where := L.Where(1); where != "" {
				text = strings.TrimPrefix(text, where+" ")
			}
			obj = lua.LString(strings.Replace(text, " to (anonymous) (", " to '?' (", 1))
		}
		if t, ok := obj.(*lua.LTable); ok {
			if e, ok := t.RawGetString("err").(lua.LString); ok {
				obj = e
			}
		}
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(obj)
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// luaToInt is C's (int)lua_tonumber(v): a number or a numeric string,
// truncated; 0 for anything else.
func luaToInt(v lua.LValue) int64 {
	var f float64
	switch v := v.(type) {
	case lua.LNumber:
		f = float64(v)
	case lua.LString:
		f, _ = strtod(string(v))
	}
	return int64(int32(toInteger(f)))
}
