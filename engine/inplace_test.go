package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// TestOverwriteInPlaceKeepsWhatWasHandedOut: a SET of a value of the same
// size writes over the stored bytes, so nothing handed out may share them:
// GET returns a copy, a snapshot pins the keyspace until it is released,
// SET ... GET returns a copy, and the sink receives each value of a group
// as it was stored even when the group overwrites the key again.
func TestOverwriteInPlaceKeepsWhatWasHandedOut(t *testing.T) {
	v := newEnv(t)
	v.set(t, "k", "value-1", 0)

	got, ok := v.e.Get(0, "k")
	require.True(t, ok)
	v.set(t, "k", "value-2", 0)
	require.Equal(t, "value-1", string(got), "GET returned a copy")

	items, release := v.e.Snapshot(nil)
	v.set(t, "k", "value-3", 0)
	require.Equal(t, "value-2", string(items[0].Value), "a snapshot's values stay until it is released")
	release()
	release() // a second call does nothing
	v.set(t, "k", "value-4", 0)
	require.Equal(t, "value-2", string(items[0].Value), "the record the snapshot held was replaced, never rewritten")

	r := v.e.Set(0, "k", []byte("value-5"), engine.SetOptions{Get: true})
	require.Equal(t, "value-4", string(r.Old))

	v.sink.Take()
	require.True(t, v.e.MSet(0, [][]byte{[]byte("k"), []byte("first-1"), []byte("k"), []byte("later-2")}, false))
	groups := v.sink.Take()
	require.Len(t, groups, 1)
	require.Len(t, groups[0], 2)
	require.Equal(t, "first-1", string(groups[0][0].Value), "the group's first value, as stored")
	require.Equal(t, "later-2", string(groups[0][1].Value))
	got, _ = v.e.Get(0, "k")
	require.Equal(t, "later-2", string(got))
	require.NoError(t, v.e.CheckInvariants())
}
