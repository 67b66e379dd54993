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

// streamWorkload writes n random operations on streams (and a few
// strings), some in MULTI/EXEC: XADD with automatic, partial and
// explicit IDs and with each kind of trimming, XDEL, XTRIM, XSETID, and
// key commands.
func streamWorkload(t *testing.T, rdb *redis.Client, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	key := func() string { return "x:" + strconv.Itoa(rng.IntN(12)) }
	values := func() []string {
		out := []string{"f", strconv.Itoa(rng.IntN(1000))}
		if rng.IntN(3) == 0 {
			out = append(out, "g"+strconv.Itoa(rng.IntN(5)), string(make([]byte, rng.IntN(200))))
		}
		return out
	}
	id := func() string {
		return strconv.Itoa(rng.IntN(50)) + "-" + strconv.Itoa(rng.IntN(3))
	}
	group := func() string { return "g" + strconv.Itoa(rng.IntN(3)) }
	consumer := func() string { return "c" + strconv.Itoa(rng.IntN(4)) }
	one := func(p redis.Cmdable) {
		switch rng.IntN(22) {
		case 14:
			p.XGroupCreateMkStream(ctx, key(), group(), []string{"0", "$"}[rng.IntN(2)])
		case 15, 16:
			p.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group(), Consumer: consumer(), Streams: []string{key(), ">"}, Count: int64(1 + rng.IntN(3)), Block: -1, NoAck: rng.IntN(5) == 0})
		case 17:
			p.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group(), Consumer: consumer(), Streams: []string{key(), "0"}, Count: 2, Block: -1})
		case 18:
			p.XAck(ctx, key(), group(), id(), id())
		case 19:
			if rng.IntN(2) == 0 {
				p.XClaim(ctx, &redis.XClaimArgs{Stream: key(), Group: group(), Consumer: consumer(), MinIdle: 0, Messages: []string{id(), id()}})
			} else {
				// FORCE, a min-idle time, and the options that set the
				// delivery time and count.
				p.(interface {
					Do(context.Context, ...any) *redis.Cmd
				}).Do(ctx, "XCLAIM", key(), group(), consumer(), 100000, id(), id(), "FORCE",
					[]string{"IDLE", "TIME", "RETRYCOUNT"}[rng.IntN(3)], rng.IntN(5000)-100, []string{"JUSTID", "FORCE"}[rng.IntN(2)])
			}
		case 20:
			p.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: key(), Group: group(), Consumer: consumer(), MinIdle: 0, Start: "0", Count: 3})
		case 21:
			switch rng.IntN(4) {
			case 0:
				p.XGroupDestroy(ctx, key(), group())
			case 1:
				p.XGroupDelConsumer(ctx, key(), group(), consumer())
			case 2:
				p.XGroupCreateConsumer(ctx, key(), group(), consumer())
			default:
				p.XGroupSetID(ctx, key(), group(), "0")
			}
		case 0:
			p.Set(ctx, "s:"+strconv.Itoa(rng.IntN(5)), rng.Int64(), 0)
		case 1, 2, 3, 4:
			p.XAdd(ctx, &redis.XAddArgs{Stream: key(), Values: values()})
		case 5:
			p.XAdd(ctx, &redis.XAddArgs{Stream: key(), ID: id(), Values: values()})
		case 6:
			p.XAdd(ctx, &redis.XAddArgs{Stream: key(), ID: strconv.Itoa(rng.IntN(1e6)) + "-*", Values: values()})
		case 7:
			p.XAdd(ctx, &redis.XAddArgs{Stream: key(), MaxLen: int64(rng.IntN(20)), Approx: rng.IntN(2) == 0, Values: values()})
		case 8:
			p.XAdd(ctx, &redis.XAddArgs{Stream: key(), NoMkStream: true, MinID: id(), Values: values()})
		case 9:
			p.XDel(ctx, key(), id(), id())
		case 10:
			if rng.IntN(2) == 0 {
				p.XTrimMaxLen(ctx, key(), int64(rng.IntN(10)))
			} else {
				p.XTrimMinIDApprox(ctx, key(), id(), int64(rng.IntN(300)))
			}
		case 11:
			p.(interface {
				Do(context.Context, ...any) *redis.Cmd
			}).Do(ctx, "XSETID", key(), strconv.Itoa(1e13+rng.IntN(10))+"-0", "ENTRIESADDED", 1000+rng.IntN(10), "MAXDELETEDID", "1-0")
		case 12:
			if rng.IntN(2) == 0 {
				p.XTrimMaxLenApprox(ctx, key(), 0, 0)
			} else {
				// Below the largest deleted ID, where that is allowed.
				p.(interface {
					Do(context.Context, ...any) *redis.Cmd
				}).Do(ctx, "XSETID", key(), id())
			}
		case 13:
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
	runWorkload(ctx, rdb, rng, n, one) // WRONGTYPE, ID and missing-key errors are expected
}

