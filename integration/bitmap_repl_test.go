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

// bitmapWorkload writes n random bitmap and HyperLogLog operations, some
// inside MULTI/EXEC: bits set and cleared, bit fields set and incremented
// under every OVERFLOW kind, BITOP results (empty ones deleting their
// destination), HyperLogLogs growing from sparse to dense, merged, and
// counted (PFCOUNT writes the cached cardinality back), keys expiring in
// the far future, deleted and renamed.
func bitmapWorkload(t *testing.T, rdb *redis.Client, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	bkey := func() string { return "b:" + strconv.Itoa(rng.IntN(20)) }
	hkey := func() string { return "p:" + strconv.Itoa(rng.IntN(12)) }
	one := func(p redis.Cmdable) {
		switch rng.IntN(16) {
		case 0, 1, 2:
			p.SetBit(ctx, bkey(), int64(rng.IntN(4000)), rng.IntN(2))
		case 3:
			ow := []string{"WRAP", "SAT", "FAIL"}[rng.IntN(3)]
			p.BitField(ctx, bkey(), "OVERFLOW", ow, "INCRBY", "i"+strconv.Itoa(1+rng.IntN(64)), "#"+strconv.Itoa(rng.IntN(50)), rng.Int64N(1000)-500)
		case 4:
			p.BitField(ctx, bkey(), "SET", "u"+strconv.Itoa(1+rng.IntN(63)), rng.IntN(3000), rng.Int64())
		case 5:
			dst, a, b := bkey(), bkey(), bkey()
			switch rng.IntN(4) {
			case 0:
				p.BitOpAnd(ctx, dst, a, b, "b:missing") // empty: deletes dst
			case 1:
				p.BitOpOr(ctx, dst, a, b)
			case 2:
				p.BitOpXor(ctx, dst, a, b)
			default:
				p.BitOpNot(ctx, dst, a)
			}
		case 6, 7, 8:
			var elems []any
			for range 1 + rng.IntN(100) {
				elems = append(elems, "e"+strconv.Itoa(rng.IntN(20000)))
			}
			p.PFAdd(ctx, hkey(), elems...)
		case 9:
			p.PFCount(ctx, hkey())
		case 10:
			p.PFMerge(ctx, hkey(), hkey(), hkey())
		case 11:
			p.PFCount(ctx, hkey(), hkey())
		case 12:
			p.Expire(ctx, []string{bkey(), hkey()}[rng.IntN(2)], 100*24*time.Hour) // none expires during the test
		case 13:
			p.Del(ctx, []string{bkey(), hkey()}[rng.IntN(2)])
		case 14:
			p.Rename(ctx, bkey(), bkey())
		case 15:
			p.BitCount(ctx, bkey(), nil)
		}
	}
	runWorkload(ctx, rdb, rng, n, one) // RENAME of a missing key, PFMERGE of a bitmap fail: expected
}

// TestBitmapReplication: a primary with two secondaries, a random bitmap
// and HyperLogLog workload, equal digests and equal values everywhere;
// then a restart of the primary from its data directory and a full sync
// of a fresh secondary, each ending with the same digests.
func TestBitmapReplication(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(21, 43))
	p := startAOFNode(t)
	s1 := startSecondary(t, p)
	s2 := startSecondary(t, p)

	bitmapWorkload(t, p.rdb, rng, 1500)
	require.Equal(t, "OK", p.rdb.Save(ctx).Val()) // a snapshot holding bitmaps and HyperLogLogs
	bitmapWorkload(t, p.rdb, rng, 1500)
	before := requireConverged(t, p, s1, s2)
	dense := 0
	for _, k := range p.rdb.Keys(ctx, "*").Val() {
		v := p.rdb.Get(ctx, k).Val()
		require.Equal(t, v, s1.rdb.Get(ctx, k).Val(), k)
		require.Equal(t, v, s2.rdb.Get(ctx, k).Val(), k)
		if len(v) == 12304 {
			dense++
		}
	}
	require.Positive(t, dense, "some HyperLogLogs became dense")

	p.restart() // kill -9, then the same data directory
	require.Equal(t, before.Digest, p.digest(), "the restarted primary's dataset")
	bitmapWorkload(t, p.rdb, rng, 500)
	requireConverged(t, p, s1, s2)

	s3 := startSecondary(t, p) // a full sync
	requireConverged(t, p, s1, s2, s3)
	for i := range 12 {
		k := "p:" + strconv.Itoa(i)
		require.Equal(t, p.rdb.PFCount(ctx, k).Val(), s3.rdb.PFCount(ctx, k).Val(), k)
	}
}
