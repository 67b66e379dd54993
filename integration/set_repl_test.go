package integration

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// setWorkload writes n random set commands, some in MULTI/EXEC, over
// intsets (integer members) and hashtables: every set write (SADD, SREM,
// SPOP with and without a count, SMOVE, SINTERSTORE, SUNIONSTORE,
// SDIFFSTORE), some on a string key (WRONGTYPE), and DEL and EXPIRE.
func setWorkload(t *testing.T, rdb *redis.Client, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	key := func() string {
		if rng.IntN(40) == 0 {
			return "set:str"
		}
		return "set:" + strconv.Itoa(rng.IntN(12))
	}
	member := func() any {
		if rng.IntN(2) == 0 {
			return rng.IntN(600) - 50 // intsets, some past 512 members
		}
		return "m" + strconv.Itoa(rng.IntN(60))
	}
	one := func(p redis.Cmdable) {
		switch rng.IntN(14) {
		case 0, 1, 2, 3:
			ms := []any{member()}
			for range rng.IntN(20) {
				ms = append(ms, member())
			}
			p.SAdd(ctx, key(), ms...)
		case 4, 5:
			p.SRem(ctx, key(), member(), member(), member())
		case 6:
			p.SPop(ctx, key())
		case 7:
			p.SPopN(ctx, key(), int64(rng.IntN(8)))
		case 8:
			p.SMove(ctx, key(), key(), member())
		case 9:
			p.SInterStore(ctx, key(), key(), key())
		case 10:
			p.SUnionStore(ctx, key(), key(), key())
		case 11:
			p.SDiffStore(ctx, key(), key(), key())
		case 12:
			p.Del(ctx, key())
		case 13:
			p.Set(ctx, "set:str", "v", 0)
		}
	}
	for range n {
		if rng.IntN(8) == 0 {
			_, _ = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				for range 1 + rng.IntN(5) {
					one(p)
				}
				return nil
			})
			continue
		}
		p := rdb.Pipeline()
		one(p)
		_, _ = p.Exec(ctx) // WRONGTYPE on set:str: expected
	}
}

// TestSetReplication: every set write, SPOP's random draws and SMOVE's
// pair of changes included, replicated to two secondaries reaches equal
// digests and equal members; a kill -9 restart from a snapshot and the
// log, and a full sync of a fresh secondary, keep them.
func TestSetReplication(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 8))
	p := startAOFNode(t)
	s1 := startSecondary(t, p)
	s2 := startSecondary(t, p)

	setWorkload(t, p.rdb, rng, 1500)
	require.Equal(t, "OK", p.rdb.Save(ctx).Val()) // a snapshot holding sets
	setWorkload(t, p.rdb, rng, 1500)
	before := requireConverged(t, p, s1, s2)

	sets := 0
	for i := range 12 {
		k := "set:" + strconv.Itoa(i)
		want := p.rdb.SMembers(ctx, k).Val()
		sets += min(len(want), 1)
		for _, s := range []*redis.Client{s1.rdb, s2.rdb} {
			requireSameMembers(t, want, s.SMembers(ctx, k).Val(), k)
		}
		// DEBUG DIGEST-VALUE does not depend on the encoding or the order.
		require.Equal(t, p.rdb.Do(ctx, "DEBUG", "DIGEST-VALUE", k).Val(), s1.rdb.Do(ctx, "DEBUG", "DIGEST-VALUE", k).Val(), k)
	}
	require.NotZero(t, sets, "the workload left no set to compare")

	p.restart()
	require.Equal(t, before.Digest, p.digest(), "the restarted primary's dataset")
	setWorkload(t, p.rdb, rng, 500)
	requireConverged(t, p, s1, s2)

	s3 := startSecondary(t, p) // a full sync
	requireConverged(t, p, s1, s2, s3)
	for i := range 12 {
		k := "set:" + strconv.Itoa(i)
		requireSameMembers(t, p.rdb.SMembers(ctx, k).Val(), s3.rdb.SMembers(ctx, k).Val(), k)
	}
}