// TestStreamReplication: streams and their consumer groups replicated as
// APPLY (XADD with the ID given, XTRIM of a count, XDEL, XSETID, the
// groups' positions, consumers and pending entries with the primary's
// times) and OBJECT frames to two secondaries reach equal digests and
// equal replies (XINFO STREAM FULL's delivery and seen times too); a
// kill -9 restart from a snapshot and the log, and a full sync of a
// fresh secondary, keep them.
func TestStreamReplication(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(10, 11))
	p := startAOFNode(t)
	s1 := startSecondary(t, p)
	s2 := startSecondary(t, p)

	streamWorkload(t, p.rdb, rng, 1500)
	require.Equal(t, "OK", p.rdb.Save(ctx).Val()) // a snapshot holding streams
	streamWorkload(t, p.rdb, rng, 1500)
	before := requireConverged(t, p, s1, s2)

	nonEmpty := 0
	for i := range 12 {
		k := "x:" + strconv.Itoa(i)
		want := p.rdb.XRange(ctx, k, "-", "+").Val()
		require.Equal(t, want, s2.rdb.XRange(ctx, k, "-", "+").Val(), k)
		for _, info := range [][]any{{"XINFO", "STREAM", k}, {"XINFO", "STREAM", k, "FULL"}, {"XINFO", "GROUPS", k}, {"XPENDING", k, "g0"}} {
			want, err := p.rdb.Do(ctx, info...).Result()
			if err == nil {
				require.Equal(t, want, s2.rdb.Do(ctx, info...).Val(), "%v", info)
			}
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	require.Positive(t, nonEmpty, "the workload leaves streams")
	pending := int64(0)
	for i := range 12 {
		for g := range 3 {
			if sum, err := p.rdb.XPending(ctx, "x:"+strconv.Itoa(i), "g"+strconv.Itoa(g)).Result(); err == nil {
				pending += sum.Count
			}
		}
	}
	require.Positive(t, pending, "the workload leaves pending entries")
	p.restart()
	require.Equal(t, before.Digest, p.digest(), "the restarted primary's dataset")
	streamWorkload(t, p.rdb, rng, 500)
	requireConverged(t, p, s1, s2)

	s3 := startSecondary(t, p) // a full sync
	requireConverged(t, p, s1, s2, s3)
}

// TestStreamReadOnSecondary: a client blocked in XREAD on a secondary is
// served by the entries the secondary applies from its primary.
func TestStreamReadOnSecondary(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t)
	s := startSecondary(t, p)
	p.waitInfo("replication", "connected_slaves", "1")
	require.NoError(t, p.rdb.XAdd(ctx, &redis.XAddArgs{Stream: "q", ID: "1-1", Values: []string{"a", "1"}}).Err())
	require.Eventually(t, func() bool { return s.rdb.XLen(ctx, "q").Val() == 1 }, convergeTimeout, 5*time.Millisecond)
	got := make(chan []redis.XStream, 1)
	go func() {
		res, _ := s.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{"q", "$"}, Block: 0}).Result()
		got <- res
	}()
	waitBlockedClients(t, s.rdb, 1)
	require.NoError(t, p.rdb.XAdd(ctx, &redis.XAddArgs{Stream: "q", ID: "2-1", Values: []string{"b", "2"}}).Err())
	select {
	case res := <-got:
		require.Equal(t, []redis.XStream{{Stream: "q", Messages: []redis.XMessage{{ID: "2-1", Values: map[string]any{"b": "2"}}}}}, res)
	case <-time.After(convergeTimeout):
		t.Fatal("the blocked XREAD on the secondary was never served")
	}
}
