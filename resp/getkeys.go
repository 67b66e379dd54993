package resp

// Key positions of a command's arguments, as Redis's key specs and its
// getkeys procedures find them: COMMAND GETKEYS answers with them, and
// CLIENT TRACKING remembers the keys of the reads it sees.

// numkeysAt is where the commands that count their keys take the count,
// the keys following it.
var numkeysAt = map[string]int{
	"eval": 2, "evalsha": 2, "eval_ro": 2, "evalsha_ro": 2, "fcall": 2, "fcall_ro": 2,
	"lmpop": 1, "zmpop": 1, "sintercard": 1, "zintercard": 1, "zunion": 1, "zinter": 1, "zdiff": 1,
	"blmpop": 2, "bzmpop": 2, "zunionstore": 2, "zinterstore": 2, "zdiffstore": 2,
}

// noMandatoryKeys are the commands whose key count may be wrong without
// their arguments being invalid for GETKEYS (Redis's
// CMD_NO_MANDATORY_KEYS): a script may take no keys.
var noMandatoryKeys = map[string]bool{
	"eval": true, "evalsha": true, "eval_ro": true, "evalsha_ro": true, "fcall": true, "fcall_ro": true,
}

// hasKeys reports whether cmd takes key arguments at all. The shard
// channels of SSUBSCRIBE and SPUBLISH are not keys.
func hasKeys(cmd *command) bool {
	_, counted := numkeysAt[cmd.name]
	return (cmd.keys.first > 0 || cmd.flags&flagMovableKeys != 0 || counted) && cmd.group != "pubsub"
}

// keyPositions returns the positions in args (args[0] the command's
// name) of cmd's keys, and false when the arguments do not hold the keys
// they announce (a key count out of range, XREAD without STREAMS).
func keyPositions(cmd *command, args [][]byte) ([]int, bool) {
	var pos []int
	name := cmd.name
	if at, ok := numkeysAt[name]; ok {
		store := at == 2 && cmd.keys.first == 1 // ZUNIONSTORE...: a destination too
		if at >= len(args) {
			return nil, false
		}
		n, strict := parseInt(args[at])
		if !strict {
			// Redis's key specs refuse the count; its getkeys procedure
			// then reads it with atoi, and names the destination last.
			n = atoi(args[at])
		}
		if n <= 0 || n > int64(len(args)-at-1) {
			return nil, noMandatoryKeys[name]
		}
		if store && strict {
			pos = append(pos, 1)
		}
		for i := range int(n) {
			pos = append(pos, at+1+i)
		}
		if store && !strict {
			pos = append(pos, 1)
		}
		return pos, true
	}
	switch name {
	case "xread", "xreadgroup":
		for i := 1; i < len(args); i++ {
			if equalFold(args[i], "streams") {
				for j := range (len(args) - i - 1) / 2 {
					pos = append(pos, i+1+j)
				}
				return pos, len(pos) > 0
			}
		}
		return nil, false
	case "sort":
		// The key, then the destination of the last STORE option.
		pos = append(pos, 1)
		dest := 0
		for i := 2; i+1 < len(args); i++ {
			switch {
			case equalFold(args[i], "store"):
				dest = i + 1
				i++
			case equalFold(args[i], "limit"):
				i += 2
			case equalFold(args[i], "by") || equalFold(args[i], "get"):
				i++
			}
		}
		if dest > 0 {
			pos = append(pos, dest)
		}
		return pos, true
	case "georadius", "georadiusbymember":
		// The key, then the first STORE's destination, then the first
		// STOREDIST's, each looked for after the fixed arguments.
		pos = append(pos, 1)
		from := 6
		if name == "georadiusbymember" {
			from = 5
		}
		for _, opt := range []string{"store", "storedist"} {
			for i := from; i+1 < len(args); i++ {
				if equalFold(args[i], opt) {
					pos = append(pos, i+1)
					break
				}
			}
		}
		return pos, true
	case "migrate":
		// The key, or with KEYS (the key then empty) the keys after it.
		for i := 6; i < len(args); i++ {
			switch {
			case equalFold(args[i], "keys"):
				if len(args[3]) > 0 {
					return nil, false
				}
				for j := i + 1; j < len(args); j++ {
					pos = append(pos, j)
				}
				if len(pos) == 0 {
					pos = append(pos, 3)
				}
				return pos, true
			case equalFold(args[i], "auth"):
				i++
			case equalFold(args[i], "auth2"):
				i += 2
			}
		}
		return []int{3}, true
	}
	ks := cmd.keys
	if ks.first == 0 || ks.first >= len(args) {
		return nil, ks.first == 0
	}
	last := ks.last
	if last < 0 {
		last += len(args)
	}
	last = min(last, len(args)-1)
	for i := ks.first; i <= last; i += max(ks.step, 1) {
		pos = append(pos, i)
	}
	return pos, true
}

// commandGetKeys answers COMMAND GETKEYS command arg...: the keys of a
// whole command, with Redis's errors.
func commandGetKeys(s *Server, c *client, full [][]byte) {
	cmd := s.lookup(full[0])
	if cmd != nil && cmd.subs != nil && len(full) > 1 {
		cmd = cmd.subcommand(full[1])
	}
	switch {
	case cmd == nil:
		c.conn.WriteError(errGetKeysCommand)
		return
	case !hasKeys(cmd):
		c.conn.WriteError(errGetKeysNoKeys)
		return
	case !cmd.arityOK(len(full)):
		c.conn.WriteError(errGetKeysArity)
		return
	}
	pos, ok := keyPositions(cmd, full)
	if !ok {
		c.conn.WriteError(errGetKeysInvalid)
		return
	}
	c.conn.WriteArray(len(pos))
	for _, p := range pos {
		c.conn.WriteBulk(full[p])
	}
}

// atoi is C's atoi: leading blanks, a sign, then the digits up to the
// first other byte (0 for none; a value past int64 is clamped, where C's
// is undefined).
func atoi(b []byte) int64 {
	i := 0
	for i < len(b) && isBlank(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var v int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = min(v*10+int64(b[i]-'0'), 1<<40)
	}
	if neg {
		return -v
	}
	return v
}
