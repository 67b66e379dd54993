package resp

// registerHLLCommands registers PFADD, PFCOUNT and PFMERGE, with Redis
// 7.0's arity, flags and keys.
func registerHLLCommands(t commandTable) {
	add := func(name string, arity int, flags cmdFlags, keys keySpec, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keys, group: "hyperloglog", since: "2.8.9", summary: summary, handler: h})
	}
	add("pfadd", -2, flagWrite|flagDenyOOM|flagFast, keySpec{1, 1, 1}, "Adds the specified elements to the specified HyperLogLog.", cmdPFAdd)
	// PFCOUNT of one key may write the cached cardinality back into the
	// value, as Redis's does; it is still a read command.
	add("pfcount", -2, flagReadOnly, keySpec{1, -1, 1}, "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", cmdPFCount)
	add("pfmerge", -2, flagWrite|flagDenyOOM, keySpec{1, -1, 1}, "Merge N different HyperLogLogs into a single one.", cmdPFMerge)
}

func cmdPFAdd(s *Server, c *client, args [][]byte) {
	changed, err := c.eng.PFAdd(c.DB(), string(args[1]), args[2:])
	if writeErr(c, err) {
		return
	}
	if changed {
		c.conn.WriteInt(1)
	} else {
		c.conn.WriteInt(0)
	}
}

func cmdPFCount(s *Server, c *client, args [][]byte) {
	n, err := c.eng.PFCount(c.DB(), keyStrings(args[1:]))
	if writeErr(c, err) {
		return
	}
	c.conn.WriteInt64(n)
}

// cmdPFMerge answers PFMERGE destkey [sourcekey ...]: the destination is
// one of the sources, as in Redis.
func cmdPFMerge(s *Server, c *client, args [][]byte) {
	if writeErr(c, c.eng.PFMerge(c.DB(), string(args[1]), keyStrings(args[1:]))) {
		return
	}
	okReply(c)
}
