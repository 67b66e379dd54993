package resp

import (
	"sort"
	"sync"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/engine/rdb"
	"github.com/nadb-server/nadb-server/resp/script"
)

// Functions (FUNCTION LOAD, FCALL), as in Redis 7.0. The libraries live in
// the engine as one value, their codes packed by library name
// (engine/functions.go), so that the log, the secondaries, snapshots and a
// start from disk carry them as they carry keys; this layer keeps the
// libraries that value stands for, loaded (package script), rebuilt when
// the engine's generation moves (a change here, or one a secondary
// applied). A change is built on the generation it read and stored only
// if no other came in between (engine.SetFunctions), else built again.

// functionLibs is the server's view of the engine's libraries.
type functionLibs struct {
	mu  sync.Mutex
	gen uint64 // the engine's generation reg was built from
	reg *script.Registry
	// byCode keeps the libraries loaded, by code, so that a rebuild loads
	// only the new ones.
	byCode map[string]*script.Library
}

// functions returns the libraries now loaded and their generation.
func (s *Server) functions(eng *engine.Engine) (*script.Registry, uint64) {
	value, gen := eng.Functions()
	s.funcs.mu.Lock()
	defer s.funcs.mu.Unlock()
	if s.funcs.reg != nil && s.funcs.gen == gen {
		return s.funcs.reg, gen
	}
	reg, byCode := script.NewRegistry(), map[string]*script.Library{}
	_ = engine.EachPacked(value, func(code []byte) bool {
		lib := s.funcs.byCode[string(code)]
		if lib == nil {
			var err error
			if lib, err = script.LoadLibrary(code, 0); err != nil {
				// Loaded by the FUNCTION LOAD that stored it, on this node
				// or its primary; another version's rules may differ.
				// Kept, not dropped.
				s.log.Warn("function library cannot be loaded", "err", err)
				reg.Kept = append(reg.Kept, code)
				return true
			}
		}
		if reg.Add(lib, true) == nil {
			byCode[string(code)] = lib
		}
		return true
	})
	s.funcs.reg, s.funcs.gen, s.funcs.byCode = reg, gen, byCode
	return reg, gen
}

// changeFunctions applies change to a copy of the libraries and stores the
// result, again if another change came in between; change's error is
// returned, storing nothing.
func (s *Server) changeFunctions(c *client, change func(reg *script.Registry) error) error {
	for {
		reg, gen := s.functions(c.eng)
		next := reg.Clone()
		if err := change(next); err != nil {
			return err
		}
		if c.eng.SetFunctions(packLibraries(next), gen) {
			return nil
		}
	}
}

