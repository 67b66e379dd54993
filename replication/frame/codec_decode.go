package frame

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// maxNesting bounds the depth of arrays and objects in a payload. Reference
// frames nest two levels; the bound keeps hostile input from costing
// quadratic time (an object's canonical text is moved once per level).
const maxNesting = 64

// shrinkAbove: a Decoder or Reader buffer grown beyond this by one large
// frame is dropped when the next frame is small.
const shrinkAbove = 4 << 20

// b64 is the codec's base64: standard alphabet, padding required, no
// non-zero trailing bits. It is never modified.
var b64 = base64.StdEncoding.Strict()

// Decoder decodes NADB payloads and frames. It keeps its buffers between
// calls, so decoding with a reused Decoder and Op does not allocate in the
// common case. A Decoder is not safe for concurrent use.
type Decoder struct {
	// MaxFrame is the largest payload accepted, in bytes. Zero means
	// DefaultMaxFrame.
	MaxFrame int

	tmp     []byte   // canonical text of values, built bottom-up
	canon   []byte   // checksum input of the last payload
	arena   []byte   // decoded strings that differ from their raw text
	members []member // object members being canonicalised, as a stack
	fields  [numFields]span
	tags    [][]byte // backing array of Op.Tags

	// The last timestamp the fast path parsed, as written, with its
	// value and verdict: frames written in the same millisecond share it.
	lastTS      [24]byte
	lastTSLen   int
	lastTSVal   float64
	lastTSCanon bool

	// slowOnly turns the fast path off, so that tests can hold the two
	// paths against each other.
	slowOnly bool
	// quick records whether the last payload took the fast path.
	quick bool
}

// span is p[s:e] of some buffer; e == 0 means absent.
type span struct{ s, e int }

// member is one object member: its decoded key, its raw key (for printing),
// and where its value's canonical text sits in Decoder.tmp.
type member struct {
	key            []byte
	rawS, rawE     int
	fl             strFlags
	canonS, canonE int
}

// Top-level members.
const (
	topType = iota
	topSequence
	topTimestamp
	topData
	topChecksum
	numTop
)

var topNames = [numTop]string{"type", "sequence", "timestamp", "data", "checksum"}

func syntaxError(at int, msg string) error {
	return fmt.Errorf("%w: offset %d: %s", ErrBadJSON, at, msg)
}

func (d *Decoder) maxFrame() int {
	if d.MaxFrame > 0 {
		return d.MaxFrame
	}
	return DefaultMaxFrame
}

// DecodeFrame decodes the frame at the start of frame (length prefix and
// payload) into op and returns the frame's size. Bytes after the frame are
// left alone. It refuses a length above MaxFrame before looking further, and
// a buffer shorter than the announced frame with ErrTruncated. On error the
// contents of op are unspecified.
func (d *Decoder) DecodeFrame(frame []byte, op *Op) (n int, err error) {
	if len(frame) < 4 {
		return 0, fmt.Errorf("%w: %d of 4 length bytes", ErrTruncated, len(frame))
	}
	size := binary.BigEndian.Uint32(frame)
	if uint64(size) > uint64(d.maxFrame()) {
		return 0, fmt.Errorf("%w: announced %d bytes, limit %d", ErrFrameTooLarge, size, d.maxFrame())
	}
	n = 4 + int(size)
	if len(frame) < n {
		return 0, fmt.Errorf("%w: announced %d payload bytes, have %d", ErrTruncated, size, len(frame)-4)
	}
	if err := d.DecodePayload(frame[4:n], op); err != nil {
		return 0, err
	}
	return n, nil
}

