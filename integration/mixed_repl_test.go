package integration

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// crossTypeWorkload writes n random operations of every type on the same
// few keys, so that types meet: WRONGTYPE refusals, a DEL, RENAME, COPY
// or MOVE that turns a key from one type into another, STORE forms over
// keys of other types, expiries, SWAPDB, MULTI/EXEC mixing them all.
func crossTypeWorkload(t *testing.T, rdb *redis.Client, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	key := func() string { return "x:" + strconv.Itoa(rng.IntN(12)) }
	elem := func() string { return strconv.Itoa(rng.IntN(20)) }
	one := func(p redis.Cmdable) {
		switch rng.IntN(24) {
		case 0:
			p.Set(ctx, key(), elem(), 0)
		case 1:
			p.Append(ctx, key(), elem())
		case 2:
			p.HSet(ctx, key(), elem(), elem())
		case 3:
			p.HDel(ctx, key(), elem())
		case 4:
			p.RPush(ctx, key(), elem(), elem())
		case 5:
			p.LPop(ctx, key())
		case 6:
			p.LMove(ctx, key(), key(), "LEFT", "RIGHT")
		case 7:
			p.SAdd(ctx, key(), elem(), "m"+elem())
		case 8:
			p.SPop(ctx, key())
		case 9:
			p.SMove(ctx, key(), key(), elem())
		case 10:
			p.ZAdd(ctx, key(), redis.Z{Score: float64(rng.IntN(9)), Member: elem()})
		case 11:
			p.ZIncrBy(ctx, key(), 1.5, elem())
		case 12:
			p.ZPopMin(ctx, key())
		case 13:
			p.SetBit(ctx, key(), int64(rng.IntN(64)), rng.IntN(2))
		case 14:
			p.PFAdd(ctx, key(), elem(), elem())
		case 15:
			p.SInterStore(ctx, key(), key(), key())
		case 16:
			p.ZUnionStore(ctx, key(), &redis.ZStore{Keys: []string{key(), key()}})
		case 17:
			p.Rename(ctx, key(), key())
		case 18:
			p.Copy(ctx, key(), key(), 0, true)
		case 19:
			p.Move(ctx, key(), 1+rng.IntN(2))
		case 20:
			p.Del(ctx, key())
		case 21:
			p.Expire(ctx, key(), 100*24*time.Hour)
		case 22:
			if d, ok := p.(interface {
				Do(context.Context, ...any) *redis.Cmd
			}); ok {
				d.Do(ctx, "SWAPDB", 0, 1+rng.IntN(2))
			}
		case 23:
			p.HIncrBy(ctx, key(), "n", 1)
		}
	}
	for i := 0; i < n; i++ {
		if rng.IntN(8) == 0 {
			_, _ = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				for range 1 + rng.IntN(6) {
					one(p)
				}
				return nil
			})
			continue
		}
		p := rdb.Pipeline()
		one(p)
		_, _ = p.Exec(ctx) // WRONGTYPE and missing keys are expected
	}
}

// mixedWorkload runs every type's workload at once, each on its own
// connection, with the cross-type one over them.
func mixedWorkload(t *testing.T, p *node, seed uint64, n int) {
	t.Helper()
	loads := []func(*testing.T, *redis.Client, *rand.Rand, int){
		hashWorkload, listWorkload, setWorkload, zsetWorkload, bitmapWorkload, crossTypeWorkload,
	}
	var wg sync.WaitGroup
	for i, load := range loads {
		rdb := redis.NewClient(&redis.Options{Addr: p.Addr(), ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer rdb.Close()
			load(t, rdb, rand.New(rand.NewPCG(seed, uint64(i))), n)
		}()
	}
	wg.Wait()
}

// requireSameValues compares every key of databases 0-2, by type, DEBUG
// DIGEST-VALUE and expiry, between the primary and each secondary.
func requireSameValues(t *testing.T, p *node, secondaries ...*node) {
	t.Helper()
	ctx := context.Background()
	for db := range 3 {
		pc := p.rdbDB(t, db)
		keys := pc.Keys(ctx, "*").Val()
		require.NotEmpty(t, keys, "database %d", db)
		for _, s := range secondaries {
			sc := s.rdbDB(t, db)
			require.ElementsMatch(t, keys, sc.Keys(ctx, "*").Val(), "database %d", db)
			for _, k := range keys {
				require.Equal(t, pc.Type(ctx, k).Val(), sc.Type(ctx, k).Val(), k)
				require.Equal(t, pc.Do(ctx, "DEBUG", "DIGEST-VALUE", k).Val(), sc.Do(ctx, "DEBUG", "DIGEST-VALUE", k).Val(), k)
				require.Equal(t, pc.ExpireTime(ctx, k).Val(), sc.ExpireTime(ctx, k).Val(), k)
			}
		}
	}
}

// TestMixedTypesReplication: every type written at once by concurrent
// clients, with types meeting on the same keys, on a primary with two
// secondaries: equal digests and equal values key by key; then a SAVE,
// more writes, a kill -9 restart of the primary from its snapshot and
// log, and the full sync of a fresh secondary, each ending equal.
func TestMixedTypesReplication(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startAOFNode(t)
	s1 := startSecondary(t, p)
	s2 := startSecondary(t, p)

	mixedWorkload(t, p, 1, 600)
	require.Equal(t, "OK", p.rdb.Save(ctx).Val())
	mixedWorkload(t, p, 2, 600)
	before := requireConverged(t, p, s1, s2)
	requireSameValues(t, p, s1, s2)
	types := map[string]bool{}
	for _, k := range p.rdb.Keys(ctx, "*").Val() {
		types[p.rdb.Type(ctx, k).Val()] = true
	}
	require.Equal(t, map[string]bool{"string": true, "hash": true, "list": true, "set": true, "zset": true}, types)

	p.restart()
	require.Equal(t, before.Digest, p.digest(), "the restarted primary's dataset")
	mixedWorkload(t, p, 3, 200)
	requireConverged(t, p, s1, s2)

	s3 := startSecondary(t, p) // a full sync
	requireConverged(t, p, s1, s2, s3)
	requireSameValues(t, p, s1, s2, s3)
}
