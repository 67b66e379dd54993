package script

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Function libraries, as Redis 7.0's FUNCTION LOAD makes them: a library
// is Lua code whose first line is "#!lua name=<library>"; running it
// registers functions with redis.register_function, and FCALL calls one
// with its keys and arguments. While the code loads, its globals hold
// only the loading API (redis.register_function, redis.log and the
// constants); the functions it registered run with the whole library
// (redis.call...), in the interpreter the library was loaded into, so
// that what a library keeps in its locals lasts between calls, as in
// Redis, until the libraries change.

// functionChunk is the name a library's code carries in its errors.
const functionChunk = "user_function"

// LoadTimeout bounds the run of a library's code at FUNCTION LOAD (and
// RESTORE), as in Redis.
const LoadTimeout = 500 * time.Millisecond

// Library is one loaded function library.
type Library struct {
	Name      string
	Code      []byte
	Functions []*Function // in the order the code registered them
	proto     *lua.FunctionProto
}

// Function is one function a library registered.
type Function struct {
	Name, Description string
	Flags             Flags
	// FlagNames are the flags as given, in Redis's order, for FUNCTION
	// LIST.
	FlagNames []string
	Library   *Library
}

// functionFlags are the flags register_function takes, in the order
// FUNCTION LIST shows them.
var functionFlags = []string{"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"}

// validName reports whether name is a library or function name Redis
// takes: letters, digits and underscores, at least one.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, ch := range []byte(name) {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_') {
			return false
		}
	}
	return true
}

const errLibraryName = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

// LoadLibrary reads a library's metadata line, compiles its code and runs
// it to learn the functions it registers, with Redis's errors. A load
// longer than timeout fails (0: no limit: a library loaded once before,
// whose code, seeing only the loading API, runs the same again).
func LoadLibrary(code []byte, timeout time.Duration) (*Library, error) {
	name, err := LibraryName(code)
	if err != nil {
		return nil, err
	}
	// The metadata line stays, empty, so that the lines keep their
	// numbers in errors.
	_, rest, _ := bytes.Cut(code, []byte("\n"))
	body := append([]byte("\n"), rest...)
	proto, err := compileChunk(body, functionChunk)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "ERR Error compiling script (new function): ")
		return nil, fmt.Errorf("ERR Error compiling function: %s", msg)
	}
	lib := &Library{Name: name, Code: code, proto: proto}
	st := newState(newJSONSettings())
	defer st.L.Close()
	if _, err := st.loadLibrary(lib, true, timeout); err != nil {
		return nil, err
	}
	if len(lib.Functions) == 0 {
		return nil, errors.New("ERR No functions registered")
	}
	return lib, nil
}

// Registry is a set of loaded libraries, by library name and by function
// name in lower case (function names are case-insensitive in Redis,
// library names are not; Function looks one up).
type Registry struct {
	Libraries map[string]*Library
	Functions map[string]*Function
	// Kept is the code of libraries that could not be loaded here (a
	// library stored by another version, say): kept as it is, so that a
	// change of other libraries does not drop it; FLUSH does.
	Kept [][]byte
}

// LibraryName reads the metadata line of a library's code ("#!lua
// name=mylib") and returns the library's name, or the error Redis gives
// for bad metadata, an invalid name or an unknown engine: what it checks
// before it looks for a library of that name, and before any code runs.
func LibraryName(code []byte) (string, error) {
	if !bytes.HasPrefix(code, []byte("#!")) {
		return "", errors.New("ERR Missing library metadata")
	}
	line, _, ok := bytes.Cut(code, []byte("\n"))
	if !ok {
		return "", errors.New("ERR Invalid library metadata")
	}
	// The engine's name follows "#!" at once; then the metadata values.
	engine, values, _ := strings.Cut(string(line[2:]), " ")
	name := ""
	named := false
	for _, w := range strings.Fields(values) {
		v, ok := strings.CutPrefix(w, "name=")
		switch {
		case !ok:
			return "", fmt.Errorf("ERR Invalid metadata value given: %s", w)
		case named:
			return "", errors.New("ERR Invalid metadata value, name argument was given multiple times")
		}
		name, named = v, true
	}
	if !named { // "name=" names an empty library, refused below
		return "", errors.New("ERR Library name was not given")
	}
	if !validName(name) {
		return "", errors.New(errLibraryName)
	}
	if !strings.EqualFold(engine, "lua") {
		return "", fmt.Errorf("ERR Engine '%s' not found", engine)
	}
	return name, nil
}

