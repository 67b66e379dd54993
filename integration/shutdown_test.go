package integration

import (
	"context"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// boundedExit is how long a stop may take whatever the clients are doing:
// the design bound is 1 s; the rest is slack for a loaded test machine.
// Every blocking command below would hold the process for 30 s or more.
const boundedExit = 3 * time.Second

// blockClient sends cmd on a connection named "blocker" and waits until
// CLIENT LIST shows it running; the reply never comes before the stop.
// running is the cmd field CLIENT LIST shows for it ("debug|sleep").
func blockClient(t *testing.T, s *node, running string, cmd ...any) <-chan error {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ReadTimeout: time.Minute, PoolSize: 1,
		OnConnect: func(ctx context.Context, cn *redis.Conn) error { return cn.ClientSetName(ctx, "blocker").Err() }})
	t.Cleanup(func() { _ = c.Close() })
	done := make(chan error, 1)
	go func() { done <- c.Do(context.Background(), cmd...).Err() }()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		list, err := s.rdb.ClientList(context.Background()).Result()
		if assert.NoError(ct, err) {
			assert.Contains(ct, list, "name=blocker ")
			for _, line := range strings.Split(list, "\n") {
				if strings.Contains(line, "name=blocker ") {
					assert.Contains(ct, line, " cmd="+running+" ")
				}
			}
		}
	}, convergeTimeout, pollInterval)
	select {
	case err := <-done:
		t.Fatalf("%v returned before the stop: %v", cmd, err)
	default:
	}
	return done
}

// requireBoundedStop stops s with stop and requires the process to exit
// within boundedExit, and the blocked client to see its connection end.
func requireBoundedStop(t *testing.T, s *node, blocked <-chan error, stop func()) {
	t.Helper()
	start := time.Now()
	stop()
	require.Equal(t, 0, s.WaitExit(exitTimeout))
	took := time.Since(start)
	require.Less(t, took, boundedExit, "the process took %v to exit", took)
	select {
	case err := <-blocked:
		require.Error(t, err, "a blocked client sees its connection closed, never a reply")
	case <-time.After(exitTimeout):
		t.Fatal("the blocked client never returned")
	}
	t.Logf("exited %v after the stop", took)
}

// noRetry returns a client that does not retry: a retried SHUTDOWN would
// wait for a server that is gone.
func noRetry(t *testing.T, s *node) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestShutdownBounded: SIGTERM and SHUTDOWN end the process promptly
// whatever a client is blocked in.
func TestShutdownBounded(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	sigterm := func(s *node) func() { return func() { s.Signal(syscall.SIGTERM) } }
	for _, tc := range []struct {
		name    string
		running string
		cmd     []any
		stop    func(s *node) func()
	}{
		{"WAIT with no secondary, SIGTERM", "wait", []any{"WAIT", "1", "0"}, sigterm},
		{"DEBUG SLEEP, SIGTERM", "debug|sleep", []any{"DEBUG", "SLEEP", "30"}, sigterm},
		{"WAIT with no secondary, SHUTDOWN", "wait", []any{"WAIT", "1", "0"}, func(s *node) func() {
			return func() { _ = noRetry(t, s).Shutdown(context.Background()).Err() }
		}},
		{"DEBUG SLEEP, SHUTDOWN NOSAVE", "debug|sleep", []any{"DEBUG", "SLEEP", "30"}, func(s *node) func() {
			return func() { _ = noRetry(t, s).Do(context.Background(), "SHUTDOWN", "NOSAVE").Err() }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startNode(t)
			blocked := blockClient(t, s, tc.running, tc.cmd...)
			requireBoundedStop(t, s, blocked, tc.stop(s))
		})
	}
}

// TestShutdownBoundedBroadcastSync: with broadcast-async no, a write's
// reply waits until its frame was sent to every secondary. With the
// secondary stopped (SIGSTOP) the socket fills and the write waits; SIGTERM
// still ends the primary at once.
func TestShutdownBoundedBroadcastSync(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t, "--broadcast-async", "no", "--appendonly", "no")
	s := startSecondary(t, p)
	requireConverged(t, p, s)
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGSTOP))
	t.Cleanup(func() { _ = s.cmd.Process.Signal(syscall.SIGCONT) })

	// Writes of 4 MiB until one waits: the secondary reads nothing, so the
	// kernel's buffers fill after a few.
	c := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, ReadTimeout: time.Minute})
	t.Cleanup(func() { _ = c.Close() })
	value := strings.Repeat("v", 4<<20)
	var since atomic.Int64 // when the write in flight started (Unix ns), 0 between writes
	blocked := make(chan error, 1)
	go func() {
		for {
			since.Store(time.Now().UnixNano())
			if err := c.Set(context.Background(), "big", value, 0).Err(); err != nil {
				blocked <- err
				return
			}
			since.Store(0)
		}
	}()
	require.Eventually(t, func() bool {
		st := since.Load()
		return st != 0 && time.Since(time.Unix(0, st)) > time.Second
	}, convergeTimeout, pollInterval, "no write ever waited for the stopped secondary")
	requireBoundedStop(t, p, blocked, func() { p.Signal(syscall.SIGTERM) })
}
