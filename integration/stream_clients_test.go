package integration

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStreamWorkQueue: a work queue as go-redis users build one on a
// stream: producers XADD jobs, three workers of one consumer group read
// them with blocking XREADGROUP and acknowledge them, one worker dies
// holding jobs, and another takes them over with XAUTOCLAIM. Every job is
// done exactly once, and the group ends with nothing pending; against
// redis-server too.
func TestStreamWorkQueue(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rdb := s.Client()
	ctx := context.Background()
	require.NoError(t, rdb.XGroupCreateMkStream(ctx, "jobs", "workers", "$").Err())

	const jobs = 300
	var mu sync.Mutex
	done := map[string]int{}
	work := func(name string, stopAfter int) {
		c := redis.NewClient(&redis.Options{Addr: s.Addr()})
		defer c.Close()
		for n := 0; stopAfter < 0 || n < stopAfter; n++ {
			res, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: name, Streams: []string{"jobs", ">"}, Count: 5, Block: 200 * time.Millisecond}).Result()
			if err == redis.Nil {
				mu.Lock()
				finished := len(done) == jobs
				mu.Unlock()
				if finished {
					return
				}
				continue
			}
			if !assert.NoError(t, err) {
				return
			}
			for _, m := range res[0].Messages {
				if stopAfter >= 0 {
					continue // dies holding the jobs it read
				}
				mu.Lock()
				done[m.Values["job"].(string)]++
				mu.Unlock()
				assert.NoError(t, c.XAck(ctx, "jobs", "workers", m.ID).Err())
			}
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); work("doomed", 3) }()
	for i := range jobs {
		require.NoError(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: "jobs", Values: []string{"job", strconv.Itoa(i)}}).Err())
		if i == 20 {
			for _, w := range []string{"w1", "w2"} {
				wg.Add(1)
				go func() { defer wg.Done(); work(w, -1) }()
			}
		}
	}
	// The doomed worker's jobs: taken over once idle.
	require.Eventually(t, func() bool {
		msgs, _, err := rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: "jobs", Group: "workers", Consumer: "rescuer", MinIdle: 50 * time.Millisecond, Start: "0", Count: 100}).Result()
		require.NoError(t, err)
		for _, m := range msgs {
			mu.Lock()
			done[m.Values["job"].(string)]++
			mu.Unlock()
			require.NoError(t, rdb.XAck(ctx, "jobs", "workers", m.ID).Err())
		}
		mu.Lock()
		defer mu.Unlock()
		return len(done) == jobs
	}, 20*time.Second, 20*time.Millisecond)
	wg.Wait()
	for i := range jobs {
		require.Equal(t, 1, done[strconv.Itoa(i)], "job %d", i)
	}
	pending, err := rdb.XPending(ctx, "jobs", "workers").Result()
	require.NoError(t, err)
	require.Zero(t, pending.Count)
	groups, err := rdb.XInfoGroups(ctx, "jobs").Result()
	require.NoError(t, err)
	require.Len(t, groups, 1)
	require.Equal(t, int64(jobs), groups[0].EntriesRead)
	require.Zero(t, groups[0].Lag)
}
