package resp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/tidwall/redcon"
)

// fuzzConfig is a small Config for the fuzzed server: a few options that
// take integers, none of which changes the server's limits.
type fuzzConfig struct {
	mu   sync.Mutex
	opts map[string]string
}

func newFuzzConfig() *fuzzConfig {
	return &fuzzConfig{opts: map[string]string{"maxmemory": "0", "timeout": "0", "hz": "10", "maxclients": "10000"}}
}

func (c *fuzzConfig) Get(pattern string) [][2]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out [][2]string
	for k, v := range c.opts {
		if engine.Match(strings.ToLower(pattern), k) {
			out = append(out, [2]string{k, v})
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

func (c *fuzzConfig) Set(pairs [][2]string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range pairs {
		if _, ok := c.opts[strings.ToLower(p[0])]; !ok {
			return p[0], ErrUnknownOption
		}
	}
	for _, p := range pairs {
		if _, err := strconv.ParseUint(p[1], 10, 63); err != nil {
			return strings.ToLower(p[0]), errors.New("argument couldn't be parsed into an integer")
		}
	}
	for _, p := range pairs {
		c.opts[strings.ToLower(p[0])] = p[1]
	}
	return "", nil
}

// fuzzNames are the command names FuzzCommand picks from, so that most
// inputs reach a handler rather than the unknown-command reply.
var fuzzNames = func() []string {
	var names []string
	for n := range newCommandTable() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}()

// fuzzArgs turns a fuzz input into a command. pick chooses a known command
// name in one of three letter cases, or, past those, takes the name from
// the input too; the input's arguments are separated by NUL bytes.
func fuzzArgs(pick uint16, input []byte) [][]byte {
	parts := bytes.Split(input, []byte{0})
	if len(input) == 0 {
		parts = nil
	}
	k := int(pick) % (3*len(fuzzNames) + 16)
	if k >= 3*len(fuzzNames) {
		if len(parts) == 0 {
			return [][]byte{{}}
		}
		return parts
	}
	name := fuzzNames[k/3]
	switch k % 3 {
	case 1:
		name = strings.ToUpper(name)
	case 2:
		b := []byte(name)
		for i := 0; i < len(b); i += 2 {
			if b[i] >= 'a' && b[i] <= 'z' {
				b[i] -= 'a' - 'A'
			}
		}
		name = string(b)
	}
	return append([][]byte{[]byte(name)}, parts...)
}

// fuzzSkip returns why args must not be sent to the fuzzed server, or "".
func fuzzSkip(args [][]byte) string {
	name := args[0]
	switch {
	case equalFold(name, "shutdown"):
		return "SHUTDOWN stops the server"
	case equalFold(name, "debug") && len(args) >= 2 && equalFold(args[1], "sleep") &&
		!(len(args) == 3 && string(args[2]) == "0"):
		return "DEBUG SLEEP other than 0 takes time"
	}
	return ""
}

// fuzzClient is the long-lived connection of one fuzz worker.
type fuzzClient struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
}

func dialFuzz(addr string) (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	// Reset on close: no TIME_WAIT, so millions of connections do not run
	// out of ports.
	_ = c.(*net.TCPConn).SetLinger(0)
	return c, bufio.NewReader(c), nil
}

func (fc *fuzzClient) close() {
	if fc.c != nil {
		_ = fc.c.Close()
		fc.c = nil
	}
}

// roundTrip sends req and reads n replies.
func (fc *fuzzClient) roundTrip(req []byte, n int) ([]string, error) {
	if fc.c == nil {
		c, r, err := dialFuzz(fc.addr)
		if err != nil {
			return nil, err
		}
		fc.c, fc.r = c, r
	}
	_ = fc.c.SetDeadline(time.Now().Add(replyTimeout))
	if _, err := fc.c.Write(req); err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	for range n {
		var b strings.Builder
		if err := readRESP(fc.r, &b, 0); err != nil {
			return out, fmt.Errorf("%w (read so far %q)", err, b.String())
		}
		out = append(out, b.String())
	}
	return out, nil
}

// prepare puts the connection and the keyspace in a known state.
func (fc *fuzzClient) prepare() error {
	req := mb("SELECT", "0") + mb("FLUSHALL") +
		mb("MSET", "str", "hello", "int", "10", "float", "1.5", "neg", "-3", "empty", "", "big", strings.Repeat("x", 100)) +
		mb("SET", "ttl", "v", "PX", "100000")
	for attempt := 0; ; attempt++ {
		got, err := fc.roundTrip([]byte(req), 4)
		if err == nil {
			for _, r := range got {
				if r != ok {
					return fmt.Errorf("preparing: %q", got)
				}
			}
			return nil
		}
		// The previous input may have closed the connection (QUIT,
		// CLIENT KILL): dial again once.
		fc.close()
		if attempt > 0 {
			return fmt.Errorf("preparing: %w", err)
		}
	}
}

func encodeArgs(args [][]byte) []byte {
	var b bytes.Buffer
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n")
		b.Write(a)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// errorCode matches an error reply: an upper-case code, then a message or
// nothing (Redis answers a failed SAVE or BGSAVE with a bare "-ERR").
var errorCode = regexp.MustCompile(`^-[A-Z]+( |\r\n$)`)

func FuzzCommand(f *testing.F) {
	ts := startServer(f, Options{
		Engine:          engine.New(engine.Options{MaxValueSize: 1 << 20}),
		Config:          newFuzzConfig(),
		ProtoMaxBulkLen: 1 << 20,
		QueryBufLimit:   4 << 20,
	})
	fc := &fuzzClient{addr: ts.addr}
	f.Cleanup(fc.close)

	index := func(name string) uint16 { return uint16(3 * slices.Index(fuzzNames, name)) }
	raw := uint16(3 * len(fuzzNames)) // the name comes from the input
	join := func(args ...string) []byte { return []byte(strings.Join(args, "\x00")) }
	seeds := []struct {
		pick uint16
		in   []byte
	}{
		{index("set"), join("k", "v", "NX", "GET", "EX", "10")},
		{index("set"), join("k", "v", "XX", "KEEPTTL")},
		{index("set"), join("str", "v", "GET", "PXAT", "99999999999999")},
		{index("set"), join("k", "v", "EXAT", "1")},
		{index("set"), join("k", "v", "PX", "9223372036854775807")},
		{index("set"), join("k", "v", "EX", "abc")},
		{index("getrange"), join("big", "-9223372036854775808", "9223372036854775807")},
		{index("getrange"), join("str", "9223372036854775807", "-9223372036854775808")},
		{index("getrange"), join("str", "-1", "-100")},
		{index("setrange"), join("k", "536870912", "x")},
		{index("setrange"), join("k", "1048575", "x")},
		{index("setrange"), join("str", "9223372036854775000", "abc")},
		{index("setrange"), join("k", "99999999999", "")},
		{index("incrbyfloat"), join("float", "inf")},
		{index("incrbyfloat"), join("float", "-inf")},
		{index("incrbyfloat"), join("float", "1e308")},
		{index("incrbyfloat"), join("str", "1")},
		{index("incrby"), join("int", "9223372036854775807")},
		{index("decrby"), join("neg", "-9223372036854775808")},
		{index("scan"), join("18446744073709551615")},
		{index("scan"), join("0", "COUNT", "2147483648", "MATCH", "*[a-", "TYPE", "string")},
		{index("scan"), join("-1")},
		{index("scan"), join("0", "COUNT", "0")},
		{index("keys"), join("*\\")},
		{index("keys"), join("[^")},
		{index("client"), join("KILL", "ID", "1")},
		{index("client"), join("KILL", "SKIPME", "no")},
		{index("client"), join("KILL", "ADDR", "127.0.0.1:1", "LADDR", "x", "TYPE", "normal", "USER", "u", "MAXAGE", "1")},
		{index("client"), join("KILL", "127.0.0.1:1")},
		{index("client"), join("LIST", "ID", "1", "2", "-3")},
		{index("client"), join("SETINFO", "LIB-NAME", "x y")},
		{index("client"), join("NO-EVICT", "on")},
		{index("config"), join("SET", "maxmemory", "100", "timeout", "x")},
		{index("config"), join("SET", "MAXMEMORY")},
		{index("config"), join("GET", "*", "max*")},
		{index("config"), join("RESETSTAT")},
		{index("debug"), join("SLEEP", "0")},
		{index("debug"), join("DIGEST-VALUE", "str", "nokey")},
		{index("debug"), join("DIGEST")},
		{index("expire"), join("str", "-9223372036854775808", "GT")},
		{index("pexpireat"), join("str", "9223372036854775807", "NX")},
		{index("getex"), join("str", "PXAT", "1")},
		{index("getex"), join("str", "PERSIST")},
		{index("copy"), join("str", "dst", "DB", "15", "REPLACE")},
		{index("move"), join("str", "2147483648")},
		{index("select"), join("4294967296")},
		{index("object"), join("ENCODING", "int")},
		{index("object"), join("FREQ", "str")},
		{index("command"), join("INFO", "get", "nosuch")},
		{index("command"), join("DOCS")},
		{index("hello"), join("2", "AUTH", "a", "b", "SETNAME", "n")},
		{index("info"), join("everything")},
		{index("mset"), join("a", "1", "b")},
		{index("append"), join("big", "yyy")},
		{index("rename"), join("str", "str")},
		{index("quit"), nil},
		{index("reset"), nil},
		{raw, join("FOO\r\nBAR", "a")},
		{raw, join("")},
		{raw, []byte{}},
		{raw, join(strings.Repeat("x", 40), strings.Repeat("y", 300))},
		{raw, join("sHuTdOwN")},
	}
	for _, s := range seeds {
		f.Add(s.pick, s.in)
	}

	f.Fuzz(func(t *testing.T, pick uint16, input []byte) {
		if len(input) > 64<<10 {
			t.Skip("input too large")
		}
		args := fuzzArgs(pick, input)
		if len(args) > 256 {
			t.Skip("too many arguments")
		}
		if why := fuzzSkip(args); why != "" {
			t.Skip(why)
		}
		if err := fc.prepare(); err != nil {
			t.Fatalf("server unusable before the input: %v", err)
		}
		req := encodeArgs(args)
		got, err := fc.roundTrip(req, 1)
		if err != nil {
			t.Fatalf("command %q: no complete reply: %v", args, err)
		}
		reply := got[0]
		if strings.HasPrefix(reply, "-") {
			if !errorCode.MatchString(reply) {
				t.Errorf("command %q: error reply without an upper-case code: %q", args, reply)
			}
			if strings.Contains(reply, "Protocol error") {
				t.Errorf("command %q: protocol error for a well-formed request: %q", args, reply)
			}
		}

		// The server must still serve a new client.
		c, r, err := dialFuzz(ts.addr)
		if err != nil {
			t.Fatalf("after %q: dial: %v", args, err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(replyTimeout))
		if _, err := io.WriteString(c, mb("PING")); err != nil {
			t.Fatalf("after %q: write: %v", args, err)
		}
		var b strings.Builder
		if err := readRESP(r, &b, 0); err != nil || b.String() != "+PONG\r\n" {
			t.Fatalf("after %q: PING on a new connection: %q %v", args, b.String(), err)
		}
	})
}

// guardLimitSets are the limits FuzzInputGuard checks each input under.
var guardLimitSets = [][2]int64{{64, 512}, {512 << 20, 1 << 30}}

func FuzzInputGuard(f *testing.F) {
	for _, s := range []string{
		mb("SET", "k", "v"),
		mb("PING") + "PING\r\n" + mb("ECHO", strings.Repeat("x", 64)),
		"SET k \"a b\"\r\nGET k\n",
		"\r\n\r\n*1\r\n$4\r\nPING\r\n",
		"*0\r\n*-1\r\n",
		"*2147483648\r\n",
		"*1\r\n$65\r\n" + strings.Repeat("x", 65) + "\r\n",
		"*1\r\n$-1\r\n",
		"*1\r\n$5\r\nhelloXY*1\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nval",
		"*1\r\n$0004\r\nPING\r\n",
		"*1\r\n$4\r\r\nPING\r\n",
		"*1x\r\n",
		"*1\r\nfoo\r\n",
		strings.Repeat("a", 600),
		"*20\r\n" + strings.Repeat("$1\r\nx\r\n", 20),
		"*1\r\n$1234567890123456789\r\n",
		"*12345678901234567890\r\n",
		"*1\r\n$+4\r\nPING\r\n",
		"\r*1\r\n$3\r\nabc\r\n",
		"\r\n\r*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n",
		"*1\r\n$922337203685477580\r\n",
	} {
		f.Add([]byte(s), []byte{1, 2, 3, 5, 8})
	}

	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		for _, ls := range guardLimitSets {
			l := newLimits(ls[0], ls[1])
			whole, _ := feedChunks(l, data, nil)
			if whole.panicked != nil {
				t.Fatalf("limits %v: feed panicked: %v", ls, whole.panicked)
			}
			bytewise, _ := feedChunks(l, data, []int{1})
			if bytewise != whole {
				t.Fatalf("limits %v: one chunk %v, byte by byte %v", ls, whole, bytewise)
			}
			sizes := make([]int, len(cuts))
			for i, c := range cuts {
				sizes[i] = int(c%32) + 1
			}
			if len(sizes) > 0 {
				chunked, _ := feedChunks(l, data, sizes)
				if chunked != whole {
					t.Fatalf("limits %v: one chunk %v, chunks %v: %v", ls, whole, sizes, chunked)
				}
			}
			if whole == (verdict{}) {
				checkAcceptedInput(t, l, data)
			}
		}
	})
}

// guardFraming feeds data to a guard byte by byte and returns the offsets
// at which the guard is between commands, the offset of the first byte
// after which it stopped checking (-1: never) and whether it skipped a '\r'
// that is not part of a CRLF between commands.
func guardFraming(l *limits, data []byte) (between map[int]bool, passAt int, loneCR bool) {
	g := &inputGuard{}
	between = map[int]bool{0: true}
	passAt = -1
	for i := range data {
		if g.state == stCommand && data[i] == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
			loneCR = true
		}
		g.feed(data[i:i+1], l, false)
		if g.state == stCommand {
			between[i+1] = true
		}
	}
	return between, passAt, loneCR
}

