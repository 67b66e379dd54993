package engine

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// Ranges of a sorted set: by rank, by score ("(" for an exclusive bound,
// "-inf" and "+inf") or by member bytes ("[a" inclusive, "(a" exclusive,
// "-" and "+" the ends), as ZRANGE, ZCOUNT, ZLEXCOUNT and ZREMRANGEBY*
// take them. Each resolves to an interval of ranks.

// Range kinds of ZRangeSpec.By.
const (
	ZByRank = iota
	ZByScore
	ZByLex
)

// ScoreRange is a range of scores.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

// LexBound is one end of a range of members: Inf -1 is "-" (below all),
// +1 "+" (above all); else Value, exclusive when Ex.
type LexBound struct {
	Value string
	Ex    bool
	Inf   int
}

// ZRangeSpec selects members of a sorted set: by rank (Start and Stop,
// negative from the end, both included), by score or by lex, in
// ascending order or reversed (Rev: then ranks count from the highest),
// skipping Offset members and taking at most Count (negative: all) as
// LIMIT says.
type ZRangeSpec struct {
	By          int
	Rev         bool
	Start, Stop int64
	Score       ScoreRange
	LexMin      LexBound
	LexMax      LexBound
	Offset      int64
	Count       int64
}

// gteMin reports whether e is at or above the range's lower end.
func (spec *ZRangeSpec) gteMin(e zent) bool {
	if spec.By == ZByLex {
		b := &spec.LexMin
		switch {
		case b.Inf != 0:
			return b.Inf < 0
		case b.Ex:
			return e.m > b.Value
		}
		return e.m >= b.Value
	}
	if spec.Score.MinEx {
		return e.s > spec.Score.Min
	}
	return e.s >= spec.Score.Min
}

// lteMax reports whether e is at or below the range's upper end.
func (spec *ZRangeSpec) lteMax(e zent) bool {
	if spec.By == ZByLex {
		b := &spec.LexMax
		switch {
		case b.Inf != 0:
			return b.Inf > 0
		case b.Ex:
			return e.m < b.Value
		}
		return e.m <= b.Value
	}
	if spec.Score.MaxEx {
		return e.s < spec.Score.Max
	}
	return e.s <= spec.Score.Max
}

// bounds returns the ranks [lo, hi) of the members in spec's score or lex
// range (hi <= lo when none).
//
// Members are in lex order only among those of one score, as Redis
// requires of a lex range; over several scores Redis's answer is what its
// walk finds, and so is this one's for a listpack: the range must be able
// to hold something (its ends in order, the last member at or above the
// lower end, the first at or below the upper one), then it begins at the
// first member at or above its lower end, found from the head, and ends at
// the first member past its upper end (reversed: from the tail, the first
// member at or below the upper end, down to the first below the lower
// end). A larger set's ends are found by binary search, as Redis's
// skiplist descends. selectRange then walks from the start it gives.
func (z *zsetObj) bounds(spec *ZRangeSpec) (lo, hi int) {
	if spec.By != ZByLex {
		lo = z.count(spec.gteMin)
		hi = z.count(func(e zent) bool { return !spec.lteMax(e) })
		return lo, hi
	}
	if z.n == 0 || spec.lexEmpty() || !spec.gteMin(z.at(z.n-1)) || !spec.lteMax(z.at(0)) {
		return 0, 0
	}
	if z.idx != nil {
		lo = z.count(spec.gteMin)
		hi = z.count(func(e zent) bool { return !spec.lteMax(e) })
		return lo, hi
	}
	if !spec.Rev {
		lo = z.firstFrom(0, spec.gteMin)
		return lo, z.firstFrom(lo, func(e zent) bool { return !spec.lteMax(e) })
	}
	hi = z.lastFrom(z.n, spec.lteMax)
	return z.lastFrom(hi, func(e zent) bool { return !spec.gteMin(e) }), hi
}

// walkLex selects a lex range as Redis walks it from the start bounds
// found ([lo, hi)): it steps over Offset members, in the range or not,
// then takes members while they are in it, at most Count.
func (z *zsetObj) walkLex(spec *ZRangeSpec, lo, hi int) []zent {
	var out []zent
	take := func(in func(zent) bool) func(zent) bool {
		return func(e zent) bool {
			if !in(e) || (spec.Count >= 0 && int64(len(out)) >= spec.Count) {
				return false
			}
			out = append(out, e)
			return true
		}
	}
	if !spec.Rev {
		if start := int64(lo) + spec.Offset; start < int64(z.n) {
			z.each(int(start), z.n, false, take(spec.lteMax))
		}
		return out
	}
	if end := int64(hi) - spec.Offset; end > 0 {
		z.each(0, int(end), true, take(spec.gteMin))
	}
	return out
}

// lexEmpty reports whether a lex range is empty whatever the members: its
// lower end above its upper end, or both one value with one excluded.
func (spec *ZRangeSpec) lexEmpty() bool {
	lo, hi := &spec.LexMin, &spec.LexMax
	switch {
	case lo.Inf > 0 || hi.Inf < 0:
		return !(lo.Inf > 0 && hi.Inf > 0) && !(lo.Inf < 0 && hi.Inf < 0)
	case lo.Inf < 0 || hi.Inf > 0:
		return false
	}
	c := strings.Compare(lo.Value, hi.Value)
	return c > 0 || (c == 0 && (lo.Ex || hi.Ex))
}

