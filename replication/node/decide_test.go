package node

import (
	"testing"

	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

// frameAt returns an Op of type typ at seq; group > 0 adds data.group.
func frameAt(typ frame.OpType, seq uint64, group int) *frame.Op {
	op := &frame.Op{Type: typ, Sequence: seq, Timestamp: 1700000000.5}
	switch typ {
	case frame.OpSet:
		op.Key, op.Value = []byte("k"), []byte("v")
		op.Has |= frame.FieldKey | frame.FieldValue
	case frame.OpDelete, frame.OpSetTTL:
		op.Key = []byte("k")
		op.Has |= frame.FieldKey
	}
	if group != 0 {
		op.Group = group
		op.Has |= frame.FieldGroup
	}
	return op
}

func TestDecide(t *testing.T) {
	at := func(applied uint64) streamState { return streamState{applied: applied} }
	inGroup := func(applied uint64, pending, group int) streamState {
		return streamState{applied: applied, pending: pending, group: group}
	}
	legacy := func(applied uint64) streamState { return streamState{applied: applied, legacy: true} }

	for _, tc := range []struct {
		name    string
		st      streamState
		op      *frame.Op
		want    verdict
		wantErr error // nil: no error
	}{
		// This server's stream: the next sequence and nothing else.
		{"first operation", at(0), frameAt(frame.OpSet, 1, 0), verdictApply, nil},
		{"next sequence applies", at(5), frameAt(frame.OpSet, 6, 0), verdictApply, nil},
		{"next DELETE applies", at(5), frameAt(frame.OpDelete, 6, 0), verdictApply, nil},
		{"next SET_TTL applies", at(5), frameAt(frame.OpSetTTL, 6, 0), verdictApply, nil},
		{"next FLUSH applies", at(5), frameAt(frame.OpFlush, 6, 0), verdictApply, nil},
		{"next METADATA takes its sequence", at(5), frameAt(frame.OpMetadata, 6, 0), verdictApply, nil},
		{"gap forward by one", at(5), frameAt(frame.OpSet, 7, 0), verdictResync, ErrGap},
		{"gap forward far", at(5), frameAt(frame.OpSet, 1000, 0), verdictResync, ErrGap},
		{"replay of the last applied", at(5), frameAt(frame.OpSet, 5, 0), verdictResync, ErrGap},
		{"gap backward", at(5), frameAt(frame.OpSet, 2, 0), verdictResync, ErrGap},
		{"sequence zero", at(5), frameAt(frame.OpSet, 0, 0), verdictResync, ErrGap},

		// Atomic groups.
		{"group of 3: first is buffered", at(5), frameAt(frame.OpSet, 6, 3), verdictBuffer, nil},
		{"group of 3: second is buffered", inGroup(5, 1, 3), frameAt(frame.OpDelete, 7, 3), verdictBuffer, nil},
		{"group of 3: third applies the group", inGroup(5, 2, 3), frameAt(frame.OpSet, 8, 3), verdictApply, nil},
		{"group of 1 applies at once", at(5), frameAt(frame.OpSet, 6, 1), verdictApply, nil},
		{"group member out of order", inGroup(5, 1, 3), frameAt(frame.OpSet, 8, 3), verdictResync, ErrGap},
		{"group member replayed", inGroup(5, 1, 3), frameAt(frame.OpSet, 6, 3), verdictResync, ErrGap},
		{"group interrupted by a lone operation", inGroup(5, 1, 3), frameAt(frame.OpSet, 7, 0), verdictResync, ErrBadGroup},
		{"group interrupted by a group of 1", inGroup(5, 2, 3), frameAt(frame.OpSet, 8, 1), verdictResync, ErrBadGroup},
		{"group size mismatch (smaller)", inGroup(5, 1, 3), frameAt(frame.OpSet, 7, 2), verdictResync, ErrBadGroup},
		{"group size mismatch (larger)", inGroup(5, 2, 3), frameAt(frame.OpSet, 8, 4), verdictResync, ErrBadGroup},
		{"group size zero", at(5), withGroup(frameAt(frame.OpSet, 6, 0), 0), verdictResync, ErrBadGroup},
		{"group size negative", at(5), frameAt(frame.OpSet, 6, -2), verdictResync, ErrBadGroup},
		{"FLUSHALL group of 16", inGroup(5, 15, 16), frameAt(frame.OpFlush, 21, 16), verdictApply, nil},

		// Heartbeats carry the primary's last sequence and take none.
		{"heartbeat at applied", at(5), frameAt(frame.OpHeartbeat, 5, 0), verdictIgnore, nil},
		{"heartbeat ahead", at(5), frameAt(frame.OpHeartbeat, 9, 0), verdictIgnore, nil},
		{"heartbeat inside a group", inGroup(5, 1, 3), frameAt(frame.OpHeartbeat, 8, 0), verdictIgnore, nil},
		{"heartbeat behind applied", at(5), frameAt(frame.OpHeartbeat, 4, 0), verdictResync, ErrHistory},
		{"heartbeat at zero after applying", at(5), frameAt(frame.OpHeartbeat, 0, 0), verdictResync, ErrHistory},
		{"heartbeat at zero before anything", at(0), frameAt(frame.OpHeartbeat, 0, 0), verdictIgnore, nil},

		// Handshake and control frames have no place in the live stream.
		{"SYNC_RESPONSE", at(5), frameAt(frame.OpSyncResponse, 6, 0), verdictResync, ErrUnexpected},
		{"SYNC_REQUEST", at(5), frameAt(frame.OpSyncRequest, 6, 0), verdictResync, ErrUnexpected},
		{"ACK", at(5), frameAt(frame.OpAck, 5, 0), verdictResync, ErrUnexpected},
		{"SNAPSHOT_END", at(5), frameAt(frame.OpSnapshotEnd, 5, 0), verdictResync, ErrUnexpected},
		{"SNAPSHOT_END inside a group", inGroup(5, 1, 3), frameAt(frame.OpSnapshotEnd, 7, 0), verdictResync, ErrUnexpected},

		// A reference primary: replays, numbered heartbeats, no resync.
		{"legacy: next applies", legacy(5), frameAt(frame.OpSet, 6, 0), verdictApply, nil},
		{"legacy: replayed sequence is skipped", legacy(5), frameAt(frame.OpSet, 5, 0), verdictSkip, nil},
		{"legacy: old replay is skipped", legacy(5), frameAt(frame.OpSet, 1, 0), verdictSkip, nil},
		{"legacy: heartbeat at next advances", legacy(5), frameAt(frame.OpHeartbeat, 6, 0), verdictAdvance, nil},
		{"legacy: heartbeat at applied is skipped", legacy(5), frameAt(frame.OpHeartbeat, 5, 0), verdictSkip, nil},
		{"legacy: replayed heartbeat is skipped", legacy(5), frameAt(frame.OpHeartbeat, 2, 0), verdictSkip, nil},
		{"legacy: heartbeat ahead is skipped", legacy(5), frameAt(frame.OpHeartbeat, 9, 0), verdictSkip, nil},
		{"legacy: forward gap applies and reports", legacy(5), frameAt(frame.OpSet, 9, 0), verdictApply, ErrGap},
		{"legacy: forward gap DELETE applies and reports", legacy(5), frameAt(frame.OpDelete, 7, 0), verdictApply, ErrGap},
		{"legacy: a group field does not buffer", legacy(5), frameAt(frame.OpSet, 6, 3), verdictApply, nil},
		{"legacy: SYNC_RESPONSE is unexpected", legacy(5), frameAt(frame.OpSyncResponse, 6, 0), verdictResync, ErrUnexpected},
		{"legacy: SNAPSHOT_END is unexpected", legacy(5), frameAt(frame.OpSnapshotEnd, 6, 0), verdictResync, ErrUnexpected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := *tc.op
			got, err := decide(tc.st, tc.op)
			require.Equal(t, tc.want, got, "verdict %s, want %s (err %v)", got, tc.want, err)
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
			}
			require.Equal(t, before, *tc.op, "decide only reads the frame")
		})
	}
}

