package frame

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/nadb-server/nadb-server/engine"
)

// An operation batch (OpOpBatch, extension) carries consecutive operations
// of the live stream in one frame, for a secondary that asked for it
// (FeatureOpBatch). data.sequence is the first operation's sequence,
// data.count the number of operations, which take the sequences from it
// on; data.value, always base64 on the wire, is the operations packed back
// to back, each as
//
//	uvarint kind | byte type | uvarint db | varint expire_at_ms
//	| uvarint group | uvarint time_ms
//	| uvarint len(key) | key | uvarint len(value) | value
//
// where kind is the engine.EffectKind the operation's own frame would map
// to, type its engine.ValueType (an OBJECT's collection type, else 0),
// group the size of the atomic group it belongs to (1: alone) and time_ms
// when it was logged. Each operation means exactly what its own frame
// (Builder.Fill) means: a secondary turns it into that Op and takes it
// through the same checks and the same rules (sequence, group, apply) as
// a frame of its own. The checksum covers the base64 text, so a batch is
// verified whole before any operation in it is looked at; one JSON object
// and one SHA-256 per batch instead of per operation is what it saves on
// both sides.

// FeatureOpBatch, in data.tags of a SYNC_REQUEST, asks the primary to send
// the live stream's operations in OpOpBatch frames where it has them. A
// primary sends that frame to no other peer.
const FeatureOpBatch = "op_batch"

// ErrBadOpBatch: an operation batch's packed operations are malformed (a
// length past the end, an unknown kind or type, a group size of 0,
// trailing bytes), there are none, or their number differs from
// data.count.
var ErrBadOpBatch = errors.New("replication: malformed operation batch")

// OpBatchBytes bounds the packed operations of one OP_BATCH frame: an
// operation larger than that goes in a frame of its own.
const OpBatchBytes = 64 << 10

// OpBatchItemSize is how many bytes an operation adds to a batch, at most.
func OpBatchItemSize(e *Entry) int {
	return 6*binary.MaxVarintLen64 + 1 + len(e.Effect.Key) + len(e.Effect.Value)
}

// appendOpBatchItem appends e, packed as a batch holds it.
func appendOpBatchItem(dst []byte, e *Entry) []byte {
	ef := &e.Effect
	dst = binary.AppendUvarint(dst, uint64(ef.Kind))
	dst = append(dst, byte(ef.Type))
	dst = binary.AppendUvarint(dst, uint64(ef.DB))
	dst = binary.AppendVarint(dst, ef.ExpireAt)
	dst = binary.AppendUvarint(dst, uint64(max(e.Group, 1)))
	dst = binary.AppendUvarint(dst, uint64(max(e.TimeMs, 0)))
	dst = binary.AppendUvarint(dst, uint64(len(ef.Key)))
	dst = append(dst, ef.Key...)
	dst = binary.AppendUvarint(dst, uint64(len(ef.Value)))
	return append(dst, ef.Value...)
}

// OpBatchEncoder encodes operation batches, reusing its buffers.
type OpBatchEncoder struct {
	enc  Encoder
	op   Op
	blob []byte
}

// AppendBatch appends to dst one OP_BATCH frame holding ents, whose
// sequences must follow each other.
func (b *OpBatchEncoder) AppendBatch(dst []byte, ents []Entry) ([]byte, error) {
	if len(ents) == 0 {
		return dst, nil
	}
	b.blob = b.blob[:0]
	for i := range ents {
		if ents[i].Seq != ents[0].Seq+uint64(i) {
			return dst, fmt.Errorf("%w: sequence %d at position %d of a batch from %d", ErrInvalidOp, ents[i].Seq, i, ents[0].Seq)
		}
		b.blob = appendOpBatchItem(b.blob, &ents[i])
	}
	b.op = Op{Type: OpOpBatch, Sequence: ents[0].Seq, Timestamp: float64(ents[0].TimeMs) / 1000,
		Value: b.blob, ValueBase64: true, Count: uint64(len(ents)), Has: FieldValue | FieldCount}
	dst, err := b.enc.AppendFrame(dst, &b.op)
	b.op = Op{}
	if cap(b.blob) > 4*OpBatchBytes {
		b.blob = nil
	}
	return dst, err
}

