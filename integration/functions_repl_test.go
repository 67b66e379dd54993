package integration

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// functionsOf is FUNCTION LIST WITHCODE of a node, as text (its libraries
// come sorted by name).
func (n *node) functionsOf(ctx context.Context) (string, error) {
	v, err := n.rdb.Do(ctx, "FUNCTION", "LIST", "WITHCODE").Result()
	return fmt.Sprint(v), err
}

// requireSameFunctions waits until every secondary lists the primary's
// libraries, and returns that list.
func requireSameFunctions(t *testing.T, p *node, secondaries ...*node) string {
	t.Helper()
	ctx := context.Background()
	var last string
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		want, err := p.functionsOf(ctx)
		if !assert.NoError(c, err) {
			return
		}
		for _, s := range secondaries {
			got, err := s.functionsOf(ctx)
			if assert.NoError(c, err) {
				assert.Equal(c, want, got, "secondary %s", s.Addr())
			}
		}
		last = want
	}, convergeTimeout, pollInterval)
	return last
}

const (
	counterLib = "#!lua name=counter\n" +
		"redis.register_function('bump', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)\n" +
		"redis.register_function{function_name='peek', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}}"
	otherLib = "#!lua name=other\nredis.register_function('hello', function() return 'hi' end)"
)

// TestFunctionsReplicate: the function libraries are state the
// secondaries, the log, snapshots and full syncs carry, as keys are:
// loaded on a primary, a library's functions run on its secondaries
// (FCALL_RO there), survive a kill -9 restart of a secondary and of the
// primary, from the log and from a snapshot, reach a fresh secondary by full sync, and FUNCTION DELETE and
// FLUSH reach them all. A secondary refuses to load one itself.
func TestFunctionsReplicate(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startAOFNode(t)
	s1 := startPersistingSecondary(t, p)

	require.Equal(t, "counter", p.rdb.FunctionLoad(ctx, counterLib).Val())
	require.Equal(t, int64(5), p.rdb.FCall(ctx, "bump", []string{"n"}, 5).Val())
	requireConverged(t, p, s1)
	requireSameFunctions(t, p, s1)
	v, err := s1.rdb.FCallRO(ctx, "peek", []string{"n"}).Result()
	require.NoError(t, err)
	require.Equal(t, "5", v)
	require.EqualError(t, s1.rdb.FunctionLoad(ctx, otherLib).Err(), "READONLY You can't write against a read only replica.")
	require.EqualError(t, s1.rdb.FCall(ctx, "bump", []string{"n"}, 1).Err(), "READONLY You can't write against a read only replica.")

	// A secondary's own log keeps them too.
	s1.restart()
	requireSameFunctions(t, p, s1)

	// From the log alone.
	want := requireSameFunctions(t, p, s1)
	p.restart()
	got, err := p.functionsOf(ctx)
	require.NoError(t, err)
	require.Equal(t, want, got, "the restarted primary's libraries")
	require.Equal(t, int64(6), p.rdb.FCall(ctx, "bump", []string{"n"}, 1).Val())

	// From a snapshot, then the log after it.
	require.NoError(t, p.rdb.Do(ctx, "SAVE").Err())
	require.Equal(t, "other", p.rdb.FunctionLoad(ctx, otherLib).Val())
	want = requireSameFunctions(t, p, s1)
	p.restart()
	got, err = p.functionsOf(ctx)
	require.NoError(t, err)
	require.Equal(t, want, got, "the libraries of a primary restarted from a snapshot and the log")
	require.Equal(t, "hi", p.rdb.FCall(ctx, "hello", nil).Val())

	// A full sync carries them; the libraries are no key.
	s2 := startSecondary(t, p)
	requireConverged(t, p, s1, s2)
	requireSameFunctions(t, p, s1, s2)
	require.Equal(t, "6", s2.rdb.FCallRO(ctx, "peek", []string{"n"}).Val())
	require.EqualError(t, s2.rdb.FCallRO(ctx, "hello", nil).Err(), "READONLY You can't write against a read only replica.", "hello may write")
	require.Equal(t, int64(1), s2.rdb.DBSize(ctx).Val(), "only n")

	// FLUSHALL leaves them; DELETE and FLUSH remove them everywhere.
	require.NoError(t, p.rdb.FlushAll(ctx).Err())
	require.NoError(t, p.rdb.FunctionDelete(ctx, "other").Err())
	requireSameFunctions(t, p, s1, s2)
	require.EqualError(t, s2.rdb.FCallRO(ctx, "hello", nil).Err(), "ERR Function not found")
	requireConverged(t, p, s1, s2)
	require.ErrorIs(t, s2.rdb.FCallRO(ctx, "peek", []string{"n"}).Err(), redis.Nil, "the key went, the function stayed")
	require.NoError(t, p.rdb.FunctionFlush(ctx).Err())
	require.Equal(t, "[]", requireSameFunctions(t, p, s1, s2))
	requireConverged(t, p, s1, s2)
}

