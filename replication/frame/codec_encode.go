package frame

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
)

// Encoder writes frames. It keeps scratch space between calls, so encoding
// with a reused Encoder into a reused dst does not allocate. An Encoder is
// not safe for concurrent use; give each sender its own. The zero value is
// ready to use.
type Encoder struct {
	// vals holds the member text `,"name":value` of every present data
	// field, in wire order.
	vals []byte
	// spans[canonicalRank[f]] is where field f's member text sits in vals,
	// and sorted has that bit set, for every field f rendered; the spans of
	// the others are stale.
	spans  [numFields]span
	sorted uint32 // numFields bits
	canon  []byte // checksum input
	// The last timestamp rendered and its text: operations logged together
	// share one, and rendering a float is a fifth of a frame's cost.
	tsBits uint64
	tsInt  bool
	tsText []byte
}

// AppendFrame appends the whole frame of op (length prefix, then the JSON
// payload with its checksum) to dst and returns the extended slice. op is
// only read.
//
// The envelope is written in the reference's order (type, sequence,
// timestamp, data, checksum); data members in the reference's order (key,
// value, db, namespace, tags, ttl, _value_encoded) followed by the
// extensions (_key_encoded, expire_at_ms, group, from_sequence, repl_id,
// mode, listening_port, node_id, applied, count), each only when its Has bit
// is set. Key and value go out as plain JSON strings when they are
// well-formed WTF-8 and KeyBase64/ValueBase64 is false, and as base64 with
// "_key_encoded"/"_value_encoded": true otherwise. The checksum covers the
// sorted canonical form, so a peer that reorders members still verifies it.
//
// It fails with ErrUnknownType for a type outside the OpType constants and
// ErrInvalidOp for a non-finite Timestamp or TTL or a text field that is not
// well-formed WTF-8; dst is then returned unchanged. The caller checks the
// frame against the receiver's size limit.
func (e *Encoder) AppendFrame(dst []byte, op *Op) ([]byte, error) {
	if _, ok := lookupOpType(op.Type); !ok {
		return dst, fmt.Errorf("%w: %.40q", ErrUnknownType, op.Type)
	}
	if math.IsInf(op.Timestamp, 0) || math.IsNaN(op.Timestamp) {
		return dst, fmt.Errorf("%w: timestamp %v", ErrInvalidOp, op.Timestamp)
	}
	if err := e.render(op); err != nil {
		return dst, err
	}
	data := e.vals // the data members, in wire order
	var seqText [20]byte
	seq := strconv.AppendUint(seqText[:0], op.Sequence, 10)
	ts := e.timestamp(op)

	var sum [sha256.Size]byte
	if len(data) <= bigFrame {
		c := append(e.canon[:0], `{"data":`...)
		open := len(c)
		for m := e.sorted; m != 0; m &= m - 1 {
			sp := e.spans[bits.TrailingZeros32(m)]
			c = append(c, data[sp.s:sp.e]...)
		}
		c = openObject(c, open)
		c = append(c, `},"sequence":`...)
		c = append(c, seq...)
		c = append(c, `,"timestamp":`...)
		c = append(c, ts...)
		c = append(c, `,"type":"`...)
		c = append(c, op.Type...)
		c = append(c, `"}`...)
		e.canon = c
		sum = sha256.Sum256(c)
	} else {
		// A large value is hashed where it lies, not copied into a
		// checksum input of its own size first.
		sum = e.streamSum(data, seq, ts, op.Type)
	}

	start := len(dst)
	// The frame holds the same members as the checksum input plus the
	// checksum's, and a 4-byte length: grow dst once.
	dst = slices.Grow(dst, 4+len(`{"type":"","sequence":,"timestamp":,"data":{},"checksum":""}`)+
		len(op.Type)+len(seq)+len(ts)+len(data)+2*sha256.Size)
	dst = append(dst, 0, 0, 0, 0)
	dst = append(dst, `{"type":"`...)
	dst = append(dst, op.Type...)
	dst = append(dst, `","sequence":`...)
	dst = append(dst, seq...)
	dst = append(dst, `,"timestamp":`...)
	dst = append(dst, ts...)
	dst = append(dst, `,"data":`...)
	open := len(dst)
	dst = append(dst, data...)
	dst = openObject(dst, open)
	dst = append(dst, `},"checksum":"`...)
	h := len(dst)
	dst = dst[:h+2*len(sum)]
	hexSum(dst[h:], &sum)
	dst = append(dst, `"}`...)
	if n := len(dst) - start - 4; n > MaxFrameLimit {
		// Its length cannot be written: refused, never wrapped.
		return dst[:start], fmt.Errorf("%w: %d bytes, the format's limit is %d", ErrFrameTooLarge, n, MaxFrameLimit)
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	if cap(e.vals) > bigFrame {
		e.vals = nil // a large value's members: not kept for the next frame
	}
	return dst, nil
}

// bigFrame is the size of data members beyond which the checksum is
// computed over the members where they lie, and their buffer is dropped
// once the frame is built.
const bigFrame = 1 << 20

// streamSum returns the checksum of the canonical form of a frame whose
// sorted data members are in e.vals (data), without assembling it.
func (e *Encoder) streamSum(data, seq, ts []byte, typ OpType) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(`{"data":`))
	first := true
	for m := e.sorted; m != 0; m &= m - 1 {
		sp := e.spans[bits.TrailingZeros32(m)]
		member := data[sp.s:sp.e]
		if first {
			// The first member's leading comma opens the object.
			h.Write([]byte{'{'})
			member, first = member[1:], false
		}
		h.Write(member)
	}
	if first {
		h.Write([]byte{'{'})
	}
	h.Write([]byte(`},"sequence":`))
	h.Write(seq)
	h.Write([]byte(`,"timestamp":`))
	h.Write(ts)
	h.Write([]byte(`,"type":"`))
	h.Write([]byte(typ))
	h.Write([]byte(`"}`))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// openObject turns the members appended to dst from offset open, each