// DecodePayload decodes one payload (the JSON after the length prefix) into
// op. It verifies the checksum against the canonical form of the raw
// payload before interpreting any field beyond its JSON type, so a tampered
// frame never reaches base64 decoding. Slices in op alias payload and the
// Decoder's buffers (see Op). On error the contents of op are unspecified.
//
// A payload whose hashed values are already in canonical form (as those of
// this server's and the reference's frames are) takes a fast path that assembles the
// canonical text from the raw one instead of rewriting it; any other payload
// is canonicalised value by value. Both give the same result for every
// input: see codec_decode_fast.go.
func (d *Decoder) DecodePayload(payload []byte, op *Op) error {
	if len(payload) > d.maxFrame() {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, len(payload), d.maxFrame())
	}
	d.reset(len(payload))
	var raw [numTop]span
	var ts float64
	d.quick = false
	if !d.slowOnly {
		ts, d.quick = d.quickPayload(payload, &raw)
	}
	if !d.quick {
		d.reset(len(payload))
		raw = [numTop]span{}
		if err := d.slowPayload(payload, &raw); err != nil {
			return err
		}
	}
	sum := sha256.Sum256(d.canon)
	var want [64]byte
	for i, b := range sum {
		want[2*i], want[2*i+1] = hexDigits[b>>4], hexDigits[b&0xf]
	}
	if got := d.str(payload, raw[topChecksum]); !bytes.Equal(got, want[:]) {
		return fmt.Errorf("%w: frame carries %.64q, payload hashes to %s", ErrBadChecksum, got, string(want[:]))
	}

	*op = Op{Checksum: sum}
	typ := d.str(payload, raw[topType])
	t, ok := lookupOpType(typ)
	if !ok {
		return fmt.Errorf("%w: %.40q", ErrUnknownType, typ)
	}
	op.Type = t
	seq, ok := parseUint(payload[raw[topSequence].s:raw[topSequence].e])
	if !ok {
		return fmt.Errorf("%w: sequence is not an integer in 0..2^64-1", ErrBadJSON)
	}
	op.Sequence = seq
	tsText := payload[raw[topTimestamp].s:raw[topTimestamp].e]
	if !d.quick {
		ts = parseFloat(tsText)
	}
	op.Timestamp = ts
	op.TimestampIsInt = isIntLiteral(tsText)
	if math.IsInf(op.Timestamp, 0) {
		return fmt.Errorf("%w: timestamp out of range", ErrBadJSON)
	}
	if op.TimestampIsInt && op.Timestamp == 0 {
		op.Timestamp = 0 // an integer has no -0
	}
	return d.decodeData(payload, op)
}

// slowPayload is the canonicalising path of DecodePayload: it parses the
// envelope, rewriting every value into its canonical form, checks that the
// envelope members are present and of the right JSON types, and builds the
// checksum input in d.canon. It fills raw with the members' value spans.
func (d *Decoder) slowPayload(payload []byte, raw *[numTop]span) error {
	var canon [numTop]span
	if err := d.parseEnvelope(payload, raw, &canon); err != nil {
		return err
	}
	for f := range topChecksum {
		if raw[f].e == 0 {
			return fmt.Errorf("%w: %s", ErrMissingField, topNames[f])
		}
	}
	if raw[topChecksum].e == 0 {
		return fmt.Errorf("%w: missing or null", ErrBadChecksum)
	}
	if payload[raw[topType].s] != '"' {
		return fmt.Errorf("%w: type is not a string", ErrBadJSON)
	}
	if c := payload[raw[topSequence].s]; c != '-' && (c < '0' || c > '9') {
		return fmt.Errorf("%w: sequence is not a number", ErrBadJSON)
	}
	if c := payload[raw[topTimestamp].s]; c != '-' && (c < '0' || c > '9') {
		return fmt.Errorf("%w: timestamp is not a number", ErrBadJSON)
	}
	if payload[raw[topData].s] != '{' {
		return fmt.Errorf("%w: data is not an object", ErrBadJSON)
	}
	if payload[raw[topChecksum].s] != '"' {
		return fmt.Errorf("%w: not a string", ErrBadChecksum)
	}

	// Checksum input: {"data":..,"sequence":..,"timestamp":..,"type":..}.
	c := append(d.canon, `{"data":`...)
	c = append(c, d.tmp[canon[topData].s:canon[topData].e]...)
	c = append(c, `,"sequence":`...)
	c = append(c, d.tmp[canon[topSequence].s:canon[topSequence].e]...)
	c = append(c, `,"timestamp":`...)
	c = append(c, d.tmp[canon[topTimestamp].s:canon[topTimestamp].e]...)
	c = append(c, `,"type":`...)
	c = append(c, d.tmp[canon[topType].s:canon[topType].e]...)
	c = append(c, '}')
	d.canon = c
	return nil
}

