package node

import (
	"context"
	"fmt"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

// noLegacy is repl-allow-legacy no, the default, with which a new
// history's log is idle (startNode allows reference secondaries).
func noLegacy(o *NodeOptions) { o.AllowLegacy = false }

// TestLostHistoryForkEndingAlike is TestNodeForkEndingAlikeIsVerified with
// repl-allow-legacy no and a crash that lost every operation of the
// history (all written in the last second): the restarted primary keeps
// its replication ID at sequence 0, a history secondaries hold positions
// in, so its log must not start idle. Its new operations end like the
// lost ones; the secondary's partial resync passes the handshake and must
// be checked at once by the first checkpoint.
func TestLostHistoryForkEndingAlike(t *testing.T) {
	leakCheck(t)
	dir := t.TempDir()
	r, s := crashAfter(t, dir, noLegacy, 10, 10)
	require.Equal(t, uint64(0), r.node.Sequence())
	require.Equal(t, infoValue(s.node, "master_replid"), infoValue(r.node, "master_replid"), "the restarted primary keeps its history")
	for i := range 9 {
		r.eng.Set(1, fmt.Sprint("after", i), []byte("new operations, same sequence numbers"), engine.SetOptions{})
	}
	r.eng.Set(0, "k9", []byte("before the crash"), engine.SetOptions{}) // as the lost 10th
	require.NoError(t, r.node.WriteDone(context.Background()))
	requireForkFound(t, r, s)
}

// TestLostHistoryForkHandshake is divergedSecondary with repl-allow-legacy
// no and a crash that lost every operation: the restarted primary (same
// replication ID, sequence 0) logs others under the same numbers, which no
// client waited for yet (they sit in the file's buffer, as the last
// second's writes of appendfsync everysec do). The secondary's partial
// resync request names its last operation; the primary's differs, so the
// handshake must answer with a full resync.
func TestLostHistoryForkHandshake(t *testing.T) {
	leakCheck(t)
	dir := t.TempDir()
	r, s := crashAfter(t, dir, noLegacy, 10, 10)
	require.Equal(t, uint64(0), r.node.Sequence())
	for i := range 20 {
		r.eng.Set(1, fmt.Sprint("after", i), []byte("new operations, same sequence numbers"), engine.SetOptions{})
	}
	prim, _ := r.node.roles()
	prim.log.Publish() // as the publisher does: into the file's buffer
	follow(t, s, r.addr)
	requireConverged(t, r, s)
	full, partialOK, _ := r.node.SyncStats()
	require.Equal(t, [2]int64{1, 0}, [2]int64{full, partialOK}, "a full resync, not a partial one onto diverged data")
}
