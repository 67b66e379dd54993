package script

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// echoHost answers every command with the reply the test set for its
// name, and records the arguments it was called with.
type echoHost struct {
	replies map[string]string
	calls   [][]string
	logged  []string
}

func (h *echoHost) Call(args [][]byte, resp3 bool) []byte {
	call := make([]string, len(args))
	for i, a := range args {
		call[i] = string(a)
	}
	h.calls = append(h.calls, call)
	if r, ok := h.replies[strings.ToLower(call[0])]; ok {
		if !resp3 && r == "_\r\n" {
			r = "$-1\r\n" // RESP2's null
		}
		return []byte(r)
	}
	return []byte("-ERR Unknown Redis command called from script\r\n")
}

func (h *echoHost) Log(level int, msg string) { h.logged = append(h.logged, msg) }

func (h *echoHost) Known(args [][]byte) (bool, string) {
	_, ok := h.replies[strings.ToLower(string(args[0]))]
	return ok, "ERR Invalid command passed to redis.acl_check_cmd()"
}

func run(t *testing.T, rn *Runner, h *echoHost, body string, resp3 bool, keys ...string) (string, string) {
	t.Helper()
	var c Cache
	sc, err := c.Load([]byte(body))
	require.NoError(t, err)
	var k [][]byte
	for _, key := range keys {
		k = append(k, []byte(key))
	}
	reply, errText := rn.Run(&Run{Script: sc, Keys: k, Host: h, RESP3: resp3})
	return string(reply), errText
}