// packLibraries packs the libraries' codes, by library name.
func packLibraries(reg *script.Registry) []byte {
	names := make([]string, 0, len(reg.Libraries))
	for name := range reg.Libraries {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []byte
	for _, name := range names {
		out = engine.AppendPacked(out, reg.Libraries[name].Code)
	}
	for _, code := range reg.Kept {
		out = engine.AppendPacked(out, code)
	}
	return out
}

// cmdFCall answers FCALL and FCALL_RO: the function is looked up first,
// then numkeys, then the function runs as a script with its flags.
func cmdFCall(s *Server, c *client, args [][]byte) {
	s.feedMonitorsFirst(c, args)
	reg, _ := s.functions(c.eng)
	f := reg.Function(string(args[1]))
	if f == nil {
		c.conn.WriteError(errFunctionNotFound)
		return
	}
	// A numkeys that is no integer is worded as FCALL's own.
	n, ok := parseInt(args[2])
	if !ok {
		c.conn.WriteError(errBadNumKeys)
		return
	}
	if e := numKeysError(args); e != "" {
		c.conn.WriteError(e)
		return
	}
	r := &script.Run{Function: f, Registry: reg, Keys: args[3 : 3+n], Argv: args[3+n:]}
	s.runScript(c, f.Flags, r, readOnlyScript(args[0]), args)
}

// cmdFunctionLoad answers FUNCTION LOAD [REPLACE] code: the library's
// name, once loaded.
func cmdFunctionLoad(s *Server, c *client, args [][]byte) {
	replace := false
	for _, a := range args[2 : len(args)-1] {
		if !equalFold(a, "replace") {
			c.conn.WriteError(errUnknownLoadOption(a))
			return
		}
		replace = true
	}
	code := args[len(args)-1]
	name, err := script.LibraryName(code)
	if err == nil {
		reg, _ := s.functions(c.eng)
		err = reg.CheckNew(name, replace)
	}
	var lib *script.Library
	if err == nil {
		lib, err = script.LoadLibrary(code, script.LoadTimeout)
	}
	if err == nil {
		err = s.changeFunctions(c, func(reg *script.Registry) error { return reg.Add(lib, replace) })
	}
	if err != nil {
		c.conn.WriteError(err.Error())
		return
	}
	c.conn.WriteBulkString(lib.Name)
}

func cmdFunctionDelete(s *Server, c *client, args [][]byte) {
	err := s.changeFunctions(c, func(reg *script.Registry) error {
		if !reg.Delete(string(args[2])) {
			return errText(errLibraryNotFound)
		}
		return nil
	})
	if err != nil {
		c.conn.WriteError(err.Error())
		return
	}
	okReply(c)
}

func cmdFunctionFlush(s *Server, c *client, args [][]byte) {
	switch {
	case len(args) > 3:
		c.conn.WriteError(errSubcommandSyntax("function", args[1]))
	case len(args) == 3 && !equalFold(args[2], "sync") && !equalFold(args[2], "async"):
		c.conn.WriteError(errFunctionFlushMode)
	default:
		_ = s.changeFunctions(c, func(reg *script.Registry) error {
			*reg = *script.NewRegistry()
			return nil
		})
		okReply(c)
	}
}

// cmdFunctionList answers FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]:
// the libraries whose names match, by name.
func cmdFunctionList(s *Server, c *client, args [][]byte) {
	withCode, named := false, false
	var pattern []byte
	for i := 2; i < len(args); i++ {
		switch {
		case !withCode && equalFold(args[i], "withcode"):
			withCode = true
		case !named && equalFold(args[i], "libraryname"):
			if i == len(args)-1 {
				c.conn.WriteError(errLibraryNameMissing)
				return
			}
			named = true
			i++
			pattern = args[i]
		default:
			c.conn.WriteError(errUnknownArgument(args[i]))
			return
		}
	}
	reg, _ := s.functions(c.eng)
	var libs []*script.Library
	for _, lib := range reg.Libraries {
		if !named || engine.MatchNoCase(string(pattern), lib.Name) {
			libs = append(libs, lib)
		}
	}
	sort.Slice(libs, func(i, j int) bool { return libs[i].Name < libs[j].Name })
	c.conn.WriteArray(len(libs))
	for _, lib := range libs {
		fields := 3
		if withCode {
			fields++
		}
		c.conn.WriteMap(fields)
		c.conn.WriteBulkString("library_name")
		c.conn.WriteBulkString(lib.Name)
		c.conn.WriteBulkString("engine")
		c.conn.WriteBulkString("LUA")
		c.conn.WriteBulkString("functions")
		fns := append([]*script.Function(nil), lib.Functions...)
		sort.Slice(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
		c.conn.WriteArray(len(fns))
		for _, f := range fns {
			c.conn.WriteMap(3)
			c.conn.WriteBulkString("name")
			c.conn.WriteBulkString(f.Name)
			c.conn.WriteBulkString("description")
			if f.Description == "" {
				c.conn.WriteNull()
			} else {
				c.conn.WriteBulkString(f.Description)
			}
			c.conn.WriteBulkString("flags")
			c.conn.WriteSet(len(f.FlagNames))
			for _, flag := range f.FlagNames {
				c.conn.WriteString(flag)
			}
		}
		if withCode {
			c.conn.WriteBulkString("library_code")
			c.conn.WriteBulk(lib.Code)
		}
	}
}

// cmdFunctionStats reports the function running, if any, and the
// libraries' and functions' counts of the one engine, Lua.
func cmdFunctionStats(s *Server, c *client, args [][]byte) {
	s.scripts.mu.Lock()
	run := s.scripts.running
	s.scripts.mu.Unlock()
	if run != nil && run.function == "" && s.scriptPastThreshold() {
		c.conn.WriteError(errBusyScript) // a script, not a function: as Redis
		return
	}
	c.conn.WriteMap(2)
	c.conn.WriteBulkString("running_script")
	if run == nil || run.function == "" {
		c.conn.WriteNull()
	} else {
		c.conn.WriteMap(3)
		c.conn.WriteBulkString("name")
		c.conn.WriteBulkString(run.function)
		c.conn.WriteBulkString("command")
		c.conn.WriteArray(len(run.args))
		for _, a := range run.args {
			c.conn.WriteBulk(a)
		}
		c.conn.WriteBulkString("duration_ms")
		c.conn.WriteInt64((s.clock() - s.scripts.started.Load()) / 1e6)
	}
	reg, _ := s.functions(c.eng)
	c.conn.WriteBulkString("engines")
	c.conn.WriteMap(1)
	c.conn.WriteBulkString("LUA")
	c.conn.WriteMap(2)
	c.conn.WriteBulkString("libraries_count")
	c.conn.WriteInt(len(reg.Libraries))
	c.conn.WriteBulkString("functions_count")
	c.conn.WriteInt(len(reg.Functions))
}

// cmdFunctionDump answers the libraries as an RDB payload, as Redis 7.0
// writes it: one function record per library, then the RDB version and
// the checksum.
func cmdFunctionDump(s *Server, c *client, args [][]byte) {
	reg, _ := s.functions(c.eng)
	var codes [][]byte
	_ = engine.EachPacked(packLibraries(reg), func(code []byte) bool {
		codes = append(codes, code)
		return true
	})
	c.conn.WriteBulk(rdb.EncodeFunctions(codes))
}

// cmdFunctionRestore loads the libraries of a FUNCTION DUMP payload (this
// server's or Redis's) with the policy given: APPEND (the default) fails
// on a library that exists, REPLACE replaces it, FLUSH drops every library
// first. All of them or none.
func cmdFunctionRestore(s *Server, c *client, args [][]byte) {
	if len(args) > 4 {
		c.conn.WriteError(errSubcommandSyntax("function", args[1]))
		return
	}
	policy := "append"
	if len(args) == 4 {
		switch {
		case equalFold(args[3], "flush"):
			policy = "flush"
		case equalFold(args[3], "replace"):
			policy = "replace"
		case !equalFold(args[3], "append"):
			c.conn.WriteError(errRestorePolicy)
			return
		}
	}
	codes, err := rdb.DecodeFunctions(args[2])
	if err != nil {
		c.conn.WriteError(errorText(err))
		return
	}
	libs := make([]*script.Library, 0, len(codes))
	for _, code := range codes {
		lib, err := script.LoadLibrary(code, script.LoadTimeout)
		if err != nil {
			c.conn.WriteError(err.Error())
			return
		}
		libs = append(libs, lib)
	}
	err = s.changeFunctions(c, func(reg *script.Registry) error {
		if policy == "flush" {
			*reg = *script.NewRegistry()
		}
		for _, lib := range libs {
			if policy == "append" && reg.Libraries[lib.Name] != nil {
				return errText("ERR Library " + lib.Name + " already exists") // RESTORE's own words
			}
			if err := reg.Add(lib, policy == "replace"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		c.conn.WriteError(err.Error())
		return
	}
	okReply(c)
}

// errText is an error whose text is a reply's.
type errText string

func (e errText) Error() string { return string(e) }
