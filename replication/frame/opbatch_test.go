package frame

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

// randomOpEntries returns n consecutive log entries from seq of most kinds
// an operation can be, some in groups.
func randomOpEntries(r *rand.Rand, seq uint64, n int) []Entry {
	ents := make([]Entry, 0, n)
	for len(ents) < n {
		group := 1
		if r.IntN(4) == 0 {
			group = min(1+r.IntN(4), n-len(ents))
		}
		for range group {
			ef := engine.Effect{DB: r.IntN(16), Key: fmt.Sprintf("k%d-%s", len(ents), randBytes(r, 12))}
			switch r.IntN(8) {
			case 0:
				ef.Kind = engine.EffectDelete
			case 1:
				ef.Kind, ef.ExpireAt = engine.EffectExpire, r.Int64N(1<<45)
			case 2:
				ef.Kind, ef.Key = engine.EffectFlushDB, ""
			case 3:
				ef.Kind, ef.Value = engine.EffectHash, engine.AppendPacked(engine.AppendPacked(nil, "f"), randBytes(r, 20))
			case 4:
				ef.Kind, ef.Value = engine.EffectHashSet, engine.AppendPacked(engine.AppendPacked(nil, "g"), "v")
			case 5:
				ef.Kind, ef.Type, ef.Value = engine.EffectObject, engine.TypeList, engine.AppendPacked(nil, randBytes(r, 30))
			default:
				ef.Kind, ef.Value = engine.EffectSet, randBytes(r, r.IntN(200))
				if r.IntN(3) == 0 {
					ef.ExpireAt = r.Int64N(1 << 45)
				}
			}
			ents = append(ents, Entry{Seq: seq + uint64(len(ents)), Effect: ef, Group: group, TimeMs: 1_700_000_000_000 + r.Int64N(1000)})
		}
	}
	return ents
}

// opOfFrame decodes one frame and returns its Op and the effect it maps to.
func opOfFrame(t *testing.T, fr []byte) (Op, engine.Effect) {
	t.Helper()
	var d Decoder
	var op Op
	n, err := d.DecodeFrame(fr, &op)
	require.NoError(t, err)
	require.Equal(t, len(fr), n)
	ef, _, err := EffectOf(&op, 16, 0)
	require.NoError(t, err)
	return op, ef
}

// TestOpBatchMeansItsFrames: every operation of a batch, turned into its
// Op (Builder.Fill) by the receiver, is the operation its own frame
// carries: same sequence, group, time and effect.
func TestOpBatchMeansItsFrames(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var be OpBatchEncoder
	var b Builder
	var enc Encoder
	for round := range 40 {
		ents := randomOpEntries(r, 1+r.Uint64N(1<<40), 1+r.IntN(30))
		size := 0
		for i := range ents {
			size += OpBatchItemSize(&ents[i])
		}
		fr, err := be.AppendBatch(nil, ents)
		require.NoError(t, err)
		var d Decoder
		var bop Op
		_, err = d.DecodeFrame(fr, &bop)
		require.NoError(t, err)
		require.Equal(t, OpOpBatch, bop.Type)
		require.Equal(t, ents[0].Seq, bop.Sequence)
		require.Equal(t, uint64(len(ents)), bop.Count)
		require.LessOrEqual(t, len(bop.Value), size)

		i := 0
		err = EachOpBatchEntry(&bop, func(e *Entry) error {
			want := &ents[i]
			require.Equal(t, want.Seq, e.Seq, "round %d op %d", round, i)
			var got, own Op
			b.Fill(&got, e, 0)
			gotFrame, err := enc.AppendFrame(nil, &got)
			require.NoError(t, err)
			b.Fill(&own, want, 0)
			ownFrame, err := enc.AppendFrame(nil, &own)
			require.NoError(t, err)
			require.Equal(t, string(ownFrame), string(gotFrame), "round %d op %d", round, i)
			_, ef := opOfFrame(t, gotFrame)
			_, wantEf := opOfFrame(t, ownFrame)
			require.Equal(t, wantEf, ef)
			i++
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, len(ents), i)
	}
}

func TestOpBatchRefused(t *testing.T) {
	one := appendOpBatchItem(nil, &Entry{Effect: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("v")}, Group: 1})
	item := func(e Entry) []byte { return appendOpBatchItem(nil, &e) }
	for _, tc := range []struct {
		name  string
		blob  []byte
		count uint64
	}{
		{"fewer operations than counted", one, 2},
		{"more operations than counted", append(bytes.Clone(one), one...), 1},
		{"operations where none are counted", one, 0},
		{"no operation where one is counted", nil, 1},
		{"no operation at all", nil, 0},
		{"truncated value", one[:len(one)-1], 1},
		{"truncated key", one[:8], 1},
		{"trailing byte", append(bytes.Clone(one), 0), 1},
		{"unknown kind", item(Entry{Effect: engine.Effect{Kind: engine.EffectCopy + 1, Key: "k"}}), 1},
		{"a FLUSHALL", item(Entry{Effect: engine.Effect{Kind: engine.EffectFlushAll}}), 1},
		{"huge kind", append(binary.AppendUvarint(nil, 1<<40), one[1:]...), 1},
		{"unknown type", item(Entry{Effect: engine.Effect{Kind: engine.EffectObject, Type: engine.TypeFunctions + 1, Key: "k"}}), 1},
		{"huge database", append(append([]byte{one[0], one[1]}, binary.AppendUvarint(nil, 1<<40)...), one[3:]...), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := Op{Type: OpOpBatch, Sequence: 7, Value: tc.blob, Count: tc.count, Has: FieldValue | FieldCount}
			taken := 0
			err := EachOpBatchEntry(&op, func(*Entry) error { taken++; return nil })
			require.ErrorIs(t, err, ErrBadOpBatch)
			require.LessOrEqual(t, taken, 1)
		})
	}
	// A group size of 0 is refused.
	zero := binary.AppendUvarint(nil, uint64(engine.EffectDelete))
	zero = append(zero, 0)               // type
	zero = binary.AppendUvarint(zero, 0) // db
	zero = binary.AppendVarint(zero, 0)  // expiry
	zero = binary.AppendUvarint(zero, 0) // group
	zero = binary.AppendUvarint(zero, 5) // time
	zero = append(binary.AppendUvarint(zero, 1), 'k')
	zero = binary.AppendUvarint(zero, 0)
	op := Op{Type: OpOpBatch, Sequence: 7, Value: zero, Count: 1, Has: FieldValue | FieldCount}
	require.ErrorIs(t, EachOpBatchEntry(&op, func(*Entry) error { return nil }), ErrBadOpBatch)
	// Without its count or value a batch is refused.
	require.ErrorIs(t, EachOpBatchEntry(&Op{Type: OpOpBatch, Value: one, Has: FieldValue}, func(*Entry) error { return nil }), ErrBadOpBatch)
	// A refusal by fn stops the batch and is passed on.
	stop := fmt.Errorf("stop")
	op = Op{Type: OpOpBatch, Sequence: 7, Value: append(bytes.Clone(one), one...), Count: 2, Has: FieldValue | FieldCount}
	taken := 0
	err := EachOpBatchEntry(&op, func(*Entry) error { taken++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, taken)
	// Sequences that do not follow each other cannot be batched.
	_, err = new(OpBatchEncoder).AppendBatch(nil, []Entry{{Seq: 1, Effect: engine.Effect{Kind: engine.EffectDelete, Key: "a"}}, {Seq: 3, Effect: engine.Effect{Kind: engine.EffectDelete, Key: "b"}}})
	require.ErrorIs(t, err, ErrInvalidOp)
}

