package script

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// rand48 is the generator behind a script's math.random: POSIX's
// lrand48, a 48-bit linear congruential generator, which Redis's Lua
// uses so that math.randomseed(n) gives every script the same sequence
// on any server (Go's global source ignores seeding).
type rand48 struct{ x uint64 }

const (
	rand48A    = 0x5DEECE66D
	rand48C    = 0xB
	rand48Mask = 1<<48 - 1
	// rand48Max is the bound a draw is reduced by before it becomes a
	// fraction, as Redis's math.random reduces it.
	rand48Max = math.MaxInt32
)

// newRand48 returns the generator as a process starts it: srand48's
// state for no call yet (0x1234ABCD330E).
func newRand48() *rand48 { return &rand48{x: 0x1234ABCD330E} }

// seed is srand48: the seed's 32 bits above 0x330E.
func (r *rand48) seed(s int32) { r.x = uint64(uint32(s))<<16 | 0x330E }

// next is lrand48: the state's top 31 bits after one step.
func (r *rand48) next() int64 {
	r.x = (rand48A*r.x + rand48C) & rand48Mask
	return int64(r.x >> 17)
}

// float is a draw in [0, 1).
func (r *rand48) float() float64 {
	return float64(r.next()%rand48Max) / float64(rand48Max)
}

// checkInt is Lua 5.1's luaL_checkint: a number truncated to a C int
// (through a 64-bit integer, whose low 32 bits are kept).
func checkInt(L *lua.LState, n int) int32 {
	f := checkNumber(L, n)
	if math.IsNaN(f) || f >= 1<<63 || f < -(1<<63) {
		return 0 // x86's conversion of such a number: 1<<63, low bits 0
	}
	return int32(int64(f))
}

// patchMathLib replaces math.random and math.randomseed with Lua 5.1's,
// drawing from r.
func patchMathLib(L *lua.LState, m *lua.LTable, r *rand48) {
	m.RawSetString("random", L.NewFunction(func(L *lua.LState) int {
		f := r.float()
		switch L.GetTop() {
		case 0:
			L.Push(lua.LNumber(f))
		case 1:
			u := checkInt(L, 1)
			if u < 1 {
				L.ArgError(1, "interval is empty")
			}
			L.Push(lua.LNumber(math.Floor(f*float64(u)) + 1))
		case 2:
			lo, hi := checkInt(L, 1), checkInt(L, 2)
			if lo > hi {
				L.ArgError(2, "interval is empty")
			}
			L.Push(lua.LNumber(math.Floor(f*(float64(hi)-float64(lo)+1)) + float64(lo)))
		default:
			L.RaiseError("wrong number of arguments")
		}
		return 1
	}))
	m.RawSetString("randomseed", L.NewFunction(func(L *lua.LState) int {
		r.seed(checkInt(L, 1))
		return 0
	}))
}
