package script

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxRep bounds what string.rep may build: a script asking for more
// (("x"):rep(1e10)) gets Lua's memory error instead of taking the server
// down with it. It is proto-max-bulk-len's default, the largest string a
// client could have sent.
const maxRep = 512 << 20

// patchStringLib replaces the functions of the string library where
// gopher-lua's differ from Lua 5.1's, as Redis runs it: case mapping of
// bytes in the C locale (gopher-lua's maps Unicode and rewrites bytes
// that are not UTF-8), start positions past either end (gopher-lua's
// find could panic there), string.byte's clamping, gsub's count and the
// size of string.rep's result.
func patchStringLib(L *lua.LState, str *lua.LTable) {
	find := str.RawGetString("find").(*lua.LFunction)
	match := str.RawGetString("match").(*lua.LFunction)
	gsub := str.RawGetString("gsub").(*lua.LFunction)
	fns := map[string]lua.LGFunction{
		"lower": func(L *lua.LState) int {
			L.Push(lua.LString(mapASCII(L.CheckString(1), 'A', 'Z', 'a'-'A')))
			return 1
		},
		"upper": func(L *lua.LState) int {
			L.Push(lua.LString(mapASCII(L.CheckString(1), 'a', 'z', 'A'-'a')))
			return 1
		},
		"byte":   strByte,
		"format": strFormat,
		"find": func(L *lua.LState) int {
			s, p := L.CheckString(1), L.CheckString(2)
			init := startIndex(L, len(s))
			if L.ToBool(4) || !strings.ContainsAny(p, "^$*+?.([%-") {
				i := strings.Index(s[init:], p)
				if i < 0 {
					L.Push(lua.LNil)
					return 1
				}
				L.Push(lua.LNumber(init + i + 1))
				L.Push(lua.LNumber(init + i + len(p)))
				return 2
			}
			return callWithInit(L, find, init)
		},
		"match": func(L *lua.LState) int {
			s := L.CheckString(1)
			L.CheckString(2)
			return callWithInit(L, match, startIndex(L, len(s)))
		},
		"gsub": func(L *lua.LState) int {
			if n, ok := L.Get(3).(lua.LNumber); ok { // a number replaces as its text
				L.Replace(3, lua.LString(numberString(float64(n))))
			}
			if L.GetTop() >= 4 && L.Get(4) != lua.LNil && L.CheckInt(4) <= 0 {
				s := L.CheckString(1)
				L.CheckString(2)
				L.CheckTypes(3, lua.LTString, lua.LTTable, lua.LTFunction)
				L.Push(lua.LString(s))
				L.Push(lua.LNumber(0))
				return 2
			}
			return callAll(L, gsub)
		},
		"rep": func(L *lua.LState) int {
			// luaL_checkint: C's int, so 2^31 is negative (an empty result).
			s, n := checkString(L, 1), int(int32(toInteger(checkNumber(L, 2))))
			if n > 0 && len(s) > 0 && n > maxRep/len(s) {
				L.RaiseError("not enough memory")
			}
			L.Push(lua.LString(strings.Repeat(s, max(n, 0))))
			return 1
		},
	}
	for name, fn := range fns {
		str.RawSetString(name, L.NewFunction(fn))
	}
}

// mapASCII adds delta to every byte of s in lo..hi, as C's tolower and
// toupper do in the C locale; other bytes stay as they are.
func mapASCII(s string, lo, hi byte, delta int) string {
	b := []byte(s)
	for i, c := range b {
		if c >= lo && c <= hi {
			b[i] = byte(int(c) + delta)
		}
	}
	return string(b)
}

// posrelat is Lua 5.1's: a negative position counts from the end, and one
// before the start becomes 0.
func posrelat(pos, n int) int {
	if pos < 0 {
		pos += n + 1
	}
	return max(pos, 0)
}

// startIndex is the 0-based start of find and match (argument 3, default
// 1), kept within 0..n as Lua 5.1 keeps it.
func startIndex(L *lua.LState, n int) int {
	init := posrelat(L.OptInt(3, 1), n) - 1
	return min(max(init, 0), n)
}

// callWithInit calls gopher-lua's fn (find or match) with the start
// position replaced by init (0-based), returning what it returns, or nil
// where it returns nothing.
func callWithInit(L *lua.LState, fn *lua.LFunction, init int) int {
	top := L.GetTop()
	if top < 3 {
		L.SetTop(3)
	}
	L.Replace(3, lua.LNumber(init+1))
	return callAll(L, fn)
}

