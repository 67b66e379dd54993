package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFullResyncKill9 kills a persisting secondary (kill -9) at a random
// moment of a full resync, again and again, and requires its directory to
// load every time, to the dataset before the resync (or, since the old log
// is deleted newest segment first, a state of the old history at a write's
// end) or to the new one; then the secondary restarts on it and catches up.
//
// Each cycle makes the secondary a primary (REPLICAOF NO ONE), writes to
// it one key at a time (noting the digest after each write: the states of
// its old history), writes to the primary, and makes the secondary follow
// the primary again: their histories differ, so it is a full resync, which
// replaces the secondary's files. The kill lands after a random number of
// changes to the directory's listing, each one a file operation of the
// resync (segments deleted, the snapshot's temporary file created and
// renamed, old snapshots deleted, the new segment created), or once the
// resync has finished.
func TestFullResyncKill9(t *testing.T) {
	nadbOnly(t)
	ctx := context.Background()
	cycles := soakCycles(t, 8)
	if testing.Short() {
		cycles = 3
	}
	p := startNode(t)
	// Large enough that the snapshot takes a while to write.
	pipe := p.rdb.Pipeline()
	for i := range 10000 {
		pipe.Set(ctx, fmt.Sprintf("big:%d", i), strings.Repeat(strconv.Itoa(i%10), 1000), 0)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	s := startPersistingSecondary(t, p)
	outcomes := map[string]int{}
	for cycle := range cycles {
		requireConverged(t, p, s)
		require.NoError(t, s.rdb.Do(ctx, "REPLICAOF", "NO", "ONE").Err())
		old := []string{s.digest()}
		for i := range 5 {
			require.NoError(t, s.rdb.Set(ctx, fmt.Sprintf("s%d:%d", cycle, i), i, 0).Err())
			old = append(old, s.digest())
		}
		writeKeys(t, p.rdb, fmt.Sprintf("p%d", cycle), 50)
		newDigest := p.digest()

		changes := rand.IntN(12)
		require.NoError(t, s.rdb.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(p.Port)).Err())
		seen := killAfterDirChanges(t, s, changes)
		got := loadedDigest(t, s.Dir)
		switch {
		case got == newDigest:
			outcomes["new"]++
		case got == old[len(old)-1]:
			outcomes["old"]++
		case slices.Contains(old, got):
			outcomes["old, earlier write"]++
		default:
			t.Fatalf("cycle %d, killed after %d of %d directory changes: the directory loads to %s, neither the new dataset %s nor a state of the old history %v",
				cycle, seen, changes, got, newDigest, old)
		}
		s.restart()
		s.waitInfo("replication", "master_link_status", "up")
	}
	requireConverged(t, p, s)
	t.Logf("%d cycles, the directory loaded to: %v", cycles, outcomes)
}

// killAfterDirChanges kills n (kill -9) once its data directory's listing
// has changed changes times, or once its resync has finished, whichever
// comes first, and returns how many changes it saw. It polls as fast as it
// can: each poll is a directory read, and the moment of the kill is the
// point of the test.
func killAfterDirChanges(t *testing.T, n *node, changes int) int {
	t.Helper()
	listing := func() string {
		ents, err := os.ReadDir(n.Dir)
		require.NoError(t, err)
		var b strings.Builder
		for _, e := range ents {
			b.WriteString(e.Name())
			b.WriteByte(' ')
		}
		return b.String()
	}
	synced := func() bool {
		m, err := n.info(context.Background(), "replication")
		return err == nil && m["master_link_status"] == "up" && m["master_sync_in_progress"] == "0"
	}
	deadline := time.Now().Add(convergeTimeout)
	prev, seen := listing(), 0
	for polls := 1; seen < changes; polls++ {
		if cur := listing(); cur != prev {
			prev, seen = cur, seen+1
			continue
		}
		if polls%50 == 0 && synced() {
			break
		}
		require.True(t, time.Now().Before(deadline), "the full resync did not finish")
	}
	n.kill()
	return seen
}

// loadedDigest starts a server on a copy of dir and returns the DEBUG
// DIGEST of what it loaded. The server must start: the directory loads.
func loadedDigest(t *testing.T, dir string) string {
	t.Helper()
	cp := startNode(t, append([]string{"--dir", copyDir(t, dir)}, aofArgs("always")...)...)
	defer cp.Kill()
	return cp.digest()
}