// errLibraryExists is Redis's text for a library loaded again without
// REPLACE.
func errLibraryExists(name string) error { return fmt.Errorf("ERR Library '%s' already exists", name) }

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{Libraries: map[string]*Library{}, Functions: map[string]*Function{}}
}

// Add adds lib; with replace, a library of the same name goes first. It
// fails, adding nothing, on a library or function name taken.
func (r *Registry) Add(lib *Library, replace bool) error {
	old := r.Libraries[lib.Name]
	if old != nil && !replace {
		return errLibraryExists(lib.Name)
	}
	for _, f := range lib.Functions {
		if have := r.Function(f.Name); have != nil && have.Library != old {
			return fmt.Errorf("ERR Function %s already exists", f.Name)
		}
	}
	if old != nil {
		r.Delete(old.Name)
	}
	r.Libraries[lib.Name] = lib
	for _, f := range lib.Functions {
		r.Functions[strings.ToLower(f.Name)] = f
	}
	return nil
}

// CheckNew returns the error Redis gives when name is a library already
// loaded and replace is false: checked before the new library's code is
// compiled or run, as Redis checks it.
func (r *Registry) CheckNew(name string, replace bool) error {
	if r.Libraries[name] != nil && !replace {
		return errLibraryExists(name)
	}
	return nil
}

// Function returns the function named name, in any letter case, or nil.
func (r *Registry) Function(name string) *Function { return r.Functions[strings.ToLower(name)] }

// Delete removes the library name, reporting whether there was one.
func (r *Registry) Delete(name string) bool {
	lib := r.Libraries[name]
	if lib == nil {
		return false
	}
	delete(r.Libraries, name)
	for _, f := range lib.Functions {
		delete(r.Functions, strings.ToLower(f.Name))
	}
	return true
}

// Clone returns a copy of r that can change without changing r.
func (r *Registry) Clone() *Registry {
	c := NewRegistry()
	for name, lib := range r.Libraries {
		c.Libraries[name] = lib
	}
	for name, f := range r.Functions {
		c.Functions[name] = f
	}
	c.Kept = r.Kept
	return c
}

// loadLibrary runs lib's code in st with the loading API and returns the
// functions it registered, by name in lower case; with describe, it fills
// lib.Functions too.
func (st *state) loadLibrary(lib *Library, describe bool, timeout time.Duration) (map[string]*lua.LFunction, error) {
	L := st.L
	fns := map[string]*lua.LFunction{}
	seen := map[string]bool{}
	st.registering = func(L *lua.LState) {
		f, fn := registerArgs(L)
		if seen[f.Name] {
			// Within a library names are told apart by case, as in
			// Redis (across libraries they are not).
			raise(L, "Function already exists in the library")
		}
		seen[f.Name] = true
		f.Library = lib
		fns[strings.ToLower(f.Name)] = fn
		if describe {
			lib.Functions = append(lib.Functions, f)
		}
	}
	defer func() { st.registering = nil }()
	chunk := L.NewFunctionFromProto(lib.proto)
	chunk.Env = st.libEnv
	ctx, cancel := context.WithCancel(context.Background())
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), timeout)
	}
	defer cancel()
	L.SetContext(ctx)
	defer L.RemoveContext()
	L.Push(chunk)
	if err := L.PCall(0, 0, nil); err != nil {
		var obj lua.LValue = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok && ae.Object != nil {
			obj = ae.Object
		}
		L.SetTop(0)
		msg := errorMessage(obj)
		if ctx.Err() != nil {
			msg = "ERR FUNCTION LOAD timeout"
		}
		return nil, fmt.Errorf("ERR Error registering functions: %s", sanitize(msg))
	}
	return fns, nil
}

