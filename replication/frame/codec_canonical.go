package frame

import (
	"bytes"
	"math"
	"strconv"
	"unicode/utf8"
)

// This file holds the JSON lexing and the Python-canonical printing shared by
// the Decoder and the Encoder. See codec.go for the rules.

// strFlags describe a scanned JSON string.
type strFlags uint8

const (
	// strEscaped: the raw text has at least one backslash escape, so the
	// decoded bytes differ from the raw bytes.
	strEscaped strFlags = 1 << iota
	// strNeedsCanon: the raw text is not already canonical (it has an
	// escape or a byte outside 0x20..0x7e).
	strNeedsCanon
)

const hexDigits = "0123456789abcdef"

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(p []byte, i int) int {
	for i < len(p) && isSpace(p[i]) {
		i++
	}
	return i
}

func hexVal(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// hex4 decodes 4 hex digits; -1 if any is not a hex digit.
func hex4(b []byte) rune {
	a, b1, c, d := hexVal(b[0]), hexVal(b[1]), hexVal(b[2]), hexVal(b[3])
	if a < 0 || b1 < 0 || c < 0 || d < 0 {
		return -1
	}
	return a<<12 | b1<<8 | c<<4 | d
}

// scanString validates the JSON string whose opening quote is at p[i] and
// returns the index just past its closing quote. The raw contents are
// p[i+1 : end-1].
func scanString(p []byte, i int) (end int, fl strFlags, err error) {
	start := i + 1
	nonASCII := false
	i = start
	for {
		// Fast run over bytes that are already canonical.
		i += plainPrefix(p[i:])
		if i >= len(p) {
			return 0, 0, syntaxError(i, "unterminated string")
		}
		switch c := p[i]; {
		case c == '"':
			if nonASCII && !utf8.Valid(p[start:i]) {
				return 0, 0, syntaxError(start, "string is not valid UTF-8")
			}
			return i + 1, fl, nil
		case c == '\\':
			fl |= strEscaped | strNeedsCanon
			if i+1 >= len(p) {
				return 0, 0, syntaxError(i, "unterminated string")
			}
			switch p[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(p) || hex4(p[i+2:i+6]) < 0 {
					return 0, 0, syntaxError(i, `bad \u escape`)
				}
				i += 6
			default:
				return 0, 0, syntaxError(i, "bad escape")
			}
		case c < 0x20:
			return 0, 0, syntaxError(i, "control character in string")
		default: // 0x7f and above
			fl |= strNeedsCanon
			if c >= utf8.RuneSelf {
				nonASCII = true
			}
			i++
		}
	}
}

// scanNumber validates the JSON number starting at p[i] and returns the index
// just past it and whether it is an integer literal (no fraction, no
// exponent), which Python reads as int rather than float.
func scanNumber(p []byte, i int) (end int, isInt bool, err error) {
	start := i
	if i < len(p) && p[i] == '-' {
		i++
	}
	switch {
	case i < len(p) && p[i] == '0':
		i++
	case i < len(p) && '1' <= p[i] && p[i] <= '9':
		for i < len(p) && '0' <= p[i] && p[i] <= '9' {
			i++
		}
	default:
		return 0, false, syntaxError(start, "bad number")
	}
	isInt = true
	if i < len(p) && p[i] == '.' {
		i++
		d := i
		for i < len(p) && '0' <= p[i] && p[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false, syntaxError(start, "bad number")
		}
		isInt = false
	}
	if i < len(p) && (p[i] == 'e' || p[i] == 'E') {
		i++
		if i < len(p) && (p[i] == '+' || p[i] == '-') {
			i++
		}
		d := i
		for i < len(p) && '0' <= p[i] && p[i] <= '9' {
			i++
		}
		if i == d {
			return 0, false, syntaxError(start, "bad number")
		}
		isInt = false
	}
	return i, isInt, nil
}

// appendUnit appends one UTF-16 code unit (or any rune below 0x10000) as
// Python's ensure_ascii encoder prints it.
func appendUnit(dst []byte, u rune) []byte {
	switch {
	case u == '"':
		return append(dst, '\\', '"')
	case u == '\\':
		return append(dst, '\\', '\\')
	case 0x20 <= u && u < 0x7f:
		return append(dst, byte(u))
	case u == '\n':
		return append(dst, '\\', 'n')
	case u == '\r':
		return append(dst, '\\', 'r')
	case u == '\t':
		return append(dst, '\\', 't')
	case u == '\b':
		return append(dst, '\\', 'b')
	case u == '\f':
		return append(dst, '\\', 'f')
	}
	return append(dst, '\\', 'u', hexDigits[u>>12&0xf], hexDigits[u>>8&0xf], hexDigits[u>>4&0xf], hexDigits[u&0xf])
}

// appendCodePoint appends a code point, as a surrogate pair above the BMP.
func appendCodePoint(dst []byte, r rune) []byte {
	if r < 0x10000 {
		return appendUnit(dst, r)
	}
	r -= 0x10000
	dst = appendUnit(dst, 0xd800+(r>>10))
	return appendUnit(dst, 0xdc00+(r&0x3ff))
}

// unescapeShort maps the letter of a two-character escape to its character.
func unescapeShort(c byte) rune {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return rune(c) // '"', '\\', '/'
}

// appendCanonString appends the canonical form of a scanned JSON string whose
// raw contents (between the quotes) are raw. It works code unit by code unit:
// a pair of \u escapes and a raw 4-byte UTF-8 character give the same two
// units, so no pairing logic is needed and a lone surrogate stays itself.
func appendCanonString(dst, raw []byte, fl strFlags) []byte {
	dst = append(dst, '"')
	if fl&strNeedsCanon == 0 {
		dst = append(dst, raw...)
		return append(dst, '"')
	}
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == '\\':
			if raw[i+1] == 'u' {
				dst = appendUnit(dst, hex4(raw[i+2:i+6]))
				i += 6
			} else {
				dst = appendUnit(dst, unescapeShort(raw[i+1]))
				i += 2
			}
		case c < utf8.RuneSelf:
			dst = appendUnit(dst, rune(c))
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			dst = appendCodePoint(dst, r)
			i += n
		}
	}
	return append(dst, '"')
}

