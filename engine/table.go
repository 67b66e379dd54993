package engine

import "github.com/nadb-server/nadb-server/engine/slab"

// The keyspace of a database is a slab.Table: records in large byte slabs
// and an index of integers, so the garbage collector has nothing to walk
// per key. The engine sees a record through an entry.

// entry is a view of one key's record. key and val share the record's
// bytes, which are never modified once written (see package slab): a
// reader may keep them after the lock is released, and after the key is
// changed or deleted. The other fields are copies; changing them changes
// nothing in the table.
type entry struct {
	key      string
	val      []byte
	expireAt int64  // Unix milliseconds; 0 means no expiry
	vhash    uint64 // valueHash(val), once hashed is set
	hashed   bool
	meta     uint32   // the access word (see evict.go)
	kind     encoding // the record's kind byte
	size     int      // the record's bytes
	slot     int      // its index slot, valid until the table is modified
}

func viewOf(r slab.Entry, slot int) entry {
	return entry{
		key:      r.KeyString(),
		val:      r.Value,
		expireAt: r.ExpireAt,
		vhash:    r.Aux,
		hashed:   r.HasAux,
		meta:     r.Meta,
		kind:     encoding(r.Kind),
		size:     r.Size,
		slot:     slot,
	}
}

// The access word uses the low 30 bits of a record's metadata.
const (
	accessBits = 30
	accessMask = 1<<accessBits - 1
)

// valueHash returns the hash of the entry's value for the dataset digest.
// Only a big value's record keeps it; a small value is hashed again when
// needed, which costs less than 8 bytes per key would.
func (en *entry) valueHash() uint64 {
	if !en.hashed {
		en.vhash, en.hashed = valueHash(en.val), true
	}
	return en.vhash
}

// enc returns the entry's encoding.
func (en *entry) enc() encoding { return en.kind }

// access returns the entry's access word (see evict.go).
func (en *entry) access() uint32 { return en.meta & accessMask }

// encoding is how OBJECT ENCODING describes a value, where it does not
// follow from the value alone. It is the kind byte of a string's record.
type encoding uint8

const (
	encAuto   encoding = iota // int, embstr or raw by content and length
	encRaw                    // built by APPEND or SETRANGE
	encEmbstr                 // INCRBYFLOAT's result: never int
	// encHash is a hash's record: its value is the hash's index in the
	// side table, value hash and memory (see hashobj.go).
	encHash encoding = 8
	// encHashLP is a listpack hash packed into its record: the value is
	// the hash's value hash (8 bytes), then its packed fields and values
	// (see hashobj.go).
	encHashLP encoding = 9
	// encList, encSet and encZSet are collections' records: the value is
	// the collection's index in the side table, value hash and memory
	// (see coll.go).
	encList encoding = 10
	encSet  encoding = 11
	encZSet encoding = 12
	// encStream is a stream's record, a collection's (see stream.go).
	encStream encoding = 13
)

// isHash reports whether the entry holds a hash, in either form.
func (en *entry) isHash() bool { return en.kind == encHash || en.kind == encHashLP }

// valueType returns the type of the entry's value.
func (en *entry) valueType() ValueType { return typeOfKind(uint8(en.kind)) }
