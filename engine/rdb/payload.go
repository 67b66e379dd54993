package rdb

import (
	"encoding/binary"
	"errors"
	"hash/crc64"

	"github.com/nadb-server/nadb-server/engine"
)

// Version is the RDB version Encode writes, Redis 7.0's.
const Version = 10

// maxVersion is the highest RDB version Decode takes (Redis 7.2's), whose
// object types it reads too.
const maxVersion = 11

var (
	// ErrPayload: the payload is too short, of a later RDB version, or
	// its checksum is wrong.
	ErrPayload = errors.New("rdb: payload version or checksum are wrong")
	// ErrBadData: the object in the payload is malformed, or of a type
	// this server does not hold (modules, zipmaps).
	ErrBadData = errors.New("rdb: bad data format")
)

// The RDB object types.
const (
	typeString         = 0
	typeList           = 1
	typeSet            = 2
	typeZSet           = 3
	typeHash           = 4
	typeZSet2          = 5
	typeListZiplist    = 10
	typeSetIntset      = 11
	typeZSetZiplist    = 12
	typeHashZiplist    = 13
	typeListQuicklist  = 14
	typeStream         = 15
	typeHashListpack   = 16
	typeZSetListpack   = 17
	typeListQuicklist2 = 18
	typeStream2        = 19
	typeSetListpack    = 20
	typeStream3        = 21
)

// jones is the table of the CRC-64 with the Jones polynomial
// 0xad93d23594c935a9, reflected.
var jones = crc64.MakeTable(0x95ac9329ac4bc9b5)

// Checksum is the CRC-64 that ends a payload, as Redis computes it: Jones
// polynomial, reflected, initial value 0, no final xor (the package's
// Update inverts before and after; the two inversions here undo that).
func Checksum(p []byte) uint64 {
	return ^crc64.Update(^uint64(0), jones, p)
}

// AppendFooter appends the RDB version and the checksum of
// dst[start:] with it: what ends a DUMP payload that begins at start.
func AppendFooter(dst []byte, start int) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, Version)
	return binary.LittleEndian.AppendUint64(dst, Checksum(dst[start:]))
}

// Verify checks a payload's footer and returns the object before it.
func Verify(p []byte) ([]byte, error) {
	if len(p) < 10 || binary.LittleEndian.Uint16(p[len(p)-10:]) > maxVersion ||
		binary.LittleEndian.Uint64(p[len(p)-8:]) != Checksum(p[:len(p)-8]) {
		return nil, ErrPayload
	}
	return p[:len(p)-10], nil
}

// Encode appends to dst the DUMP payload of it, a value of the given
// OBJECT ENCODING ("listpack", "hashtable", "intset", "skiplist",
// "quicklist", "stream", or a string's). It fails only on a malformed
// packed value.
func Encode(dst []byte, it *engine.Item, encoding string) ([]byte, error) {
	start := len(dst)
	var err error
	switch it.Type {
	case engine.TypeString:
		dst = append(dst, typeString)
		dst = appendString(dst, it.Value)
	case engine.TypeHash:
		dst, err = encodeHash(dst, it.Value, encoding)
	case engine.TypeList:
		dst, err = encodeList(dst, it.Value)
	case engine.TypeSet:
		dst, err = encodeSet(dst, it.Value, encoding)
	case engine.TypeZSet:
		dst, err = encodeZSet(dst, it.Value, encoding)
	case engine.TypeStream:
		dst, err = encodeStream(dst, it.Value)
	default:
		err = ErrBadData
	}
	if err != nil {
		return dst[:start], err
	}
	return AppendFooter(dst, start), nil
}

// Decode checks payload p and reads its object: the engine type and its
// value, packed as a snapshot carries it (a string's bytes as they are).
// The value never aliases p.
func Decode(p []byte) (engine.ValueType, []byte, error) {
	obj, err := Verify(p)
	if err != nil {
		return 0, nil, err
	}
	r := &reader{b: obj}
	t, err := decodeObject(r)
	if err == nil && len(r.b) != 0 {
		err = ErrBadData // bytes after the object
	}
	if err != nil {
		return 0, nil, err
	}
	return t, r.out, nil
}
