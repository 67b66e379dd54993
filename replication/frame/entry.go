package frame

import "github.com/nadb-server/nadb-server/engine"

// Entry is one logged operation: an engine effect with its sequence number.
type Entry struct {
	Seq    uint64
	Effect engine.Effect // Value bytes are the log's own copy, never modified
	Group  int           // size of the atomic group the entry belongs to (1: alone)
	TimeMs int64         // when it was logged, Unix milliseconds
	// Frame is the operation as a whole NADB frame (length prefix
	// included), encoded once: the disk log, every sender and disk
	// catch-up use these bytes. Never modified once set.
	Frame []byte
	// Batch, on the first entry of an operation batch only, is the
	// OP_BATCH frame (length prefix included) that holds this entry and
	// the BatchLen-1 after it, encoded once for the senders that take
	// batches; such entries may have no Frame of their own. Never
	// modified once set.
	Batch    []byte
	BatchLen int
	// GroupEnd marks the last operation of its group (or one alone).
	GroupEnd bool
	// HasDigest says that Digest is the dataset's digest once this entry's
	// group is applied: the primary's log knows it for what it logs (the
	// engine reports it with each group), never for entries read back from
	// disk. A sender may follow such an entry with a checkpoint.
	HasDigest bool
	Digest    engine.Digest
}

// Cursor reads logged entries back in sequence order, each with its Frame
// (the log on disk, for a secondary whose position has left memory).
type Cursor interface {
	// Read appends to buf the entries from seq on, at most max of them and
	// none after limit.
	Read(seq uint64, max int, limit uint64, buf []Entry) ([]Entry, error)
	// Close releases what the cursor holds open.
	Close()
}
