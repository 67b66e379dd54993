package frame

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
)

// BenchmarkDecodeSET decodes and verifies the reference's set_ascii frame
// with a reused Decoder and Op.
func BenchmarkDecodeSET(b *testing.B) {
	frame := vectorByName(b, "set_ascii").frame
	var d Decoder
	var op Op
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := d.DecodeFrame(frame, &op); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeSET encodes the Op of set_ascii with a reused Encoder and
// destination buffer.
func BenchmarkEncodeSET(b *testing.B) {
	v := vectorByName(b, "set_ascii")
	var d Decoder
	var op Op
	if _, err := d.DecodeFrame(v.frame, &op); err != nil {
		b.Fatal(err)
	}
	var e Encoder
	var dst []byte
	b.ReportAllocs()
	b.SetBytes(int64(len(v.frame)))
	for b.Loop() {
		var err error
		if dst, err = e.AppendFrame(dst[:0], &op); err != nil {
			b.Fatal(err)
		}
	}
	if !bytes.Equal(dst, v.frame) {
		b.Fatal("frame differs from the reference's")
	}
}

// BenchmarkDecodeLargeValue decodes the 128 KiB value vector (base64 on the
// wire).
func BenchmarkDecodeLargeValue(b *testing.B) {
	frame := vectorByName(b, "set_large_value_128KiB").frame
	var d Decoder
	var op Op
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := d.DecodeFrame(frame, &op); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReaderSET reads set_ascii frames from a stream.
func BenchmarkReaderSET(b *testing.B) {
	frame := vectorByName(b, "set_ascii").frame
	stream := bytes.Repeat(frame, 1024)
	src := bytes.NewReader(stream)
	rd := NewReader(src, 0)
	var op Op
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	n := 0
	for b.Loop() {
		if n == 1024 {
			src.Reset(stream)
			n = 0
		}
		if err := rd.Next(&op); err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkDecodeHSET decodes a hash frame as this server's own Builder and
// Encoder write it: an HSET of 8 fields with db, namespace and group, whose
// data members are not in sorted order on the wire.
func BenchmarkDecodeHSET(b *testing.B) {
	fields := []string{"name", "Ada Lovelace", "born", "1815", "city", "London",
		"field", "mathematics", "known-for", "Analytical Engine notes", "email", "ada@example.org",
		"score", "97.5", "tag", "x"}
	e := Entry{Seq: 123456, TimeMs: 1_700_000_000_123, Group: 9, Effect: engine.Effect{
		Kind: engine.EffectHashSet, DB: 3, Key: "user:1815", Value: packed(fields...)}}
	var bl Builder
	var op Op
	bl.Fill(&op, &e, 1_700_000_000_000)
	var enc Encoder
	frame, err := enc.AppendFrame(nil, &op)
	if err != nil {
		b.Fatal(err)
	}
	var d Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := d.DecodeFrame(frame, &op); err != nil {
			b.Fatal(err)
		}
	}
}

// snapshotBatchFrame returns a full SNAPSHOT_BATCH frame of keys like
// redis-benchmark's (key:%012d, 100-byte values) and how many it holds.
func snapshotBatchFrame(b *testing.B) ([]byte, int) {
	enc := SnapshotEncoder{Seq: 12345, Timestamp: 1700000000.123, Batches: true}
	val := bytes.Repeat([]byte("x"), 100)
	var fr []byte
	for i := 0; len(fr) == 0; i++ {
		var err error
		if fr, err = enc.Append(nil, &engine.Item{Key: fmt.Sprintf("key:%012d", i), Value: val}); err != nil {
			b.Fatal(err)
		}
	}
	var d Decoder
	var op Op
	if _, err := d.DecodeFrame(fr, &op); err != nil {
		b.Fatal(err)
	}
	return fr, int(op.Count)
}

// BenchmarkEncodeSnapshotBatch encodes a full SNAPSHOT_BATCH frame (about
// 500 keys) and reports the time per key, to compare with EncodeSET.
func BenchmarkEncodeSnapshotBatch(b *testing.B) {
	fr, n := snapshotBatchFrame(b)
	var d Decoder
	var op Op
	if _, err := d.DecodeFrame(fr, &op); err != nil {
		b.Fatal(err)
	}
	op.Value = bytes.Clone(op.Value)
	var e Encoder
	var dst []byte
	b.ReportAllocs()
	b.SetBytes(int64(len(fr)))
	for b.Loop() {
		var err error
		if dst, err = e.AppendFrame(dst[:0], &op); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
}

// BenchmarkDecodeSnapshotBatch decodes and verifies a full SNAPSHOT_BATCH
// frame and unpacks its keys, and reports the time per key, to compare
// with DecodeSET.
func BenchmarkDecodeSnapshotBatch(b *testing.B) {
	fr, n := snapshotBatchFrame(b)
	var d Decoder
	var op Op
	b.ReportAllocs()
	b.SetBytes(int64(len(fr)))
	for b.Loop() {
		if _, err := d.DecodeFrame(fr, &op); err != nil {
			b.Fatal(err)
		}
		if _, err := EachBatchItem(op.Value, op.Count, 16, func(*engine.Item) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
}

// opBatchEntries returns the SETs of one OP_BATCH frame, keys and values
// like redis-benchmark's (key:%012d, 100-byte values), as many as
// OpBatchBytes holds.
func opBatchEntries() []Entry {
	val := bytes.Repeat([]byte("x"), 100)
	var ents []Entry
	size := 0
	for i := 0; ; i++ {
		e := Entry{Seq: uint64(12345 + i), Group: 1, TimeMs: 1700000000123,
			Effect: engine.Effect{Kind: engine.EffectSet, Key: fmt.Sprintf("key:%012d", i), Value: val}}
		if size += OpBatchItemSize(&e); size > OpBatchBytes {
			return ents
		}
		ents = append(ents, e)
	}
}

// BenchmarkEncodeOpBatch encodes SETs as one OP_BATCH frame and reports the
// time per operation, to compare with EncodeSET.
func BenchmarkEncodeOpBatch(b *testing.B) {
	ents := opBatchEntries()
	var be OpBatchEncoder
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = be.AppendBatch(dst[:0], ents); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(dst)))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ents)), "ns/op-in-batch")
}

// BenchmarkDecodeOpBatch decodes and verifies an OP_BATCH frame of SETs and
// turns each operation into its Op, as a secondary does, and reports the
// time per operation, to compare with DecodeSET.
func BenchmarkDecodeOpBatch(b *testing.B) {
	ents := opBatchEntries()
	fr, err := new(OpBatchEncoder).AppendBatch(nil, ents)
	if err != nil {
		b.Fatal(err)
	}
	var d Decoder
	var op, one Op
	var bld Builder
	b.ReportAllocs()
	b.SetBytes(int64(len(fr)))
	for b.Loop() {
		if _, err := d.DecodeFrame(fr, &op); err != nil {
			b.Fatal(err)
		}
		if err := EachOpBatchEntry(&op, func(e *Entry) error {
			bld.Fill(&one, e, e.TimeMs)
			_, _, err := EffectOf(&one, 16, e.TimeMs)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ents)), "ns/op-in-batch")
}
