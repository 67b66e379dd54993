package frame

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"unsafe"

	"github.com/nadb-server/nadb-server/engine"
)

// A snapshot batch (OpSnapshotBatch, extension) carries many keys of a full
// resynchronisation in one frame, for a secondary that asked for it
// (FeatureSnapshotBatch). Its data.value, always base64 on the wire, is the
// keys packed back to back, each as
//
//	uvarint db | byte type | varint expire_at_ms (0: none)
//	| uvarint len(key) | key | uvarint len(value) | value
//
// where type is the key's engine.ValueType and value its whole value as a
// snapshot holds it (a string's bytes; a hash's, list's, set's or sorted
// set's packed elements, as HASH and OBJECT frames carry them). data.count
// is the number of keys. The frame's checksum covers the base64 text like
// any other value, so a batch is verified whole before any key in it is
// looked at; one SHA-256 and one JSON object per batch instead of per key
// is what makes a full resynchronisation cheaper on both sides.

// FeatureSnapshotBatch, in data.tags of a SYNC_REQUEST, asks the primary to
// send a full resynchronisation's keys in OpSnapshotBatch frames. A
// primary sends that frame to no other peer, so reference secondaries and
// older nadb-server ones keep getting one frame per key.
const FeatureSnapshotBatch = "snapshot_batch"

// ErrBadBatch: a snapshot batch's packed keys are malformed (a length past
// the end, an unknown type, a database out of range, a hash or collection
// whose packed elements are invalid, trailing bytes) or their number
// differs from data.count.
var ErrBadBatch = errors.New("replication: malformed snapshot batch")

// BatchItemSize is how many bytes AppendBatchItem adds for it, at most.
func BatchItemSize(it *engine.Item) int {
	return 3*binary.MaxVarintLen64 + 1 + len(it.Key) + len(it.Value)
}

// AppendBatchItem appends it, packed as a snapshot batch holds it.
func AppendBatchItem(dst []byte, it *engine.Item) []byte {
	dst = binary.AppendUvarint(dst, uint64(it.DB))
	dst = append(dst, byte(it.Type))
	dst = binary.AppendVarint(dst, it.ExpireAt)
	dst = binary.AppendUvarint(dst, uint64(len(it.Key)))
	dst = append(dst, it.Key...)
	dst = binary.AppendUvarint(dst, uint64(len(it.Value)))
	return append(dst, it.Value...)
}

// EachBatchItem checks and unpacks the keys of a snapshot batch's value,
// calling fn for each in order; it stops at fn's first error and returns
// it. count is the frame's data.count, dbs the number of databases. Every
// key is checked as the frames of one key are (EffectOf) before fn sees
// it; the item's Key and Value alias blob, so they are valid only during
// fn. It returns how many keys fn took.
func EachBatchItem(blob []byte, count uint64, dbs int, fn func(it *engine.Item) error) (int, error) {
	n := 0
	var it engine.Item // fn takes its address: one for the whole batch
	for len(blob) > 0 {
		var err error
		if it, blob, err = nextBatchItem(blob, dbs); err != nil {
			return n, fmt.Errorf("%w: key %d: %w", ErrBadBatch, n, err)
		}
		if uint64(n) >= count {
			return n, fmt.Errorf("%w: more keys than the %d counted", ErrBadBatch, count)
		}
		if err := fn(&it); err != nil {
			return n, err
		}
		n++
	}
	if uint64(n) != count {
		return n, fmt.Errorf("%w: %d keys, %d counted", ErrBadBatch, n, count)
	}
	return n, nil
}

