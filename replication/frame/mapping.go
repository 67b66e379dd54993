package frame

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unsafe"

	"github.com/nadb-server/nadb-server/engine"
)

// Namespace is data.namespace of every frame this server sends.
const Namespace = "default"

// ErrBadOperation is returned for a well-formed frame whose fields cannot be
// applied (a missing key, a database index out of range).
var ErrBadOperation = errors.New("operation cannot be applied")

// Builder fills Ops from log entries, reusing its buffers.
type Builder struct {
	db   [20]byte
	tags [1][]byte
	typ  [1][]byte
}

// BytesOf views s as bytes without copying; the Encoder only reads them.
func BytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Fill sets op to the frame of e. nowMs turns an absolute expiry into the
// reference's relative ttl; the Encoder sends values that are valid UTF-8
// as plain strings and others as base64. op's slices alias e and b until
// the next call.
func (b *Builder) Fill(op *Op, e *Entry, nowMs int64) {
	*op = Op{Sequence: e.Seq, Timestamp: float64(e.TimeMs) / 1000}
	ef := &e.Effect
	op.DB = strconv.AppendInt(b.db[:0], int64(ef.DB), 10)
	op.Namespace = BytesOf(Namespace)
	op.Has = FieldDB | FieldNamespace
	switch ef.Kind {
	case engine.EffectSet:
		op.Type = OpSet
		op.Key, op.Value = BytesOf(ef.Key), ef.Value
		op.Has |= FieldKey | FieldValue
		if ef.ExpireAt != 0 {
			op.ExpireAtMs = ef.ExpireAt
			op.TTL = ttlSeconds(ef.ExpireAt, nowMs)
			op.Has |= FieldExpireAt | FieldTTL
		}
	case engine.EffectDelete:
		op.Type = OpDelete
		op.Key = BytesOf(ef.Key)
		op.Has |= FieldKey
	case engine.EffectExpire:
		op.Type = OpSetTTL
		op.Key = BytesOf(ef.Key)
		op.ExpireAtMs = ef.ExpireAt
		op.Has |= FieldKey | FieldExpireAt
		if ef.ExpireAt != 0 {
			op.TTL = ttlSeconds(ef.ExpireAt, nowMs)
			op.Has |= FieldTTL
		}
	case engine.EffectFlushDB:
		op.Type = OpFlush
	case engine.EffectHashSet, engine.EffectHashDel, engine.EffectApply, engine.EffectRename, engine.EffectCopy:
		// A key and the packed words of what happened to it.
		op.Type = keyValueOp(ef.Kind)
		op.Key, op.Value = BytesOf(ef.Key), ef.Value
		op.Has |= FieldKey | FieldValue
	case engine.EffectHash:
		op.Type = OpHash
		op.Key, op.Value = BytesOf(ef.Key), ef.Value
		op.Has |= FieldKey | FieldValue
		if ef.ExpireAt != 0 {
			op.ExpireAtMs = ef.ExpireAt
			op.Has |= FieldExpireAt
		}
	case engine.EffectObject:
		op.Type = OpObject
		b.typ[0] = BytesOf(ef.Type.String())
		op.Key, op.Value, op.Tags = BytesOf(ef.Key), ef.Value, b.typ[:]
		op.Has |= FieldKey | FieldValue | FieldTags
		if ef.ExpireAt != 0 {
			op.ExpireAtMs = ef.ExpireAt
			op.Has |= FieldExpireAt
		}
	case engine.EffectSwapDB:
		op.Type = OpSwapDB
		op.Value = ef.Value
		op.Has |= FieldValue
	case engine.EffectFunctions:
		// An OBJECT frame tagged functions, without a key: the function
		// libraries, which are no key (engine/functions.go).
		op.Type = OpObject
		b.typ[0] = BytesOf(engine.TypeFunctions.String())
		op.Key, op.Value, op.Tags = []byte{}, ef.Value, b.typ[:]
		op.Has |= FieldKey | FieldValue | FieldTags
	default:
		panic(fmt.Sprintf("replication: effect %v cannot be logged", ef.Kind))
	}
	if e.Group > 1 {
		op.Group = e.Group
		op.Has |= FieldGroup
	}
}

// keyValueOp is the operation of an effect that carries a key and the
// packed words of what happened to it.
func keyValueOp(k engine.EffectKind) OpType {
	switch k {
	case engine.EffectHashSet:
		return OpHSet
	case engine.EffectHashDel:
		return OpHDel
	case engine.EffectRename:
		return OpRename
	case engine.EffectCopy:
		return OpCopy
	}
	return OpApply
}

// IsHashOp reports whether t is one of the hash operation types.
func IsHashOp(t OpType) bool { return t == OpHSet || t == OpHDel || t == OpHash }

// IsTypeOp reports whether t carries a value other than a string: a hash,
// a list, a set or a sorted set.
func IsTypeOp(t OpType) bool { return IsHashOp(t) || t == OpObject || t == OpApply }

// standsIn reports whether a reference secondary, which lacks t, is sent a
// METADATA frame in its place.
func standsIn(t OpType) bool { return IsTypeOp(t) || t == OpSwapDB || t == OpRename || t == OpCopy }

