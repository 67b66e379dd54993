package resp

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/redcon"
)

func multibulk(args ...string) string {
	var b strings.Builder
	b.WriteString("*" + itoa(int64(len(args))) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + itoa(int64(len(a))) + "\r\n" + a + "\r\n")
	}
	return b.String()
}

// TestWindowKeys: the keys prefetched are the first arguments of the
// commands whose first argument is a key, in the complete commands at the
// head of the buffer, at most a window of commands.
func TestWindowKeys(t *testing.T) {
	s := New(Options{Engine: engine.New(engine.Options{})})
	c := &client{}
	names := func(keys [][]byte) []string {
		out := []string{}
		for _, k := range keys {
			out = append(out, string(k))
		}
		return out
	}
	pipeline := multibulk("SET", "a", "1") + multibulk("ping", "x") + multibulk("get", "b") +
		multibulk("CONFIG", "GET", "maxmemory") + multibulk("MSET", "c", "1", "d", "2") +
		multibulk("nosuch", "e") + multibulk("INCR", "f")
	keys, n := s.windowKeys(c, []byte(pipeline), nil)
	require.Equal(t, []string{"a", "b", "f"}, names(keys), "MSET touches its keys itself")
	require.Equal(t, len(pipeline), n)

	// Stops at an incomplete command (the end of what was read), and at
	// one it does not read (the parser answers it).
	for _, tail := range []string{"*2\r\n$3\r\nGET\r\n$5\r\nabc", "*2\r\n$3\r\nGET\r\n", "*2\r\n$3\r\nGET\r\n$1\r\nk\r",
		"*1\r\n$4\r\nPING\r\n" + multibulk("GET", "z"), "GET inline\r\n" + multibulk("GET", "z"),
		"*2\r\n$-1\r\n$1\r\nk\r\n" + multibulk("GET", "z"), "*2\r\n$03\r\nGET\r\n$1\r\nk\r\n" + multibulk("GET", "z"),
		"*2\r\n$3\r\nGETX\r\n$1\r\nk\r\n" + multibulk("GET", "z")} {
		p := multibulk("GET", "a") + tail
		keys, n = s.windowKeys(c, []byte(p), nil)
		require.Equal(t, []string{"a"}, names(keys), "%q", tail)
		require.Equal(t, len(multibulk("GET", "a")), n, "%q", tail)
	}

	// At most a window of commands.
	var long strings.Builder
	for range prefetchWindow + 5 {
		long.WriteString(multibulk("GET", "k"))
	}
	keys, n = s.windowKeys(c, []byte(long.String()), nil)
	require.Len(t, keys, prefetchWindow)
	require.Equal(t, prefetchWindow*len(multibulk("GET", "k")), n)
}

// FuzzFirstTwo: on any input the scan stays in bounds, and whatever it
// accepts the parser reads the same way: the same first two arguments and
// the same length.
func FuzzFirstTwo(f *testing.F) {
	f.Add([]byte(multibulk("SET", "key", "value")))
	f.Add([]byte(multibulk("GET", "")))
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n"))
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$999999999999999999\r\n"))
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$1\r\nkX\n"))
	f.Fuzz(func(t *testing.T, p []byte) {
		name, key, n := firstTwo(p)
		if n == 0 {
			return
		}
		require.LessOrEqual(t, n, len(p))
		complete, args, _, left, err := redcon.ReadNextCommand(p, nil)
		require.NoError(t, err)
		require.True(t, complete)
		require.GreaterOrEqual(t, len(args), 2)
		require.Equal(t, string(args[0]), string(name))
		require.Equal(t, string(args[1]), string(key))
		require.Equal(t, len(p)-len(left), n)
	})
}

// TestPrefetchScansNoUnfinishedCommand: a command of many arguments that
// arrives in many reads is never offered to the prefetch's scan before it
// is complete (the input guard knows where it stands), or each read would
// walk it again from its start: the square of its size.
func TestPrefetchScansNoUnfinishedCommand(t *testing.T) {
	var data []byte
	data = append(data, "*20001\r\n$5\r\nRPUSH\r\n$1\r\nk\r\n"...)
	for range 19999 {
		data = append(data, "$1\r\na\r\n"...)
	}
	whole := len(data)
	data = append(data, multibulk("GET", "k")...)
	l := &limits{}
	l.maxBulk.Store(512 << 20)
	l.maxQuery.Store(1 << 30)
	var read, open atomic.Int64
	lc := newLimitConn(&chunkConn{data: data, rng: 7, max: 200}, l, &read, &open)
	s := New(Options{Engine: engine.New(engine.Options{})})
	c := &client{lc: lc}
	q := &c.in
	reads := 0
	for {
		_, err := q.fill(lc, lc.expecting())
		reads++
		c.prefetched = 0 // as the loop does after each read
		offered := s.prefetchAhead(c, lc.partial())
		if q.end-q.start < whole {
			require.Zero(t, offered, "read %d: %d bytes of the unfinished command offered", reads, q.end-q.start)
		}
		if args, _ := q.next(lc.partial()); args != nil {
			require.Len(t, args, 20001)
			break
		}
		require.NoError(t, err)
	}
	require.Greater(t, reads, 100, "the command came in many reads")
	_, _, n := firstTwo(data)
	require.Zero(t, n, "a command of more than prefetchMaxArgs arguments ends the window")
	_, key, n := firstTwo([]byte(multibulk("GET", "k")))
	require.Equal(t, "k", string(key))
	require.Equal(t, len(multibulk("GET", "k")), n)
}
