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

// randomBatchItems returns n keys of every kind a snapshot holds, with and
// without expiry, text and binary.
func randomBatchItems(r *rand.Rand, n, dbs int) []engine.Item {
	items := make([]engine.Item, n)
	for i := range items {
		it := engine.Item{DB: r.IntN(dbs), Key: fmt.Sprintf("k%d-%s", i, randBytes(r, 20))}
		if r.IntN(3) == 0 {
			it.ExpireAt = r.Int64N(1 << 45)
		}
		switch r.IntN(4) {
		case 0:
			var p []byte
			for range 1 + r.IntN(4) {
				p = engine.AppendPacked(p, randBytes(r, 10))
				p = engine.AppendPacked(p, randBytes(r, 30))
			}
			it.Type, it.Value = engine.TypeHash, p
		case 1:
			var p []byte
			for range 1 + r.IntN(5) {
				p = engine.AppendPacked(p, randBytes(r, 30))
			}
			it.Type, it.Value = engine.TypeList, p
		default:
			it.Value = randBytes(r, 300)
		}
		items[i] = it
	}
	return items
}

func TestBatchRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		items := randomBatchItems(r, r.IntN(40), 16)
		var blob []byte
		for i := range items {
			before := len(blob)
			blob = AppendBatchItem(blob, &items[i])
			require.LessOrEqual(t, len(blob)-before, BatchItemSize(&items[i]))
		}
		// Through a frame, as a primary sends it.
		var enc Encoder
		fr, err := enc.AppendFrame(nil, &Op{Type: OpSnapshotBatch, Sequence: 9, Timestamp: 1, Value: blob, ValueBase64: true,
			Count: uint64(len(items)), Has: FieldValue | FieldCount})
		require.NoError(t, err)
		var d Decoder
		var op Op
		_, err = d.DecodeFrame(fr, &op)
		require.NoError(t, err)
		require.Equal(t, OpSnapshotBatch, op.Type)

		var got []engine.Item
		n, err := EachBatchItem(op.Value, op.Count, 16, func(it *engine.Item) error {
			c := *it
			c.Key, c.Value = string([]byte(it.Key)), bytes.Clone(it.Value)
			got = append(got, c)
			return nil
		})
		require.NoError(t, err, "round %d", round)
		require.Equal(t, len(items), n)
		for i := range items {
			require.Equal(t, items[i].DB, got[i].DB)
			require.Equal(t, items[i].Type, got[i].Type)
			require.Equal(t, items[i].ExpireAt, got[i].ExpireAt)
			require.Equal(t, items[i].Key, got[i].Key)
			require.Equal(t, string(items[i].Value), string(got[i].Value))
		}
	}
}

func TestBatchRefused(t *testing.T) {
	good := engine.Item{DB: 1, Key: "k", Value: []byte("v")}
	one := AppendBatchItem(nil, &good)
	hash := func(p []byte) []byte {
		return AppendBatchItem(nil, &engine.Item{Key: "h", Type: engine.TypeHash, Value: p})
	}
	for _, tc := range []struct {
		name  string
		blob  []byte
		count uint64
	}{
		{"fewer keys than counted", one, 2},
		{"more keys than counted", append(bytes.Clone(one), one...), 1},
		{"keys where none are counted", one, 0},
		{"no keys where one is counted", nil, 1},
		{"truncated value", one[:len(one)-1], 1},
		{"truncated key", one[:4], 1},
		{"a length past the end", append(bytes.Clone(one[:3]), 0xff, 0xff, 0xff, 0x7f), 1},
		{"trailing byte", append(bytes.Clone(one), 0), 1},
		{"database out of range", AppendBatchItem(nil, &engine.Item{DB: 16, Key: "k"}), 1},
		{"huge database", append(binary.AppendUvarint(nil, 1<<63), one[1:]...), 1},
		{"unknown type", AppendBatchItem(nil, &engine.Item{Type: engine.TypeZSet + 1, Key: "k"}), 1},
		{"hash with a field and no value", hash(engine.AppendPacked(nil, "f")), 1},
		{"empty hash", hash(nil), 1},
		{"malformed packed hash", hash([]byte("3:ab")), 1},
		{"empty list", AppendBatchItem(nil, &engine.Item{Key: "l", Type: engine.TypeList}), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			taken := 0
			n, err := EachBatchItem(tc.blob, tc.count, 16, func(*engine.Item) error { taken++; return nil })
			require.ErrorIs(t, err, ErrBadBatch)
			require.Equal(t, taken, n)
		})
	}
	// A refusal by fn stops the batch and is passed on.
	stop := fmt.Errorf("stop")
	n, err := EachBatchItem(append(bytes.Clone(one), one...), 2, 16, func(*engine.Item) error { return stop })
	require.ErrorIs(t, err, stop)
	require.Zero(t, n)
}

// FuzzEachBatchItem: whatever the packed keys, EachBatchItem refuses them
// or returns keys that pack back (lengths written minimally) to bytes it
// reads as the very same keys.
func FuzzEachBatchItem(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 8 {
		var blob []byte
		items := randomBatchItems(r, 3, 16)
		for i := range items {
			blob = AppendBatchItem(blob, &items[i])
		}
		f.Add(blob, uint64(len(items)))
	}
	f.Fuzz(func(t *testing.T, blob []byte, count uint64) {
		var again []byte
		n, err := EachBatchItem(blob, count, 16, func(it *engine.Item) error {
			require.Less(t, it.DB, 16)
			again = AppendBatchItem(again, it)
			return nil
		})
		if err != nil {
			require.ErrorIs(t, err, ErrBadBatch)
			return
		}
		require.Equal(t, count, uint64(n))
		require.LessOrEqual(t, len(again), len(blob))
		var third []byte
		_, err = EachBatchItem(again, count, 16, func(it *engine.Item) error {
			third = AppendBatchItem(third, it)
			return nil
		})
		require.NoError(t, err)
		require.True(t, bytes.Equal(again, third), "%x then %x", again, third)
	})
}
