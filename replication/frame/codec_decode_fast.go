package frame

import "bytes"

// The fast path of Decoder.DecodePayload.
//
// The canonicalising parser (parseEnvelope) rewrites every value it meets
// into Decoder.tmp, sorts each object's members there and moves the sorted
// text into place, only to find, for nearly every frame, that the text it
// wrote is the text it read: this server's Encoder and the reference both
// write every value in canonical form already (compact, ensure_ascii
// escaping, Python float repr). What they do not write in canonical order is
// the members of data (the reference's order is key, value, db, namespace,
// ..., _value_encoded), so the checksum input cannot be the raw data text.
//
// quickPayload therefore validates the payload in one pass that writes
// nothing, checks that each hashed value is canonical as written, and
// assembles the checksum input from the raw spans: data's members sorted by
// key, then sequence, timestamp and type. That text is byte for byte what
// the canonicalising path would build, so the verdict (checksum match or
// not) and everything decoded after it are the same; a test hook
// (Decoder.slowOnly) holds the two paths against each other.
//
// It is deliberately not "hash the raw text and accept it if the checksum
// matches": a peer could then hash a non-canonical text (a timestamp of 1.50,
// a key spelt k\u0065y, spaces inside data) and have a frame accepted that
// the reference and the canonicalising path refuse; and since data's members
// are unsorted on the wire, such a first try would miss on most frames and
// cost a second SHA-256.
//
// Anything the fast path would have to rewrite or report makes it give up
// before hashing, and DecodePayload starts over on the canonicalising path,
// which gives the verdict and the error message: an escaped envelope key, a
// data key that is not plain printable ASCII, a hashed value not in
// canonical form, whitespace inside an array, an object anywhere but data,
// an array inside an array, a null or mistyped envelope member, a missing
// member, a duplicate key, more than maxQuickUnknown unknown envelope
// members, or a syntax error.

// maxQuickUnknown is the number of unknown envelope members the fast path
// checks for duplicates itself; a payload with more takes the slow path.
const maxQuickUnknown = 4

// quickPayload is the fast path (see above). On success it has filled raw
// (the value spans of the envelope members), d.fields and d.canon (the
// checksum input), and returns the timestamp's value, parsed once; on false
// the Decoder must be reset before the slow path.
func (d *Decoder) quickPayload(p []byte, raw *[numTop]span) (ts float64, ok bool) {
	i := skipSpace(p, 0)
	if i >= len(p) || p[i] != '{' {
		return 0, false
	}
	i = skipSpace(p, i+1)
	var seen uint8
	var unknown [maxQuickUnknown][]byte
	nUnknown := 0
	for {
		if i >= len(p) || p[i] != '"' {
			return 0, false
		}
		end, fl, err := scanString(p, i)
		if err != nil || fl&strEscaped != 0 {
			return 0, false
		}
		key := p[i+1 : end-1]
		if i = skipSpace(p, end); i >= len(p) || p[i] != ':' {
			return 0, false
		}
		if i = skipSpace(p, i+1); i >= len(p) {
			return 0, false
		}
		top, vs := topIndex(key), i
		var canon bool
		switch top {
		case topData:
			i, ok = d.quickData(p, i)
		case topTimestamp:
			i, ts, canon, ok = d.quickTimestamp(p, i)
		default:
			i, canon, ok = quickValue(p, i)
		}
		if !ok {
			return 0, false
		}
		switch top {
		case -1:
			if nUnknown == maxQuickUnknown {
				return 0, false
			}
			for _, k := range unknown[:nUnknown] {
				if bytes.Equal(k, key) {
					return 0, false
				}
			}
			unknown[nUnknown] = key
			nUnknown++
		case topType:
			ok = p[vs] == '"' && canon
		case topSequence:
			ok = isNumberStart(p[vs]) && canon && isIntLiteral(p[vs:i])
		case topTimestamp:
			ok = canon
		case topChecksum:
			ok = p[vs] == '"'
		}
		if !ok || top >= 0 && seen&(1<<top) != 0 {
			return 0, false
		}
		if top >= 0 {
			seen |= 1 << top
			raw[top] = span{vs, i}
		}
		var closed bool
		if i, closed, err = afterItem(p, i, '}'); err != nil {
			return 0, false
		}
		if closed {
			break
		}
	}
	if skipSpace(p, i) != len(p) || seen != 1<<numTop-1 {
		return 0, false
	}

	// Checksum input: {"data":{sorted members},"sequence":..,"timestamp":..,"type":..}.
	c := append(d.canon[:0], `{"data":{`...)
	for k, m := range d.members {
		if k > 0 {
			c = append(c, ',')
		}
		c = append(c, '"')
		c = append(c, m.key...)
		c = append(c, '"', ':')
		c = append(c, p[m.canonS:m.canonE]...)
	}
	c = append(c, `},"sequence":`...)
	c = append(c, p[raw[topSequence].s:raw[topSequence].e]...)
	c = append(c, `,"timestamp":`...)
	c = append(c, p[raw[topTimestamp].s:raw[topTimestamp].e]...)
	c = append(c, `,"type":`...)
	c = append(c, p[raw[topType].s:raw[topType].e]...)
	c = append(c, '}')
	d.canon = c
	return ts, true
}