// firstFrom is the rank of the first member from rank r on for which f
// holds (z.n for none).
func (z *zsetObj) firstFrom(r int, f func(zent) bool) int {
	z.each(r, z.n, false, func(e zent) bool {
		if f(e) {
			return false
		}
		r++
		return true
	})
	return r
}

// lastFrom is one past the rank of the last member below rank r for
// which f holds (0 for none).
func (z *zsetObj) lastFrom(r int, f func(zent) bool) int {
	z.each(0, r, true, func(e zent) bool {
		if f(e) {
			return false
		}
		r--
		return true
	})
	return r
}

// rankBounds resolves Start and Stop as Redis does into ranks [lo, hi)
// of the ascending order.
func (z *zsetObj) rankBounds(spec *ZRangeSpec) (lo, hi int) {
	n := int64(z.n)
	start, end := spec.Start, spec.Stop
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	if start > end || start >= n {
		return 0, 0
	}
	end = min(end, n-1)
	if spec.Rev {
		return int(n - 1 - end), int(n - start)
	}
	return int(start), int(end + 1)
}

// selectRange returns the members spec selects, in its order.
func (z *zsetObj) selectRange(spec *ZRangeSpec) []zent {
	if spec.By == ZByRank {
		lo, hi := z.rankBounds(spec)
		return z.slice(lo, hi, spec.Rev)
	}
	lo, hi := z.bounds(spec)
	if spec.By == ZByLex && hi > lo && spec.Offset >= 0 {
		return z.walkLex(spec, lo, hi)
	}
	if hi <= lo || spec.Offset < 0 || spec.Offset >= int64(hi-lo) {
		return nil
	}
	take := int64(hi-lo) - spec.Offset
	if spec.Count >= 0 {
		take = min(take, spec.Count)
	}
	if spec.Rev {
		top := hi - int(spec.Offset)
		return z.slice(top-int(take), top, true)
	}
	first := lo + int(spec.Offset)
	return z.slice(first, first+int(take), false)
}

// ParseScore reads a score as Redis's getDoubleFromObject does: strtod's
// syntax (decimal, hexadecimal, "inf", "infinity"), the whole argument,
// no leading space, no NaN, no overflow nor underflow to zero.
func ParseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	return strtod(string(b), true)
}

// ParseLongDouble reads a number as Redis's string2ld does (a timeout,
// INCRBYFLOAT's kind of argument): strtod's syntax, the whole argument, no
// leading space, no NaN. A long double holds what overflows or underflows
// a double: those come back as an infinity or zero.
func ParseLongDouble(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	return strtod(string(b), false)
}

// IsZero reports whether b, a number ParseLongDouble took, is written as
// zero: no non-zero digit in its significand ("0", "-0.0", "0e5", "0x0").
func IsZero(b []byte) bool {
	s := strings.ToLower(strings.TrimLeft(string(b), "+-"))
	hex := strings.HasPrefix(s, "0x")
	return !hasNonZeroDigit(s, hex)
}

// ParseScoreBound reads one end of a score range ("(" first for an
// exclusive one) as Redis's zslParseRange does: strtod with no check but
// that it reads the whole argument and gives no NaN (so " 1", "" and
// "1e999" are taken).
func ParseScoreBound(b []byte) (s float64, ex bool, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		b, ex = b[1:], true
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i] // strtod reads a C string: it ends at a NUL
	}
	if len(b) == 0 {
		return 0, ex, true // strtod reads nothing and stops at the end
	}
	str := strings.TrimLeft(string(b), " \t\n\v\f\r")
	if str == "" {
		return 0, ex, false
	}
	s, ok = strtod(str, false)
	return s, ex, ok
}

// ParseLexBound reads one end of a lex range: "-", "+", "[member" or
// "(member".
func ParseLexBound(b []byte) (LexBound, bool) {
	if len(b) == 0 {
		return LexBound{}, false
	}
	switch b[0] {
	case '-':
		if len(b) == 1 {
			return LexBound{Inf: -1}, true
		}
	case '+':
		if len(b) == 1 {
			return LexBound{Inf: 1}, true
		}
	case '[':
		return LexBound{Value: string(b[1:])}, true
	case '(':
		return LexBound{Value: string(b[1:]), Ex: true}, true
	}
	return LexBound{}, false
}

func isCSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// strtod reads the whole of s (no leading space) as C's strtod would,
// refusing NaN, and with strict also an overflow to infinity or an
// underflow to zero (strtod's ERANGE).
func strtod(s string, strict bool) (float64, bool) {
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	lower := strings.ToLower(body)
	switch {
	case lower == "inf" || lower == "infinity":
		if s[0] == '-' {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case body == "" || strings.ContainsAny(body, "_nN") || !isDigitOrDot(body[0]):
		return 0, false
	}
	hex := strings.HasPrefix(lower, "0x")
	if hex && !strings.ContainsAny(lower, "p") {
		if len(lower) == 2 {
			return 0, false
		}
		s += "p0" // C takes a hexadecimal float without an exponent
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange && !strict {
			return f, true
		}
		return 0, false
	}
	if strict && f == 0 && hasNonZeroDigit(body, hex) {
		return 0, false // underflow
	}
	return f, true
}

func isDigitOrDot(c byte) bool { return c == '.' || (c >= '0' && c <= '9') }

// hasNonZeroDigit reports whether a number's mantissa has a digit other
// than 0.
func hasNonZeroDigit(body string, hex bool) bool {
	if hex {
		body = body[2:]
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case !hex && (c == 'e' || c == 'E'), hex && (c == 'p' || c == 'P'):
			return false
		case c >= '1' && c <= '9', hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')):
			return true
		}
	}
	return false
}