// callAll calls fn with the arguments on the stack and returns its
// results, at least one (nil).
func callAll(L *lua.LState, fn *lua.LFunction) int {
	n := L.GetTop()
	L.Insert(fn, 1)
	L.Call(n, lua.MultRet)
	if L.GetTop() == 0 {
		L.Push(lua.LNil)
	}
	return L.GetTop()
}

// strByte is Lua 5.1's string.byte: positions relative to the end, the
// start clamped to 1 and the end to the length.
func strByte(L *lua.LState) int {
	s := L.CheckString(1)
	posi := posrelat(L.OptInt(2, 1), len(s))
	pose := posrelat(L.OptInt(3, posi), len(s))
	posi = max(posi, 1)
	pose = min(pose, len(s))
	if posi > pose {
		return 0
	}
	if pose-posi+1 > math.MaxInt32 {
		L.RaiseError("string slice too long")
	}
	for i := posi; i <= pose; i++ {
		L.Push(lua.LNumber(s[i-1]))
	}
	return pose - posi + 1
}

// strFormat is Lua 5.1's string.format, which hands each item to C's
// sprintf: %d and %i take the number as a 64-bit integer, %o %u %x %X as
// an unsigned one (a negative number in two's complement), %c as a byte,
// %e %E %f %g %G as a double (precision 6 by default, inf and nan as C
// writes them), %s a string (or a number, as "%.14g") counted in bytes
// and cut at a NUL, %q quoted for Lua to read back; flags "-+ #0", a
// width and a precision of two digits at most.
func strFormat(L *lua.LState) int {
	format := checkString(L, 1)
	top := L.GetTop()
	arg := 1
	var out []byte
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			out = append(out, '%')
			continue
		}
		arg++
		if arg > top {
			L.ArgError(arg, "no value")
		}
		spec, next := scanFormat(L, format, i)
		i = next
		conv := byte(0)
		if i < len(format) {
			conv = format[i]
		}
		switch conv {
		case 'c':
			// Lua takes what sprintf wrote up to its first NUL.
			b := byte(toInteger(checkNumber(L, arg)))
			out = append(out, cString(string(spec.pad([]byte{b})))...)
		case 'd', 'i':
			v := toInteger(checkNumber(L, arg))
			mag := uint64(v)
			if v < 0 {
				mag = ^mag + 1
			}
			out = append(out, spec.integer(conv, v < 0, mag)...)
		case 'o', 'u', 'x', 'X':
			out = append(out, spec.integer(conv, false, toUnsigned(checkNumber(L, arg)))...)
		case 'e', 'E', 'f', 'g', 'G':
			out = append(out, spec.float(checkNumber(L, arg), conv)...)
		case 'q':
			out = appendQuoted(out, checkString(L, arg))
		case 's':
			s := checkString(L, arg)
			if spec.prec < 0 && len(s) >= 100 {
				out = append(out, s...) // as Lua: too long for its buffer, kept whole
				continue
			}
			s = cString(s)
			if spec.prec >= 0 && len(s) > spec.prec {
				s = s[:spec.prec]
			}
			out = append(out, spec.pad([]byte(s))...)
		default:
			L.RaiseError("invalid option '%%%c' to 'format'", conv)
		}
	}
	L.Push(lua.LString(out))
	return 1
}

// formatSpec is one item's flags, width and precision (-1: none).
type formatSpec struct {
	flags       string
	width, prec int
}

// scanFormat reads the flags, width and precision of the item that
// starts at format[i] (after the %), as Lua 5.1's scanformat does, and
// returns where the conversion letter is.
func scanFormat(L *lua.LState, format string, i int) (formatSpec, int) {
	spec := formatSpec{prec: -1}
	start := i
	for i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0 {
		i++
	}
	if i-start >= 6 {
		L.RaiseError("invalid format (repeated flags)")
	}
	spec.flags = format[start:i]
	digits := func() int {
		n, k := 0, 0
		for ; k < 2 && i < len(format) && format[i] >= '0' && format[i] <= '9'; k++ {
			n = n*10 + int(format[i]-'0')
			i++
		}
		return n
	}
	spec.width = digits()
	if i < len(format) && format[i] == '.' {
		i++
		spec.prec = digits()
	}
	if i < len(format) && format[i] >= '0' && format[i] <= '9' {
		L.RaiseError("invalid format (width or precision too long)")
	}
	return spec, i
}