// registerArgs reads redis.register_function's arguments: a name and a
// callback, or one table with function_name, callback, and optionally
// flags and description.
func registerArgs(L *lua.LState) (*Function, *lua.LFunction) {
	f := &Function{}
	var fn *lua.LFunction
	named := false
	switch L.GetTop() {
	case 1:
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			raise(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		var bad string
		t.ForEach(func(k, v lua.LValue) {
			if bad != "" {
				return
			}
			key, ok := k.(lua.LString)
			if !ok {
				bad = "unknown argument given to redis.register_function"
				return
			}
			switch string(key) {
			case "function_name":
				s, ok := luaString(v)
				if !ok {
					bad = "function_name argument given to redis.register_function must be a string"
				}
				f.Name, named = s, true
			case "description":
				s, ok := luaString(v)
				if !ok {
					bad = "description argument given to redis.register_function must be a string"
				}
				f.Description = s
			case "callback":
				if fn, ok = v.(*lua.LFunction); !ok {
					bad = "callback argument given to redis.register_function must be a function"
				}
			case "flags":
				flags, ok := v.(*lua.LTable)
				if !ok {
					bad = "flags argument to redis.register_function must be a table representing function flags"
					return
				}
				if bad = readFlags(f, flags); bad != "" {
					return
				}
			default:
				bad = "unknown argument given to redis.register_function"
			}
		})
		if bad != "" {
			raise(L, bad)
		}
		if !named {
			raise(L, "redis.register_function must get a function name argument")
		}
		if fn == nil {
			raise(L, "redis.register_function must get a callback argument")
		}
	case 2:
		name, ok := luaString(L.Get(1))
		if !ok {
			raise(L, "first argument to redis.register_function must be a string")
		}
		if fn, ok = L.Get(2).(*lua.LFunction); !ok {
			raise(L, "second argument to redis.register_function must be a function")
		}
		f.Name = name
	default:
		raise(L, "wrong number of arguments to redis.register_function")
	}
	if !validName(f.Name) {
		// Redis words a bad function name as a bad library name.
		raise(L, strings.TrimPrefix(errLibraryName, "ERR "))
	}
	f.Flags.Shebang = true // a function is held to Redis 7's rules, as a script with a shebang
	return f, fn
}

// readFlags reads a register_function flags table into f, returning the
// error text for a flag Redis does not know.
func readFlags(f *Function, t *lua.LTable) string {
	seen := map[string]bool{}
	bad := ""
	t.ForEach(func(_, v lua.LValue) {
		s, ok := v.(lua.LString)
		if !ok || bad != "" {
			bad = "unknown flag given"
			return
		}
		name := strings.ToLower(string(s)) // any letter case, as Redis
		switch name {
		case "no-writes":
			f.Flags.NoWrites = true
		case "allow-oom":
			f.Flags.AllowOOM = true
		case "allow-stale":
			f.Flags.AllowStale = true
		case "no-cluster", "allow-cross-slot-keys":
		default:
			bad = "unknown flag given"
			return
		}
		seen[name] = true
	})
	for _, name := range functionFlags {
		if seen[name] {
			f.FlagNames = append(f.FlagNames, name)
		}
	}
	return bad
}

// libraryAPI builds what a library's code sees while it loads: redis with
// register_function, log and the constants only.
func (st *state) libraryAPI() *lua.LTable {
	L := st.L
	full := st.globals.RawGetString("redis").(*lua.LTable)
	api := L.NewTable()
	for _, name := range []string{"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM"} {
		api.RawSetString(name, L.GetField(full, name))
	}
	api.RawSetString("register_function", L.NewFunction(func(L *lua.LState) int {
		if st.registering == nil {
			raise(L, "redis.register_function can only be called on FUNCTION LOAD command")
		}
		st.registering(L)
		return 0
	}))
	st.saved[api] = nil // checked by intact, as the libraries are
	view := readOnly(L, api, true)
	st.views = append(st.views, view)
	return view
}

// newLibEnv makes st.libEnv, the globals of libraries' code: while a
// library loads, redis (the loading API) alone; once it has, a function's
// globals are a script's.
func (st *state) newLibEnv() *lua.LTable {
	L := st.L
	loading := st.libraryAPI()
	view := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		name := L.Get(2)
		var v lua.LValue = lua.LNil
		switch {
		case st.registering == nil:
			v = st.globals.RawGet(name)
		case name == lua.LString("redis"):
			// While it loads, a library sees redis's loading API and
			// nothing else, as in Redis: so its code runs the same
			// wherever and whenever it is loaded again (a secondary, a
			// restart), with nothing to read that could differ.
			v = loading
		}
		if v == lua.LNil {
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", lua.LVAsString(name))
		}
		L.Push(v)
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(view, mt)
	st.views = append(st.views, view)
	return view
}

// luaString reads a string argument as Lua's C API does: a string, or a
// number in its text form.
func luaString(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return numberString(float64(v)), true
	}
	return "", false
}
