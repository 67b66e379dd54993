package script

import (
	"encoding/binary"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The struct library Redis embeds (Roberto Ierusalimschy's lua-struct):
// struct.pack(fmt, ...), struct.unpack(fmt, data [, pos]) and
// struct.size(fmt) convert between Lua values and binary records. A
// format is a sequence of options: < > (little, big endian; little by
// default, this machine's order), !n (largest alignment, a power of 2; !
// alone 8), x (a zero byte), b B h H l L T i[n] I[n] (signed and unsigned
// integers of 1, 2, 8, 8 and n bytes, at most 32; i and I default to 4),
// f d (float, double), s (a zero-terminated string), c[n] (n bytes; c0
// packs a whole string, and unpacks as many bytes as the number before
// it said), and spaces.

const (
	structMaxIntSize = 32
	structMaxAlign   = 8 // a double's alignment on this hardware
)

func structLib(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(structPack))
	t.RawSetString("unpack", L.NewFunction(structUnpack))
	t.RawSetString("size", L.NewFunction(structSize))
	return t
}

// structFormat walks a format: its options, endianness and alignment.
type structFormat struct {
	L     *lua.LState
	fmt   string
	i     int
	big   bool
	align int
}

func newStructFormat(L *lua.LState) *structFormat {
	return &structFormat{L: L, fmt: cString(checkString(L, 1)), align: 1}
}

// number reads the digits at the current position, or returns def.
func (f *structFormat) number(def int) int {
	if f.i >= len(f.fmt) || f.fmt[f.i] < '0' || f.fmt[f.i] > '9' {
		return def
	}
	a := 0
	for f.i < len(f.fmt) && f.fmt[f.i] >= '0' && f.fmt[f.i] <= '9' {
		d := int(f.fmt[f.i] - '0')
		if a > (math.MaxInt32-d)/10 {
			f.L.RaiseError("integral size overflow")
		}
		a = a*10 + d
		f.i++
	}
	return a
}

// size is the size of option opt, reading its digits (0 for options
// without one: s, controls).
func (f *structFormat) size(opt byte) int {
	switch opt {
	case 'b', 'B', 'x':
		return 1
	case 'h', 'H':
		return 2
	case 'l', 'L', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'c':
		return f.number(1)
	case 'i', 'I':
		n := f.number(4)
		if n > structMaxIntSize {
			f.L.RaiseError("integral size %d is larger than limit of %d", n, structMaxIntSize)
		}
		return n
	}
	return 0
}

// toAlign is the padding an item of size bytes needs at offset pos.
func (f *structFormat) toAlign(pos int, opt byte, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	size = min(size, f.align)
	return (size - (pos & (size - 1))) & (size - 1)
}

// control applies a control option (space, <, >, !n); anything else is
// refused.
func (f *structFormat) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		f.big = true
	case '<':
		f.big = false
	case '!':
		a := f.number(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			f.L.RaiseError("alignment %d is not a power of 2", a)
		}
		f.align = a
	default:
		f.L.ArgError(1, "invalid format option '"+string(opt)+"'")
	}
}

func (f *structFormat) more() bool { return f.i < len(f.fmt) }

func (f *structFormat) option() byte {
	opt := f.fmt[f.i]
	f.i++
	return opt
}

func isStructInt(opt byte) bool { return strings.IndexByte("bBhHlLTiI", opt) >= 0 }

