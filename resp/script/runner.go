package script

import (
	"context"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// Host is what a running script reaches the server through.
type Host interface {
	// Call runs args as one command of the script and returns its reply,
	// in RESP3 when resp3 is set, else RESP2. A command the script may
	// not run answers an error reply in Redis's words. The bytes are read
	// before the next Call.
	Call(args [][]byte, resp3 bool) []byte
	// Log writes a redis.log line; level is one of the LOG_ constants
	// (0 debug ... 3 warning).
	Log(level int, msg string)
	// Known reports whether args name a command the script could call
	// (redis.acl_check_cmd), and the error text when they name none.
	Known(args [][]byte) (bool, string)
}

// Run is one execution of a script.
type Run struct {
	Script     *Script
	Keys, Argv [][]byte
	Host       Host
	// RESP3 is the calling client's protocol, in which the result is
	// encoded.
	RESP3 bool
	// Ctx ends the script early (SCRIPT KILL) when it is cancelled; nil
	// for none.
	Ctx context.Context
}

// Killed is the error text of a script stopped by its context.
const Killed = "ERR Script killed by user with SCRIPT KILL..."

// Runner runs scripts on a pool of interpreter states. It is safe for
// concurrent use.
type Runner struct {
	mu   sync.Mutex
	free []*state
}

// maxFree bounds the idle states a Runner keeps.
const maxFree = 4

// Run runs r and returns the reply to send: either RESP bytes in the
// caller's protocol, or an error text (without the leading '-') when the
// result is an error.
func (rn *Runner) Run(r *Run) (reply []byte, errText string) {
	st := rn.get()
	defer rn.put(st)
	return st.run(r)
}

func (rn *Runner) get() *state {
	rn.mu.Lock()
	if n := len(rn.free); n > 0 {
		st := rn.free[n-1]
		rn.free = rn.free[:n-1]
		rn.mu.Unlock()
		return st
	}
	rn.mu.Unlock()
	return newState()
}

func (rn *Runner) put(st *state) {
	st.cur = nil
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if len(rn.free) < maxFree {
		rn.free = append(rn.free, st)
		return
	}
	st.L.Close()
}

// state is one interpreter with Redis's libraries loaded. Scripts see
// the globals through env, a read-only view; the tables behind it are
// never written once the state is made, so nothing a script does outlives
// it.
type state struct {
	L       *lua.LState
	globals *lua.LTable // the real globals: libraries, KEYS, ARGV
	env     *lua.LTable // what scripts see
	handler *lua.LFunction
	null    *lua.LUserData // cjson.null

	cur     *Run
	resp3   bool // redis.setresp(3) was called
	errLine int  // the script's line where the last error was raised
	args    [][]byte
	argBuf  []byte
}

func newState() *state {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	st := &state{L: L}
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	st.globals = g
	// What a script must not reach: files, environments. (loadstring's
	// chunks get the script's own read-only globals.)
	for _, name := range []string{"dofile", "loadfile", "load", "getfenv", "setfenv", "module", "require", "_printregs", "newproxy", "_GOPHER_LUA_VERSION"} {
		g.RawSetString(name, lua.LNil)
	}
	g.RawSetString("pcall", L.NewFunction(pcall))
	g.RawSetString("redis", st.redisLib())
	g.RawSetString("cjson", st.cjsonLib())
	g.RawSetString("bit", bitLib(L))
	g.RawSetString("cmsgpack", st.msgpackLib())
	for _, name := range []string{"redis", "cjson", "bit", "cmsgpack", "string", "table", "math"} {
		g.RawSetString(name, readOnly(L, g.RawGetString(name).(*lua.LTable), false))
	}
	st.env = readOnly(L, g, true)
	g.RawSetString("_G", st.env)
	st.handler = L.NewFunction(st.onError)
	return st
}

// readOnly returns an empty table that reads through to t and refuses
// every write, as Redis 7.0 makes its globals and libraries read-only.
// For the globals (strict), reading a missing name is an error too.
func readOnly(L *lua.LState, t *lua.LTable, strict bool) *lua.LTable {
	view := L.NewTable()
	mt := L.NewTable()
	if strict {
		mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
			v := t.RawGet(L.Get(2))
			if v == lua.LNil {
				L.RaiseError("Script attempted to access nonexistent global variable '%s'", lua.LVAsString(L.Get(2)))
			}
			L.Push(v)
			return 1
		}))
	} else {
		mt.RawSetString("__index", t)
	}
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(view, mt)
	return view
}