// withGroup sets data.group to n, present even when zero.
func withGroup(op *frame.Op, n int) *frame.Op {
	op.Group = n
	op.Has |= frame.FieldGroup
	return op
}

// TestDecideStream runs decide over a whole stream, keeping the state the
// way the secondary does, and checks which sequences take effect together.
func TestDecideStream(t *testing.T) {
	for _, tc := range []struct {
		name        string
		legacy      bool
		ops         []*frame.Op
		wantBatches [][]uint64 // sequences made visible together
		wantApplied uint64
		wantStop    error // the error that ends the stream, if any
	}{
		{
			name: "singles and a group",
			ops: []*frame.Op{
				frameAt(frame.OpSet, 1, 0), frameAt(frame.OpHeartbeat, 1, 0),
				frameAt(frame.OpSet, 2, 3), frameAt(frame.OpSet, 3, 3), frameAt(frame.OpHeartbeat, 4, 0), frameAt(frame.OpSet, 4, 3),
				frameAt(frame.OpDelete, 5, 0),
			},
			wantBatches: [][]uint64{{1}, {2, 3, 4}, {5}},
			wantApplied: 5,
		},
		{
			name: "a group cut short is never applied",
			ops: []*frame.Op{
				frameAt(frame.OpSet, 1, 0),
				frameAt(frame.OpSet, 2, 3), frameAt(frame.OpSet, 3, 3), frameAt(frame.OpSet, 4, 0),
			},
			wantBatches: [][]uint64{{1}},
			wantApplied: 1,
			wantStop:    ErrBadGroup,
		},
		{
			name: "a gap stops the stream",
			ops: []*frame.Op{
				frameAt(frame.OpSet, 1, 0), frameAt(frame.OpSet, 2, 0), frameAt(frame.OpSet, 4, 0), frameAt(frame.OpSet, 5, 0),
			},
			wantBatches: [][]uint64{{1}, {2}},
			wantApplied: 2,
			wantStop:    ErrGap,
		},
		{
			name:   "a reference primary's stream is applied once",
			legacy: true,
			ops: []*frame.Op{
				frameAt(frame.OpSet, 1, 0), frameAt(frame.OpSet, 2, 0), frameAt(frame.OpHeartbeat, 3, 0),
				frameAt(frame.OpSet, 1, 0), frameAt(frame.OpSet, 2, 0), frameAt(frame.OpHeartbeat, 3, 0), // a replay
				frameAt(frame.OpSet, 4, 0), frameAt(frame.OpHeartbeat, 5, 0), frameAt(frame.OpSet, 7, 0),
			},
			wantBatches: [][]uint64{{1}, {2}, {4}, {7}},
			wantApplied: 7,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := streamState{legacy: tc.legacy}
			var batches [][]uint64
			var pending []uint64
			var stop error
			for _, op := range tc.ops {
				v, err := decide(st, op)
				if v == verdictResync {
					stop = err
					break
				}
				switch v {
				case verdictBuffer:
					if st.pending == 0 {
						st.group = op.Group
					}
					st.pending++
					pending = append(pending, op.Sequence)
				case verdictApply:
					batches = append(batches, append(pending, op.Sequence))
					pending = nil
					st.applied, st.pending, st.group = op.Sequence, 0, 0
				case verdictAdvance:
					st.applied = op.Sequence
				}
			}
			require.Equal(t, tc.wantBatches, batches)
			require.Equal(t, tc.wantApplied, st.applied)
			if tc.wantStop == nil {
				require.NoError(t, stop)
			} else {
				require.ErrorIs(t, stop, tc.wantStop)
			}
		})
	}
}

