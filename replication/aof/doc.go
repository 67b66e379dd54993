// Package aof is nadb-server's durable log: the files of a data directory,
// written and read back.
//
// A data directory holds log segments (nadb-<base>.aof: a METADATA header,
// then the operations after sequence base as NADB frames) and snapshots
// (nadb-<seq>.snap: the dataset at seq, one SET frame per key, then
// SNAPSHOT_END). A node locks the directory (LockDir, or Open itself) so
// that no two nodes share it; check-log --fix takes the same lock.
//
// # Usage
//
//	lock, err := aof.LockDir(dir) // or let Open take it; ErrDirLocked: a node runs there
//	defer lock.Unlock()
//	rec, err := aof.Recover(dir, dbs, true, logger, progress) // newest snapshot, then the segments after it
//	log, err := aof.OpenAOF(aof.AOFOptions{Segments: rec.Segments, NameFor: ..., ReplID: ..., Last: rec.History.Last, Policy: aof.FsyncEverySec})
//	log.AddEntries(entries)       // frames already encoded, in sequence order
//	err = log.Wait(last)          // written (fsynced with appendfsync always)
//	c := log.NewCursor(replID, dbs) // read the log back for a lagging secondary
//
// The AOF never encodes: it appends the frames its entries carry. Recover
// and check-log (CheckDir, CheckAOF) apply the same rules to damaged
// files: a torn tail of the last segment is cut, anything else refuses.
//
// # Caveats
//
// Reset (a secondary's full resync) rewrites the directory; a crash at any
// step leaves either the old state or the new one. Reading files back is
// bounded by the files' sizes, not by the network frame limit.
package aof
