package resp

import (
	"github.com/nadb-server/nadb-server/engine/rdb"
	"github.com/nadb-server/nadb-server/resp/script"
)

// Scripts run with Lua (scripting.go, package script): EVAL, EVALSHA,
// their read-only forms and SCRIPT LOAD, EXISTS, FLUSH and KILL as in
// Redis 7.0. Functions (FUNCTION LOAD, FCALL) and the script debugger are
// not supported: the commands that manage functions answer as Redis does
// with none loaded, a lookup of a function fails with Redis's error, and
// FUNCTION LOAD and SCRIPT DEBUG YES|SYNC fail with
// errScriptingUnsupported.

func registerScriptingCommands(t commandTable) {
	add := func(name string, arity int, flags cmdFlags, group, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, group: group, since: since, summary: summary, handler: h})
	}
	ns := flagNoScript
	ro := flagNoScript | flagReadOnly
	// The keys follow numkeys, may be none, and MONITOR shows the
	// script's commands rather than the call itself (as Redis flags them).
	keyed := flagMovableKeys | flagNoMandatoryKeys | flagSkipMonitor
	add("eval", -3, keyed|ns|flagStale, "scripting", "2.6.0", "Executes a server-side Lua script.", cmdEval)
	add("eval_ro", -3, keyed|ro|flagStale, "scripting", "7.0.0", "Executes a read-only server-side Lua script.", cmdEval)
	add("evalsha", -3, keyed|ns|flagStale, "scripting", "2.6.0", "Executes a server-side Lua script by SHA1 digest.", cmdEvalSHA)
	add("evalsha_ro", -3, keyed|ro|flagStale, "scripting", "7.0.0", "Executes a read-only server-side Lua script by SHA1 digest.", cmdEvalSHA)
	add("fcall", -3, keyed|ns|flagStale, "scripting", "7.0.0", "Invokes a function.", cmdFCall)
	add("fcall_ro", -3, keyed|ro|flagStale, "scripting", "7.0.0", "Invokes a read-only function.", cmdFCall)
	// Containers: their subcommands are in subcommands.go.
	add("script", -2, 0, "scripting", "2.6.0", "A container for Lua scripts management commands.", nil)
	add("function", -2, 0, "scripting", "7.0.0", "A container for function commands.", nil)
}

// numKeysError checks the numkeys argument of EVAL and EVALSHA as Redis
// does, returning the error text or "".
func numKeysError(args [][]byte) string {
	n, ok := parseInt(args[2])
	switch {
	case !ok:
		return errNotInteger
	case n > int64(len(args)-3):
		return errNumKeysTooMany
	case n < 0:
		return errNumKeysNegative
	}
	return ""
}

// cmdEval answers EVAL and EVAL_RO: the arguments are checked as Redis
// checks them, then the script is compiled (once: it is cached) and run.
func cmdEval(s *Server, c *client, args [][]byte) {
	s.feedMonitorsFirst(c, args)
	if e := numKeysError(args); e != "" {
		c.conn.WriteError(e)
		return
	}
	sc, err := s.scripts.cache.Load(args[1])
	if err != nil {
		c.conn.WriteError(err.Error())
		return
	}
	evalScript(s, c, sc, args)
}

// cmdEvalSHA answers EVALSHA and EVALSHA_RO. Redis refuses a digest that
// is not 40 bytes long before it looks at numkeys.
func cmdEvalSHA(s *Server, c *client, args [][]byte) {
	s.feedMonitorsFirst(c, args)
	if len(args[1]) == 40 {
		if e := numKeysError(args); e != "" {
			c.conn.WriteError(e)
			return
		}
	}
	sc := s.scripts.cache.Get(args[1])
	if sc == nil {
		c.conn.WriteError(errNoScript)
		return
	}
	evalScript(s, c, sc, args)
}

// evalScript runs sc with the keys and arguments of EVAL's args.
func evalScript(s *Server, c *client, sc *script.Script, args [][]byte) {
	n, _ := parseInt(args[2])
	keys, argv := args[3:3+n], args[3+n:]
	s.runScript(c, sc, keys, argv, readOnlyScript(args[0]))
}

// cmdFCall answers FCALL and FCALL_RO: Redis looks the function up before
// anything else, and no function is ever loaded.
func cmdFCall(s *Server, c *client, args [][]byte) {
	s.feedMonitorsFirst(c, args)
	c.conn.WriteError(errFunctionNotFound)
}

// cmdNotBusy answers FUNCTION KILL: no function runs.
func cmdNotBusy(s *Server, c *client, args [][]byte) {
	c.conn.WriteError(errNotBusy)
}

func cmdScriptExists(s *Server, c *client, args [][]byte) {
	c.conn.WriteArray(len(args) - 2)
	for _, sha := range args[2:] {
		if s.scripts.cache.Get(sha) != nil {
			c.conn.WriteInt(1)
		} else {
			c.conn.WriteInt(0)
		}
	}
}

