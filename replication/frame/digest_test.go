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

// TestCheckpointRoundTrip: a checkpoint is a HEARTBEAT whose dataset
// digest survives the wire inside the checksum, and an ACK carries the
// verified sequence.
func TestCheckpointRoundTrip(t *testing.T) {
	d := engine.Digest{Hi: 0x0123456789abcdef, Lo: 0xfedcba9876543210}
	cp := Checkpoint(42, d)
	var enc Encoder
	buf, err := enc.AppendFrame(nil, &cp)
	require.NoError(t, err)
	require.True(t, bytes.Contains(buf, []byte(`"type":"HEARTBEAT"`)))
	require.True(t, bytes.Contains(buf, []byte(`"dataset_digest_v2":"0123456789abcdeffedcba9876543210"`)))
	var out Op
	require.NoError(t, NewReader(bytes.NewReader(buf), 0).Next(&out))
	require.Equal(t, OpHeartbeat, out.Type)
	require.Equal(t, uint64(42), out.Sequence)
	got, ok, err := DatasetDigestOf(&out)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, d, got)

	// A plain heartbeat carries none; a malformed one is an error.
	_, ok, err = DatasetDigestOf(&Op{Type: OpHeartbeat})
	require.NoError(t, err)
	require.False(t, ok)
	_, _, err = DatasetDigestOf(&Op{Type: OpHeartbeat, DatasetDigest: []byte("zz"), Has: FieldDatasetDigest})
	require.ErrorIs(t, err, ErrBadJSON)

	// A checkpoint of the first version of the digest (an older primary,
	// another hash of long strings) is a plain heartbeat here: nothing to
	// compare, nothing reported diverged.
	var old Op
	var dec Decoder
	require.NoError(t, dec.DecodePayload([]byte(withChecksum(t,
		`{"type":"HEARTBEAT","sequence":42,"timestamp":1.5,"data":{"dataset_digest":"0123456789abcdeffedcba9876543210"}`)), &old))
	_, ok, err = DatasetDigestOf(&old)
	require.NoError(t, err)
	require.False(t, ok)

	// Tampering with the digest breaks the checksum.
	bad := bytes.Replace(buf, []byte("0123456789abcdef"), []byte("0123456789abcdee"), 1)
	require.ErrorIs(t, NewReader(bytes.NewReader(bad), 0).Next(&out), ErrBadChecksum)

	ack := Op{Type: OpAck, Sequence: 7, Timestamp: 1.5, Applied: 7, Verified: 5, Has: FieldApplied | FieldVerified}
	buf, err = enc.AppendFrame(nil, &ack)
	require.NoError(t, err)
	require.NoError(t, NewReader(bytes.NewReader(buf), 0).Next(&out))
	require.Equal(t, uint64(5), out.Verified)
	require.NotZero(t, out.Has&FieldVerified)
}
