package frame

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// randBytes returns random bytes of one of several shapes: binary, ASCII,
// UTF-8 with astral characters, or WTF-8 with lone surrogates.
func randBytes(r *rand.Rand, maxLen int) []byte {
	n := r.IntN(maxLen + 1)
	b := make([]byte, 0, n)
	switch r.IntN(4) {
	case 0:
		for range n {
			b = append(b, byte(r.Uint32()))
		}
	case 1:
		for range n {
			b = append(b, byte(r.IntN(128)))
		}
	default:
		pool := []rune{'a', 'Z', '"', '\\', '/', 0, '\n', 0x1f, 0x7f, 0xe9, 0x2028, 0xfeff, 0x4e2d, 0x1f600, 0x10ffff}
		for range n {
			if r.IntN(8) == 0 {
				// A lone surrogate, never a high one right before a low one.
				s := rune(0xd800 + r.IntN(0x800))
				if s < 0xdc00 {
					b = appendWTF8(b, s)
					b = append(b, 'x')
				} else {
					b = appendWTF8(b, s)
				}
				continue
			}
			b = utf8.AppendRune(b, pool[r.IntN(len(pool))])
		}
	}
	return b
}

func randText(r *rand.Rand, maxLen int) []byte {
	for {
		b := randBytes(r, maxLen)
		if _, ok := appendQuoted(nil, b); ok {
			return b
		}
	}
}

