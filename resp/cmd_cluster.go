package resp

// Cluster commands. nadb-server is a standalone server: as a Redis started
// without cluster-enabled, it knows CLUSTER (with Redis 7.0's subcommands,
// their arities and flags), READONLY, READWRITE and ASKING, checks their
// arguments as Redis does, and answers each that it has cluster support
// disabled. A client that probes for a cluster (CLUSTER INFO, CLUSTER
// SLOTS) gets the answer a standalone Redis gives.

func registerClusterCommands(t commandTable) {
	const ls = flagLoading | flagStale
	t.add(command{name: "cluster", arity: -2, group: "cluster", since: "3.0.0", summary: "A container for Redis Cluster commands.", handler: cmdClusterDisabled})
	t.add(command{name: "readonly", arity: 1, flags: flagFast | ls, group: "cluster", since: "3.0.0", summary: "Enables read-only queries for a connection to a Redis Cluster replica node.", handler: cmdClusterDisabled})
	t.add(command{name: "readwrite", arity: 1, flags: flagFast | ls, group: "cluster", since: "3.0.0", summary: "Enables read-write queries for a connection to a Redis Cluster replica node.", handler: cmdClusterDisabled})
	t.add(command{name: "asking", arity: 1, flags: flagFast, group: "cluster", since: "3.0.0", summary: "Signals that a cluster client is following an -ASK redirect.", handler: cmdClusterDisabled})
}

// registerClusterSubcommands gives CLUSTER Redis 7.0's subcommands.
func registerClusterSubcommands(t commandTable) {
	const (
		st  = flagStale
		adm = flagAdmin | flagStale
		cfg = adm | flagNoAsyncLoading // changes the cluster's configuration
	)
	sub := func(name string, arity int, flags cmdFlags) command {
		return command{name: name, arity: arity, flags: flags}
	}
	t.addSubcommands("cluster",
		sub("addslots", -3, cfg), sub("addslotsrange", -4, cfg), sub("bumpepoch", 2, cfg),
		sub("count-failure-reports", 3, adm), sub("countkeysinslot", 3, st), sub("delslots", -3, cfg),
		sub("delslotsrange", -4, cfg), sub("failover", -2, cfg), sub("flushslots", 2, cfg),
		sub("forget", 3, cfg), sub("getkeysinslot", 4, st), sub("help", 2, flagLoading|st),
		sub("info", 2, st), sub("keyslot", 3, st), sub("links", 2, st), sub("meet", -4, cfg),
		sub("myid", 2, st), sub("nodes", 2, st), sub("replicas", 3, adm), sub("replicate", 3, cfg),
		sub("reset", -2, adm|flagNoScript), sub("saveconfig", 2, cfg), sub("set-config-epoch", 3, cfg),
		sub("setslot", -4, cfg), sub("shards", 2, st), sub("slaves", 3, adm), sub("slots", 2, st))
}

func cmdClusterDisabled(s *Server, c *client, args [][]byte) {
	c.conn.WriteError(errClusterDisabled)
}
