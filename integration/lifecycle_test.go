package integration

import (
	"context"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// requirePortFree asserts that nothing listens on addr any more.
func requirePortFree(t *testing.T, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	require.NoError(t, err, "port still taken after exit")
	require.NoError(t, l.Close())
}

func TestSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			s := startServer(t)
			ctx := context.Background()
			require.NoError(t, s.Client().Set(ctx, "k", "v", 0).Err())

			r := dialRaw(t, s.Addr())
			r.send("*1\r\n$4\r\nPING\r\n")
			require.Equal(t, "+PONG", r.readLine())
			// A reader blocked on the idle connection must see it closed.
			require.NoError(t, r.SetReadDeadline(time.Now().Add(exitTimeout)))
			readErr := make(chan error, 1)
			go func() {
				_, err := r.r.ReadByte()
				readErr <- err
			}()

			s.Signal(sig)
			require.Equal(t, 0, s.WaitExit(exitTimeout), "exit code after %v", sig)
			require.ErrorIs(t, <-readErr, io.EOF)
			requirePortFree(t, s.Addr())
		})
	}
}

func TestShutdownCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]any{{"SHUTDOWN"}, {"SHUTDOWN", "NOSAVE"}} {
		t.Run(args[len(args)-1].(string), func(t *testing.T) {
			t.Parallel()
			s := startServer(t)
			// No retries: a retried SHUTDOWN would reach a server going away.
			c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
			defer c.Close()
			ctx := context.Background()
			require.NoError(t, c.Ping(ctx).Err())
			err := c.Do(ctx, args...).Err()
			t.Logf("%v answered %v (the connection closes, so an error is expected)", args, err)
			require.Equal(t, 0, s.WaitExit(exitTimeout))
			requirePortFree(t, s.Addr())
		})
	}
}