// quickData validates the data object at p[i] for the fast path: every key
// plain printable ASCII (so its raw, decoded and canonical forms are one),
// every value canonical as written, no duplicate key. It leaves the members
// sorted by key in d.members, with the value spans in canonS/canonE, records
// the known fields in d.fields, and returns the index past the object.
func (d *Decoder) quickData(p []byte, i int) (int, bool) {
	if p[i] != '{' {
		return 0, false
	}
	if i = skipSpace(p, i+1); i < len(p) && p[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(p) || p[i] != '"' {
			return 0, false
		}
		end, fl, err := scanString(p, i)
		if err != nil || fl&strNeedsCanon != 0 {
			return 0, false
		}
		key := p[i+1 : end-1 : end-1]
		if i = skipSpace(p, end); i >= len(p) || p[i] != ':' {
			return 0, false
		}
		if i = skipSpace(p, i+1); i >= len(p) {
			return 0, false
		}
		vs := i
		var canon, ok bool
		if i, canon, ok = quickValue(p, i); !ok || !canon {
			return 0, false
		}
		d.members = append(d.members, member{key: key, canonS: vs, canonE: i})
		if f, ok := lookupField(key); ok {
			d.fields[f] = span{vs, i}
		}
		var closed bool
		if i, closed, err = afterItem(p, i, '}'); err != nil {
			return 0, false
		}
		if closed {
			break
		}
	}
	sortMembers(d.members)
	for k := 1; k < len(d.members); k++ {
		if bytes.Equal(d.members[k-1].key, d.members[k].key) {
			return 0, false
		}
	}
	return i, true
}

// quickValue validates the scalar or flat array at p[i] (i < len(p)) and
// reports whether its raw text is canonical. ok is false on a syntax error
// and on what the fast path leaves to the slow one: an object, or an array
// holding an array or object.
func quickValue(p []byte, i int) (end int, canon, ok bool) {
	if p[i] != '[' {
		return quickScalar(p, i)
	}
	canon = true
	j := skipSpace(p, i+1)
	canon = canon && j == i+1
	if j < len(p) && p[j] == ']' {
		return j + 1, canon, true
	}
	for {
		if j >= len(p) {
			return 0, false, false
		}
		e, c, ok := quickScalar(p, j)
		if !ok {
			return 0, false, false
		}
		k := skipSpace(p, e)
		canon = canon && c && k == e
		switch {
		case k >= len(p):
			return 0, false, false
		case p[k] == ']':
			return k + 1, canon, true
		case p[k] != ',':
			return 0, false, false
		}
		j = skipSpace(p, k+1)
		canon = canon && j == k+1
	}
}

