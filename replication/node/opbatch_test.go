package node

import (
	"context"
	"fmt"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveOps reads the live stream after a full sync of an empty dataset
// until it holds want operations, and returns them and how many frames of
// each type carried them.
func liveOps(t *testing.T, peer *rawPeer, want int) ([]engine.Effect, map[frame.OpType]int) {
	t.Helper()
	var op, item frame.Op
	var b frame.Builder
	types := map[frame.OpType]int{}
	var ops []engine.Effect
	for len(ops) < want {
		peer.nextData(t, &op)
		types[op.Type]++
		switch op.Type {
		case frame.OpSnapshotEnd:
		case frame.OpOpBatch:
			require.NoError(t, frame.EachOpBatchEntry(&op, func(e *frame.Entry) error {
				require.Equal(t, uint64(len(ops)+1), e.Seq)
				b.Fill(&item, e, e.TimeMs)
				ef, _, err := frame.EffectOf(&item, 16, 0)
				ops = append(ops, ef)
				return err
			}))
		default:
			require.Equal(t, uint64(len(ops)+1), op.Sequence, "a %s", op.Type)
			ef, _, err := frame.EffectOf(&op, 16, 0)
			require.NoError(t, err)
			ops = append(ops, ef)
		}
	}
	return ops, types
}

// TestPrimarySendsOpBatchesToWhoAsks: the live stream goes in OP_BATCH
// frames to a secondary that asked for them, and as one frame per
// operation to one that did not; both carry the same operations.
func TestPrimarySendsOpBatchesToWhoAsks(t *testing.T) {
	leakCheck(t)
	stream := func(tags ...string) ([]engine.Effect, map[frame.OpType]int, *MemLog) {
		p := startNode(t, nil)
		peer, _ := syncFromStart(t, p.addr, tags...)
		// Its sender subscribed: what is logged from now on is encoded
		// for it as it asked.
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			reps := p.node.Status().Primary.Replicas
			if assert.Len(c, reps, 1) {
				assert.Equal(c, "online", reps[0].State)
			}
		}, convergeWait, pollEvery)
		for i := range 500 {
			p.eng.Set(i%3, fmt.Sprintf("k%d", i), []byte("v"), engine.SetOptions{})
			if i%100 == 0 {
				p.eng.MSet(0, [][]byte{[]byte("a"), []byte("1"), []byte("b"), []byte("2")}, false)
				_, err := p.eng.HSet(1, "h", [][]byte{[]byte("f"), []byte(fmt.Sprint(i))}, false)
				require.NoError(t, err)
			}
		}
		require.NoError(t, p.node.WriteDone(context.Background()))
		ops, types := liveOps(t, peer, 515)
		prim, _ := p.node.roles()
		return ops, types, prim.log.(*MemLog)
	}
	batched, types, log := stream(frame.FeatureSnapshotBatch, frame.FeatureOpBatch)
	require.Positive(t, types[frame.OpOpBatch])
	require.Zero(t, types[frame.OpSet], "every operation in a batch")
	require.Zero(t, types[frame.OpHSet])
	require.Equal(t, log.Batches(), int64(types[frame.OpOpBatch]), "the batches as encoded once")

	// A peer that does not ask reads one frame per operation, and the
	// primary encodes no batch for it.
	plain, types, log := stream(frame.FeatureSnapshotBatch)
	require.Zero(t, types[frame.OpOpBatch])
	require.Zero(t, log.Batches())
	require.Equal(t, 510, types[frame.OpSet])
	require.Equal(t, plain, batched)
}

// opBatch is the OP_BATCH Op of ents, numbered from seq on.
func opBatch(t *testing.T, seq uint64, effects ...engine.Effect) *frame.Op {
	t.Helper()
	ents := make([]frame.Entry, len(effects))
	for i, ef := range effects {
		ents[i] = frame.Entry{Seq: seq + uint64(i), Effect: ef, Group: 1, TimeMs: 1_700_000_000_000}
	}
	fr, err := new(frame.OpBatchEncoder).AppendBatch(nil, ents)
	require.NoError(t, err)
	var d frame.Decoder
	op := new(frame.Op)
	_, err = d.DecodeFrame(fr, op)
	require.NoError(t, err)
	op.Value = append([]byte(nil), op.Value...)
	return op
}

