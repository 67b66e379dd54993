package resp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func newLimits(maxBulk, maxQuery int64) *limits {
	l := &limits{}
	l.maxBulk.Store(maxBulk)
	l.maxQuery.Store(maxQuery)
	return l
}

// verdict is what an inputGuard decided about a stream.
type verdict struct {
	reply     string
	closeOnly bool
	panicked  any
}

func (v verdict) String() string {
	if v.panicked != nil {
		return fmt.Sprintf("panic(%v)", v.panicked)
	}
	return fmt.Sprintf("reply=%q closeOnly=%v", v.reply, v.closeOnly)
}

// feedChunks feeds data to a fresh guard in chunks of the given sizes (the
// last size repeats; nil: one chunk) and stops at the first refusal, as
// limitConn does. A panic is recovered into the verdict.
func feedChunks(l *limits, data []byte, sizes []int) (v verdict, g *inputGuard) {
	g = &inputGuard{}
	defer func() {
		if r := recover(); r != nil {
			v = verdict{panicked: r}
		}
	}()
	for k := 0; len(data) > 0; k++ {
		n := len(data)
		if len(sizes) > 0 {
			n = sizes[min(k, len(sizes)-1)]
			n = max(1, min(n, len(data)))
		}
		reply, closeOnly := g.feed(data[:n], l, false)
		if reply != "" || closeOnly {
			return verdict{reply: reply, closeOnly: closeOnly}, g
		}
		data = data[n:]
	}
	return verdict{}, g
}

// guardBoth feeds data in one chunk and byte by byte, requires both to
// agree and returns the verdict.
func guardBoth(t *testing.T, l *limits, data string) verdict {
	t.Helper()
	whole, _ := feedChunks(l, []byte(data), nil)
	bytewise, _ := feedChunks(l, []byte(data), []int{1})
	require.Equal(t, whole, bytewise, "one chunk vs byte by byte disagree")
	return whole
}

func TestInputGuardAcceptsValidRequests(t *testing.T) {
	l := newLimits(100, 1000)
	for name, in := range map[string]string{
		"multibulk":             mb("SET", "key", "value"),
		"pipeline":              mb("SET", "k", "v") + mb("GET", "k") + mb("PING"),
		"empty bulk":            mb("ECHO", ""),
		"bulk at the limit":     mb("ECHO", strings.Repeat("x", 100)),
		"bulk holding CRLF":     mb("ECHO", "a\r\n*3\r\n$9999999\r\n"),
		"inline":                "PING\r\n",
		"inline LF only":        "SET k v\n",
		"inline pipeline":       "SET k v\r\nGET k\r\nPING\n",
		"inline with quotes":    "SET k \"hello world\"\r\n",
		"empty lines":           "\r\n\n\r\n" + mb("PING") + "\r\n",
		"inline then multibulk": "PING\r\n" + mb("PING") + "PING\r\n",
		"partial command":       "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nval",
		"partial header":        "*3\r\n$3",
		"inline at 64 KiB":      strings.Repeat("a", inlineMax-2) + "\r\n",
		"many args":             mb(strings.Split(strings.Repeat("x ", 100), " ")...),
		"count at the cap":      "*1048576\r\n$1\r\nx\r\n",
		"zero count":            "*0\r\n",
		"just CRLF":             "\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, verdict{}, guardBoth(t, newLimits(l.maxBulk.Load(), 1<<20), in))
		})
	}
}

func TestInputGuardReturnsToCommandStateAfterEachCommand(t *testing.T) {
	l := newLimits(100, 1000)
	for _, in := range []string{mb("PING"), "PING\r\n", mb("SET", "k", strings.Repeat("v", 100)) + "GET k\n"} {
		for _, sizes := range [][]int{nil, {1}, {3}} {
			v, g := feedChunks(l, []byte(in), sizes)
			require.Equal(t, verdict{}, v)
			require.Equal(t, stCommand, g.state, "input %q sizes %v", in, sizes)
		}
	}
}