// quickScalar validates the string, number or literal at p[i] (i < len(p))
// and reports whether its raw text is what canonValue would write for it.
func quickScalar(p []byte, i int) (end int, canon, ok bool) {
	switch c := p[i]; {
	case c == '"':
		end, fl, err := scanString(p, i)
		if err != nil {
			return 0, false, false
		}
		return end, fl&strNeedsCanon == 0 || isCanonString(p[i+1:end-1]), true
	case isNumberStart(c):
		end, isInt, err := scanNumber(p, i)
		if err != nil {
			return 0, false, false
		}
		return end, isCanonNumber(p[i:end], isInt), true
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(p)-i >= len(lit) && string(p[i:i+len(lit)]) == lit {
			return i + len(lit), true, true
		}
	}
	return 0, false, false
}

// quickTimestamp validates the number at p[i] (i < len(p)) and reports its
// value and whether it is canonical as written, parsing it only once; ok is
// false when it is not a number. The text of the last timestamp is
// remembered with its value and verdict: most frames repeat it.
func (d *Decoder) quickTimestamp(p []byte, i int) (end int, ts float64, canon, ok bool) {
	if !isNumberStart(p[i]) {
		return 0, 0, false, false
	}
	end, isInt, err := scanNumber(p, i)
	if err != nil {
		return 0, 0, false, false
	}
	raw := p[i:end]
	if d.lastTSLen == len(raw) && string(d.lastTS[:d.lastTSLen]) == string(raw) {
		return end, d.lastTSVal, d.lastTSCanon, true
	}
	ts = parseFloat(raw)
	if isInt {
		canon = isCanonNumber(raw, true)
	} else {
		var buf [32]byte
		canon = bytes.Equal(appendPyFloat(buf[:0], ts), raw)
	}
	if len(raw) <= len(d.lastTS) {
		d.lastTSLen = copy(d.lastTS[:], raw)
		d.lastTSVal, d.lastTSCanon = ts, canon
	}
	return end, ts, canon, true
}

// isNumberStart reports whether c can start a JSON number.
func isNumberStart(c byte) bool { return c == '-' || '0' <= c && c <= '9' }

// isCanonString reports whether the raw contents of a scanned string are
// exactly what appendCanonString makes of them: printable ASCII other than
// '"' and '\\' as itself, and every escape the one appendUnit writes for its
// code unit (\" \\ \b \f \n \r \t, else \u with lowercase hex, only for a
// unit below 0x20 or above 0x7e).
func isCanonString(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		i += plainPrefix(raw[i:])
		if i == len(raw) {
			break
		}
		c := raw[i]
		if c != '\\' {
			if c < 0x20 || c >= 0x7f {
				return false
			}
			continue
		}
		switch raw[i+1] { // a scanned string has a whole escape here
		case '"', '\\', 'b', 'f', 'n', 'r', 't':
			i++
		case 'u':
			var u rune
			for _, h := range raw[i+2 : i+6] {
				switch {
				case '0' <= h && h <= '9':
					u = u<<4 | rune(h-'0')
				case 'a' <= h && h <= 'f':
					u = u<<4 | rune(h-'a'+10)
				default:
					return false
				}
			}
			switch u {
			case '\b', '\f', '\n', '\r', '\t':
				return false
			}
			if 0x20 <= u && u < 0x7f {
				return false
			}
			i += 5
		default: // \/
			return false
		}
	}
	return true
}

// isCanonNumber reports whether a scanned number literal is what
// appendCanonNumber writes for it: an integer other than -0, or a float
// already in Python's repr.
func isCanonNumber(raw []byte, isInt bool) bool {
	if isInt {
		return len(raw) != 2 || raw[0] != '-' || raw[1] != '0'
	}
	var buf [32]byte
	return bytes.Equal(appendPyFloat(buf[:0], parseFloat(raw)), raw)
}

// topIndex maps an envelope member name to its top-level index, or -1.
func topIndex(name []byte) int {
	switch string(name) {
	case "type":
		return topType
	case "sequence":
		return topSequence
	case "timestamp":
		return topTimestamp
	case "data":
		return topData
	case "checksum":
		return topChecksum
	}
	return -1
}
