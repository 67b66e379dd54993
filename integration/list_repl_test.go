package integration

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// listWorkload writes n random list operations, some in MULTI/EXEC:
// pushes and pops at both ends, edits in the middle (LSET, LINSERT,
// LREM, LTRIM), moves between lists and within one, LMPOP, lists
// emptied, expired, renamed and copied, and strings in the way.
func listWorkload(t *testing.T, rdb *redis.Client, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	key := func() string { return "l:" + strconv.Itoa(rng.IntN(20)) }
	elem := func() string { return "e" + strconv.Itoa(rng.IntN(30)) }
	one := func(p redis.Cmdable) {
		switch rng.IntN(16) {
		case 0:
			p.Set(ctx, key(), "string", 0)
		case 1, 2:
			p.LPush(ctx, key(), elem(), elem(), elem())
		case 3, 4:
			p.RPush(ctx, key(), elem(), rng.Int64())
		case 5:
			p.LPopCount(ctx, key(), 1+rng.IntN(3))
		case 6:
			p.RPop(ctx, key())
		case 7:
			p.LSet(ctx, key(), int64(rng.IntN(7)-3), elem())
		case 8:
			p.LInsertBefore(ctx, key(), elem(), elem())
		case 9:
			p.LRem(ctx, key(), int64(rng.IntN(5)-2), elem())
		case 10:
			p.LTrim(ctx, key(), int64(rng.IntN(4)), int64(rng.IntN(8)-2))
		case 11:
			p.LMove(ctx, key(), key(), []string{"LEFT", "RIGHT"}[rng.IntN(2)], []string{"LEFT", "RIGHT"}[rng.IntN(2)])
		case 12:
			p.LMPop(ctx, "right", int64(1+rng.IntN(3)), key(), key())
		case 13:
			p.Expire(ctx, key(), 100*24*time.Hour)
		case 14:
			p.Rename(ctx, key(), key())
		case 15:
			p.Copy(ctx, key(), key(), 0, true)
		}
	}
	runWorkload(ctx, rdb, rng, n, one) // WRONGTYPE, a missing key's RENAME: expected
}

// TestListReplication: lists replicated as APPLY and OBJECT frames to two
// secondaries reach equal digests and contents; a kill -9 restart of the
// primary from a snapshot and its log, and a full sync of a fresh
// secondary, keep them.
func TestListReplication(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 8))
	p := startAOFNode(t, "--list-max-listpack-size", "4")
	s1 := startSecondary(t, p)
	s2 := startSecondary(t, p)

	listWorkload(t, p.rdb, rng, 1500)
	require.Equal(t, "OK", p.rdb.Save(ctx).Val()) // a snapshot holding lists
	listWorkload(t, p.rdb, rng, 1500)
	before := requireConverged(t, p, s1, s2)
	for i := range 20 {
		k := "l:" + strconv.Itoa(i)
		if p.rdb.Type(ctx, k).Val() == "list" {
			require.Equal(t, p.rdb.LRange(ctx, k, 0, -1).Val(), s2.rdb.LRange(ctx, k, 0, -1).Val(), k)
		}
	}
	p.restart()
	require.Equal(t, before.Digest, p.digest(), "the restarted primary's dataset")
	listWorkload(t, p.rdb, rng, 500)
	requireConverged(t, p, s1, s2)

	s3 := startSecondary(t, p) // a full sync
	requireConverged(t, p, s1, s2, s3)
}
