package slab

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSortRefsMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := map[string]func() uint64{
		"refs":      func() uint64 { return makeRef(rng.IntN(300), rng.IntN(chunkSize)) },
		"one chunk": func() uint64 { return makeRef(7, rng.IntN(chunkSize)) },
		"any":       func() uint64 { return rng.Uint64() },
		"few":       func() uint64 { return uint64(rng.IntN(3)) << 40 },
	}
	for name, gen := range shapes {
		for _, n := range []int{0, 1, 2, 255, 256, 257, 1000, 70000} {
			a := make([]uint64, n)
			for i := range a {
				a[i] = gen()
			}
			want := slices.Clone(a)
			slices.Sort(want)
			var scratch []uint64
			if n%2 == 0 {
				scratch = make([]uint64, n+3)
			}
			sortRefs(a, scratch)
			require.Equal(t, want, a, "%s, %d refs", name, n)
		}
	}
}

func BenchmarkSortRefs(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]uint64, 1<<20)
	for i := range src {
		src[i] = makeRef(rng.IntN(160), rng.IntN(chunkSize))
	}
	a := make([]uint64, len(src))
	scratch := make([]uint64, len(src))
	b.Run("radix", func(b *testing.B) {
		for b.Loop() {
			copy(a, src)
			sortRefs(a, scratch)
		}
	})
	b.Run("pdqsort", func(b *testing.B) {
		for b.Loop() {
			copy(a, src)
			slices.Sort(a)
		}
	})
}
