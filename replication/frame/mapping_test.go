package frame

import (
	"math"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

// roundTrip encodes op as a frame and decodes it back.
func roundTrip(t *testing.T, op *Op) Op {
	t.Helper()
	var enc Encoder
	frame, err := enc.AppendFrame(nil, op)
	require.NoError(t, err)
	var dec Decoder
	var got Op
	n, err := dec.DecodeFrame(frame, &got)
	require.NoError(t, err)
	require.Equal(t, len(frame), n)
	return got
}

func TestMappingRoundTrip(t *testing.T) {
	const now = int64(1_700_000_000_000)
	const dbs = 16
	binKey := "\xff\x00k\xfe"
	binVal := []byte{0, 1, 2, 0xff, 0xc3, 0x28}
	for _, tc := range []struct {
		name      string
		entry     Entry
		wantType  OpType
		wantTTL   float64 // 0: no ttl field
		wantKeyB  bool    // the key travels as base64
		wantValB  bool    // the value travels as base64
		wantGroup int     // 0: no group field
	}{
		{name: "SET text", entry: Entry{Seq: 1, Effect: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("hello")}, Group: 1},
			wantType: OpSet},
		{name: "SET binary key and value in the last database",
			entry:    Entry{Seq: 2, Effect: engine.Effect{Kind: engine.EffectSet, DB: 15, Key: binKey, Value: binVal}, Group: 1},
			wantType: OpSet, wantKeyB: true, wantValB: true},
		{name: "SET non-ASCII text stays text",
			entry:    Entry{Seq: 3, Effect: engine.Effect{Kind: engine.EffectSet, DB: 2, Key: "clé", Value: []byte("naïve \"quoted\" \\ 😀")}, Group: 1},
			wantType: OpSet},
		{name: "SET with expiry carries expire_at_ms and a ceiling ttl",
			entry:    Entry{Seq: 4, Effect: engine.Effect{Kind: engine.EffectSet, Key: "t", Value: []byte("v"), ExpireAt: now + 90_500}, Group: 1},
			wantType: OpSet, wantTTL: 91},
		{name: "SET with an expiry already past sends ttl 1",
			entry:    Entry{Seq: 5, Effect: engine.Effect{Kind: engine.EffectSet, Key: "t", Value: []byte("v"), ExpireAt: now - 5000}, Group: 1},
			wantType: OpSet, wantTTL: 1},
		{name: "SET empty value",
			entry:    Entry{Seq: 6, Effect: engine.Effect{Kind: engine.EffectSet, Key: "empty", Value: []byte{}}, Group: 1},
			wantType: OpSet},
		{name: "SET empty key",
			entry:    Entry{Seq: 7, Effect: engine.Effect{Kind: engine.EffectSet, Key: "", Value: []byte("v")}, Group: 1},
			wantType: OpSet},
		{name: "DELETE", entry: Entry{Seq: 8, Effect: engine.Effect{Kind: engine.EffectDelete, DB: 9, Key: "gone"}, Group: 1},
			wantType: OpDelete},
		{name: "DELETE binary key", entry: Entry{Seq: 9, Effect: engine.Effect{Kind: engine.EffectDelete, Key: binKey}, Group: 1},
			wantType: OpDelete, wantKeyB: true},
		{name: "SET_TTL", entry: Entry{Seq: 10, Effect: engine.Effect{Kind: engine.EffectExpire, DB: 1, Key: "t", ExpireAt: now + 10_000}, Group: 1},
			wantType: OpSetTTL, wantTTL: 10},
		{name: "SET_TTL persist (expire_at_ms 0, no ttl)", entry: Entry{Seq: 11, Effect: engine.Effect{Kind: engine.EffectExpire, DB: 1, Key: "t"}, Group: 1},
			wantType: OpSetTTL},
		{name: "FLUSH", entry: Entry{Seq: 12, Effect: engine.Effect{Kind: engine.EffectFlushDB, DB: 7}, Group: 1},
			wantType: OpFlush},
		{name: "group member", entry: Entry{Seq: 13, Effect: engine.Effect{Kind: engine.EffectSet, DB: 4, Key: "g", Value: []byte("1")}, Group: 3},
			wantType: OpSet, wantGroup: 3},
		{name: "FLUSHALL member", entry: Entry{Seq: 14, Effect: engine.Effect{Kind: engine.EffectFlushDB, DB: 15}, Group: 16},
			wantType: OpFlush, wantGroup: 16},
		{name: "RENAME (the source in value: its database and name, packed)",
			entry:    Entry{Seq: 15, Effect: engine.Effect{Kind: engine.EffectRename, DB: 3, Key: "to", Value: []byte("1:34:from")}, Group: 2},
			wantType: OpRename, wantGroup: 2},
		{name: "RENAME of a binary key",
			entry:    Entry{Seq: 16, Effect: engine.Effect{Kind: engine.EffectRename, Key: binKey, Value: []byte("1:04:\xff\x00k\xfe")}, Group: 2},
			wantType: OpRename, wantKeyB: true, wantValB: true, wantGroup: 2},
		{name: "COPY (the source in value, as RENAME's)",
			entry:    Entry{Seq: 17, Effect: engine.Effect{Kind: engine.EffectCopy, DB: 5, Key: "to", Value: []byte("1:04:from")}, Group: 1},
			wantType: OpCopy},
		{name: "large sequence", entry: Entry{Seq: math.MaxUint64 - 1, Effect: engine.Effect{Kind: engine.EffectDelete, Key: "k"}, Group: 1},
			wantType: OpDelete},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.entry.TimeMs = now - 250
			var b Builder
			var op Op
			b.Fill(&op, &tc.entry, now)
			require.Equal(t, tc.wantType, op.Type)
			require.Equal(t, tc.entry.Seq, op.Sequence)
			require.Equal(t, float64(tc.entry.TimeMs)/1000, op.Timestamp)

			got := roundTrip(t, &op)
			require.Equal(t, tc.wantType, got.Type)
			require.Equal(t, tc.entry.Seq, got.Sequence)
			require.Equal(t, float64(tc.entry.TimeMs)/1000, got.Timestamp)
			require.Equal(t, "default", string(got.Namespace))
			require.Equal(t, tc.wantKeyB, got.KeyBase64, "_key_encoded")
			require.Equal(t, tc.wantValB, got.ValueBase64, "_value_encoded")
			if tc.wantTTL == 0 {
				require.Zero(t, got.Has&FieldTTL, "no ttl field")
			} else {
				require.NotZero(t, got.Has&FieldTTL)
				require.Equal(t, tc.wantTTL, got.TTL)
			}
			ef := tc.entry.Effect
			if ef.Kind == engine.EffectSet && ef.ExpireAt != 0 || ef.Kind == engine.EffectExpire {
				require.NotZero(t, got.Has&FieldExpireAt, "expire_at_ms present")
				require.Equal(t, ef.ExpireAt, got.ExpireAtMs)
			} else {
				require.Zero(t, got.Has&FieldExpireAt)
			}
			if tc.wantGroup == 0 {
				require.Zero(t, got.Has&FieldGroup, "no group field for a lone operation")
			} else {
				require.NotZero(t, got.Has&FieldGroup)
				require.Equal(t, tc.wantGroup, got.Group)
			}

			// The receiver's clock differs: expire_at_ms, not ttl, decides.
			back, ok, err := EffectOf(&got, dbs, now+60_000)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, ef, back)
			if ef.Kind == engine.EffectSet {
				require.NotNil(t, back.Value, "a present value, even empty, is not nil: MGET tells a missing key by nil")
			}
		})
	}
}