// written with a leading comma, into the start of an object: the first
// comma becomes the '{', or a '{' is appended when there are none.
func openObject(dst []byte, open int) []byte {
	if len(dst) == open {
		return append(dst, '{')
	}
	dst[open] = '{'
	return dst
}

// hexSum writes sum in lowercase hex to dst[:64], a byte's two digits at a
// time.
func hexSum(dst []byte, sum *[sha256.Size]byte) {
	_ = dst[2*sha256.Size-1]
	for i, b := range sum {
		binary.LittleEndian.PutUint16(dst[2*i:], hexPairs[b])
	}
}

// hexPairs holds the two lowercase hex digits of every byte value, the
// first in the low byte.
var hexPairs = func() (t [256]uint16) {
	const digits = "0123456789abcdef"
	for b := range t {
		t[b] = uint16(digits[b>>4]) | uint16(digits[b&15])<<8
	}
	return t
}()

// timestamp returns the JSON text of op's timestamp, rendered again only
// when it differs from the last one's.
func (e *Encoder) timestamp(op *Op) []byte {
	bits := math.Float64bits(op.Timestamp)
	if e.tsText != nil && bits == e.tsBits && op.TimestampIsInt == e.tsInt {
		return e.tsText
	}
	if op.TimestampIsInt && op.Timestamp == math.Trunc(op.Timestamp) {
		e.tsText = appendPyInt(e.tsText[:0], op.Timestamp)
	} else {
		e.tsText = appendPyFloat(e.tsText[:0], op.Timestamp)
	}
	e.tsBits, e.tsInt = bits, op.TimestampIsInt
	return e.tsText
}

