package frame

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// streamOfValidVectors concatenates the frames of all valid vectors and
// returns the stream, the frame boundaries and the Ops a decoder gives for
// each frame on its own.
func streamOfValidVectors(t *testing.T) (stream []byte, ends []int, ops []Op) {
	t.Helper()
	for _, v := range loadVectors(t) {
		if !v.Valid || len(v.frame) > 4096 { // keep the byte-by-byte runs quick
			continue
		}
		var d Decoder
		var op Op
		_, err := d.DecodeFrame(v.frame, &op)
		require.NoError(t, err)
		stream = append(stream, v.frame...)
		ends = append(ends, len(stream))
		ops = append(ops, op)
	}
	return stream, ends, ops
}

func TestReaderStream(t *testing.T) {
	stream, _, ops := streamOfValidVectors(t)
	for _, tc := range []struct {
		name string
		r    io.Reader
	}{
		{"whole", bytes.NewReader(stream)},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(stream))},
		{"half reads", iotest.HalfReader(bytes.NewReader(stream))},
		{"eof with data", iotest.DataErrReader(bytes.NewReader(stream))},
		{"bufio given", bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(stream)), 16)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd := NewReader(tc.r, 0)
			var op Op
			for i, want := range ops {
				require.NoError(t, rd.Next(&op), "frame %d", i)
				requireSameOp(t, want, op, "frame %d", i)
			}
			require.Equal(t, io.EOF, rd.Next(&op))
		})
	}
}

// Cutting the stream at every byte: at a frame boundary the reader ends with
// io.EOF, elsewhere with ErrTruncated wrapping io.ErrUnexpectedEOF, and every
// complete frame before the cut is delivered.
func TestReaderTruncatedEverywhere(t *testing.T) {
	stream, ends, _ := streamOfValidVectors(t)
	stream, ends = stream[:ends[3]], ends[:4] // four frames are plenty
	var op Op
	for cut := 0; cut <= len(stream); cut++ {
		rd := NewReader(iotest.OneByteReader(bytes.NewReader(stream[:cut])), 0)
		complete := 0
		for _, e := range ends {
			if e <= cut {
				complete++
			}
		}
		for i := range complete {
			require.NoError(t, rd.Next(&op), "cut %d frame %d", cut, i)
		}
		err := rd.Next(&op)
		if complete > 0 && ends[complete-1] == cut || cut == 0 {
			require.Equal(t, io.EOF, err, "cut %d", cut)
			continue
		}
		requireSentinel(t, err, ErrTruncated)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "cut %d", cut)
	}
}

func TestReaderFrameTooLarge(t *testing.T) {
	for _, tc := range []struct {
		name     string
		max      int
		announce uint32
	}{
		{"default limit plus one", 0, DefaultMaxFrame + 1},
		{"max uint32", 0, 0xffffffff},
		{"configured limit", 1000, 1001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr [4]byte
			binary.BigEndian.PutUint32(hdr[:], tc.announce)
			rd := NewReader(bytes.NewReader(append(hdr[:], "{}"...)), tc.max)
			var op Op
			allocated := bytesAllocated(func() {
				requireSentinel(t, rd.Next(&op), ErrFrameTooLarge)
			})
			require.Less(t, allocated, uint64(64<<10))
		})
	}

	// At the limit is allowed: the payload is then judged on its own.
	payload := withChecksum(t, `{"type":"HEARTBEAT","sequence":1,"timestamp":1,"data":{}`)
	rd := NewReader(bytes.NewReader(frameOf(payload)), len(payload))
	require.NoError(t, rd.Next(new(Op)))
}

// A length that is within the limit but not backed by data costs memory in
// proportion to what arrived, not to what was announced.
func TestReaderLyingLength(t *testing.T) {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], DefaultMaxFrame)
	rd := NewReader(bytes.NewReader(append(hdr[:], "{\"type\""...)), 0)
	var err error
	allocated := bytesAllocated(func() { err = rd.Next(new(Op)) })
	requireSentinel(t, err, ErrTruncated)
	require.Less(t, allocated, uint64(4<<20))
}

func TestReaderIOError(t *testing.T) {
	boom := errors.New("boom")
	stream, ends, _ := streamOfValidVectors(t)
	rd := NewReader(io.MultiReader(bytes.NewReader(stream[:ends[0]+10]), iotest.ErrReader(boom)), 0)
	var op Op
	require.NoError(t, rd.Next(&op))
	err := rd.Next(&op)
	require.ErrorIs(t, err, boom)
	for _, s := range allSentinels {
		require.NotErrorIs(t, err, s)
	}
}

// Decoding from a Reader reuses its buffers: a steady stream of small frames
// does not allocate.
func TestReaderNoAllocs(t *testing.T) {
	v := vectorByName(t, "set_ascii")
	stream := bytes.Repeat(v.frame, 200)
	rd := NewReader(bytes.NewReader(stream), 0)
	var op Op
	require.NoError(t, rd.Next(&op))
	allocs := testing.AllocsPerRun(100, func() {
		if err := rd.Next(&op); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

func bytesAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