// EachOpBatchEntry checks and unpacks the operations of an OP_BATCH frame,
// calling fn for each in sequence order; it stops at fn's first error and
// returns it. The entry's Key and Value alias op.Value, so they are valid
// only during fn; its Frame is nil. Only the packing is checked here: each
// operation is checked as its own frame would be when the caller turns it
// into one (Builder.Fill, then EffectOf).
func EachOpBatchEntry(op *Op, fn func(e *Entry) error) error {
	if op.Has&FieldCount == 0 || op.Has&FieldValue == 0 || op.Count == 0 {
		return fmt.Errorf("%w: no count, no value or no operation", ErrBadOpBatch)
	}
	blob := op.Value
	var e Entry // fn takes its address: one for the whole batch
	n := uint64(0)
	for len(blob) > 0 {
		if n >= op.Count {
			return fmt.Errorf("%w: more operations than the %d counted", ErrBadOpBatch, op.Count)
		}
		if op.Sequence > math.MaxUint64-n {
			return fmt.Errorf("%w: sequence overflows", ErrBadOpBatch)
		}
		var err error
		if blob, err = nextOpBatchItem(blob, &e); err != nil {
			return fmt.Errorf("%w: operation %d: %w", ErrBadOpBatch, n, err)
		}
		e.Seq = op.Sequence + n
		if err := fn(&e); err != nil {
			return err
		}
		n++
	}
	if n != op.Count {
		return fmt.Errorf("%w: %d operations, %d counted", ErrBadOpBatch, n, op.Count)
	}
	return nil
}

// nextOpBatchItem unpacks the first operation of b into e and returns the
// rest.
func nextOpBatchItem(b []byte, e *Entry) ([]byte, error) {
	*e = Entry{}
	var v [2]uint64 // group, time
	kind, k := binary.Uvarint(b)
	if k <= 0 || len(b) == k {
		return nil, errors.New("truncated")
	}
	if !batchKind(engine.EffectKind(kind)) || kind > math.MaxUint8 {
		return nil, fmt.Errorf("unknown kind %d", kind)
	}
	typ := engine.ValueType(b[k])
	if typ > engine.TypeFunctions {
		return nil, fmt.Errorf("unknown type %d", typ)
	}
	b = b[k+1:]
	db, k := binary.Uvarint(b)
	if k <= 0 || db > math.MaxInt32 {
		return nil, errors.New("bad database")
	}
	b = b[k:]
	exp, k := binary.Varint(b)
	if k <= 0 {
		return nil, errors.New("truncated expiry")
	}
	b = b[k:]
	for i := range 2 {
		if v[i], k = binary.Uvarint(b); k <= 0 {
			return nil, errors.New("truncated group or time")
		}
		b = b[k:]
	}
	if v[0] < 1 || v[0] > math.MaxInt32 {
		return nil, fmt.Errorf("group size %d", v[0])
	}
	if v[1] > math.MaxInt64 {
		return nil, fmt.Errorf("time %d", v[1])
	}
	key, b, ok := lengthPrefixed(b)
	if !ok {
		return nil, errors.New("truncated key")
	}
	value, b, ok := lengthPrefixed(b)
	if !ok {
		return nil, errors.New("truncated value")
	}
	e.Effect = engine.Effect{Kind: engine.EffectKind(kind), Type: typ, DB: int(db), ExpireAt: exp,
		Key: unsafe.String(unsafe.SliceData(key), len(key)), Value: value}
	e.Group, e.TimeMs = int(v[0]), int64(v[1])
	return b, nil
}

// batchKind reports whether an operation of kind k can be in a batch:
// every kind that has a frame of its own (Builder.Fill). A FLUSHALL is
// logged as one FLUSH per database.
func batchKind(k engine.EffectKind) bool {
	switch k {
	case engine.EffectSet, engine.EffectDelete, engine.EffectExpire, engine.EffectFlushDB,
		engine.EffectHashSet, engine.EffectHashDel, engine.EffectApply, engine.EffectRename, engine.EffectCopy,
		engine.EffectHash, engine.EffectObject, engine.EffectSwapDB, engine.EffectFunctions:
		return true
	}
	return false
}