// NeedsStandIn reports whether a logged effect of kind k goes to a
// reference secondary as a METADATA stand-in (FillLegacy) rather than as
// its own frame: everything but the reference's string operations.
func NeedsStandIn(k engine.EffectKind) bool {
	switch k {
	case engine.EffectSet, engine.EffectDelete, engine.EffectExpire, engine.EffectFlushDB, engine.EffectFlushAll:
		return false
	}
	return true
}

// IsValueOp reports whether t stores a whole value: the frame types of a
// snapshot's keys (SET, HASH, OBJECT).
func IsValueOp(t OpType) bool { return t == OpSet || t == OpHash || t == OpObject }

// FillLegacy is Fill for a reference secondary, which knows only the
// reference's types: an operation on another type goes to it as a METADATA
// frame at the same sequence (and in the same group), which it takes as
// applied and which changes nothing. Its data names the key and, in tags,
// the operation it stands for, but carries no value.
func (b *Builder) FillLegacy(op *Op, e *Entry, nowMs int64) {
	b.Fill(op, e, nowMs)
	if standsIn(op.Type) {
		b.tags[0] = []byte(op.Type)
		op.Type, op.Value, op.Tags = OpMetadata, nil, b.tags[:]
		op.Has = op.Has&^(FieldValue|FieldExpireAt|FieldTTL) | FieldTags
	}
}

// ttlSeconds is the reference's relative ttl: whole seconds left, at least 1.
func ttlSeconds(at, nowMs int64) float64 {
	return float64(max((at-nowMs+999)/1000, 1))
}

// parseDB maps data.db to a database index: this server sends "0".."15";
// any name a reference primary uses (such as "example_db") maps to 0.
func parseDB(op *Op, dbs int) (int, error) {
	if op.Has&FieldDB == 0 {
		return 0, nil
	}
	n, err := strconv.Atoi(string(op.DB))
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%w: database %s out of range", ErrBadOperation, op.DB)
	}
	if err != nil {
		return 0, nil
	}
	if n < 0 || n >= dbs {
		return 0, fmt.Errorf("%w: database %d out of range 0..%d", ErrBadOperation, n, dbs-1)
	}
	return n, nil
}

// EffectOf converts a decoded data operation into an engine effect, copying
// the bytes the Op borrows. A ttl without expire_at_ms (a reference primary)
// counts from nowMs. ok is false for operations with no effect (METADATA).
func EffectOf(op *Op, dbs int, nowMs int64) (ef engine.Effect, ok bool, err error) {
	db, err := parseDB(op, dbs)
	if err != nil {
		return ef, false, err
	}
	needKey := func() error {
		if op.Has&FieldKey == 0 {
			return fmt.Errorf("%w: %s without a key", ErrBadOperation, op.Type)
		}
		return nil
	}
	expireAt := func() int64 {
		switch {
		case op.Has&FieldExpireAt != 0:
			return op.ExpireAtMs
		case op.Has&FieldTTL != 0 && op.TTL > 0 && op.TTL < math.MaxInt64/2000:
			return nowMs + int64(op.TTL*1000)
		}
		return 0
	}
	switch op.Type {
	case OpSet:
		if err := needKey(); err != nil {
			return ef, false, err
		}
		return engine.Effect{Kind: engine.EffectSet, DB: db, Key: string(op.Key), Value: copyBytes(op.Value), ExpireAt: expireAt()}, true, nil
	case OpDelete:
		if err := needKey(); err != nil {
			return ef, false, err
		}
		return engine.Effect{Kind: engine.EffectDelete, DB: db, Key: string(op.Key)}, true, nil
	case OpSetTTL:
		if err := needKey(); err != nil {
			return ef, false, err
		}
		return engine.Effect{Kind: engine.EffectExpire, DB: db, Key: string(op.Key), ExpireAt: expireAt()}, true, nil
	case OpFlush:
		return engine.Effect{Kind: engine.EffectFlushDB, DB: db}, true, nil
	case OpHSet, OpHDel, OpHash:
		if err := needKey(); err != nil {
			return ef, false, err
		}
		if err := checkPacked(op); err != nil {
			return ef, false, err
		}
		kind := engine.EffectHashSet
		switch op.Type {
		case OpHDel:
			kind = engine.EffectHashDel
		case OpHash:
			kind = engine.EffectHash
		}
		ef = engine.Effect{Kind: kind, DB: db, Key: string(op.Key), Value: copyBytes(op.Value)}
		if op.Type == OpHash {
			ef.ExpireAt = expireAt()
		}
		return ef, true, nil
	case OpObject:
		if err := needKey(); err != nil {
			return ef, false, err
		}
		t, err := objectType(op)
		if err == nil {
			err = engine.CheckObject(t, op.Value)
		}
		if err != nil {
			return ef, false, fmt.Errorf("%w: OBJECT of %q: %w", ErrBadOperation, op.Key, err)
		}
		if t == engine.TypeFunctions {
			return engine.Effect{Kind: engine.EffectFunctions, Value: copyBytes(op.Value)}, true, nil
		}
		return engine.Effect{Kind: engine.EffectObject, Type: t, DB: db, Key: string(op.Key), Value: copyBytes(op.Value), ExpireAt: expireAt()}, true, nil
	case OpApply:
		if err := needKey(); err != nil {
			return ef, false, err
		}
		err := errors.New("no value")
		if op.Has&FieldValue != 0 {
			err = engine.CheckApply(op.Value)
		}
		if err != nil {
			return ef, false, fmt.Errorf("%w: APPLY to %q: %w", ErrBadOperation, op.Key, err)
		}
		return engine.Effect{Kind: engine.EffectApply, DB: db, Key: string(op.Key), Value: copyBytes(op.Value)}, true, nil
	case OpSwapDB:
		other, err := strconv.Atoi(string(op.Value))
		switch {
		case op.Has&FieldDB == 0 || op.Has&FieldValue == 0:
			err = errors.New("two databases are needed")
		case err != nil || other < 0 || other >= dbs:
			err = fmt.Errorf("database %q out of range 0..%d", op.Value, dbs-1)
		case other == db:
			err = errors.New("a database swapped with itself")
		}
		if err != nil {
			return ef, false, fmt.Errorf("%w: SWAPDB: %w", ErrBadOperation, err)
		}
		return engine.Effect{Kind: engine.EffectSwapDB, DB: db, Value: copyBytes(op.Value)}, true, nil
	case OpRename, OpCopy:
		if err := needKey(); err != nil {
			return ef, false, err
		}
		err := errors.New("no value")
		if op.Has&FieldValue != 0 {
			err = engine.CheckRename(op.Value, dbs)
		}
		if err != nil {
			return ef, false, fmt.Errorf("%w: %s to %q: %w", ErrBadOperation, op.Type, op.Key, err)
		}
		kind := engine.EffectRename
		if op.Type == OpCopy {
			kind = engine.EffectCopy
		}
		return engine.Effect{Kind: kind, DB: db, Key: string(op.Key), Value: copyBytes(op.Value)}, true, nil
	case OpMetadata:
		return ef, false, nil
	}
	return ef, false, fmt.Errorf("%w: %s is not a data operation", ErrBadOperation, op.Type)
}

