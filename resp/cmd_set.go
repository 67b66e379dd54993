package resp

func registerSetCommands(t commandTable) {
	one := keySpec{1, 1, 1}
	add := func(name string, arity int, flags cmdFlags, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: one, group: "set", since: since, summary: summary, handler: h})
	}
	add("sadd", -3, flagWrite|flagDenyOOM|flagFast, "1.0.0", "Adds one or more members to a set. Creates the key if it doesn't exist.", cmdSAdd)
	add("srem", -3, flagWrite|flagFast, "1.0.0", "Removes one or more members from a set. Deletes the set if the last member was removed.", cmdSRem)
	add("smembers", 2, flagReadOnly, "1.0.0", "Returns all members of a set.", cmdSMembers)
	add("scard", 2, flagReadOnly|flagFast, "1.0.0", "Returns the number of members in a set.", cmdSCard)
}

func cmdSAdd(s *Server, c *client, args [][]byte) {
	n, err := c.eng.SAdd(c.DB(), string(args[1]), args[2:])
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdSRem(s *Server, c *client, args [][]byte) {
	n, err := c.eng.SRem(c.DB(), string(args[1]), args[2:])
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}

func cmdSMembers(s *Server, c *client, args [][]byte) {
	ms, err := c.eng.SMembers(c.DB(), string(args[1]))
	if writeErr(c, err) {
		return
	}
	c.conn.WriteSet(len(ms))
	for _, m := range ms {
		c.conn.WriteBulk(m)
	}
}

func cmdSCard(s *Server, c *client, args [][]byte) {
	n, err := c.eng.SCard(c.DB(), string(args[1]))
	if !writeErr(c, err) {
		c.conn.WriteInt(n)
	}
}
