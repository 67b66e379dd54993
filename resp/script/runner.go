package script

import (
	"context"
	"fmt"
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

// Run is one execution of a script, or of a function (FCALL).
type Run struct {
	Script *Script
	// Function, instead of Script, is the function to call, one of
	// Registry's (the libraries now loaded).
	Function   *Function
	Registry   *Registry
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
	gen  int           // bumped by Reset; states of an older generation are closed
	json *jsonSettings // cjson's settings for this generation's states

	// Functions run in one interpreter of their own, which holds the
	// libraries of registry, each loaded at its first call.
	fmu      sync.Mutex
	fstate   *state
	registry *Registry
	loaded   map[*Function]*lua.LFunction
}

// Reset drops every idle interpreter (SCRIPT FLUSH): the next scripts run
// on new ones, as Redis starts a new Lua VM.
func (rn *Runner) Reset() {
	rn.mu.Lock()
	free := rn.free
	rn.free = nil
	rn.gen++
	rn.json = nil
	rn.mu.Unlock()
	for _, st := range free {
		st.L.Close()
	}
}

// maxFree bounds the idle states a Runner keeps.
const maxFree = 4

// Run runs r and returns the reply to send: either RESP bytes in the
// caller's protocol, or an error text (without the leading '-') when the
// result is an error.
func (rn *Runner) Run(r *Run) (reply []byte, errText string) {
	if r.Function != nil {
		return rn.call(r)
	}
	st := rn.get()
	defer rn.put(st)
	return st.run(r)
}

// call runs a function in the functions' interpreter, made anew when the
// libraries changed (or a function broke it).
func (rn *Runner) call(r *Run) (reply []byte, errText string) {
	rn.fmu.Lock()
	defer rn.fmu.Unlock()
	if rn.fstate == nil || rn.registry != r.Registry {
		if rn.fstate != nil {
			rn.fstate.L.Close()
		}
		rn.fstate, rn.registry, rn.loaded = newState(newJSONSettings()), r.Registry, map[*Function]*lua.LFunction{}
	}
	st := rn.fstate
	if rn.loaded[r.Function] == nil {
		fns, err := st.loadLibrary(r.Function.Library, false, 0)
		if err != nil {
			return nil, err.Error() // it loaded when FUNCTION LOAD checked it
		}
		for _, f := range r.Function.Library.Functions {
			rn.loaded[f] = fns[strings.ToLower(f.Name)]
		}
	}
	reply, errText = st.run(r, rn.loaded[r.Function])
	st.cur = nil
	if st.broken || !st.intact() {
		st.L.Close()
		rn.fstate = nil
	}
	return reply, errText
}

func (rn *Runner) get() *state {
	rn.mu.Lock()
	if n := len(rn.free); n > 0 {
		st := rn.free[n-1]
		rn.free = rn.free[:n-1]
		rn.mu.Unlock()
		return st
	}
	gen := rn.gen
	if rn.json == nil {
		rn.json = newJSONSettings()
	}
	json := rn.json
	rn.mu.Unlock()
	st := newState(json)
	st.gen = gen
	return st
}

func (rn *Runner) put(st *state) {
	st.cur = nil
	if st.broken || !st.intact() {
		// A script changed what the next one would see (rawset into a
		// library, a loadstring chunk's globals, the string metatable),
		// or the interpreter failed: that state is never used again.
		st.L.Close()
		return
	}
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if rn.gen != st.gen {
		st.L.Close() // made before a Reset
		return
	}
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
	json    *jsonSettings  // cjson's settings, shared with the generation
	// encoding is the settings a cjson.encode in progress read.
	encoding jsonConfig

	gen    int  // the Runner's generation it was made in
	broken bool // a Go panic went through it: not reused
	// views are the read-only views (always empty) and saved the tables
	// behind them with their contents as the state was made, which intact
	// compares after each script.
	views []*lua.LTable
	saved map[*lua.LTable]map[lua.LValue]lua.LValue
	// stringMeta is the strings' metatable as the state was made.
	stringMeta lua.LValue
	// leaves are the library functions written in Go that never call back
	// into Lua, whose errors pcall gives without a position (see pcall).
	leaves  map[*lua.LFunction]bool
	errorFn *lua.LFunction // the global error, whose level decides (pcall)

	// libEnv is the globals of libraries' code, and registering, while
	// a library loads, takes its redis.register_function calls
	// (library.go).
	libEnv      *lua.LTable
	registering func(L *lua.LState)

	cur     *Run
	resp3   bool // redis.setresp(3) was called
	errLine int  // the script's line where the last error was raised
	args    [][]byte
	argBuf  []byte
}

func newState(json *jsonSettings) *state {
	// The registry (the value stack) grows as a script needs, up to 128K
	// slots (Lua 5.1 unpacks 8000 at most), and calls nest as deep as Lua 5.1's C stack lets a script.
	L := lua.NewState(lua.Options{SkipOpenLibs: true, RegistrySize: 1 << 12, RegistryMaxSize: 1 << 17,
		RegistryGrowStep: 1 << 13, CallStackSize: 1 << 14, MinimizeStackMemory: true})
	st := &state{L: L, json: json}
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
	for _, name := range []string{"dofile", "loadfile", "load", "getfenv", "setfenv", "module", "require", "_printregs", "newproxy", "_GOPHER_LUA_VERSION", "print"} {
		g.RawSetString(name, lua.LNil)
	}
	// Lua 5.1's: math.huge is the infinity, and tonumber reads what C's
	// strtod reads.
	g.RawGetString("math").(*lua.LTable).RawSetString("huge", lua.LNumber(math.Inf(1)))
	g.RawSetString("tonumber", L.NewFunction(tonumber(g.RawGetString("tonumber").(*lua.LFunction))))
	g.RawSetString("pcall", L.NewFunction(st.pcall))
	patchStringLib(L, g.RawGetString("string").(*lua.LTable))
	patchMathLib(L, g.RawGetString("math").(*lua.LTable), newRand48())
	tostring := g.RawGetString("tostring").(*lua.LFunction)
	g.RawSetString("tostring", L.NewFunction(func(L *lua.LState) int {
		if n, ok := L.Get(1).(lua.LNumber); ok {
			L.Push(lua.LString(numberString(float64(n))))
			return 1
		}
		return callAll(L, tostring)
	}))
	loadstring := g.RawGetString("loadstring").(*lua.LFunction)
	g.RawSetString("loadstring", L.NewFunction(func(L *lua.LState) int {
		// The chunk gets the script's read-only globals, not the real ones.
		n := L.GetTop()
		L.Insert(loadstring, 1)
		L.Call(n, lua.MultRet)
		if fn, ok := L.Get(1).(*lua.LFunction); ok {
			fn.Env = st.env
		}
		return L.GetTop()
	}))
	g.RawSetString("redis", st.redisLib())
	g.RawSetString("cjson", st.cjsonLib())
	g.RawSetString("bit", bitLib(L))
	g.RawSetString("cmsgpack", st.msgpackLib())
	g.RawSetString("struct", structLib(L))
	st.leaves = map[*lua.LFunction]bool{}
	for _, name := range []string{"cjson", "bit", "cmsgpack", "struct", "string", "math"} {
		g.RawGetString(name).(*lua.LTable).ForEach(func(k, v lua.LValue) {
			if fn, ok := v.(*lua.LFunction); ok && fn.IsG && k.String() != "gsub" { // gsub may call a function
				st.leaves[fn] = true
			}
		})
	}
	for _, name := range []string{"tostring", "tonumber", "error"} {
		st.leaves[g.RawGetString(name).(*lua.LFunction)] = true
	}
	st.errorFn = g.RawGetString("error").(*lua.LFunction)
	st.saved = map[*lua.LTable]map[lua.LValue]lua.LValue{}
	for _, name := range []string{"redis", "cjson", "bit", "cmsgpack", "struct", "string", "table", "math"} {
		lib := g.RawGetString(name).(*lua.LTable)
		view := readOnly(L, lib, false)
		st.views = append(st.views, view)
		st.saved[lib] = nil
		g.RawSetString(name, view)
	}
	st.env = readOnly(L, g, true)
	st.views = append(st.views, st.env)
	st.libEnv = st.newLibEnv()
	g.RawSetString("_G", st.env)
	st.handler = L.NewFunction(st.onError)
	st.saved[g] = nil
	if mt, ok := L.GetMetatable(lua.LString("")).(*lua.LTable); ok {
		st.saved[mt] = nil
	}
	for t := range st.saved {
		st.saved[t] = contents(t)
	}
	refuseReadOnly := func(L *lua.LState) {
		if st.protected(L.Get(1)) {
			L.Error(lua.LString("Attempt to modify a readonly table"), 0)
		}
	}
	st.guard(g, "rawset", refuseReadOnly)
	// setmetatable takes tables only (gopher-lua's would set the one
	// metatable of every string, number or function), and never a
	// read-only one.
	st.guard(g, "setmetatable", func(L *lua.LState) {
		if _, ok := L.Get(1).(*lua.LTable); !ok {
			L.ArgError(1, "table expected, got "+L.Get(1).Type().String())
		}
		refuseReadOnly(L)
	})
	st.stringMeta = L.GetMetatable(lua.LString(""))
	return st
}

// guard replaces the global function name with one that runs check on
// its arguments first (check raises to refuse them), and records it as
// the state's own.
func (st *state) guard(g *lua.LTable, name string, check func(L *lua.LState)) {
	orig := g.RawGetString(name).(*lua.LFunction)
	fn := st.L.NewFunction(func(L *lua.LState) int {
		check(L)
		n := L.GetTop()
		L.Insert(orig, 1)
		L.Call(n, lua.MultRet)
		return L.GetTop()
	})
	g.RawSetString(name, fn)
	st.saved[g][lua.LString(name)] = fn
}

// protected reports whether v is one of the read-only tables (a view or
// a table behind one).
func (st *state) protected(v lua.LValue) bool {
	t, ok := v.(*lua.LTable)
	if !ok {
		return false
	}
	if _, ok := st.saved[t]; ok {
		return true
	}
	for _, view := range st.views {
		if view == t {
			return true
		}
	}
	return false
}

// contents is a shallow copy of t.
func contents(t *lua.LTable) map[lua.LValue]lua.LValue {
	m := map[lua.LValue]lua.LValue{}
	t.ForEach(func(k, v lua.LValue) { m[k] = v })
	return m
}

// intact reports whether the state is as it was made: the views empty,
// the tables behind them (and the strings' metatable) holding what they
// held, KEYS and ARGV aside.
func (st *state) intact() bool {
	if st.L.GetMetatable(lua.LString("")) != st.stringMeta || st.L.GetMetatable(st.null) != lua.LNil {
		return false
	}
	for t := range st.saved {
		if st.L.GetMetatable(t) != lua.LNil {
			return false
		}
	}
	for _, v := range st.views {
		if k, _ := v.Next(lua.LNil); k != lua.LNil {
			return false
		}
	}
	for t, want := range st.saved {
		n := 0
		same := true
		t.ForEach(func(k, v lua.LValue) {
			n++
			if want[k] != v {
				same = false
			}
		})
		if !same || n != len(want) {
			return false
		}
	}
	return true
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
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && (dbg.Source == chunkName || dbg.Source == functionChunk) {
			return dbg.CurrentLine
		}
	}
}

