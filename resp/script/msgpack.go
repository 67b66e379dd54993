package script

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The cmsgpack library (lua-cmsgpack, which Redis embeds): pack encodes
// its arguments as MessagePack one after the other, unpack decodes every
// object of a string. A number that is an integer is the smallest integer
// format that holds it, another number a float 32 when that loses
// nothing, else a float 64; a table whose keys are exactly 1..n is an
// array (an empty table too), another table a map; strings are str
// (fixstr, str 8, 16, 32); what else is there (functions, nesting past
// 16 levels) is nil.

const msgpackMaxNesting = 16

func (st *state) msgpackLib() *lua.LTable {
	L := st.L
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(msgpackPack))
	t.RawSetString("unpack", L.NewFunction(func(L *lua.LState) int { return msgpackUnpack(L, 0, 0) }))
	t.RawSetString("unpack_one", L.NewFunction(func(L *lua.LState) int {
		return msgpackUnpack(L, 1, L.OptInt(2, 0))
	}))
	t.RawSetString("unpack_limit", L.NewFunction(func(L *lua.LState) int {
		return msgpackUnpack(L, L.CheckInt(2), L.OptInt(3, 0))
	}))
	return t
}

func msgpackPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		L.ArgError(0, "MessagePack pack needs input.")
	}
	var buf []byte
	for i := 1; i <= n; i++ {
		buf = appendMsgpack(buf, L.Get(i), 0)
	}
	L.Push(lua.LString(buf))
	return 1
}

