package integration

import (
	"context"
	"strconv"
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
// running is the cmd field CLIENT LIST shows for it ("debug").
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
		{"DEBUG SLEEP, SIGTERM", "debug", []any{"DEBUG", "SLEEP", "30"}, sigterm},
		{"WAIT with no secondary, SHUTDOWN", "wait", []any{"WAIT", "1", "0"}, func(s *node) func() {
			return func() { _ = noRetry(t, s).Shutdown(context.Background()).Err() }
		}},
		{"DEBUG SLEEP, SHUTDOWN NOSAVE", "debug", []any{"DEBUG", "SLEEP", "30"}, func(s *node) func() {
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
// secondary stopped (SIGSTOP) the socket fills and the write waits;
// SIGTERM or SHUTDOWN still ends the primary at once.
func TestShutdownBoundedBroadcastSync(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	for _, tc := range []struct {
		name string
		stop func(p *node) func()
	}{
		{"SIGTERM", func(p *node) func() { return func() { p.Signal(syscall.SIGTERM) } }},
		{"SHUTDOWN", func(p *node) func() {
			return func() { _ = noRetry(t, p).Do(context.Background(), "SHUTDOWN", "NOSAVE").Err() }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startNode(t, "--broadcast-async", "no", "--appendonly", "no")
			s := startSecondary(t, p)
			requireConverged(t, p, s)
			require.NoError(t, s.cmd.Process.Signal(syscall.SIGSTOP))
			t.Cleanup(func() { _ = s.cmd.Process.Signal(syscall.SIGCONT) })
			blocked := blockedWrite(t, p)
			requireBoundedStop(t, p, blocked, tc.stop(p))
		})
	}
}

// blockedWrite writes 4 MiB values to p until one waits for more than a
// second, and returns the channel that gets that write's error. With a
// secondary that reads nothing and broadcast-async no, the kernel's
// buffers fill after a few writes and the next one waits.
func blockedWrite(t *testing.T, p *node) <-chan error {
	t.Helper()
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
	return blocked
}

// TestShutdownSaveWithBlockedClient: SHUTDOWN SAVE with a client blocked in
// WAIT still writes its snapshot (what it saved comes back after a
// restart) and still exits promptly.
func TestShutdownSaveWithBlockedClient(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	s := startNode(t) // appendonly no: only the snapshot keeps the data
	ctx := context.Background()
	for i := range 100 {
		require.NoError(t, s.rdb.Set(ctx, "k"+strconv.Itoa(i), i, 0).Err())
	}
	blocked := blockClient(t, s, "wait", "WAIT", "1", "0")
	requireBoundedStop(t, s, blocked, func() {
		err := noRetry(t, s).Do(ctx, "SHUTDOWN", "SAVE").Err()
		t.Logf("SHUTDOWN SAVE answered %v (the connection closes, so an error is expected)", err)
	})
	s.restart()
	require.Equal(t, int64(100), s.rdb.DBSize(ctx).Val(), "the snapshot SHUTDOWN SAVE wrote")
	require.Equal(t, "99", s.rdb.Get(ctx, "k99").Val())
}

// TestShutdownBroadcastSyncAbsentSecondary: with broadcast-async no, a
// write waits only for the secondaries that are connected; with the only
// secondary gone (killed), writes reply as usual and SIGTERM ends the
// primary as usual.
func TestShutdownBroadcastSyncAbsentSecondary(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t, "--broadcast-async", "no")
	s := startSecondary(t, p)
	requireConverged(t, p, s)
	s.kill()
	ctx := context.Background()
	require.Eventually(t, func() bool {
		info, err := p.info(ctx, "replication")
		return err == nil && info["connected_slaves"] == "0"
	}, convergeTimeout, pollInterval, "the primary never saw its secondary go")
	for i := range 20 {
		require.NoError(t, p.rdb.Set(ctx, "after-"+strconv.Itoa(i), "v", 0).Err(), "a write waits for no absent secondary")
	}
	blocked := blockClient(t, p, "wait", "WAIT", "1", "0")
	requireBoundedStop(t, p, blocked, func() { p.Signal(syscall.SIGTERM) })
}

// TestShutdownMidPipeline: SIGTERM while clients are in the middle of
// pipelines. One client's pipeline holds 300 DEBUG SLEEP 0.1 (30 s of
// work); the process still exits within boundedExit, because a stopped
// server runs no further command of a pipeline. Other clients pipeline
// INCRs: every increment they saw acknowledged is in the log after a
// restart (the shutdown still flushes the log).
func TestShutdownMidPipeline(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	s := startNode(t, "--appendonly", "yes")
	ctx := context.Background()

	const writers = 4
	var acked [writers]atomic.Int64 // the last value each writer saw acknowledged
	writerErrs := make(chan error, writers)
	for w := range writers {
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ReadTimeout: time.Minute, PoolSize: 1})
		t.Cleanup(func() { _ = c.Close() })
		key := "counter:" + strconv.Itoa(w)
		go func() {
			for {
				cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
					for range 200 {
						p.Incr(ctx, key)
					}
					return nil
				})
				if err != nil {
					writerErrs <- err
					return
				}
				acked[w].Store(cmds[len(cmds)-1].(*redis.IntCmd).Val())
			}
		}()
	}
	sleeper := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ReadTimeout: time.Minute, PoolSize: 1,
		OnConnect: func(ctx context.Context, cn *redis.Conn) error { return cn.ClientSetName(ctx, "blocker").Err() }})
	t.Cleanup(func() { _ = sleeper.Close() })
	blocked := make(chan error, 1)
	go func() {
		_, err := sleeper.Pipelined(ctx, func(p redis.Pipeliner) error {
			for range 300 {
				p.Do(ctx, "DEBUG", "SLEEP", "0.1")
			}
			return nil
		})
		blocked <- err
	}()

	require.Eventually(t, func() bool {
		for w := range writers {
			if acked[w].Load() < 1000 {
				return false
			}
		}
		list, err := s.rdb.ClientList(ctx).Result()
		return err == nil && strings.Contains(list, "name=blocker ") && strings.Contains(list, " cmd=debug ")
	}, convergeTimeout, pollInterval, "the writers and the sleeper never got going")
	requireBoundedStop(t, s, blocked, func() { s.Signal(syscall.SIGTERM) })
	for range writers {
		select {
		case err := <-writerErrs:
			require.Error(t, err)
		case <-time.After(exitTimeout):
			t.Fatal("a writer never saw its connection close")
		}
	}

	s.restart()
	for w := range writers {
		got, err := s.rdb.Get(ctx, "counter:"+strconv.Itoa(w)).Int64()
		require.NoError(t, err)
		require.GreaterOrEqual(t, got, acked[w].Load(), "counter:%d lost increments that were acknowledged", w)
	}
}

