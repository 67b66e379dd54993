package resp

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// helloMap3 is HELLO's reply in RESP3 for client id.
func helloMap3(id string) string {
	return "%7\r\n" + strings.TrimPrefix(strings.Replace(helloMap(id), ":2\r\n", ":3\r\n", 1), "*14\r\n")
}

// TestRESP3HelloSwitchesProtocol: HELLO 3 changes this connection's
// replies and CLIENT LIST's resp= field as others see it; HELLO 2 and
// RESET switch back.
func TestRESP3HelloSwitchesProtocol(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	other := dialRaw(t, ts.addr)
	id := strings.TrimSuffix(strings.TrimPrefix(c.do("CLIENT", "ID"), ":"), "\r\n")
	resp := func() string {
		list := other.do("CLIENT", "LIST", "ID", id)
		i := strings.Index(list, " resp=")
		require.GreaterOrEqual(t, i, 0, list)
		return list[i+6 : i+7]
	}
	require.Equal(t, "2", resp())
	require.Equal(t, helloMap3(id), c.do("HELLO", "3"))
	require.Equal(t, "3", resp())
	require.Equal(t, "_\r\n", c.do("GET", "nokey"))
	require.Equal(t, "%0\r\n", c.do("CONFIG", "GET", "*"), "no Config: an empty map")
	require.True(t, strings.HasPrefix(c.do("MEMORY", "MALLOC-STATS"), "="), "a verbatim string, as Redis's")
	require.Equal(t, helloMap(id), c.do("HELLO", "2"))
	require.Equal(t, "2", resp())
	require.Equal(t, "$-1\r\n", c.do("GET", "nokey"))
	require.Equal(t, helloMap3(id), c.do("HELLO", "3"))
	require.Equal(t, "+RESET\r\n", c.do("RESET"))
	require.Equal(t, "2", resp())
	require.Equal(t, "$-1\r\n", c.do("GET", "nokey"))
	require.Equal(t, errReply(errNoProto), c.do("HELLO", "4"))
}

// TestRESP3PubSubFramesPerSubscriber: one PUBLISH reaches a RESP2 and a
// RESP3 subscriber, each in its own framing, while a third subscriber
// switches from RESP3 to RESP2 under a stream of messages: those before
// HELLO 2's reply must be pushes, those after it arrays. Run under -race,
// it also checks that publishers read the protocol safely.
func TestRESP3PubSubFramesPerSubscriber(t *testing.T) {
	ts := startServer(t, Options{})
	s2, s3, flip := dialRaw(t, ts.addr), dialRaw(t, ts.addr), dialRaw(t, ts.addr)
	require.Equal(t, "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", s2.do("SUBSCRIBE", "ch"))
	s3.do("HELLO", "3")
	require.Equal(t, ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", s3.do("SUBSCRIBE", "ch"))
	flip.do("HELLO", "3")
	flip.do("SUBSCRIBE", "ch")

	pub := dialRaw(t, ts.addr)
	require.Equal(t, ":3\r\n", pub.do("PUBLISH", "ch", "m"))
	require.Equal(t, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n", s2.reply())
	require.Equal(t, ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n", s3.reply())
	require.Equal(t, ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n", flip.reply())

	const n = 200
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p := dialRaw(t, ts.addr)
		for i := range n {
			p.send(mb("PUBLISH", "ch", strconv.Itoa(i)))
		}
		for range n {
			p.reply()
		}
	}()
	// flip switches to RESP2 while messages arrive: every message before
	// HELLO's reply must be a push, every one after it an array.
	before, after, hello := 0, 0, false
	for before+after < n {
		if before == n/4 && !hello {
			flip.send(mb("HELLO", "2"))
		}
		f := flip.reply()
		switch {
		case strings.HasPrefix(f, "*14\r\n"):
			require.False(t, hello)
			hello = true
		case !hello && strings.HasPrefix(f, ">3\r\n$7\r\nmessage\r\n"):
			before++
		case hello && strings.HasPrefix(f, "*3\r\n$7\r\nmessage\r\n"):
			after++
		default:
			t.Fatalf("frame %q after %d messages (HELLO 2 answered: %v)", f, before+after, hello)
		}
	}
	if !hello {
		require.True(t, strings.HasPrefix(flip.reply(), "*14\r\n"))
	}
	wg.Wait()
	for range n {
		require.True(t, strings.HasPrefix(s2.reply(), "*3\r\n$7\r\nmessage\r\n"))
		require.True(t, strings.HasPrefix(s3.reply(), ">3\r\n$7\r\nmessage\r\n"))
	}
}
