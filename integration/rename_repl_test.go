package integration

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestRenameMovesWithoutValue: RENAME and MOVE of large values of every
// type are logged and replicated as the move, not as the whole value
// under the new name: the log grows by a few frames, a secondary and a
// restarted primary end with the same data (expiries, types and
// encodings kept), and what watched or waited on either name is told.
func TestRenameMovesWithoutValue(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t, aofArgs("everysec")...)
	s := startSecondary(t, p)
	members := make([]any, 0, 20_000)
	for i := range 20_000 {
		members = append(members, fmt.Sprint("member:", i))
	}
	_, err := p.rdb.Pipelined(ctx, func(pp redis.Pipeliner) error {
		pp.SAdd(ctx, "set", members...)
		pp.RPush(ctx, "list", members...)
		for i := 0; i < len(members); i += 2 {
			pp.HSet(ctx, "hash", members[i], i)
			pp.ZAdd(ctx, "zset", redis.Z{Score: float64(i), Member: members[i]})
		}
		pp.XAdd(ctx, &redis.XAddArgs{Stream: "stream", ID: "1-1", Values: []any{"f", "v"}})
		pp.Set(ctx, "string", string(make([]byte, 1<<20)), 0)
		pp.Expire(ctx, "zset", 3600e9)
		return nil
	})
	require.NoError(t, err)
	before := requireConverged(t, p, s)
	start := loggedBytes(t, p.Dir)

	_, err = p.rdb.Pipelined(ctx, func(pp redis.Pipeliner) error {
		for _, k := range []string{"set", "list", "hash", "zset", "stream", "string"} {
			pp.Rename(ctx, k, k+":renamed")
			pp.Rename(ctx, k+":renamed", k) // and back
			pp.Rename(ctx, k, k+":2")
			pp.Move(ctx, k+":2", 3)
		}
		pp.Set(ctx, "taken", "x", 0)
		pp.Rename(ctx, "set:2", "taken") // over another key... of database 0: set:2 is in 3 now
		return nil
	})
	require.Error(t, err, "set:2 moved to database 3")
	require.Less(t, loggedBytes(t, p.Dir)-start, int64(64<<10), "moves, not values")
	after := requireConverged(t, p, s)
	require.Equal(t, int64(0), p.rdb.Exists(ctx, "set", "list", "hash", "zset", "stream", "string").Val())

	db3 := redis.NewClient(&redis.Options{Addr: p.Addr(), DB: 3})
	defer db3.Close()
	require.Equal(t, int64(20_000), db3.SCard(ctx, "set:2").Val())
	require.Equal(t, int64(20_000), db3.LLen(ctx, "list:2").Val())
	require.Equal(t, int64(10_000), db3.HLen(ctx, "hash:2").Val())
	require.Equal(t, int64(10_000), db3.ZCard(ctx, "zset:2").Val())
	require.Greater(t, db3.TTL(ctx, "zset:2").Val().Seconds(), 3000.0, "the expiry moves with the value")
	require.Equal(t, int64(1<<20), db3.StrLen(ctx, "string:2").Val())
	require.Equal(t, "hashtable", db3.ObjectEncoding(ctx, "set:2").Val())
	require.NotEqual(t, before.Digest, after.Digest, "the keys' names are in the digest")

	// COPY: the copies are made where the frames are applied, not sent.
	start = loggedBytes(t, p.Dir)
	_, err = db3.Pipelined(ctx, func(pp redis.Pipeliner) error {
		for _, k := range []string{"set", "list", "hash", "zset", "stream", "string"} {
			pp.Copy(ctx, k+":2", k+":copy", 3, false)
			pp.Copy(ctx, k+":2", k, 0, true)
		}
		return nil
	})
	require.NoError(t, err)
	require.Less(t, loggedBytes(t, p.Dir)-start, int64(64<<10), "copies made, not sent")
	require.Equal(t, int64(20_000), p.rdb.SCard(ctx, "set").Val())
	require.Equal(t, "hashtable", db3.ObjectEncoding(ctx, "set:copy").Val())
	after = requireConverged(t, p, s)

	// The same data after a restart, from the log.
	p.stop()
	p.restart()
	require.Equal(t, after.Digest, p.digest(), "the same data after a restart")
}
