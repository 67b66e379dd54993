package node

import (
	"fmt"
	"testing"

	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

// A full resynchronisation whose keys are refused several batches in
// (a SET at another sequence) installs nothing, counts one protocol
// error and drops the link; the secondary stops reading the snapshot at
// the refusal instead of reading all the rest first.
func TestFullSyncRefusedMidway(t *testing.T) {
	leakCheck(t)
	const S, before, after = 7, 3*snapBatch + 5, 200 * snapBatch
	fake := fakeFullSyncServer(t, S, before+after, func(add func(*frame.Op), flush func() bool) {
		set := func(seq uint64, k int) {
			add(&frame.Op{Type: frame.OpSet, Sequence: seq, Key: []byte(fmt.Sprintf("k%d", k)), Value: []byte("v"),
				DB: []byte("0"), Namespace: []byte(frame.Namespace), Has: frame.FieldKey | frame.FieldValue | frame.FieldDB | frame.FieldNamespace})
		}
		for k := range before {
			set(S, k)
		}
		set(S+1, before) // not the snapshot's sequence
		if !flush() {
			return
		}
		for k := range after {
			set(S, before+1+k)
			if k%1000 == 999 && !flush() {
				return // the secondary hung up: what it should do
			}
		}
		flush()
	})

	s := requireSnapshotRefused(t, fake.addr)
	require.Less(t, infoInt(t, s.node, "nadb_frames_received"), int64(before+20*snapBatch),
		"the secondary read on long after the refused key")
}