func structPack(L *lua.LState) int {
	f := newStructFormat(L)
	// As Lua's: a nil past the arguments, so a missing one is a nil.
	L.Push(lua.LNil)
	arg := 2
	var out []byte
	for f.more() {
		opt := f.option()
		size := f.size(opt)
		out = append(out, make([]byte, f.toAlign(len(out), opt, size))...)
		switch {
		case isStructInt(opt):
			n := checkNumber(L, arg)
			arg++
			var v uint64
			if n < 0 {
				v = uint64(toInteger(n))
			} else {
				v = toUnsigned(n)
			}
			b := make([]byte, size)
			for k := 0; k < size && k < 8; k++ {
				b[k] = byte(v >> (8 * k))
			}
			if f.big {
				reverse(b)
			}
			out = append(out, b...)
		case opt == 'x':
			out = append(out, 0)
		case opt == 'f' || opt == 'd':
			out = append(out, f.floatBytes(checkNumber(L, arg), size)...)
			arg++
		case opt == 'c' || opt == 's':
			s := checkString(L, arg)
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				L.ArgError(arg, "string too short") // Lua's argument number, one past
			}
			out = append(out, s[:size]...)
			if opt == 's' {
				out = append(out, 0)
			}
		default:
			f.control(opt)
		}
	}
	L.Push(lua.LString(out))
	return 1
}

func structUnpack(L *lua.LState) int {
	f := newStructFormat(L)
	data := checkString(L, 2)
	pos := 1
	if L.GetTop() >= 3 && L.Get(3) != lua.LNil {
		pos = int(toInteger(checkNumber(L, 3)))
	}
	if pos == 0 { // a negative one wraps around, as C's size_t does: too far
		L.ArgError(3, "offset must be 1 or greater")
	}
	pos--
	n := 0
	fits := func(size int) {
		if size < 0 || size > len(data) || pos < 0 || pos > len(data)-size {
			L.ArgError(2, "data string too short")
		}
	}
	for f.more() {
		opt := f.option()
		size := f.size(opt)
		pos += f.toAlign(pos, opt, size)
		fits(size)
		switch {
		case isStructInt(opt):
			b := []byte(data[pos : pos+size])
			if !f.big {
				reverse(b)
			}
			var v uint64
			for _, c := range b {
				v = v<<8 | uint64(c)
			}
			if opt >= 'a' { // signed: extend the sign (C's shift is taken mod 64)
				if mask := ^uint64(0) << ((size*8 - 1) & 63); v&mask != 0 {
					v |= mask
				}
				L.Push(lua.LNumber(float64(int64(v))))
			} else {
				L.Push(lua.LNumber(float64(v)))
			}
			n++
		case opt == 'x':
		case opt == 'f' || opt == 'd':
			L.Push(lua.LNumber(f.readFloat(data[pos : pos+size])))
			n++
		case opt == 'c':
			if size == 0 {
				prev, ok := L.Get(-1).(lua.LNumber)
				if n == 0 || !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				size = int(toInteger(float64(prev)))
				L.Pop(1)
				n--
				fits(size)
			}
			L.Push(lua.LString(data[pos : pos+size]))
			n++
		case opt == 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				L.RaiseError("unfinished string in data")
			}
			size = e + 1
			L.Push(lua.LString(data[pos : pos+e]))
			n++
		default:
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos + 1))
	return n + 1
}

func structSize(L *lua.LState) int {
	f := newStructFormat(L)
	pos := 0
	for f.more() {
		opt := f.option()
		size := f.size(opt)
		pos += f.toAlign(pos, opt, size)
		switch {
		case opt == 's':
			L.ArgError(1, "option 's' has no fixed size")
		case opt == 'c' && size == 0:
			L.ArgError(1, "option 'c0' has no fixed size")
		}
		if !(opt >= 'a' && opt <= 'z' || opt >= 'A' && opt <= 'Z' || opt >= '0' && opt <= '9') {
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}

// floatBytes is v as a float (size 4) or a double (size 8) in the
// format's byte order.
func (f *structFormat) floatBytes(v float64, size int) []byte {
	var b []byte
	if size == 4 {
		b = binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(v)))
	} else {
		b = binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))
	}
	if f.big {
		reverse(b)
	}
	return b
}

// readFloat reads a float (4 bytes) or a double (8) in the format's byte
// order.
func (f *structFormat) readFloat(data string) float64 {
	b := []byte(data)
	if f.big {
		reverse(b)
	}
	if len(b) == 4 {
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}
