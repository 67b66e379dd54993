package integration

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStreamReplies runs the stream commands (without consumer groups)
// with their options and error cases, and compares every reply and every
// keyspace event byte for byte with what redis-server 7.0 answered (run
// with NADB_TEST_TARGET=redis-server to see it still does).
func TestStreamReplies(t *testing.T) {
	t.Parallel()
	c, sub := startNotify(t, "KEA")
	runNotifySteps(t, c, sub, []notifyStep{
		// XADD: IDs, options, errors
		{[]string{"XADD", "s", "1-1", "a", "1"}, "$3\r\n1-1\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "1-1", "a", "1"}, "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n", nil},
		{[]string{"XADD", "s", "1-0", "a", "1"}, "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n", nil},
		{[]string{"XADD", "s", "1-*", "b", "2"}, "$3\r\n1-2\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "2", "c", "3", "d", "4"}, "$3\r\n2-0\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "2-*", "e", "5"}, "$3\r\n2-1\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "0-0", "a", "1"}, "-ERR The ID specified in XADD must be greater than 0-0\r\n", nil},
		{[]string{"XADD", "s2", "0-0", "a", "1"}, "-ERR The ID specified in XADD must be greater than 0-0\r\n", nil},
		{[]string{"EXISTS", "s2"}, ":0\r\n", nil},
		{[]string{"XADD", "s2", "0", "a", "1"}, "-ERR The ID specified in XADD must be greater than 0-0\r\n", nil},
		{[]string{"EXISTS", "s2"}, ":0\r\n", nil},
		{[]string{"XADD", "s", "1-x", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XADD", "s", "-1", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XADD", "s", "1-2-3", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XADD", "s", "18446744073709551616-0", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XADD", "s", "3-1", "a"}, "-ERR wrong number of arguments for 'xadd' command\r\n", nil},
		{[]string{"XADD", "s", "3-1", "a", "1", "b"}, "-ERR wrong number of arguments for 'xadd' command\r\n", nil},
		{[]string{"XADD", "s", "NOMKSTREAM", "3-1", "a", "1"}, "$3\r\n3-1\r\n", []string{"xadd s"}},
		{[]string{"XADD", "nokey", "NOMKSTREAM", "3-1", "a", "1"}, "$-1\r\n", nil},
		{[]string{"EXISTS", "nokey"}, ":0\r\n", nil},
		{[]string{"SET", "str", "v"}, "+OK\r\n", []string{"set str"}},
		{[]string{"XADD", "str", "1-1", "a", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XADD", "s", "MAXLEN", "-1", "4-1", "a", "1"}, "-ERR The MAXLEN argument must be >= 0.\r\n", nil},
		{[]string{"XADD", "s", "MAXLEN", "x", "4-1", "a", "1"}, "-ERR value is not an integer or out of range\r\n", nil},
		{[]string{"XADD", "s", "MINID", "x", "4-1", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XADD", "s", "MAXLEN", "1", "MINID", "1", "4-1", "a", "1"}, "-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n", nil},
		{[]string{"XADD", "s", "MAXLEN", "1", "LIMIT", "5", "4-1", "a", "1"}, "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n", nil},
		{[]string{"XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-5", "4-1", "a", "1"}, "-ERR The LIMIT argument must be >= 0.\r\n", nil},
		{[]string{"XADD", "s", "MAXLEN", "100", "4-1", "a", "1"}, "$3\r\n4-1\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "MAXLEN", "=", "5", "5-1", "a", "1"}, "$3\r\n5-1\r\n", []string{"xadd s", "xtrim s"}},
		{[]string{"XADD", "s", "MINID", "2", "6-1", "a", "1"}, "$3\r\n6-1\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "MAXLEN", "~", "1", "7-1", "a", "1"}, "$3\r\n7-1\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "18446744073709551615-18446744073709551615", "a", "1"}, "$41\r\n18446744073709551615-18446744073709551615\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "*", "a", "1"}, "-ERR The stream has exhausted the last possible ID, unable to add more items\r\n", nil},
		{[]string{"XADD", "s", "18446744073709551615-*", "a", "1"}, "-ERR The stream has exhausted the last possible ID, unable to add more items\r\n", nil},
		{[]string{"XADD", "s5", "5-18446744073709551615", "a", "1"}, "$22\r\n5-18446744073709551615\r\n", []string{"xadd s5"}},
		{[]string{"XADD", "s5", "5-*", "a", "1"}, "-ERR Elements are too large to be stored\r\n", nil},
		{[]string{"DEL", "s5"}, ":1\r\n", []string{"del s5"}},
		// ID parts read as strtoull reads them once string2ll refuses
		// them: white space before, a sign, a minus wrapping around.
		{[]string{"XADD", "w", " 1-1", "a", "1"}, "$3\r\n1-1\r\n", []string{"xadd w"}},
		{[]string{"XADD", "w", "+1-+2", "a", "1"}, "$3\r\n1-2\r\n", []string{"xadd w"}},
		{[]string{"XADD", "w", "5--01", "a", "1"}, "$22\r\n5-18446744073709551615\r\n", []string{"xadd w"}},
		{[]string{"XADD", "w", "6--1", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XADD", "w", "6 -1", "a", "1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XRANGE", "w", "\t1", "+ 1"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XDEL", "w", " 5-18446744073709551615"}, ":1\r\n", []string{"xdel w"}},
		{[]string{"XRANGE", "w", "\t1", "+1"}, "*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", nil},
		{[]string{"DEL", "w"}, ":1\r\n", []string{"del w"}},
		{[]string{"XADD", "s5", "0-0", "f", "v", "x"}, "-ERR wrong number of arguments for 'xadd' command\r\n", nil},
		{[]string{"DEL", "s"}, ":1\r\n", []string{"del s"}},
		// XRANGE, XREVRANGE, XLEN
		{[]string{"XADD", "r", "1-1", "f", "1"}, "$3\r\n1-1\r\n", []string{"xadd r"}},
		{[]string{"XADD", "r", "1-2", "f", "2"}, "$3\r\n1-2\r\n", []string{"xadd r"}},
		{[]string{"XADD", "r", "2-1", "f", "3", "g", "x"}, "$3\r\n2-1\r\n", []string{"xadd r"}},
		{[]string{"XADD", "r", "3-0", "f", "4"}, "$3\r\n3-0\r\n", []string{"xadd r"}},
		{[]string{"XADD", "r", "5-5", "f", "5"}, "$3\r\n5-5\r\n", []string{"xadd r"}},
		{[]string{"XLEN", "r"}, ":5\r\n", nil},
		{[]string{"XLEN", "nokey"}, ":0\r\n", nil},
		{[]string{"XLEN", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XRANGE", "r", "-", "+"}, "*5\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n*2\r\n$3\r\n2-1\r\n*4\r\n$1\r\nf\r\n$1\r\n3\r\n$1\r\ng\r\n$1\r\nx\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n*2\r\n$3\r\n5-5\r\n*2\r\n$1\r\nf\r\n$1\r\n5\r\n", nil},
		{[]string{"XRANGE", "r", "1", "2"}, "*3\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n*2\r\n$3\r\n2-1\r\n*4\r\n$1\r\nf\r\n$1\r\n3\r\n$1\r\ng\r\n$1\r\nx\r\n", nil},
		{[]string{"XRANGE", "r", "1-2", "3-0"}, "*3\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n*2\r\n$3\r\n2-1\r\n*4\r\n$1\r\nf\r\n$1\r\n3\r\n$1\r\ng\r\n$1\r\nx\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n", nil},
		{[]string{"XRANGE", "r", "(1-2", "(3-0"}, "*1\r\n*2\r\n$3\r\n2-1\r\n*4\r\n$1\r\nf\r\n$1\r\n3\r\n$1\r\ng\r\n$1\r\nx\r\n", nil},
		{[]string{"XRANGE", "r", "(1", "+"}, "*5\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n*2\r\n$3\r\n2-1\r\n*4\r\n$1\r\nf\r\n$1\r\n3\r\n$1\r\ng\r\n$1\r\nx\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n*2\r\n$3\r\n5-5\r\n*2\r\n$1\r\nf\r\n$1\r\n5\r\n", nil},
		{[]string{"XRANGE", "r", "-", "+", "COUNT", "2"}, "*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n", nil},
		{[]string{"XRANGE", "r", "-", "+", "COUNT", "0"}, "*-1\r\n", nil},
		{[]string{"XRANGE", "r", "-", "+", "COUNT", "-1"}, "*-1\r\n", nil},
		{[]string{"XRANGE", "r", "-", "+", "COUNT"}, "-ERR syntax error\r\n", nil},
		{[]string{"XRANGE", "r", "-", "+", "COUNT", "x"}, "-ERR value is not an integer or out of range\r\n", nil},
		{[]string{"XRANGE", "r", "-", "+", "LIMIT", "1"}, "-ERR syntax error\r\n", nil},
		{[]string{"XRANGE", "r", "5", "1"}, "*0\r\n", nil},
		{[]string{"XRANGE", "r", "x", "+"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XRANGE", "r", "(+", "+"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XRANGE", "r", "-", "(-"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XRANGE", "r", "(-", "+"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XRANGE", "r", "(", "+"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XRANGE", "nokey", "-", "+"}, "*0\r\n", nil},
		{[]string{"XRANGE", "str", "-", "+"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XREVRANGE", "r", "+", "-"}, "*5\r\n*2\r\n$3\r\n5-5\r\n*2\r\n$1\r\nf\r\n$1\r\n5\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n*2\r\n$3\r\n2-1\r\n*4\r\n$1\r\nf\r\n$1\r\n3\r\n$1\r\ng\r\n$1\r\nx\r\n*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n", nil},
		{[]string{"XREVRANGE", "r", "+", "-", "COUNT", "2"}, "*2\r\n*2\r\n$3\r\n5-5\r\n*2\r\n$1\r\nf\r\n$1\r\n5\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n", nil},
		{[]string{"XREVRANGE", "r", "3", "(1-2"}, "*2\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n*2\r\n$3\r\n2-1\r\n*4\r\n$1\r\nf\r\n$1\r\n3\r\n$1\r\ng\r\n$1\r\nx\r\n", nil},
		{[]string{"XREVRANGE", "r", "-", "+"}, "*0\r\n", nil},
		// XDEL, XTRIM, XSETID, XINFO
		{[]string{"XDEL", "r", "1-2", "9-9", "x"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XDEL", "r", "1-2", "9-9"}, ":1\r\n", []string{"xdel r"}},
		{[]string{"XDEL", "r", "1-2", "3"}, ":1\r\n", []string{"xdel r"}},
		{[]string{"XDEL", "nokey", "1-1"}, ":0\r\n", nil},
		{[]string{"XINFO", "STREAM", "r"}, "*20\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n5-5\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n3-0\r\n$13\r\nentries-added\r\n:5\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n5-5\r\n*2\r\n$1\r\nf\r\n$1\r\n5\r\n", nil},
		{[]string{"XTRIM", "r", "MAXLEN", "2"}, ":1\r\n", []string{"xtrim r"}},
		{[]string{"XTRIM", "r", "MAXLEN", "2"}, ":0\r\n", nil},
		{[]string{"XTRIM", "r", "MINID", "5-5"}, ":1\r\n", []string{"xtrim r"}},
		{[]string{"XTRIM", "r", "MAXLEN", "~", "0"}, ":1\r\n", []string{"xtrim r"}},
		{[]string{"XTRIM", "r"}, "-ERR wrong number of arguments for 'xtrim' command\r\n", nil},
		{[]string{"XTRIM", "r", "FOO", "1"}, "-ERR syntax error\r\n", nil},
		{[]string{"XTRIM", "r", "MAXLEN", "1", "FOO"}, "-ERR syntax error\r\n", nil},
		{[]string{"XTRIM", "nokey", "MAXLEN", "1"}, ":0\r\n", nil},
		{[]string{"XTRIM", "str", "MAXLEN", "1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XTRIM", "r", "MAXLEN", "0"}, ":0\r\n", nil},
		{[]string{"XLEN", "r"}, ":0\r\n", nil},
		{[]string{"EXISTS", "r"}, ":1\r\n", nil},
		{[]string{"TYPE", "r"}, "+stream\r\n", nil},
		{[]string{"OBJECT", "ENCODING", "r"}, "$6\r\nstream\r\n", nil},
		{[]string{"XINFO", "STREAM", "r"}, "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n5-5\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n3-0\r\n$13\r\nentries-added\r\n:5\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n", nil},
		{[]string{"XINFO", "STREAM", "r", "FULL"}, "*18\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n5-5\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n3-0\r\n$13\r\nentries-added\r\n:5\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$7\r\nentries\r\n*0\r\n$6\r\ngroups\r\n*0\r\n", nil},
		{[]string{"XSETID", "r", "9-9"}, "+OK\r\n", []string{"xsetid r"}},
		{[]string{"XSETID", "r", "9-9", "ENTRIESADDED", "3", "MAXDELETEDID", "8-0"}, "+OK\r\n", []string{"xsetid r"}},
		{[]string{"XSETID", "r", "9-9", "MAXDELETEDID", "10-0"}, "-ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id\r\n", nil},
		{[]string{"XSETID", "r", "9-9", "ENTRIESADDED", "-1"}, "-ERR entries_added must be positive\r\n", nil},
		{[]string{"XSETID", "r", "9-9", "FOO"}, "-ERR syntax error\r\n", nil},
		{[]string{"XSETID", "r", "x"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XSETID", "nokey", "1-1"}, "-ERR no such key\r\n", nil},
		{[]string{"XSETID", "str", "1-1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XADD", "r", "9-9", "a", "1"}, "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n", nil},
		{[]string{"XADD", "r", "10-0", "a", "1"}, "$4\r\n10-0\r\n", []string{"xadd r"}},
		{[]string{"XSETID", "r", "9-0"}, "-ERR The ID specified in XSETID is smaller than the target stream top item\r\n", nil},
		{[]string{"XSETID", "r", "10-0", "ENTRIESADDED", "0"}, "-ERR The entries_added specified in XSETID is smaller than the target stream length\r\n", nil},
		{[]string{"XINFO", "STREAM", "r"}, "*20\r\n$6\r\nlength\r\n:1\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$4\r\n10-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n8-0\r\n$13\r\nentries-added\r\n:4\r\n$23\r\nrecorded-first-entry-id\r\n$4\r\n10-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$4\r\n10-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$4\r\n10-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", nil},
		{[]string{"XINFO", "STREAM", "r", "FULL", "COUNT", "0"}, "*18\r\n$6\r\nlength\r\n:1\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$4\r\n10-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n8-0\r\n$13\r\nentries-added\r\n:4\r\n$23\r\nrecorded-first-entry-id\r\n$4\r\n10-0\r\n$7\r\nentries\r\n*1\r\n*2\r\n$4\r\n10-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$6\r\ngroups\r\n*0\r\n", nil},
		{[]string{"XINFO", "STREAM", "r", "FULL", "COUNT", "x"}, "-ERR value is not an integer or out of range\r\n", nil},
		{[]string{"XINFO", "STREAM", "r", "FOO"}, "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n", nil},
		{[]string{"XINFO", "STREAM", "nokey"}, "-ERR no such key\r\n", nil},
		{[]string{"XINFO", "STREAM", "str"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XINFO", "GROUPS", "r"}, "*0\r\n", nil},
		{[]string{"XINFO", "GROUPS", "nokey"}, "-ERR no such key\r\n", nil},
		{[]string{"XINFO", "CONSUMERS", "r", "g"}, "-NOGROUP No such consumer group 'g' for key name 'r'\r\n", nil},
		{[]string{"XINFO", "FOO"}, "-ERR unknown subcommand 'FOO'. Try XINFO HELP.\r\n", nil},
		{[]string{"XINFO", "HELP"}, "*9\r\n+XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CONSUMERS <key> <groupname>\r\n+    Show consumers of <groupname>.\r\n+GROUPS <key>\r\n+    Show the stream consumer groups.\r\n+STREAM <key> [FULL [COUNT <count>]\r\n+    Show information about the stream.\r\n+HELP\r\n+    Prints this help.\r\n", nil},
		{[]string{"XINFO", "STREAM"}, "-ERR wrong number of arguments for 'xinfo|stream' command\r\n", nil},
		// XREAD (not blocking)
		{[]string{"XADD", "x1", "1-1", "a", "1"}, "$3\r\n1-1\r\n", []string{"xadd x1"}},
		{[]string{"XADD", "x1", "2-1", "b", "2"}, "$3\r\n2-1\r\n", []string{"xadd x1"}},
		{[]string{"XADD", "x2", "1-1", "c", "3"}, "$3\r\n1-1\r\n", []string{"xadd x2"}},
		{[]string{"XREAD", "STREAMS", "x1", "x2", "0", "0"}, "*2\r\n*2\r\n$2\r\nx1\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$2\r\nx2\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", nil},
		{[]string{"XREAD", "COUNT", "1", "STREAMS", "x1", "x2", "1-1", "0-0"}, "*2\r\n*2\r\n$2\r\nx1\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$2\r\nx2\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", nil},
		{[]string{"XREAD", "STREAMS", "x1", "x2", "$", "$"}, "*-1\r\n", nil},
		{[]string{"XREAD", "STREAMS", "x1", "nokey", "2", "0"}, "*1\r\n*2\r\n$2\r\nx1\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", nil},
		{[]string{"XREAD", "STREAMS", "x1", "0"}, "*1\r\n*2\r\n$2\r\nx1\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", nil},
		{[]string{"XREAD", "STREAMS", "x1", "x2", "0"}, "-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.\r\n", nil},
		{[]string{"XREAD", "STREAMS", "x1", ">"}, "-ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.\r\n", nil},
		{[]string{"XREAD", "STREAMS", "x1", "x"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XREAD", "STREAMS", "str", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XREAD", "STREAMS", "str", "$"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XREAD", "COUNT", "x", "STREAMS", "x1", "0"}, "-ERR value is not an integer or out of range\r\n", nil},
		{[]string{"XREAD", "BLOCK", "-1", "STREAMS", "x1", "0"}, "-ERR timeout is negative\r\n", nil},
		{[]string{"XREAD", "BLOCK", "x", "STREAMS", "x1", "0"}, "-ERR timeout is not an integer or out of range\r\n", nil},
		{[]string{"XREAD", "BLOCK", "0", "STREAMS", "x1", "0"}, "*1\r\n*2\r\n$2\r\nx1\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", nil},
		{[]string{"XREAD", "FOO", "STREAMS", "x1", "0"}, "-ERR syntax error\r\n", nil},
		{[]string{"XREAD", "COUNT", "1", "x1", "0"}, "-ERR syntax error\r\n", nil},
		{[]string{"XREAD", "COUNT", "-5", "STREAMS", "x1", "0"}, "*1\r\n*2\r\n$2\r\nx1\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", nil},
		// transactions and scripts
		{[]string{"MULTI"}, "+OK\r\n", nil},
		{[]string{"XADD", "t", "1-1", "a", "1"}, "+QUEUED\r\n", nil},
		{[]string{"XREAD", "BLOCK", "0", "STREAMS", "t", "$"}, "+QUEUED\r\n", nil},
		{[]string{"XLEN", "t"}, "+QUEUED\r\n", nil},
		{[]string{"EXEC"}, "*3\r\n$3\r\n1-1\r\n*-1\r\n:1\r\n", []string{"xadd t"}},
		{[]string{"EVAL", "return redis.call('xrange', KEYS[1], '-', '+')", "1", "x1"}, "*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", nil},
		{[]string{"EVAL", "return redis.call('xadd', KEYS[1], '5-5', 'z', '1')", "1", "x1"}, "$3\r\n5-5\r\n", []string{"xadd x1"}},
		// keys
		{[]string{"RENAME", "x1", "x3"}, "+OK\r\n", []string{"rename_from x1", "rename_to x3"}},
		{[]string{"COPY", "x3", "x4"}, ":1\r\n", []string{"copy_to x4"}},
		{[]string{"XRANGE", "x4", "-", "+"}, "*3\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\n5-5\r\n*2\r\n$1\r\nz\r\n$1\r\n1\r\n", nil},
		{[]string{"LPUSH", "x4", "a"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"SORT", "x4"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
	})
}

// TestStreamBlocking: XREAD BLOCK waits for an entry after the ID it was
// given ("$": the stream's last when it blocked), is served by the XADD
// that adds one (every such reader, with only that stream's new entries),
// not by one that adds an entry below its ID (a stream deleted and made
// again), and answers nil at its timeout; as redis-server 7.0 does.
func TestStreamBlocking(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	c := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"XADD", "q", "5-0", "a", "1"}, "$3\r\n5-0\r\n"},
		{[]string{"XADD", "other", "1-0", "a", "1"}, "$3\r\n1-0\r\n"},
	})
	r1 := dialRaw(t, s.Addr())
	r1.send(respCommand([]string{"XREAD", "BLOCK", "0", "STREAMS", "other", "q", "$", "$"}))
	waitBlockedClients(t, rdb, 1)
	r2 := dialRaw(t, s.Addr())
	r2.send(respCommand([]string{"XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "q", "5-0"}))
	waitBlockedClients(t, rdb, 2)
	// A new q whose entry is below 5-0 ends neither wait.
	requireExactReplies(t, c, []exactStep{
		{[]string{"DEL", "q"}, ":1\r\n"},
		{[]string{"XADD", "q", "1-1", "b", "2"}, "$3\r\n1-1\r\n"},
	})
	waitBlockedClients(t, rdb, 2)
	requireExactReplies(t, c, []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"XADD", "q", "6-0", "c", "3"}, "+QUEUED\r\n"},
		{[]string{"XADD", "q", "7-0", "d", "4"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*2\r\n$3\r\n6-0\r\n$3\r\n7-0\r\n"},
	})
	entry := func(id, f, v string) string { return "*2\r\n" + bulk(id) + "*2\r\n" + bulk(f) + bulk(v) }
	require.Equal(t, "*1\r\n*2\r\n$1\r\nq\r\n*2\r\n"+entry("6-0", "c", "3")+entry("7-0", "d", "4"), readReply(t, r1))
	require.Equal(t, "*1\r\n*2\r\n$1\r\nq\r\n*1\r\n"+entry("6-0", "c", "3"), readReply(t, r2))
	waitBlockedClients(t, rdb, 0)
	// The timeout: nil.
	requireExactReplies(t, r1, []exactStep{
		{[]string{"XREAD", "BLOCK", "20", "STREAMS", "q", "$"}, "*-1\r\n"},
	})
	// A key named twice waits with its first ID (one client, no crash);
	// an XADD whose trimming leaves nothing after the ID still ends the
	// wait, with no entries, as Redis decides on the stream's last ID.
	r1.send(respCommand([]string{"XREAD", "BLOCK", "0", "STREAMS", "dup", "dup", "100-0", "5-0"}))
	waitBlockedClients(t, rdb, 1)
	requireExactReplies(t, c, []exactStep{
		{[]string{"XADD", "dup", "10-0", "a", "1"}, "$4\r\n10-0\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
	})
	waitBlockedClients(t, rdb, 1)
	requireExactReplies(t, c, []exactStep{
		{[]string{"XADD", "dup", "MAXLEN", "0", "200-0", "b", "2"}, "$5\r\n200-0\r\n"},
	})
	require.Equal(t, "*1\r\n*2\r\n$3\r\ndup\r\n*0\r\n", readReply(t, r1))
	waitBlockedClients(t, rdb, 0)
	// XREADGROUP waits for an entry its group has not delivered; the one
	// served becomes pending for its consumer.
	requireExactReplies(t, c, []exactStep{
		{[]string{"XGROUP", "CREATE", "q", "g", "$"}, "+OK\r\n"},
	})
	r1.send(respCommand([]string{"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", ">"}))
	waitBlockedClients(t, rdb, 1)
	r2.send(respCommand([]string{"XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "STREAMS", "q", ">"}))
	waitBlockedClients(t, rdb, 2)
	requireExactReplies(t, c, []exactStep{
		{[]string{"XADD", "q", "8-0", "e", "5"}, "$3\r\n8-0\r\n"},
	})
	require.Equal(t, "*1\r\n*2\r\n$1\r\nq\r\n*1\r\n"+entry("8-0", "e", "5"), readReply(t, r1))
	waitBlockedClients(t, rdb, 1) // bob: nothing left for the group
	requireExactReplies(t, c, []exactStep{
		{[]string{"XADD", "q", "9-0", "f", "6"}, "$3\r\n9-0\r\n"},
	})
	require.Equal(t, "*1\r\n*2\r\n$1\r\nq\r\n*1\r\n"+entry("9-0", "f", "6"), readReply(t, r2))
	requireExactReplies(t, c, []exactStep{
		{[]string{"XPENDING", "q", "g"}, "*4\r\n:2\r\n$3\r\n8-0\r\n$3\r\n9-0\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n*2\r\n$3\r\nbob\r\n$1\r\n1\r\n"},
	})
	// A blocked XREADGROUP is told when its stream goes, and when its
	// group went (at the next XADD).
	r1.send(respCommand([]string{"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", ">"}))
	waitBlockedClients(t, rdb, 1)
	requireExactReplies(t, c, []exactStep{{[]string{"DEL", "q"}, ":1\r\n"}})
	require.Equal(t, "-UNBLOCKED the stream key no longer exists\r\n", readReply(t, r1))
	requireExactReplies(t, c, []exactStep{
		{[]string{"XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"}, "+OK\r\n"},
	})
	r1.send(respCommand([]string{"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", ">"}))
	waitBlockedClients(t, rdb, 1)
	requireExactReplies(t, c, []exactStep{
		{[]string{"XGROUP", "DESTROY", "q", "g"}, ":1\r\n"},
		{[]string{"XADD", "q", "1-1", "a", "1"}, "$3\r\n1-1\r\n"},
	})
	require.Equal(t, "-NOGROUP the consumer group this client was blocked on no longer exists\r\n", readReply(t, r1))
	requireExactReplies(t, c, []exactStep{
		{[]string{"XGROUP", "CREATE", "q", "g", "$"}, "+OK\r\n"},
	})
	r1.send(respCommand([]string{"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "q", ">"}))
	waitBlockedClients(t, rdb, 1)
	requireExactReplies(t, c, []exactStep{{[]string{"FLUSHALL"}, "+OK\r\n"}})
	require.Equal(t, "-UNBLOCKED the stream key no longer exists\r\n", readReply(t, r1))
}

// TestStreamGroupReplies runs the consumer group commands with their
// options and error cases, and compares every reply and keyspace event
// byte for byte with what redis-server 7.0 answered; the replies that
// hold idle or delivery times are left out (anyReply).
func TestStreamGroupReplies(t *testing.T) {
	t.Parallel()
	c, sub := startNotify(t, "KEA")
	runNotifySteps(t, c, sub, []notifyStep{
		{[]string{"XADD", "s", "1-0", "f", "1"}, "$3\r\n1-0\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "2-0", "f", "2"}, "$3\r\n2-0\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "3-0", "f", "3"}, "$3\r\n3-0\r\n", []string{"xadd s"}},
		{[]string{"XADD", "s", "4-0", "f", "4"}, "$3\r\n4-0\r\n", []string{"xadd s"}},
		// XGROUP
		{[]string{"XGROUP", "CREATE", "s", "g", "0"}, "+OK\r\n", []string{"xgroup-create s"}},
		{[]string{"XGROUP", "CREATE", "s", "g", "0"}, "-BUSYGROUP Consumer Group name already exists\r\n", nil},
		{[]string{"XGROUP", "CREATE", "s", "g2", "$"}, "+OK\r\n", []string{"xgroup-create s"}},
		{[]string{"XGROUP", "CREATE", "s", "g3", "2-0", "ENTRIESREAD", "2"}, "+OK\r\n", []string{"xgroup-create s"}},
		{[]string{"XGROUP", "CREATE", "s", "g4", "2-0", "ENTRIESREAD", "-2"}, "-ERR value for ENTRIESREAD must be positive or -1\r\n", nil},
		{[]string{"XGROUP", "CREATE", "s", "g4", "2-0", "FOO"}, "-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.\r\n", nil},
		{[]string{"XGROUP", "CREATE", "s", "g4", "x"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XGROUP", "CREATE", "nokey", "g", "0"}, "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n", nil},
		{[]string{"XGROUP", "CREATE", "mk", "g", "$", "MKSTREAM"}, "+OK\r\n", []string{"xgroup-create mk"}},
		{[]string{"XLEN", "mk"}, ":0\r\n", nil},
		{[]string{"SET", "str", "v"}, "+OK\r\n", []string{"set str"}},
		{[]string{"XGROUP", "CREATE", "str", "g", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XGROUP", "CREATE", "s"}, "-ERR wrong number of arguments for 'xgroup|create' command\r\n", nil},
		{[]string{"XGROUP", "FOO", "s"}, "-ERR unknown subcommand 'FOO'. Try XGROUP HELP.\r\n", nil},
		{[]string{"XGROUP", "SETID", "s", "g3", "0"}, "+OK\r\n", []string{"xgroup-setid s"}},
		{[]string{"XGROUP", "SETID", "s", "nog", "0"}, "-NOGROUP No such consumer group 'nog' for key name 's'\r\n", nil},
		{[]string{"XGROUP", "SETID", "nokey", "g", "0"}, "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n", nil},
		{[]string{"XGROUP", "SETID", "s", "g3", "$", "ENTRIESREAD", "4"}, "+OK\r\n", []string{"xgroup-setid s"}},
		{[]string{"XGROUP", "CREATECONSUMER", "s", "g3", "c1"}, ":1\r\n", []string{"xgroup-createconsumer s"}},
		{[]string{"XGROUP", "CREATECONSUMER", "s", "g3", "c1"}, ":0\r\n", nil},
		{[]string{"XGROUP", "CREATECONSUMER", "s", "nog", "c1"}, "-NOGROUP No such consumer group 'nog' for key name 's'\r\n", nil},
		{[]string{"XGROUP", "DELCONSUMER", "s", "g3", "c1"}, ":0\r\n", []string{"xgroup-delconsumer s"}},
		{[]string{"XGROUP", "DELCONSUMER", "s", "g3", "c1"}, ":0\r\n", nil},
		{[]string{"XGROUP", "DESTROY", "s", "g3"}, ":1\r\n", []string{"xgroup-destroy s"}},
		{[]string{"XGROUP", "DESTROY", "s", "g3"}, ":0\r\n", nil},
		{[]string{"XGROUP", "DESTROY", "nokey", "g3"}, "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n", nil},
		{[]string{"XGROUP", "HELP"}, "*17\r\n+XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CREATE <key> <groupname> <id|$> [option]\r\n+    Create a new consumer group. Options are:\r\n+    * MKSTREAM\r\n+      Create the empty stream if it does not exist.\r\n+    * ENTRIESREAD entries_read\r\n+      Set the group's entries_read counter (internal use).\r\n+CREATECONSUMER <key> <groupname> <consumer>\r\n+    Create a new consumer in the specified group.\r\n+DELCONSUMER <key> <groupname> <consumer>\r\n+    Remove the specified consumer.\r\n+DESTROY <key> <groupname>\r\n+    Remove the specified group.\r\n+SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]\r\n+    Set the current group ID and entries_read counter.\r\n+HELP\r\n+    Prints this help.\r\n", nil},
		{[]string{"XINFO", "GROUPS", "s"}, "*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:4\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n", nil},
		// XREADGROUP
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"}, "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n", []string{"xgroup-createconsumer s"}},
		{[]string{"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">"}, "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nf\r\n$1\r\n3\r\n", []string{"xgroup-createconsumer s"}},
		{[]string{"XREADGROUP", "GROUP", "g", "bob", "NOACK", "COUNT", "1", "STREAMS", "s", ">"}, "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}, "*-1\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "1-0"}, "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*0\r\n", []string{"xgroup-createconsumer s"}},
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "$"}, "-ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "nog", "alice", "STREAMS", "s", ">"}, "-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "nokey", ">"}, "-NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "str", ">"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "mk", ">", ">"}, "*-1\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s"}, "-ERR wrong number of arguments for 'xreadgroup' command\r\n", nil},
		{[]string{"XREADGROUP", "COUNT", "1", "STREAMS", "s", ">"}, "-ERR wrong number of arguments for 'xreadgroup' command\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "x"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "alice", "FOO", "STREAMS", "s", ">"}, "-ERR syntax error\r\n", nil},
		{[]string{"XINFO", "GROUPS", "s"}, "*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:3\r\n$7\r\npending\r\n:3\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n:4\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n", nil},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:3\r\n$3\r\n1-0\r\n$3\r\n3-0\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n2\r\n*2\r\n$3\r\nbob\r\n$1\r\n1\r\n", nil},
		{[]string{"XPENDING", "s", "g2"}, "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n", nil},
		{[]string{"XPENDING", "s", "nog"}, "-NOGROUP No such key 's' or consumer group 'nog'\r\n", nil},
		{[]string{"XPENDING", "nokey", "g"}, "-NOGROUP No such key 'nokey' or consumer group 'g'\r\n", nil},
		{[]string{"XPENDING", "s", "g", "-", "+", "10"}, anyReply, nil},
		{[]string{"XPENDING", "s", "g", "-", "+", "x"}, "-ERR value is not an integer or out of range\r\n", nil},
		{[]string{"XPENDING", "s", "g", "-", "+"}, "-ERR syntax error\r\n", nil},
		{[]string{"XPENDING", "s", "g", "IDLE", "x", "-", "+", "10"}, "-ERR value is not an integer or out of range\r\n", nil},
		{[]string{"XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10"}, "*0\r\n", nil},
		{[]string{"XPENDING", "s", "g", "-", "+", "0"}, "*0\r\n", nil},
		{[]string{"XPENDING", "s", "g", "(1-0", "(3-0", "10", "nobody"}, "*0\r\n", nil},
		// XACK, XCLAIM, XAUTOCLAIM
		{[]string{"XACK", "s", "g", "1-0", "9-9"}, ":1\r\n", nil},
		{[]string{"XACK", "s", "g", "1-0"}, ":0\r\n", nil},
		{[]string{"XACK", "s", "nog", "1-0"}, ":0\r\n", nil},
		{[]string{"XACK", "nokey", "g", "1-0"}, ":0\r\n", nil},
		{[]string{"XACK", "s", "g", "x"}, "-ERR Invalid stream ID specified as stream command argument\r\n", nil},
		{[]string{"XACK", "str", "g", "1-0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", nil},
		{[]string{"XCLAIM", "s", "g", "carol", "100000", "2-0"}, "*0\r\n", nil},
		{[]string{"XCLAIM", "s", "g", "carol", "0", "2-0", "9-9"}, "*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n", nil},
		{[]string{"XCLAIM", "s", "g", "carol", "0", "3-0", "JUSTID"}, "*1\r\n$3\r\n3-0\r\n", nil},
		{[]string{"XCLAIM", "s", "g", "dave", "0", "4-0", "FORCE", "RETRYCOUNT", "5", "LASTID", "4-0"}, "*1\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n", []string{"xgroup-createconsumer s"}},
		{[]string{"XCLAIM", "s", "g", "dave", "x", "4-0"}, "-ERR Invalid min-idle-time argument for XCLAIM\r\n", nil},
		{[]string{"XCLAIM", "s", "g", "dave", "0", "4-0", "IDLE", "x"}, "-ERR Invalid IDLE option argument for XCLAIM\r\n", nil},
		{[]string{"XCLAIM", "s", "g", "dave", "0", "4-0", "FOO"}, "-ERR Unrecognized XCLAIM option 'FOO'\r\n", nil},
		{[]string{"XCLAIM", "s", "nog", "dave", "0", "4-0"}, "-NOGROUP No such key 's' or consumer group 'nog'\r\n", nil},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:3\r\n$3\r\n2-0\r\n$3\r\n4-0\r\n*2\r\n*2\r\n$5\r\ncarol\r\n$1\r\n2\r\n*2\r\n$4\r\ndave\r\n$1\r\n1\r\n", nil},
		{[]string{"XDEL", "s", "3-0"}, ":1\r\n", []string{"xdel s"}},
		{[]string{"XAUTOCLAIM", "s", "g", "erin", "0", "0", "COUNT", "1"}, "*3\r\n$3\r\n3-0\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n*0\r\n", []string{"xgroup-createconsumer s"}},
		{[]string{"XAUTOCLAIM", "s", "g", "erin", "0", "0"}, "*3\r\n$3\r\n0-0\r\n*2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n*1\r\n$3\r\n3-0\r\n", nil},
		{[]string{"XAUTOCLAIM", "s", "g", "erin", "0", "0", "JUSTID"}, "*3\r\n$3\r\n0-0\r\n*2\r\n$3\r\n2-0\r\n$3\r\n4-0\r\n*0\r\n", nil},
		{[]string{"XAUTOCLAIM", "s", "g", "erin", "0", "0", "COUNT", "0"}, "-ERR COUNT must be > 0\r\n", nil},
		{[]string{"XAUTOCLAIM", "s", "g", "erin", "x", "0"}, "-ERR Invalid min-idle-time argument for XAUTOCLAIM\r\n", nil},
		{[]string{"XAUTOCLAIM", "s", "nog", "erin", "0", "0"}, "-NOGROUP No such key 's' or consumer group 'nog'\r\n", nil},
		{[]string{"XAUTOCLAIM", "s", "g", "erin", "0", "0", "FOO"}, "-ERR syntax error\r\n", nil},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:2\r\n$3\r\n2-0\r\n$3\r\n4-0\r\n*1\r\n*2\r\n$4\r\nerin\r\n$1\r\n2\r\n", nil},
		{[]string{"XREADGROUP", "GROUP", "g", "erin", "STREAMS", "s", "0"}, "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n", nil},
		{[]string{"XINFO", "GROUPS", "s"}, "*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:5\r\n$7\r\npending\r\n:2\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n:4\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n", nil},
		{[]string{"XINFO", "CONSUMERS", "s", "g"}, anyReply, nil},
		{[]string{"XINFO", "CONSUMERS", "s", "nog"}, "-NOGROUP No such consumer group 'nog' for key name 's'\r\n", nil},
		{[]string{"XINFO", "CONSUMERS", "nokey", "g"}, "-ERR no such key\r\n", nil},
		{[]string{"XINFO", "STREAM", "s"}, "*20\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n4-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n3-0\r\n$13\r\nentries-added\r\n:4\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$6\r\ngroups\r\n:2\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$1\r\nf\r\n$1\r\n4\r\n", nil},
		{[]string{"XGROUP", "DELCONSUMER", "s", "g", "erin"}, ":2\r\n", []string{"xgroup-delconsumer s"}},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n", nil},
		{[]string{"TYPE", "s"}, "+stream\r\n", nil},
		{[]string{"XADD", "s", "5-0", "f", "5"}, "$3\r\n5-0\r\n", []string{"xadd s"}},
		{[]string{"XINFO", "GROUPS", "s"}, "*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:4\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n:4\r\n$3\r\nlag\r\n:1\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n$-1\r\n", nil},
		{[]string{"XTRIM", "s", "MAXLEN", "0"}, ":4\r\n", []string{"xtrim s"}},
		{[]string{"XINFO", "GROUPS", "s"}, "*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:4\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n:4\r\n$3\r\nlag\r\n:1\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n", nil},
	})
}

// TestStreamRESP3: the stream replies that RESP3 frames differently (XREAD
// and XREADGROUP as maps, XINFO as maps, nulls), byte for byte as
// redis-server 7.0.
func TestStreamRESP3(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireRESP3Replies(t, dialRESP3(t, s), []exactStep{
		{[]string{"XADD", "s", "1-0", "f", "1"}, "$3\r\n1-0\r\n"},
		{[]string{"XADD", "s", "2-0", "f", "2"}, "$3\r\n2-0\r\n"},
		{[]string{"XGROUP", "CREATE", "s", "g", "0"}, "+OK\r\n"},
		{[]string{"XREAD", "STREAMS", "s", "0"}, "%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n"},
		{[]string{"XREAD", "STREAMS", "s", "$"}, "_\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"}, "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"}, "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n"},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n:1\r\n"},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:1\r\n$3\r\n1-0\r\n$3\r\n1-0\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n"},
		{[]string{"XPENDING", "s", "nog"}, "-NOGROUP No such key 's' or consumer group 'nog'\r\n"},
		{[]string{"XAUTOCLAIM", "s", "g", "d", "0", "0", "JUSTID"}, "*3\r\n$3\r\n0-0\r\n*1\r\n$3\r\n1-0\r\n*0\r\n"},
		{[]string{"XINFO", "STREAM", "s"}, "%10\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n2-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:2\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$6\r\ngroups\r\n:1\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n"},
		{[]string{"XRANGE", "s", "-", "+", "COUNT", "0"}, "_\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}, "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n2\r\n"},
		{[]string{"XDEL", "s", "1-0"}, ":1\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", "0"}, "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n_\r\n"},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:2\r\n$3\r\n1-0\r\n$3\r\n2-0\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n*2\r\n$1\r\nd\r\n$1\r\n1\r\n"},
	})
}

// TestStreamRepliesChecks: the order in which the stream commands check
// their key and their arguments, and XSETID's IDs around the largest
// deleted one (which may pass the last ID), byte for byte as
// redis-server 7.0.
func TestStreamRepliesChecks(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"XADD", "s", "5-0", "a", "1"}, "$3\r\n5-0\r\n"},
		{[]string{"XDEL", "s", "5-0"}, ":1\r\n"},
		{[]string{"XSETID", "s", "3-0"}, "+OK\r\n"},
		{[]string{"XINFO", "STREAM", "s"}, "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n3-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n5-0\r\n$13\r\nentries-added\r\n:1\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"},
		{[]string{"XADD", "s", "MAXLEN", "5", "MAXLEN", "3", "*", "a", "b"}, "-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n"},
		{[]string{"XADD", "s", "MINID", "5", "MINID", "3", "*", "a", "b"}, "-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n"},
		{[]string{"XADD", "s", "LIMIT", "5", "*", "a", "b"}, "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy\r\n"},
		{[]string{"XTRIM", "s", "LIMIT", "5"}, "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy\r\n"},
		{[]string{"XTRIM", "s", "LIMIT", "0"}, "-ERR syntax error, XTRIM must be called with a trimming strategy\r\n"},
		{[]string{"XADD", "s", "foo", "a", "b", "c"}, "-ERR Invalid stream ID specified as stream command argument\r\n"},
		{[]string{"XADD", "s", "5-3-*", "a", "b"}, "-ERR Invalid stream ID specified as stream command argument\r\n"},
		{[]string{"XDEL", "nokey", "badid"}, ":0\r\n"},
		{[]string{"SET", "str", "v"}, "+OK\r\n"},
		{[]string{"XDEL", "str", "badid"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"XREAD", "STREAMS", "str", "s2", "badid", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"XREAD", "STREAMS", "s", "str", "0", "badid"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"XRANGE", "nokey", "-", "+", "COUNT", "0"}, "*0\r\n"},
		{[]string{"XRANGE", "str", "-", "+", "COUNT", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"XREVRANGE", "nokey", "+", "-", "COUNT", "-1"}, "*0\r\n"},
		{[]string{"XSETID", "s", "1-0", "MAXDELETEDID", "5-0", "ENTRIESADDED", "-1"}, "-ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id\r\n"},
		{[]string{"XADD", "s2", "1-0", "a", "b"}, "$3\r\n1-0\r\n"},
		{[]string{"XDEL", "s2", "1-0"}, ":1\r\n"},
		{[]string{"XSETID", "s2", "5-0", "MAXDELETEDID", "0-0"}, "+OK\r\n"},
		{[]string{"XINFO", "STREAM", "s2"}, "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n5-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n1-0\r\n$13\r\nentries-added\r\n:1\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"},
		{[]string{"XINFO", "STREAM", "missing", "BADARG"}, "-ERR no such key\r\n"},
		{[]string{"XINFO", "STREAM", "s2", "FULL", "COUNT"}, "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n"},
		{[]string{"XINFO", "STREAM", "s2", "FULL", "x", "1"}, "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n"},
		{[]string{"XINFO", "STREAM", "s2", "FULL", "COUNT", "5", "x"}, "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n"},
		{[]string{"XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"}, "-ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.\r\n"},
		{[]string{"XREAD", "NOACK", "STREAMS", "s", "0"}, "-ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.\r\n"},
		{[]string{"EVAL", "return redis.pcall('xread','block','0','streams',KEYS[1],'0')", "1", "s2"}, "-ERR xread command is not allowed with BLOCK option from scripts\r\n"},
		{[]string{"EVAL", "return redis.pcall('XREADGROUP','GROUP','g','c','BLOCK','0','STREAMS',KEYS[1],'>')", "1", "s2"}, "-ERR XREADGROUP command is not allowed with BLOCK option from scripts\r\n"},
		{[]string{"XADD", "s3", "1-0", "a", "1"}, "$3\r\n1-0\r\n"},
		{[]string{"COPY", "s", "s4"}, ":1\r\n"},
		{[]string{"XINFO", "STREAM", "s4"}, "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n3-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n5-0\r\n$13\r\nentries-added\r\n:1\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"},
	})
}

// TestStreamGroupChecks: XCLAIM FORCE, the consumers XCLAIM and
// XAUTOCLAIM make only when they claim, XAUTOCLAIM counting deleted
// entries, the order of the consumer group commands' checks, and
// entries-read and lag after deletions at either end, byte for byte as
// redis-server 7.0.
func TestStreamGroupChecks(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"XADD", "s", "1-1", "a", "1"}, "$3\r\n1-1\r\n"},
		{[]string{"XADD", "s", "2-1", "b", "2"}, "$3\r\n2-1\r\n"},
		{[]string{"XGROUP", "CREATE", "s", "g", "0"}, "+OK\r\n"},
		{[]string{"XCLAIM", "s", "g", "c", "100000", "1-1", "FORCE"}, "*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"XPENDING", "s", "g"}, "*4\r\n:1\r\n$3\r\n1-1\r\n$3\r\n1-1\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n1\r\n"},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:2\r\n"},
		{[]string{"XCLAIM", "s", "g", "c3", "1000000", "1-1"}, "*0\r\n"},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:2\r\n"},
		{[]string{"XAUTOCLAIM", "s", "g", "c2", "100000", "0"}, "*3\r\n$3\r\n0-0\r\n*0\r\n*0\r\n"},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:2\r\n"},
		{[]string{"XPENDING", "s", "g", "-", "+", "10", ""}, "*0\r\n"},
		{[]string{"XGROUP", "SETID", "s", "g", "-"}, "+OK\r\n"},
		{[]string{"XGROUP", "SETID", "s", "g", "+"}, "+OK\r\n"},
		{[]string{"XINFO", "GROUPS", "s"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:1\r\n$17\r\nlast-delivered-id\r\n$41\r\n18446744073709551615-18446744073709551615\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n$-1\r\n"},
		{[]string{"XGROUP", "CREATE", "nokey", "g", "bad"}, "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n"},
		{[]string{"XGROUP", "SETID", "s", "nog", "bad"}, "-NOGROUP No such consumer group 'nog' for key name 's'\r\n"},
		{[]string{"XGROUP", "CREATE", "s", "g9", "$", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"}, "-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.\r\n"},
		{[]string{"SET", "str", "v"}, "+OK\r\n"},
		{[]string{"XCLAIM", "nokey", "g", "c", "x", "1-1"}, "-NOGROUP No such key 'nokey' or consumer group 'g'\r\n"},
		{[]string{"XCLAIM", "s", "nog", "c", "x", "1-1"}, "-NOGROUP No such key 's' or consumer group 'nog'\r\n"},
		{[]string{"XCLAIM", "str", "g", "c", "x", "1-1"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"XACK", "str", "g", "bad"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"XACK", "nokey", "g", "bad"}, ":0\r\n"},
		{[]string{"XACK", "s", "nog", "bad"}, ":0\r\n"},
		{[]string{"XPENDING", "s", "g", "x", "y", "z"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"XPENDING", "s", "g", "IDLE", "100000000", "-", "+", "10", "c", "extra", "extra2"}, "-ERR syntax error\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", "$"}, "-NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "s2", ">"}, "-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.\r\n"},
		{[]string{"XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "x"}, "-ERR COUNT must be > 0\r\n"},
		{[]string{"XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "576460752303423488"}, "-ERR COUNT must be > 0\r\n"},
		{[]string{"DEL", "s"}, ":1\r\n"},
		{[]string{"XADD", "a", "1-0", "f", "1"}, "$3\r\n1-0\r\n"},
		{[]string{"XADD", "a", "2-0", "f", "1"}, "$3\r\n2-0\r\n"},
		{[]string{"XGROUP", "CREATE", "a", "g", "1-0", "ENTRIESREAD", "1"}, "+OK\r\n"},
		{[]string{"XDEL", "a", "2-0"}, ":1\r\n"},
		{[]string{"XINFO", "GROUPS", "a"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n:1\r\n$3\r\nlag\r\n$-1\r\n"},
		{[]string{"XADD", "b", "1-0", "f", "1"}, "$3\r\n1-0\r\n"},
		{[]string{"XADD", "b", "2-0", "f", "1"}, "$3\r\n2-0\r\n"},
		{[]string{"XADD", "b", "3-0", "f", "1"}, "$3\r\n3-0\r\n"},
		{[]string{"XGROUP", "CREATE", "b", "g", "0", "ENTRIESREAD", "0"}, "+OK\r\n"},
		{[]string{"XDEL", "b", "1-0"}, ":1\r\n"},
		{[]string{"XINFO", "GROUPS", "b"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:0\r\n$3\r\nlag\r\n:3\r\n"},
		{[]string{"XADD", "e", "1-0", "f", "1"}, "$3\r\n1-0\r\n"},
		{[]string{"XADD", "e", "2-0", "f", "1"}, "$3\r\n2-0\r\n"},
		{[]string{"XADD", "e", "3-0", "f", "1"}, "$3\r\n3-0\r\n"},
		{[]string{"XGROUP", "CREATE", "e", "g", "0"}, "+OK\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "e", ">"}, "*1\r\n*2\r\n$1\r\ne\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n"},
		{[]string{"XDEL", "e", "3-0"}, ":1\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "e", ">"}, "*1\r\n*2\r\n$1\r\ne\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n"},
		{[]string{"XINFO", "GROUPS", "e"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:2\r\n$17\r\nlast-delivered-id\r\n$3\r\n2-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n$-1\r\n"},
		{[]string{"XADD", "e", "4-0", "f", "1"}, "$3\r\n4-0\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "e", ">"}, "*1\r\n*2\r\n$1\r\ne\r\n*1\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n"},
		{[]string{"XINFO", "GROUPS", "e"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:3\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-0\r\n$12\r\nentries-read\r\n:4\r\n$3\r\nlag\r\n:0\r\n"},
		{[]string{"XADD", "d", "1-1", "f", "1"}, "$3\r\n1-1\r\n"},
		{[]string{"XADD", "d", "2-1", "f", "1"}, "$3\r\n2-1\r\n"},
		{[]string{"XADD", "d", "3-1", "f", "1"}, "$3\r\n3-1\r\n"},
		{[]string{"XGROUP", "CREATE", "d", "g", "0"}, "+OK\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "d", ">"}, "*1\r\n*2\r\n$1\r\nd\r\n*3\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n"},
		{[]string{"XDEL", "d", "1-1", "2-1", "3-1"}, ":3\r\n"},
		{[]string{"XAUTOCLAIM", "d", "g", "c9", "0", "0", "COUNT", "1"}, "*3\r\n$3\r\n2-1\r\n*0\r\n*1\r\n$3\r\n1-1\r\n"},
		{[]string{"XINFO", "GROUPS", "d"}, "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:2\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n"},
	})
}
