package integration

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// TestRoleChangeUnderWrites: clients write to a primary while it is turned
// into a secondary (of a primary that never answers, so no full resync
// replaces its data) and back, again and again. Every write is either
// refused with READONLY or applied and logged: after a kill -9 and a
// restart from its files the node holds every acknowledged write, and its
// own secondary ends equal to it. A write that slipped between the
// read-only check and the role change used to be applied without being
// logged: acknowledged, then lost at the restart, and present on the
// secondary only.
func TestRoleChangeUnderWrites(t *testing.T) {
	nadbOnly(t)
	a := startNode(t, "--appendonly", "yes", "--appendfsync", "always")
	c := startSecondary(t, a)
	ctx := context.Background()

	parked, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = parked.Close() })
	parkedPort := strconv.Itoa(parked.Addr().(*net.TCPAddr).Port)

	var (
		stop     atomic.Bool
		readOnly atomic.Int64
		mu       sync.Mutex
		acked    = map[string]string{}
		wg       sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			rdb := redis.NewClient(&redis.Options{Addr: a.Addr(), ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
			defer rdb.Close()
			for i := 0; !stop.Load(); i++ {
				key, val := fmt.Sprintf("w%d-%d", w, i), strconv.Itoa(i)
				var err error
				if i%5 == 0 {
					err = rdb.MSet(ctx, key, val, key+"-pair", val).Err()
				} else {
					err = rdb.Set(ctx, key, val, 0).Err()
				}
				switch {
				case err == nil:
					mu.Lock()
					acked[key] = val
					mu.Unlock()
				case strings.HasPrefix(err.Error(), "READONLY "):
					readOnly.Add(1)
				default:
					t.Errorf("write %s: %v", key, err)
					return
				}
			}
		})
	}
	ackedNow := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	// Each round waits until the writers met the node in each role, so
	// that role changes keep landing among writes in flight.
	for range 40 {
		refused := readOnly.Load()
		require.NoError(t, a.rdb.Do(ctx, "REPLICAOF", "127.0.0.1", parkedPort).Err())
		require.Eventually(t, func() bool { return readOnly.Load() > refused || t.Failed() }, convergeTimeout, time.Millisecond)
		done := ackedNow()
		require.NoError(t, a.rdb.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
		require.Eventually(t, func() bool { return ackedNow() > done || t.Failed() }, convergeTimeout, time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	require.False(t, t.Failed())
	require.Positive(t, readOnly.Load(), "no write met the node as a secondary: the test did not exercise the role change")
	require.NotEmpty(t, acked)

	a.restart()
	a.waitInfo("replication", "role", "master")
	for key, val := range acked {
		got, err := a.rdb.Get(ctx, key).Result()
		require.NoError(t, err, "acknowledged write of %s lost at the restart", key)
		require.Equal(t, val, got, key)
	}
	requireConverged(t, a, c)
	t.Logf("%d writes acknowledged, %d refused with READONLY", len(acked), readOnly.Load())
}