// reset prepares the buffers for a payload of n bytes.
func (d *Decoder) reset(n int) {
	if cap(d.tmp) > shrinkAbove && n < shrinkAbove/4 {
		d.tmp, d.canon, d.arena = nil, nil, nil
	}
	d.tmp, d.canon, d.arena = d.tmp[:0], d.canon[:0], d.arena[:0]
	d.members = d.members[:0]
	d.fields = [numFields]span{}
}

// parseEnvelope parses the top-level object. For each known member it
// records the raw value span and the span of its canonical text in d.tmp,
// leaving both empty when the value is null. Unknown members are validated
// and checked for duplicates, then ignored (they are not in the checksum).
func (d *Decoder) parseEnvelope(p []byte, raw, canon *[numTop]span) error {
	i := skipSpace(p, 0)
	if i >= len(p) || p[i] != '{' {
		return fmt.Errorf("%w: payload is not a JSON object", ErrBadJSON)
	}
	var seen uint8
	i = skipSpace(p, i+1)
	if i < len(p) && p[i] == '}' {
		i++
	} else {
		for {
			m, next, err := d.key(p, i)
			if err != nil {
				return err
			}
			i = next
			top := -1
			for f, name := range topNames {
				if string(m.key) == name {
					top = f
				}
			}
			vs, cs := i, len(d.tmp)
			if top == topData && p[i] == '{' {
				i, err = d.canonObject(p, i, 1, true)
			} else {
				i, err = d.canonValue(p, i, 1)
			}
			if err != nil {
				return err
			}
			switch {
			case top < 0:
				d.tmp = d.tmp[:cs]
				d.members = append(d.members, m)
			case seen&(1<<top) != 0:
				return fmt.Errorf("%w: duplicate key %q", ErrBadJSON, topNames[top])
			default:
				seen |= 1 << top
				if p[vs] != 'n' { // null counts as absent
					raw[top], canon[top] = span{vs, i}, span{cs, len(d.tmp)}
				}
			}
			var closed bool
			if i, closed, err = afterItem(p, i, '}'); err != nil {
				return err
			}
			if closed {
				break
			}
		}
	}
	if i = skipSpace(p, i); i != len(p) {
		return syntaxError(i, "data after the JSON object")
	}
	sortMembers(d.members)
	return checkDuplicates(d.members)
}

// key parses an object key at p[i] (after whitespace), the colon and the
// whitespace after it, and returns the member so far and the index of the
// value.
func (d *Decoder) key(p []byte, i int) (member, int, error) {
	if i >= len(p) || p[i] != '"' {
		return member{}, 0, syntaxError(i, "expected a string key")
	}
	end, fl, err := scanString(p, i)
	if err != nil {
		return member{}, 0, err
	}
	m := member{rawS: i + 1, rawE: end - 1, fl: fl}
	if fl&strEscaped == 0 {
		m.key = p[m.rawS:m.rawE:m.rawE]
	} else {
		a := len(d.arena)
		d.arena = appendUnescaped(d.arena, p[m.rawS:m.rawE])
		m.key = d.arena[a:len(d.arena):len(d.arena)]
	}
	i = skipSpace(p, end)
	if i >= len(p) || p[i] != ':' {
		return member{}, 0, syntaxError(i, "expected ':'")
	}
	i = skipSpace(p, i+1)
	if i >= len(p) {
		return member{}, 0, syntaxError(i, "expected a value")
	}
	return m, i, nil
}

// afterItem consumes the whitespace and the ',' or closing bracket after an
// object member or array element. After a comma it returns the index of the
// next item; after the closing bracket, the index past it and closed set.
func afterItem(p []byte, i int, closing byte) (next int, closed bool, err error) {
	i = skipSpace(p, i)
	if i < len(p) && p[i] == closing {
		return i + 1, true, nil
	}
	if i < len(p) && p[i] == ',' {
		if i = skipSpace(p, i+1); i < len(p) {
			return i, false, nil
		}
	}
	if i >= len(p) {
		return 0, false, syntaxError(i, "unexpected end of payload")
	}
	return 0, false, syntaxError(i, fmt.Sprintf("expected ',' or '%c'", closing))
}