// FuzzEachOpBatchEntry: whatever the packed operations, EachOpBatchEntry
// refuses them or returns operations that pack back to bytes it reads as
// the very same operations, and that Builder.Fill can always turn into a
// frame (what a secondary does with each).
func FuzzEachOpBatchEntry(f *testing.F) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 8 {
		ents := randomOpEntries(r, 1, 4)
		var blob []byte
		for i := range ents {
			blob = appendOpBatchItem(blob, &ents[i])
		}
		f.Add(blob, uint64(len(ents)))
	}
	f.Fuzz(func(t *testing.T, blob []byte, count uint64) {
		var b Builder
		var enc Encoder
		var again []byte
		err := EachOpBatchEntry(&Op{Type: OpOpBatch, Sequence: 1, Value: blob, Count: count, Has: FieldValue | FieldCount}, func(e *Entry) error {
			again = appendOpBatchItem(again, e)
			var op Op
			b.Fill(&op, e, 0)
			_, _ = enc.AppendFrame(nil, &op) // may refuse (a key that is not UTF-8 where text is needed), never panic
			return nil
		})
		if err != nil {
			require.ErrorIs(t, err, ErrBadOpBatch)
			return
		}
		var third []byte
		err = EachOpBatchEntry(&Op{Type: OpOpBatch, Sequence: 1, Value: again, Count: count, Has: FieldValue | FieldCount}, func(e *Entry) error {
			third = appendOpBatchItem(third, e)
			return nil
		})
		require.NoError(t, err)
		require.True(t, bytes.Equal(again, third), "%x then %x", again, third)
	})
}

// TestOpBatchKindNumbers pins the effect kinds' numbers, which an OP_BATCH
// frame carries (docs/PROTOCOL.md, "Operation batches").
func TestOpBatchKindNumbers(t *testing.T) {
	for want, k := range map[uint64]engine.EffectKind{
		1: engine.EffectSet, 2: engine.EffectDelete, 3: engine.EffectExpire, 4: engine.EffectFlushDB,
		5: engine.EffectFlushAll, 6: engine.EffectHashSet, 7: engine.EffectHashDel, 8: engine.EffectHash,
		9: engine.EffectObject, 10: engine.EffectApply, 11: engine.EffectSwapDB, 12: engine.EffectFunctions,
		13: engine.EffectRename, 14: engine.EffectCopy,
	} {
		require.Equal(t, want, uint64(k), "%v", k)
		require.Equal(t, want != 5, batchKind(k), "kind %d", want)
	}
}
