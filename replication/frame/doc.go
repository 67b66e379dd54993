// Package frame is the NADB frame format of nadb-server: the codec of the
// reference protocol and its extensions, and the mapping between engine
// effects and NADB operations.
//
// A frame is a 4-byte big-endian length, then a compact JSON object
// {type, sequence, timestamp, data, checksum}; checksum is the SHA-256 of
// the canonical JSON of the other four fields as Python's json.dumps prints
// it with sorted keys. The Encoder, Decoder and Reader are hand-written
// (no encoding/json) and allocate nothing per frame once warm. The golden
// frames of the reference implementation are in testdata/nadb-vectors.
//
// # Usage
//
//	var enc frame.Encoder
//	buf, err := enc.AppendFrame(buf[:0], &frame.Op{Type: frame.OpHeartbeat, Sequence: 7, Timestamp: frame.NowSeconds()})
//
//	rd := frame.NewReader(conn, frame.MaxFrameLimit)
//	var op frame.Op
//	err := rd.Next(&op) // op's slices alias rd's buffer until the next call
//
// An Entry is one logged operation: its engine effect, sequence, group and,
// once encoded, its Frame, the bytes every reader shares, or, on the first
// entry of an operation batch, the Batch that holds it and the entries
// after it. Builder fills an Op from an Entry; EffectOf turns a received Op
// back into an effect.
//
// Batches carry many keys of a full resynchronisation (SNAPSHOT_BATCH,
// batch.go: SnapshotEncoder, EachBatchItem) or many operations of the live
// stream and the log on disk (OP_BATCH, opbatch.go: OpBatchEncoder,
// EachOpBatchEntry) in one frame, one JSON object and one SHA-256 for all.
//
// # Caveats
//
// A Reader's position is unknown after an error: drop the connection (or
// stop reading the file). Decoded Ops alias the Reader's buffers.
package frame
