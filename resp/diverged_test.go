package resp

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/replication/node"
)

// divergedRepl is a primary-less replication whose secondary has found a
// divergence at seq and refuses reads.
type divergedRepl struct {
	standalone
	seq uint64
}

func (r divergedRepl) ReadError() error { return &node.DivergedError{Seq: r.seq} }

// TestDivergedRefusesReads: while the replication layer reports a
// divergence, every command that reads the keyspace gets the DIVERGED
// error; connection, server and administration commands still run, so an
// operator can look (INFO, DEBUG DIGEST) while the repair runs.
func TestDivergedRefusesReads(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	require.Equal(t, "+OK\r\n", c.do("SET", "k", "v"))
	ts.srv.SetLoaded(divergedRepl{seq: 1234}, nil)
	want := "-DIVERGED This replica's data differs from its primary's (found at sequence 1234) and replica-serve-diverged-data is set to 'no'; a full resynchronization is in progress.\r\n"
	for _, cmd := range [][]string{{"GET", "k"}, {"MGET", "k", "x"}, {"EXISTS", "k"}, {"DBSIZE"}, {"KEYS", "*"}, {"SCAN", "0"}, {"TTL", "k"}, {"STRLEN", "k"}} {
		require.Equal(t, want, c.do(cmd...), "%v", cmd)
	}
	require.Equal(t, "+PONG\r\n", c.do("PING"))
	require.Contains(t, c.do("INFO", "server"), "redis_version")
	require.Regexp(t, `^\+[0-9a-f]{40}\r\n$`, c.do("DEBUG", "DIGEST"))
	ts.srv.SetLoaded(standalone{}, nil)
	require.Equal(t, "$1\r\nv\r\n", c.do("GET", "k"))
}

// staleRepl is a secondary whose link to its primary is down, with
// replica-serve-stale-data no.
type staleRepl struct{ standalone }

func (staleRepl) StaleError() error { return node.ErrMasterDown }

// TestStaleRefusesCommands: while the link is down, every command without
// Redis's stale flag gets MASTERDOWN, PING included, and a transaction that
// queues one is aborted; the stale commands (INFO, ECHO, SELECT, CONFIG,
// ROLE...) still run, as in Redis.
func TestStaleRefusesCommands(t *testing.T) {
	ts := startServer(t, Options{})
	c := dialRaw(t, ts.addr)
	require.Equal(t, "+OK\r\n", c.do("SET", "k", "v"))
	ts.srv.SetLoaded(staleRepl{}, nil)
	want := "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
	for _, cmd := range [][]string{{"GET", "k"}, {"PING"}, {"DBSIZE"}, {"EXISTS", "k"}, {"TYPE", "k"}, {"RANDOMKEY"}, {"WAIT", "0", "0"}, {"SCAN", "0"}} {
		require.Equal(t, want, c.do(cmd...), "%v", cmd)
	}
	require.Equal(t, "$1\r\nx\r\n", c.do("ECHO", "x"))
	require.Equal(t, "+OK\r\n", c.do("SELECT", "0"))
	require.Contains(t, c.do("INFO", "server"), "redis_version")
	require.Equal(t, "+OK\r\n", c.do("MULTI"))
	require.Equal(t, want, c.do("GET", "k"))
	require.Equal(t, "-EXECABORT Transaction discarded because of previous errors.\r\n", c.do("EXEC"))

	// A transaction queued while the link was up, run once it is down.
	ts.srv.SetLoaded(standalone{}, nil)
	require.Equal(t, "+OK\r\n", c.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", c.do("GET", "k"))
	ts.srv.SetLoaded(staleRepl{}, nil)
	require.Equal(t, "-EXECABORT Transaction discarded because of: "+want[1:], c.do("EXEC"))
	require.Equal(t, want, c.do("GET", "k"))
	require.Equal(t, "-ERR EXEC without MULTI\r\n", c.do("EXEC"), "the transaction was discarded")

	ts.srv.SetLoaded(standalone{}, nil)
	require.Equal(t, "$1\r\nv\r\n", c.do("GET", "k"))
	require.Equal(t, "+PONG\r\n", c.do("PING"))
}
