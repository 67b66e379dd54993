package resp

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// blockingRepl is a Replication whose WAIT blocks until its context ends
// and whose WriteDone blocks until release is closed, ignoring its context
// (a dependency that does not honour it).
type blockingRepl struct {
	standalone
	waitEnded chan error    // receives Wait's context error
	inWrite   chan struct{} // receives a value when WriteDone starts
	release   chan struct{}
}

func (r *blockingRepl) Wait(ctx context.Context, _ int, _ time.Duration) int {
	<-ctx.Done()
	r.waitEnded <- ctx.Err()
	return 0
}

func (r *blockingRepl) WriteDone(context.Context) error {
	r.inWrite <- struct{}{}
	<-r.release
	return errors.New("released")
}

func newBlockingRepl() *blockingRepl {
	return &blockingRepl{waitEnded: make(chan error, 1), inWrite: make(chan struct{}, 1), release: make(chan struct{})}
}

// TestShutdownWakesWait: WAIT gets the server's context, which Stop
// cancels; the blocked client sees its connection close, never a reply,
// as in Redis.
func TestShutdownWakesWait(t *testing.T) {
	repl := newBlockingRepl()
	ts := startServer(t, Options{Replication: repl})
	c := dialRaw(t, ts.addr)
	c.send(mb("WAIT", "1", "0"))
	require.Eventually(t, func() bool {
		for _, cl := range ts.srv.clientList() {
			if p := cl.lastCmd.Load(); p != nil && *p == "wait" {
				return true
			}
		}
		return false
	}, replyTimeout, time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), replyTimeout)
	defer cancel()
	require.NoError(t, ts.srv.Shutdown(ctx))
	select {
	case err := <-repl.waitEnded:
		require.ErrorIs(t, err, context.Canceled)
	default:
		t.Fatal("Shutdown returned while WAIT still waited")
	}
	c.requireEOF(replyTimeout)
}

// TestShutdownDeadline: Shutdown returns ctx's error when a connection is
// still running at the deadline, without leaving a goroutine of its own;
// once the connection ends, Close returns nil.
func TestShutdownDeadline(t *testing.T) {
	repl := newBlockingRepl()
	ts := startServer(t, Options{Replication: repl})
	c := dialRaw(t, ts.addr)
	c.send(mb("SET", "k", "v"))
	select {
	case <-repl.inWrite:
	case <-time.After(replyTimeout):
		t.Fatal("the write never reached WriteDone")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, ts.srv.Shutdown(ctx), context.DeadlineExceeded)
	close(repl.release)
	require.NoError(t, ts.srv.Close())
	c.requireEOF(replyTimeout)
	// startServer's cleanup checks that no goroutine is left.
}
