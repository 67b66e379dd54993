package resp

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
)

func registerACLCommands(t commandTable) {
	t.add(command{name: "acl", arity: -2, group: "server", since: "6.0.0", summary: "A container for Access List Control commands.", handler: cmdACL})
}

// aclCategories are Redis 7's ACL command categories, in ACL CAT's order.
var aclCategories = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
	"geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
	"transaction", "scripting",
}

// cmdACL answers the ACL subcommands that describe users. The server has
// one user, default, whose password is requirepass: the subcommands that
// would create, change, delete, load or save users are refused.
func cmdACL(s *Server, c *client, args [][]byte) {
	// The subcommand and its arity were checked (subcommands.go).
	switch string(lowerASCII(args[1])) {
	case "whoami":
		c.conn.WriteBulkString(defaultUser)
	case "users":
		writeAny(c.conn, []string{defaultUser})
	case "list":
		writeAny(c.conn, []string{s.aclRule()})
	case "getuser":
		if string(args[2]) != defaultUser {
			c.conn.WriteNull()
			return
		}
		flags := setReply{"on"}
		if s.limits.pass.Load() == nil {
			flags = append(flags, "nopass")
		}
		writeAny(c.conn, mapReply{
			"flags", flags,
			"passwords", s.passwordHashes(),
			"commands", "+@all",
			"keys", "~*",
			"channels", "&*",
			"selectors", []any{},
		})
	case "cat":
		aclCat(s, c, args)
	case "genpass":
		aclGenPass(c, args)
	case "log":
		// No ACL log is kept: nothing to show, nothing to reset.
		if len(args) > 3 {
			c.conn.WriteError(errSubcommandSyntax("acl", args[1]))
		} else if len(args) == 3 && equalFold(args[2], "reset") {
			okReply(c)
		} else if _, ok := parseInt(args[len(args)-1]); len(args) == 3 && !ok {
			c.conn.WriteError(errNotInteger)
		} else {
			c.conn.WriteArray(0)
		}
	case "help":
		writeHelp(c, "ACL",
			"CAT [<category>]", "    List all commands that belong to <category>, or all command categories",
			"    when no category is specified.",
			"DELUSER <username> [<username> ...]", "    Delete a list of users.",
			"DRYRUN <username> <command> [<arg> ...]", "    Returns whether the user can execute the given command without executing the command.",
			"GETUSER <username>", "    Get the user's details.",
			"GENPASS [<bits>]", "    Generate a secure 256-bit user password. The optional `bits` argument can",
			"    be used to specify a different size.",
			"LIST", "    Show users details in config file format.",
			"LOAD", "    Reload users from the ACL file.",
			"LOG [<count> | RESET]", "    Show the ACL log entries.",
			"SAVE", "    Save the current config to the ACL file.",
			"SETUSER <username> <attribute> [<attribute> ...]", "    Create or modify a user with the specified attributes.",
			"USERS", "    List all the registered usernames.",
			"WHOAMI", "    Return the current connection username.")
	case "deluser":
		// No user but default exists, and that one cannot be removed.
		for _, name := range args[2:] {
			if string(name) == defaultUser {
				c.conn.WriteError(errACLDelDefault)
				return
			}
		}
		c.conn.WriteInt(0)
	case "dryrun":
		aclDryRun(s, c, args)
	default: // setuser, load, save
		c.conn.WriteError(errACLNoUsers)
	}
}

// aclDryRun answers ACL DRYRUN as Redis does for a user that may run
// everything, the only one there is: the user and the command must exist
// and the arguments fit its arity.
func aclDryRun(s *Server, c *client, args [][]byte) {
	if string(args[2]) != defaultUser {
		c.conn.WriteError(errACLUserNotFound(args[2]))
		return
	}
	cmd := s.lookup(args[3])
	if cmd != nil && cmd.subs != nil && len(args) > 4 {
		cmd = cmd.subcommand(args[4])
	}
	if cmd == nil {
		c.conn.WriteError(errACLCommandNotFound(args[3]))
		return
	}
	if !cmd.arityOK(len(args) - 3) {
		c.conn.WriteError(errArity(cmd.name))
		return
	}
	okReply(c)
}

// aclRule is the default user's line in ACL LIST.
func (s *Server) aclRule() string {
	pass := "nopass"
	if h := s.passwordHashes(); len(h) > 0 {
		pass = "#" + h[0]
	}
	return "user " + defaultUser + " on " + pass + " ~* &* +@all"
}

