package integration

import (
	"context"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// collWorkload writes n random operations on sets and strings, some in
// MULTI/EXEC: members added and removed, sets emptied, expired, renamed,
// copied and moved.
func collWorkload(t *testing.T, rdb *redis.Client, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	key := func() string { return "c:" + strconv.Itoa(rng.IntN(30)) }
	member := func() string { return "m" + strconv.Itoa(rng.IntN(40)) }
	one := func(p redis.Cmdable) {
		switch rng.IntN(10) {
		case 0:
			p.Set(ctx, "s:"+strconv.Itoa(rng.IntN(20)), rng.Int64(), 0)
		case 1, 2, 3:
			p.SAdd(ctx, key(), member(), member(), rng.Int64())
		case 4, 5:
			p.SRem(ctx, key(), member(), member(), member())
		case 6:
			p.Expire(ctx, key(), 100*24*time.Hour)
		case 7:
			p.Rename(ctx, key(), key())
		case 8:
			p.Copy(ctx, key(), key(), 0, true)
		case 9:
			p.Move(ctx, key(), 1)
		}
	}
	runWorkload(ctx, rdb, rng, n, one) // RENAME of a missing key fails: expected
}

// TestCollectionReplication: sets replicated as APPLY and OBJECT frames
// to two secondaries reach equal digests; a kill -9 restart from a
// snapshot and the log, and a full sync of a fresh secondary, keep them.
func TestCollectionReplication(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	p := startAOFNode(t)
	s1 := startSecondary(t, p)
	s2 := startSecondary(t, p)

	collWorkload(t, p.rdb, rng, 1500)
	require.Equal(t, "OK", p.rdb.Save(ctx).Val()) // a snapshot holding sets
	collWorkload(t, p.rdb, rng, 1500)
	before := requireConverged(t, p, s1, s2)

	members := func(rdb *redis.Client, k string) []string {
		ms := rdb.SMembers(ctx, k).Val()
		sort.Strings(ms)
		return ms
	}
	for i := range 30 {
		k := "c:" + strconv.Itoa(i)
		require.Equal(t, members(p.rdb, k), members(s2.rdb, k), k)
	}
	p.restart()
	require.Equal(t, before.Digest, p.digest(), "the restarted primary's dataset")
	collWorkload(t, p.rdb, rng, 500)
	requireConverged(t, p, s1, s2)

	s3 := startSecondary(t, p) // a full sync
	requireConverged(t, p, s1, s2, s3)
}
