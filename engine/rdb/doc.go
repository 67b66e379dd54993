// Package rdb is the value format of DUMP and RESTORE: one key's value as
// Redis serialises it in its RDB files (a type byte, then the value), then
// the RDB version in two bytes and a CRC-64 of everything before it, both
// little-endian.
//
// Encode turns an engine item (a type and the packed value a snapshot
// carries) into such a payload, choosing the object type Redis 7.0 writes
// for a value of the same encoding: a string (integers encoded as
// integers), a listpack or a hashtable hash, a quicklist of listpacks, an
// intset or a hashtable set, a listpack or a skiplist sorted set, a stream
// of listpacks with its consumer groups. It writes no LZF compression,
// which Redis applies to longer strings when it can: a payload is then
// longer than Redis's but restores the same value in either server.
//
// Decode checks a payload's version (at most 11, Redis 7.2's) and checksum
// and reads every object type Redis 7.0 and 7.2 write or still read
// (ziplists, linked lists, zipmaps excepted), LZF-compressed strings
// included, back into a type and a packed value that the engine's builders
// check once more. A malformed payload is refused with ErrBadData, never
// read past its end.
//
// # Usage
//
//	p, err := rdb.Encode(nil, &item, encoding) // DUMP
//	typ, packed, err := rdb.Decode(p)          // RESTORE
package rdb