// render writes the member text of every present data field into e.vals,
// in wire order, and records its span. Every value is already canonical, so
// the same bytes serve the checksum input and the frame.
func (e *Encoder) render(op *Op) error {
	e.vals = e.vals[:0]
	e.sorted = 0
	has := op.Has
	var keyB64, valueB64 bool
	if has&FieldKey != 0 {
		keyB64 = e.bytesField(fKey, op.Key, op.KeyBase64)
	}
	if has&FieldValue != 0 {
		valueB64 = e.bytesField(fValue, op.Value, op.ValueBase64)
	}
	if err := e.textField(has&FieldDB != 0, fDB, op.DB); err != nil {
		return err
	}
	if err := e.textField(has&FieldNamespace != 0, fNamespace, op.Namespace); err != nil {
		return err
	}
	if has&FieldTags != 0 {
		s := e.begin(fTags)
		e.vals = append(e.vals, '[')
		for k, t := range op.Tags {
			if k > 0 {
				e.vals = append(e.vals, ',')
			}
			var ok bool
			if e.vals, ok = appendQuoted(e.vals, t); !ok {
				e.vals = e.vals[:s]
				return fmt.Errorf("%w: tag %d is not well-formed UTF-8", ErrInvalidOp, k)
			}
		}
		e.vals = append(e.vals, ']')
		e.mark(fTags, s)
	}
	if has&FieldTTL != 0 {
		t := op.TTL
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return fmt.Errorf("%w: ttl %v", ErrInvalidOp, t)
		}
		s := e.begin(fTTL)
		if t == math.Trunc(t) && math.Abs(t) < 1e16 {
			e.vals = appendPyInt(e.vals, t)
		} else {
			e.vals = appendPyFloat(e.vals, t)
		}
		e.mark(fTTL, s)
	}
	if valueB64 {
		e.literal(fValueEncoded, "true")
	}
	if keyB64 {
		e.literal(fKeyEncoded, "true")
	}
	e.intField(has&FieldExpireAt != 0, fExpireAt, op.ExpireAtMs)
	e.intField(has&FieldGroup != 0, fGroup, int64(op.Group))
	e.uintField(has&FieldFromSequence != 0, fFromSequence, op.FromSequence)
	if err := e.textField(has&FieldReplID != 0, fReplID, op.ReplID); err != nil {
		return err
	}
	if has&FieldMode != 0 {
		if err := e.text(fMode, []byte(op.Mode)); err != nil {
			return err
		}
	}
	e.intField(has&FieldListeningPort != 0, fListeningPort, int64(op.ListeningPort))
	if err := e.textField(has&FieldNodeID != 0, fNodeID, op.NodeID); err != nil {
		return err
	}
	e.uintField(has&FieldApplied != 0, fApplied, op.Applied)
	e.uintField(has&FieldCount != 0, fCount, op.Count)
	if err := e.textField(has&FieldLastDigest != 0, fLastDigest, op.LastDigest); err != nil {
		return err
	}
	if err := e.textField(has&FieldDatasetDigest != 0, fDatasetDigest, op.DatasetDigest); err != nil {
		return err
	}
	e.uintField(has&FieldVerified != 0, fVerified, op.Verified)
	if err := e.textField(has&FieldNonce != 0, fNonce, op.Nonce); err != nil {
		return err
	}
	if err := e.textField(has&FieldProof != 0, fProof, op.Proof); err != nil {
		return err
	}
	return e.textField(has&FieldAnnounceIP != 0, fAnnounceIP, op.AnnounceIP)
}

// begin appends the `,"name":` that starts field f's member text and
// returns the offset of the member.
func (e *Encoder) begin(f field) int {
	s := len(e.vals)
	e.vals = append(e.vals, memberPrefix[f]...)
	return s
}

// mark records that field f's member text is vals[s:].
func (e *Encoder) mark(f field, s int) {
	r := canonicalRank[f]
	e.spans[r] = span{s, len(e.vals)}
	e.sorted |= 1 << r
}

// memberPrefix is `,"name":` of every field.
var memberPrefix = func() (p [numFields]string) {
	for f, name := range fieldNames {
		p[f] = `,"` + name + `":`
	}
	return p
}()

