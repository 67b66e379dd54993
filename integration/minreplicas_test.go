package integration

import (
	"context"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMinReplicasReplies holds for redis-server too (byte for byte, as
// redis-server 7.0 answered): with min-replicas-to-write 1 and no replica,
// a write is refused with NOREPLICAS, inside MULTI at queue time (EXEC
// then aborts), and a transaction queued before the check turned on is
// refused at EXEC; reads, PUBLISH and read-only transactions run; INFO
// shows min_slaves_good_slaves while the check is on, and
// min-slaves-max-lag 0 turns it off.
func TestMinReplicasReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := dialRaw(t, s.Addr())
	other := dialRaw(t, s.Addr())
	requireExactReplies(t, c, []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "k", "v"}, "+QUEUED\r\n"},
	})
	requireExactReplies(t, other, []exactStep{{[]string{"CONFIG", "SET", "min-slaves-to-write", "1"}, "+OK\r\n"}})
	requireExactReplies(t, c, []exactStep{
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of: NOREPLICAS Not enough good replicas to write.\r\n"},
		{[]string{"EXEC"}, "-ERR EXEC without MULTI\r\n"},
		{[]string{"SET", "k", "v"}, "-NOREPLICAS Not enough good replicas to write.\r\n"},
		{[]string{"DEL", "k"}, "-NOREPLICAS Not enough good replicas to write.\r\n"},
		{[]string{"GET", "k"}, "$-1\r\n"},
		{[]string{"PUBLISH", "ch", "m"}, ":0\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "k", "v"}, "-NOREPLICAS Not enough good replicas to write.\r\n"},
		{[]string{"GET", "k"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*1\r\n$-1\r\n"},
		{[]string{"CONFIG", "GET", "min-replicas-to-write"}, "*2\r\n$21\r\nmin-replicas-to-write\r\n$1\r\n1\r\n"},
		{[]string{"CONFIG", "SET", "min-replicas-max-lag", "x"}, "-ERR CONFIG SET failed (possibly related to argument 'min-replicas-max-lag') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "SET", "min-slaves-to-write", "-1"}, "-ERR CONFIG SET failed (possibly related to argument 'min-slaves-to-write') - argument must be between 0 and 2147483647 inclusive\r\n"},
	})
	rdb := s.Client()
	defer rdb.Close()
	ctx := context.Background()
	info, err := rdb.Info(ctx, "replication").Result()
	require.NoError(t, err)
	require.Contains(t, info, "\r\nconnected_slaves:0\r\nmin_slaves_good_slaves:0\r\n")

	requireExactReplies(t, c, []exactStep{
		{[]string{"CONFIG", "SET", "min-slaves-max-lag", "0"}, "+OK\r\n"},
		{[]string{"SET", "k", "v"}, "+OK\r\n"},
	})
	info, err = rdb.Info(ctx, "replication").Result()
	require.NoError(t, err)
	require.NotContains(t, info, "min_slaves_good_slaves")
}

// TestMinReplicasGoodSecondaries: a primary with min-replicas-to-write 1
// refuses writes without a secondary, accepts them once one is connected,
// refuses them while the secondary, stopped, acknowledges nothing for
// longer than min-replicas-max-lag, accepts them again when it resumes,
// and refuses them again once it is killed.
func TestMinReplicasGoodSecondaries(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t, "--min-replicas-to-write", "1", "--min-replicas-max-lag", "2", "--heartbeat-interval", "1")
	refused := func() bool {
		err := p.rdb.Set(ctx, "k", "v", 0).Err()
		return err != nil && strings.HasPrefix(err.Error(), "NOREPLICAS ")
	}
	accepted := func() bool { return p.rdb.Set(ctx, "k", "v", 0).Err() == nil }
	require.True(t, refused())

	s := startSecondary(t, p)
	require.Eventually(t, accepted, convergeTimeout, pollInterval, "a write with a secondary connected")
	p.waitInfo("replication", "min_slaves_good_slaves", "1")

	require.NoError(t, s.cmd.Process.Signal(syscall.SIGSTOP))
	t.Cleanup(func() { _ = s.cmd.Process.Signal(syscall.SIGCONT) })
	require.Eventually(t, refused, convergeTimeout, pollInterval, "a write while the secondary lags")
	p.waitInfo("replication", "min_slaves_good_slaves", "0")

	require.NoError(t, s.cmd.Process.Signal(syscall.SIGCONT))
	require.Eventually(t, accepted, convergeTimeout, pollInterval, "a write once the secondary acknowledges again")

	s.kill()
	require.Eventually(t, refused, convergeTimeout, pollInterval, "a write after the secondary is killed")
}

// TestMinReplicasScriptsInMulti: below min-replicas-to-write, a function
// or a shebang script that may write is refused when MULTI queues it (so
// EXEC discards the transaction), and a transaction of no-writes ones
// runs, as Redis takes their declared flags for the command's.
func TestMinReplicasScriptsInMulti(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"FUNCTION", "LOAD", "#!lua name=mr\nredis.register_function('w', function() return redis.call('SET','k','v') end)\nredis.register_function{function_name='ro', callback=function() return 1 end, flags={'no-writes'}}"}, "$2\r\nmr\r\n"},
		{[]string{"CONFIG", "SET", "min-replicas-to-write", "1"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"FCALL", "w", "0"}, "-NOREPLICAS Not enough good replicas to write.\r\n"},
		{[]string{"FCALL", "ro", "0"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"EVAL", "#!lua\nreturn 1", "0"}, "-NOREPLICAS Not enough good replicas to write.\r\n"},
		{[]string{"EVAL", "#!lua flags=no-writes\nreturn 2", "0"}, "+QUEUED\r\n"},
		{[]string{"EVAL", "return 3", "0"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"FCALL", "ro", "0"}, "+QUEUED\r\n"},
		{[]string{"EVAL", "#!lua flags=no-writes\nreturn 2", "0"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*2\r\n:1\r\n:2\r\n"},
		{[]string{"FCALL", "w", "0"}, "-NOREPLICAS Not enough good replicas to write.\r\n"},
		{[]string{"FCALL", "ro", "0"}, ":1\r\n"},
		{[]string{"CONFIG", "SET", "min-replicas-to-write", "0"}, "+OK\r\n"},
		{[]string{"FUNCTION", "FLUSH"}, "+OK\r\n"},
	})
}
