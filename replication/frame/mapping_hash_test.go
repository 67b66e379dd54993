package frame

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

func packed(elems ...string) []byte {
	var p []byte
	for _, e := range elems {
		p = engine.AppendPacked(p, e)
	}
	return p
}

// TestHashEffectsRoundTrip: each hash effect goes through a frame and
// comes back the same, binary fields included.
func TestHashEffectsRoundTrip(t *testing.T) {
	for _, ef := range []engine.Effect{
		{Kind: engine.EffectHashSet, DB: 3, Key: "user:1", Value: packed("name", "Ada", "year", "1815")},
		{Kind: engine.EffectHashSet, DB: 0, Key: "bin", Value: packed("\xff\x00", "", "x", "\xfe")},
		{Kind: engine.EffectHashDel, DB: 1, Key: "user:1", Value: packed("name", "nope")},
		{Kind: engine.EffectHash, DB: 2, Key: "copy", Value: packed("a", "1"), ExpireAt: 1_800_000_000_000},
		{Kind: engine.EffectHash, DB: 2, Key: "copy", Value: packed("a", "1")},
	} {
		var b Builder
		var op Op
		b.Fill(&op, &Entry{Seq: 7, Effect: ef, Group: 1}, 1_700_000_000_000)
		got := roundTrip(t, &op)
		back, ok, err := EffectOf(&got, 16, 0)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, ef, back)
		require.True(t, IsData(got.Type))
	}
}

// TestHashFrameText: the packed list travels as readable text.
func TestHashFrameText(t *testing.T) {
	var b Builder
	var op Op
	b.Fill(&op, &Entry{Seq: 1, Effect: engine.Effect{Kind: engine.EffectHashSet, Key: "user:1", Value: packed("name", "Ada")}}, 0)
	var enc Encoder
	fr, err := enc.AppendFrame(nil, &op)
	require.NoError(t, err)
	require.Contains(t, string(fr), `"type":"HSET"`)
	require.Contains(t, string(fr), `"value":"4:name3:Ada"`)
}

// TestHashFrameRefused: malformed packed lists are refused, never applied.
func TestHashFrameRefused(t *testing.T) {
	for name, op := range map[string]Op{
		"no value":      {Type: OpHSet, Has: FieldKey, Key: []byte("k")},
		"empty":         {Type: OpHSet, Has: FieldKey | FieldValue, Key: []byte("k"), Value: []byte{}},
		"odd":           {Type: OpHash, Has: FieldKey | FieldValue, Key: []byte("k"), Value: packed("a")},
		"bad length":    {Type: OpHDel, Has: FieldKey | FieldValue, Key: []byte("k"), Value: []byte("9:a")},
		"no colon":      {Type: OpHDel, Has: FieldKey | FieldValue, Key: []byte("k"), Value: []byte("1a")},
		"no key":        {Type: OpHDel, Has: FieldValue, Value: packed("a")},
		"not a number":  {Type: OpHSet, Has: FieldKey | FieldValue, Key: []byte("k"), Value: []byte("x:a1:b")},
		"huge length":   {Type: OpHSet, Has: FieldKey | FieldValue, Key: []byte("k"), Value: []byte("99999999999999999999999:a")},
		"trailing junk": {Type: OpHSet, Has: FieldKey | FieldValue, Key: []byte("k"), Value: []byte("1:a1:b1")},
	} {
		t.Run(name, func(t *testing.T) {
			_, ok, err := EffectOf(&op, 16, 0)
			require.ErrorIs(t, err, ErrBadOperation)
			require.False(t, ok)
		})
	}
}

// TestFillLegacy: a reference secondary gets a METADATA frame at the
// hash operation's sequence and group, with no value; string operations
// are unchanged.
func TestFillLegacy(t *testing.T) {
	var b Builder
	var op Op
	e := &Entry{Seq: 9, Group: 2, Effect: engine.Effect{Kind: engine.EffectHash, DB: 1, Key: "h", Value: packed("a", "1"), ExpireAt: 5}}
	b.FillLegacy(&op, e, 0)
	got := roundTrip(t, &op)
	require.Equal(t, OpMetadata, got.Type)
	require.Equal(t, uint64(9), got.Sequence)
	require.Equal(t, 2, got.Group)
	require.Equal(t, "h", string(got.Key))
	require.Equal(t, [][]byte{[]byte("HASH")}, got.Tags)
	require.Zero(t, got.Has&(FieldValue|FieldExpireAt|FieldTTL))
	_, ok, err := EffectOf(&got, 16, 0)
	require.NoError(t, err)
	require.False(t, ok)

	s := &Entry{Seq: 10, Effect: engine.Effect{Kind: engine.EffectSet, Key: "s", Value: []byte("v")}}
	var want Op
	b.Fill(&want, s, 0)
	wantFrame, _ := new(Encoder).AppendFrame(nil, &want)
	b.FillLegacy(&op, s, 0)
	gotFrame, _ := new(Encoder).AppendFrame(nil, &op)
	require.Equal(t, wantFrame, gotFrame)
}