// onError is the error handler of a run: it notes the script's line where
// the error was raised, as Redis's handler does.
func (st *state) onError(L *lua.LState) int {
	st.errLine = scriptLine(L)
	L.Push(L.Get(1))
	return 1
}

// scriptLine returns the line of the innermost frame running the script's
// code (0 when none).
func scriptLine(L *lua.LState) int {
	for level := 0; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return 0
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.Source == chunkName {
			return dbg.CurrentLine
		}
	}
}

func (st *state) run(r *Run) (reply []byte, errText string) {
	L := st.L
	st.cur, st.resp3, st.errLine = r, false, 0
	st.globals.RawSetString("KEYS", stringsTable(L, r.Keys))
	st.globals.RawSetString("ARGV", stringsTable(L, r.Argv))
	defer func() {
		st.globals.RawSetString("KEYS", lua.LNil)
		st.globals.RawSetString("ARGV", lua.LNil)
		L.SetTop(0)
	}()
	fn := L.NewFunctionFromProto(r.Script.proto)
	fn.Env = st.env
	if r.Ctx != nil {
		L.SetContext(r.Ctx)
		defer L.RemoveContext()
	}
	L.Push(fn)
	if err := L.PCall(0, 1, st.handler); err != nil {
		var obj lua.LValue = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok && ae.Object != nil {
			obj = ae.Object
		}
		msg := ""
		switch {
		case r.Ctx != nil && r.Ctx.Err() != nil:
			msg = Killed
		default:
			msg = errorMessage(obj)
		}
		return nil, sanitize(msg + " script: " + r.Script.SHA + ", on @" + chunkName + ":" + strconv.Itoa(st.errLine) + ".")
	}
	v := L.Get(-1)
	if t, ok := v.(*lua.LTable); ok {
		if e, ok := t.RawGetString("err").(lua.LString); ok {
			return nil, sanitize(string(e))
		}
	}
	return st.encode(nil, v, r.RESP3, 0), ""
}

// errorMessage is the text of an error raised out of a script: an error
// table's err, or "ERR " and the message, as Redis's error handler makes
// of what is not a table.
func errorMessage(obj lua.LValue) string {
	if t, ok := obj.(*lua.LTable); ok {
		if e, ok := t.RawGetString("err").(lua.LString); ok {
			return string(e)
		}
		return "ERR unknown error"
	}
	return "ERR " + badArgument.ReplaceAllString(lua.LVAsString(obj), "bad argument #$1 to '$2' (")
}

// badArgument finds the interpreter's argument errors, to quote the
// function's name as Lua does.
var badArgument = regexp.MustCompile(`bad argument #(-?\d+) to ([A-Za-z_][\w.:]*) \(`)

// sanitize makes an error text fit one line, as Redis does with every
// error it sends.
func sanitize(s string) string {
	s = strings.TrimRight(s, "\r\n")
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, s)
	}
	return s
}

func stringsTable(L *lua.LState, items [][]byte) *lua.LTable {
	t := L.CreateTable(len(items), 0)
	for _, it := range items {
		t.Append(lua.LString(it))
	}
	return t
}

// toInteger converts a Lua number to a Redis integer as C's cast does on
// this hardware: truncation, and the smallest integer for what has none.
func toInteger(f float64) int64 {
	if math.IsNaN(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(f)
}

// formatNumber is a Lua number as an argument of redis.call and as a
// double reply: C's "%.17g".
func formatNumber(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
