package frame

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Encoder writes frames. It keeps scratch space between calls, so encoding
// with a reused Encoder into a reused dst does not allocate. An Encoder is
// not safe for concurrent use; give each sender its own. The zero value is
// ready to use.
type Encoder struct {
	vals  []byte          // rendered JSON text of each present field
	spans [numFields]span // where each field's text sits in vals
	canon []byte          // checksum input
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
	v := e.vals

	// The scalar envelope members, rendered once into the tail of vals.
	seqS := len(v)
	v = strconv.AppendUint(v, op.Sequence, 10)
	tsS := len(v)
	v = append(v, e.timestamp(op)...)
	tsE := len(v)
	e.vals = v
	seq, ts := v[seqS:tsS], v[tsS:tsE]

	c := append(e.canon[:0], `{"data":{`...)
	first := true
	for _, f := range canonicalFieldOrder {
		c, first = e.appendMember(c, f, first)
	}
	c = append(c, `},"sequence":`...)
	c = append(c, seq...)
	c = append(c, `,"timestamp":`...)
	c = append(c, ts...)
	c = append(c, `,"type":"`...)
	c = append(c, op.Type...)
	c = append(c, `"}`...)
	e.canon = c
	sum := sha256.Sum256(c)

	start := len(dst)
	// The frame holds the same members as the checksum input plus the
	// checksum's, and a 4-byte length: grow dst once.
	dst = slices.Grow(dst, 4+len(c)+len(`,"checksum":""`)+2*sha256.Size)
	dst = append(dst, 0, 0, 0, 0)
	dst = append(dst, `{"type":"`...)
	dst = append(dst, op.Type...)
	dst = append(dst, `","sequence":`...)
	dst = append(dst, seq...)
	dst = append(dst, `,"timestamp":`...)
	dst = append(dst, ts...)
	dst = append(dst, `,"data":{`...)
	first = true
	for f := range numFields {
		dst, first = e.appendMember(dst, f, first)
	}
	dst = append(dst, `},"checksum":"`...)
	h := len(dst)
	dst = dst[:h+2*len(sum)]
	hex.Encode(dst[h:], sum[:])
	dst = append(dst, `"}`...)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst, nil
}

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

// appendMember appends `"name":value` of field f if it was rendered,
// preceded by a comma unless it is the first member.
func (e *Encoder) appendMember(dst []byte, f field, first bool) ([]byte, bool) {
	sp := e.spans[f]
	if sp.e == 0 {
		return dst, first
	}
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, fieldNames[f]...)
	dst = append(dst, '"', ':')
	return append(dst, e.vals[sp.s:sp.e]...), false
}

// render writes the JSON text of every present data field into e.vals and
// records its span. Every text is already canonical, so the same bytes serve
// the checksum input and the frame.
func (e *Encoder) render(op *Op) error {
	e.vals = e.vals[:0]
	e.spans = [numFields]span{}
	has := op.Has
	if has&FieldKey != 0 {
		if e.bytesField(fKey, op.Key, op.KeyBase64) {
			e.literal(fKeyEncoded, "true")
		}
	}
	if has&FieldValue != 0 {
		if e.bytesField(fValue, op.Value, op.ValueBase64) {
			e.literal(fValueEncoded, "true")
		}
	}
	for _, t := range [...]struct {
		bit FieldMask
		f   field
		b   []byte
	}{
		{FieldDB, fDB, op.DB},
		{FieldNamespace, fNamespace, op.Namespace},
		{FieldReplID, fReplID, op.ReplID},
		{FieldNodeID, fNodeID, op.NodeID},
		{FieldLastDigest, fLastDigest, op.LastDigest},
		{FieldDatasetDigest, fDatasetDigest, op.DatasetDigest},
		{FieldNonce, fNonce, op.Nonce},
		{FieldProof, fProof, op.Proof},
		{FieldAnnounceIP, fAnnounceIP, op.AnnounceIP},
	} {
		if has&t.bit != 0 {
			if err := e.textField(t.f, t.b); err != nil {
				return err
			}
		}
	}
	if has&FieldMode != 0 {
		if err := e.textField(fMode, []byte(op.Mode)); err != nil {
			return err
		}
	}
	if has&FieldTags != 0 {
		s := len(e.vals)
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
		e.spans[fTags] = span{s, len(e.vals)}
	}
	if has&FieldTTL != 0 {
		t := op.TTL
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return fmt.Errorf("%w: ttl %v", ErrInvalidOp, t)
		}
		s := len(e.vals)
		if t == math.Trunc(t) && math.Abs(t) < 1e16 {
			e.vals = appendPyInt(e.vals, t)
		} else {
			e.vals = appendPyFloat(e.vals, t)
		}
		e.spans[fTTL] = span{s, len(e.vals)}
	}
	if has&FieldExpireAt != 0 {
		s := len(e.vals)
		e.vals = strconv.AppendInt(e.vals, op.ExpireAtMs, 10)
		e.spans[fExpireAt] = span{s, len(e.vals)}
	}
	for _, t := range [...]struct {
		bit FieldMask
		f   field
		n   int64
	}{
		{FieldGroup, fGroup, int64(op.Group)},
		{FieldListeningPort, fListeningPort, int64(op.ListeningPort)},
	} {
		if has&t.bit != 0 {
			s := len(e.vals)
			e.vals = strconv.AppendInt(e.vals, t.n, 10)
			e.spans[t.f] = span{s, len(e.vals)}
		}
	}
	for _, t := range [...]struct {
		bit FieldMask
		f   field
		n   uint64
	}{
		{FieldFromSequence, fFromSequence, op.FromSequence},
		{FieldApplied, fApplied, op.Applied},
		{FieldCount, fCount, op.Count},
		{FieldVerified, fVerified, op.Verified},
	} {
		if has&t.bit != 0 {
			s := len(e.vals)
			e.vals = strconv.AppendUint(e.vals, t.n, 10)
			e.spans[t.f] = span{s, len(e.vals)}
		}
	}
	return nil
}

// bytesField renders key or value b as a string or, when forced or not
// representable as text, as base64; it reports whether it used base64.
func (e *Encoder) bytesField(f field, b []byte, forceBase64 bool) bool {
	s := len(e.vals)
	if !forceBase64 {
		var ok bool
		if e.vals, ok = appendQuoted(e.vals, b); ok {
			e.spans[f] = span{s, len(e.vals)}
			return false
		}
		e.vals = e.vals[:s]
	}
	e.vals = append(e.vals, '"')
	e.vals = b64.AppendEncode(e.vals, b)
	e.vals = append(e.vals, '"')
	e.spans[f] = span{s, len(e.vals)}
	return true
}

// textField renders a field that has no base64 form.
func (e *Encoder) textField(f field, b []byte) error {
	s := len(e.vals)
	var ok bool
	if e.vals, ok = appendQuoted(e.vals, b); !ok {
		e.vals = e.vals[:s]
		return fmt.Errorf("%w: data.%s is not well-formed UTF-8", ErrInvalidOp, fieldNames[f])
	}
	e.spans[f] = span{s, len(e.vals)}
	return nil
}

func (e *Encoder) literal(f field, text string) {
	s := len(e.vals)
	e.vals = append(e.vals, text...)
	e.spans[f] = span{s, len(e.vals)}
}
