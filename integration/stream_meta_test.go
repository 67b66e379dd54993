package integration

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestStreamMetadataIsNotAChange holds for redis-server 7.0 too: the
// consumer group commands and XSETID change a stream's metadata, which
// Redis does not count as a change of the key. A WATCH of it still holds
// after them, and a client blocked on it stays blocked (its reply is the
// next XADD's entry, not an empty one); creating the stream (MKSTREAM)
// is a change, and destroying a group wakes its readers with -NOGROUP.
func TestStreamMetadataIsNotAChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t)
	rdb := s.Client()

	for _, change := range [][]any{
		{"XSETID", "s", "9-9"},
		{"XGROUP", "CREATE", "s", "g2", "$"},
		{"XGROUP", "SETID", "s", "g", "0"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "newc"},
		{"XGROUP", "DELCONSUMER", "s", "g", "c"},
		{"XGROUP", "DESTROY", "s", "g"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"},
		{"XACK", "s", "g", "1-1"},
		{"XCLAIM", "s", "g", "c2", "0", "1-1"},
		{"XAUTOCLAIM", "s", "g", "c3", "0", "0"},
	} {
		require.NoError(t, rdb.FlushAll(ctx).Err())
		require.NoError(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-1", Values: []string{"f", "v"}}).Err())
		require.NoError(t, rdb.XGroupCreate(ctx, "s", "g", "0").Err())
		require.NoError(t, rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"s", ">"}, Block: -1}).Err())
		w := dialRaw(t, s.Addr())
		requireExactReplies(t, w, []exactStep{{[]string{"WATCH", "s"}, "+OK\r\n"}})
		require.NoError(t, rdb.Do(ctx, change...).Err(), "%v", change)
		requireExactReplies(t, w, []exactStep{
			{[]string{"MULTI"}, "+OK\r\n"},
			{[]string{"PING"}, "+QUEUED\r\n"},
			{[]string{"EXEC"}, "*1\r\n+PONG\r\n"},
		})
	}

	// Creating the stream is a change.
	require.NoError(t, rdb.FlushAll(ctx).Err())
	w := dialRaw(t, s.Addr())
	requireExactReplies(t, w, []exactStep{{[]string{"WATCH", "s"}, "+OK\r\n"}})
	require.NoError(t, rdb.XGroupCreateMkStream(ctx, "s", "g", "$").Err())
	requireExactReplies(t, w, []exactStep{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"PING"}, "+QUEUED\r\n"},
		{[]string{"EXEC"}, "*-1\r\n"},
	})

	// A blocked XREAD stays blocked through XSETID and a group's changes.
	require.NoError(t, rdb.FlushAll(ctx).Err())
	require.NoError(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-1", Values: []string{"f", "v"}}).Err())
	r := blockOn(t, s, rdb, 1, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	require.NoError(t, rdb.XGroupCreate(ctx, "s", "g", "0").Err())
	require.NoError(t, rdb.Do(ctx, "XSETID", "s", "5-5").Err())
	require.NoError(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "6-1", Values: []string{"a", "b"}}).Err())
	require.Equal(t, "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n", readReply(t, r))

	// A blocked XREADGROUP stays blocked through XGROUP SETID, and gets
	// what the group's new position gives once an XADD wakes it.
	require.NoError(t, rdb.FlushAll(ctx).Err())
	require.NoError(t, rdb.XGroupCreateMkStream(ctx, "s", "g", "$").Err())
	require.NoError(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-1", Values: []string{"f", "v"}}).Err())
	require.NoError(t, rdb.XGroupSetID(ctx, "s", "g", "$").Err())
	r = blockOn(t, s, rdb, 1, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
	require.NoError(t, rdb.XGroupSetID(ctx, "s", "g", "0").Err())
	require.NoError(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "2-1", Values: []string{"a", "b"}}).Err())
	require.Equal(t, "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n", readReply(t, r))

	// Destroying the group wakes its readers.
	r = blockOn(t, s, rdb, 1, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
	require.NoError(t, rdb.XGroupDestroy(ctx, "s", "g").Err())
	require.Equal(t, "-NOGROUP the consumer group this client was blocked on no longer exists\r\n", readReply(t, r))
}
