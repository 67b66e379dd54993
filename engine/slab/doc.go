// Package slab is a keyspace table the garbage collector never walks.
//
// Every record (key, value, expiry time, and a few bits of metadata) lives
// in large byte slabs, and the index that finds them is an open-addressing
// table of integers. Nothing in a Table holds a pointer per key, so the
// collector has nothing to trace however many keys there are, and a key
// costs its bytes plus a small fixed overhead instead of three heap
// objects and their headers.
//
// The table keeps what the engine's keyspace must keep:
//   - SCAN's guarantee: a full scan returns every key present for its whole
//     duration, even when the table grows or shrinks between calls, because
//     the cursor walks home slots in reverse-binary order as Redis's dictScan
//     walks buckets;
//   - random sampling, for active expiry and eviction;
//   - compaction of slabs after overwrites and deletes, a slab at a time,
//     a few kilobytes per write, and none at all for overwrites that keep
//     a record's size (written in place);
//   - room for values that are not strings: a record has a kind byte.
//
// Keys and values returned alias the slabs. A key's bytes, and a replaced
// or deleted record's bytes, are never written again. A live record's
// value may be written over by a Set of its key that keeps the record's
// size, unless the table is pinned: a caller copies a value it keeps past
// that (the engine does so under its lock), or pins the table.
package slab
