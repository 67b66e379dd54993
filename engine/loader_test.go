package engine_test

import (
	"fmt"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

// A keyspace installed by a Loader counts its memory key by key as it is
// built, replaced keys included, and ends where the same keys written one
// by one end: the same memory, the same digest. Told how many keys are
// coming (Expect), with the databases interleaved so that every
// database's reservation is too large, it ends the same.
func TestLoaderCountsMemory(t *testing.T) {
	for _, expect := range []int{0, 3000} {
		t.Run(fmt.Sprint("expect ", expect), func(t *testing.T) { testLoaderCountsMemory(t, expect) })
	}
}

func testLoaderCountsMemory(t *testing.T, expect int) {
	e := engine.New(engine.Options{Databases: 4})
	l := e.NewLoader()
	l.Expect(expect)
	want := engine.New(engine.Options{Databases: 4})
	packed := func(elems ...string) []byte {
		var b []byte
		for _, s := range elems {
			b = engine.AppendPacked(b, s)
		}
		return b
	}
	for i := range 3000 {
		db, key := i%3, fmt.Sprintf("k%d", i%2000) // keys 0-999 go in twice
		it := engine.Item{DB: db, Key: key, Type: engine.TypeString, Value: []byte(fmt.Sprintf("v%d-%d", i, i*i))}
		switch {
		case i%7 == 0:
			it.Type, it.Value = engine.TypeHash, packed("f", it.Key, "g", string(it.Value))
		case i%11 == 0:
			it.Type, it.Value = engine.TypeSet, packed("a", "b", string(it.Value))
		case i%13 == 0:
			it.ExpireAt = 1 << 50
		}
		require.NoError(t, l.Add(&it))
	}
	l.Commit(nil)
	require.NoError(t, e.CheckInvariants())

	// The same final keys (a snapshot holds each once) through a second
	// Loader with no replacement must count the same memory.
	l2 := want.NewLoader()
	items, release := e.Snapshot(nil)
	for _, it := range items {
		it.Value = append([]byte(nil), it.Value...)
		require.NoError(t, l2.Add(&it))
	}
	release()
	l2.Commit(nil)
	require.NoError(t, want.CheckInvariants())
	require.Equal(t, want.Memory().Used, e.Memory().Used)
	require.Equal(t, want.Digest(), e.Digest())
	for d := range 4 {
		require.Equal(t, want.BucketCount(d), e.BucketCount(d), "db %d: an index sized for its keys", d)
	}
}