func TestInputGuardBulkLength(t *testing.T) {
	l := newLimits(100, 1<<20)
	for _, tc := range []struct {
		name string
		in   string
		want verdict
	}{
		{"at the limit", "*1\r\n$100\r\n", verdict{}},
		{"one above the limit", "*1\r\n$101\r\n", verdict{reply: errProtoBulk}},
		{"far above the limit", "*2\r\n$4\r\nECHO\r\n$600000000\r\n", verdict{reply: errProtoBulk}},
		{"negative", "*1\r\n$-1\r\n", verdict{reply: errProtoBulk}},
		{"negative zero", "*1\r\n$-0\r\n", verdict{reply: errProtoBulk}},
		{"int64 maximum", "*1\r\n$9223372036854775807\r\n", verdict{reply: errProtoBulk}},
		{"20 digits", "*1\r\n$10000000000000000000\r\n", verdict{reply: errProtoBulk}},
		{"many digits", "*1\r\n$" + strings.Repeat("9", 100) + "\r\n", verdict{reply: errProtoBulk}},
		{"after a good argument", "*2\r\n$4\r\nECHO\r\n$101\r\n", verdict{reply: errProtoBulk}},
		{"in the second command", mb("PING") + "*1\r\n$101\r\n", verdict{reply: errProtoBulk}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, guardBoth(t, l, tc.in))
		})
	}
}

// A 19-digit length above math.MaxInt64 overflows the accumulator to a
// negative number, which passes the "num > maxBulk" check; the negative body
// length then moves the read index backwards and feed panics with an index
// out of range. In the server the panic happens in the connection goroutine,
// with no recover, and kills the process: see
// TestBulkLengthOverflowDoesNotCrashServer.
func TestInputGuardLengthOverflow(t *testing.T) {
	l := newLimits(512<<20, 1<<30)
	for _, tc := range []struct {
		name string
		in   string
		want verdict
	}{
		{"bulk MaxInt64+1", "*1\r\n$9223372036854775808\r\nx\r\n", verdict{reply: errProtoBulk}},
		{"bulk 19 nines", "*1\r\n$9999999999999999999\r\nx\r\n", verdict{reply: errProtoBulk}},
		{"count MaxInt64+1", "*9223372036854775808\r\n", verdict{reply: errProtoMultiBulk}},
		{"count 19 nines", "*9999999999999999999\r\n", verdict{reply: errProtoMultiBulk}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, sizes := range [][]int{nil, {1}} {
				got, _ := feedChunks(l, []byte(tc.in), sizes)
				require.Equal(t, tc.want, got, "chunk sizes %v", sizes)
			}
		})
	}
}

func TestInputGuardMultibulkCount(t *testing.T) {
	l := newLimits(100, 1<<20)
	for _, tc := range []struct {
		name string
		in   string
		want verdict
	}{
		{"negative (skipped, as Redis does)", "*-1\r\n", verdict{}},
		{"very negative (skipped)", "*-2147483648\r\n", verdict{}},
		{"minus zero", "*-0\r\n", verdict{reply: errProtoMultiBulk}},
		{"largest accepted count", "*1048576\r\n", verdict{}},
		{"above the count cap", "*1048577\r\n", verdict{reply: errProtoMultiBulk}},
		{"int32 maximum", "*2147483647\r\n", verdict{reply: errProtoMultiBulk}},
		{"above int32", "*2147483648\r\n", verdict{reply: errProtoMultiBulk}},
		{"int64 maximum", "*9223372036854775807\r\n", verdict{reply: errProtoMultiBulk}},
		{"20 digits", "*10000000000000000000\r\n", verdict{reply: errProtoMultiBulk}},
		{"in the second command", "PING\r\n*abc\r\n", verdict{reply: errProtoMultiBulk}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, guardBoth(t, l, tc.in))
		})
	}
}

