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

// hashWorkload writes n random operations, strings and hashes mixed, some
// inside MULTI/EXEC: fields set, removed and incremented, hashes expired,
// renamed, copied and moved, big hashes (hashtable encoding) next to small
// ones (listpack).
func hashWorkload(t *testing.T, rdb *redis.Client, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	key := func() string { return "h:" + strconv.Itoa(rng.IntN(40)) }
	field := func() string { return "f" + strconv.Itoa(rng.IntN(30)) }
	one := func(p redis.Cmdable) {
		switch rng.IntN(14) {
		case 0:
			p.Set(ctx, "s:"+strconv.Itoa(rng.IntN(20)), rng.Int64(), 0)
		case 1:
			p.Incr(ctx, "s:n")
		case 2, 3, 4:
			p.HSet(ctx, key(), field(), rng.Int64(), field(), "v"+strconv.Itoa(rng.IntN(9)))
		case 5:
			p.HDel(ctx, key(), field(), field())
		case 6:
			p.HIncrBy(ctx, key(), "n", int64(rng.IntN(100)-50))
		case 7:
			p.HIncrByFloat(ctx, key(), "x", rng.Float64())
		case 8:
			p.Expire(ctx, key(), 100*24*time.Hour) // none expires during the test
		case 9:
			p.Rename(ctx, key(), key())
		case 10:
			p.Copy(ctx, key(), key(), 0, true)
		case 11:
			p.HSetNX(ctx, key(), field(), "nx")
		case 12:
			p.Del(ctx, key())
		case 13:
			// A long value makes a hashtable of any hash.
			p.HSet(ctx, key(), "long", fmt.Sprintf("%0100d", rng.IntN(1000)))
		}
	}
	runWorkload(ctx, rdb, rng, n, one) // RENAME of a missing key fails: expected
}

// TestHashReplication: a primary with two secondaries, a random mix of
// string and hash writes, equal digests everywhere; then a kill -9 of the
// primary and a restart from its data directory (a snapshot and the log
// after it), and a full sync of a fresh secondary, each ending with the
// same digests.
func TestHashReplication(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(12), 34))
	p := startAOFNode(t)
	s1 := startSecondary(t, p)
	s2 := startSecondary(t, p)

	// A hash of 2,000 fields, a hashtable.
	big := p.rdb.Pipeline()
	for i := range 2000 {
		big.HSet(ctx, "big", "field:"+strconv.Itoa(i), i)
	}
	_, err := big.Exec(ctx)
	require.NoError(t, err)
	require.Equal(t, "hashtable", p.rdb.ObjectEncoding(ctx, "big").Val())

	hashWorkload(t, p.rdb, rng, 1500)
	require.Equal(t, "OK", p.rdb.Save(ctx).Val()) // a snapshot holding hashes
	hashWorkload(t, p.rdb, rng, 1500)
	before := requireConverged(t, p, s1, s2)
	require.Equal(t, p.rdb.HGetAll(ctx, "big").Val(), s1.rdb.HGetAll(ctx, "big").Val())
	for i := range 40 {
		k := "h:" + strconv.Itoa(i)
		require.Equal(t, p.rdb.HGetAll(ctx, k).Val(), s2.rdb.HGetAll(ctx, k).Val(), k)
		require.Equal(t, p.rdb.TTL(ctx, k).Val() > 0, s2.rdb.TTL(ctx, k).Val() > 0, k)
	}

	// Every key, as its type, fields, absolute expiry and string value.
	dump := func() map[string]string {
		out := map[string]string{}
		for _, k := range p.rdb.Keys(ctx, "*").Val() {
			out[k] = p.rdb.Type(ctx, k).Val() + " " + fmt.Sprint(p.rdb.HGetAll(ctx, k).Val()) + " " + p.rdb.ExpireTime(ctx, k).Val().String() + " " + p.rdb.Get(ctx, k).Val()
		}
		return out
	}
	was := dump()
	p.restart() // kill -9, then the same data directory
	require.Equal(t, was, dump(), "the restarted primary's keys")
	require.Equal(t, before.Digest, p.digest(), "the restarted primary's dataset")
	hashWorkload(t, p.rdb, rng, 500)
	requireConverged(t, p, s1, s2)

	s3 := startSecondary(t, p) // a full sync
	requireConverged(t, p, s1, s2, s3)
	require.Equal(t, p.rdb.HGetAll(ctx, "big").Val(), s3.rdb.HGetAll(ctx, "big").Val())
	require.Equal(t, "hash", s3.rdb.Type(ctx, "big").Val())
}