// A malformed operation batch, or one that does not follow, is refused
// whole: the batch before it stays applied, nothing of it is, one
// protocol error is counted and the link dropped.
func TestLiveOpBatchRefused(t *testing.T) {
	const S = 10
	set := func(k string) engine.Effect { return engine.Effect{Kind: engine.EffectSet, Key: k, Value: []byte("v")} }
	for _, tc := range []struct {
		name string
		bad  func() *frame.Op
	}{
		{"fewer operations than counted", func() *frame.Op {
			op := opBatch(t, S+3, set("x"), set("y"))
			op.Count = 3
			return op
		}},
		{"a sequence gap", func() *frame.Op { return opBatch(t, S+4, set("x"), set("y")) }},
		{"a kind no frame has", func() *frame.Op {
			return opBatch(t, S+3, set("x"), engine.Effect{Kind: engine.EffectFlushAll})
		}},
		{"a database out of range in its last operation", func() *frame.Op {
			return opBatch(t, S+3, set("x"), engine.Effect{Kind: engine.EffectSet, DB: 16, Key: "y", Value: []byte("v")})
		}},
		{"no operation at all", func() *frame.Op {
			return &frame.Op{Type: frame.OpOpBatch, Sequence: S + 3, Value: []byte{}, ValueBase64: true, Count: 0,
				Has: frame.FieldValue | frame.FieldCount}
		}},
		{"a group cut short", func() *frame.Op {
			op := opBatch(t, S+3, set("x"))
			return op
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakCheck(t)
			bad := tc.bad()
			if tc.name == "a group cut short" {
				// x claims a group of 2, and the next frame is another
				// batch starting a new operation.
				ents := []frame.Entry{{Seq: S + 3, Effect: set("x"), Group: 2, TimeMs: 1}}
				fr, err := new(frame.OpBatchEncoder).AppendBatch(nil, ents)
				require.NoError(t, err)
				var d frame.Decoder
				_, err = d.DecodeFrame(fr, bad)
				require.NoError(t, err)
				bad.Value = append([]byte(nil), bad.Value...)
			}
			fake := fakeFullSyncServer(t, S, 0, func(add func(*frame.Op), flush func() bool) {
				add(&frame.Op{Type: frame.OpSnapshotEnd, Sequence: S, Count: 0, Has: frame.FieldCount})
				add(opBatch(t, S+1, set("a"), set("b")))
				add(bad)
				if tc.name == "a group cut short" {
					add(opBatch(t, S+4, set("z")))
				}
				flush()
			})
			s := followRefused(t, fake.addr)
			require.Equal(t, uint64(S+2), s.node.Sequence(), "the good batch is applied")
			for _, k := range []string{"a", "b"} {
				_, ok := s.eng.Get(0, k)
				require.True(t, ok, k)
			}
			for _, k := range []string{"x", "y", "z"} {
				_, ok := s.eng.Get(0, k)
				require.False(t, ok, "%s, from a refused batch, is not applied", k)
			}
			require.Equal(t, int64(2), infoInt(t, s.node, "nadb_operations_applied"))
			received := int64(2)
			if tc.name == "a group cut short" {
				received = 3 // x came in a batch taken whole, its group never completed
			}
			require.Equal(t, received, infoInt(t, s.node, "nadb_operations_received"), "nothing of the refused batch counts as received")
		})
	}
}

// TestCheckpointAheadIsAGap: a checkpoint names the operation it follows;
// one past what the secondary applied means operations were lost (the last
// frame of a burst), which it treats as a gap rather than waiting for the
// next write to reveal it.
func TestCheckpointAheadIsAGap(t *testing.T) {
	leakCheck(t)
	const S = 10
	fake := fakeFullSyncServer(t, S, 0, func(add func(*frame.Op), flush func() bool) {
		add(&frame.Op{Type: frame.OpSnapshotEnd, Sequence: S, Count: 0, Has: frame.FieldCount})
		add(opBatch(t, S+1, engine.Effect{Kind: engine.EffectSet, Key: "a", Value: []byte("v")}))
		// S+2 never comes; its checkpoint does.
		cp := frame.Checkpoint(S+2, engine.Digest{Hi: 1, Lo: 2})
		add(&cp)
		flush()
	})
	s := followRefused(t, fake.addr)
	require.Equal(t, uint64(S+1), s.node.Sequence())
	_, sec := s.node.roles()
	require.Zero(t, sec.divergences.Load(), "a gap, not a divergence")
}