func cmdScriptFlush(s *Server, c *client, args [][]byte) {
	if len(args) == 2 || len(args) == 3 && (equalFold(args[2], "sync") || equalFold(args[2], "async")) {
		s.scripts.cache.Flush()
		s.scripts.runner.Reset()
		okReply(c)
		return
	}
	c.conn.WriteError(errScriptFlushMode)
}

// cmdScriptLoad compiles and caches a script and answers its SHA-1.
func cmdScriptLoad(s *Server, c *client, args [][]byte) {
	sc, err := s.scripts.cache.Load(args[2])
	if err != nil {
		c.conn.WriteError(err.Error())
		return
	}
	c.conn.WriteBulkString(sc.SHA)
}

// cmdScriptDebug accepts NO, the mode every client is in; YES and SYNC
// would debug scripts this server cannot run.
func cmdScriptDebug(s *Server, c *client, args [][]byte) {
	switch {
	case equalFold(args[2], "no"):
		okReply(c)
	case equalFold(args[2], "yes"), equalFold(args[2], "sync"):
		c.conn.WriteError(errScriptingUnsupported)
	default:
		c.conn.WriteError(errScriptDebugMode)
	}
}

func cmdScriptHelp(s *Server, c *client, args [][]byte) {
	writeHelp(c, "SCRIPT",
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.")
}

// cmdFunctionList checks FUNCTION LIST's options as Redis does and lists
// no library.
func cmdFunctionList(s *Server, c *client, args [][]byte) {
	withCode, named := false, false
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
		default:
			c.conn.WriteError(errUnknownArgument(args[i]))
			return
		}
	}
	c.conn.WriteArray(0)
}

// cmdFunctionStats reports no running function and Redis's one engine
// with nothing loaded, as Redis does.
func cmdFunctionStats(s *Server, c *client, args [][]byte) {
	c.conn.WriteMap(2)
	c.conn.WriteBulkString("running_script")
	c.conn.WriteNull()
	c.conn.WriteBulkString("engines")
	c.conn.WriteMap(1)
	c.conn.WriteBulkString("LUA")
	c.conn.WriteMap(2)
	c.conn.WriteBulkString("libraries_count")
	c.conn.WriteInt(0)
	c.conn.WriteBulkString("functions_count")
	c.conn.WriteInt(0)
}

func cmdFunctionFlush(s *Server, c *client, args [][]byte) {
	switch {
	case len(args) > 3:
		c.conn.WriteError(errSubcommandSyntax("function", args[1]))
	case len(args) == 3 && !equalFold(args[2], "sync") && !equalFold(args[2], "async"):
		c.conn.WriteError(errFunctionFlushMode)
	default:
		okReply(c)
	}
}

// cmdFunctionDump answers the payload of an empty set of libraries: no
// library records, then the RDB version and the checksum, as Redis 7.0
// writes it. FUNCTION RESTORE of it, here or in Redis, restores nothing.
func cmdFunctionDump(s *Server, c *client, args [][]byte) {
	c.conn.WriteBulk(rdb.AppendFooter(nil, 0))
}

// cmdFunctionRestore checks the policy and the payload's version and
// checksum as Redis does. A payload without libraries restores nothing;
// one with libraries cannot be loaded here.
func cmdFunctionRestore(s *Server, c *client, args [][]byte) {
	if len(args) > 4 {
		c.conn.WriteError(errSubcommandSyntax("function", args[1]))
		return
	}
	if len(args) == 4 && !equalFold(args[3], "flush") && !equalFold(args[3], "append") && !equalFold(args[3], "replace") {
		c.conn.WriteError(errRestorePolicy)
		return
	}
	libs, err := rdb.Verify(args[2])
	if err != nil {
		c.conn.WriteError(errDumpPayload)
		return
	}
	if len(libs) > 0 {
		c.conn.WriteError(errScriptingUnsupported)
		return
	}
	okReply(c)
}

func cmdFunctionDelete(s *Server, c *client, args [][]byte) {
	c.conn.WriteError(errLibraryNotFound)
}

// cmdFunctionLoad checks FUNCTION LOAD's options as Redis does; the code
// cannot be loaded.
func cmdFunctionLoad(s *Server, c *client, args [][]byte) {
	for _, a := range args[2 : len(args)-1] {
		if !equalFold(a, "replace") {
			c.conn.WriteError(errUnknownLoadOption(a))
			return
		}
	}
	c.conn.WriteError(errScriptingUnsupported)
}

func cmdFunctionHelp(s *Server, c *client, args [][]byte) {
	writeHelp(c, "FUNCTION",
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>",
		"    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Return general information on all the libraries:",
		"    * Library name",
		"    * The engine used to run the Library",
		"    * Library description",
		"    * Functions list",
		"    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS",
		"    Return information about the current function running:",
		"    * Function name",
		"    * Command used to run the function",
		"    * Duration in MS that the function is running",
		"    If no function is running, return nil",
		"    In addition, returns a list of available engines.",
		"KILL",
		"    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.",
		"    * SYNC: Synchronously flush the libraries.",
		"DUMP",
		"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).")
}