// TestFunctionKill holds for redis-server too: a function past
// busy-reply-threshold makes other clients' commands BUSY, naming
// FUNCTION KILL; SCRIPT KILL is refused then (and FUNCTION KILL while a
// script runs); FUNCTION STATS shows the running function (and is BUSY
// while a script runs); FUNCTION KILL stops it.
func TestFunctionKill(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	rdb := s.Client()
	require.NoError(t, rdb.ConfigSet(ctx, "busy-reply-threshold", "50").Err())
	require.Equal(t, "spin", rdb.FunctionLoad(ctx, "#!lua name=spin\nredis.register_function('spin', function() while true do end end)").Val())
	busyFunction := "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	busyScript := "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	requireRedisErr(t, rdb.FunctionKill(ctx).Err(), "NOTBUSY No scripts in execution right now.")

	runner := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ReadTimeout: time.Minute})
	t.Cleanup(func() { _ = runner.Close() })
	other := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ReadTimeout: time.Minute})
	t.Cleanup(func() { _ = other.Close() })
	waitBusy := func(text string) {
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			err := other.Ping(ctx).Err()
			if assert.Error(c, err) {
				assert.Equal(c, text, err.Error())
			}
		}, convergeTimeout, 10*time.Millisecond)
	}

	done := make(chan error, 1)
	go func() { done <- runner.FCall(ctx, "spin", nil).Err() }()
	waitBusy(busyFunction)
	requireRedisErr(t, other.ScriptKill(ctx).Err(), busyFunction)
	stats, err := other.Do(ctx, "FUNCTION", "STATS").Result()
	require.NoError(t, err)
	running := fmt.Sprint(stats)
	require.Contains(t, running, "name:spin")
	require.Contains(t, running, "command:[fcall spin 0]")
	require.NoError(t, other.FunctionKill(ctx).Err())
	requireRedisErr(t, <-done, "ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.")

	go func() { done <- runner.Eval(ctx, "while true do end", nil).Err() }()
	waitBusy(busyScript)
	requireRedisErr(t, other.FunctionKill(ctx).Err(), busyScript)
	requireRedisErr(t, other.Do(ctx, "FUNCTION", "STATS").Err(), busyScript)
	require.NoError(t, other.ScriptKill(ctx).Err())
	require.Error(t, <-done)
	require.NoError(t, other.Ping(ctx).Err())
}

// TestFunctionsAtomicAndPaused holds for redis-server too: FCALL inside
// MULTI keeps the transaction atomic (a reader never sees the value
// between its two INCRs), and CLIENT PAUSE WRITE holds an FCALL that may
// write until the pause ends, as it holds EVAL.
func TestFunctionsAtomicAndPaused(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--io-threads", "2") // clients served in parallel, where they could interleave
	ctx := context.Background()
	rdb := s.Client()
	require.Equal(t, "lib", rdb.FunctionLoad(ctx, "#!lua name=lib\n"+
		"redis.register_function{function_name='noop', callback=function() return 1 end, flags={'no-writes'}}\n"+
		"redis.register_function('bump', function(keys) return redis.call('INCR', keys[1]) end)").Val())

	writer := s.Client()
	writing, stopWriting := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		for writing.Err() == nil {
			// Inside MULTI the commands answer QUEUED, which go-redis
			// takes as errors of their own types: only EXEC's matter.
			_, _ = writer.Pipelined(ctx, func(p redis.Pipeliner) error {
				for range 50 {
					p.Do(ctx, "MULTI")
					p.Incr(ctx, "a")
					p.FCall(ctx, "noop", nil)
					p.Incr(ctx, "a")
					p.Do(ctx, "EXEC")
				}
				return nil
			})
		}
	})
	odd := 0
	for range 2000 {
		if n, err := rdb.Get(ctx, "a").Int(); err == nil && n%2 == 1 {
			odd++
		}
	}
	stopWriting()
	wg.Wait()
	require.Zero(t, odd, "reads that saw half a transaction")

	require.NoError(t, rdb.Do(ctx, "CLIENT", "PAUSE", "60000", "WRITE").Err())
	done := make(chan int64, 1)
	go func() { n, _ := writer.FCall(ctx, "bump", []string{"paused"}).Int64(); done <- n }()
	require.Never(t, func() bool { return rdb.Exists(ctx, "paused").Val() == 1 }, 300*time.Millisecond, 20*time.Millisecond)
	require.NoError(t, rdb.Do(ctx, "CLIENT", "UNPAUSE").Err())
	require.Equal(t, int64(1), <-done)
}

// TestPauseWriteLetsNoWritesScriptsRun holds for redis-server too: CLIENT
// PAUSE WRITE does not hold a function or a shebang script that declares
// no-writes (their declared flags are the command's), while it holds one
// that may write.
func TestPauseWriteLetsNoWritesScriptsRun(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	rdb := s.Client()
	require.Equal(t, "pz", rdb.FunctionLoad(ctx, "#!lua name=pz\n"+
		"redis.register_function{function_name='ro', callback=function() return 'ran' end, flags={'no-writes'}}").Val())
	require.NoError(t, rdb.Do(ctx, "CLIENT", "PAUSE", "60000", "WRITE").Err())
	t.Cleanup(func() { _ = rdb.Do(ctx, "CLIENT", "UNPAUSE").Err() })
	// Held, these would wait out the pause: the client gives up long before.
	quick := redis.NewClient(&redis.Options{Addr: s.Addr(), ReadTimeout: 10 * time.Second, MaxRetries: -1})
	t.Cleanup(func() { _ = quick.Close() })
	require.Equal(t, "ran", quick.FCall(ctx, "ro", nil).Val())
	require.Equal(t, "ran", quick.FCallRO(ctx, "ro", nil).Val())
	require.Equal(t, int64(1), quick.Eval(ctx, "#!lua flags=no-writes\nreturn 1", nil).Val())
	held := redis.NewClient(&redis.Options{Addr: s.Addr(), ReadTimeout: 300 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = held.Close() })
	require.Error(t, held.Eval(ctx, "#!lua\nreturn 1", nil).Err(), "a script that may write waits for the pause")
}
