package resp

// cmdFlags classify commands for dispatch and for COMMAND INFO.
type cmdFlags uint32

const (
	flagWrite    cmdFlags = 1 << iota // changes the keyspace: logged, refused on a replica
	flagReadOnly                      // reads the keyspace
	flagAdmin                         // server administration
	flagFast                          // O(1) or O(log n)
	flagLoading                       // allowed while loading
	flagStale                         // allowed on a replica with a broken link
	flagNoScript
	flagNoAuth // runs before the client authenticates
	// flagDenyOOM marks a write that may grow memory: refused with -OOM
	// while memory is above maxmemory and the policy cannot evict enough.
	flagDenyOOM
	flagNoMulti // refused between MULTI and EXEC
	// flagBlocking marks a command that may block its client (BLPOP...).
	flagBlocking
	// flagMovableKeys marks a command whose keys are found by parsing its
	// arguments (LMPOP's numkeys...).
	flagMovableKeys
	// flagSkipSlowlog keeps a command out of the slow log (EXEC: the
	// commands it runs are logged by themselves).
	flagSkipSlowlog
	// flagProtected marks DEBUG and the MODULE subcommands that load or
	// unload: refused unless enable-debug-command or enable-module-command
	// allows the client (see Allowance). COMMAND INFO does not list it, as
	// Redis does not.
	flagProtected
	// flagAllowBusy marks what a client may still run while a script is
	// past busy-reply-threshold (AUTH, MULTI, SCRIPT KILL...).
	flagAllowBusy
	// The flags below steer nothing here; COMMAND INFO shows them as
	// Redis does: a pub/sub command, one MONITOR does not show as itself
	// (a script's), one whose keys may be none, one refused while a
	// replica loads its data asynchronously.
	flagPubSub
	flagSkipMonitor
	flagNoMandatoryKeys
	flagNoAsyncLoading
)

// flagNames are the flags' COMMAND INFO names, in the order Redis lists
// them (server.c's addReplyCommandFlags).
var flagNames = []struct {
	f    cmdFlags
	name string
}{
	{flagWrite, "write"}, {flagReadOnly, "readonly"}, {flagDenyOOM, "denyoom"}, {flagAdmin, "admin"},
	{flagPubSub, "pubsub"}, {flagNoScript, "noscript"}, {flagBlocking, "blocking"}, {flagLoading, "loading"},
	{flagStale, "stale"}, {flagSkipMonitor, "skip_monitor"}, {flagSkipSlowlog, "skip_slowlog"}, {flagFast, "fast"},
	{flagNoAuth, "no_auth"}, {flagNoMandatoryKeys, "no_mandatory_keys"}, {flagNoAsyncLoading, "no_async_loading"},
	{flagNoMulti, "no_multi"}, {flagMovableKeys, "movablekeys"}, {flagAllowBusy, "allow_busy"},
}

// handlerFunc runs a command whose arity was checked. args[0] is the name.
type handlerFunc func(s *Server, c *client, args [][]byte)

// command is one entry of the command table.
type command struct {
	name    string // lower case
	arity   int    // Redis convention: n exact, -n at least n (name included)
	flags   cmdFlags
	keys    keySpec
	group   string // COMMAND DOCS group
	summary string
	since   string
	handler handlerFunc
	// stat is the command's INFO commandstats counters (cmdstats.go),
	// set by the server that registers it.
	stat *cmdStat
	// subs are a container's subcommands (subcommands.go), each a command
	// of its own named "container|sub", with its own arity, flags, key
	// positions and counters; parent is a subcommand's container.
	subs   []*command
	parent *command
}

// subcommand returns cmd's subcommand called name (in any case), or nil.
func (cmd *command) subcommand(name []byte) *command {
	for _, sc := range cmd.subs {
		if equalFold(name, sc.name[len(cmd.name)+1:]) {
			return sc
		}
	}
	return nil
}

// keySpec gives the key positions for COMMAND INFO: first, last (negative
// counts from the end) and step; zero first means no keys.
type keySpec struct{ first, last, step int }

func (c *command) arityOK(n int) bool {
	if c.arity >= 0 {
		return n == c.arity
	}
	return n >= -c.arity
}

// commandTable is the set of commands being registered.
type commandTable map[string]*command

func (t commandTable) add(c command) {
	if _, dup := t[c.name]; dup {
		panic("resp: command registered twice: " + c.name)
	}
	t[c.name] = &c
}

// addSubcommands makes the registered command container a container of
// subs, each given by its own name (lower case), arity (the container's
// name and the subcommand counted), flags and key positions, as Redis 7's
// table has them. A subcommand without a handler runs the container's,
// which finds the subcommand in args[1].
func (t commandTable) addSubcommands(container string, subs ...command) {
	p := t[container]
	if p == nil || p.subs != nil {
		panic("resp: subcommands of an unknown container, or twice: " + container)
	}
	for _, sc := range subs {
		sc.name = container + "|" + sc.name
		sc.group, sc.parent = p.group, p
		if sc.since == "" {
			sc.since = p.since
		}
		if sc.handler == nil {
			sc.handler = p.handler
		}
		p.subs = append(p.subs, &sc)
	}
}

// newCommandTable registers every command the server knows.
func newCommandTable() map[string]*command {
	t := commandTable{}
	registerConnectionCommands(t)
	registerServerCommands(t)
	registerPersistCommands(t)
	registerStringCommands(t)
	registerHashCommands(t)
	registerSetCommands(t)
	registerBitmapCommands(t)
	registerHLLCommands(t)
	registerZSetCommands(t)
	registerStreamCommands(t)
	registerStreamGroupCommands(t)
	registerListCommands(t)
	registerKeyCommands(t)
	registerDumpCommands(t)
	registerSortCommands(t)
	registerGeoCommands(t)
	registerReplicationCommands(t)
	registerACLCommands(t)
	registerTxCommands(t)
	registerPubSubCommands(t)
	registerScriptingCommands(t)
	registerClusterCommands(t)
	registerLatencyCommands(t)
	registerSubcommands(t)
	registerClusterSubcommands(t)
	return t
}
