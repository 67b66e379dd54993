package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// zsetWorkload writes n random operations on sorted sets (and a few sets
// and strings), some in MULTI/EXEC: ZADD with its options, ZINCRBY (also
// to infinities and NaN errors), ZREM, pops, ZREMRANGEBY*, the STORE
// forms, and key commands; long members make skiplists of some sets.
func zsetWorkload(t *testing.T, rdb *redis.Client, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	key := func() string { return "z:" + strconv.Itoa(rng.IntN(25)) }
	member := func() string {
		if rng.IntN(40) == 0 {
			return fmt.Sprintf("long%070d", rng.IntN(10))
		}
		return "m" + strconv.Itoa(rng.IntN(60))
	}
	score := func() float64 {
		switch rng.IntN(12) {
		case 0:
			return rng.Float64() * 1e300
		case 1:
			return -rng.Float64()
		}
		return float64(rng.IntN(20)) / 4
	}
	one := func(p redis.Cmdable) {
		switch rng.IntN(18) {
		case 0:
			p.Set(ctx, "s:"+strconv.Itoa(rng.IntN(10)), rng.Int64(), 0)
		case 1, 2, 3:
			p.ZAdd(ctx, key(), redis.Z{Score: score(), Member: member()}, redis.Z{Score: score(), Member: member()})
		case 4:
			args := redis.ZAddArgs{GT: rng.IntN(2) == 0, Ch: true, Members: []redis.Z{{Score: score(), Member: member()}}}
			args.XX = !args.GT && rng.IntN(2) == 0
			p.ZAddArgs(ctx, key(), args)
		case 5:
			p.ZAddArgsIncr(ctx, key(), redis.ZAddArgs{NX: rng.IntN(2) == 0, Members: []redis.Z{{Score: score(), Member: member()}}})
		case 6, 7:
			p.ZIncrBy(ctx, key(), score(), member())
		case 8:
			p.ZRem(ctx, key(), member(), member(), member())
		case 9:
			p.ZPopMin(ctx, key(), int64(rng.IntN(3)+1))
		case 10:
			p.ZPopMax(ctx, key())
		case 11:
			p.ZRemRangeByScore(ctx, key(), strconv.Itoa(rng.IntN(5)), "("+strconv.Itoa(rng.IntN(5)))
		case 12:
			p.ZRemRangeByRank(ctx, key(), int64(rng.IntN(10)-5), int64(rng.IntN(10)-5))
		case 13:
			p.ZRemRangeByLex(ctx, key(), "[m"+strconv.Itoa(rng.IntN(60)), "(m"+strconv.Itoa(rng.IntN(60)))
		case 14:
			p.ZUnionStore(ctx, key(), &redis.ZStore{Keys: []string{key(), key()}, Weights: []float64{2, 0.5}, Aggregate: "MAX"})
		case 15:
			switch rng.IntN(3) {
			case 0:
				p.ZInterStore(ctx, key(), &redis.ZStore{Keys: []string{key(), key()}})
			case 1:
				p.ZDiffStore(ctx, key(), key(), key())
			default:
				p.ZRangeStore(ctx, key(), redis.ZRangeArgs{Key: key(), Start: "(1", Stop: "+inf", ByScore: true, Offset: 1, Count: 5})
			}
		case 16:
			p.ZMPop(ctx, "max", int64(rng.IntN(3)+1), key(), key())
		case 17:
			switch rng.IntN(4) {
			case 0:
				p.Expire(ctx, key(), 100*24*time.Hour)
			case 1:
				p.Rename(ctx, key(), key())
			case 2:
				p.Copy(ctx, key(), key(), 0, true)
			default:
				p.Move(ctx, key(), 1)
			}
		}
	}
	runWorkload(ctx, rdb, rng, n, one) // WRONGTYPE, NaN and missing-key errors are expected
}

// TestZSetReplication: sorted sets replicated as APPLY (ZADD, ZREM) and
// OBJECT frames to two secondaries reach equal digests and equal
// replies; a kill -9 restart from a snapshot and the log, and a full
// sync of a fresh secondary, keep them.
func TestZSetReplication(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(8, 9))
	p := startAOFNode(t)
	s1 := startSecondary(t, p)
	s2 := startSecondary(t, p)

	zsetWorkload(t, p.rdb, rng, 1500)
	require.Equal(t, "OK", p.rdb.Save(ctx).Val()) // a snapshot holding sorted sets
	zsetWorkload(t, p.rdb, rng, 1500)
	before := requireConverged(t, p, s1, s2)

	nonEmpty := 0
	for i := range 25 {
		k := "z:" + strconv.Itoa(i)
		want := p.rdb.ZRangeWithScores(ctx, k, 0, -1).Val()
		require.Equal(t, want, s2.rdb.ZRangeWithScores(ctx, k, 0, -1).Val(), k)
		if len(want) > 0 {
			nonEmpty++
		}
	}
	require.Positive(t, nonEmpty, "the workload leaves sorted sets")
	p.restart()
	require.Equal(t, before.Digest, p.digest(), "the restarted primary's dataset")
	zsetWorkload(t, p.rdb, rng, 500)
	requireConverged(t, p, s1, s2)

	s3 := startSecondary(t, p) // a full sync
	requireConverged(t, p, s1, s2, s3)
}