// aclCat lists the categories, or the commands of one category as this
// server's command table classifies them.
func aclCat(s *Server, c *client, args [][]byte) {
	if len(args) == 2 {
		writeAny(c.conn, aclCategories)
		return
	}
	if len(args) > 3 {
		c.conn.WriteError(errSubcommandSyntax("acl", args[1]))
		return
	}
	cat := string(lowerASCII(args[2]))
	if !slices.Contains(aclCategories, cat) {
		c.conn.WriteError(errUnknownACLCategory(args[2]))
		return
	}
	names := []string{}
	for name, cmd := range s.commands {
		if cmd.subs == nil && inACLCategory(cmd, cat) {
			names = append(names, name)
		}
		// A container is listed by its subcommands, as in Redis.
		for _, sc := range cmd.subs {
			if inACLCategory(sc, cat) {
				names = append(names, sc.name)
			}
		}
	}
	slices.Sort(names)
	writeAny(c.conn, names)
}

// aclCategoryOverrides are Redis 7.0's categories for the commands the
// rule in inACLCategory does not place as Redis does (Redis lists each
// command's by hand).
var aclCategoryOverrides = map[string][]string{
	"asking": {"fast", "connection"}, "readonly": {"fast", "connection"}, "readwrite": {"fast", "connection"},
	"command": {"slow", "connection"}, "command|count": {"slow", "connection"}, "command|docs": {"slow", "connection"},
	"command|getkeys": {"slow", "connection"}, "command|help": {"slow", "connection"}, "command|info": {"slow", "connection"},
	"command|list": {"slow", "connection"}, "wait": {"slow", "connection"},
	"dbsize":  {"keyspace", "read", "fast"},
	"eval_ro": {"slow", "scripting"}, "evalsha_ro": {"slow", "scripting"}, "fcall_ro": {"slow", "scripting"},
	"flushall": {"keyspace", "write", "slow", "dangerous"}, "flushdb": {"keyspace", "write", "slow", "dangerous"},
	"migrate": {"keyspace", "write", "slow", "dangerous"}, "restore": {"keyspace", "write", "slow", "dangerous"},
	"keys": {"keyspace", "read", "slow", "dangerous"}, "swapdb": {"keyspace", "write", "fast", "dangerous"},
	"info": {"slow", "dangerous"}, "lastsave": {"admin", "fast", "dangerous"}, "role": {"admin", "fast", "dangerous"},
	"pubsub|help": {"slow"},
	"sort":        {"write", "set", "sortedset", "list", "slow", "dangerous"},
	"sort_ro":     {"read", "set", "sortedset", "list", "slow", "dangerous"},
}

// inACLCategory classifies a command from its flags and group (a
// subcommand's is its container's), or as aclCategoryOverrides says. A
// container itself is only slow, as Redis classes CLIENT, CONFIG...
func inACLCategory(cmd *command, cat string) bool {
	if cats, ok := aclCategoryOverrides[cmd.name]; ok {
		return slices.Contains(cats, cat)
	}
	if cmd.subs != nil {
		return cat == "slow"
	}
	group := cmd.group
	if cmd.parent != nil {
		group = cmd.parent.group
	}
	switch cat {
	case "read":
		return cmd.flags&flagReadOnly != 0
	case "write":
		return cmd.flags&flagWrite != 0
	case "admin", "dangerous":
		return cmd.flags&flagAdmin != 0
	case "fast":
		return cmd.flags&flagFast != 0
	case "slow":
		return cmd.flags&flagFast == 0
	case "keyspace":
		return group == "generic"
	case "blocking":
		return cmd.flags&flagBlocking != 0
	case "transaction":
		return group == "transactions"
	case "sortedset": // the group Redis names sorted-set
		return group == "sorted-set"
	case "string", "connection", "list", "hash", "set", "bitmap", "hyperloglog", "geo", "stream", "pubsub", "scripting":
		return group == cat
	}
	return false
}

// aclGenPass answers ACL GENPASS [bits]: that many random bits in hex,
// rounded up to a whole hex digit.
func aclGenPass(c *client, args [][]byte) {
	bits := int64(256)
	if len(args) > 3 {
		c.conn.WriteError(errSubcommandSyntax("acl", args[1]))
		return
	}
	if len(args) == 3 {
		n, ok := parseInt(args[2])
		if !ok {
			c.conn.WriteError(errNotInteger)
			return
		}
		if n <= 0 || n > 4096 {
			c.conn.WriteError(errGenPassBits)
			return
		}
		bits = n
	}
	digits := (bits + 3) / 4
	b := make([]byte, (digits+1)/2)
	_, _ = rand.Read(b)
	c.conn.WriteBulkString(hex.EncodeToString(b)[:digits])
}
