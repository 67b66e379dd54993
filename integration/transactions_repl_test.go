package integration

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestExecIsAtomicOnSecondary: each EXEC on the primary sets every key of
// a set to the round's number. A reader on the secondary, reading them all
// in one MGET, never sees two rounds at once: the secondary applies an
// EXEC's writes as one group. The datasets converge.
func TestExecIsAtomicOnSecondary(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	p := startNode(t)
	s := startSecondary(t, p)
	ctx := context.Background()
	keys := make([]string, 50)
	for i := range keys {
		keys[i] = "tx:" + strconv.Itoa(i)
	}
	const rounds = 300
	var done atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for !done.Load() {
			vals, err := s.rdb.MGet(ctx, keys...).Result()
			if err != nil {
				continue // the link may be syncing; reads are what is checked
			}
			reads.Add(1)
			for _, v := range vals[1:] {
				if v != vals[0] {
					t.Errorf("one MGET on the secondary saw two EXECs: %v and %v", vals[0], v)
					return
				}
			}
		}
	})
	for round := range rounds {
		_, err := p.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
			for _, k := range keys {
				tx.Set(ctx, k, round, 0)
			}
			return nil
		})
		require.NoError(t, err)
	}
	requireConverged(t, p, s)
	done.Store(true)
	wg.Wait()
	require.Positive(t, reads.Load())
	require.Equal(t, strconv.Itoa(rounds-1), s.rdb.Get(ctx, keys[len(keys)-1]).Val())
}

// TestWatchOnSecondarySeesStream: a key watched on a secondary and then
// changed by the replication stream fails the secondary's EXEC.
func TestWatchOnSecondarySeesStream(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	p := startNode(t)
	s := startSecondary(t, p)
	ctx := context.Background()
	require.NoError(t, p.rdb.Set(ctx, "w", "1", 0).Err())
	requireConverged(t, p, s)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
	defer c.Close()
	err := c.Watch(ctx, func(tx *redis.Tx) error {
		require.NoError(t, p.rdb.Set(ctx, "w", "2", 0).Err())
		requireConverged(t, p, s)
		_, err := tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Get(ctx, "w")
			return nil
		})
		return err
	}, "w")
	require.ErrorIs(t, err, redis.TxFailedErr)
}

// TestReplicaPriority: a secondary reports replica-priority in INFO
// replication as slave_priority, which Sentinel reads to choose the
// secondary to promote; CONFIG SET changes it.
func TestReplicaPriority(t *testing.T) {
	t.Parallel()
	nadbOnly(t)
	p := startNode(t)
	s := startSecondary(t, p, "--replica-priority", "10")
	require.Equal(t, "10", s.requireInfo("replication")["slave_priority"])
	ctx := context.Background()
	require.NoError(t, s.rdb.ConfigSet(ctx, "replica-priority", "0").Err())
	require.Equal(t, "0", s.requireInfo("replication")["slave_priority"])
	require.Equal(t, map[string]string{"replica-priority": "0"}, s.rdb.ConfigGet(ctx, "replica-priority").Val())
	require.Error(t, s.rdb.ConfigSet(ctx, "replica-priority", "-1").Err())
}