// appendWTF8 appends code point r in generalised UTF-8, which (unlike
// utf8.AppendRune) keeps a surrogate as its own 3-byte sequence.
func appendWTF8(dst []byte, r rune) []byte {
	if 0xd800 <= r && r <= 0xdfff {
		return append(dst, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
	}
	return utf8.AppendRune(dst, r)
}

// appendUnescaped appends the decoded bytes (WTF-8) of the raw contents of a
// scanned JSON string. A \u escape of a high surrogate directly followed by
// one of a low surrogate is combined into one character, as Python does;
// any other surrogate is kept alone.
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := len(raw)
			if k := bytes.IndexByte(raw[i+1:], '\\'); k >= 0 {
				j = i + 1 + k
			}
			dst = append(dst, raw[i:j]...)
			i = j
			continue
		}
		if raw[i+1] != 'u' {
			dst = append(dst, byte(unescapeShort(raw[i+1])))
			i += 2
			continue
		}
		u := hex4(raw[i+2 : i+6])
		i += 6
		if 0xd800 <= u && u < 0xdc00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
			if l := hex4(raw[i+2 : i+6]); 0xdc00 <= l && l < 0xe000 {
				dst = utf8.AppendRune(dst, 0x10000+(u-0xd800)<<10+(l-0xdc00))
				i += 6
				continue
			}
		}
		dst = appendWTF8(dst, u)
	}
	return dst
}

// surrogateAt decodes the generalised UTF-8 encoding of a surrogate at s[i].
func surrogateAt(s []byte, i int) (rune, bool) {
	if i+3 > len(s) || s[i] != 0xed || s[i+1] < 0xa0 || s[i+1] > 0xbf || s[i+2] < 0x80 || s[i+2] > 0xbf {
		return 0, false
	}
	return 0xd000 | rune(s[i+1]&0x3f)<<6 | rune(s[i+2]&0x3f), true
}

// appendQuoted appends s as a canonical JSON string. It reports false (and
// leaves junk after the original length of dst) when s is not well-formed
// WTF-8: invalid UTF-8 other than lone surrogates, or a high surrogate
// directly followed by a low one, which a decoder would join into one
// character and so would not give s back.
func appendQuoted(dst, s []byte) ([]byte, bool) {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			j := i + plainPrefix(s[i:])
			if j > i {
				dst = append(dst, s[i:j]...)
				i = j
				continue
			}
			dst = appendUnit(dst, rune(c))
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			u, ok := surrogateAt(s, i)
			if !ok {
				return dst, false
			}
			if u < 0xdc00 {
				if l, ok := surrogateAt(s, i+3); ok && l >= 0xdc00 {
					return dst, false
				}
			}
			dst = appendUnit(dst, u)
			i += 3
			continue
		}
		dst = appendCodePoint(dst, r)
		i += n
	}
	return append(dst, '"'), true
}

// appendCanonNumber appends the canonical form of a scanned number literal:
// an integer keeps its digits (Python's int has no -0), anything else is
// parsed as a float and printed as Python's repr.
func appendCanonNumber(dst, raw []byte, isInt bool) []byte {
	if isInt {
		if len(raw) == 2 && raw[0] == '-' && raw[1] == '0' {
			return append(dst, '0')
		}
		return append(dst, raw...)
	}
	return appendPyFloat(dst, parseFloat(raw))
}

// parseFloat parses a scanned number literal. A literal too large for
// float64 gives ±Inf, as Python's float() does.
func parseFloat(raw []byte) float64 {
	f, _ := strconv.ParseFloat(string(raw), 64)
	return f
}

// appendPyFloat appends f as Python's repr (and json.dumps) prints it: the
// shortest digits that read back as f (Go and Python agree on them), in
// fixed notation with at least one decimal when 1e-4 <= |f| < 1e16, else as
// d[.ddd]e±XX, which is also Go's 'e' format.
func appendPyFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	k := len(e) - 1
	for e[k] != 'e' {
		k--
	}
	exp := 0
	for _, c := range e[k+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[k+1] == '-' {
		exp = -exp
	}
	if f != 0 && (exp < -4 || exp >= 16) {
		return append(dst, e...)
	}
	if e[0] == '-' {
		dst = append(dst, '-')
	}
	var digits [20]byte // at most 17 significant digits
	n := 0
	for _, c := range e[:k] {
		if '0' <= c && c <= '9' {
			digits[n] = c
			n++
		}
	}
	d := digits[:n]
	switch {
	case exp < 0: // 0.000ddd
		dst = append(dst, '0', '.')
		for range -exp - 1 {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	case n <= exp+1: // ddd000.0
		dst = append(dst, d...)
		for range exp + 1 - n {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	}
	dst = append(dst, d[:exp+1]...) // ddd.ddd
	dst = append(dst, '.')
	return append(dst, d[exp+1:]...)
}

// appendPyInt appends integral f in integer form (as a Python int prints).
func appendPyInt(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0')
	}
	return strconv.AppendFloat(dst, f, 'f', 0, 64)
}
