package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// TestFunctionsState: the function libraries' value is changed only at
// the generation read, reported to the sink as one effect, replayed by a
// secondary, carried by a snapshot as an Item of its own and installed by
// a Loader; keys' commands, FLUSHALL and the digest never see it.
func TestFunctionsState(t *testing.T) {
	sink := &recSink{}
	e := engine.New(engine.Options{Sink: sink})
	v, gen := e.Functions()
	require.Nil(t, v)

	libs := engine.AppendPacked(nil, "#!lua name=x\n")
	d0 := e.Digest()
	require.True(t, e.SetFunctions(libs, gen))
	require.Equal(t, d0, e.Digest(), "the libraries are in no digest")
	require.False(t, e.SetFunctions(nil, gen), "a change came in between")
	got, gen2 := e.Functions()
	require.Equal(t, libs, got)
	require.NotEqual(t, gen, gen2)
	require.Equal(t, [][]engine.Effect{{{Kind: engine.EffectFunctions, Value: libs}}}, sink.Take())

	e.FlushAll()
	got, _ = e.Functions()
	require.Equal(t, libs, got, "FLUSHALL leaves the libraries")
	require.Equal(t, 0, e.DBSize(0))

	// A snapshot carries them first, and a Loader installs them.
	e.Set(0, "k", []byte("v"), engine.SetOptions{})
	items, release := e.Snapshot(nil)
	release()
	require.Len(t, items, 2)
	require.Equal(t, engine.Item{Type: engine.TypeFunctions, Value: libs}, items[0])
	require.Equal(t, e.Digest(), engine.DigestOf(items), "as a snapshot file's check computes it")
	r := engine.New(engine.Options{})
	r.Replace(items, nil)
	got, _ = r.Functions()
	require.Equal(t, libs, got)
	require.Equal(t, 1, r.DBSize(0))
	var de, dr engine.Digest
	e.Capture(func(d engine.Digest) { de = d }).Release()
	r.Capture(func(d engine.Digest) { dr = d }).Release()
	require.Equal(t, de, dr, "the libraries are in no digest")

	// Replayed on a secondary; a full sync without libraries drops them.
	r.Apply([]engine.Effect{{Kind: engine.EffectFunctions, Value: engine.AppendPacked(nil, "#!lua name=y\n")}}, nil)
	got, _ = r.Functions()
	require.Equal(t, engine.AppendPacked(nil, "#!lua name=y\n"), got)
	r.Replace(nil, nil)
	got, _ = r.Functions()
	require.Nil(t, got)
}
