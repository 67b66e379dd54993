package slab

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSampleAfterSampledDeletes: deleting the keys that sampling picks (an
// expire cycle) must not leave sampling walking long empty stretches: the
// entries after a gap were picked more often, so the gaps grew until a
// sample crossed most of the index. Each sample looks at a few slots from
// each random start; with the index a sixteenth full, a handful of starts.
func TestSampleAfterSampledDeletes(t *testing.T) {
	tab := New()
	for i := range 200_000 {
		tab.Set(fmt.Sprint("k", i), []byte("v"), 1, 0, 0, 0)
	}
	r := rand.New(rand.NewPCG(5, 6))
	starts := 0
	rnd := func(n int) int { starts++; return r.IntN(n) }
	for tab.VolatileLen() > 10_000 {
		e, ok := tab.SampleVolatile(rnd)
		require.True(t, ok)
		require.True(t, tab.Delete(string(e.Key)))
	}
	tab.vol.finishMove()
	x := &tab.vol
	slots := len(x.slots)
	last := 0
	rnd = func(n int) int { starts++; last = r.IntN(n); return last }
	starts = 0
	const samples = 10_000
	for range samples {
		i := x.sample(rnd)
		require.Less(t, (i-last)&(slots-1), sampleWalk, "a sample is found a few slots from its last random start")
	}
	// A start is at most sampleWalk slots; the bound is what an even
	// spread of the entries would give, four times over.
	perSample := float64(starts) / samples
	require.Less(t, perSample, 4*float64(slots)/float64(sampleWalk*tab.VolatileLen())+2,
		"%.1f random starts per sample in %d slots holding %d", perSample, slots, tab.VolatileLen())
}
