package frame

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// readChunk is how far the Reader's buffer grows ahead of the bytes that
// have actually arrived, so a length prefix that lies costs little memory.
const readChunk = 1 << 20

// Reader reads frames from a byte stream.
type Reader struct {
	br  *bufio.Reader
	max int
	hdr [4]byte
	buf []byte // payload of the last frame
	dec Decoder
}

// NewReader returns a Reader of frames from r that refuses payloads longer
// than maxFrame bytes (DefaultMaxFrame when maxFrame <= 0). It buffers r
// unless r is already a *bufio.Reader.
func NewReader(r io.Reader, maxFrame int) *Reader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Reader{br: br, max: maxFrame, dec: Decoder{MaxFrame: maxFrame}}
}

// Next reads and decodes the next frame into op. Slices in op alias the
// Reader's buffers until the next call.
//
// It returns io.EOF when the stream ends cleanly between frames, and an
// error wrapping ErrTruncated and io.ErrUnexpectedEOF when it ends inside
// one. A length above the limit fails with ErrFrameTooLarge before anything
// is allocated for it, and the payload buffer only grows as bytes arrive.
// Other read errors are returned wrapped. After an error the stream position
// is unknown: drop the connection.
func (r *Reader) Next(op *Op) error {
	payload, err := r.NextPayload()
	if err != nil {
		return err
	}
	return r.dec.DecodePayload(payload, op)
}

// NextPayload reads the next frame without decoding it and returns its
// payload, which aliases the Reader's buffer until the next call. Errors
// are Next's, except those of decoding: a caller decodes the payload with a
// Decoder of its own (several goroutines can then share the work).
func (r *Reader) NextPayload() ([]byte, error) {
	if n, err := io.ReadFull(r.br, r.hdr[:]); err != nil {
		if n == 0 && err == io.EOF {
			return nil, io.EOF
		}
		return nil, readError(err, fmt.Sprintf("%d of 4 length bytes", n))
	}
	size := binary.BigEndian.Uint32(r.hdr[:])
	if uint64(size) > uint64(r.max) {
		return nil, fmt.Errorf("%w: announced %d bytes, limit %d", ErrFrameTooLarge, size, r.max)
	}
	n := int(size)
	if cap(r.buf) > shrinkAbove && n < shrinkAbove/4 {
		r.buf = nil
	}
	r.buf = r.buf[:0]
	for len(r.buf) < n {
		if len(r.buf) == cap(r.buf) {
			r.buf = slices.Grow(r.buf, min(n-len(r.buf), max(len(r.buf), readChunk)))
		}
		m, err := io.ReadFull(r.br, r.buf[len(r.buf):min(n, cap(r.buf))])
		r.buf = r.buf[:len(r.buf)+m]
		if err != nil {
			return nil, readError(err, fmt.Sprintf("%d of %d payload bytes", len(r.buf), n))
		}
	}
	return r.buf, nil
}

// readError wraps an error from inside a frame: an early end of the stream
// becomes ErrTruncated (with io.ErrUnexpectedEOF), anything else is passed
// on with context.
func readError(err error, where string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: stream ended after %s: %w", ErrTruncated, where, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("replication: reading frame (%s): %w", where, err)
}

// AppendLast appends the last frame read, length prefix and payload, as
// it arrived: the bytes a verified frame is passed on or stored as, with no
// encoding again.
func (r *Reader) AppendLast(dst []byte) []byte {
	dst = append(dst, r.hdr[:]...)
	return append(dst, r.buf...)
}

// LastLen returns the size of the last frame read, length prefix
// included: what AppendLast appends.
func (r *Reader) LastLen() int { return len(r.hdr) + len(r.buf) }

// MaxFrame returns the largest payload the Reader accepts.
func (r *Reader) MaxFrame() int { return r.max }

// Buffered returns how many bytes have arrived but not been decoded yet.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// CountingReader counts the bytes read through it (N): a file's position
// while loading, or whether a peer has sent anything at all.
type CountingReader struct {
	R io.Reader
	N int64
}

func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}
