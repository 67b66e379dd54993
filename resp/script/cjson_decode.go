package script

import (
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// cjson.decode, as Lua CJSON (which Redis embeds) reads JSON with its
// default settings: string bytes kept as they are (valid UTF-8 or not,
// control characters too), numbers read by C's strtod (so 01, 1., 0x10,
// NaN and Infinity are numbers), at most 1000 nested arrays and objects,
// the text read as a C string (it ends at a NUL), and errors that name
// what was expected, what was found and where.

// jsonToken is one token of the input: its kind, where it starts
// (0-based) and its value; kind tokError carries why in text.
type jsonToken struct {
	kind  int
	index int
	text  string // a string's bytes, or an error's reason
	num   float64
	b     bool
}

const (
	tokObjBegin = iota
	tokObjEnd
	tokArrBegin
	tokArrEnd
	tokString
	tokNumber
	tokBoolean
	tokNull
	tokColon
	tokComma
	tokEnd
	tokError
)

// jsonTokenNames are the kinds as Lua CJSON names them in its errors.
var jsonTokenNames = [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_ERROR"}

// jsonParser reads one decode's input.
type jsonParser struct {
	L     *lua.LState
	st    *state
	data  string
	pos   int
	depth int
	cfg   jsonConfig
}

func (st *state) jsonDecode(L *lua.LState) int {
	if L.GetTop() != 1 {
		L.ArgError(1, "expected 1 argument")
	}
	data := checkString(L, 1)
	if len(data) >= 2 && (data[0] == 0 || data[1] == 0) {
		L.RaiseError("JSON parser does not support UTF-16 or UTF-32")
	}
	p := &jsonParser{L: L, st: st, data: cString(data), cfg: st.json.get()}
	L.Push(p.value(p.next()))
	if tok := p.next(); tok.kind != tokEnd {
		p.fail("the end", tok)
	}
	return 1
}

// fail raises Lua CJSON's parse error.
func (p *jsonParser) fail(expected string, tok jsonToken) {
	found := jsonTokenNames[tok.kind]
	if tok.kind == tokError {
		found = tok.text
	}
	p.L.RaiseError("Expected %s but found %s at character %d", expected, found, tok.index+1)
}

// value turns the token that starts a value into it, reading the rest of
// an array or object.
func (p *jsonParser) value(tok jsonToken) lua.LValue {
	switch tok.kind {
	case tokString:
		return lua.LString(tok.text)
	case tokNumber:
		return lua.LNumber(tok.num)
	case tokBoolean:
		return lua.LBool(tok.b)
	case tokNull:
		return p.st.null
	case tokArrBegin:
		return p.array()
	case tokObjBegin:
		return p.object()
	}
	p.fail("value", tok)
	return lua.LNil
}

func (p *jsonParser) descend() {
	p.depth++
	if p.depth > min(p.cfg.decodeMaxDepth, jsonDecodeDepthCap) {
		p.L.RaiseError("Found too many nested data structures (%d) at character %d", p.depth, p.pos)
	}
}

func (p *jsonParser) array() lua.LValue {
	p.descend()
	t := p.L.NewTable()
	tok := p.next()
	if tok.kind == tokArrEnd {
		p.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, p.value(tok))
		tok = p.next()
		if tok.kind == tokArrEnd {
			p.depth--
			return t
		}
		if tok.kind != tokComma {
			p.fail("comma or array end", tok)
		}
		tok = p.next()
	}
}

func (p *jsonParser) object() lua.LValue {
	p.descend()
	t := p.L.NewTable()
	tok := p.next()
	if tok.kind == tokObjEnd {
		p.depth--
		return t
	}
	for {
		if tok.kind != tokString {
			p.fail("object key string", tok)
		}
		key := tok.text
		if tok = p.next(); tok.kind != tokColon {
			p.fail("colon", tok)
		}
		t.RawSetString(key, p.value(p.next()))
		tok = p.next()
		if tok.kind == tokObjEnd {
			p.depth--
			return t
		}
		if tok.kind != tokComma {
			p.fail("comma or object end", tok)
		}
		tok = p.next()
	}
}

// next reads the next token, skipping blanks (space, tab, CR, LF).
func (p *jsonParser) next() jsonToken {
	for p.pos < len(p.data) && strings.IndexByte(" \t\r\n", p.data[p.pos]) >= 0 {
		p.pos++
	}
	tok := jsonToken{index: p.pos}
	if p.pos == len(p.data) {
		tok.kind = tokEnd
		return tok
	}
	rest := p.data[p.pos:]
	if i := strings.IndexByte("{}[]:,", rest[0]); i >= 0 {
		tok.kind = [...]int{tokObjBegin, tokObjEnd, tokArrBegin, tokArrEnd, tokColon, tokComma}[i]
		p.pos++
		return tok
	}
	switch c := rest[0]; {
	case c == '"':
		return p.stringToken()
	case c == '-' || c >= '0' && c <= '9':
		if !p.cfg.decodeInvalid && invalidJSONNumber(rest) {
			return p.errorToken("invalid number")
		}
		return p.numberToken(tok)
	case strings.HasPrefix(rest, "true"):
		tok.kind, tok.b = tokBoolean, true
		p.pos += 4
		return tok
	case strings.HasPrefix(rest, "false"):
		tok.kind = tokBoolean
		p.pos += 5
		return tok
	case strings.HasPrefix(rest, "null"):
		tok.kind = tokNull
		p.pos += 4
		return tok
	case p.cfg.decodeInvalid && strings.IndexByte("+iInN", c) >= 0 && invalidJSONNumber(rest):
		return p.numberToken(tok)
	}
	return p.errorToken("invalid token")
}

// invalidJSONNumber reports what Lua CJSON reads as a number although
// JSON does not: a leading +, hexadecimal, a leading zero, inf, nan.
func invalidJSONNumber(s string) bool {
	if s[0] == '+' {
		return true
	}
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	if s[0] == '0' {
		return len(s) > 1 && (s[1]|0x20 == 'x' || s[1] >= '0' && s[1] <= '9')
	}
	if s[0] <= '9' {
		return false
	}
	return len(s) >= 3 && (strings.EqualFold(s[:3], "inf") || strings.EqualFold(s[:3], "nan"))
}

func (p *jsonParser) errorToken(reason string) jsonToken {
	return jsonToken{kind: tokError, index: p.pos, text: reason}
}

func (p *jsonParser) numberToken(tok jsonToken) jsonToken {
	n := strtodPrefix(p.data[p.pos:])
	f, ok := strtod(p.data[p.pos : p.pos+n])
	if n == 0 || !ok {
		return p.errorToken("invalid number")
	}
	p.pos += n
	tok.kind, tok.num = tokNumber, f
	return tok
}

// stringToken reads a string from its opening quote; its bytes are kept
// as they are but for the escapes.
func (p *jsonParser) stringToken() jsonToken {
	start := p.pos
	p.pos++
	var b []byte
	for {
		if p.pos == len(p.data) {
			return p.errorToken("unexpected end of string")
		}
		c := p.data[p.pos]
		if c == '"' {
			p.pos++
			return jsonToken{kind: tokString, index: start, text: string(b)}
		}
		if c != '\\' {
			b = append(b, c)
			p.pos++
			continue
		}
		var e byte
		if p.pos+1 < len(p.data) {
			e = p.data[p.pos+1]
		}
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, n := unicodeEscape(p.data[p.pos:])
			if n == 0 {
				return p.errorToken("invalid unicode escape code")
			}
			b = utf8.AppendRune(b, r)
			p.pos += n
			continue
		default:
			return p.errorToken("invalid escape code")
		}
		p.pos += 2
	}
}