func TestInputGuardInlineSize(t *testing.T) {
	l := newLimits(512<<20, 1<<30)
	big := strings.Repeat("a", inlineMax)
	require.Equal(t, verdict{}, guardBoth(t, l, big), "exactly 64 KiB without newline is still acceptable")
	require.Equal(t, verdict{reply: errProtoInline}, guardBoth(t, l, big+"a"))
	require.Equal(t, verdict{reply: errProtoInline}, guardBoth(t, l, "SET k "+strings.Repeat("v", 100<<10)))
	require.Equal(t, verdict{reply: errProtoInline}, guardBoth(t, l, "PING\r\n"+big+"a"), "the count restarts at each line")
	// Many short lines add up to far more than 64 KiB.
	require.Equal(t, verdict{}, guardBoth(t, l, strings.Repeat("PING\r\n", 30000)))
}

func TestInputGuardQueryBufferLimit(t *testing.T) {
	l := newLimits(600, 1000)
	// Two 600-byte arguments are each within proto-max-bulk-len but the
	// command as a whole is above client-query-buffer-limit.
	big := mb("SET", strings.Repeat("k", 600), strings.Repeat("v", 600))
	require.Equal(t, verdict{closeOnly: true}, guardBoth(t, l, big))
	// The limit applies as soon as the announced arguments are read, not
	// only once all of them arrived.
	require.Equal(t, verdict{closeOnly: true}, guardBoth(t, l, "*2\r\n$600\r\n"+strings.Repeat("k", 600)+"\r\n$600\r\n"+strings.Repeat("v", 398)))
	// Inline commands count too.
	require.Equal(t, verdict{closeOnly: true}, guardBoth(t, l, strings.Repeat("x", 1001)))
	// Many arguments of nothing.
	require.Equal(t, verdict{closeOnly: true}, guardBoth(t, l, "*1000\r\n"+strings.Repeat("$0\r\n\r\n", 1000)))
}

func TestInputGuardCountersResetAfterEachCommand(t *testing.T) {
	l := newLimits(1000, 1000)
	one := mb("SET", "key", strings.Repeat("v", 900))
	require.Less(t, len(one), 1000)
	require.Greater(t, 2*len(one), 1000)
	require.Equal(t, verdict{}, guardBoth(t, l, one), "a command just under the limit")
	require.Equal(t, verdict{}, guardBoth(t, l, one+one), "a second command of the same size")
	require.Equal(t, verdict{}, guardBoth(t, l, strings.Repeat(one, 20)))
	inline := "SET key " + strings.Repeat("v", 900) + "\r\n"
	require.Equal(t, verdict{}, guardBoth(t, l, strings.Repeat(inline, 20)))
	require.Equal(t, verdict{}, guardBoth(t, l, one+inline+one+inline))
}

// The limits are read on each feed, so CONFIG SET applies to input read
// afterwards by connections that are already open.
func TestInputGuardLimitsChangeAtRunTime(t *testing.T) {
	l := newLimits(100, 1000)
	g := &inputGuard{}
	reply, closeOnly := g.feed([]byte(mb("ECHO", strings.Repeat("x", 200))), l, false)
	require.Equal(t, errProtoBulk, reply)
	require.False(t, closeOnly)

	g = &inputGuard{}
	l.maxBulk.Store(300)
	reply, closeOnly = g.feed([]byte(mb("ECHO", strings.Repeat("x", 200))), l, false)
	require.Equal(t, "", reply)
	require.False(t, closeOnly)
}

