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

// roleOp is one write of a rolechange writer, with when it was sent and
// when its answer came.
type roleOp struct {
	kind       string // "set", "mset" or "incr"
	keys       []string
	val        string // the value written (set, mset) or INCR's reply
	sent, done time.Time
	err        error // nil: acknowledged
}

// roleRound is one role change of the node under test: the times around
// its REPLICAOF host port and its REPLICAOF NO ONE.
type roleRound struct {
	toB                        bool // followed B (a full resync), not the parked port
	follow0, follow1           time.Time
	promote0, promote1         time.Time
	refusedBefore, ackedBefore int64
}

// roleWriter writes to a node until stop: SET, INCR of its own counter
// and MSET, each key written once (but the counter), and records every
// answer. It never retries a write: a retried INCR could apply twice.
func roleWriter(ctx context.Context, addr string, w int, stop *atomic.Bool, acked, refused *atomic.Int64) ([]roleOp, error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: clientTimeout, WriteTimeout: clientTimeout, MaxRetries: -1})
	defer rdb.Close()
	var ops []roleOp
	for i := 0; !stop.Load(); i++ {
		op := roleOp{sent: time.Now()}
		key, val := fmt.Sprintf("rw%d:%d", w, i), fmt.Sprintf("v%d-%d", w, i)
		switch i % 3 {
		case 0:
			op.kind, op.keys, op.val = "set", []string{key}, val
			op.err = rdb.Set(ctx, key, val, 0).Err()
		case 1:
			op.kind, op.keys = "incr", []string{fmt.Sprintf("rw%d:counter", w)}
			var n int64
			n, op.err = rdb.Incr(ctx, op.keys[0]).Result()
			op.val = strconv.FormatInt(n, 10)
		default:
			op.kind, op.keys, op.val = "mset", []string{key + ":a", key + ":b"}, val
			op.err = rdb.MSet(ctx, key+":a", val, key+":b", val).Err()
		}
		op.done = time.Now()
		switch {
		case op.err == nil:
			acked.Add(1)
		case strings.HasPrefix(op.err.Error(), "READONLY "):
			refused.Add(1)
		default:
			return ops, fmt.Errorf("%s %v: %w", op.kind, op.keys, op.err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// TestRoleChangeBetweenPrimaries: writers hammer node A (SET, INCR, MSET)
// while A is made, again and again, a secondary and then a primary again,
// and node C follows A throughout. The rounds alternate between two
// primaries for A to follow:
//
//   - a port that accepts and never answers: A stays a secondary holding
//     its own data, and the data in its memory must be what its files
//     hold (a copy of its directory loads to the same DEBUG DIGEST). A
//     write applied after the log was detached, but before the node
//     refused writes, differs here: in memory, never logged.
//   - B, a primary with a dataset of its own: A's full resync replaces
//     its data with B's (digests equal) before A is promoted again.
//
// The history is then exact. A write answered while A was a secondary
// from start to end was refused with READONLY. The last round follows B:
// every write acknowledged before it is gone (the full resync replaced
// it), and every write sent after the last promotion is acknowledged and
// on A, INCR's counter equal to its last reply. C ends with A's digest.
func TestRoleChangeBetweenPrimaries(t *testing.T) {
	nadbOnly(t)
	ctx := context.Background()
	b := startNode(t)
	for i := range 200 {
		require.NoError(t, b.rdb.Set(ctx, fmt.Sprintf("b:%d", i), i, 0).Err())
	}
	// everysec: the writers are not held up by fsyncs, so that more of
	// them are in flight when the role changes. A role change writes the
	// last operations of the term to the file before it returns.
	a := startNode(t, aofArgs("everysec")...)
	c := startSecondary(t, a)
	bDigest := b.digest()

	parked, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = parked.Close() })
	parkedPort := strconv.Itoa(parked.Addr().(*net.TCPAddr).Port)
	bPort := strconv.Itoa(b.Port)

	var stop atomic.Bool
	var acked, refused atomic.Int64
	const writers = 8
	ops := make([][]roleOp, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { ops[w], errs[w] = roleWriter(ctx, a.Addr(), w, &stop, &acked, &refused) })
	}
	t.Cleanup(func() { stop.Store(true); wg.Wait() })
	alive := func() bool { return !stop.Load() }

	const rounds = 30 // even: the last round follows B
	var log []roleRound
	for r := range rounds {
		rd := roleRound{toB: r%2 == 1, refusedBefore: refused.Load()}
		port := parkedPort
		if rd.toB {
			port = bPort
		}
		rd.follow0 = time.Now()
		require.NoError(t, a.rdb.Do(ctx, "REPLICAOF", "127.0.0.1", port).Err())
		rd.follow1 = time.Now()
		require.Eventually(t, func() bool { return refused.Load() >= rd.refusedBefore+writers || !alive() }, convergeTimeout, time.Millisecond)
		if rd.toB {
			require.Eventually(t, func() bool { return a.digest() == bDigest }, convergeTimeout, pollInterval,
				"A's full resync from B")
		} else {
			requireMemoryIsLogged(t, a)
		}
		rd.ackedBefore = acked.Load()
		rd.promote0 = time.Now()
		require.NoError(t, a.rdb.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
		rd.promote1 = time.Now()
		// Enough writes that the next role change lands among writes in
		// flight.
		require.Eventually(t, func() bool { return acked.Load() >= rd.ackedBefore+8*writers || !alive() }, convergeTimeout, time.Millisecond)
		log = append(log, rd)
	}
	stop.Store(true)
	wg.Wait()
	for w := range writers {
		require.NoError(t, errs[w], "writer %d", w)
	}
	requireConverged(t, a, c)
	requireRoleHistory(t, a, log, ops)
	require.Equal(t, bDigest, b.digest(), "B took no write")
	t.Logf("%d rounds: %d writes acknowledged, %d refused with READONLY", rounds, acked.Load(), refused.Load())
}

// requireMemoryIsLogged checks that a node that takes no write has in
// memory what its data directory holds: a server started on a copy of the
// directory has the same DEBUG DIGEST.
func requireMemoryIsLogged(t *testing.T, n *node) {
	t.Helper()
	want := n.digest()
	cp := startNode(t, append([]string{"--dir", copyDir(t, n.Dir)}, aofArgs("always")...)...)
	require.Equal(t, want, cp.digest(), "the node's memory differs from its files: a write was applied but not logged")
	require.Equal(t, want, n.digest(), "the node changed while it took no write")
	cp.Kill()
}

// requireRoleHistory checks every write of TestRoleChangeBetweenPrimaries
// against the rounds, on the final state of node a.
func requireRoleHistory(t *testing.T, a *node, rounds []roleRound, ops [][]roleOp) {
	t.Helper()
	ctx := context.Background()
	last := rounds[len(rounds)-1]
	require.True(t, last.toB, "the last round must follow B")
	for w, wops := range ops {
		var counter string // INCR's last reply after the last promotion
		for _, op := range wops {
			for _, rd := range rounds {
				if op.err == nil && op.sent.After(rd.follow1) && op.done.Before(rd.promote0) {
					t.Fatalf("%s %v acknowledged while the node was a secondary (round from %v)", op.kind, op.keys, rd.follow1)
				}
			}
			switch {
			case op.sent.After(last.promote1):
				require.NoError(t, op.err, "%s %v sent to a primary", op.kind, op.keys)
				if op.kind == "incr" {
					counter = op.val
					continue
				}
				for _, k := range op.keys {
					got, err := a.rdb.Get(ctx, k).Result()
					require.NoError(t, err, "acknowledged %s of %s lost", op.kind, k)
					require.Equal(t, op.val, got, k)
				}
			case op.err == nil && op.done.Before(last.follow0) && op.kind != "incr":
				n, err := a.rdb.Exists(ctx, op.keys...).Result()
				require.NoError(t, err)
				require.Zero(t, n, "%s %v survived the full resync from B", op.kind, op.keys)
			}
		}
		if counter != "" {
			got, err := a.rdb.Get(ctx, fmt.Sprintf("rw%d:counter", w)).Result()
			require.NoError(t, err)
			require.Equal(t, counter, got, "writer %d's counter after the last promotion", w)
		}
	}
}
