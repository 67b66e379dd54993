package engine

import "errors"

// Sentinel errors returned by engine operations. Only the RESP layer turns
// them into Redis error text.
var (
	// ErrNotInteger: the stored value or an argument is not a 64-bit integer.
	ErrNotInteger = errors.New("value is not an integer")
	// ErrNotFloat: the stored value is not a valid float.
	ErrNotFloat = errors.New("value is not a valid float")
	// ErrOverflow: an increment would overflow a 64-bit integer.
	ErrOverflow = errors.New("increment or decrement would overflow")
	// ErrNaNOrInf: a float increment would produce NaN or an infinity.
	ErrNaNOrInf = errors.New("increment would produce NaN or Infinity")
	// ErrNoSuchKey: the command needs an existing key.
	ErrNoSuchKey = errors.New("no such key")
	// ErrDBIndex: the database index is outside 0..Databases-1.
	ErrDBIndex = errors.New("database index out of range")
	// ErrSameObject: source and destination are the same key.
	ErrSameObject = errors.New("source and destination objects are the same")
	// ErrTooLarge: the result would exceed the maximum string size.
	ErrTooLarge = errors.New("string exceeds maximum allowed size")
	// ErrReadOnly: the keyspace follows a primary and takes no client
	// writes (returned by the replication layer's write gate).
	ErrReadOnly = errors.New("read only replica")
	// ErrWrongType: the key holds a value of another type.
	ErrWrongType = errors.New("operation against a key holding the wrong kind of value")
	// ErrHashNotInteger: HINCRBY on a field whose value is not an integer.
	ErrHashNotInteger = errors.New("hash value is not an integer")
	// ErrHashNotFloat: HINCRBYFLOAT on a field whose value is not a float.
	ErrHashNotFloat = errors.New("hash value is not a float")
	// ErrInfArg: a float argument is an infinity (HINCRBYFLOAT).
	ErrInfArg = errors.New("value is NaN or Infinity")
	// ErrOOM: memory is above maxmemory and the policy could not evict
	// enough (FreeMemory).
	ErrOOM = errors.New("used memory above maxmemory")
	// ErrNotLFU: OBJECT FREQ without an LFU maxmemory-policy.
	ErrNotLFU = errors.New("access frequency not tracked: the maxmemory policy is not an LFU one")
	// ErrIndexOutOfRange: LSET of an index outside the list.
	ErrIndexOutOfRange = errors.New("index out of range")
	// ErrBusyKey: RESTORE of a key that exists, without REPLACE.
	ErrBusyKey = errors.New("target key name already exists")
	// ErrBadValue: a value to restore is malformed (a field or a member
	// twice, an empty collection).
	ErrBadValue = errors.New("bad data format")
	// ErrLFU: OBJECT IDLETIME under an LFU maxmemory-policy.
	ErrLFU = errors.New("idle time not tracked: the maxmemory policy is an LFU one")
	// ErrNotHLL: the key holds a string that is not a HyperLogLog.
	ErrNotHLL = errors.New("key is not a valid HyperLogLog string value")
	// ErrInvalidHLL: the key holds a corrupted HyperLogLog.
	ErrInvalidHLL = errors.New("corrupted HLL object detected")
	// ErrSortScore refuses a SORT whose elements (or BY values) are not
	// all numbers, without ALPHA.
	ErrSortScore = errors.New("sort: one or more scores can't be converted into double")
	// ErrStreamIDSmall: XADD of an ID not above the stream's last.
	ErrStreamIDSmall = errors.New("stream: XADD of an ID not above the last")
	// ErrStreamExhausted: the stream gave the last possible ID.
	ErrStreamExhausted = errors.New("stream: no ID left")
	// ErrStreamSeqExhausted: XADD ms-* where the stream's last ID is ms
	// with the largest sequence.
	ErrStreamSeqExhausted = errors.New("stream: no sequence left in that millisecond")
	// ErrSetIDSmall: XSETID below the stream's last entry.
	ErrSetIDSmall = errors.New("stream: XSETID below the last entry")
	// ErrSetIDAdded: XSETID's ENTRIESADDED below the stream's length.
	ErrSetIDAdded = errors.New("stream: XSETID's entries added below the length")
	// ErrNoGroup: the stream has no consumer group of that name (or the
	// key holds no stream, for the commands that say so together).
	ErrNoGroup = errors.New("stream: no such consumer group")
	// ErrGroupNoKey: XGROUP on a missing key.
	ErrGroupNoKey = errors.New("stream: XGROUP of a missing key")
	// ErrBusyGroup: XGROUP CREATE of a group that exists.
	ErrBusyGroup = errors.New("stream: the consumer group exists")
	// ErrSetIDMaxDel: XSETID's ID below its MAXDELETEDID.
	ErrSetIDMaxDel = errors.New("stream: XSETID below its max deleted ID")
)
