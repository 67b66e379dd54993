package slab

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFrozenKeepsCaptureTime changes every kind of thing a table can change
// in place (same-size overwrites, appends into a greedy record's room,
// expiries, meta words, deletes, compaction and resizes) after Freeze,
// and checks that the Frozen still reads the records as they were.
func TestFrozenKeepsCaptureTime(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	tab := New()
	const n = 20000
	key := func(i int) string { return fmt.Sprintf("key:%06d", i) }
	for i := range n {
		v := make([]byte, 8+rnd.IntN(64))
		for j := range v {
			v[j] = byte('a' + rnd.IntN(26))
		}
		var exp int64
		if i%3 == 0 {
			exp = int64(1e12 + i)
		}
		tab.Set(key(i), v, exp, 0, 0, 0)
		if i%5 == 0 {
			tab.Append(key(i), []byte("+tail"), 1)
		}
	}
	type rec struct {
		value string
		exp   int64
	}
	want := map[string]rec{}
	tab.Each(func(e Entry) bool {
		want[string(e.Key)] = rec{string(e.Value), e.ExpireAt}
		return true
	})

	f := tab.Freeze()
	require.Equal(t, len(want), f.Len())
	for range 4 * n {
		k := key(rnd.IntN(n))
		switch rnd.IntN(6) {
		case 0: // same size: in place unless pinned
			if e, ok := tab.Get(k); ok {
				tab.SetWith(k, make([]byte, len(e.Value)), e.ExpireAt, 0, 0, true, func(Entry, bool) uint32 { return 0 })
			}
		case 1:
			if _, ok := tab.Get(k); ok {
				tab.Append(k, []byte("x"), 1)
			}
		case 2:
			tab.SetExpire(k, int64(2e12+rnd.IntN(1000)))
		case 3:
			tab.SetMeta(k, rnd.Uint32())
		case 4:
			tab.Delete(k)
		case 5: // new keys: resizes, new slabs
			tab.Set(fmt.Sprintf("new:%d", rnd.IntN(4*n)), make([]byte, 100), 0, 0, 0, 0)
		}
	}
	got := map[string]rec{}
	f.Each(func(key string, value []byte, exp int64, _ uint8) bool {
		got[key] = rec{string(value), exp}
		return true
	})
	require.Equal(t, want, got)
	tab.Unpin()
	require.NoError(t, tab.Verify())

	// Unpinned again: same-size overwrites are in place once more.
	tab.Set("p", []byte("aaaa"), 0, 0, 0, 0)
	e, _ := tab.Get("p")
	tab.SetWith("p", []byte("bbbb"), 0, 0, 0, true, func(Entry, bool) uint32 { return 0 })
	require.Equal(t, "bbbb", string(e.Value))
}
