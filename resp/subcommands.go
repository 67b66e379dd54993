package resp

// The subcommands of the containers, with the arity, flags and key
// positions Redis 7 gives each. A command names its subcommand in its
// second word; the server finds it before any check, so an unknown
// subcommand or a subcommand's wrong arity is refused as an unknown
// command or a wrong arity is (between MULTI and EXEC too, where it
// discards the transaction), and every later check (read-only replica,
// stale link, pause, MONITOR, slow log, commandstats) sees the
// subcommand's own flags: FUNCTION FLUSH is a write, MEMORY PURGE is not
// allowed on a stale replica, CLIENT KILL is administrative.
func registerSubcommands(t commandTable) {
	const (
		ls  = flagLoading | flagStale
		nls = flagNoScript | flagLoading | flagStale
		adm = flagAdmin | nls
	)
	sub := func(name string, arity int, flags cmdFlags) command {
		return command{name: name, arity: arity, flags: flags}
	}
	key := func(c command) command { c.keys = keySpec{2, 2, 1}; return c }
	help := sub("help", 2, ls)

	t.addSubcommands("acl",
		sub("cat", -2, nls), sub("deluser", -3, adm), sub("dryrun", -4, adm), sub("genpass", -2, nls),
		sub("getuser", 3, adm), help, sub("list", 2, adm), sub("load", 2, adm), sub("log", -2, adm),
		sub("save", 2, adm), sub("setuser", -3, adm), sub("users", 2, adm), sub("whoami", 2, nls))
	t.addSubcommands("client",
		sub("caching", 3, nls), sub("getname", 2, nls), sub("getredir", 2, nls), help, sub("id", 2, nls),
		sub("info", 2, nls), sub("kill", -3, adm), sub("list", -2, adm), sub("no-evict", 3, adm),
		sub("no-touch", 3, nls), sub("pause", -3, adm), sub("reply", 3, nls), sub("setinfo", 4, nls), sub("setname", 3, nls),
		sub("tracking", -3, nls), sub("trackinginfo", 2, nls), sub("unblock", -3, adm), sub("unpause", 2, adm))
	t.addSubcommands("command",
		sub("count", 2, ls), sub("docs", -2, ls), sub("getkeys", -4, ls), help, sub("info", -2, ls), sub("list", -2, ls))
	t.addSubcommands("config",
		sub("get", -3, adm), help, sub("resetstat", 2, adm), sub("rewrite", 2, adm), sub("set", -4, adm))
	t.addSubcommands("latency",
		sub("doctor", 2, adm), sub("graph", 3, adm), help, sub("histogram", -2, adm),
		sub("history", 3, adm), sub("latest", 2, adm), sub("reset", -2, adm))
	t.addSubcommands("memory",
		help, sub("malloc-stats", 2, 0), sub("purge", 2, 0), key(sub("usage", -3, flagReadOnly)))
	t.addSubcommands("module",
		help, sub("list", 2, flagAdmin|flagNoScript), sub("load", -3, flagAdmin|flagNoScript|flagProtected|flagNoAsyncLoading),
		sub("loadex", -3, flagAdmin|flagNoScript|flagProtected|flagNoAsyncLoading), sub("unload", 3, flagAdmin|flagNoScript|flagProtected|flagNoAsyncLoading))
	t.addSubcommands("object",
		key(sub("encoding", 3, flagReadOnly)), key(sub("freq", 3, flagReadOnly)), help,
		key(sub("idletime", 3, flagReadOnly)), key(sub("refcount", 3, flagReadOnly)))
	t.addSubcommands("pubsub",
		sub("channels", -2, ls|flagPubSub), sub("numpat", 2, ls|flagPubSub), sub("numsub", -2, ls|flagPubSub),
		sub("shardchannels", -2, ls|flagPubSub), sub("shardnumsub", -2, ls|flagPubSub), help)
	t.addSubcommands("xgroup",
		key(sub("create", -5, flagWrite|flagDenyOOM)), key(sub("createconsumer", 5, flagWrite|flagDenyOOM)),
		key(sub("delconsumer", 5, flagWrite)), key(sub("destroy", 4, flagWrite)), help,
		key(sub("setid", -5, flagWrite)))
	t.addSubcommands("xinfo",
		key(sub("consumers", 4, flagReadOnly)), key(sub("groups", 3, flagReadOnly)), help,
		key(sub("stream", -3, flagReadOnly)))
	t.addSubcommands("slowlog",
		sub("get", -2, flagAdmin|ls), help, sub("len", 2, flagAdmin|ls), sub("reset", 2, flagAdmin|ls))

	ns := flagNoScript
	t.addSubcommands("script",
		command{name: "debug", arity: 3, flags: ns, handler: cmdScriptDebug},
		command{name: "exists", arity: -3, flags: ns, handler: cmdScriptExists},
		command{name: "flush", arity: -2, flags: ns, handler: cmdScriptFlush},
		command{name: "help", arity: 2, flags: ls, handler: cmdScriptHelp},
		command{name: "kill", arity: 2, flags: ns | flagAllowBusy, handler: cmdScriptKill},
		command{name: "load", arity: 3, flags: ns | flagStale, handler: cmdScriptLoad})
	t.addSubcommands("function",
		command{name: "delete", arity: 3, flags: flagWrite | ns, handler: cmdFunctionDelete},
		command{name: "dump", arity: 2, flags: ns, handler: cmdFunctionDump},
		command{name: "flush", arity: -2, flags: flagWrite | ns, handler: cmdFunctionFlush},
		command{name: "help", arity: 2, flags: ls, handler: cmdFunctionHelp},
		command{name: "kill", arity: 2, flags: ns | flagAllowBusy, handler: cmdFunctionKill},
		command{name: "list", arity: -2, flags: ns, handler: cmdFunctionList},
		command{name: "load", arity: -3, flags: flagWrite | flagDenyOOM | ns, handler: cmdFunctionLoad},
		command{name: "restore", arity: -3, flags: flagWrite | flagDenyOOM | ns, handler: cmdFunctionRestore},
		command{name: "stats", arity: 2, flags: ns | flagAllowBusy, handler: cmdFunctionStats})
}