// Encoder.sorted has a bit for every field.
const _ uint32 = 1 << (numFields - 1)

// canonicalRank is the position of each field in canonicalFieldOrder.
var canonicalRank = func() (r [numFields]uint8) {
	for i, f := range canonicalFieldOrder {
		r[f] = uint8(i)
	}
	return r
}()

// bytesField renders key or value b as a string or, when forced or not
// representable as text, as base64; it reports whether it used base64.
func (e *Encoder) bytesField(f field, b []byte, forceBase64 bool) bool {
	s := e.begin(f)
	if !forceBase64 && f == fValue && len(b) >= largeValue &&
		len(b)+escapedBytes(b) > b64.EncodedLen(len(b)) {
		// Its escapes alone make the text longer than base64 (the rule
		// below): not written out to be thrown away (512 MiB of zero
		// bytes, a SETBIT at the last offset, would quote to 3 GiB).
		forceBase64 = true
	}
	if !forceBase64 {
		v := len(e.vals)
		var ok bool
		// A plain string, unless it is a large value whose control bytes
		// (six bytes each as \u00XX) make it longer than base64 would: a
		// whole value must fit the frame's 4-byte length. Text, even all
		// escaped non-ASCII, stays a string, which a reference secondary
		// keeps as text; so do small values, which re-encode as the
		// reference writes them.
		if e.vals, ok = appendQuoted(e.vals, b); ok && (f != fValue || len(b) < largeValue ||
			len(e.vals)-v <= b64.EncodedLen(len(b))+2 || !hasControl(b)) {
			e.mark(f, s)
			return false
		}
		e.vals = e.vals[:v]
	}
	e.vals = append(e.vals, '"')
	e.vals = appendBase64(e.vals, b)
	e.vals = append(e.vals, '"')
	e.mark(f, s)
	return true
}

// largeValue is the size from which a value full of control bytes goes as
// base64 (bytesField).
const largeValue = 1 << 20

// escapedBytes counts the bytes of b below 0x20, each written as at least
// two bytes in a JSON string: a lower bound of what escapes add to it.
func escapedBytes(b []byte) int {
	n := 0
	for _, c := range b {
		if c < 0x20 {
			n++
		}
	}
	return n
}

// hasControl reports whether b holds an ASCII control byte.
func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// textField renders field f, which has no base64 form, if it is present.
func (e *Encoder) textField(present bool, f field, b []byte) error {
	if !present {
		return nil
	}
	return e.text(f, b)
}

// text renders field f, which has no base64 form.
func (e *Encoder) text(f field, b []byte) error {
	s := e.begin(f)
	var ok bool
	if e.vals, ok = appendQuoted(e.vals, b); !ok {
		e.vals = e.vals[:s]
		return fmt.Errorf("%w: data.%s is not well-formed UTF-8", ErrInvalidOp, fieldNames[f])
	}
	e.mark(f, s)
	return nil
}

// intField renders integer field f if it is present.
func (e *Encoder) intField(present bool, f field, n int64) {
	if present {
		e.integer(f, n)
	}
}

// integer renders integer field f.
func (e *Encoder) integer(f field, n int64) {
	s := e.begin(f)
	e.vals = strconv.AppendInt(e.vals, n, 10)
	e.mark(f, s)
}

// uintField renders unsigned integer field f if it is present.
func (e *Encoder) uintField(present bool, f field, n uint64) {
	if present {
		e.unsigned(f, n)
	}
}

// unsigned renders unsigned integer field f.
func (e *Encoder) unsigned(f field, n uint64) {
	s := e.begin(f)
	e.vals = strconv.AppendUint(e.vals, n, 10)
	e.mark(f, s)
}

func (e *Encoder) literal(f field, text string) {
	s := e.begin(f)
	e.vals = append(e.vals, text...)
	e.mark(f, s)
}
