package frame

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// TestCollectionEffectsRoundTrip: OBJECT and APPLY effects go through a
// frame and come back the same.
func TestCollectionEffectsRoundTrip(t *testing.T) {
	for _, ef := range []engine.Effect{
		{Kind: engine.EffectObject, Type: engine.TypeSet, DB: 3, Key: "tags", Value: packed("a", "b\xff")},
		{Kind: engine.EffectObject, Type: engine.TypeSet, DB: 0, Key: "tags", Value: packed("a"), ExpireAt: 1_800_000_000_000},
		{Kind: engine.EffectApply, DB: 1, Key: "tags", Value: packed("SADD", "x", "")},
		{Kind: engine.EffectApply, DB: 1, Key: "tags", Value: packed("SREM", "x")},
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
		require.True(t, IsTypeOp(got.Type))

		// A reference secondary gets a METADATA stand-in with no value.
		b.FillLegacy(&op, &Entry{Seq: 7, Effect: ef, Group: 1}, 0)
		require.Equal(t, OpMetadata, op.Type)
		require.Nil(t, op.Value)
		require.Equal(t, [][]byte{[]byte(got.Type)}, op.Tags)
	}
}

// TestCollectionFrameRefused: malformed OBJECT and APPLY frames are
// refused, never applied.
func TestCollectionFrameRefused(t *testing.T) {
	kv := FieldKey | FieldValue
	for name, op := range map[string]Op{
		"object without type":  {Type: OpObject, Has: kv, Key: []byte("k"), Value: packed("a")},
		"object string type":   {Type: OpObject, Has: kv | FieldTags, Key: []byte("k"), Value: packed("a"), Tags: [][]byte{[]byte("string")}},
		"object unknown type":  {Type: OpObject, Has: kv | FieldTags, Key: []byte("k"), Value: packed("a"), Tags: [][]byte{[]byte("stream")}},
		"object bad packing":   {Type: OpObject, Has: kv | FieldTags, Key: []byte("k"), Value: []byte("9:a"), Tags: [][]byte{[]byte("set")}},
		"object empty":         {Type: OpObject, Has: kv | FieldTags, Key: []byte("k"), Value: []byte{}, Tags: [][]byte{[]byte("set")}},
		"object without key":   {Type: OpObject, Has: FieldValue | FieldTags, Value: packed("a"), Tags: [][]byte{[]byte("set")}},
		"apply without value":  {Type: OpApply, Has: FieldKey, Key: []byte("k")},
		"apply empty":          {Type: OpApply, Has: kv, Key: []byte("k"), Value: []byte{}},
		"apply unknown":        {Type: OpApply, Has: kv, Key: []byte("k"), Value: packed("FLY", "a")},
		"apply without args":   {Type: OpApply, Has: kv, Key: []byte("k"), Value: packed("SADD")},
		"apply bad packing":    {Type: OpApply, Has: kv, Key: []byte("k"), Value: []byte("4:SADD1")},
		"apply lowercase name": {Type: OpApply, Has: kv, Key: []byte("k"), Value: packed("sadd", "a")},
	} {
		t.Run(name, func(t *testing.T) {
			op.Timestamp = 1
			got := roundTrip(t, &op)
			_, ok, err := EffectOf(&got, 16, 0)
			require.ErrorIs(t, err, ErrBadOperation)
			require.False(t, ok)
		})
	}
}

// TestFunctionsEffectRoundTrip: the function libraries go through an
// OBJECT frame tagged functions, without a key, and come back the same, in
// a frame of their own and in a snapshot batch; a malformed one is
// refused.
func TestFunctionsEffectRoundTrip(t *testing.T) {
	ef := engine.Effect{Kind: engine.EffectFunctions, Value: packed("#!lua name=a\nreturn 1", "#!lua name=b\n")}
	var b Builder
	var op Op
	b.Fill(&op, &Entry{Seq: 9, Effect: ef, Group: 1}, 1_700_000_000_000)
	require.Equal(t, OpObject, op.Type)
	got := roundTrip(t, &op)
	back, ok, err := EffectOf(&got, 16, 0)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, ef, back)
	it := ItemOf(&back)
	require.Equal(t, engine.Item{Type: engine.TypeFunctions, Value: ef.Value}, it)

	var items []engine.Item
	_, err = EachBatchItem(AppendBatchItem(nil, &it), 1, 16, func(it *engine.Item) error {
		items = append(items, *it)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []engine.Item{it}, items)

	got.Value = []byte("9:a")
	_, _, err = EffectOf(&got, 16, 0)
	require.ErrorIs(t, err, ErrBadOperation)
}