// A '+' sign in a length is accepted by redcon (strconv.Atoi) but makes the
// guard stop looking at the stream for the rest of the connection, so the
// next commands are not held to proto-max-bulk-len or
// client-query-buffer-limit. Redis refuses "+" with "invalid bulk length" /
// "invalid multibulk length".
func TestInputGuardPlusSignIsRefused(t *testing.T) {
	l := newLimits(100, 1000)
	for _, tc := range []struct {
		name string
		in   string
		want verdict
	}{
		{"plus in bulk length", "*1\r\n$+4\r\nPING\r\n", verdict{reply: errProtoBulk}},
		{"plus in count", "*+1\r\n$4\r\nPING\r\n", verdict{reply: errProtoMultiBulk}},
		{"then a huge bulk", "*1\r\n$+4\r\nPING\r\n*1\r\n$600000000\r\n", verdict{reply: errProtoBulk}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, guardBoth(t, l, tc.in))
		})
	}
}

// redcon reads a request that starts with a lone '\r' as an inline command
// up to the next '\n', but the guard skips the '\r' as if it were an empty
// line and reads what follows as a multibulk request. From then on the two
// frame the stream differently: the guard takes a real multibulk header for
// the body of a fake bulk and never looks at its lengths. Here redcon sees
// ECHO with a 5000-byte argument that the guard never checked against
// proto-max-bulk-len = 1024 (see TestCarriageReturnDesyncBypassesLimits).
func TestInputGuardLoneCarriageReturnKeepsFraming(t *testing.T) {
	l := newLimits(1024, 1<<20)
	hidden := "*2\r\n$4\r\nECHO\r\n$5000\r\n"
	in := "\r*1\r\n$" + fmt.Sprint(len(hidden)-2) + "\r\n" + hidden + strings.Repeat("x", 5000) + "\r\n"
	require.Equal(t, verdict{reply: errProtoBulk}, guardBoth(t, l, in))
}

// A bulk body must end in CRLF. The parser checks it once the body is
// whole; the guard checks it as the bytes come, with the parser's error,
// so the reply does not depend on how the bytes were cut into reads (it
// was "expected '$'" when they came at once, "invalid bulk length" when
// the body came apart from what followed).
func TestInputGuardBulkMustEndInCRLF(t *testing.T) {
	l := newLimits(100, 1000)
	require.Equal(t, verdict{reply: errProtoBulk}, guardBoth(t, l, "*2\r\n$1\r\n0000000"))
	require.Equal(t, verdict{reply: errProtoBulk}, guardBoth(t, l, "*1\r\n$1\r\nx\rX"))
	require.Equal(t, verdict{}, guardBoth(t, l, "*1\r\n$1\r\nx\r\n"))
}

// plainCommand takes a whole, plain multibulk command in one pass and
// leaves everything else to feed's walk, which owns the errors.
func TestPlainCommand(t *testing.T) {
	set := mb("SET", "k", strings.Repeat("v", 50))
	for _, tc := range []struct {
		name   string
		in     string
		unauth bool
		want   int
	}{
		{"whole", set, false, len(set)},
		{"followed by more", set + mb("GET", "k"), false, len(set)},
		{"empty argument", mb("ECHO", ""), false, len(mb("ECHO", ""))},
		{"incomplete", set[:len(set)-1], false, 0},
		{"zero count", "*0\r\n", false, 0},
		{"negative count", "*-1\r\n", false, 0},
		{"leading zero", "*1\r\n$04\r\nPING\r\n", false, 0},
		{"sign", "*1\r\n$+4\r\nPING\r\n", false, 0},
		{"body without CRLF", "*1\r\n$4\r\nPINGxx", false, 0},
		{"over proto-max-bulk-len", mb("ECHO", strings.Repeat("x", 65)), false, 0},
		{"over the query buffer", mb("ECHO", strings.Repeat("x", 60), strings.Repeat("x", 60), strings.Repeat("x", 60)), false, 0},
		{"unauthenticated, too many arguments", mb("A", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"), true, 0},
		{"unauthenticated, few arguments", mb("AUTH", "pw"), true, len(mb("AUTH", "pw"))},
		{"19 digits", "*1\r\n$0000000000000000004\r\nPING\r\n", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, plainCommand([]byte(tc.in), 64, 160, tc.unauth))
		})
	}
}