func TestMappingFillReusesBuilder(t *testing.T) {
	var b Builder
	var enc Encoder
	var dec Decoder
	var frames [][]byte
	for db := range 16 {
		var op Op
		b.Fill(&op, &Entry{Seq: uint64(db + 1), Effect: engine.Effect{Kind: engine.EffectFlushDB, DB: db}, Group: 16}, 0)
		f, err := enc.AppendFrame(nil, &op)
		require.NoError(t, err)
		frames = append(frames, f)
	}
	for db, f := range frames {
		var op Op
		_, err := dec.DecodeFrame(f, &op)
		require.NoError(t, err)
		ef, ok, err := EffectOf(&op, 16, 0)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, engine.Effect{Kind: engine.EffectFlushDB, DB: db}, ef)
	}
}

func TestMappingFillRefusesFlushAll(t *testing.T) {
	var b Builder
	var op Op
	require.Panics(t, func() {
		b.Fill(&op, &Entry{Seq: 1, Effect: engine.Effect{Kind: engine.EffectFlushAll}, Group: 1}, 0)
	}, "FLUSHALL is logged as one FLUSH per database, never as itself")
}

func TestTTLSeconds(t *testing.T) {
	for _, tc := range []struct {
		left int64
		want float64
	}{
		{-100_000, 1}, {-1, 1}, {0, 1}, {1, 1}, {999, 1}, {1000, 1}, {1001, 2}, {59_999, 60}, {60_000, 60},
	} {
		require.Equal(t, tc.want, ttlSeconds(1_000_000+tc.left, 1_000_000), "left %d ms", tc.left)
	}
}

