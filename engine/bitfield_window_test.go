package engine

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBitFieldWindow: BITFIELD, which works on a copy of the bytes its
// writes reach, answers and stores what working on a copy of the whole
// value does, with GETs before, inside, across and past that window.
func TestBitFieldWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for round := range 3000 {
		e := New(Options{Databases: 1})
		e.SetCompactEffects(round%2 == 0)
		init := make([]byte, rng.IntN(40))
		for i := range init {
			init[i] = byte(rng.IntN(256))
		}
		if len(init) > 0 || rng.IntN(2) == 0 {
			e.Set(0, "k", init, SetOptions{})
		}
		var ops []BitFieldOp
		for range rng.IntN(5) + 1 {
			op := BitFieldOp{Kind: BitFieldOpKind(rng.IntN(3)), Signed: rng.IntN(2) == 0, Offset: uint64(rng.IntN(60 * 8)),
				Value: rng.Int64N(600) - 300, Overflow: Overflow(rng.IntN(3))}
			op.Bits = uint(rng.IntN(63) + 1)
			if op.Signed {
				op.Bits = uint(rng.IntN(64) + 1)
			}
			ops = append(ops, op)
		}
		// The reference: every operation on a copy of the whole value,
		// grown to the farthest write.
		var highest uint64
		write := false
		for _, op := range ops {
			if op.Kind != BitFieldGet {
				write = true
				highest = max(highest, op.Offset+uint64(op.Bits)-1)
			}
		}
		cur, found := e.Get(0, "k")
		want := bytes.Clone(cur)
		if write {
			want = grownCopy(cur, highest>>3+1)
		}
		wantOut := make([]BitFieldResult, len(ops))
		for i, op := range ops {
			wantOut[i] = applyField(want, op)
		}
		got, err := e.BitField(0, "k", ops)
		require.NoError(t, err)
		require.Equal(t, wantOut, got, "round %d: %+v on %x", round, ops, init)
		after, ok := e.Get(0, "k")
		if write {
			require.True(t, ok)
			require.Equal(t, want, after, "round %d", round)
		} else {
			require.Equal(t, found, ok)
		}
	}
}
