package resp

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Arguments point into the connection's read buffer, which the next read
// overwrites. These tests fail if a handler or the engine keeps an
// argument instead of a copy: each sends commands in one packet, then a
// packet of the same shape with other bytes (which lands where the first
// one was read), then reads back what the first one stored.

// overwrite sends commands shaped like the ones before but with other
// bytes, so the read buffer's first bytes are replaced, and checks the
// replies.
func overwrite(t *testing.T, c *rawConn, n int, key func(i int) string) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		b.WriteString(mb("SET", "zz"+key(i), strings.Repeat("#", 40)))
	}
	c.send(b.String())
	for range n {
		require.Equal(t, ok, c.reply())
	}
}

func TestArgumentsAreCopied(t *testing.T) {
	ts := startServer(t, Options{Config: newFuzzConfig()})
	c := dialRaw(t, ts.addr)
	const n = 64
	key := func(i int) string { return fmt.Sprintf("key:%04d", i) }
	val := func(i int) string { return fmt.Sprintf("value-%04d-%s", i, strings.Repeat(strconv.Itoa(i%10), 20)) }

	t.Run("SET pipeline", func(t *testing.T) {
		var b strings.Builder
		for i := range n {
			b.WriteString(mb("SET", key(i), val(i)))
		}
		c.send(b.String())
		for range n {
			require.Equal(t, ok, c.reply())
		}
		overwrite(t, c, n, key)
		for i := range n {
			require.Equal(t, bulk(val(i)), c.do("GET", key(i)), "key %s", key(i))
		}
		// The keys themselves: KEYS lists the stored names.
		require.Contains(t, c.do("KEYS", "key:0000"), "key:0000")
	})

	t.Run("MSET", func(t *testing.T) {
		args := []string{"MSET"}
		for i := range n {
			args = append(args, "m"+key(i), val(i))
		}
		require.Equal(t, ok, c.do(args...))
		overwrite(t, c, n, key)
		for i := range n {
			require.Equal(t, bulk(val(i)), c.do("GET", "m"+key(i)))
		}
	})

	t.Run("APPEND and SETRANGE", func(t *testing.T) {
		c.send(mb("APPEND", "ap", "first-part|") + mb("APPEND", "ap", "second-part") +
			mb("SETRANGE", "sr", "3", "range-value") + mb("SETRANGE", "sr", "0", "abc"))
		require.Equal(t, ":11\r\n", c.reply())
		require.Equal(t, ":22\r\n", c.reply())
		require.Equal(t, ":14\r\n", c.reply())
		require.Equal(t, ":14\r\n", c.reply())
		overwrite(t, c, 8, key)
		require.Equal(t, bulk("first-part|second-part"), c.do("GET", "ap"))
		require.Equal(t, bulk("abcrange-value"), c.do("GET", "sr"))
	})

	t.Run("SETEX GETSET INCRBYFLOAT", func(t *testing.T) {
		c.send(mb("SETEX", "sx", "100", "setex-value") + mb("SET", "gs", "old-value") +
			mb("GETSET", "gs", "new-value") + mb("INCRBYFLOAT", "f", "1.5"))
		require.Equal(t, ok, c.reply())
		require.Equal(t, ok, c.reply())
		require.Equal(t, bulk("old-value"), c.reply())
		require.Equal(t, bulk("1.5"), c.reply())
		overwrite(t, c, 8, key)
		require.Equal(t, bulk("setex-value"), c.do("GET", "sx"))
		require.Equal(t, bulk("new-value"), c.do("GET", "gs"))
		require.Equal(t, bulk("1.5"), c.do("GET", "f"))
	})

	t.Run("RENAME COPY", func(t *testing.T) {
		c.send(mb("SET", "src", "moved") + mb("RENAME", "src", "renamed-key") +
			mb("COPY", "renamed-key", "copied-key"))
		require.Equal(t, ok, c.reply())
		require.Equal(t, ok, c.reply())
		require.Equal(t, ":1\r\n", c.reply())
		overwrite(t, c, 8, key)
		require.Equal(t, bulk("moved"), c.do("GET", "renamed-key"))
		require.Equal(t, bulk("moved"), c.do("GET", "copied-key"))
		require.Equal(t, ":1\r\n", c.do("EXISTS", "renamed-key"))
	})

	t.Run("CLIENT SETNAME SETINFO HELLO", func(t *testing.T) {
		d := dialRaw(t, ts.addr)
		d.send(mb("CLIENT", "SETNAME", "my-name") + mb("CLIENT", "SETINFO", "LIB-NAME", "my-lib") +
			mb("CLIENT", "SETINFO", "LIB-VER", "1.2.3"))
		for range 3 {
			require.Equal(t, ok, d.reply())
		}
		overwrite(t, d, 8, key)
		require.Equal(t, bulk("my-name"), d.do("CLIENT", "GETNAME"))
		info := d.do("CLIENT", "INFO")
		require.Contains(t, info, " name=my-name ")
		require.Contains(t, info, " lib-name=my-lib ")
		require.Contains(t, info, " lib-ver=1.2.3")
		require.Contains(t, info, " cmd=client|info ")

		d.send(mb("HELLO", "2", "SETNAME", "hello-name"))
		require.True(t, strings.HasPrefix(d.reply(), "*14\r\n"))
		overwrite(t, d, 8, key)
		require.Equal(t, bulk("hello-name"), d.do("CLIENT", "GETNAME"))
		// The last command's name, for CLIENT LIST, outlives its bytes.
		list := c.do("CLIENT", "LIST", "ID", strings.TrimSuffix(strings.TrimPrefix(d.do("CLIENT", "ID"), ":"), "\r\n"))
		require.Contains(t, list, " cmd=client|id ")
	})

	t.Run("CONFIG SET", func(t *testing.T) {
		c.send(mb("CONFIG", "SET", "hz", "42"))
		require.Equal(t, ok, c.reply())
		overwrite(t, c, 8, key)
		require.Equal(t, "*2\r\n$2\r\nhz\r\n$2\r\n42\r\n", c.do("CONFIG", "GET", "hz"))
	})

	t.Run("inline", func(t *testing.T) {
		c.send("SET inline-key \"quoted\\tvalue\"\r\nSET inline2 'single'\r\n")
		require.Equal(t, ok, c.reply())
		require.Equal(t, ok, c.reply())
		overwrite(t, c, 8, key)
		require.Equal(t, bulk("quoted\tvalue"), c.do("GET", "inline-key"))
		require.Equal(t, bulk("single"), c.do("GET", "inline2"))
	})
}

func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