func randFloat(r *rand.Rand) float64 {
	switch r.IntN(4) {
	case 0:
		return float64(r.Int64N(1<<40)) / 1000
	case 1:
		return 1.7e9 + r.Float64()*1e6
	case 2:
		return float64(r.Int64()) // integral, large
	}
	for {
		f := math.Float64frombits(r.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
}

// randOp returns a random Op and the Op a decoder must give back for it.
func randOp(r *rand.Rand) (in, want Op) {
	op := Op{
		Type:      opTypes[r.IntN(len(opTypes))],
		Sequence:  r.Uint64() >> r.IntN(64),
		Timestamp: randFloat(r),
		Has:       FieldMask(r.Uint32()) & (FieldCount<<1 - 1),
	}
	if r.IntN(2) == 0 {
		op.Timestamp = math.Trunc(op.Timestamp)
		op.TimestampIsInt = r.IntN(2) == 0
	}
	if op.Has&FieldKey != 0 {
		op.Key, op.KeyBase64 = randBytes(r, 40), r.IntN(4) == 0
	}
	if op.Has&FieldValue != 0 {
		op.Value, op.ValueBase64 = randBytes(r, 200), r.IntN(2) == 0
	}
	if op.Has&FieldDB != 0 {
		op.DB = randText(r, 4)
	}
	if op.Has&FieldNamespace != 0 {
		op.Namespace = randText(r, 10)
	}
	if op.Has&FieldTags != 0 {
		op.Tags = [][]byte{}
		for range r.IntN(4) {
			op.Tags = append(op.Tags, randText(r, 8))
		}
	}
	if op.Has&FieldTTL != 0 {
		op.TTL = randFloat(r)
	}
	if op.Has&FieldExpireAt != 0 {
		op.ExpireAtMs = int64(r.Uint64())
	}
	if op.Has&FieldGroup != 0 {
		op.Group = r.IntN(1000)
	}
	if op.Has&FieldFromSequence != 0 {
		op.FromSequence = r.Uint64()
	}
	if op.Has&FieldReplID != 0 {
		op.ReplID = randText(r, 40)
	}
	if op.Has&FieldMode != 0 {
		op.Mode = []SyncMode{ModePartial, ModeFull, "other"}[r.IntN(3)]
	}
	if op.Has&FieldListeningPort != 0 {
		op.ListeningPort = r.IntN(65536)
	}
	if op.Has&FieldNodeID != 0 {
		op.NodeID = randText(r, 20)
	}
	if op.Has&FieldApplied != 0 {
		op.Applied = r.Uint64()
	}
	if op.Has&FieldCount != 0 {
		op.Count = r.Uint64()
	}

	want = op
	if want.TimestampIsInt && want.Timestamp == 0 {
		want.Timestamp = 0 // the integer 0 has no sign
	}
	_, keyText := appendQuoted(nil, op.Key)
	want.KeyBase64 = op.Has&FieldKey != 0 && (op.KeyBase64 || !keyText)
	_, valText := appendQuoted(nil, op.Value)
	want.ValueBase64 = op.Has&FieldValue != 0 && (op.ValueBase64 || !valText)
	return op, want
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var e Encoder
	var d Decoder
	var got Op
	var frame []byte
	for i := range 5000 {
		in, want := randOp(r)
		var err error
		frame, err = e.AppendFrame(frame[:0], &in)
		require.NoError(t, err, "op %d: %+v", i, in)
		n, err := d.DecodeFrame(frame, &got)
		require.NoError(t, err, "op %d: %+v\n%s", i, in, frame)
		require.Equal(t, len(frame), n)
		want.Checksum = got.Checksum
		requireSameOp(t, want, got, "op %d: %s", i, frame)
	}
}

// requireSameOp compares two Ops, treating nil and empty slices alike and
// comparing floats by bits (so -0 and 0 differ).
func requireSameOp(t testing.TB, want, got Op, msgAndArgs ...any) {
	t.Helper()
	norm := func(op Op) Op {
		for _, b := range []*[]byte{&op.Key, &op.Value, &op.DB, &op.Namespace, &op.ReplID, &op.NodeID} {
			if len(*b) == 0 {
				*b = nil
			}
		}
		if len(op.Tags) == 0 {
			op.Tags = nil
		}
		return op
	}
	require.Equal(t, norm(want), norm(got), msgAndArgs...)
	require.Equal(t, math.Float64bits(want.Timestamp), math.Float64bits(got.Timestamp), msgAndArgs...)
	require.Equal(t, math.Float64bits(want.TTL), math.Float64bits(got.TTL), msgAndArgs...)
}

func TestEncodeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   Op
		want error
	}{
		{"unknown type", Op{Type: "set"}, ErrUnknownType},
		{"NaN timestamp", Op{Type: OpSet, Timestamp: math.NaN()}, ErrInvalidOp},
		{"infinite timestamp", Op{Type: OpSet, Timestamp: math.Inf(1)}, ErrInvalidOp},
		{"infinite ttl", Op{Type: OpSet, Has: FieldTTL, TTL: math.Inf(-1)}, ErrInvalidOp},
		{"binary db", Op{Type: OpSet, Has: FieldDB, DB: []byte{0xff}}, ErrInvalidOp},
		{"binary tag", Op{Type: OpSet, Has: FieldTags, Tags: [][]byte{[]byte("ok"), {0xc3}}}, ErrInvalidOp},
		{"binary mode", Op{Type: OpSyncResponse, Has: FieldMode, Mode: "\xff"}, ErrInvalidOp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e Encoder
			dst := []byte("keep")
			out, err := e.AppendFrame(dst, &tc.op)
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, "keep", string(out))
		})
	}
}