// unicodeEscape reads \uXXXX, or a surrogate pair \uD8XX\uDCXX, at the
// start of s and returns the code point and the escape's length (0: not
// valid: bad digits, a lone or reversed surrogate).
func unicodeEscape(s string) (rune, int) {
	hi, ok := hex4(s, 2)
	if !ok {
		return 0, 0
	}
	if hi&0xF800 != 0xD800 {
		return rune(hi), 6
	}
	if hi&0x400 != 0 || len(s) < 8 || s[6] != '\\' || s[7] != 'u' {
		return 0, 0
	}
	lo, ok := hex4(s, 8)
	if !ok || lo&0xFC00 != 0xDC00 {
		return 0, 0
	}
	return rune((hi&0x3FF)<<10|lo&0x3FF) + 0x10000, 12
}

// hex4 reads the four hexadecimal digits at s[at:].
func hex4(s string, at int) (int, bool) {
	if len(s) < at+4 {
		return 0, false
	}
	n, err := strconv.ParseUint(s[at:at+4], 16, 16)
	return int(n), err == nil
}

// strtodPrefix returns the length of the longest prefix of s that C's
// strtod reads: a sign, then inf or infinity, nan with an optional
// (chars), a hexadecimal number with an optional p exponent, or a decimal
// one with an optional e exponent (0 when none).
func strtodPrefix(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	rest := s[i:]
	hasFold := func(prefix string) bool {
		return len(rest) >= len(prefix) && strings.EqualFold(rest[:len(prefix)], prefix)
	}
	switch {
	case hasFold("infinity"):
		return i + 8
	case hasFold("inf"):
		return i + 3
	case hasFold("nan"):
		n := i + 3
		if j := strings.IndexByte(s[n:], ')'); n < len(s) && s[n] == '(' && j > 0 &&
			strings.IndexFunc(s[n+1:n+j], func(r rune) bool {
				return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
			}) < 0 {
			n += j + 1
		}
		return n
	}
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }
	isDec := func(c byte) bool { return c >= '0' && c <= '9' }
	digits, expChar := isDec, byte('e')
	if len(rest) >= 3 && rest[0] == '0' && rest[1]|0x20 == 'x' && (isHex(rest[2]) || rest[2] == '.' && len(rest) > 3 && isHex(rest[3])) {
		digits, expChar = isHex, 'p'
		i += 2
	}
	mantissa := 0
	for i < len(s) && digits(s[i]) {
		i++
		mantissa++
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && digits(s[j]) {
			j++
			mantissa++
		}
		if mantissa > 0 {
			i = j
		}
	}
	if mantissa == 0 {
		return 0
	}
	if i < len(s) && s[i]|0x20 == expChar {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDec(s[j]) {
			for j < len(s) && isDec(s[j]) {
				j++
			}
			i = j
		}
	}
	return i
}
