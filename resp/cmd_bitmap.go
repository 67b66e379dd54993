package resp

import (
	"github.com/nadb-server/nadb-server/engine"
)

// registerBitmapCommands registers SETBIT, GETBIT, BITCOUNT, BITPOS,
// BITOP, BITFIELD and BITFIELD_RO, with Redis 7.0's arity, flags and keys.
func registerBitmapCommands(t commandTable) {
	one := keySpec{1, 1, 1}
	grow := flagWrite | flagDenyOOM
	add := func(name string, arity int, flags cmdFlags, keys keySpec, since, summary string, h handlerFunc) {
		t.add(command{name: name, arity: arity, flags: flags, keys: keys, group: "bitmap", since: since, summary: summary, handler: h})
	}
	add("setbit", 4, grow, one, "2.2.0", "Sets or clears the bit at offset in the string value stored at key", cmdSetBit)
	add("getbit", 3, flagReadOnly|flagFast, one, "2.2.0", "Returns the bit value at offset in the string value stored at key", cmdGetBit)
	add("bitcount", -2, flagReadOnly, one, "2.6.0", "Count set bits in a string", cmdBitCount)
	add("bitpos", -3, flagReadOnly, one, "2.8.7", "Find first bit set or clear in a string", cmdBitPos)
	add("bitop", -4, grow, keySpec{2, -1, 1}, "2.6.0", "Perform bitwise operations between strings", cmdBitOp)
	add("bitfield", -2, grow, one, "3.2.0", "Perform arbitrary bitfield integer operations on strings", cmdBitField)
	add("bitfield_ro", -2, flagReadOnly|flagFast, one, "6.0.0", "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", cmdBitFieldRO)
}

// bitOffset parses a bit offset as Redis's getBitOffsetFromArgument: a
// non-negative integer whose byte is below proto-max-bulk-len; with
// width > 0, "#n" means n*width.
func bitOffset(s *Server, arg []byte, width uint) (uint64, bool) {
	hash := width > 0 && len(arg) > 0 && arg[0] == '#'
	if hash {
		arg = arg[1:]
	}
	n, ok := parseInt(arg)
	if !ok {
		return 0, false
	}
	if hash {
		n *= int64(width) // wraps as in Redis
	}
	if n < 0 || n>>3 >= s.limits.maxBulk.Load() {
		return 0, false
	}
	return uint64(n), true
}

func cmdSetBit(s *Server, c *client, args [][]byte) {
	off, ok := bitOffset(s, args[2], 0)
	if !ok {
		c.conn.WriteError(errBitOffset)
		return
	}
	on, ok := parseInt(args[3])
	if !ok || on&^1 != 0 {
		c.conn.WriteError(errBitValue)
		return
	}
	old, err := c.eng.SetBit(c.DB(), string(args[1]), off, on == 1)
	if writeErr(c, err) {
		return
	}
	c.conn.WriteInt(old)
}

func cmdGetBit(s *Server, c *client, args [][]byte) {
	off, ok := bitOffset(s, args[2], 0)
	if !ok {
		c.conn.WriteError(errBitOffset)
		return
	}
	bit, err := c.eng.GetBit(c.DB(), string(args[1]), off)
	if writeErr(c, err) {
		return
	}
	c.conn.WriteInt(bit)
}

// bitRangeArgs parses BITCOUNT's and BITPOS's [start [end [BYTE|BIT]]]
// from args (start first): the error text, if any, in Redis's order of
// checks.
type bitRangeArgs struct {
	start, end int64
	endGiven   bool
	isBit      bool
	errText    string
}

func parseBitRange(args [][]byte) bitRangeArgs {
	var r bitRangeArgs
	var ok bool
	if r.start, ok = parseInt(args[0]); !ok {
		r.errText = errNotInteger
		return r
	}
	if len(args) == 3 {
		switch {
		case equalFold(args[2], "bit"):
			r.isBit = true
		case equalFold(args[2], "byte"):
		default:
			r.errText = errSyntax
			return r
		}
	}
	if len(args) >= 2 {
		if r.end, ok = parseInt(args[1]); !ok {
			r.errText = errNotInteger
			return r
		}
		r.endGiven = true
	}
	return r
}

// cmdBitCount answers BITCOUNT key [start end [BYTE|BIT]]. As in Redis
// 7.0, a missing key counts 0 before the arguments are looked at.
func cmdBitCount(s *Server, c *client, args [][]byte) {
	var n int64
	errText := ""
	_, err := c.eng.ReadString(c.DB(), string(args[1]), func(v []byte) {
		switch len(args) {
		case 2:
			n = engine.BitCount(v, 0, -1, false)
		case 4, 5:
			// Two negative ends in the wrong order count nothing before
			// the unit is looked at, as in Redis.
			start, ok1 := parseInt(args[2])
			end, ok2 := parseInt(args[3])
			if ok1 && ok2 && start < 0 && end < 0 && start > end {
				return
			}
			// BITCOUNT reads the end before the unit.
			r := parseBitRange(args[2:])
			if r.errText == errSyntax {
				if _, ok := parseInt(args[3]); !ok {
					r.errText = errNotInteger
				}
			}
			if errText = r.errText; errText == "" {
				n = engine.BitCount(v, r.start, r.end, r.isBit)
			}
		default:
			errText = errSyntax
		}
	})
	if writeErr(c, err) {
		return
	}
	if errText != "" {
		c.conn.WriteError(errText)
		return
	}
	c.conn.WriteInt64(n)
}