// canonValue validates the JSON value at p[i] and appends its canonical text
// to d.tmp. It returns the index just past the value.
func (d *Decoder) canonValue(p []byte, i, depth int) (int, error) {
	switch c := p[i]; {
	case c == '"':
		end, fl, err := scanString(p, i)
		if err != nil {
			return 0, err
		}
		d.tmp = appendCanonString(d.tmp, p[i+1:end-1], fl)
		return end, nil
	case c == '-' || '0' <= c && c <= '9':
		end, isInt, err := scanNumber(p, i)
		if err != nil {
			return 0, err
		}
		d.tmp = appendCanonNumber(d.tmp, p[i:end], isInt)
		return end, nil
	case c == '{':
		return d.canonObject(p, i, depth, false)
	case c == '[':
		return d.canonArray(p, i, depth)
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(p)-i >= len(lit) && string(p[i:i+len(lit)]) == lit {
			d.tmp = append(d.tmp, lit...)
			return i + len(lit), nil
		}
	}
	return 0, syntaxError(i, "expected a JSON value")
}

func (d *Decoder) canonArray(p []byte, i, depth int) (int, error) {
	if depth > maxNesting {
		return 0, syntaxError(i, "nested too deeply")
	}
	d.tmp = append(d.tmp, '[')
	i = skipSpace(p, i+1)
	if i < len(p) && p[i] == ']' {
		d.tmp = append(d.tmp, ']')
		return i + 1, nil
	}
	for {
		if i >= len(p) {
			return 0, syntaxError(i, "unexpected end of payload")
		}
		var err error
		if i, err = d.canonValue(p, i, depth+1); err != nil {
			return 0, err
		}
		var closed bool
		if i, closed, err = afterItem(p, i, ']'); err != nil {
			return 0, err
		}
		if closed {
			d.tmp = append(d.tmp, ']')
			return i, nil
		}
		d.tmp = append(d.tmp, ',')
	}
}

// canonObject validates the object at p[i] and appends its canonical text to
// d.tmp: members are canonicalised in wire order, then sorted by key and
// assembled after them, and the assembled text is moved down over the
// unsorted parts. When data is set (the top-level data object) the raw spans
// of known members are recorded in d.fields.
func (d *Decoder) canonObject(p []byte, i, depth int, data bool) (int, error) {
	if depth > maxNesting {
		return 0, syntaxError(i, "nested too deeply")
	}
	start, m0 := len(d.tmp), len(d.members)
	i = skipSpace(p, i+1)
	if i < len(p) && p[i] == '}' {
		d.tmp = append(d.tmp, '{', '}')
		return i + 1, nil
	}
	for {
		m, next, err := d.key(p, i)
		if err != nil {
			return 0, err
		}
		vs := next
		m.canonS = len(d.tmp)
		if i, err = d.canonValue(p, next, depth+1); err != nil {
			return 0, err
		}
		m.canonE = len(d.tmp)
		d.members = append(d.members, m)
		if data {
			if f, ok := lookupField(m.key); ok {
				d.fields[f] = span{vs, i}
			}
		}
		var closed bool
		if i, closed, err = afterItem(p, i, '}'); err != nil {
			return 0, err
		}
		if closed {
			break
		}
	}
	ms := d.members[m0:]
	sortMembers(ms)
	if err := checkDuplicates(ms); err != nil {
		return 0, err
	}
	obj := len(d.tmp)
	d.tmp = append(d.tmp, '{')
	for k, m := range ms {
		if k > 0 {
			d.tmp = append(d.tmp, ',')
		}
		d.tmp = appendCanonString(d.tmp, p[m.rawS:m.rawE], m.fl)
		d.tmp = append(d.tmp, ':')
		d.tmp = append(d.tmp, d.tmp[m.canonS:m.canonE]...)
	}
	d.tmp = append(d.tmp, '}')
	n := copy(d.tmp[start:], d.tmp[obj:])
	d.tmp = d.tmp[:start+n]
	d.members = d.members[:m0]
	return i, nil
}