// IsData reports whether t changes the keyspace (and so takes a sequence).
func IsData(t OpType) bool {
	switch t {
	case OpSet, OpDelete, OpSetTTL, OpFlush, OpMetadata, OpHSet, OpHDel, OpHash, OpObject, OpApply, OpSwapDB, OpRename, OpCopy:
		return true
	}
	return false
}

// objectType is the collection type an OBJECT frame names in data.tags.
func objectType(op *Op) (engine.ValueType, error) {
	if op.Has&FieldValue == 0 {
		return 0, errors.New("no value")
	}
	if len(op.Tags) != 1 {
		return 0, errors.New("tags must name the type")
	}
	t, ok := engine.ParseValueType(string(op.Tags[0]))
	if !ok || t == engine.TypeString || t == engine.TypeHash {
		return 0, fmt.Errorf("%q is not a collection type", op.Tags[0])
	}
	return t, nil
}

// TagType names type t in data.tags of op when op is an OBJECT frame (a
// snapshot's collection key).
func TagType(op *Op, t engine.ValueType) {
	if op.Type == OpObject {
		op.Tags = [][]byte{BytesOf(t.String())}
		op.Has |= FieldTags
	}
}

// ItemOf is the snapshot key a whole-value frame's effect (SET, HASH or
// OBJECT, from EffectOf) stands for.
func ItemOf(ef *engine.Effect) engine.Item {
	it := engine.Item{DB: ef.DB, Key: ef.Key, Value: ef.Value, ExpireAt: ef.ExpireAt}
	switch ef.Kind {
	case engine.EffectHash:
		it.Type = engine.TypeHash
	case engine.EffectObject:
		it.Type = ef.Type
	case engine.EffectFunctions:
		it.Type = engine.TypeFunctions
	}
	return it
}

// copyBytes returns a private copy of b that is never nil, so an empty value
// stays a present, empty value.
func copyBytes(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}

// checkPacked refuses a hash operation whose value is not a non-empty
// packed list (engine.AppendPacked) of the right shape: pairs of field and
// value for HSET and HASH, fields for HDEL.
func checkPacked(op *Op) error {
	n, err := engine.CountPacked(op.Value)
	switch {
	case op.Has&FieldValue == 0:
		err = errors.New("no value")
	case err != nil:
	case n == 0:
		err = errors.New("no fields")
	case op.Type != OpHDel && n%2 != 0:
		err = errors.New("a field without a value")
	}
	if err != nil {
		return fmt.Errorf("%w: %s of %q: %w", ErrBadOperation, op.Type, op.Key, err)
	}
	return nil
}

// SnapshotType is the frame type of a snapshot's key of type t: SET for a
// string, HASH for a hash.
func SnapshotType(t engine.ValueType) OpType {
	switch t {
	case engine.TypeHash:
		return OpHash
	case engine.TypeString:
		return OpSet
	}
	return OpObject
}
