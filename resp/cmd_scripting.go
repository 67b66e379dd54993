package resp

import (
	"github.com/nadb-server/nadb-server/resp/script"
)

// Scripts run with Lua (scripting.go, package script): EVAL, EVALSHA,
// their read-only forms and SCRIPT LOAD, EXISTS, FLUSH and KILL as in
// Redis 7.0; functions (FUNCTION, FCALL) in functions.go. The script
// debugger is not supported: SCRIPT DEBUG YES|SYNC fails with
// errScriptDebugUnsupported.

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
	s.runScript(c, sc.Flags, &script.Run{Script: sc, Keys: keys, Argv: argv}, readOnlyScript(args[0]), nil)
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
// would start the debugger this server does not have.
func cmdScriptDebug(s *Server, c *client, args [][]byte) {
	switch {
	case equalFold(args[2], "no"):
		okReply(c)
	case equalFold(args[2], "yes"), equalFold(args[2], "sync"):
		c.conn.WriteError(errScriptDebugUnsupported)
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
