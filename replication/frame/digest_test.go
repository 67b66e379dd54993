package frame

import (
	"bytes"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

func TestOpDigest(t *testing.T) {
	base := engine.Effect{Kind: engine.EffectSet, DB: 2, Key: "k", Value: []byte("v"), ExpireAt: 99}
	d := OpDigest(7, &base)
	require.Len(t, d, 32)
	require.Equal(t, d, OpDigest(7, &engine.Effect{Kind: engine.EffectSet, DB: 2, Key: "k", Value: []byte("v"), ExpireAt: 99}),
		"the content alone decides")
	for name, other := range map[string]struct {
		seq uint64
		ef  engine.Effect
	}{
		"sequence": {8, base},
		"kind":     {7, engine.Effect{Kind: engine.EffectDelete, DB: 2, Key: "k", Value: []byte("v"), ExpireAt: 99}},
		"database": {7, engine.Effect{Kind: engine.EffectSet, DB: 3, Key: "k", Value: []byte("v"), ExpireAt: 99}},
		"key":      {7, engine.Effect{Kind: engine.EffectSet, DB: 2, Key: "kv", Value: []byte(""), ExpireAt: 99}},
		"value":    {7, engine.Effect{Kind: engine.EffectSet, DB: 2, Key: "k", Value: []byte("w"), ExpireAt: 99}},
		"expiry":   {7, engine.Effect{Kind: engine.EffectSet, DB: 2, Key: "k", Value: []byte("v"), ExpireAt: 100}},
	} {
		require.NotEqual(t, d, OpDigest(other.seq, &other.ef), name)
	}
}

// TestLastDigestRoundTrip: data.last_digest survives encoding and
// decoding, inside the checksum.
func TestLastDigestRoundTrip(t *testing.T) {
	var enc Encoder
	d := OpDigest(1, &engine.Effect{Kind: engine.EffectSet, Key: "k"})
	in := Op{Type: OpSyncRequest, Sequence: 1, Timestamp: 1.5, FromSequence: 2, ReplID: []byte("r"), LastDigest: d,
		Has: FieldFromSequence | FieldReplID | FieldLastDigest}
	frame, err := enc.AppendFrame(nil, &in)
	require.NoError(t, err)
	require.True(t, bytes.Contains(frame, []byte(`"last_digest":"`+string(d)+`"`)))
	var out Op
	rd := NewReader(bytes.NewReader(frame), 0)
	require.NoError(t, rd.Next(&out))
	require.Equal(t, d, out.LastDigest)
	require.NotZero(t, out.Has&FieldLastDigest)

	// Tampering with it breaks the checksum.
	bad := bytes.Replace(frame, d[:4], []byte("ffff"), 1)
	require.Error(t, NewReader(bytes.NewReader(bad), 0).Next(&out))
}
