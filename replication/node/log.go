package node

import (
	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/nadb-server/nadb-server/replication/frame"
)

// Log is what the node needs from the durable log (an *aof.AOF in the
// server; an in-memory fake in this package's tests). The node owns it
// once given and closes it.
type Log interface {
	// AddEntries appends published entries, in sequence order; an entry
	// with GroupEnd closes its group.
	AddEntries(entries []frame.Entry)
	// Wait returns once everything up to seq is written (fsynced with
	// appendfsync always), or the error that keeps it from the file.
	Wait(seq uint64) error
	// Safe returns the last sequence a crash of this process keeps, and a
	// channel closed when that moves.
	Safe() (uint64, <-chan struct{})
	// Kick asks for a write now (operations no client waits for).
	Kick()
	// WriteError returns why writes are refused (MISCONF), or nil.
	WriteError() error
	// HistoryStart returns the base of the oldest segment of history
	// replID on disk, if any.
	HistoryStart(replID string) (uint64, bool)
	// NewCursor reads history replID back from disk.
	NewCursor(replID string, dbs int) frame.Cursor

	// Continue, Cut, Reset, Exclusive, Generation, WaitSegment and
	// DropBefore serve snapshots and role changes; see aof.AOF.
	Continue(last uint64, replID, role string) bool
	Cut(last uint64, replID, role string)
	Reset(base uint64, replID, role string, before func() error) error
	Exclusive(f func() error) error
	Generation() uint64
	WaitSegment(base uint64) error
	DropBefore(seq uint64) (int, error)
	// LogBytes and Segments are INFO persistence's figures.
	LogBytes() int64
	Segments() []aof.Segment
	// SetPolicy and SetSegmentLimit are CONFIG SET appendfsync and
	// aof-segment-size.
	SetPolicy(p aof.FsyncPolicy)
	SetSegmentLimit(n int64)
	Close() error
}

var _ Log = (*aof.AOF)(nil)