var countRE = regexp.MustCompile(`\*\+?(\d+)`)

// emptyCountRE finds a multibulk count Redis skips: zero or negative.
var emptyCountRE = regexp.MustCompile(`\*(0|-[1-9][0-9]*)\r\n`)

// checkAcceptedInput is the oracle for input the guard let through. The
// guard only protects the server if it frames the stream as redcon does:
// every command redcon parses from data must end where the guard is between
// commands, must not lie past the point where the guard stopped checking
// (malformed input it leaves to redcon to refuse), and must be within the
// limits the guard enforces.
func checkAcceptedInput(t *testing.T, l *limits, data []byte) {
	maxBulk, maxQuery := l.maxBulk.Load(), l.maxQuery.Load()
	// redcon loops once per announced argument even when the bytes are not
	// there (see TestHugeMultibulkCountIsCheap): leave out counts the input
	// cannot satisfy, which would only make the oracle slow.
	for _, m := range countRE.FindAllSubmatch(data, -1) {
		if n, err := strconv.Atoi(string(m[1])); err != nil || n > len(data) {
			return
		}
	}
	rd := redcon.NewReader(bytes.NewReader(data))
	var cmds []redcon.Command
	for {
		cs, err := rd.ReadCommands()
		cmds = append(cmds, cs...)
		if err != nil {
			break
		}
	}
	between, passAt, _ := guardFraming(l, data)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format, args...)
	}
	off := 0
	for _, cmd := range cmds {
		for {
			if off >= len(data) {
				t.Fatalf("oracle lost track of the stream at command %q", cmd.Args)
			}
			if data[off] == '*' {
				if !bytes.HasPrefix(data[off:], cmd.Raw) {
					t.Fatalf("oracle: multibulk command at %d is not verbatim: %q", off, cmd.Raw)
				}
				if int64(len(cmd.Raw)) > maxQuery {
					fail("guard let through a %d-byte command, limit %d: %q", len(cmd.Raw), maxQuery, data)
				}
				for _, a := range cmd.Args {
					if int64(len(a)) > maxBulk {
						fail("guard let through a %d-byte argument, limit %d: %q", len(a), maxBulk, data)
					}
				}
				off += len(cmd.Raw)
				break
			}
			nl := bytes.IndexByte(data[off:], '\n')
			if nl < 0 {
				t.Fatalf("oracle: inline command without a newline at %d", off)
			}
			line := data[off : off+nl]
			off += nl + 1
			if int64(nl+1) > maxQuery || nl+1 > inlineMax+1 {
				fail("guard let through a %d-byte inline line: %q", nl+1, data)
			}
			line = bytes.TrimSuffix(line, []byte{'\r'})
			if len(bytes.Trim(line, " ")) > 0 {
				break // this line is cmd
			}
		}
		var problem string
		switch {
		case passAt >= 0 && off > passAt:
			problem = fmt.Sprintf("redcon parsed a command ending at %d, past offset %d where the guard stopped checking", off, passAt)
		case !between[off]:
			problem = fmt.Sprintf("redcon parsed a command ending at %d, where the guard is inside a command", off)
		default:
			continue
		}
		fail("guard and redcon frame %q differently: %s (command %q)", data, problem, cmd.Args)
	}
}