// TestShutdownDropsRestOfPipeline: a command queued in a pipeline behind a
// blocked one never runs once the server stops, as in Redis, where a
// blocked client's pending commands are never processed at shutdown.
func TestShutdownDropsRestOfPipeline(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	for _, blocking := range [][]any{{"WAIT", "1", "0"}, {"DEBUG", "SLEEP", "30"}} {
		t.Run(blocking[0].(string), func(t *testing.T) {
			t.Parallel()
			s := startNode(t, "--appendonly", "yes")
			ctx := context.Background()
			require.NoError(t, s.rdb.Set(ctx, "before", "1", 0).Err())
			c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ReadTimeout: time.Minute, PoolSize: 1,
				OnConnect: func(ctx context.Context, cn *redis.Conn) error { return cn.ClientSetName(ctx, "blocker").Err() }})
			t.Cleanup(func() { _ = c.Close() })
			blocked := make(chan error, 1)
			go func() {
				_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
					p.Do(ctx, blocking...)
					p.Set(ctx, "after", "1", 0)
					return nil
				})
				blocked <- err
			}()
			running := strings.ToLower(blocking[0].(string))
			require.Eventually(t, func() bool {
				list, err := s.rdb.ClientList(ctx).Result()
				return err == nil && strings.Contains(list, "name=blocker ") && strings.Contains(list, " cmd="+running+" ")
			}, convergeTimeout, pollInterval, "the pipeline never blocked")
			requireBoundedStop(t, s, blocked, func() { s.Signal(syscall.SIGTERM) })

			s.restart()
			require.Equal(t, "1", s.rdb.Get(ctx, "before").Val())
			require.Equal(t, int64(0), s.rdb.Exists(ctx, "after").Val(), "the write queued behind %v ran after the stop", blocking)
		})
	}
}

// TestShutdownSecondaryOfStoppedPrimary: a secondary whose primary hangs
// (SIGSTOP: the link stays open and silent) still stops at once, with a
// client of its own blocked in DEBUG SLEEP.
func TestShutdownSecondaryOfStoppedPrimary(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	p := startNode(t)
	s := startSecondary(t, p)
	require.NoError(t, p.rdb.Set(context.Background(), "k", "v", 0).Err())
	requireConverged(t, p, s)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGSTOP))
	t.Cleanup(func() { _ = p.cmd.Process.Signal(syscall.SIGCONT) })
	blocked := blockClient(t, s, "debug", "DEBUG", "SLEEP", "30")
	requireBoundedStop(t, s, blocked, func() { s.Signal(syscall.SIGTERM) })
}