// cmdBitPos answers BITPOS key bit [start [end [BYTE|BIT]]].
func cmdBitPos(s *Server, c *client, args [][]byte) {
	bit, ok := parseInt(args[2])
	if !ok {
		c.conn.WriteError(errNotInteger)
		return
	}
	if bit != 0 && bit != 1 {
		c.conn.WriteError(errBitArg)
		return
	}
	var pos int64
	errText := ""
	found, err := c.eng.ReadString(c.DB(), string(args[1]), func(v []byte) {
		switch {
		case len(args) == 3:
			pos = engine.BitPos(v, int(bit), false, 0, 0, false, false)
		case len(args) <= 6:
			r := parseBitRange(args[3:])
			if errText = r.errText; errText == "" {
				pos = engine.BitPos(v, int(bit), true, r.start, r.end, r.endGiven, r.isBit)
			}
		default:
			errText = errSyntax
		}
	})
	if writeErr(c, err) {
		return
	}
	if !found {
		// A missing key is an endless run of zeros.
		c.conn.WriteInt64(-bit)
		return
	}
	if errText != "" {
		c.conn.WriteError(errText)
		return
	}
	c.conn.WriteInt64(pos)
}

// cmdBitOp answers BITOP AND|OR|XOR|NOT destkey key [key ...].
func cmdBitOp(s *Server, c *client, args [][]byte) {
	var op engine.BitOp
	switch {
	case equalFold(args[1], "and"):
		op = engine.BitAnd
	case equalFold(args[1], "or"):
		op = engine.BitOr
	case equalFold(args[1], "xor"):
		op = engine.BitXor
	case equalFold(args[1], "not"):
		op = engine.BitNot
	default:
		c.conn.WriteError(errSyntax)
		return
	}
	if op == engine.BitNot && len(args) != 4 {
		c.conn.WriteError(errBitOpNot)
		return
	}
	n, err := c.eng.BitOpStore(c.DB(), op, string(args[2]), keyStrings(args[3:]))
	if writeErr(c, err) {
		return
	}
	c.conn.WriteInt(n)
}

func cmdBitField(s *Server, c *client, args [][]byte)   { bitField(s, c, args, false) }
func cmdBitFieldRO(s *Server, c *client, args [][]byte) { bitField(s, c, args, true) }

// bitFieldType parses a BITFIELD type: i1..i64 or u1..u63.
func bitFieldType(arg []byte) (signed bool, width uint, ok bool) {
	if len(arg) == 0 || (arg[0] != 'i' && arg[0] != 'u') {
		return false, 0, false
	}
	signed = arg[0] == 'i'
	n, ok := parseInt(arg[1:])
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		return false, 0, false
	}
	return signed, uint(n), true
}

// bitField answers BITFIELD and BITFIELD_RO: every subcommand is parsed
// first, then run in order on the value at once.
func bitField(s *Server, c *client, args [][]byte, readOnly bool) {
	var ops []engine.BitFieldOp
	ow := engine.OverflowWrap
	write := false
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		var kind engine.BitFieldOpKind
		switch {
		case equalFold(args[j], "get") && rem >= 2:
			kind = engine.BitFieldGet
		case equalFold(args[j], "set") && rem >= 3:
			kind = engine.BitFieldSet
		case equalFold(args[j], "incrby") && rem >= 3:
			kind = engine.BitFieldIncrBy
		case equalFold(args[j], "overflow") && rem >= 1:
			j++
			switch {
			case equalFold(args[j], "wrap"):
				ow = engine.OverflowWrap
			case equalFold(args[j], "sat"):
				ow = engine.OverflowSat
			case equalFold(args[j], "fail"):
				ow = engine.OverflowFail
			default:
				c.conn.WriteError(errBitFieldOverflow)
				return
			}
			continue
		default:
			c.conn.WriteError(errSyntax)
			return
		}
		signed, width, ok := bitFieldType(args[j+1])
		if !ok {
			c.conn.WriteError(errBitFieldType)
			return
		}
		off, ok := bitOffset(s, args[j+2], width)
		if !ok {
			c.conn.WriteError(errBitOffset)
			return
		}
		op := engine.BitFieldOp{Kind: kind, Signed: signed, Bits: width, Offset: off, Overflow: ow}
		if kind != engine.BitFieldGet {
			write = true
			if op.Value, ok = parseInt(args[j+3]); !ok {
				c.conn.WriteError(errNotInteger)
				return
			}
			j += 3
		} else {
			j += 2
		}
		ops = append(ops, op)
	}
	if write && readOnly {
		c.conn.WriteError(errBitFieldRO)
		return
	}
	res, err := c.eng.BitField(c.DB(), string(args[1]), ops)
	if writeErr(c, err) {
		return
	}
	c.conn.WriteArray(len(res))
	for _, r := range res {
		if r.Null {
			c.conn.WriteNull()
		} else {
			c.conn.WriteInt64(r.Value)
		}
	}
}
