package frame

import "github.com/nadb-server/nadb-server/engine"

// Entry is one logged operation: an engine effect with its sequence number.
type Entry struct {
	Seq    uint64
	Effect engine.Effect // Value bytes are shared with the engine, never modified
	Group  int           // size of the atomic group the entry belongs to (1: alone)
	TimeMs int64         // when it was logged, Unix milliseconds
	// Frame is the operation as a whole NADB frame (length prefix
	// included), encoded once: the disk log, every sender and disk
	// catch-up use these bytes. Never modified once set.
	Frame []byte
	// GroupEnd marks the last operation of its group (or one alone).
	GroupEnd bool
}
