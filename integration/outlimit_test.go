package integration

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReplicaOutputBufferLimit: client-output-buffer-limit's replica class
// bounds what a primary holds for a secondary that stops reading. Past
// the hard limit the secondary is disconnected and counted; the primary
// keeps serving.
func TestReplicaOutputBufferLimit(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t, "--client-output-buffer-limit", "replica 1mb 0 0")
	got, err := p.rdb.ConfigGet(ctx, "client-output-buffer-limit").Result()
	require.NoError(t, err)
	require.Equal(t, "normal 0 0 0 slave 1048576 0 0 pubsub 33554432 8388608 60", got["client-output-buffer-limit"])

	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p.ReplPort)))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.(*net.TCPConn).SetReadBuffer(16<<10))
	_, err = c.Write(requestFrame(false))
	require.NoError(t, err)
	p.waitInfo("replication", "connected_slaves", "1")

	value := strings.Repeat("v", 64<<10)
	for i := range 128 { // 8 MiB: more than the socket buffers take
		require.NoError(t, p.rdb.Set(ctx, "big:"+strconv.Itoa(i), value, 0).Err())
	}
	p.waitInfo("replication", "nadb_output_limit_disconnections", "1")
	p.waitInfo("replication", "connected_slaves", "0")
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err = io.Copy(io.Discard, c)
	var ne net.Error
	require.False(t, err != nil && errors.As(err, &ne) && ne.Timeout(), "the primary closed the link")
	require.Contains(t, p.Output(), "replica closed for overcoming the replica output buffer limit")
	require.Equal(t, int64(128), p.rdb.DBSize(ctx).Val())
}