func TestEncodeForms(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   Op
		want string // payload
	}{
		{
			"text value stays text",
			Op{Type: OpSet, Sequence: 1, Timestamp: 1.5, Has: FieldKey | FieldValue, Key: []byte("k"), Value: []byte("v\u00e9")},
			`{"type":"SET","sequence":1,"timestamp":1.5,"data":{"key":"k","value":"v\u00e9"},"checksum":"`,
		},
		{
			"binary value and key go base64",
			Op{Type: OpSet, Sequence: 1, Timestamp: 1.5, Has: FieldKey | FieldValue, Key: []byte{0xff}, Value: []byte{0, 0xfe}},
			`{"type":"SET","sequence":1,"timestamp":1.5,"data":{"key":"/w==","value":"AP4=","_value_encoded":true,"_key_encoded":true},"checksum":"`,
		},
		{
			"forced base64 value, reference form",
			Op{Type: OpSet, Sequence: 1, Timestamp: 1700000000, Has: FieldValue, Value: []byte("Alice"), ValueBase64: true},
			`{"type":"SET","sequence":1,"timestamp":1700000000.0,"data":{"value":"QWxpY2U=","_value_encoded":true},"checksum":"`,
		},
		{
			"integer timestamp and ttl",
			Op{Type: OpSet, Timestamp: 1700000000, TimestampIsInt: true, Has: FieldTTL | FieldExpireAt | FieldGroup, TTL: 60, ExpireAtMs: 1700000060000, Group: 2},
			`{"type":"SET","sequence":0,"timestamp":1700000000,"data":{"ttl":60,"expire_at_ms":1700000060000,"group":2},"checksum":"`,
		},
		{
			"integer flag ignored for a fraction",
			Op{Type: OpHeartbeat, Timestamp: 0.5, TimestampIsInt: true, Has: FieldTTL, TTL: 0.25},
			`{"type":"HEARTBEAT","sequence":0,"timestamp":0.5,"data":{"ttl":0.25},"checksum":"`,
		},
		{
			"handshake",
			Op{Type: OpSyncRequest, Timestamp: 1, Has: FieldFromSequence | FieldReplID | FieldListeningPort | FieldNodeID, FromSequence: 5, ReplID: []byte("abc"), ListeningPort: 6380, NodeID: []byte("n1")},
			`{"type":"SYNC_REQUEST","sequence":0,"timestamp":1.0,"data":{"from_sequence":5,"repl_id":"abc","listening_port":6380,"node_id":"n1"},"checksum":"`,
		},
		{
			"empty tags",
			Op{Type: OpSet, Timestamp: 1, Has: FieldTags},
			`{"type":"SET","sequence":0,"timestamp":1.0,"data":{"tags":[]},"checksum":"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e Encoder
			frame, err := e.AppendFrame(nil, &tc.op)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(frame[4:len(frame)-66]))
			var d Decoder
			var got Op
			_, err = d.DecodeFrame(frame, &got)
			require.NoError(t, err)
		})
	}
}

// An Op is only read by the encoder, so senders may share one.
func TestEncodeConcurrent(t *testing.T) {
	op := Op{Type: OpSet, Sequence: 3, Timestamp: 2, Has: FieldKey | FieldValue | FieldTags,
		Key: []byte("k"), Value: []byte{1, 2, 3}, Tags: [][]byte{[]byte("t")}}
	var ref Encoder
	want, err := ref.AppendFrame(nil, &op)
	require.NoError(t, err)
	done := make(chan []byte)
	for range 4 {
		go func() {
			var e Encoder
			var out []byte
			for range 200 {
				out, _ = e.AppendFrame(out[:0], &op)
			}
			done <- out
		}()
	}
	for range 4 {
		require.Equal(t, want, <-done)
	}
}

// An Encoder renders a timestamp again only when it changes: whatever the
// order of timestamps, a reused Encoder writes what a fresh one does.
func TestEncodeTimestampReused(t *testing.T) {
	stamps := []struct {
		ts    float64
		isInt bool
	}{
		{1733467000.123, false}, {1733467000.123, false}, {1733467000, true},
		{1733467000, false}, {1733467000.124, false}, {1733467000.123, false},
		{0, true}, {math.Copysign(0, -1), false}, {1e21, false}, {1e21, true},
	}
	var reused Encoder
	for i, s := range stamps {
		op := Op{Type: OpSet, Sequence: uint64(i + 1), Timestamp: s.ts, TimestampIsInt: s.isInt,
			Has: FieldKey | FieldValue, Key: []byte("k"), Value: []byte("v")}
		var fresh Encoder
		want, err := fresh.AppendFrame(nil, &op)
		require.NoError(t, err)
		got, err := reused.AppendFrame(nil, &op)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "timestamp %d (%v, int %v)", i, s.ts, s.isInt)
	}
}

// A reused Encoder writes what a fresh one does, whatever fields the
// previous Op had and whether encoding it failed.
func TestEncodeReused(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var reused Encoder
	for i := range 3000 {
		op, _ := randOp(r)
		op.Has |= FieldMask(r.Uint32()) & (FieldLastDigest | FieldDatasetDigest | FieldVerified |
			FieldNonce | FieldProof | FieldAnnounceIP)
		op.LastDigest, op.DatasetDigest = randText(r, 8), randText(r, 8)
		op.Nonce, op.Proof, op.AnnounceIP = randText(r, 8), randText(r, 8), randText(r, 8)
		op.Verified = r.Uint64()
		if i%7 == 0 { // fails part-way through the data fields
			op.Has |= FieldNodeID
			op.NodeID = []byte{0xff}
		}
		var fresh Encoder
		want, wantErr := fresh.AppendFrame(nil, &op)
		got, err := reused.AppendFrame(nil, &op)
		require.Equal(t, wantErr, err, "op %d", i)
		require.Equal(t, string(want), string(got), "op %d", i)
	}
}

// The checksum's hex digits are encoding/hex's.
func TestHexSum(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	var sum [sha256.Size]byte
	var got [2 * sha256.Size]byte
	for range 1000 {
		for i := range sum {
			sum[i] = byte(r.Uint32())
		}
		hexSum(got[:], &sum)
		require.Equal(t, hex.EncodeToString(sum[:]), string(got[:]))
	}
}

// TestLargeControlValueGoesBase64: a large value full of control bytes,
// which JSON would escape to six bytes each, travels as base64 (a third
// larger, not six times), so that a whole value fits the frame's 4-byte
// length sooner; large text and small values stay plain strings.
func TestLargeControlValueGoesBase64(t *testing.T) {
	for _, tc := range []struct {
		name   string
		value  []byte
		base64 bool
	}{
		{"large NULs", make([]byte, 2<<20), true},
		{"large text with newlines", []byte(strings.Repeat("line of text\n", 200_000)), false},
		{"small NULs", make([]byte, 100), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := Op{Type: OpSet, Sequence: 1, Timestamp: 1, Key: []byte("k"), Value: tc.value, Has: FieldKey | FieldValue}
			var enc Encoder
			frame, err := enc.AppendFrame(nil, &op)
			require.NoError(t, err)
			if tc.base64 {
				require.Less(t, len(frame), 2*len(tc.value), "a third larger, not six times")
			}
			got := roundTrip(t, &op)
			require.Equal(t, tc.value, got.Value)
			require.Equal(t, tc.base64, got.ValueBase64)
		})
	}
}

// TestEncodeLargeFrame: a frame whose data is larger than bigFrame has its
// checksum computed over the members where they lie: the same checksum as
// over the assembled canonical form (checked by decoding it, and against
// the canonical text built here), for a value in text and in base64, with
// and without other members, and the encoder still builds small frames
// right after.
func TestEncodeLargeFrame(t *testing.T) {
	var enc Encoder
	big := []byte(strings.Repeat("v", bigFrame+10))
	bin := append([]byte{0xff}, big...)
	for name, op := range map[string]Op{
		"text":        {Type: OpSet, Sequence: 7, Timestamp: 1.5, Key: []byte("k"), Value: big, DB: []byte("0"), Namespace: []byte("default"), Has: FieldKey | FieldValue | FieldDB | FieldNamespace},
		"base64":      {Type: OpSet, Sequence: 8, Timestamp: 2, Key: []byte("k"), Value: bin, Has: FieldKey | FieldValue},
		"value alone": {Type: OpSet, Sequence: 9, Timestamp: 3.25, Value: big, Has: FieldValue},
	} {
		frame, err := enc.AppendFrame(nil, &op)
		require.NoError(t, err, name)
		var out Op
		var dec Decoder
		require.NoError(t, dec.DecodePayload(frame[4:], &out), name)
		require.Equal(t, op.Value, out.Value, name)

		small := Op{Type: OpDelete, Sequence: 10, Timestamp: 4, Key: []byte("x"), Has: FieldKey}
		var fresh Encoder
		want, err := fresh.AppendFrame(nil, &small)
		require.NoError(t, err)
		got, err := enc.AppendFrame(nil, &small)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), name)
	}
	// Tampering with the large value breaks the checksum.
	op := Op{Type: OpSet, Sequence: 7, Timestamp: 1.5, Key: []byte("k"), Value: big, Has: FieldKey | FieldValue}
	frame, err := enc.AppendFrame(nil, &op)
	require.NoError(t, err)
	frame[len(frame)/2] = 'w'
	var out Op
	var dec Decoder
	require.Error(t, dec.DecodePayload(frame[4:], &out))
}
