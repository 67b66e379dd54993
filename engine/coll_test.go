package engine_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func sortedMembers(t *testing.T, e *engine.Engine, d int, key string) []string {
	t.Helper()
	ms, err := e.SMembers(d, key)
	require.NoError(t, err)
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m)
	}
	sort.Strings(out)
	return out
}

// replay applies every recorded group to a fresh engine, as a replica
// does, and checks it ends with the same digest.
func replay(t *testing.T, v *env) *engine.Engine {
	t.Helper()
	r := engine.New(engine.Options{Databases: 16, Clock: v.clk})
	for _, g := range v.sink.Take() {
		r.Apply(g, nil)
	}
	require.Equal(t, v.e.Digest(), r.Digest())
	require.NoError(t, r.CheckInvariants())
	return r
}

// TestCollectionLifecycle: a collection is created by its first element,
// removed with its last, typed, replicated by its effects, and moved and
// copied with its value.
func TestCollectionLifecycle(t *testing.T) {
	v := newEnv(t)
	e := v.e
	require.Equal(t, 3, must(e.SAdd(0, "s", bs("a", "b", "c", "a"))))
	require.Equal(t, "set", e.Type(0, "s"))
	require.Equal(t, 0, must(e.SAdd(0, "s", bs("a"))))
	require.True(t, e.Set(0, "str", []byte("x"), engine.SetOptions{}).Done)
	_, err := e.SAdd(0, "str", bs("a"))
	require.ErrorIs(t, err, engine.ErrWrongType)
	_, err = e.HSet(0, "s", bs("f", "v"), false)
	require.ErrorIs(t, err, engine.ErrWrongType)
	_, _, err = e.GetAppend(nil, 0, "s")
	require.ErrorIs(t, err, engine.ErrWrongType)

	require.Equal(t, 1, must(e.SRem(0, "s", bs("b", "zz"))))
	require.Equal(t, []string{"a", "c"}, sortedMembers(t, e, 0, "s"))

	ok, err := e.Copy(0, "s", 2, "copy", false)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = e.Rename(0, "s", "renamed", false)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = e.Move(0, "renamed", 5)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []string{"a", "c"}, sortedMembers(t, e, 5, "renamed"))
	require.Equal(t, []string{"a", "c"}, sortedMembers(t, e, 2, "copy"))
	// Changing the copy leaves the original alone.
	require.Equal(t, 1, must(e.SAdd(2, "copy", bs("d"))))
	require.Equal(t, []string{"a", "c"}, sortedMembers(t, e, 5, "renamed"))

	require.Equal(t, 2, must(e.SRem(5, "renamed", bs("a", "c"))))
	require.Equal(t, "none", e.Type(5, "renamed"))
	require.Equal(t, 0, e.DBSize(5))
	require.Equal(t, 2, must(e.SAdd(5, "renamed", bs("x", "y"))))
	replay(t, v)
}

// TestCollectionSnapshotCopyOnWrite: a snapshot keeps the value it
// captured while the set changes, and a keyspace loaded from it has the
// captured digest.
func TestCollectionSnapshotCopyOnWrite(t *testing.T) {
	v := newEnv(t)
	e := v.e
	must(e.SAdd(0, "s", bs("a", "b")))
	must(e.SAdd(3, "t", bs("1", "2", "3")))
	var at engine.Digest
	items, release := e.Snapshot(func(d engine.Digest) { at = d })
	must(e.SAdd(0, "s", bs("c")))
	must(e.SRem(3, "t", bs("1", "2", "3")))
	must(e.SAdd(3, "t", bs("new")))
	require.Equal(t, at, engine.DigestOf(items))
	var got []string
	for _, it := range items {
		require.Equal(t, engine.TypeSet, it.Type)
		var ms []string
		require.NoError(t, engine.EachPacked(it.Value, func(m []byte) bool { ms = append(ms, string(m)); return true }))
		slices.Sort(ms)
		got = append(got, it.Key+"="+string(slices.Concat(bs(ms...)...)))
	}
	slices.Sort(got)
	require.Equal(t, []string{"s=ab", "t=123"}, got)

	r := engine.New(engine.Options{Databases: 16})
	r.Replace(items, nil)
	require.Equal(t, at, r.Digest())
	require.NoError(t, r.CheckInvariants())
	release()
	require.NoError(t, e.CheckInvariants())
	replay(t, v)
}

// TestCollectionApplyRefusesBadWords: what CheckApply refuses never
// reaches a collection.
func TestCollectionApplyRefusesBadWords(t *testing.T) {
	for _, p := range [][]byte{nil, []byte("x"), engine.AppendPacked(nil, "NOPE"), engine.AppendPacked(nil, "SADD")} {
		require.Error(t, engine.CheckApply(p), "%q", p)
	}
	require.NoError(t, engine.CheckApply(engine.AppendPacked(engine.AppendPacked(nil, "SADD"), "m")))
	require.Error(t, engine.CheckObject(engine.TypeSet, []byte("3:ab")))
}