// referenceSet is a SET as the reference primary sends it: bytes values in
// base64 with _value_encoded, a database name, a relative ttl.
func referenceSet(key, value string) *Op {
	return &Op{Type: OpSet, Sequence: 3, Timestamp: 1700000000.123, Key: []byte(key), Value: []byte(value), ValueBase64: true,
		DB: []byte("example_db"), Namespace: []byte("default"), Has: FieldKey | FieldValue | FieldDB | FieldNamespace}
}

func TestMappingReferenceFrames(t *testing.T) {
	const now = int64(1_700_000_000_000)
	with := func(op *Op, f func(*Op)) *Op { f(op); return op }
	for _, tc := range []struct {
		name string
		op   *Op
		want engine.Effect
		noop bool // METADATA: no effect, no error
	}{
		{name: "SET base64 value, example_db",
			op:   referenceSet("k", "v"),
			want: engine.Effect{Kind: engine.EffectSet, DB: 0, Key: "k", Value: []byte("v")}},
		{name: "SET ttl only counts from now",
			op:   with(referenceSet("k", "v"), func(op *Op) { op.TTL = 30; op.Has |= FieldTTL }),
			want: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("v"), ExpireAt: now + 30_000}},
		{name: "SET fractional ttl",
			op:   with(referenceSet("k", "v"), func(op *Op) { op.TTL = 1.5; op.Has |= FieldTTL }),
			want: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("v"), ExpireAt: now + 1500}},
		{name: "SET ttl 0 means no expiry",
			op:   with(referenceSet("k", "v"), func(op *Op) { op.TTL = 0; op.Has |= FieldTTL }),
			want: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("v")}},
		{name: "SET absurd ttl means no expiry",
			op:   with(referenceSet("k", "v"), func(op *Op) { op.TTL = 1e300; op.Has |= FieldTTL }),
			want: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("v")}},
		{name: "expire_at_ms wins over ttl",
			op: with(referenceSet("k", "v"), func(op *Op) {
				op.TTL, op.ExpireAtMs = 30, now+5_000
				op.Has |= FieldTTL | FieldExpireAt
			}),
			want: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("v"), ExpireAt: now + 5_000}},
		{name: "SET plain text value",
			op:   with(referenceSet("k", "plain"), func(op *Op) { op.ValueBase64 = false }),
			want: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("plain")}},
		{name: "SET binary value",
			op:   referenceSet("k", "\x00\xff"),
			want: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("\x00\xff")}},
		{name: "SET numbered database",
			op:   with(referenceSet("k", "v"), func(op *Op) { op.DB = []byte("7") }),
			want: engine.Effect{Kind: engine.EffectSet, DB: 7, Key: "k", Value: []byte("v")}},
		{name: "SET without db",
			op:   with(referenceSet("k", "v"), func(op *Op) { op.DB = nil; op.Has &^= FieldDB }),
			want: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("v")}},
		{name: "SET empty db name",
			op:   with(referenceSet("k", "v"), func(op *Op) { op.DB = []byte{} }),
			want: engine.Effect{Kind: engine.EffectSet, Key: "k", Value: []byte("v")}},
		{name: "DELETE",
			op: &Op{Type: OpDelete, Sequence: 4, Timestamp: 1, Key: []byte("k"), DB: []byte("example_db"), Namespace: []byte("default"),
				Has: FieldKey | FieldDB | FieldNamespace},
			want: engine.Effect{Kind: engine.EffectDelete, Key: "k"}},
		{name: "SET_TTL ttl only",
			op: &Op{Type: OpSetTTL, Sequence: 5, Timestamp: 1, Key: []byte("k"), DB: []byte("example_db"), TTL: 12,
				Has: FieldKey | FieldDB | FieldTTL},
			want: engine.Effect{Kind: engine.EffectExpire, Key: "k", ExpireAt: now + 12_000}},
		{name: "FLUSH example_db",
			op:   &Op{Type: OpFlush, Sequence: 6, Timestamp: 1, DB: []byte("example_db"), Namespace: []byte("default"), Has: FieldDB | FieldNamespace},
			want: engine.Effect{Kind: engine.EffectFlushDB}},
		{name: "METADATA has no effect",
			op:   &Op{Type: OpMetadata, Sequence: 7, Timestamp: 1, Key: []byte("k"), Value: []byte("{}"), Has: FieldKey | FieldValue},
			noop: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := roundTrip(t, tc.op)
			ef, ok, err := EffectOf(&got, 16, now)
			require.NoError(t, err)
			if tc.noop {
				require.False(t, ok)
				return
			}
			require.True(t, ok)
			require.Equal(t, tc.want, ef)
		})
	}
}

