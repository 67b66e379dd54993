package engine_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// TestCollectionRenameDuringSnapshot: a list, set or sorted set RENAMEd or
// MOVEd while a snapshot is open, then changed, leaves the snapshot with
// the value it captured (copy on write), and its digest.
func TestCollectionRenameDuringSnapshot(t *testing.T) {
	v := newEnv(t)
	e := v.e
	must(e.LPush(0, "L", bs("a", "b"), false, false))
	must(e.SAdd(0, "S", bs("x", "y")))
	_, _, _, err := e.ZAdd(0, "Z", engine.ZAddOptions{}, []float64{1}, bs("m"))
	require.NoError(t, err)
	var at engine.Digest
	snap := e.Capture(func(d engine.Digest) { at = d })
	defer snap.Release()
	must(e.Rename(0, "L", "L2", false))
	must(e.Move(0, "S", 1))
	must(e.Rename(0, "Z", "Z2", false))
	must(e.LPush(0, "L2", bs("c"), false, false))
	must(e.SAdd(1, "S", bs("z")))
	_, _, _, err = e.ZAdd(0, "Z2", engine.ZAddOptions{}, []float64{2}, bs("n"))
	require.NoError(t, err)
	// The snapshot is read after the writes, as a snapshot file or a full
	// sync reads it while the engine goes on.
	items := snapshotItems(snap)
	require.Equal(t, at, engine.DigestOf(items), "the snapshot's values changed under it")
	for _, it := range items {
		n, err := engine.CountPacked(it.Value)
		require.NoError(t, err)
		require.Equal(t, map[string]int{"L": 2, "S": 2, "Z": 2}[it.Key], n, it.Key)
	}
	replay(t, v)
}

// TestZSetStoreNegativeZero: a sorted set stored whole (ZUNIONSTORE, then
// RENAME of it) holds the same scores, -0 included, on the primary and on
// a replica rebuilding it from the reported value, whatever the order the
// primary built it in.
func TestZSetStoreNegativeZero(t *testing.T) {
	v := newEnv(t)
	e := v.e
	long := strings.Repeat("l", 65) // past zset-max-listpack-value
	_, _, _, err := e.ZAdd(0, "s1", engine.ZAddOptions{}, []float64{5}, bs(long))
	require.NoError(t, err)
	_, _, _, err = e.ZAdd(0, "s2", engine.ZAddOptions{}, []float64{0}, bs("b"))
	require.NoError(t, err)
	_, err = e.ZSetOpStore(0, "dst", engine.ZUnion, []string{"s1", "s2"}, []float64{1, -1}, engine.ZAggSum)
	require.NoError(t, err)
	must(e.Rename(0, "dst", "moved", false))
	r := replay(t, v)
	for _, eng := range []*engine.Engine{e, r} {
		s, ok, err := eng.ZScore(0, "moved", []byte("b"))
		require.NoError(t, err)
		require.True(t, ok)
		want, _, _ := e.ZScore(0, "moved", []byte("b"))
		require.Equal(t, math.Float64bits(want), math.Float64bits(s))
	}
	require.Equal(t, e.DigestValue(0, []string{"moved"}), r.DigestValue(0, []string{"moved"}))
}

// snapshotItems reads snap's items, each with a copy of its value.
func snapshotItems(snap *engine.Snapshot) []engine.Item {
	var items []engine.Item
	snap.Each(func(it *engine.Item) bool {
		c := *it
		c.Value = append([]byte(nil), it.Value...)
		items = append(items, c)
		return true
	})
	return items
}
