package engine

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStreamModel drives a stream with random appends, deletions (in the
// middle: tombstones; at either end) and trims against a plain slice of
// IDs, and checks after each step its length, its entries in both
// directions, that its packed form rebuilds an equal stream (same value
// hash and memory), and its memory count.
func TestStreamModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		s := newStream()
		var model []StreamID
		next := uint64(1)
		for step := range 600 {
			switch op := rng.IntN(10); {
			case op < 5:
				id := StreamID{next, uint64(rng.IntN(3))}
				next++
				s.appendEntry(id, AppendPacked(AppendPacked(nil, "f"), []byte{byte(step)}))
				s.added++
				model = append(model, id)
			case op < 8 && len(model) > 0:
				var i int
				switch rng.IntN(3) {
				case 0:
					i = 0
				case 1:
					i = len(model) - 1
				default:
					i = rng.IntN(len(model))
				}
				require.True(t, s.delete(model[i]))
				require.False(t, s.delete(model[i]), "deleted twice")
				model = slices.Delete(model, i, i+1)
			case op == 8:
				n := rng.IntN(4)
				s.trimFirst(n)
				model = model[min(n, len(model)):]
			default:
				tr := StreamTrim{MaxLen: int64(rng.IntN(len(model) + 2))}
				if rng.IntN(2) == 0 && len(model) > 0 {
					tr = StreamTrim{MinID: true, Min: model[rng.IntN(len(model))]}
				}
				n := s.trimCount(&tr)
				s.trimFirst(n)
				model = model[n:]
			}
			require.Equal(t, len(model), s.length(), "round %d step %d", round, step)
			var got []StreamID
			for _, en := range s.rangeOf(StreamID{}, MaxStreamID, 0, false) {
				got = append(got, en.ID)
			}
			if len(model) > 0 || len(got) > 0 {
				require.Equal(t, model, got, "round %d step %d", round, step)
			}
			rev := s.rangeOf(StreamID{}, MaxStreamID, 0, true)
			require.Len(t, rev, len(model))
			if len(model) > 0 {
				require.Equal(t, model[len(model)-1], rev[0].ID)
				require.False(t, s.ents[0].dead() || s.ents[len(s.ents)-1].dead(), "a tombstone at an end")
			}
			back, err := streamFromPacked(s.pack(nil), DefaultCollLimits)
			require.NoError(t, err)
			require.Equal(t, s.valueHash(), back.valueHash())
			require.Equal(t, s.memory(), back.memory())
			dead := 0
			for _, en := range s.ents {
				if en.dead() {
					dead++
				}
			}
			require.Equal(t, s.dead, dead, "tombstones counted")
		}
	}
}
