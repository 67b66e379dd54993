package integration

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScriptReplies runs Lua scripts with EVAL, EVALSHA and SCRIPT and
// compares every reply byte for byte with what redis-server 7.0.15
// answered (NADB_TEST_TARGET=redis-server checks it still does): the
// conversions both ways in RESP2 and RESP3 (redis.setresp), the errors of
// redis.call and their " script: SHA, on @user_script:LINE." suffix,
// redis.pcall and Lua's pcall, error_reply and status_reply, the
// read-only globals, numbers as arguments, the commands a script may not
// call, EVAL_RO's refusal of writes, SELECT inside a script, the cache,
// MULTI around EVAL, cjson, bit, cmsgpack and the string, table and math
// libraries.
// Left out: what depends on the interpreter's own texts (runtime error
// messages, the order pairs() walks a table in).
func TestScriptReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	hello := func(version int) {
		c.send(respCommand([]string{"HELLO", strconv.Itoa(version)}))
		readReply(t, c)
	}
	requireExactReplies(t, c, []exactStep{
		{[]string{"FLUSHALL"}, "+OK\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
	})
	requireExactReplies(t, c, []exactStep{
		{[]string{"eval", "return redis.call('nosuch')", "0"}, "-ERR Unknown Redis command called from script script: 206396248e12c6e742fd7296250433c8d7343b74, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.call('set')", "0"}, "-ERR Wrong number of args calling Redis command from script script: 452141d5a2fed3fc879df25ef317b9e62b0de909, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.call('multi')", "0"}, "-ERR This Redis command is not allowed from script script: c329a1a294be6bf95b44144f7502610661ae925a, on @user_script:1.\r\n"},
		{[]string{"eval", "x=1", "0"}, "-ERR user_script:1: Attempt to modify a readonly table script: 7caf6056913504f0508c65faf2dc3f94ff65bcfd, on @user_script:1.\r\n"},
		{[]string{"eval", "return y", "0"}, "-ERR user_script:1: Script attempted to access nonexistent global variable 'y' script: e278681ed961e2fb52881313e5c90fdd93749940, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.error_reply('My Error')", "0"}, "-My Error\r\n"},
		{[]string{"eval", "return redis.error_reply('Oops')", "0"}, "-ERR Oops\r\n"},
		{[]string{"eval", "return redis.error_reply('')", "0"}, "-ERR \r\n"},
		{[]string{"eval", "return {err='x y'}", "0"}, "-x y\r\n"},
		{[]string{"eval", "return {err=''}", "0"}, "-\r\n"},
		{[]string{"eval", "return {tonumber('1e1'), tonumber(' 0x10 '), tonumber('ff', 16), tostring(tonumber('1 2')), math.huge == 1/0 and 1 or 0}", "0"}, "*5\r\n:10\r\n:16\r\n:255\r\n$3\r\nnil\r\n:1\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"eval", "return redis.call('incr', {})", "0"}, "-ERR Lua redis lib command arguments must be strings or integers script: 27c46da9c13b8e67588c7cbbe80976975f4fd10d, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.pcall('nosuch')", "0"}, "-ERR Unknown Redis command called from script\r\n"},
		{[]string{"eval", "return redis.call('set','a','b')", "0"}, "+OK\r\n"},
		{[]string{"eval", "return redis.call('lpush','a','b')", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value script: 8cd48b23dfd62dba7eb07b919780a110bb9c5d46, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.pcall('lpush','a','b')", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"eval", "error('boom')", "0"}, "-ERR user_script:1: boom script: 82903a0434f1503e152f89c03c9acd881a0e8150, on @user_script:1.\r\n"},
		{[]string{"eval", "error({err='X boom'})", "0"}, "-X boom script: f0acf9d1ce814691e2b2cc3296a806e16e047e31, on @user_script:1.\r\n"},
		{[]string{"eval", "return {1,2,nil,4}", "0"}, "*2\r\n:1\r\n:2\r\n"},
		{[]string{"eval", "return 3.99", "0"}, ":3\r\n"},
		{[]string{"eval", "return true", "0"}, ":1\r\n"},
		{[]string{"eval", "return false", "0"}, "$-1\r\n"},
		{[]string{"eval", "return {ok='FINE'}", "0"}, "+FINE\r\n"},
		{[]string{"eval", "return redis.status_reply('FINE')", "0"}, "+FINE\r\n"},
		{[]string{"eval", "local a = 1\nlocal b = 2\nreturn redis.call('nosuch')", "0"}, "-ERR Unknown Redis command called from script script: 42d5a5e856820587892f7a681c6d5b2b19317133, on @user_script:3.\r\n"},
		{[]string{"eval", "return redis.call()", "0"}, "-ERR Please specify at least one argument for this redis lib call script: 0a907e1429221a4d85516cab7fd219a82a9439d8, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.setresp(4)", "0"}, "-ERR RESP version must be 2 or 3. script: 921c0a48021d97dfd5884aeea41875972c7804d9, on @user_script:1.\r\n"},
		{[]string{"eval", "return {1, {ok='x'}, {err='E y'}, true, false, 2.5}", "0"}, "*6\r\n:1\r\n+x\r\n-E y\r\n:1\r\n$-1\r\n:2\r\n"},
		{[]string{"eval", "return {double=0.1}", "0"}, "$19\r\n0.10000000000000001\r\n"},
		{[]string{"eval", "return {map={a=1}}", "0"}, "*2\r\n$1\r\na\r\n:1\r\n"},
		{[]string{"eval", "redis.setresp(3); return {true, false}", "0"}, "*2\r\n:1\r\n:0\r\n"},
		{[]string{"eval", "return {KEYS[1],ARGV[1],#KEYS,#ARGV}", "1", "k", "a", "b"}, "*4\r\n$1\r\nk\r\n$1\r\na\r\n:1\r\n:2\r\n"},
		{[]string{"eval", "return redis.sha1hex('')", "0"}, "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n"},
		{[]string{"eval", "local r = redis.call('ping'); return type(r) .. r.ok", "0"}, "$9\r\ntablePONG\r\n"},
		{[]string{"eval", "return cjson.decode('[1,2,\"x\"]')", "0"}, "*3\r\n:1\r\n:2\r\n$1\r\nx\r\n"},
		{[]string{"eval", "return bit.band(7,3)", "0"}, ":3\r\n"},
		{[]string{"eval_ro", "return redis.call('set','a','1')", "0"}, "-ERR Write commands are not allowed from read-only scripts. script: 67ed14c1cb086d8c2fcf91ebe13410ba087fd0f8, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.call('set', 'n', 0.1)", "0"}, "+OK\r\n"},
		{[]string{"get", "n"}, "$19\r\n0.10000000000000001\r\n"},
		{[]string{"eval", "return redis.call('set', 'n', 123456789012345678)", "0"}, "+OK\r\n"},
		{[]string{"get", "n"}, "$22\r\n1.2345678901234568e+17\r\n"},
		{[]string{"eval", "return redis.call('info','server') ~= nil", "0"}, ":1\r\n"},
		{[]string{"eval", "return redis.call('publish','ch','m')", "0"}, ":0\r\n"},
		{[]string{"eval", "return redis.call('quit')", "0"}, "-ERR This Redis command is not allowed from script script: 594184995799820e8ea15ff5ed6e55342c8fed42, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.call('blpop','x', 0)", "0"}, "-ERR This Redis command is not allowed from script script: d2adbbf9d609d52d649f3b9edb892c899096ea77, on @user_script:1.\r\n"},
		{[]string{"eval", "redis.call('select', 1); redis.call('set','x','1'); return redis.call('dbsize')", "0"}, ":1\r\n"},
		{[]string{"dbsize"}, ":2\r\n"},
		{[]string{"script", "load", "return 1"}, "$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n"},
		{[]string{"evalsha", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}, ":1\r\n"},
		{[]string{"script", "exists", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "ffffffffffffffffffffffffffffffffffffffff"}, "*2\r\n:1\r\n:0\r\n"},
		{[]string{"eval", "return -3.9", "0"}, ":-3\r\n"},
		{[]string{"eval", "return 1e300*1e10", "0"}, ":-9223372036854775808\r\n"},
		{[]string{"eval", "return string.format('%d-%s', 5, 'x')", "0"}, "$3\r\n5-x\r\n"},
		{[]string{"eval", "string.x = 1", "0"}, "-ERR user_script:1: Attempt to modify a readonly table script: c3eb0a2a15b3d4790b323c4104029c1ae425a769, on @user_script:1.\r\n"},
		{[]string{"eval", "redis.call = nil", "0"}, "-ERR user_script:1: Attempt to modify a readonly table script: 2786c35ed73d3860851cf52e0b5dfbbc0bdb4803, on @user_script:1.\r\n"},
		{[]string{"eval", "return tostring(redis.call('get','nokey'))", "0"}, "$5\r\nfalse\r\n"},
		{[]string{"eval", "return redis.call('hgetall','nokey')", "0"}, "*0\r\n"},
		{[]string{"eval", "return bit.tohex(255, 4) .. bit.tohex(-1) .. bit.tohex(255,-2)", "0"}, "$14\r\n00ffffffffffFF\r\n"},
		{[]string{"eval", "return cjson.encode({1,2,3,nil,5})", "0"}, "$14\r\n[1,2,3,null,5]\r\n"},
		{[]string{"eval", "return cjson.encode('a/b\"c')", "0"}, "$9\r\n\"a\\/b\\\"c\"\r\n"},
		{[]string{"eval", "return cjson.encode({})", "0"}, "$2\r\n{}\r\n"},
		{[]string{"eval", "return cjson.encode(cjson.decode('{\"a\":null}'))", "0"}, "$10\r\n{\"a\":null}\r\n"},
		{[]string{"script", "flush"}, "+OK\r\n"},
		{[]string{"script", "exists", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"}, "*1\r\n:0\r\n"},
		{[]string{"script", "kill"}, "-NOTBUSY No scripts in execution right now.\r\n"},
	})
	requireExactReplies(t, c, []exactStep{
		{[]string{"flushall"}, "+OK\r\n"},
	})
	hello(3)
	requireExactReplies(t, c, []exactStep{
		{[]string{"eval", "return {1, {ok='x'}, {err='E y'}, true, false, 2.5, nil}", "0"}, "*6\r\n:1\r\n+x\r\n-E y\r\n:1\r\n_\r\n:2\r\n"},
		{[]string{"eval", "return {double=3.5}", "0"}, ",3.5\r\n"},
		{[]string{"eval", "return {map={a=1}}", "0"}, "%1\r\n$1\r\na\r\n:1\r\n"},
		{[]string{"eval", "redis.setresp(3); return {true, false}", "0"}, "*2\r\n#t\r\n#f\r\n"},
		{[]string{"eval", "redis.setresp(3); return redis.call('hgetall','nokey')", "0"}, "%0\r\n"},
		{[]string{"eval", "return nil", "0"}, "_\r\n"},
		{[]string{"eval", "return redis.call('get','nokey')", "0"}, "_\r\n"},
		{[]string{"eval", "redis.setresp(3); return redis.call('get','nokey')", "0"}, "_\r\n"},
		{[]string{"eval", "return {big_number='123'}", "0"}, "(123\r\n"},
		{[]string{"eval", "return {set={a=true}}", "0"}, "~1\r\n$1\r\na\r\n"},
		{[]string{"eval", "return {verbatim_string={format='txt', string='hi'}}", "0"}, "=6\r\ntxt:hi\r\n"},
		// The format is cut or padded with spaces to three bytes.
		{[]string{"eval", "return {verbatim_string={format='markdown', string='hi'}}", "0"}, "=6\r\nmar:hi\r\n"},
		{[]string{"eval", "return {verbatim_string={format='tx', string='hi'}}", "0"}, "=6\r\ntx :hi\r\n"},
		{[]string{"hset", "h", "f", "v"}, ":1\r\n"},
		{[]string{"eval", "redis.setresp(3); local r = redis.call('hgetall', KEYS[1]); return r.map.f", "1", "h"}, "$1\r\nv\r\n"},
		{[]string{"eval", "redis.setresp(3); return redis.call('hgetall', KEYS[1])", "1", "h"}, "%1\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		{[]string{"eval", "return redis.call('hgetall', KEYS[1])", "1", "h"}, "*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		{[]string{"sadd", "s", "m"}, ":1\r\n"},
		{[]string{"eval", "redis.setresp(3); local r = redis.call('smembers', KEYS[1]); return r.set.m", "1", "s"}, "#t\r\n"},
		{[]string{"eval", "redis.setresp(3); return redis.call('smembers', KEYS[1])", "1", "s"}, "~1\r\n$1\r\nm\r\n"},
		{[]string{"zadd", "z", "1.5", "m"}, ":1\r\n"},
		{[]string{"eval", "redis.setresp(3); local r = redis.call('zscore', KEYS[1], 'm'); return r.double", "1", "z"}, ":1\r\n"},
		{[]string{"eval", "redis.setresp(3); return redis.call('zscore', KEYS[1], 'm')", "1", "z"}, ",1.5\r\n"},
		{[]string{"eval", "return redis.call('zscore', KEYS[1], 'm')", "1", "z"}, "$3\r\n1.5\r\n"},
		{[]string{"eval", "redis.setresp(3); return redis.call('exists', 'h')", "0"}, ":1\r\n"},
	})
	hello(2)
	requireExactReplies(t, c, []exactStep{
		{[]string{"eval", "redis.setresp(3); return redis.call('hgetall', KEYS[1])", "1", "h"}, "*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		{[]string{"eval", "redis.setresp(3); return redis.call('smembers', KEYS[1])", "1", "s"}, "*1\r\n$1\r\nm\r\n"},
		{[]string{"eval", "redis.setresp(3); return redis.call('zscore', KEYS[1], 'm')", "1", "z"}, "$3\r\n1.5\r\n"},
		{[]string{"eval", "redis.setresp(3); return redis.call('get','nokey')", "0"}, "$-1\r\n"},
		{[]string{"eval", "return redis.call('mget', 'h', 'nokey', 'x')", "0"}, "*3\r\n$-1\r\n$-1\r\n$-1\r\n"},
		{[]string{"set", "x", "1"}, "+OK\r\n"},
		{[]string{"eval", "return redis.call('mget', 'nokey', 'x')", "0"}, "*2\r\n$-1\r\n$1\r\n1\r\n"},
		{[]string{"eval", "return redis.pcall('incr', 'h')", "0"}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"eval", "local t = redis.pcall('incr', 'h'); return t['err']", "0"}, "$65\r\nWRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{[]string{"eval", "return redis.call('incr', 'x') + 10", "0"}, ":12\r\n"},
		{[]string{"eval", "return redis.call('incrbyfloat', 'x', '0.5')", "0"}, "$3\r\n2.5\r\n"},
		{[]string{"eval", "local r = redis.call('set', 'y', 'v', 'get'); return r", "0"}, "$-1\r\n"},
		{[]string{"eval", "return redis.call('get', 'y')", "0"}, "$1\r\nv\r\n"},
		{[]string{"eval", "return redis.call('expire', 'y', 100)", "0"}, ":1\r\n"},
		{[]string{"eval", "return redis.call('ttl', 'y')", "0"}, ":100\r\n"},
		{[]string{"eval", "return #ARGV", "0", "a", "b", "c"}, ":3\r\n"},
		{[]string{"eval", "return ARGV", "0", "a", "b", "c"}, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{[]string{"eval", "return KEYS", "2", "a", "b", "c"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{[]string{"eval", "return tonumber(ARGV[1]) * 2", "0", "21"}, ":42\r\n"},
		{[]string{"eval", "return tostring(12.5)", "0"}, "$4\r\n12.5\r\n"},
		{[]string{"eval", "return redis.call('echo', 12.5)", "0"}, "$4\r\n12.5\r\n"},
		{[]string{"eval", "return redis.call('echo', -0.0)", "0"}, "$2\r\n-0\r\n"},
		{[]string{"eval", "return redis.call('echo', 1/0)", "0"}, "$3\r\ninf\r\n"},
		{[]string{"eval", "return redis.call('echo', 2^63)", "0"}, "$22\r\n9.2233720368547758e+18\r\n"},
		{[]string{"eval", "return redis.call('echo', 100)", "0"}, "$3\r\n100\r\n"},
		{[]string{"eval", "return redis.call('echo', 1e16)", "0"}, "$17\r\n10000000000000000\r\n"},
		{[]string{"eval", "return redis.call('echo', 1e17)", "0"}, "$5\r\n1e+17\r\n"},
		{[]string{"eval", "return redis.call('echo', 0.5)", "0"}, "$3\r\n0.5\r\n"},
		{[]string{"eval", "return redis.call('echo', 123456.789)", "0"}, "$10\r\n123456.789\r\n"},
		{[]string{"eval", "return {double=1e17}", "0"}, "$5\r\n1e+17\r\n"},
		{[]string{"eval", "return {double=100}", "0"}, "$3\r\n100\r\n"},
		{[]string{"eval", "return 2^53", "0"}, ":9007199254740992\r\n"},
		{[]string{"eval", "return -2^63", "0"}, ":-9223372036854775808\r\n"},
		{[]string{"eval", "return 2^63", "0"}, ":-9223372036854775808\r\n"},
		{[]string{"eval", "return {1, {2, {3, {4}}}}", "0"}, "*2\r\n:1\r\n*2\r\n:2\r\n*2\r\n:3\r\n*1\r\n:4\r\n"},
		{[]string{"eval", "return {}", "0"}, "*0\r\n"},
		{[]string{"eval", "return {ok=5}", "0"}, "*0\r\n"},
		{[]string{"eval", "return {err=5}", "0"}, "*0\r\n"},
		{[]string{"eval", "return redis.status_reply('a\\nb')", "0"}, "+a b\r\n"},
		{[]string{"eval", "return redis.error_reply('a\\r\\nb')", "0"}, "-ERR a  b\r\n"},
		{[]string{"eval", "return {err='a\\nb\\n'}", "0"}, "-a b\r\n"},
		{[]string{"eval", "error('a\\nb')", "0"}, "-ERR user_script:1: a b script: 119790126df3fc201f8f0498095b28c62b174151, on @user_script:1.\r\n"},
		{[]string{"eval", "return cjson.encode({1,2,{a='x'}})", "0"}, "$15\r\n[1,2,{\"a\":\"x\"}]\r\n"},
		{[]string{"eval", "return cjson.encode({[1]=1, [20]=2})", "0"}, "-ERR user_script:1: Cannot serialise table: excessively sparse array script: 5398dcf6ac07c847b25845ec79310fecde290dcf, on @user_script:1.\r\n"},
		{[]string{"eval", "return cjson.encode(1/3)", "0"}, "$16\r\n0.33333333333333\r\n"},
		{[]string{"eval", "return cjson.encode('\\1\\31\\127\xc3\xa9')", "0"}, "$22\r\n\"\\u0001\\u001f\\u007f\xc3\xa9\"\r\n"},
		{[]string{"eval", "return cjson.encode(true)", "0"}, "$4\r\ntrue\r\n"},
		{[]string{"eval", "return cjson.encode(cjson.null)", "0"}, "$4\r\nnull\r\n"},
		{[]string{"eval", "return cjson.decode('{\"a\":[1,2,{\"b\":true}]}').a[3].b", "0"}, ":1\r\n"},
		{[]string{"eval", "return cjson.decode('\"\\\\u00e9\"')", "0"}, "$2\r\n\xc3\xa9\r\n"},
		{[]string{"eval", "return cjson.decode('1.5e3')", "0"}, ":1500\r\n"},
		{[]string{"eval", "return type(cjson.decode('null'))", "0"}, "$8\r\nuserdata\r\n"},
		{[]string{"eval", "return bit.bor(1, 2, 4)", "0"}, ":7\r\n"},
		{[]string{"eval", "return bit.bxor(5, 3)", "0"}, ":6\r\n"},
		{[]string{"eval", "return bit.lshift(1, 31)", "0"}, ":-2147483648\r\n"},
		{[]string{"eval", "return bit.rshift(-1, 28)", "0"}, ":15\r\n"},
		{[]string{"eval", "return bit.arshift(-256, 4)", "0"}, ":-16\r\n"},
		{[]string{"eval", "return bit.bnot(0)", "0"}, ":-1\r\n"},
		{[]string{"eval", "return bit.tobit(2^32 + 5)", "0"}, ":5\r\n"},
		{[]string{"eval", "return bit.rol(1, 33)", "0"}, ":2\r\n"},
		{[]string{"eval", "return bit.bswap(0x12345678)", "0"}, ":2018915346\r\n"},
		{[]string{"eval", "return redis.REDIS_VERSION ~= nil", "0"}, ":1\r\n"},
		{[]string{"eval", "return string.rep('a', 3) .. string.upper('b') .. string.sub('hello', 2, 3)", "0"}, "$6\r\naaaBel\r\n"},
		{[]string{"eval", "return table.concat({1,2,3}, ',')", "0"}, "$5\r\n1,2,3\r\n"},
		{[]string{"eval", "return math.floor(3.7) + math.max(1, 5)", "0"}, ":8\r\n"},
		{[]string{"eval", "local t = {} for i=1,5 do table.insert(t, i*i) end return t", "0"}, "*5\r\n:1\r\n:4\r\n:9\r\n:16\r\n:25\r\n"},
		{[]string{"eval", "return pcall(function() error('x') end)", "0"}, "$-1\r\n"},
		{[]string{"eval", "local ok, e = pcall(function() redis.call('nosuch') end); return e.err", "0"}, "$-1\r\n"},
		{[]string{"eval", "local ok, e = pcall(function() error({err='MY code'}) end); return e.err", "0"}, "$-1\r\n"},
		{[]string{"eval", "return type(loadstring)", "0"}, "$8\r\nfunction\r\n"},
		{[]string{"eval", "return redis.call('get', KEYS[1])", "1"}, "-ERR Number of keys can't be greater than number of args\r\n"},
		{[]string{"eval", "return redis.call('exists', 'nope') == 0", "0"}, ":1\r\n"},
		{[]string{"eval", "return redis.call('type', 'h')", "0"}, "+hash\r\n"},
		{[]string{"eval", "return redis.call('type', 'h').ok", "0"}, "$4\r\nhash\r\n"},
		{[]string{"eval", "return redis.call('ping', 'hi')", "0"}, "$2\r\nhi\r\n"},
		{[]string{"eval", "return redis.acl_check_cmd('get', 'x')", "0"}, ":1\r\n"},
		{[]string{"eval", "return redis.acl_check_cmd('nosuch')", "0"}, "-ERR Invalid command passed to redis.acl_check_cmd() script: d2491587bab5149c93be0dce4426f7a06ba9e1a1, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.log(redis.LOG_WARNING, 'from a test')", "0"}, "$-1\r\n"},
		{[]string{"eval", "return redis.log(9, 'x')", "0"}, "-ERR Invalid debug level. script: 0d2bb5cc8fe34dbfa499420ecaa69dc2e6c8130e, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.log(1)", "0"}, "-ERR redis.log() requires two arguments or more. script: f5438245431406aa19fc387d93c6d03a0d5bcb0f, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.set_repl(9)", "0"}, "-ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE. script: f43d522179aeb2c4dadb59b026d11ed249ca02e0, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.setresp()", "0"}, "-ERR redis.setresp() requires one argument. script: 76da64e28014e7c9ad76db33c3918c53d81a3d7e, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.sha1hex()", "0"}, "-ERR wrong number of arguments script: 3c7ce947ae74a835cc575b6ee87fb27503cb7ba4, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.error_reply(5)", "0"}, "-ERR wrong number or type of arguments\r\n"},
		{[]string{"eval", "return redis.status_reply()", "0"}, "-ERR wrong number or type of arguments\r\n"},
		{[]string{"eval", "redis.call('set', 'k1', 'v1'); redis.call('nosuch')", "0"}, "-ERR Unknown Redis command called from script script: 10382579483096616d44d7c040a892307d44c4fd, on @user_script:1.\r\n"},
		{[]string{"get", "k1"}, "$2\r\nv1\r\n"},
		{[]string{"evalsha", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"}, "-NOSCRIPT No matching script. Please use EVAL.\r\n"},
		{[]string{"script", "load", "return 1"}, "$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n"},
		{[]string{"evalsha", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"}, ":1\r\n"},
		{[]string{"evalsha_ro", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}, ":1\r\n"},
		{[]string{"script", "exists", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"}, "*1\r\n:1\r\n"},
		{[]string{"script", "load", "return +"}, "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'\r\n"},
		{[]string{"multi"}, "+OK\r\n"},
		{[]string{"eval", "return redis.call('incr', 'ctr')", "0"}, "+QUEUED\r\n"},
		{[]string{"eval", "return redis.call('incr', 'ctr')", "0"}, "+QUEUED\r\n"},
		{[]string{"exec"}, "*2\r\n:1\r\n:2\r\n"},
		{[]string{"eval", "return redis.call('select', 3)", "0"}, "+OK\r\n"},
		{[]string{"set", "indb0", "1"}, "+OK\r\n"},
		{[]string{"exists", "indb0"}, ":1\r\n"},
		{[]string{"eval", "local a = {} for i = 1, 3 do a[i] = redis.call('incr', 'seq') end return a", "0"}, "*3\r\n:1\r\n:2\r\n:3\r\n"},
		{[]string{"eval", "return redis.call('object', 'encoding', 'h')", "0"}, "$8\r\nlistpack\r\n"},
		{[]string{"eval", "return redis.call('dbsize')", "0"}, ":9\r\n"},
		{[]string{"eval", "local ok, e = pcall(function() error({err='MY code'}) end); return {tostring(ok), type(e)}", "0"}, "*2\r\n$5\r\nfalse\r\n$6\r\nstring\r\n"},
		{[]string{"eval", "local ok, e = pcall(function() redis.call('nosuch') end); return {tostring(ok), type(e), tostring(e)}", "0"}, "*3\r\n$5\r\nfalse\r\n$6\r\nstring\r\n$44\r\nERR Unknown Redis command called from script\r\n"},
		{[]string{"eval", "local ok, e = pcall(function() error('x') end); return {tostring(ok), type(e), tostring(e)}", "0"}, "*3\r\n$5\r\nfalse\r\n$6\r\nstring\r\n$16\r\nuser_script:1: x\r\n"},
		{[]string{"eval", "local ok, e = pcall(error, {err='y'}); return {tostring(ok), type(e)}", "0"}, "*2\r\n$5\r\nfalse\r\n$6\r\nstring\r\n"},
		{[]string{"eval", "return {pcall(function() return 1 end)}", "0"}, "*2\r\n:1\r\n:1\r\n"},
		{[]string{"eval", "local ok, e = xpcall(function() error({err='MY code'}) end, function(x) return x end); return {tostring(ok), type(e)}", "0"}, "*2\r\n$5\r\nfalse\r\n$5\r\ntable\r\n"},
	})
	requireExactReplies(t, c, []exactStep{
		{[]string{"eval", "return type(redis.call('info', 'everything'))", "0"}, "$6\r\nstring\r\n"},
		{[]string{"eval", "return type(redis.call('info'))", "0"}, "$6\r\nstring\r\n"},
		{[]string{"eval", "return redis.call('pubsub', 'numpat')", "0"}, ":0\r\n"},
		{[]string{"eval", "return type(redis.call('command', 'count'))", "0"}, "$6\r\nnumber\r\n"},
		{[]string{"eval", "return type(redis.call('slowlog', 'len'))", "0"}, "$6\r\nnumber\r\n"},
		{[]string{"eval", "return type(redis.call('time')[1])", "0"}, "$6\r\nstring\r\n"},
		{[]string{"eval", "return redis.call('lastsave') > 0", "0"}, ":1\r\n"},
		{[]string{"eval", "return redis.call('config', 'get', 'maxmemory')", "0"}, "-ERR This Redis command is not allowed from script script: 0980669769efeb6079a5a3c93e7ca4e95eedfa17, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.call('client', 'id') > 0", "0"}, "-ERR This Redis command is not allowed from script script: 8439934f75e7f3c155ea9eff2c7d35b3ba66b537, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.call('wait', 0, 0)", "0"}, "-ERR This Redis command is not allowed from script script: 09c741d9d86c54b89b6c904a627c276a73679c40, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.call('flushall')", "0"}, "+OK\r\n"},
		{[]string{"eval", "return redis.call('swapdb', 0, 1)", "0"}, "+OK\r\n"},
		{[]string{"eval", "return redis.call('debug', 'digest')", "0"}, "-ERR This Redis command is not allowed from script script: de923036bfb4ec8351311f0ed91846d819a64253, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.call('memory', 'usage', 'nokey')", "0"}, "$-1\r\n"},
		{[]string{"eval", "return redis.call('scan', 0)", "0"}, "*2\r\n$1\r\n0\r\n*0\r\n"},
		{[]string{"eval", "return redis.call('keys', '*')", "0"}, "*0\r\n"},
		{[]string{"eval", "return redis.call('randomkey')", "0"}, "$-1\r\n"},
		{[]string{"eval", "return redis.call('object', 'freq', 'x')", "0"}, "$-1\r\n"},
		{[]string{"eval", "return redis.call('script', 'exists', 'x')", "0"}, "-ERR This Redis command is not allowed from script script: 6bc487e59c9eaf04dd5fa21364d867a737548dcd, on @user_script:1.\r\n"},
	})
	// cmsgpack, byte for byte.
	requireExactReplies(t, c, []exactStep{
		{[]string{"eval", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, -32, -33, -128, -129, -32768, -32769, 2^31, -2^31, -2^31-1, 2^32, 2^40, -2^40))", "0"}, "$160\r\n01ff7fcc80ccffcd0100cdffffce00010000e0d0dfd080d1ff7fd18000d2ffff7fffce80000000d280000000d3ffffffff7fffffffcf0000000100000000cf0000010000000000d3ffffff0000000000\r\n"},
		{[]string{"eval", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(cmsgpack.pack(0.5, 0.1, 1.5, -2.25, 1e300, 1/0))", "0"}, "$76\r\nca3f000000cb3fb999999999999aca3fc00000cac0100000cb7e37e43c8800759cca7f800000\r\n"},
		{[]string{"eval", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(cmsgpack.pack('', 'abc', string.rep('x', 31), string.rep('y', 32), string.rep('z', 256)))", "0"}, "$660\r\na0a3616263bf78787878787878787878787878787878787878787878787878787878787878d9207979797979797979797979797979797979797979797979797979797979797979da01007a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a\r\n"},
		{[]string{"eval", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end return hex(cmsgpack.pack({}, {1,2,3}, {a=1}, true, false, nil))", "0"}, "$24\r\n909301020381a16101c3c2c0\r\n"},
		{[]string{"eval", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end local t = {} for i=1,20 do t[i]=i end return hex(cmsgpack.pack(t, {1, nil, 3}, {[2]=1}))", "0"}, "$62\r\ndc00140102030405060708090a0b0c0d0e0f10111213148201010303810201\r\n"},
		{[]string{"eval", "return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1, 2, {3}}, 2.5, -7))}", "0"}, "*5\r\n:1\r\n$1\r\na\r\n*3\r\n:1\r\n:2\r\n*1\r\n:3\r\n:2\r\n:-7\r\n"},
		{[]string{"eval", "local t = cmsgpack.unpack(cmsgpack.pack({a = 'x', b = {1, 2}})) return {t.a, t.b[2]}", "0"}, "*2\r\n$1\r\nx\r\n:2\r\n"},
		{[]string{"eval", "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}", "0"}, "*2\r\n:1\r\n:1\r\n"},
		{[]string{"eval", "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}", "0"}, "*3\r\n:2\r\n:1\r\n:2\r\n"},
		{[]string{"eval", "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}", "0"}, "*2\r\n:-1\r\n:3\r\n"},
		{[]string{"eval", "return {cmsgpack.unpack_one(cmsgpack.pack(1))}", "0"}, "*2\r\n:-1\r\n:1\r\n"},
		{[]string{"eval", "return cmsgpack.unpack('\\145')", "0"}, "-ERR user_script:1: Missing bytes in input. script: e5a6d131d7141fcb79a9f44b543166f94c2e8503, on @user_script:1.\r\n"},
		{[]string{"eval", "return cmsgpack.pack()", "0"}, "-ERR user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.) script: 6bc235afa55de88253e203cc5fe5844792e25209, on @user_script:1.\r\n"},
		{[]string{"eval", "return type(cmsgpack.unpack(''))", "0"}, "-ERR user_script:1: bad argument #1 to 'type' (value expected) script: 7201353372da040f6aac6152d26ab5805a68611f, on @user_script:1.\r\n"},
		{[]string{"eval", "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', string.byte(c)) end)) end local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return hex(cmsgpack.pack(t))", "0"}, "$34\r\n91919191919191919191919191919191c0\r\n"},
	})
	// Shebang lines: the engine, flags, no-writes, allow-oom, and a script
	// that may write refused at once over maxmemory.
	requireExactReplies(t, c, []exactStep{
		{[]string{"eval", "#!lua\nreturn 1", "0"}, ":1\r\n"},
		{[]string{"eval", "#!lua flags=no-writes\nreturn redis.call('set','a','1')", "0"}, "-ERR Write commands are not allowed from read-only scripts. script: 71c6978aa8dbb43cfeb7536150d4b9326e6031a2, on @user_script:2.\r\n"},
		{[]string{"eval", "#!lua flags=no-writes,allow-oom\nreturn redis.call('get','a')", "0"}, "$-1\r\n"},
		{[]string{"eval", "#!lua flags=bogus\nreturn 1", "0"}, "-ERR Unexpected flag in script shebang: bogus\r\n"},
		{[]string{"eval", "#!python\nreturn 1", "0"}, "-ERR Unexpected engine in script shebang: #!python\r\n"},
		{[]string{"eval", "#!lua name=x\nreturn 1", "0"}, "-ERR Unknown lua shebang option: name=x\r\n"},
		{[]string{"eval", "#!lua flags=\nreturn 1", "0"}, ":1\r\n"},
		{[]string{"eval", "#!lua\nreturn redis.call('set','a','1')", "0"}, "+OK\r\n"},
		{[]string{"eval", "#!lua", "0"}, "-ERR Invalid script shebang\r\n"},
		{[]string{"eval", "#!lua flags=no-writes\nerror('x')", "0"}, "-ERR user_script:2: x script: 92a1f2c9b02e32b5bc57bd411dde4eebcb848a63, on @user_script:2.\r\n"},
		{[]string{"script", "load", "#!lua flags=bogus\nreturn 1"}, "-ERR Unexpected flag in script shebang: bogus\r\n"},
		{[]string{"eval", "#!lua\nreturn 1 +", "0"}, "-ERR Error compiling script (new function): user_script:2: unexpected symbol near '<eof>'\r\n"},
		{[]string{"eval_ro", "#!lua\nreturn 1", "0"}, "-ERR Can not execute a script with write flag using *_ro command.\r\n"},
		{[]string{"eval_ro", "#!lua flags=no-writes\nreturn 1", "0"}, ":1\r\n"},
		{[]string{"set", "fill", "xxxxxxxxxxxxxxxxxxxxxxxxxxxx"}, "+OK\r\n"},
		{[]string{"config", "set", "maxmemory", "1"}, "+OK\r\n"},
		{[]string{"eval", "#!lua\nreturn 1", "0"}, "-OOM command not allowed when used memory > 'maxmemory'.\r\n"},
		{[]string{"eval", "#!lua flags=allow-oom\nreturn 1", "0"}, ":1\r\n"},
		{[]string{"eval", "#!lua flags=no-writes\nreturn 1", "0"}, ":1\r\n"},
		{[]string{"eval", "return redis.call('set', 'k', 'v')", "0"}, "-OOM command not allowed when used memory > 'maxmemory'. script: 2d991be581da74a0c0c441c4beb92ae41c2e1eb9, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.call('get', 'k')", "0"}, "$-1\r\n"},
		{[]string{"eval", "#!lua flags=allow-oom\nreturn redis.call('set', 'k', 'v')", "0"}, "+OK\r\n"},
		{[]string{"config", "set", "maxmemory", "0"}, "+OK\r\n"},
		{[]string{"del", "k", "fill"}, ":2\r\n"},
	})
	// EVAL_RO refuses what replicates; deep stacks; nothing a script does to
	// the libraries or the globals reaches the next script.
	requireExactReplies(t, c, []exactStep{
		{[]string{"eval_ro", "return redis.call('publish','ch','x')", "0"}, "-ERR Write commands are not allowed from read-only scripts. script: afd1cf86f5e3594c2af58a657a9bee0c137cdcb2, on @user_script:1.\r\n"},
		{[]string{"eval_ro", "return redis.call('pfcount','hll')", "0"}, "-ERR Write commands are not allowed from read-only scripts. script: 4fab1ed2d1bd8bbf3f50ebbdaaed171ad560125d, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.acl_check_cmd('get')", "0"}, ":1\r\n"},
		{[]string{"eval", "return bit.bor(1.5, 2)", "0"}, ":2\r\n"},
		{[]string{"eval", "return bit.tobit(2.5) + bit.tobit(3.5)", "0"}, ":6\r\n"},
		{[]string{"eval", "local t={} for i=1,6000 do t[i]=i end return #{unpack(t)}", "0"}, ":6000\r\n"},
		{[]string{"eval", "local function f(n) if n == 0 then return 0 end return 1 + f(n-1) end return f(5000)", "0"}, ":5000\r\n"},
		{[]string{"eval", "return rawset(redis, 'call', function() return 'hijacked' end) and 1", "0"}, "-ERR Attempt to modify a readonly table script: 5bff8dd31f9100b94ba6992aed46c2eac383d8fc, on @user_script:1.\r\n"},
		{[]string{"eval", "return redis.call('ping')", "0"}, "+PONG\r\n"},
		{[]string{"eval", "rawset(_G, 'leak', 42) return 1", "0"}, "-ERR Attempt to modify a readonly table script: d3217000963977d8854cc27f2fd4856dd534af95, on @user_script:1.\r\n"},
		{[]string{"eval", "return rawget(_G, 'leak') == nil", "0"}, ":1\r\n"},
		{[]string{"eval", "return loadstring('return 1 + 1')()", "0"}, ":2\r\n"},
		{[]string{"eval", "local ok = pcall(function() getmetatable('').__index.upper = function() return 'pwn' end end) return 1", "0"}, ":1\r\n"},
		{[]string{"eval", "return string.upper('a')", "0"}, "$1\r\nA\r\n"},
		{[]string{"eval", "return ('a'):upper()", "0"}, "$1\r\nA\r\n"},
		{[]string{"script", "flush"}, "+OK\r\n"},
		{[]string{"eval", "return redis.call('ping')", "0"}, "+PONG\r\n"},
	})
	// setmetatable: tables only, never a read-only one.
	requireExactReplies(t, c, []exactStep{
		{[]string{"eval", "setmetatable('', nil) return 1", "0"}, "-ERR user_script:1: bad argument #1 to 'setmetatable' (table expected, got string) script: 58c4074e5152d4b1174049eda1fd9e5f5adac2f0, on @user_script:1.\r\n"},
		{[]string{"eval", "return setmetatable(getmetatable(''), {})", "0"}, "-ERR Attempt to modify a readonly table script: d7e5c84b56e4550715da331904f35dd35d538a80, on @user_script:1.\r\n"},
		{[]string{"eval", "return setmetatable(cjson.null, {})", "0"}, "-ERR user_script:1: bad argument #1 to 'setmetatable' (table expected, got userdata) script: 87038bacaba91b4e151fcdbaf3e5e24279e9cf02, on @user_script:1.\r\n"},
		{[]string{"eval", "return setmetatable(1, {})", "0"}, "-ERR user_script:1: bad argument #1 to 'setmetatable' (table expected, got number) script: cde81fee4cf25bd0b7dc3685af446d862fd43845, on @user_script:1.\r\n"},
		{[]string{"eval", "return getmetatable(setmetatable({}, {__index = {a = 5}})).__index.a", "0"}, ":5\r\n"},
		{[]string{"eval", "return ('a'):upper()", "0"}, "$1\r\nA\r\n"},
	})
}

// TestScriptClients runs scripts the way applications do, through
// go-redis: Script.Run (EVALSHA, then EVAL once the script is missing), a
// lock released only by its owner, a rate limiter, SCRIPT LOAD with
// EVALSHA_RO, and replies as the client reads them.
func TestScriptClients(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	rdb := s.Client()
	require.NoError(t, rdb.FlushAll(ctx).Err())
	require.NoError(t, rdb.ScriptFlush(ctx).Err())

	incrBy := redis.NewScript(`return redis.call('INCRBY', KEYS[1], ARGV[1])`)
	require.Equal(t, []bool{false}, incrBy.Exists(ctx, rdb).Val())
	n, err := incrBy.Run(ctx, rdb, []string{"counter"}, 5).Int64()
	require.NoError(t, err)
	require.Equal(t, int64(5), n)
	require.Equal(t, []bool{true}, incrBy.Exists(ctx, rdb).Val(), "EVAL caches the script")
	n, err = incrBy.EvalSha(ctx, rdb, []string{"counter"}, 2).Int64()
	require.NoError(t, err)
	require.Equal(t, int64(7), n)

	unlock := redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`)
	require.True(t, rdb.SetNX(ctx, "lock", "me", time.Minute).Val())
	require.Equal(t, int64(0), unlock.Run(ctx, rdb, []string{"lock"}, "someone else").Val())
	require.Equal(t, int64(1), rdb.Exists(ctx, "lock").Val())
	require.Equal(t, int64(1), unlock.Run(ctx, rdb, []string{"lock"}, "me").Val())
	require.Equal(t, int64(0), rdb.Exists(ctx, "lock").Val())

	limiter := redis.NewScript(`local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`)
	for i := int64(1); i <= 3; i++ {
		require.Equal(t, i, limiter.Run(ctx, rdb, []string{"rate"}, 60000).Val())
	}
	pttl := rdb.PTTL(ctx, "rate").Val()
	require.True(t, pttl > 0 && pttl <= time.Minute, "PTTL %v", pttl)

	v, err := rdb.Eval(ctx, `return {1, 'two', {3, {}}, redis.status_reply('FINE')}`, nil).Result()
	require.NoError(t, err)
	require.Equal(t, []any{int64(1), "two", []any{int64(3), []any{}}, "FINE"}, v)
	_, err = rdb.Eval(ctx, `return nil`, nil).Result()
	require.ErrorIs(t, err, redis.Nil)
	requireScriptErr(t, rdb.Eval(ctx, `return redis.call('GET')`, nil).Err(),
		"ERR Wrong number of args calling Redis command from script")
	requireRedisErr(t, rdb.Eval(ctx, `return redis.error_reply('MYERR custom')`, nil).Err(), "MYERR custom")

	sha, err := rdb.ScriptLoad(ctx, `return redis.call('GET', KEYS[1])`).Result()
	require.NoError(t, err)
	got, err := rdb.EvalShaRO(ctx, sha, []string{"counter"}).Result()
	require.NoError(t, err)
	require.Equal(t, "7", got)
	require.NoError(t, rdb.ScriptFlush(ctx).Err())
	requireRedisErr(t, rdb.EvalSha(ctx, sha, []string{"counter"}).Err(), "NOSCRIPT No matching script. Please use EVAL.")
}

// TestScriptAtomic: a script runs as one: clients that read both keys a
// script changes together never see one changed without the other.
func TestScriptAtomic(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	rdb := s.Client()
	require.NoError(t, rdb.Del(ctx, "atomic:a", "atomic:b").Err())
	const writers, rounds = 2, 100
	// The loop between the two writes leaves a reader time to come in
	// between, were the script not atomic.
	bump := redis.NewScript(`redis.call('INCR', KEYS[1]) for i = 1, 20000 do end return redis.call('INCR', KEYS[2])`)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if err := bump.Run(ctx, rdb, []string{"atomic:a", "atomic:b"}).Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	reads := 0
	for done := false; !done; reads++ {
		select {
		case <-finished:
			done = true
		default:
		}
		vals, err := rdb.MGet(ctx, "atomic:a", "atomic:b").Result()
		require.NoError(t, err)
		require.Equal(t, vals[0], vals[1], "read %d saw one key changed without the other", reads)
	}
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, strconv.Itoa(writers*rounds), rdb.Get(ctx, "atomic:b").Val())
}

// TestScriptKill: a script that runs past busy-reply-threshold (alias
// lua-time-limit) makes other clients' commands BUSY; SCRIPT KILL stops
// it while it has not written, and its caller gets Redis's error.
func TestScriptKill(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	rdb := s.Client()
	require.NoError(t, rdb.ConfigSet(ctx, "lua-time-limit", "50").Err())
	require.Equal(t, map[string]string{"busy-reply-threshold": "50"}, rdb.ConfigGet(ctx, "busy-reply-threshold").Val())
	requireRedisErr(t, rdb.ScriptKill(ctx).Err(), "NOTBUSY No scripts in execution right now.")

	runner := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ReadTimeout: time.Minute})
	t.Cleanup(func() { _ = runner.Close() })
	done := make(chan error, 1)
	go func() { done <- runner.Eval(ctx, `local n = 0 while true do n = n + 1 end`, nil).Err() }()
	other := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ReadTimeout: time.Minute})
	t.Cleanup(func() { _ = other.Close() })
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		err := other.Ping(ctx).Err()
		if assert.Error(c, err) {
			assert.Equal(c, "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.", err.Error())
		}
	}, convergeTimeout, 10*time.Millisecond)
	// A pipeline of commands on keys is answered while the script runs
	// (the connection's prefetch of their keys never waits for the
	// script's lock), SCRIPT KILL in it included.
	pipe := other.Pipeline()
	getA, getB, kill := pipe.Get(ctx, "a"), pipe.Get(ctx, "b"), pipe.ScriptKill(ctx)
	_, _ = pipe.Exec(ctx)
	for _, err := range []error{getA.Err(), getB.Err()} {
		requireRedisErr(t, err, "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
	}
	require.NoError(t, kill.Err())
	select {
	case err := <-done:
		require.Error(t, err)
		require.Regexp(t, `^ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$`, err.Error())
	case <-time.After(convergeTimeout):
		t.Fatal("the killed script's caller got no reply")
	}
	require.NoError(t, other.Ping(ctx).Err())
	require.NoError(t, runner.Ping(ctx).Err())
}

// TestScriptUnkillable: a script that wrote cannot be killed (its writes
// would be half applied); a plain SHUTDOWN is BUSY, SHUTDOWN NOSAVE ends
// the server, and none of the script's writes reach the log.
func TestScriptUnkillable(t *testing.T) {
	t.Parallel()
	s := startNode(t, "--appendonly", "yes", "--appendfsync", "always")
	ctx := context.Background()
	require.NoError(t, s.rdb.Set(ctx, "before", "1", 0).Err())
	require.NoError(t, s.rdb.ConfigSet(ctx, "busy-reply-threshold", "50").Err())
	runner := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ReadTimeout: time.Minute})
	t.Cleanup(func() { _ = runner.Close() })
	done := make(chan error, 1)
	go func() {
		done <- runner.Eval(ctx, `redis.call('SET', KEYS[1], '100') while true do end`, []string{"written"}).Err()
	}()
	// A write sent meanwhile runs before the script, waits for it, or is
	// BUSY: none may log a value built on the script's write.
	incr := noRetry(t, s)
	go func() { _ = incr.IncrBy(ctx, "written", 1).Err() }()
	other := noRetry(t, s)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		err := other.Get(ctx, "written").Err()
		if assert.Error(c, err) {
			assert.Contains(c, err.Error(), "BUSY ")
		}
	}, convergeTimeout, 10*time.Millisecond)
	requireRedisErr(t, other.ScriptKill(ctx).Err(), "UNKILLABLE Sorry the script already executed write commands against the dataset. "+
		"You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
	requireRedisErr(t, other.Do(ctx, "SHUTDOWN").Err(), "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.")
	_ = other.Do(ctx, "SHUTDOWN", "NOSAVE").Err()
	require.Equal(t, 0, s.WaitExit(exitTimeout))
	select {
	case err := <-done:
		require.Error(t, err, "the script's caller gets its connection closed")
	case <-time.After(convergeTimeout):
		t.Fatal("the script's caller still waits after the server exited")
	}
	s.restart()
	require.Equal(t, "1", s.rdb.Get(ctx, "before").Val())
	got, err := s.rdb.Get(ctx, "written").Result()
	if err != redis.Nil {
		require.NoError(t, err)
		require.Equal(t, "1", got, "a value built on half of a script reached the log")
	}
}

// TestScriptSubscriber: a RESP3 client in subscriber mode runs scripts,
// whose commands are not a subscriber's. The slow log holds the script
// and, as in Redis, the commands it called, each timed on its own.
func TestScriptSubscriber(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	rdb := s.Client()
	c := dialRaw(t, s.Addr())
	c.send(respCommand([]string{"HELLO", "3"}))
	readReply(t, c)
	requireExactReplies(t, c, []exactStep{
		{[]string{"SUBSCRIBE", "ch"}, ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"},
		{[]string{"EVAL", "return redis.call('get', 'nokey')", "0"}, "_\r\n"},
		{[]string{"EVAL", "return redis.call('ping')", "0"}, "+PONG\r\n"},
		{[]string{"EVAL", "return redis.call('publish', 'other', 'm')", "0"}, ":0\r\n"},
	})

	require.NoError(t, rdb.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err())
	require.NoError(t, rdb.SlowLogReset(ctx).Err())
	require.Equal(t, "", rdb.Eval(ctx, `local x = 0 for i = 1, 3000000 do x = x + i end return redis.call('GET', 'nokey') or ''`, nil).Val())
	entries, err := rdb.SlowLogGet(ctx, -1).Result()
	require.NoError(t, err)
	var get, eval time.Duration
	for _, e := range entries {
		switch strings.ToLower(e.Args[0]) {
		case "get":
			get = e.Duration
		case "eval":
			eval = e.Duration
		}
	}
	require.NotZero(t, eval, "slow log %v", entries)
	require.Less(t, get, eval/10, "the script's GET is charged the loop before it: slow log %v", entries)
}

// TestScriptReplication: a script's writes reach the secondaries as one
// group (a reader of the secondary never sees half of a script), a
// script's PUBLISH reaches their subscribers, and on a secondary a
// script reads while its writes fail as writes fail there.
func TestScriptReplication(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	p, sec := startLinkedPair(t)
	ctx := context.Background()

	n, err := p.rdb.Eval(ctx, `for i = 1, 100 do redis.call('SET', 'k'..i, i) end
redis.call('HSET', 'h', 'f', 'v')
redis.call('DEL', 'k1')
return redis.call('DBSIZE')`, nil).Int64()
	require.NoError(t, err)
	require.Equal(t, int64(100), n)
	requireScriptErr(t, p.rdb.Eval(ctx, `redis.call('SET', 'before', '1') return redis.call('INCR', 'h')`, nil).Err(),
		"WRONGTYPE Operation against a key holding the wrong kind of value")
	requireConverged(t, p, sec)
	require.Equal(t, "1", sec.rdb.Get(ctx, "before").Val(), "a failing script keeps the writes before its error")

	require.Equal(t, "2", sec.rdb.Eval(ctx, `return redis.call('GET', 'k2')`, nil).Val())
	require.Equal(t, "v", sec.rdb.EvalRO(ctx, `return redis.call('HGET', KEYS[1], 'f')`, []string{"h"}).Val())
	info, err := sec.rdb.Eval(ctx, `return redis.call('INFO')`, nil).Text()
	require.NoError(t, err)
	require.Contains(t, info, "# Keyspace")
	require.NotContains(t, info, "# Replication", "a script holds the engine's lock: no section read under the node's")
	requireScriptErr(t, sec.rdb.Eval(ctx, `return redis.call('SET', 'x', '1')`, nil).Err(),
		"READONLY You can't write against a read only replica.")
	require.Equal(t, int64(0), sec.rdb.Exists(ctx, "x").Val())
	requireRedisErr(t, sec.rdb.Eval(ctx, "#!lua\nreturn 1", nil).Err(), "READONLY You can't write against a read only replica.")
	require.Equal(t, int64(1), sec.rdb.Eval(ctx, "#!lua flags=no-writes\nreturn 1", nil).Val())

	sub := sec.rdb.Subscribe(ctx, "news")
	t.Cleanup(func() { _ = sub.Close() })
	_, err = sub.Receive(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(0), p.rdb.Eval(ctx, `return redis.call('PUBLISH', 'news', 'from a script')`, nil).Val())
	select {
	case msg := <-sub.Channel():
		require.Equal(t, "from a script", msg.Payload)
	case <-time.After(convergeTimeout):
		t.Fatal("the script's PUBLISH did not reach the secondary's subscriber")
	}

	const rounds = 100
	// The loop between the two writes leaves a reader time to come in
	// between, were the script not atomic.
	bump := redis.NewScript(`redis.call('INCR', KEYS[1]) for i = 1, 20000 do end return redis.call('INCR', KEYS[2])`)
	finished := make(chan error, 1)
	go func() {
		for i := 0; i < rounds; i++ {
			if err := bump.Run(ctx, p.rdb, []string{"a", "b"}).Err(); err != nil {
				finished <- err
				return
			}
		}
		finished <- nil
	}()
	for done := false; !done; {
		select {
		case err := <-finished:
			require.NoError(t, err)
			done = true
		default:
		}
		vals, err := sec.rdb.MGet(ctx, "a", "b").Result()
		require.NoError(t, err)
		require.Equal(t, vals[0], vals[1], "the secondary applied half of a script")
	}
	requireConverged(t, p, sec)
	require.Equal(t, strconv.Itoa(rounds), sec.rdb.Get(ctx, "b").Val())

}

// requireScriptErr requires the error a script raised: want, then the
// script's SHA-1 and the line, as Redis words it.
func requireScriptErr(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err, "want error reply %q", want)
	require.Regexp(t, "^"+regexp.QuoteMeta(want)+` script: [0-9a-f]{40}, on @user_script:[0-9]+\.$`, err.Error())
}

// TestScriptLibraryCorners: the string library, tostring, tonumber and
// reply conversions where gopher-lua differs from the Lua 5.1 Redis runs,
// byte for byte as redis-server 7.0 answers (run with
// NADB_TEST_TARGET=redis-server to see it still does): bytes mapped in
// the C locale, start positions past either end, string.format as C's
// sprintf, numbers as "%.14g", NaN's sign, text cut at a NUL, bit.tobit's
// rounding trick, redis.setresp's and set_repl's arguments read as C reads
// them, and errors of library functions under pcall without a position.
func TestScriptLibraryCorners(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"EVAL", "return redis.call(\"config\",\"nosub\")", "0"}, "-ERR Unknown Redis command called from script script: 2dbee51459ed03d7026195e3bf7df6ab4f47d451, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return redis.pcall(\"client\",\"nosub\")", "0"}, "-ERR Unknown Redis command called from script\r\n"},
		{[]string{"EVAL", "return redis.call(\"config\")", "0"}, "-ERR Wrong number of args calling Redis command from script script: 9e55b782a343ab6165e99797ba9f91980cb2a316, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return redis.call(\"object\",\"nosub\",\"x\")", "0"}, "-ERR Unknown Redis command called from script script: ee58c92203466cd3c4e0a44ac9421c56b6716af4, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {pcall(cjson.decode,'[1,2')}", "0"}, "*2\r\n$-1\r\n$58\r\nExpected comma or array end but found T_END at character 5\r\n"},
		{[]string{"EVAL", "return {pcall(error,\"x\")}", "0"}, "*2\r\n$-1\r\n$1\r\nx\r\n"},
		{[]string{"EVAL", "return {pcall(error,\"x\",2)}", "0"}, "*2\r\n$-1\r\n$16\r\nuser_script:1: x\r\n"},
		{[]string{"EVAL", "return {pcall(function() error(\"x\") end)}", "0"}, "*2\r\n$-1\r\n$16\r\nuser_script:1: x\r\n"},
		{[]string{"EVAL", "return {pcall(redis.call,\"nosuch\")}", "0"}, "*2\r\n$-1\r\n$44\r\nERR Unknown Redis command called from script\r\n"},
		{[]string{"EVAL", "return {pcall(redis.call,\"incr\",\"k\",\"x\")}", "0"}, "*2\r\n$-1\r\n$58\r\nERR Wrong number of args calling Redis command from script\r\n"},
		{[]string{"EVAL", "return {pcall(struct.pack,\"z\")}", "0"}, "*2\r\n$-1\r\n$50\r\nbad argument #1 to '?' (invalid format option 'z')\r\n"},
		{[]string{"EVAL", "local ok, e = pcall(cjson.decode, \"{\") return e", "0"}, "$57\r\nExpected object key string but found T_END at character 2\r\n"},
		{[]string{"EVAL", "return {pcall(table.sort, {3,1,2}, function(a,b) error(\"cmp\") end)}", "0"}, "*2\r\n$-1\r\n$18\r\nuser_script:1: cmp\r\n"},
		{[]string{"EVAL", "return {pcall(string.format, \"%d\", \"x\")}", "0"}, "*2\r\n$-1\r\n$52\r\nbad argument #2 to '?' (number expected, got string)\r\n"},
		{[]string{"EVAL", "return {pcall(error, {err=\"E\"})}", "0"}, "*2\r\n$-1\r\n$1\r\nE\r\n"},
		{[]string{"EVAL", "return {pcall(redis.error_reply, \"x\")}", "0"}, "*2\r\n:1\r\n-ERR x\r\n"},
		{[]string{"EVAL", "redis.setresp(\"3\") return redis.call(\"hgetall\",\"nokey\")", "0"}, "*0\r\n"},
		{[]string{"EVAL", "redis.setresp(2.5) return 1", "0"}, ":1\r\n"},
		{[]string{"EVAL", "redis.setresp(\"x\") return 1", "0"}, "-ERR RESP version must be 2 or 3. script: 5821e7cbfe547e80db15768b084a1c8045136212, on @user_script:1.\r\n"},
		{[]string{"EVAL", "redis.setresp() return 1", "0"}, "-ERR redis.setresp() requires one argument. script: dcf9f8a6925a7bf2633c81f8871127db4e6d4ddb, on @user_script:1.\r\n"},
		{[]string{"EVAL", "redis.set_repl() return 1", "0"}, "-ERR redis.set_repl() requires two arguments. script: 37e7d9db39d8a821b324b63b8ae28e05fcfc5e6b, on @user_script:1.\r\n"},
		{[]string{"EVAL", "redis.set_repl(2.5) return 1", "0"}, ":1\r\n"},
		{[]string{"EVAL", "redis.set_repl(-1) return 1", "0"}, "-ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE. script: 097e5ff2faff0fee2f636b51d98e87e4175d4cf6, on @user_script:1.\r\n"},
		{[]string{"EVAL", "redis.set_repl(\"3\") return 1", "0"}, ":1\r\n"},
		{[]string{"EVAL", "redis.set_repl(4) return 1", "0"}, "-ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE. script: ded74d3ecf5f7a7255aed594bca9982e2823fc6d, on @user_script:1.\r\n"},
		// math.random draws from lrand48, which math.randomseed seeds.
		{[]string{"EVAL", "math.randomseed(1) return {math.random(100), math.random(100), math.random(5,10)}", "0"}, "*3\r\n:5\r\n:46\r\n:10\r\n"},
		{[]string{"EVAL", "math.randomseed(-7) return {math.random(100), tostring(math.random())}", "0"}, "*2\r\n:8\r\n$16\r\n0.81776873106964\r\n"},
		{[]string{"EVAL", "math.randomseed(4294967301) return {math.random(100), math.random(-5,-5)}", "0"}, "*2\r\n:53\r\n:-5\r\n"},
		{[]string{"EVAL", "return math.random(0)", "0"}, "-ERR user_script:1: bad argument #1 to 'random' (interval is empty) script: 008bcb60f86ee36d26c67b641b46674578d9cba0, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return math.random(1,2,3)", "0"}, "-ERR user_script:1: wrong number of arguments script: 5cd983b5db563301a1c7ab05351573640323e7a9, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return bit.tobit(1e16)", "0"}, ":937459712\r\n"},
		{[]string{"EVAL", "return bit.tobit(1e20)", "0"}, ":2025163840\r\n"},
		{[]string{"EVAL", "return bit.tobit(-1e16)", "0"}, ":-545128448\r\n"},
		{[]string{"EVAL", "return bit.tobit(2^51)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(2^51+1)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(2^52)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(2^53)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(2^63)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(-2^63)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(0.5)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(1.5)", "0"}, ":2\r\n"},
		{[]string{"EVAL", "return bit.tobit(2.5)", "0"}, ":2\r\n"},
		{[]string{"EVAL", "return bit.tobit(-0.5)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(-1.5)", "0"}, ":-2\r\n"},
		{[]string{"EVAL", "return bit.tobit(3.7)", "0"}, ":4\r\n"},
		{[]string{"EVAL", "return bit.tobit(-3.7)", "0"}, ":-4\r\n"},
		{[]string{"EVAL", "return bit.tobit(2^31)", "0"}, ":-2147483648\r\n"},
		{[]string{"EVAL", "return bit.tobit(2^32)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(2^32+5)", "0"}, ":5\r\n"},
		{[]string{"EVAL", "return bit.tobit(-2^31-1)", "0"}, ":2147483647\r\n"},
		{[]string{"EVAL", "return bit.tobit(1/0)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(0/0)", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return bit.tobit(\"12\")", "0"}, ":12\r\n"},
		{[]string{"EVAL", "return bit.tobit(\"0x10\")", "0"}, ":16\r\n"},
		{[]string{"EVAL", "return bit.tobit(123456789.5)", "0"}, ":123456790\r\n"},
		{[]string{"EVAL", "return bit.tobit(\"x\")", "0"}, "-ERR user_script:1: bad argument #1 to 'tobit' (number expected, got string) script: 116bb28ad22fd2b0123a8c859bdf33b92e123113, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return bit.tobit()", "0"}, "-ERR user_script:1: bad argument #1 to 'tobit' (number expected, got no value) script: 6058df6fbdf91c1b96015f209fb1a490233f2272, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return string.lower(\"CAF\\195\\137 \\255X\")", "0"}, "$8\r\ncaf\xc3\x89 \xffx\r\n"},
		{[]string{"EVAL", "return ARGV[1]:upper()", "0", "user\xe9"}, "$5\r\nUSER\xe9\r\n"},
		{[]string{"EVAL", "return string.find(\"abc\",\"x\",5,true)", "0"}, "$-1\r\n"},
		{[]string{"EVAL", "return {string.find(\"abc\",\"\",10)}", "0"}, "*2\r\n:4\r\n:3\r\n"},
		{[]string{"EVAL", "return {string.find(\"abc\",\"b\",-2)}", "0"}, "*2\r\n:2\r\n:2\r\n"},
		{[]string{"EVAL", "return {string.find(\"a.c\",\".\",1,true)}", "0"}, "*2\r\n:2\r\n:2\r\n"},
		{[]string{"EVAL", "return {string.find(\"abc\",\"(b)(c)\")}", "0"}, "*4\r\n:2\r\n:3\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{[]string{"EVAL", "return {string.match(\"a.b.c\",\"x*\",11)}", "0"}, "*1\r\n$0\r\n\r\n"},
		{[]string{"EVAL", "return select(\"#\", string.match(\"abc\",\"x\"))", "0"}, ":1\r\n"},
		{[]string{"EVAL", "return {string.byte(\"abc\",0,2)}", "0"}, "*2\r\n:97\r\n:98\r\n"},
		{[]string{"EVAL", "return {string.byte(\"abc\",-1)}", "0"}, "*1\r\n:99\r\n"},
		{[]string{"EVAL", "return {string.byte(\"abc\",2,10)}", "0"}, "*2\r\n:98\r\n:99\r\n"},
		{[]string{"EVAL", "return {string.gsub(\"a-b-c\",\"-\",\"+\",0)}", "0"}, "*2\r\n$5\r\na-b-c\r\n:0\r\n"},
		{[]string{"EVAL", "return {string.gsub(\"a-b-c\",\"-\",\"+\",1)}", "0"}, "*2\r\n$5\r\na+b-c\r\n:1\r\n"},
		{[]string{"EVAL", "return string.format(\"%d|%5.2f|%-4s|%x|%X|%o|%u\", 42, 3.14159, \"ab\", -1, 255, 8, -1)", "0"}, "$57\r\n42| 3.14|ab  |ffffffffffffffff|FF|10|18446744073709551615\r\n"},
		{[]string{"EVAL", "return string.format(\"%g %g %g %G %e %.3g %#x %#o\", 100000, 1e6, 1e-5, 1e-10, 12345.678, 2/3, 0, 0)", "0"}, "$47\r\n100000 1e+06 1e-05 1E-10 1.234568e+04 0.667 0 0\r\n"},
		{[]string{"EVAL", "return string.format(\"%f %e %g %5.1f|%-6g|\", 1/0, -1/0, 0/0, 1/0, 1/0)", "0"}, "$27\r\ninf -inf -nan   inf|inf   |\r\n"},
		{[]string{"EVAL", "return string.format(\"%c%c%c\", 72, 105, 321)", "0"}, "$3\r\nHiA\r\n"},
		{[]string{"EVAL", "return string.format(\"[%c]\", 0)", "0"}, "$2\r\n[]\r\n"},
		{[]string{"EVAL", "return string.format(\"%s %s %q\", 1/3, 10, \"a\\nb\\\"c\\0d\\r\")", "0"}, "$36\r\n0.33333333333333 10 \"a\\\nb\\\"c\\000d\\r\"\r\n"},
		{[]string{"EVAL", "return string.format(\"%d %s\", \"12\", 7)", "0"}, "$4\r\n12 7\r\n"},
		{[]string{"EVAL", "return string.format(\"%.2s|%5s|%s\", \"abcdef\", \"x\", \"a\\0b\")", "0"}, "$10\r\nab|    x|a\r\n"},
		{[]string{"EVAL", "return string.format(\"%d\",\"x\")", "0"}, "-ERR user_script:1: bad argument #2 to 'format' (number expected, got string) script: e2ce001153e4947db783b8ec72d79e9880e7f0a9, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return string.format(\"%s\",nil)", "0"}, "-ERR user_script:1: bad argument #2 to 'format' (string expected, got nil) script: e057339bde363e54aea89694405102740965685b, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return string.format(\"%s %s\",1)", "0"}, "-ERR user_script:1: bad argument #3 to 'format' (no value) script: a638a609da2032ec68b79496707ed183fced7496, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return string.format(\"%z\",1)", "0"}, "-ERR user_script:1: invalid option '%z' to 'format' script: ee1a08d7b41f70b91c441b0424e5a8e97da00e19, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return string.format(\"%100d\",1)", "0"}, "-ERR user_script:1: invalid format (width or precision too long) script: 9abed26f50947ff629b7f74825199d1dc74a59c8, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return string.format(\"%-+ #0-d\",1)", "0"}, "-ERR user_script:1: invalid format (repeated flags) script: d6ee4cd8a967f06eb956687ee95810b4e58bde77, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return string.format()", "0"}, "-ERR user_script:1: bad argument #1 to 'format' (string expected, got no value) script: ddb6e5ff8bc518fef03b57c74ce0c5114dc72779, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {tostring(1/3), tostring(1e15), tostring(0/0), tostring(-1/0), tostring(2^53), tostring(0.1), tostring(12)}", "0"}, "*7\r\n$16\r\n0.33333333333333\r\n$5\r\n1e+15\r\n$4\r\n-nan\r\n$4\r\n-inf\r\n$18\r\n9.007199254741e+15\r\n$3\r\n0.1\r\n$2\r\n12\r\n"},
		{[]string{"EVAL", "return tostring(-0)", "0"}, "$2\r\n-0\r\n"},
		{[]string{"EVAL", "return {double=0/0}", "0"}, "$4\r\n-nan\r\n"},
		{[]string{"EVAL", "redis.call(\"set\",\"nan\",0/0) return redis.call(\"get\",\"nan\")", "0"}, "$4\r\n-nan\r\n"},
		{[]string{"EVAL", "return {tonumber(\"nan\"), tonumber(\" -NaN \"), tonumber(\"nan(1)\")}", "0"}, "*3\r\n:-9223372036854775808\r\n:-9223372036854775808\r\n:-9223372036854775808\r\n"},
		{[]string{"EVAL", "return bit.tohex(0x12345678,-2147483648)", "0"}, "$8\r\n12345678\r\n"},
		{[]string{"EVAL", "return {ok=\"a\\0b\"}", "0"}, "+a\r\n"},
		{[]string{"EVAL", "return {err=\"a\\0b\"}", "0"}, "-a\r\n"},
		{[]string{"EVAL", "return redis.error_reply(\"\\0x\")", "0"}, "-ERR \r\n"},
		{[]string{"EVAL", "return {ok=\"a\\r\\nb\\r\\n\"}", "0"}, "+a  b  \r\n"},
		{[]string{"EVAL", "return {err=\"x\\255\\r\\ny\"}", "0"}, "-x\xff  y\r\n"},
		{[]string{"EVAL", "error(\"x\\r\\ny\\0z\")", "0"}, "-ERR user_script:1: x  y script: 6b8404967352b70a83f0d9c55fa0080fe6a71d86, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {big_number=\"1\\r\\n2\"}", "0"}, "$4\r\n1  2\r\n"},
	})
}

// TestScriptJSONDecode: cjson.decode reads what Lua CJSON reads, as
// redis-server 7.0 does, byte for byte (run with
// NADB_TEST_TARGET=redis-server to see it still does): string bytes kept
// as they are, strtod's numbers, the nesting limit, and errors that name
// what was expected and where.
func TestScriptJSONDecode(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	const decode = `local v = cjson.decode(ARGV[1]) if type(v) == "table" then return cjson.encode(v) end return {type(v), tostring(v)}`
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"EVAL", decode, "0", "\"\xc3(\xff\""}, "*2\r\n$6\r\nstring\r\n$3\r\n\xc3(\xff\r\n"},
		{[]string{"EVAL", decode, "0", "\"\t\""}, "*2\r\n$6\r\nstring\r\n$1\r\n\t\r\n"},
		{[]string{"EVAL", decode, "0", "01"}, "*2\r\n$6\r\nnumber\r\n$1\r\n1\r\n"},
		{[]string{"EVAL", decode, "0", "1."}, "*2\r\n$6\r\nnumber\r\n$1\r\n1\r\n"},
		{[]string{"EVAL", decode, "0", "0x10"}, "*2\r\n$6\r\nnumber\r\n$2\r\n16\r\n"},
		{[]string{"EVAL", decode, "0", "NaN"}, "*2\r\n$6\r\nnumber\r\n$3\r\nnan\r\n"},
		{[]string{"EVAL", decode, "0", "Infinity"}, "*2\r\n$6\r\nnumber\r\n$3\r\ninf\r\n"},
		{[]string{"EVAL", decode, "0", "-0"}, "*2\r\n$6\r\nnumber\r\n$2\r\n-0\r\n"},
		{[]string{"EVAL", decode, "0", "[1,2"}, "-ERR user_script:1: Expected comma or array end but found T_END at character 5 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "\"\""}, "*2\r\n$6\r\nstring\r\n$0\r\n\r\n"},
		{[]string{"EVAL", decode, "0", ""}, "-ERR user_script:1: Expected value but found T_END at character 1 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "[1,2,]"}, "-ERR user_script:1: Expected value but found T_ARR_END at character 6 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "{\"a\":1,}"}, "-ERR user_script:1: Expected object key string but found T_OBJ_END at character 8 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "{\"a\" 1}"}, "-ERR user_script:1: Expected colon but found T_NUMBER at character 6 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "[1 2]"}, "-ERR user_script:1: Expected comma or array end but found T_NUMBER at character 4 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "{\"a\":null}"}, "$10\r\n{\"a\":null}\r\n"},
		{[]string{"EVAL", decode, "0", "\"\\ud800\""}, "-ERR user_script:1: Expected value but found invalid unicode escape code at character 2 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "\"\\ud800\\udc00\""}, "*2\r\n$6\r\nstring\r\n$4\r\n\xf0\x90\x80\x80\r\n"},
		{[]string{"EVAL", decode, "0", "\"\\u00e9\""}, "*2\r\n$6\r\nstring\r\n$2\r\n\xc3\xa9\r\n"},
		{[]string{"EVAL", decode, "0", "\"\\u0000x\""}, "*2\r\n$6\r\nstring\r\n$2\r\n\x00x\r\n"},
		{[]string{"EVAL", decode, "0", "\"\\x\""}, "-ERR user_script:1: Expected value but found invalid escape code at character 2 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "\"abc"}, "-ERR user_script:1: Expected value but found unexpected end of string at character 5 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "[1]\x00garbage"}, "$3\r\n[1]\r\n"},
		{[]string{"EVAL", decode, "0", "-"}, "-ERR user_script:1: Expected value but found invalid number at character 1 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "1 2"}, "-ERR user_script:1: Expected the end but found T_NUMBER at character 3 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "[[[[["}, "-ERR user_script:1: Expected value but found T_END at character 6 script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "{\"a\":1,\"a\":2}"}, "$7\r\n{\"a\":2}\r\n"},
		{[]string{"EVAL", decode, "0", "[1e400]"}, "-ERR user_script:1: Cannot serialise number: must not be NaN or Inf script: 3b98cee6985b9c06697c55c48b835527e4cd0119, on @user_script:1.\r\n"},
		{[]string{"EVAL", decode, "0", "0.1"}, "*2\r\n$6\r\nnumber\r\n$3\r\n0.1\r\n"},
		{[]string{"EVAL", decode, "0", "{}"}, "$2\r\n{}\r\n"},
		{[]string{"EVAL", "return cjson.decode(string.rep('[',1001)..string.rep(']',1001))", "0"}, "-ERR user_script:1: Found too many nested data structures (1001) at character 1001 script: 0452f07bcb9cdaa76a2b8ce0e1d0aad04c80908d, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return #cjson.decode(string.rep('[',1000)..string.rep(']',1000))", "0"}, ":1\r\n"},
		{[]string{"EVAL", "return cjson.decode(5)", "0"}, ":5\r\n"},
		{[]string{"EVAL", "return cjson.decode()", "0"}, "-ERR user_script:1: bad argument #1 to 'decode' (expected 1 argument) script: 5378278d59343caf5c3375a655dfea5e69ab8a74, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.decode('1','2')", "0"}, "-ERR user_script:1: bad argument #1 to 'decode' (expected 1 argument) script: ea77a2c79708aa847c05d68e6a33b8aa514a74f1, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.decode({})", "0"}, "-ERR user_script:1: bad argument #1 to 'decode' (string expected, got table) script: 10c706d54b3ae7d2bcc169d647405abd961145fa, on @user_script:1.\r\n"},
	})
}

// TestScriptStruct: the struct library (pack, unpack, size) as Redis's
// lua-struct answers, byte for byte (run with
// NADB_TEST_TARGET=redis-server to see it still does): endianness,
// alignment, integers of 1 to 32 bytes, floats, strings, and its errors.
func TestScriptStruct(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"EVAL", "local s = struct.pack(\">I\",1) return {struct.unpack(string.gsub(({\">I\",1})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n:1\r\n:5\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"<i4\",-2) return {struct.unpack(string.gsub(({\"<i4\",-2})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n:-2\r\n:5\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\">h\",-1) return {struct.unpack(string.gsub(({\">h\",-1})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n:-1\r\n:3\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"<H\",65535) return {struct.unpack(string.gsub(({\"<H\",65535})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n:65535\r\n:3\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"b\",-1) return {struct.unpack(string.gsub(({\"b\",-1})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n:-1\r\n:2\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\">l\",-1) return {struct.unpack(string.gsub(({\">l\",-1})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n:-1\r\n:9\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"i2\",70000) return {struct.unpack(string.gsub(({\"i2\",70000})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n:4464\r\n:3\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"I3\",-1) return {struct.unpack(string.gsub(({\"I3\",-1})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n:16777215\r\n:4\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\">i16\",-5) return {struct.unpack(string.gsub(({\">i16\",-5})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n:-5\r\n:17\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"<I9\",1) return {struct.unpack(string.gsub(({\"<I9\",1})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n:1\r\n:10\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"s\",\"ab\") return {struct.unpack(string.gsub(({\"s\",\"ab\"})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n$2\r\nab\r\n:4\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"c3\",\"abcdef\") return {struct.unpack(string.gsub(({\"c3\",\"abcdef\"})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n$3\r\nabc\r\n:4\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"c0\",\"xyz\") return {struct.unpack(string.gsub(({\"c0\",\"xyz\"})[1], \"c0\", \"c3\"), s)}", "0"}, "*2\r\n$3\r\nxyz\r\n:4\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"!8 b d\",1,2.5) return {struct.unpack(string.gsub(({\"!8 b d\",1,2.5})[1], \"c0\", \"c3\"), s)}", "0"}, "*3\r\n:1\r\n:2\r\n:17\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"! b d\",1,2.5) return {struct.unpack(string.gsub(({\"! b d\",1,2.5})[1], \"c0\", \"c3\"), s)}", "0"}, "*3\r\n:1\r\n:2\r\n:17\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"z\",1) return {struct.unpack(string.gsub(({\"z\",1})[1], \"c0\", \"c3\"), s)}", "0"}, "-ERR user_script:1: bad argument #1 to 'pack' (invalid format option 'z') script: 6e69f40d0438e8727835c29c3a138f2a99dc7614, on @user_script:1.\r\n"},
		{[]string{"EVAL", "local s = struct.pack(\"\",1) return {struct.unpack(string.gsub(({\"\",1})[1], \"c0\", \"c3\"), s)}", "0"}, "*1\r\n:1\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"b\",\"\\200\")}", "0"}, "*2\r\n:-56\r\n:2\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"B\",\"\\200\")}", "0"}, "*2\r\n:200\r\n:2\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"bc0\",\"\\3abc\")}", "0"}, "*2\r\n$3\r\nabc\r\n:5\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"c0\",\"abc\")}", "0"}, "-ERR user_script:1: format 'c0' needs a previous size script: 05edf9045736df44b145f0f646c370a106457e30, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"Bc0\",\"\\5ab\")}", "0"}, "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 83eb6eb07653a133b84ea70ea53336c214e25b64, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"s\",\"ab\\0cd\")}", "0"}, "*2\r\n$2\r\nab\r\n:4\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"s\",\"ab\")}", "0"}, "-ERR user_script:1: unfinished string in data script: a05601f6c6c62aa2500876925595e4b26097f2b1, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"I\",\"ab\")}", "0"}, "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 06351249aa185c581ddf18e011e77e945189e1f4, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"I\",\"abcd\",2)}", "0"}, "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 58236cd96ce64d85deaafd617b1057ac4ac3e517, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"I\",\"abcdef\",2)}", "0"}, "*2\r\n:1701077858\r\n:6\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"I\",\"abcd\",0)}", "0"}, "-ERR user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater) script: 8855c996d68cc72d9a24fd9ba5e83fd5e81013c7, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"I\",\"abcd\",-1)}", "0"}, "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: d2c709d8c10439f165df29df6fb7e92609e710d8, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"i16\",\"\\255\\255\\255\\255\\255\\255\\255\\255\\255\\255\\255\\255\\255\\255\\255\\255\")}", "0"}, "*2\r\n:-1\r\n:17\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"I9\",\"\\1\\1\\1\\1\\1\\1\\1\\1\\1\")}", "0"}, "*2\r\n:72340172838076672\r\n:10\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\">I9\",\"\\1\\1\\1\\1\\1\\1\\1\\1\\1\")}", "0"}, "*2\r\n:72340172838076672\r\n:10\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"!4 b i\",\"\\1\\0\\0\\0\\2\\0\\0\\0\")}", "0"}, "*3\r\n:1\r\n:2\r\n:9\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"x b\",\"\\1\\2\")}", "0"}, "*2\r\n:2\r\n:3\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"d\",\"\\0\\0\\0\\0\\0\\0\\240\\63\")}", "0"}, "*2\r\n:1\r\n:9\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"f\",\"\\0\\0\\192\\63\")}", "0"}, "*2\r\n:1\r\n:5\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"\",\"abc\")}", "0"}, "*1\r\n:1\r\n"},
		{[]string{"EVAL", "return {struct.unpack(\"hh\",\"\\1\\0\")}", "0"}, "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short) script: 0fa4bae80725da3c12796d6ba4b044c51b21e12c, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return struct.size(\"I\")", "0"}, ":4\r\n"},
		{[]string{"EVAL", "return struct.size(\"i8\")", "0"}, ":8\r\n"},
		{[]string{"EVAL", "return struct.size(\"!4 b i\")", "0"}, ":8\r\n"},
		{[]string{"EVAL", "return struct.size(\"bhlifd\")", "0"}, ":27\r\n"},
		{[]string{"EVAL", "return struct.size(\"c10\")", "0"}, ":10\r\n"},
		{[]string{"EVAL", "return struct.size(\"s\")", "0"}, "-ERR user_script:1: bad argument #1 to 'size' (option 's' has no fixed size) script: 0bd68a9d1207d846fb74767b7aeafd360dbf42ba, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return struct.size(\"c0\")", "0"}, "-ERR user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size) script: 32175125a96d7f6adf77bf292b0ada98c6af02b7, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return struct.size(\"x\")", "0"}, ":1\r\n"},
		{[]string{"EVAL", "return struct.size(\"!8 b d\")", "0"}, ":16\r\n"},
		{[]string{"EVAL", "return struct.size(\"i40\")", "0"}, "-ERR user_script:1: integral size 40 is larger than limit of 32 script: c543a1cd8e85858087709b991109102d4333d0ef, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return struct.size(\"z\")", "0"}, ":0\r\n"},
		{[]string{"EVAL", "return struct.size(\">I h\")", "0"}, ":6\r\n"},
		{[]string{"EVAL", "return type(struct)", "0"}, "$5\r\ntable\r\n"},
		{[]string{"EVAL", "struct.pack = nil", "0"}, "-ERR user_script:1: Attempt to modify a readonly table script: 9bdaa291383c17ba0baeb5a45005e3962367fc01, on @user_script:1.\r\n"},
	})
}

// TestScriptJSONSettings: cjson's settings (encode_number_precision,
// encode_sparse_array, encode_invalid_numbers, the nesting limits,
// decode_invalid_numbers...) take effect for the scripts that follow,
// until SCRIPT FLUSH, as in redis-server 7.0, byte for byte (run with
// NADB_TEST_TARGET=redis-server to see it still does).
func TestScriptJSONSettings(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"EVAL", "return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision(), cjson.encode_keep_buffer(), cjson.encode_invalid_numbers(), cjson.decode_invalid_numbers()}", "0"}, "*6\r\n:1000\r\n:1000\r\n:14\r\n:1\r\n$-1\r\n:1\r\n"},
		{[]string{"EVAL", "return {cjson.encode_sparse_array()}", "0"}, "*3\r\n$-1\r\n:2\r\n:10\r\n"},
		{[]string{"EVAL", "cjson.encode_number_precision(3) return cjson.encode(3.14159)", "0"}, "$4\r\n3.14\r\n"},
		{[]string{"EVAL", "return cjson.encode({3.14159, 1e20, 12345})", "0"}, "$21\r\n[3.14,1e+20,1.23e+04]\r\n"},
		{[]string{"EVAL", "return cjson.encode({[1.23456]=1})", "0"}, "$10\r\n{\"1.23\":1}\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"EVAL", "return cjson.encode(3.14159)", "0"}, "$7\r\n3.14159\r\n"},
		{[]string{"EVAL", "cjson.encode_sparse_array(true) return cjson.encode({[1]=1,[20]=2})", "0"}, "$14\r\n{\"1\":1,\"20\":2}\r\n"},
		{[]string{"EVAL", "return {cjson.encode_sparse_array()}", "0"}, "*3\r\n:1\r\n:2\r\n:10\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"EVAL", "return {cjson.encode_sparse_array(nil, 0)}", "0"}, "*3\r\n$-1\r\n:0\r\n:10\r\n"},
		{[]string{"EVAL", "return cjson.encode({[1]=1,[200]=2})", "0"}, "$995\r\n[1,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,2]\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"EVAL", "return {cjson.encode_sparse_array(false, 1, 1)}", "0"}, "*3\r\n$-1\r\n:1\r\n:1\r\n"},
		{[]string{"EVAL", "return cjson.encode({[1]=1,[3]=2})", "0"}, "-ERR user_script:1: Cannot serialise table: excessively sparse array script: 2fa83b1573dd2865cf7ce6fec08aeb7ec1c02e20, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.encode({[1]=1,[2]=2})", "0"}, "$5\r\n[1,2]\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"EVAL", "cjson.encode_invalid_numbers(true) return cjson.encode({1/0, -1/0, 0/0})", "0"}, "$14\r\n[inf,-inf,nan]\r\n"},
		{[]string{"EVAL", "cjson.encode_invalid_numbers(\"null\") return cjson.encode({1/0, 0/0})", "0"}, "$11\r\n[null,null]\r\n"},
		{[]string{"EVAL", "return cjson.encode_invalid_numbers(\"off\")", "0"}, "$-1\r\n"},
		{[]string{"EVAL", "return cjson.encode_invalid_numbers(\"x\")", "0"}, "-ERR user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option 'x') script: b17352bb48f87b8608a5bf32a8137db8e2463cea, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.encode_invalid_numbers(1)", "0"}, "-ERR user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option '1') script: a49bb218d176fa461214a310140295bc7429b9a9, on @user_script:1.\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"EVAL", "cjson.encode_max_depth(2) return cjson.encode({{{1}}})", "0"}, "-ERR user_script:1: Cannot serialise, excessive nesting (3) script: 621d0de3c36ee98e206ccb1ef88d7ce96244bc55, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.encode({{1}})", "0"}, "$5\r\n[[1]]\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"EVAL", "cjson.decode_max_depth(2) return cjson.decode(\"[[[1]]]\")", "0"}, "-ERR user_script:1: Found too many nested data structures (3) at character 3 script: 91a0385c4bbeeec7f979ad64cdaf18610d0b7bcc, on @user_script:1.\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"EVAL", "cjson.decode_invalid_numbers(false) return cjson.decode(\"0x10\")", "0"}, "-ERR user_script:1: Expected value but found invalid number at character 1 script: 28e3c65d7308963938e22c27edd3b19d441f0dd7, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.decode(\"NaN\")", "0"}, "-ERR user_script:1: Expected value but found invalid token at character 1 script: 3a6a28cbb3d91cb7e84580ab311e8965707cf761, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.decode(\"01\")", "0"}, "-ERR user_script:1: Expected value but found invalid number at character 1 script: c68ada4ad864d1f51d6aa0d18501ff15e3557a0e, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.decode(\"+1\")", "0"}, "-ERR user_script:1: Expected value but found invalid token at character 1 script: 36c952d94183d4fc3919a224d054f2a1bd69d5dd, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.decode(\"-1\")", "0"}, ":-1\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"EVAL", "return cjson.encode_number_precision(20)", "0"}, "-ERR user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14) script: ea15ad7558efbc5f98ee9d0fa4e7d058acf4061d, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.encode_number_precision(0)", "0"}, "-ERR user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14) script: 208a2ca1783398233de006ab8a11e48151d6a3ec, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.encode_number_precision(\"5\")", "0"}, ":5\r\n"},
		{[]string{"EVAL", "return cjson.encode_number_precision(\"x\")", "0"}, "-ERR user_script:1: bad argument #1 to 'encode_number_precision' (number expected, got string) script: 39f5184edfc21c7b7eb7106b7adabfb539eafa15, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.encode_max_depth(1, 2)", "0"}, "-ERR user_script:1: bad argument #2 to 'encode_max_depth' (found too many arguments) script: ebf9f090ab5ddd4b21a6e44e9f074da030afcaf9, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {cjson.encode_sparse_array(1,2,3,4)}", "0"}, "-ERR user_script:1: bad argument #4 to 'encode_sparse_array' (found too many arguments) script: 81d6805084fcb2d72d745f5e2754c30e139f70a6, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return {cjson.encode_sparse_array(\"on\", -1)}", "0"}, "-ERR user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647) script: 25a91714ee68630b56849a216af3347369abb936, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.encode_keep_buffer(\"maybe\")", "0"}, "-ERR user_script:1: bad argument #1 to 'encode_keep_buffer' (invalid option 'maybe') script: 0db1e1a07b6ae2d7efcd87fc6a27372f8758c933, on @user_script:1.\r\n"},
		{[]string{"EVAL", "return cjson.encode_keep_buffer(false)", "0"}, "$-1\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"EVAL", "return {cjson._NAME, cjson._VERSION}", "0"}, "*2\r\n$5\r\ncjson\r\n$5\r\n2.1.0\r\n"},
		{[]string{"EVAL", "return type(cjson.decode_array_with_array_mt)", "0"}, "$3\r\nnil\r\n"},
	})
}

// TestScriptLimitsAndFormats: cjson stops at Lua CJSON's own depth
// limits whatever its settings say (a deeper value crashed the server),
// string.format writes integers as C's printf does (flags, widths, the 0x
// prefix), string.gsub takes a number as replacement and string.rep a
// count beyond C's int, byte for byte as redis-server 7.0 (run with
// NADB_TEST_TARGET=redis-server to see it still does).
func TestScriptLimitsAndFormats(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"EVAL", "cjson.decode_max_depth(2^31-1); return {pcall(cjson.decode, string.rep(\"[\", 20000))}", "0"}, "*2\r\n$-1\r\n$62\r\nFound too many nested data structures (7999) at character 7999\r\n"},
		{[]string{"EVAL", "cjson.encode_max_depth(2^31-1); local t={} for i=1,10000 do t={t} end return {pcall(cjson.encode, t)}", "0"}, "*2\r\n$-1\r\n$42\r\nCannot serialise, excessive nesting (7998)\r\n"},
		{[]string{"SCRIPT", "FLUSH"}, "+OK\r\n"},
		{[]string{"EVAL", "return string.format(\"[%+x|% u|%#06x|%#010x|%+.0d|% .0i|%#.0o|%#x|%-+5d|%05d|%5.3d|%-#8X]\", 255, 255, 255, 1, 0, 0, 0, 0, 7, -42, 7, 255)", "0"}, "$61\r\n[ff|255|0x00ff|0x00000001|+| |0|0|+7   |-0042|  007|0XFF    ]\r\n"},
		{[]string{"EVAL", "return string.format(\"[%o|%#o|%.0x|%08.3x|% d|%+u|%x]\", 8, 8, 0, 255, 5, -1, -1)", "0"}, "$59\r\n[10|010||     0ff| 5|18446744073709551615|ffffffffffffffff]\r\n"},
		{[]string{"EVAL", "return {string.gsub(\"abc\",\"b\",5)}", "0"}, "*2\r\n$3\r\na5c\r\n:1\r\n"},
		{[]string{"EVAL", "return {string.gsub(\"abc\",\"b\",5,0)}", "0"}, "*2\r\n$3\r\nabc\r\n:0\r\n"},
		{[]string{"EVAL", "return {string.gsub(\"abc\",\"b\",1/3)}", "0"}, "*2\r\n$18\r\na0.33333333333333c\r\n:1\r\n"},
		{[]string{"EVAL", "return string.rep(\"x\", 2^31)", "0"}, "$0\r\n\r\n"},
		{[]string{"EVAL", "return string.rep(12, 3)", "0"}, "$6\r\n121212\r\n"},
	})
}
