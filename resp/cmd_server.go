package resp

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nadb-server/nadb-server/engine"
)

// redisVersion is the Redis version whose behaviour the server follows; tools
// read it from INFO and HELLO to decide which commands they may use.
const redisVersion = "7.2.0"

// Version is nadb-server's own version, reported as nadb_version.
const Version = "0.1.0"

func registerServerCommands(t commandTable) {
	t.add(command{name: "info", arity: -1, flags: flagStale | flagLoading, group: "server", since: "1.0.0", summary: "Returns information and statistics about the server.", handler: cmdInfo})
	t.add(command{name: "dbsize", arity: 1, flags: flagReadOnly | flagFast, group: "server", since: "1.0.0", summary: "Returns the number of keys in the database.", handler: cmdDBSize})
	t.add(command{name: "flushdb", arity: -1, flags: flagWrite, group: "server", since: "1.0.0", summary: "Remove all keys from the current database.", handler: cmdFlushDB})
	t.add(command{name: "flushall", arity: -1, flags: flagWrite, group: "server", since: "1.0.0", summary: "Removes all keys from all databases.", handler: cmdFlushAll})
	t.add(command{name: "time", arity: 1, flags: flagFast | flagStale | flagLoading, group: "server", since: "2.6.0", summary: "Returns the server time.", handler: cmdTime})
	t.add(command{name: "shutdown", arity: -1, flags: flagAllowBusy | flagAdmin | flagNoMulti | flagStale | flagLoading | flagNoScript, group: "server", since: "1.0.0", summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.", handler: cmdShutdown})
	t.add(command{name: "command", arity: -1, flags: flagStale | flagLoading, group: "server", since: "2.8.13", summary: "Returns detailed information about all commands.", handler: cmdCommand})
	t.add(command{name: "client", arity: -2, group: "connection", since: "2.4.0", summary: "A container for client connection commands.", handler: cmdClient})
	t.add(command{name: "config", arity: -2, group: "server", since: "2.0.0", summary: "A container for server configuration commands.", handler: cmdConfig})
	t.add(command{name: "memory", arity: -2, group: "server", since: "4.0.0", summary: "A container for memory diagnostics commands.", handler: cmdMemory})
	t.add(command{name: "module", arity: -2, group: "server", since: "4.0.0", summary: "A container for module commands.", handler: cmdModule})
	t.add(command{name: "monitor", arity: 1, flags: flagAdmin | flagNoScript | flagLoading | flagStale, group: "server", since: "1.0.0", summary: "Listens for all requests received by the server in real-time.", handler: cmdMonitor})
	t.add(command{name: "slowlog", arity: -2, group: "server", since: "2.2.12", summary: "A container for slow log commands.", handler: cmdSlowlog})
	t.add(command{name: "debug", arity: -2, flags: flagAdmin | flagStale | flagLoading | flagNoScript | flagProtected, group: "server", since: "1.0.0", summary: "A container for debugging commands.", handler: cmdDebug})
}

func cmdDBSize(s *Server, c *client, args [][]byte) {
	c.conn.WriteInt(c.eng.DBSize(c.DB()))
}

// flushMode checks the optional ASYNC/SYNC argument of FLUSHDB/FLUSHALL.
func flushMode(c *client, args [][]byte) bool {
	if len(args) > 2 || (len(args) == 2 && !equalFold(args[1], "async") && !equalFold(args[1], "sync")) {
		c.conn.WriteError(errSyntax)
		return false
	}
	return true
}

func cmdFlushDB(s *Server, c *client, args [][]byte) {
	if flushMode(c, args) {
		c.eng.FlushDB(c.DB())
		okReply(c)
	}
}

func cmdFlushAll(s *Server, c *client, args [][]byte) {
	if flushMode(c, args) {
		c.eng.FlushAll()
		okReply(c)
	}
}

func cmdTime(s *Server, c *client, args [][]byte) {
	now := time.Now()
	writeAny(c.conn, []any{
		strconv.FormatInt(now.Unix(), 10),
		strconv.FormatInt(int64(now.Nanosecond()/1000), 10),
	})
}

func cmdShutdown(s *Server, c *client, args [][]byte) {
	save, nosave := false, false
	for _, a := range args[1:] {
		switch {
		case equalFold(a, "save"):
			save = true
		case equalFold(a, "nosave"):
			nosave = true
		case equalFold(a, "now"), equalFold(a, "force"):
		case equalFold(a, "abort"):
			c.conn.WriteError(errNoShutdown)
			return
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	// A script that runs is waited for, up to busy-reply-threshold; past
	// it only SHUTDOWN NOSAVE stops the server, as in Redis.
	busy, ok := s.waitScript()
	if !ok {
		return
	}
	if busy && !nosave {
		c.conn.WriteError(s.busyReply())
		return
	}
	if save {
		// SHUTDOWN SAVE writes a snapshot first, and stays up if it fails.
		// A BGSAVE in progress would be cut short by the shutdown: wait
		// for it (up to a minute), then save what came after it.
		err := s.persistence().Save(false)
		for deadline := time.Now().Add(time.Minute); saveRunning(err) && time.Now().Before(deadline); {
			if !s.sleep(10 * time.Millisecond) {
				return // stopped meanwhile (a signal): the connection is closed
			}
			err = s.persistence().Save(false)
		}
		if err != nil {
			s.log.Error("SHUTDOWN SAVE: the snapshot failed; not shutting down", "err", err)
			c.conn.WriteError(errShutdownFailed)
			return
		}
	}
	s.log.Info("shutdown requested by client", "id", c.id, "addr", c.addr)
	if s.shutdown != nil {
		s.shutdownOnce.Do(s.shutdown)
	}
	// Redis sends no reply: the connection closes as the server stops.
	c.closeAfterReply = true
}

// cmdCommand answers COMMAND, COMMAND COUNT|INFO|DOCS|LIST.
func cmdCommand(s *Server, c *client, args [][]byte) {
	if len(args) == 1 {
		names := s.commandNames()
		c.conn.WriteArray(len(names))
		for _, n := range names {
			writeCommandInfo(c, s.commands[n])
		}
		return
	}
	sub := args[1]
	switch {
	case equalFold(sub, "count") && len(args) == 2:
		c.conn.WriteInt(len(s.commands))
	case equalFold(sub, "list") && (len(args) == 2 || len(args) == 5 && equalFold(args[2], "filterby")):
		commandList(s, c, args[2:])
	case equalFold(sub, "info"):
		names := commandArgs(s, args[2:])
		c.conn.WriteArray(len(names))
		for _, n := range names {
			if cmd := s.commandNamed(n); cmd != nil {
				writeCommandInfo(c, cmd)
			} else {
				c.conn.WriteNull()
			}
		}
	case equalFold(sub, "docs"):
		// A map of name to doc (a flat array in RESP2); unknown names
		// are left out, as Redis does.
		var docs []*command
		for _, n := range commandArgs(s, args[2:]) {
			if cmd := s.commands[n]; cmd != nil {
				docs = append(docs, cmd)
			}
		}
		c.conn.WriteMap(len(docs))
		for _, cmd := range docs {
			c.conn.WriteBulkString(cmd.name)
			writeAny(c.conn, mapReply{
				"summary", cmd.summary,
				"since", cmd.since,
				"group", cmd.group,
			})
		}
	case equalFold(sub, "getkeys"):
		commandGetKeys(s, c, args[2:])
	case equalFold(sub, "help") && len(args) == 2:
		writeHelp(c, "COMMAND",
			"(no subcommand)", "    Return details about all commands.",
			"COUNT", "    Return the number of commands.",
			"DOCS [<command-name> ...]", "    Return documentation of the given commands, or of all.",
			"GETKEYS <full-command>", "    Return the keys of a whole command.",
			"INFO [<command-name> ...]", "    Return details about the given commands, or about all.",
			"LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]", "    Return the names of all commands and subcommands, or of those the filter keeps.")
	case equalFold(sub, "list"):
		c.conn.WriteError(errSyntax)
	case equalFold(sub, "count"):
		c.conn.WriteError(errArity("command|count"))
	default:
		c.conn.WriteError(errUnknownSubcommand("command", sub))
	}
}

// commandList answers COMMAND LIST [FILTERBY MODULE|ACLCAT|PATTERN arg]:
// the names of the commands and of their subcommands (container|sub), as
// Redis 7 lists them. No module is loaded; a pattern matches in any case.
func commandList(s *Server, c *client, filter [][]byte) {
	keep := func(*command) bool { return true }
	if len(filter) == 3 {
		arg := string(filter[2])
		switch {
		case equalFold(filter[1], "module"):
			keep = func(*command) bool { return false }
		case equalFold(filter[1], "aclcat"):
			keep = func(cmd *command) bool { return inACLCategory(cmd, strings.ToLower(arg)) }
		case equalFold(filter[1], "pattern"):
			keep = func(cmd *command) bool { return engine.MatchNoCase(arg, cmd.name) }
		default:
			c.conn.WriteError(errSyntax)
			return
		}
	}
	var names []string
	for _, n := range s.commandNames() {
		cmd := s.commands[n]
		if keep(cmd) {
			names = append(names, cmd.name)
		}
		for _, sc := range cmd.subs {
			if keep(sc) {
				names = append(names, sc.name)
			}
		}
	}
	writeAny(c.conn, names)
}

// commandArgs lower-cases the names given, or returns every name.
func commandArgs(s *Server, args [][]byte) []string {
	if len(args) == 0 {
		return s.commandNames()
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ToLower(string(a))
	}
	return out
}

func (s *Server) commandNames() []string {
	names := make([]string, 0, len(s.commands))
	for n := range s.commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// writeCommandInfo writes the ten-element COMMAND INFO entry of Redis 7;
// in RESP3 the flags, ACL categories, tips, key specs and subcommands are
// sets, as Redis 7.0 sends them.
func writeCommandInfo(c *client, cmd *command) {
	writeAny(c.conn, commandInfo(cmd))
}

// commandInfo is cmd's COMMAND INFO entry, a container's with its
// subcommands' entries.
func commandInfo(cmd *command) []any {
	flags := setReply{}
	for _, f := range flagNames {
		if cmd.flags&f.f != 0 {
			flags = append(flags, simple(f.name))
		}
	}
	// As Redis 7.0: an empty set without subcommands, else an array.
	var subs any = setReply{}
	if cmd.subs != nil {
		entries := make([]any, len(cmd.subs))
		for i, sc := range cmd.subs {
			entries[i] = commandInfo(sc)
		}
		subs = entries
	}
	tips := setReply{}
	for _, tip := range commandTips[cmd.name] {
		tips = append(tips, tip)
	}
	cats := setReply{} // its ACL categories, in Redis's order
	for _, cat := range aclCategories {
		if inACLCategory(cmd, cat) {
			cats = append(cats, simple("@"+cat))
		}
	}
	return []any{
		cmd.name, int64(cmd.arity), flags,
		int64(cmd.keys.first), int64(cmd.keys.last), int64(cmd.keys.step),
		cats, tips, setReply{}, subs,
	}
}

// commandNamed returns the command name (lower case) names: a command, or
// a subcommand as "container|sub", as COMMAND INFO and DOCS take them.
func (s *Server) commandNamed(name string) *command {
	container, sub, ok := strings.Cut(name, "|")
	cmd := s.commands[container]
	if !ok || cmd == nil {
		return cmd
	}
	return cmd.subcommand([]byte(sub))
}

// debugDigest formats the dataset digest as DEBUG DIGEST answers it: forty
// hex digits, Redis's width, which are eight zeros and then the 32 digits
// the digest has everywhere else (checkpoints, logs, snapshot headers).
// The empty dataset's is forty zeros, as in Redis.
func debugDigest(d engine.Digest) string { return "00000000" + d.String() }

// cmdDebug answers DEBUG DIGEST, DIGEST-VALUE and SLEEP.
func cmdDebug(s *Server, c *client, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "digest") && len(args) == 2:
		c.conn.WriteString(debugDigest(s.eng.Digest()))
	case equalFold(sub, "digest-value"):
		keys := make([]string, len(args)-2)
		for i, a := range args[2:] {
			keys[i] = string(a)
		}
		digests := s.eng.DigestValue(c.DB(), keys)
		c.conn.WriteArray(len(digests))
		for _, d := range digests {
			c.conn.WriteString(d)
		}
	case equalFold(sub, "object") && len(args) == 3:
		debugObject(s, c, string(args[2]))
	case equalFold(sub, "set-active-expire") && len(args) == 3:
		on, ok := parseInt(args[2])
		if !ok {
			c.conn.WriteError(errNotInteger)
			return
		}
		s.eng.SetActiveExpire(on != 0)
		okReply(c)
	case equalFold(sub, "sleep") && len(args) == 3:
		secs, ok := engine.ParseFloat(args[2])
		if !ok || secs < 0 {
			c.conn.WriteError(errNotFloat)
			return
		}
		// DEBUG SLEEP blocks the client that sent it; other clients keep
		// running, which is kinder than Redis's whole-server pause. A
		// stop ends it: the client's connection is closed then.
		if s.sleep(time.Duration(secs * float64(time.Second))) {
			okReply(c)
		}
	case equalFold(sub, "help") && len(args) == 2:
		writeHelp(c, "DEBUG",
			"DIGEST", "    Return a digest of the whole dataset (forty zeros when empty).",
			"SET-ACTIVE-EXPIRE <0|1>", "    Stop (0) or restart (1) the active expiry cycle: expired keys then go only when found.",
			"DIGEST-VALUE <key> [<key> ...]", "    Return a digest of each key's value.",
			"OBJECT <key>", "    Show low level info about the key and associated value.",
			"SLEEP <seconds>", "    Block this connection for the given time.")
	default:
		c.conn.WriteError(errUnknownSubcommand("debug", sub))
	}
}

// cmdConfig answers CONFIG GET, SET, REWRITE and RESETSTAT.
func cmdConfig(s *Server, c *client, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "get"):
		if len(args) < 3 {
			c.conn.WriteError(errArity("config|get"))
			return
		}
		seen := map[string]bool{}
		var out mapReply // a map in RESP3, as Redis 7 answers
		for _, p := range args[2:] {
			if s.cfg == nil {
				break
			}
			for _, kv := range s.cfg.Get(string(p)) {
				// One answer per name in any case, the first spelling
				// asked, as Redis's case-blind table of matches keeps.
				if name := strings.ToLower(kv[0]); !seen[name] {
					seen[name] = true
					out = append(out, kv[0], kv[1])
				}
			}
		}
		if out == nil {
			out = mapReply{}
		}
		writeAny(c.conn, out)
	case equalFold(sub, "set"):
		if len(args)%2 != 0 {
			c.conn.WriteError(errSyntax)
			return
		}
		if s.cfg == nil {
			c.conn.WriteError(errUnknownConfig(string(args[2])))
			return
		}
		pairs := make([][2]string, 0, len(args)/2-1)
		for i := 2; i < len(args); i += 2 {
			pairs = append(pairs, [2]string{string(args[i]), string(args[i+1])})
		}
		if name, err := s.cfg.Set(pairs); err != nil {
			c.conn.WriteError(errConfigSetRefused(name, err))
			return
		}
		okReply(c)
	case equalFold(sub, "rewrite") && len(args) == 2:
		cmdConfigRewrite(s, c)
	case equalFold(sub, "rewrite"):
		c.conn.WriteError(errArity("config|rewrite"))
	case equalFold(sub, "resetstat") && len(args) == 2:
		s.eng.ResetStats()
		s.resetStats()
		s.resetCmdStats()
		okReply(c)
	case equalFold(sub, "resetstat"):
		c.conn.WriteError(errArity("config|resetstat"))
	case equalFold(sub, "help") && len(args) == 2:
		writeHelp(c, "CONFIG",
			"GET <pattern> [<pattern> ...]", "    Return the options matching the glob patterns and their values.",
			"SET <option> <value> [<option> <value> ...]", "    Change options that can change at run time.",
			"RESETSTAT", "    Reset the statistics INFO reports.",
			"REWRITE", "    Rewrite the configuration file.")
	default:
		c.conn.WriteError(errUnknownSubcommand("config", sub))
	}
}

// cmdConfigRewrite writes the settings in force back to the config file.
func cmdConfigRewrite(s *Server, c *client) {
	rw, ok := s.cfg.(ConfigRewriter)
	if !ok {
		c.conn.WriteError(errConfigRewrite(ErrNoConfigFile))
		return
	}
	if err := rw.Rewrite(); err != nil {
		s.log.Warn("CONFIG REWRITE failed", "err", err)
		c.conn.WriteError(errConfigRewrite(err))
		return
	}
	s.log.Info("CONFIG REWRITE executed with success")
	okReply(c)
}

func (s *Server) resetStats() {
	s.connections.Store(0)
	s.rejected.Store(0)
	s.closedCmds.Store(0)
	s.bytesRead.Store(0)
	s.bytesWritten.Store(0)
	s.mu.Lock()
	for _, cl := range s.clients {
		cl.commands.Store(0)
	}
	s.mu.Unlock()
}

// cmdModule answers MODULE as a Redis with no module loaded does: LIST is
// empty; LOAD, LOADEX and UNLOAD, when enable-module-command lets the
// client run them at all, fail as a Redis that cannot load the library
// (nadb-server has no modules) or has no such module. Clients that probe
// for modules (MODULE LIST) get a plain answer.
func cmdModule(s *Server, c *client, args [][]byte) {
	switch sub := args[1]; {
	case equalFold(sub, "list"):
		c.conn.WriteArray(0)
	case equalFold(sub, "help"):
		writeHelp(c, "MODULE",
			"LIST",
			"    Return a list of loaded modules.",
			"LOAD <path> [<arg> ...]",
			"    Load a module library from <path>, passing to it any optional arguments.",
			"LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
			"    Load a module library from <path>, while passing it module configurations and optional arguments.",
			"UNLOAD <name>",
			"    Unload a module.")
	case equalFold(sub, "unload"):
		c.conn.WriteError(errModuleUnload)
	default: // LOAD, LOADEX (the table refused the rest)
		c.conn.WriteError(errModuleLoad)
	}
}