// TestConversions: every reply kind a command can give, as a script sees
// it and hands it back.
func TestConversions(t *testing.T) {
	var rn Runner
	h := &echoHost{replies: map[string]string{
		"int":    ":42\r\n",
		"bulk":   "$3\r\nabc\r\n",
		"nil":    "$-1\r\n",
		"arr":    "*3\r\n:1\r\n$1\r\nx\r\n*1\r\n+OK\r\n",
		"status": "+PONG\r\n",
		"map":    "%1\r\n$1\r\nk\r\n,2.5\r\n",
		"set":    "~1\r\n$1\r\nm\r\n",
		"null":   "_\r\n",
		"bool":   "#t\r\n",
		"big":    "(12345678901234567890\r\n",
		"verb":   "=7\r\ntxt:abc\r\n",
		"fail":   "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
	}}
	for _, tc := range []struct{ body, want string }{
		{"return redis.call('int') + 1", ":43\r\n"},
		{"return redis.call('bulk')", "$3\r\nabc\r\n"},
		{"return redis.call('nil') == false", ":1\r\n"},
		{"return redis.call('arr')", "*3\r\n:1\r\n$1\r\nx\r\n*1\r\n+OK\r\n"},
		{"return redis.call('status').ok", "$4\r\nPONG\r\n"},
		{"redis.setresp(3) return redis.call('map').map.k.double", ":2\r\n"},
		{"redis.setresp(3) return redis.call('map')", "*2\r\n$1\r\nk\r\n$3\r\n2.5\r\n"},
		{"redis.setresp(3) return redis.call('set').set.m", ":1\r\n"},
		{"redis.setresp(3) return redis.call('null') == nil", ":1\r\n"},
		{"redis.setresp(3) return redis.call('bool')", ":1\r\n"},
		{"redis.setresp(3) return redis.call('big').big_number", "$20\r\n12345678901234567890\r\n"},
		{"redis.setresp(3) return redis.call('verb').verbatim_string.string", "$3\r\nabc\r\n"},
		{"return redis.pcall('fail').err", "$65\r\nWRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{"return {1, 2, nil, 4}", "*2\r\n:1\r\n:2\r\n"},
		{"return 3.99", ":3\r\n"},
		{"return -3.99", ":-3\r\n"},
		{"return 0/0", ":-9223372036854775808\r\n"},
		{"return true", ":1\r\n"},
		{"return false", "$-1\r\n"},
		{"return nil", "$-1\r\n"},
		{"return {double = 0.1}", "$19\r\n0.10000000000000001\r\n"},
		{"return {map = {a = 1}}", "*2\r\n$1\r\na\r\n:1\r\n"},
		{"return {set = {a = true}}", "*1\r\n$1\r\na\r\n"},
		{"local t = {} t[1] = t return t", strings.Repeat("*1\r\n", maxDepth) + "-ERR reached lua stack limit\r\n"},
	} {
		got, errText := run(t, &rn, h, tc.body, false)
		require.Empty(t, errText, tc.body)
		require.Equal(t, tc.want, got, tc.body)
	}
	got, _ := run(t, &rn, h, "return {map = {a = true}, 1}", true)
	require.Equal(t, "%1\r\n$1\r\na\r\n:1\r\n", got, "a RESP3 client gets a map; true is 1 while the script speaks RESP2")
	got, _ = run(t, &rn, h, "redis.setresp(3) return {true, false}", true)
	require.Equal(t, "*2\r\n#t\r\n#f\r\n", got)
	got, _ = run(t, &rn, h, "redis.setresp(3) return {true, false}", false)
	require.Equal(t, "*2\r\n:1\r\n:0\r\n", got)
}

// TestRaisedErrors: the text of an error raised out of a script, with
// the line it was raised at.
func TestRaisedErrors(t *testing.T) {
	var rn Runner
	h := &echoHost{replies: map[string]string{"fail": "-WRONGTYPE Operation against a key\r\n"}}
	for _, tc := range []struct{ body, want string }{
		{"local a = 1\n\nreturn redis.call('fail')", "WRONGTYPE Operation against a key script: %s, on @user_script:3."},
		{"error('boom')", "ERR user_script:1: boom script: %s, on @user_script:1."},
		{"error({err = 'CODE text'})", "CODE text script: %s, on @user_script:1."},
		{"return undefined_name", "ERR user_script:1: Script attempted to access nonexistent global variable 'undefined_name' script: %s, on @user_script:1."},
		{"x = 1", "ERR user_script:1: Attempt to modify a readonly table script: %s, on @user_script:1."},
		{"redis.call = nil", "ERR user_script:1: Attempt to modify a readonly table script: %s, on @user_script:1."},
		{"return redis.call(true)", "ERR Lua redis lib command arguments must be strings or integers script: %s, on @user_script:1."},
		{"return redis.call()", "ERR Please specify at least one argument for this redis lib call script: %s, on @user_script:1."},
		{"error('a\\nb')", "ERR user_script:1: a b script: %s, on @user_script:1."},
	} {
		got, errText := run(t, &rn, h, tc.body, false)
		require.Empty(t, got, tc.body)
		require.Equal(t, strings.ReplaceAll(tc.want, "%s", SHA1Hex([]byte(tc.body))), errText, tc.body)
	}
}

// TestStateReuse: what one script does to its interpreter is gone for
// the next: KEYS, the resp version, globals.
func TestStateReuse(t *testing.T) {
	var rn Runner
	h := &echoHost{replies: map[string]string{"null": "_\r\n"}}
	got, _ := run(t, &rn, h, "redis.setresp(3) return #KEYS", false, "a", "b")
	require.Equal(t, ":2\r\n", got)
	got, _ = run(t, &rn, h, "return #KEYS", false)
	require.Equal(t, ":0\r\n", got)
	got, _ = run(t, &rn, h, "return redis.call('null') == nil", false)
	require.Equal(t, "$-1\r\n", got, "the next script speaks RESP2 again: a missing value is false, not nil")
	_, errText := run(t, &rn, h, "string.upper = nil", false)
	require.Contains(t, errText, "Attempt to modify a readonly table")
	got, _ = run(t, &rn, h, "return string.upper('a')", false)
	require.Equal(t, "$1\r\nA\r\n", got)
	// Ways around the read-only views: refused, or the state is dropped.
	for _, hack := range []string{
		"rawset(redis, 'call', function() return 'hijacked' end)",
		"rawset(_G, 'leak', 1)",
		"loadstring('leak = 1')()",
		"getmetatable('').__index.upper = function() return 'pwn' end",
		"getmetatable('').__index = {}",
		"setmetatable('', nil)",
		"setmetatable(getmetatable(''), {__index = function() return 'x' end})",
		"setmetatable(cjson.null, {})",
	} {
		_, _ = run(t, &rn, h, hack, false)
		got, errText = run(t, &rn, h, "return {string.upper('a'), redis.call('null') == false, rawget(_G, 'leak') == nil}", false)
		require.Empty(t, errText, hack)
		require.Equal(t, "*3\r\n$1\r\nA\r\n:1\r\n:1\r\n", got, "after %s", hack)
	}
}

// TestLimits: a script that fills the interpreter's stack fails with an
// error, never a panic, and big unpacks and deep recursion work.
func TestLimits(t *testing.T) {
	var rn Runner
	h := &echoHost{}
	got, errText := run(t, &rn, h, "local t = {} for i = 1, 6000 do t[i] = i end return #{unpack(t)}", false)
	require.Empty(t, errText)
	require.Equal(t, ":6000\r\n", got)
	got, errText = run(t, &rn, h, "local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(5000)", false)
	require.Empty(t, errText)
	require.Equal(t, ":5000\r\n", got)
	_, errText = run(t, &rn, h, "local t = {} for i = 1, 150000 do t[i] = i end return #{unpack(t)}", false)
	require.NotEmpty(t, errText)
	got, errText = run(t, &rn, h, "return 1", false)
	require.Empty(t, errText, "the runner still works")
	require.Equal(t, ":1\r\n", got)
	// string.rep refuses to build more than a client could send (it
	// allocated 10 GB here, and the server was killed for it).
	_, errText = run(t, &rn, h, `return ("x"):rep(1e10)`, false)
	require.Contains(t, errText, "not enough memory")
	got, errText = run(t, &rn, h, `return #("ab"):rep(1000)`, false)
	require.Empty(t, errText)
	require.Equal(t, ":2000\r\n", got)
}

// TestArguments: numbers given to redis.call are written as C's "%.17g".
func TestArguments(t *testing.T) {
	var rn Runner
	h := &echoHost{replies: map[string]string{"echo": "+OK\r\n"}}
	_, errText := run(t, &rn, h, "redis.call('echo', 1, 0.1, -0.0, 1e20, 2^53, 'x') redis.log(redis.LOG_WARNING, 'a', 'b')", false)
	require.Empty(t, errText)
	require.Equal(t, [][]string{{"echo", "1", "0.10000000000000001", "-0", "1e+20", "9007199254740992", "x"}}, h.calls)
	require.Equal(t, []string{"a b"}, h.logged)
}

// TestCompileError: Redis's words around the parser's.
func TestCompileError(t *testing.T) {
	var c Cache
	_, err := c.Load([]byte("return 1 +"))
	require.EqualError(t, err, "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'")
	_, err = c.Load([]byte("local x =\n= 2"))
	require.EqualError(t, err, "ERR Error compiling script (new function): user_script:2: unexpected symbol near '='")
	n, _ := c.Stats()
	require.Zero(t, n, "a script that does not compile is not cached")
	sc, err := c.Load([]byte("return 1"))
	require.NoError(t, err)
	require.Equal(t, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", sc.SHA)
	require.Same(t, sc, c.Get([]byte("E0E1F9FABFC9D4800C877A703B823AC0578FF8DB")))
	c.Flush()
	require.Nil(t, c.Get([]byte(sc.SHA)))
}

// TestLibraries: cjson and bit as Lua CJSON and LuaBitOp behave.
func TestLibraries(t *testing.T) {
	var rn Runner
	h := &echoHost{}
	for _, tc := range []struct{ body, want string }{
		{`return cjson.encode({1, 'a/b', true, cjson.null, 0.5})`, `[1,"a\/b",true,null,0.5]`},
		{`return cjson.encode({})`, `{}`},
		{`return cjson.encode({[1] = 'x', [3] = 'y'})`, `["x",null,"y"]`},
		{`return cjson.encode('\1\127"\\')`, `"\u0001\u007f\"\\"`},
		{`return cjson.encode(1/3)`, `0.33333333333333`},
		{`local v = cjson.decode('{"a":[1,2.5,"x",null,{"b":false}]}') return cjson.encode(v.a)`, `[1,2.5,"x",null,{"b":false}]`},
		{`return cjson.decode('"\\u00e9"')`, "é"},
		{`return bit.tohex(bit.bor(1, 2, 4, 0x100))`, "00000107"},
		{`return bit.tohex(-1, -4)`, "FFFF"},
		{`return tostring(bit.lshift(1, 31))`, "-2147483648"},
		{`return tostring(bit.rshift(-1, 28))`, "15"},
		{`return tostring(bit.arshift(-256, 4))`, "-16"},
		{`return tostring(bit.tobit(2^32 + 5))`, "5"},
		{`return bit.tohex(bit.bswap(0x12345678))`, "78563412"},
		{`return bit.tohex(bit.rol(0x12345678, 4))`, "23456781"},
		{`return table.concat({cmsgpack.unpack(cmsgpack.pack(-100, -1000, -100000, -2^40, 200, 70000, 2^40))}, ' ')`,
			"-100 -1000 -100000 -1099511627776 200 70000 1099511627776"},
	} {
		got, errText := run(t, &rn, h, tc.body, false)
		require.Empty(t, errText, tc.body)
		require.Equal(t, "$"+itoa(len(tc.want))+"\r\n"+tc.want+"\r\n", got, tc.body)
	}
	_, errText := run(t, &rn, h, `return cjson.encode({[1] = 1, [20] = 2})`, false)
	require.True(t, strings.HasPrefix(errText, "ERR user_script:1: Cannot serialise table: excessively sparse array script: "), errText)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