func appendMsgpack(b []byte, v lua.LValue, level int) []byte {
	switch v := v.(type) {
	case lua.LString:
		return appendMsgpackString(b, string(v))
	case lua.LBool:
		if v {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		f := float64(v)
		if f == math.Trunc(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 {
			return appendMsgpackInt(b, int64(f))
		}
		if f32 := float32(f); float64(f32) == f {
			return binary.BigEndian.AppendUint32(append(b, 0xca), math.Float32bits(f32))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(f))
	case *lua.LTable:
		if level >= msgpackMaxNesting {
			return append(b, 0xc0)
		}
		if n, ok := msgpackArrayLen(v); ok {
			b = appendMsgpackHeader(b, 0x90, 0xdc, 0xdd, n)
			for i := 1; i <= n; i++ {
				b = appendMsgpack(b, v.RawGetInt(i), level+1)
			}
			return b
		}
		n := 0
		v.ForEach(func(_, _ lua.LValue) { n++ })
		b = appendMsgpackHeader(b, 0x80, 0xde, 0xdf, n)
		v.ForEach(func(k, val lua.LValue) {
			b = appendMsgpack(b, k, level+1)
			b = appendMsgpack(b, val, level+1)
		})
		return b
	}
	return append(b, 0xc0)
}

// msgpackArrayLen reports whether t's keys are exactly 1..n.
func msgpackArrayLen(t *lua.LTable) (int, bool) {
	count, max, ok := 0, 0, true
	t.ForEach(func(k, _ lua.LValue) {
		n, isNum := k.(lua.LNumber)
		if !isNum || n < 1 || float64(n) != math.Trunc(float64(n)) {
			ok = false
			return
		}
		count++
		if int(n) > max {
			max = int(n)
		}
	})
	return count, ok && count == max
}

func appendMsgpackHeader(b []byte, fix, b16, b32 byte, n int) []byte {
	switch {
	case n <= 15:
		return append(b, fix|byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, b16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, b32), uint32(n))
}

func appendMsgpackString(b []byte, s string) []byte {
	switch n := len(s); {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= 0xff:
		b = append(b, 0xd9, byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

func appendMsgpackInt(b []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(b, byte(n))
		case n <= 0xff:
			return append(b, 0xcc, byte(n))
		case n <= 0xffff:
			return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
		case n <= 0xffffffff:
			return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(b, byte(n))
	case n >= -128:
		return append(b, 0xd0, byte(n))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(n))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

// msgpackUnpack decodes the objects of the string argument from offset
// on, at most limit of them (0: all). With a limit it first returns the
// offset where decoding stopped (-1 at the end), as unpack_one and
// unpack_limit do.
func msgpackUnpack(L *lua.LState, limit, offset int) int {
	s := L.CheckString(1)
	if offset < 0 || offset > len(s) {
		L.ArgError(2, "Start offset out of range.")
	}
	d := msgpackDecoder{L: L, b: []byte(s), pos: offset}
	var vals []lua.LValue
	for d.pos < len(d.b) && (limit == 0 || len(vals) < limit) {
		v, ok := d.decode()
		if !ok {
			L.RaiseError("Missing bytes in input.")
		}
		vals = append(vals, v)
	}
	if limit > 0 {
		next := d.pos
		if next >= len(d.b) {
			next = -1
		}
		L.Push(lua.LNumber(next))
	}
	for _, v := range vals {
		L.Push(v)
	}
	if limit > 0 {
		return len(vals) + 1
	}
	return len(vals)
}

type msgpackDecoder struct {
	L   *lua.LState
	b   []byte
	pos int
}

func (d *msgpackDecoder) take(n int) ([]byte, bool) {
	if n < 0 || len(d.b)-d.pos < n {
		return nil, false
	}
	p := d.b[d.pos : d.pos+n]
	d.pos += n
	return p, true
}

func (d *msgpackDecoder) uint(n int) (uint64, bool) {
	p, ok := d.take(n)
	if !ok {
		return 0, false
	}
	var v uint64
	for _, c := range p {
		v = v<<8 | uint64(c)
	}
	return v, true
}

func (d *msgpackDecoder) decode() (lua.LValue, bool) {
	p, ok := d.take(1)
	if !ok {
		return lua.LNil, false
	}
	c := p[0]
	switch {
	case c <= 0x7f:
		return lua.LNumber(c), true
	case c >= 0xe0:
		return lua.LNumber(int8(c)), true
	case c&0xe0 == 0xa0:
		return d.str(int(c & 0x1f))
	case c&0xf0 == 0x90:
		return d.array(int(c & 0x0f))
	case c&0xf0 == 0x80:
		return d.mapOf(int(c & 0x0f))
	}
	switch c {
	case 0xc0:
		return lua.LNil, true
	case 0xc2:
		return lua.LFalse, true
	case 0xc3:
		return lua.LTrue, true
	case 0xca:
		v, ok := d.uint(4)
		return lua.LNumber(math.Float32frombits(uint32(v))), ok
	case 0xcb:
		v, ok := d.uint(8)
		return lua.LNumber(math.Float64frombits(v)), ok
	case 0xcc, 0xcd, 0xce, 0xcf:
		v, ok := d.uint(1 << (c - 0xcc))
		return lua.LNumber(v), ok
	case 0xd0, 0xd1, 0xd2, 0xd3: // int 8, 16, 32, 64: sign-extended
		size := 1 << (c - 0xd0)
		v, ok := d.uint(size)
		shift := 64 - 8*size
		return lua.LNumber(int64(v<<shift) >> shift), ok
	case 0xc4, 0xd9, 0xc5, 0xda, 0xc6, 0xdb: // bin and str 8, 16, 32
		size := 1 << ((c - 0xc4) % 3)
		if c >= 0xd9 {
			size = 1 << (c - 0xd9)
		}
		if n, ok := d.uint(size); ok {
			return d.str(int(n))
		}
	case 0xdc, 0xdd: // array 16, 32
		if n, ok := d.uint(2 << (c - 0xdc)); ok {
			return d.array(int(n))
		}
	case 0xde, 0xdf: // map 16, 32
		if n, ok := d.uint(2 << (c - 0xde)); ok {
			return d.mapOf(int(n))
		}
	default:
		d.L.RaiseError("Bad data format in input.")
	}
	return lua.LNil, false
}

func (d *msgpackDecoder) str(n int) (lua.LValue, bool) {
	p, ok := d.take(n)
	return lua.LString(p), ok
}

func (d *msgpackDecoder) array(n int) (lua.LValue, bool) {
	if n > len(d.b)-d.pos {
		return lua.LNil, false
	}
	t := d.L.CreateTable(n, 0)
	for i := 1; i <= n; i++ {
		v, ok := d.decode()
		if !ok {
			return lua.LNil, false
		}
		t.RawSetInt(i, v)
	}
	return t, true
}

func (d *msgpackDecoder) mapOf(n int) (lua.LValue, bool) {
	if n > len(d.b)-d.pos {
		return lua.LNil, false
	}
	t := d.L.CreateTable(0, n)
	for i := 0; i < n; i++ {
		k, ok := d.decode()
		if !ok {
			return lua.LNil, false
		}
		v, ok := d.decode()
		if !ok {
			return lua.LNil, false
		}
		if k != lua.LNil {
			t.RawSet(k, v)
		}
	}
	return t, true
}