func TestMappingBadOperations(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   *Op
	}{
		{"database 16 of 16", &Op{Type: OpSet, Key: []byte("k"), Value: []byte("v"), DB: []byte("16"), Has: FieldKey | FieldValue | FieldDB}},
		{"database -1", &Op{Type: OpDelete, Key: []byte("k"), DB: []byte("-1"), Has: FieldKey | FieldDB}},
		{"database beyond int", &Op{Type: OpSet, Key: []byte("k"), Value: []byte("v"), DB: []byte("99999999999999999999"), Has: FieldKey | FieldValue | FieldDB}},
		{"FLUSH of database 100", &Op{Type: OpFlush, DB: []byte("100"), Has: FieldDB}},
		{"SET without key", &Op{Type: OpSet, Value: []byte("v"), Has: FieldValue}},
		{"DELETE without key", &Op{Type: OpDelete}},
		{"SET_TTL without key", &Op{Type: OpSetTTL, TTL: 5, Has: FieldTTL}},
		{"RENAME without key", &Op{Type: OpRename, Value: []byte("1:02:k"), Has: FieldValue}},
		{"RENAME without value", &Op{Type: OpRename, Key: []byte("k"), Has: FieldKey}},
		{"RENAME from database 16 of 16", &Op{Type: OpRename, Key: []byte("k"), Value: []byte("2:162:k"), Has: FieldKey | FieldValue}},
		{"RENAME from database -1", &Op{Type: OpRename, Key: []byte("k"), Value: []byte("2:-12:k"), Has: FieldKey | FieldValue}},
		{"RENAME without a source name", &Op{Type: OpRename, Key: []byte("k"), Value: []byte("1:0"), Has: FieldKey | FieldValue}},
		{"RENAME with a word too many", &Op{Type: OpRename, Key: []byte("k"), Value: []byte("1:01:k1:x"), Has: FieldKey | FieldValue}},
		{"RENAME not packed", &Op{Type: OpRename, Key: []byte("k"), Value: []byte("0 k"), Has: FieldKey | FieldValue}},
		{"COPY from database 16 of 16", &Op{Type: OpCopy, Key: []byte("k"), Value: []byte("2:162:k"), Has: FieldKey | FieldValue}},
		{"COPY without value", &Op{Type: OpCopy, Key: []byte("k"), Has: FieldKey}},
		{"HEARTBEAT is not a data operation", &Op{Type: OpHeartbeat}},
		{"SYNC_REQUEST is not a data operation", &Op{Type: OpSyncRequest}},
		{"SNAPSHOT_END is not a data operation", &Op{Type: OpSnapshotEnd}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.op.Timestamp = 1
			got := roundTrip(t, tc.op)
			_, ok, err := EffectOf(&got, 16, 0)
			require.ErrorIs(t, err, ErrBadOperation)
			require.False(t, ok)
		})
	}
}

func TestIsData(t *testing.T) {
	for _, typ := range opTypes {
		want := typ == OpSet || typ == OpDelete || typ == OpSetTTL || typ == OpFlush || typ == OpMetadata || IsTypeOp(typ) || typ == OpSwapDB || typ == OpRename || typ == OpCopy
		require.Equal(t, want, IsData(typ), "%s", typ)
	}
}