// sortMembers sorts by decoded key. Byte order of (generalised) UTF-8 is
// code point order, which is how Python sorts str keys.
func sortMembers(ms []member) {
	if len(ms) > 12 {
		slices.SortFunc(ms, func(a, b member) int { return bytes.Compare(a.key, b.key) })
		return
	}
	for i := 1; i < len(ms); i++ { // frames have a handful of members
		for j := i; j > 0 && bytes.Compare(ms[j].key, ms[j-1].key) < 0; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// checkDuplicates reports a duplicate key among sorted members.
func checkDuplicates(ms []member) error {
	for k := 1; k < len(ms); k++ {
		if bytes.Equal(ms[k-1].key, ms[k].key) {
			return fmt.Errorf("%w: duplicate key %.40q", ErrBadJSON, ms[k].key)
		}
	}
	return nil
}

// str returns the decoded bytes of the scanned string at p[sp.s:sp.e]
// (quotes included): the raw bytes when there is no escape, else a copy in
// the arena.
func (d *Decoder) str(p []byte, sp span) []byte {
	raw := p[sp.s+1 : sp.e-1 : sp.e-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	a := len(d.arena)
	d.arena = appendUnescaped(d.arena, raw)
	return d.arena[a:len(d.arena):len(d.arena)]
}

// decodeData interprets the known data members recorded by canonObject.
func (d *Decoder) decodeData(p []byte, op *Op) error {
	var keyB64, valB64 bool
	for f := range numFields {
		sp := d.fields[f]
		if sp.e == 0 || p[sp.s] == 'n' { // absent or null
			continue
		}
		v := p[sp.s:sp.e]
		name := fieldNames[f]
		var err error
		switch f {
		case fKeyEncoded, fValueEncoded:
			if v[0] != 't' && v[0] != 'f' {
				return fmt.Errorf("%w: data.%s is not a boolean", ErrBadJSON, name)
			}
			if f == fKeyEncoded {
				keyB64 = v[0] == 't'
			} else {
				valB64 = v[0] == 't'
			}
		case fKey:
			op.Key, err = d.text(p, sp, name)
		case fValue:
			op.Value, err = d.text(p, sp, name)
		case fDB:
			op.DB, err = d.text(p, sp, name)
		case fNamespace:
			op.Namespace, err = d.text(p, sp, name)
		case fReplID:
			op.ReplID, err = d.text(p, sp, name)
		case fNodeID:
			op.NodeID, err = d.text(p, sp, name)
		case fLastDigest:
			op.LastDigest, err = d.text(p, sp, name)
		case fDatasetDigest:
			op.DatasetDigest, err = d.text(p, sp, name)
		case fNonce:
			op.Nonce, err = d.text(p, sp, name)
		case fProof:
			op.Proof, err = d.text(p, sp, name)
		case fAnnounceIP:
			op.AnnounceIP, err = d.text(p, sp, name)
		case fMode:
			var b []byte
			if b, err = d.text(p, sp, name); err == nil {
				switch string(b) {
				case string(ModePartial):
					op.Mode = ModePartial
				case string(ModeFull):
					op.Mode = ModeFull
				default:
					op.Mode = SyncMode(b)
				}
			}
		case fTags:
			err = d.decodeTags(p, sp, op)
		case fTTL:
			if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
				return fmt.Errorf("%w: data.ttl is not a number", ErrBadJSON)
			}
			if op.TTL = parseFloat(v); math.IsInf(op.TTL, 0) {
				return fmt.Errorf("%w: data.ttl out of range", ErrBadJSON)
			}
		case fExpireAt:
			op.ExpireAtMs, err = intField(v, name, math.MinInt64, math.MaxInt64)
		case fGroup:
			var n int64
			n, err = intField(v, name, math.MinInt, math.MaxInt)
			op.Group = int(n)
		case fListeningPort:
			var n int64
			n, err = intField(v, name, math.MinInt, math.MaxInt)
			op.ListeningPort = int(n)
		case fFromSequence:
			op.FromSequence, err = uintField(v, name)
		case fApplied:
			op.Applied, err = uintField(v, name)
		case fCount:
			op.Count, err = uintField(v, name)
		case fVerified:
			op.Verified, err = uintField(v, name)
		}
		if err != nil {
			return err
		}
		op.Has |= fieldMask[f]
	}
	var err error
	if keyB64 && op.Has&FieldKey != 0 {
		op.KeyBase64 = true
		op.Key, err = d.base64(op.Key, "key")
	}
	if valB64 && op.Has&FieldValue != 0 && err == nil {
		op.ValueBase64 = true
		op.Value, err = d.base64(op.Value, "value")
	}
	return err
}

// text returns the decoded string member sp, refusing other JSON types.
func (d *Decoder) text(p []byte, sp span, name string) ([]byte, error) {
	if p[sp.s] != '"' {
		return nil, fmt.Errorf("%w: data.%s is not a string", ErrBadJSON, name)
	}
	return d.str(p, sp), nil
}

// decodeTags decodes data.tags, an array of strings, into op.Tags.
func (d *Decoder) decodeTags(p []byte, sp span, op *Op) error {
	if p[sp.s] != '[' {
		return fmt.Errorf("%w: data.tags is not an array", ErrBadJSON)
	}
	tags := d.tags[:0]
	// The array was validated by canonValue, so a light walk suffices.
	i := skipSpace(p, sp.s+1)
	for p[i] != ']' {
		if p[i] != '"' {
			return fmt.Errorf("%w: data.tags holds a non-string", ErrBadJSON)
		}
		end, _, _ := scanString(p, i)
		tags = append(tags, d.str(p, span{i, end}))
		i = skipSpace(p, end)
		if p[i] == ',' {
			i = skipSpace(p, i+1)
		}
	}
	if tags == nil {
		tags = [][]byte{} // present, so non-nil
	}
	d.tags = tags
	op.Tags = tags[:len(tags):len(tags)]
	return nil
}

// base64 decodes text into the arena.
func (d *Decoder) base64(text []byte, name string) ([]byte, error) {
	a := len(d.arena)
	d.arena = slices.Grow(d.arena, b64.DecodedLen(len(text)))
	n, err := b64.Decode(d.arena[a:a+b64.DecodedLen(len(text))], text)
	if err != nil {
		d.arena = d.arena[:a]
		return nil, fmt.Errorf("%w: data.%s: %v", ErrBadEncoding, name, err)
	}
	if n == 0 {
		return text[:0:0], nil // present, so non-nil
	}
	d.arena = d.arena[:a+n]
	return d.arena[a : a+n : a+n], nil
}

// isIntLiteral reports whether a scanned number has no fraction or exponent.
func isIntLiteral(v []byte) bool {
	for _, c := range v {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// parseUint parses a JSON integer literal in 0..2^64-1, without float64.
func parseUint(v []byte) (uint64, bool) {
	if len(v) == 0 || len(v) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

func uintField(v []byte, name string) (uint64, error) {
	n, ok := parseUint(v)
	if !ok {
		return 0, fmt.Errorf("%w: data.%s is not an integer in 0..2^64-1", ErrBadJSON, name)
	}
	return n, nil
}

// intField parses a JSON integer literal in lo..hi.
func intField(v []byte, name string, lo, hi int64) (int64, error) {
	neg := len(v) > 0 && v[0] == '-'
	digits := v
	if neg {
		digits = v[1:]
	}
	u, ok := parseUint(digits)
	var n int64
	switch {
	case !ok:
	case !neg && u <= math.MaxInt64:
		n = int64(u)
	case neg && u <= 1<<63:
		n = int64(-u) // two's complement: -(1<<63) is MinInt64
	default:
		ok = false
	}
	if !ok || n < lo || n > hi {
		return 0, fmt.Errorf("%w: data.%s is not an integer in %d..%d", ErrBadJSON, name, lo, hi)
	}
	return n, nil
}
