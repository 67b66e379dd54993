package resp

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMonitorManyClients: while several clients write at once, each of two
// monitoring clients gets exactly one line per command, every client's in
// its own order; a client that closes stops being fed.
func TestMonitorManyClients(t *testing.T) {
	ts := startServer(t, Options{})
	mons := []*rawConn{dialRaw(t, ts.addr), dialRaw(t, ts.addr)}
	for _, m := range mons {
		require.Equal(t, "+OK\r\n", m.do("MONITOR"))
	}
	const clients, each = 4, 200
	conns := make([]*rawConn, clients)
	for i := range conns {
		conns[i] = dialRaw(t, ts.addr)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i, c := range conns {
		wg.Go(func() {
			var b strings.Builder
			for j := range each {
				b.WriteString(mb("SET", "c"+strconv.Itoa(i), strconv.Itoa(j)))
			}
			if _, err := c.c.Write([]byte(b.String())); err != nil {
				errs <- err
				return
			}
			for range each {
				if _, err := c.readReply(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	want := make([]int, each)
	for j := range want {
		want[j] = j
	}
	for _, m := range mons {
		seen := make([][]int, clients)
		for range clients * each {
			line := m.reply()
			f := strings.Fields(strings.TrimSpace(line))
			require.Len(t, f, 6, line)
			i, err := strconv.Atoi(strings.Trim(f[4], `"c`))
			require.NoError(t, err, line)
			j, err := strconv.Atoi(strings.Trim(f[5], `"`))
			require.NoError(t, err, line)
			seen[i] = append(seen[i], j)
		}
		for i := range seen {
			require.Equal(t, want, seen[i], "client %d's commands, each once and in order", i)
		}
	}
	require.NoError(t, mons[1].c.Close())
	require.Eventually(t, func() bool { return ts.srv.mon.n.Load() == 1 }, 5*time.Second, time.Millisecond)
	c := dialRaw(t, ts.addr)
	require.Equal(t, "+OK\r\n", c.do("SET", "last", "1"))
	require.Contains(t, mons[0].reply(), `"SET" "last" "1"`)
}