// integer writes an integer item as C's printf does: mag, negative with
// neg, for conv d or i (signed: '+' and ' ' flags), o, u, x or X
// (unsigned: '#' gives octal a leading 0 and hexadecimal a 0x that the
// width counts); the precision is a minimum of digits (0 writes no digit
// for 0), and '0' pads with zeros only without one.
func (s formatSpec) integer(conv byte, neg bool, mag uint64) []byte {
	has := func(flag byte) bool { return strings.IndexByte(s.flags, flag) >= 0 }
	base := map[byte]int{'o': 8, 'x': 16, 'X': 16}[conv]
	if base == 0 {
		base = 10
	}
	digits := strconv.FormatUint(mag, base)
	if conv == 'X' {
		digits = strings.ToUpper(digits)
	}
	if s.prec == 0 && mag == 0 {
		digits = ""
	}
	if len(digits) < s.prec {
		digits = strings.Repeat("0", s.prec-len(digits)) + digits
	}
	prefix := ""
	switch conv {
	case 'd', 'i':
		switch {
		case neg:
			prefix = "-"
		case has('+'):
			prefix = "+"
		case has(' '):
			prefix = " "
		}
	case 'o':
		if has('#') && !strings.HasPrefix(digits, "0") {
			digits = "0" + digits
		}
	case 'x', 'X':
		if has('#') && mag != 0 {
			prefix = "0" + string(conv)
		}
	}
	out := prefix + digits
	if pad := s.width - len(out); pad > 0 {
		switch {
		case has('-'):
			out += strings.Repeat(" ", pad)
		case has('0') && s.prec < 0:
			out = prefix + strings.Repeat("0", pad) + digits
		default:
			out = strings.Repeat(" ", pad) + out
		}
	}
	return []byte(out)
}

// goVerb is the item as a Go fmt verb (for floats), whose flags, width
// and precision Go's fmt reads as C's printf does.
func (s formatSpec) goVerb(verb rune) string {
	v := "%" + s.flags
	if s.width > 0 {
		v += strconv.Itoa(s.width)
	}
	if s.prec >= 0 {
		v += "." + strconv.Itoa(s.prec)
	}
	return v + string(verb)
}

// pad fills b to the width with spaces, on the left unless '-' is set
// (bytes, as C counts).
func (s formatSpec) pad(b []byte) []byte {
	if len(b) >= s.width {
		return b
	}
	fill := strings.Repeat(" ", s.width-len(b))
	if strings.Contains(s.flags, "-") {
		return append(b, fill...)
	}
	return append([]byte(fill), b...)
}

// float writes f for conversion conv (e E f g G) as C's printf does.
func (s formatSpec) float(f float64, conv byte) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		text := "inf"
		if math.IsNaN(f) {
			text = "nan"
		}
		if conv == 'E' || conv == 'G' {
			text = strings.ToUpper(text)
		}
		switch {
		case math.Signbit(f):
			text = "-" + text
		case strings.Contains(s.flags, "+"):
			text = "+" + text
		case strings.Contains(s.flags, " "):
			text = " " + text
		}
		return s.pad([]byte(text))
	}
	if s.prec < 0 {
		s.prec = 6
	}
	if s.prec == 0 && (conv == 'g' || conv == 'G') {
		s.prec = 1 // C: a precision of 0 is taken as 1
	}
	return []byte(fmt.Sprintf(s.goVerb(rune(conv)), f))
}

// appendQuoted is Lua 5.1's %q: the string between double quotes, with
// backslashes before " \ and newline, \r written so and NUL as \000.
func appendQuoted(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			out = append(out, '\\', c)
		case '\r':
			out = append(out, `\r`...)
		case 0:
			out = append(out, `\000`...)
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}

// checkNumber is Lua 5.1's luaL_checknumber: a number, or a string that
// reads as one.
func checkNumber(L *lua.LState, n int) float64 {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if f, ok := strtod(string(v)); ok {
			return f
		}
	}
	typeError(L, n, "number")
	return 0
}

// typeError raises Lua 5.1's "bad argument" error for argument n, which
// should have been of type want ("no value" when it is missing).
func typeError(L *lua.LState, n int, want string) {
	got := L.Get(n).Type().String()
	if n > L.GetTop() {
		got = "no value"
	}
	L.ArgError(n, want+" expected, got "+got)
}

// checkString is Lua 5.1's luaL_checklstring: a string, or a number
// written as "%.14g".
func checkString(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return numberString(float64(v))
	}
	typeError(L, n, "string")
	return ""
}

// toUnsigned converts a Lua number to an unsigned 64-bit integer as C's
// cast does on this hardware: a negative number in two's complement.
func toUnsigned(f float64) uint64 {
	if math.IsNaN(f) {
		return 1 << 63
	}
	if f < 9223372036854775808.0 {
		return uint64(toInteger(f))
	}
	return uint64(toInteger(f-9223372036854775808.0)) ^ 1<<63
}