// nextBatchItem unpacks and checks the first key of b and returns the rest.
func nextBatchItem(b []byte, dbs int) (engine.Item, []byte, error) {
	var it engine.Item
	db, k := binary.Uvarint(b)
	if k <= 0 || len(b) == k {
		return it, nil, errors.New("truncated")
	}
	if db >= uint64(dbs) {
		return it, nil, fmt.Errorf("database %d out of range 0..%d", db, dbs-1)
	}
	it.DB, it.Type, b = int(db), engine.ValueType(b[k]), b[k+1:]
	if it.Type > engine.TypeFunctions {
		return it, nil, fmt.Errorf("unknown type %d", it.Type)
	}
	if it.ExpireAt, k = binary.Varint(b); k <= 0 {
		return it, nil, errors.New("truncated")
	}
	b = b[k:]
	key, b, ok := lengthPrefixed(b)
	if !ok {
		return it, nil, errors.New("truncated key")
	}
	if it.Value, b, ok = lengthPrefixed(b); !ok {
		return it, nil, errors.New("truncated value")
	}
	it.Key = unsafe.String(unsafe.SliceData(key), len(key))
	switch it.Type {
	case engine.TypeString:
	case engine.TypeHash:
		if n, err := engine.CountPacked(it.Value); err != nil || n == 0 || n%2 != 0 {
			return it, nil, fmt.Errorf("hash %q: bad fields (%d, %v)", key, n, err)
		}
	default:
		if err := engine.CheckObject(it.Type, it.Value); err != nil {
			return it, nil, fmt.Errorf("%s %q: %w", it.Type, key, err)
		}
	}
	return it, b, nil
}

// lengthPrefixed splits b into the uvarint-prefixed bytes it starts with,
// capped, and the rest.
func lengthPrefixed(b []byte) (field, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, false
	}
	end := k + int(n)
	return b[k:end:end], b[end:], true
}

// SnapshotBatchBytes bounds the packed keys of one SNAPSHOT_BATCH frame: a
// key larger than that goes in a frame of its own.
const SnapshotBatchBytes = 64 << 10

// SnapshotEncoder writes a snapshot's keys as frames at one sequence: in
// SNAPSHOT_BATCH frames when Batches is set (a key larger than
// SnapshotBatchBytes still alone), one SET, HASH or OBJECT frame per key
// otherwise. A full resynchronisation and a snapshot file both use it.
type SnapshotEncoder struct {
	Seq       uint64
	Timestamp float64
	Batches   bool

	enc   Encoder
	op    Op
	blob  []byte // the batch being filled
	n     uint64 // its keys
	dbBuf [20]byte
}

// Append appends to dst the frames that it completes: none while it waits
// in the batch being filled, that batch when it is full, or its own.
func (s *SnapshotEncoder) Append(dst []byte, it *engine.Item) ([]byte, error) {
	if size := BatchItemSize(it); s.Batches && size <= SnapshotBatchBytes {
		var err error
		if len(s.blob)+size > SnapshotBatchBytes {
			if dst, err = s.Flush(dst); err != nil {
				return dst, err
			}
		}
		s.blob = AppendBatchItem(s.blob, it)
		s.n++
		return dst, nil
	}
	s.op = Op{Type: SnapshotType(it.Type), Sequence: s.Seq, Timestamp: s.Timestamp, Key: BytesOf(it.Key), Value: it.Value,
		DB: strconv.AppendInt(s.dbBuf[:0], int64(it.DB), 10), Namespace: BytesOf(Namespace),
		Has: FieldKey | FieldValue | FieldDB | FieldNamespace}
	if it.ExpireAt != 0 {
		s.op.ExpireAtMs = it.ExpireAt
		s.op.Has |= FieldExpireAt
	}
	TagType(&s.op, it.Type)
	return s.enc.AppendFrame(dst, &s.op)
}

// Flush appends the batch being filled, if it holds any key.
func (s *SnapshotEncoder) Flush(dst []byte) ([]byte, error) {
	if s.n == 0 {
		return dst, nil
	}
	s.op = Op{Type: OpSnapshotBatch, Sequence: s.Seq, Timestamp: s.Timestamp, Value: s.blob, ValueBase64: true, Count: s.n,
		Has: FieldValue | FieldCount}
	dst, err := s.enc.AppendFrame(dst, &s.op)
	s.blob, s.n = s.blob[:0], 0
	return dst, err
}