func TestVerdictString(t *testing.T) {
	for v, want := range map[verdict]string{
		verdictApply: "apply", verdictBuffer: "buffer", verdictSkip: "skip",
		verdictAdvance: "advance", verdictIgnore: "ignore", verdictResync: "resync",
	} {
		require.Equal(t, want, v.String())
	}
}

func TestAdmitReference(t *testing.T) {
	marked := frameAt(frame.OpHeartbeat, 41, 0)
	marked.ReplID, marked.Has = []byte("0123456789abcdef0123456789abcdef01234567"), marked.Has|frame.FieldReplID
	for _, tc := range []struct {
		name      string
		knownNADB bool
		first     *frame.Op
		admit     bool
	}{
		{"fresh secondary, reference SET", false, frameAt(frame.OpSet, 2001, 0), true},
		{"fresh secondary, reference numbered HEARTBEAT", false, frameAt(frame.OpHeartbeat, 7, 0), true},
		{"fresh secondary, nadb-server primary's marked HEARTBEAT", false, marked, false},
		{"known nadb-server primary, SET", true, frameAt(frame.OpSet, 2001, 0), false},
		{"known nadb-server primary, plain HEARTBEAT", true, frameAt(frame.OpHeartbeat, 7, 0), false},
		{"known nadb-server primary, marked HEARTBEAT", true, marked, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := admitReference(tc.knownNADB, tc.first)
			if tc.admit {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrNotReference)
		})
	}
}
