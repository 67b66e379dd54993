package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// TestSortStoreEffects: SORT ... STORE reports the stored list whole (one
// OBJECT effect, so a secondary stores the same list over whatever the
// destination held), and an empty result a delete of the destination; the
// elements and the GET values are copies that outlive the lock.
func TestSortStoreEffects(t *testing.T) {
	v := newEnv(t)
	_, err := v.e.LPush(0, "l", [][]byte{[]byte("3"), []byte("1"), []byte("2")}, false, false)
	require.NoError(t, err)
	v.set(t, "w_1", "c", 0)
	v.set(t, "w_2", "a", 0)
	v.set(t, "dst", "a string", 0)
	v.sink.Take()

	n, err := v.e.SortStore(0, "l", "dst", engine.SortSpec{Count: -1, Desc: true})
	require.NoError(t, err)
	require.Equal(t, 3, n)
	g := v.sink.Take()
	require.Len(t, g, 1)
	require.Len(t, g[0], 1)
	require.Equal(t, engine.EffectObject, g[0][0].Kind)
	require.Equal(t, engine.TypeList, g[0][0].Type)
	got, err := v.e.LRange(0, "dst", 0, -1)
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("3"), []byte("2"), []byte("1")}, got)

	out, err := v.e.Sort(0, "l", engine.SortSpec{Count: -1, By: []byte("w_*"), Alpha: true, Gets: [][]byte{[]byte("#"), []byte("w_*")}})
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("3"), nil, []byte("2"), []byte("a"), []byte("1"), []byte("c")}, out)
	require.Empty(t, v.sink.Take(), "SORT without STORE changes nothing")

	n, err = v.e.SortStore(0, "missing", "dst", engine.SortSpec{Count: -1})
	require.NoError(t, err)
	require.Zero(t, n)
	g = v.sink.Take()
	require.Len(t, g, 1)
	require.Equal(t, engine.EffectDelete, g[0][0].Kind)
	require.Equal(t, "dst", g[0][0].Key)
}