// run runs r's script, or r's function, whose callback is fn.
func (st *state) run(r *Run, fn ...*lua.LFunction) (reply []byte, errText string) {
	// Where an error says it was raised: the script's SHA-1 and chunk, or
	// the function's name and chunk.
	name, chunk := "", functionChunk
	if r.Script != nil {
		name, chunk = r.Script.SHA, chunkName
	} else {
		name = r.Function.Name
	}
	defer func() {
		// gopher-lua turns a Go panic in a library function into a Lua
		// error; what still escapes (the interpreter's own overflows)
		// fails the script, never the server.
		if p := recover(); p != nil {
			st.broken = true
			reply, errText = nil, sanitize("ERR "+fmt.Sprint(p)+" script: "+name+", on @"+chunk+":"+strconv.Itoa(st.errLine)+".")
		}
	}()
	L := st.L
	st.cur, st.resp3, st.errLine = r, false, 0
	defer L.SetTop(0)
	if r.Ctx != nil {
		L.SetContext(r.Ctx)
		defer L.RemoveContext()
	}
	nargs := 0
	if r.Script != nil {
		st.globals.RawSetString("KEYS", stringsTable(L, r.Keys))
		st.globals.RawSetString("ARGV", stringsTable(L, r.Argv))
		defer func() {
			st.globals.RawSetString("KEYS", lua.LNil)
			st.globals.RawSetString("ARGV", lua.LNil)
		}()
		f := L.NewFunctionFromProto(r.Script.proto)
		f.Env = st.env
		L.Push(f)
	} else {
		// A function gets its keys and arguments as its two arguments.
		L.Push(fn[0])
		L.Push(stringsTable(L, r.Keys))
		L.Push(stringsTable(L, r.Argv))
		nargs = 2
	}
	if err := L.PCall(nargs, 1, st.handler); err != nil {
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
		return nil, sanitize(msg + " script: " + name + ", on @" + chunk + ":" + strconv.Itoa(st.errLine) + ".")
	}
	v := L.Get(-1)
	if t, ok := v.(*lua.LTable); ok {
		if e, ok := t.RawGetString("err").(lua.LString); ok {
			if msg := sanitize(cString(string(e))); msg != "" {
				return nil, msg
			}
			return []byte("-\r\n"), "" // an empty error, as Redis sends it
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
			return cString(string(e))
		}
		return "ERR unknown error"
	}
	return "ERR " + badArgument.ReplaceAllString(cString(lua.LVAsString(obj)), "bad argument #$1 to '$2' (")
}

// badArgument finds the interpreter's argument errors, to quote the
// function's name as Lua does.
var badArgument = regexp.MustCompile(`bad argument #(-?\d+) to ([A-Za-z_][\w.:]*) \(`)

// sanitize makes an error text fit one line, as Redis does with every
// error it sends: CR and LF at its end are dropped, the others become
// spaces (byte by byte: bytes that are not UTF-8 stay as they are).
func sanitize(s string) string {
	return oneLine(strings.TrimRight(s, "\r\n"))
}

// oneLine turns every CR and LF of s into a space.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// cString is s up to its first NUL byte: what Redis, reading a Lua string
// as a C string, takes of a status, an error or an error's message.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
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
	case math.IsNaN(f) && math.Signbit(f): // 0/0 on this hardware
		return append(dst, "-nan"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
