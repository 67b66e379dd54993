package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/nadb-server/nadb-server/engine/slab"
)

// A sorted set keeps its members ordered by score, then by member bytes,
// in chunks: sorted runs of at most zchunkMax members, each its members'
// bytes in one buffer and a slice of (place, score) slots, pointer-free
// (zchunk.go), with a Fenwick tree of the chunks' lengths. A member costs
// its bytes and a 16-byte slot, and finding a place, a rank or the member
// at a rank takes O(log n) steps plus a copy within one chunk; a chunk
// that grows past zchunkMax splits in two (or, past the last member, a
// new one follows it, the tree extended in O(log n)) and an emptied one
// goes, which rebuilds the Fenwick tree (O(n/zchunkMax), once per many
// changes). It is, in effect, a two-level B-tree with counts.
//
// As in Redis, a small sorted set (at most zset-max-listpack-entries
// members, none longer than zset-max-listpack-value bytes) is a
// "listpack": its pairs and nothing else, members found by a linear scan.
// Past either limit it becomes a "skiplist" for good: the same chunks plus
// an index from member to score, a slab.Table of its own (pointer-free:
// a member costs its bytes, 8 bytes of score and a record header), whose
// SCAN cursor serves ZSCAN. A listpack stores -0 as 0, as Redis's does.

// zent is one member of a sorted set and its score.
type zent struct {
	m string
	s float64
}

// zless orders members: by score, then by member bytes.
func zless(a, b zent) bool { return a.s < b.s || (a.s == b.s && a.m < b.m) }

// zcompare is zless as a comparison, for slices.SortFunc.
func zcompare(a, b zent) int {
	switch {
	case zless(a, b):
		return -1
	case zless(b, a):
		return 1
	}
	return 0
}

// zchunkMax is the most members a chunk holds before it splits, and
// zchunkGrow the pairs a full chunk's slice grows by.
const (
	zchunkMax  = 128
	zchunkGrow = 16
)

// zmemberOverhead is the bytes accounted per member beyond its bytes
// (which are counted twice: the pair's string and the index's key): the
// pair, the index record and slot, and the chunks' spare room, as a
// skiplist of a million members measures. A listpack costs less, but a
// value must account the same whatever its form (a replica or a restart
// may rebuild it in the other), and large sets are skiplists.
const zmemberOverhead = 80

// zsetObj is one sorted set.
type zsetObj struct {
	chunks []zchunk    // sorted runs, none empty, in order (zchunk.go)
	fen    []int       // Fenwick tree over the chunks' lengths (1-based)
	n      int         // members
	idx    *slab.Table // member -> score (8 bytes); nil for a listpack
	vh     uint64      // the sum of zentHash over the members
	mem    int64       // the accounted bytes of the members
}

func newZSet(CollLimits) coll { return &zsetObj{} }

// zentHash is one member's share of the value hash. -0 hashes as 0: a
// listpack stores it so, and a value must hash equal whatever its form.
func zentHash[S ~string | ~[]byte](m S, s float64) uint64 {
	if s == 0 {
		s = 0
	}
	return mix(hash64(kB, m)^kD, math.Float64bits(s)^kE)
}

func zentMem(m string) int64 { return 2*int64(len(m)) + zmemberOverhead }

func (z *zsetObj) typ() ValueType    { return TypeZSet }
func (z *zsetObj) length() int       { return z.n }
func (z *zsetObj) valueHash() uint64 { return z.vh }
func (z *zsetObj) memory() int64     { return z.mem }

func (z *zsetObj) encoding() string {
	if z.idx == nil {
		return "listpack"
	}
	return "skiplist"
}

func (z *zsetObj) clone() coll {
	c := &zsetObj{n: z.n, vh: z.vh, mem: z.mem, fen: slices.Clone(z.fen)}
	c.chunks = make([]zchunk, len(z.chunks))
	for i := range z.chunks {
		c.chunks[i] = z.chunks[i].clone()
	}
	if z.idx != nil {
		c.buildIndex()
	}
	return c
}

// pack appends the members and their scores (strconv's shortest form,
// which reads back exactly), in order.
func (z *zsetObj) pack(dst []byte) []byte {
	var num []byte
	z.each(0, z.n, false, func(e zent) bool {
		dst, num = appendZEnt(dst, num, e)
		return true
	})
	return dst
}

// appendZEnt appends e's member and score packed, as pack writes them
// (num is scratch space for the score, returned for reuse).
func appendZEnt(dst, num []byte, e zent) ([]byte, []byte) {
	num = strconv.AppendFloat(num[:0], e.s, 'g', -1, 64)
	return AppendPacked(AppendPacked(dst, e.m), num), num
}

// zsetFor returns an empty sorted set in the encoding Redis gives a value
// of these members that it loads or stores whole: a skiplist from the
// start when they are too many or one is too long for a listpack, so that
// every -0 score stays -0 (inserted one by one into a listpack that
// converts later, the first members' -0 became 0), else a listpack.
func zsetFor(ents []zent, lim CollLimits) *zsetObj {
	z := &zsetObj{}
	big := int64(len(ents)) > lim.ZSetEntries
	for i := 0; i < len(ents) && !big; i++ {
		big = int64(len(ents[i].m)) > lim.ZSetValue
	}
	if big {
		z.convert()
	}
	return z
}

// parseStoredScore reads a score as pack and the ZADD operation write it.
func parseStoredScore(b []byte) (float64, error) {
	s, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(s) {
		return 0, fmt.Errorf("bad score %q", b)
	}
	return s, nil
}

// zsetFromPacked builds a sorted set of packed member, score pairs,
// refusing an odd count, a score that is not a number and a member given
// twice.
func zsetFromPacked(p []byte, lim CollLimits) (coll, error) {
	var m []byte
	var ents []zent
	odd := false
	var bad error
	err := EachPacked(p, func(w []byte) bool {
		if !odd {
			m, odd = w, true
			return true
		}
		odd = false
		s, err := parseStoredScore(w)
		if err != nil {
			bad = err
			return false
		}
		ents = append(ents, zent{bstr(m), s}) // aliases p
		return true
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("zset: %w", err)
	case bad != nil:
		return nil, fmt.Errorf("zset: %w", bad)
	case odd:
		return nil, fmt.Errorf("zset: %w: a member without a score", ErrBadPacked)
	}
	// Inserted in order, whatever the order of p: one by one in p's
	// order, members from the highest score down (as an RDB payload lists
	// a skiplist's) each went before the first, and every chunk added
	// there rebuilt the Fenwick tree. A replica builds the same value
	// from the same bytes the same way.
	slices.SortFunc(ents, zcompare)
	z := zsetFor(ents, lim)
	for _, e := range ents {
		if _, dup := z.score(e.m); dup {
			return nil, fmt.Errorf("zset: member %q twice", e.m)
		}
		z.insert(e.m, e.s, lim)
	}
	return z, nil
}

// score returns member m's score.
func (z *zsetObj) score(m string) (float64, bool) {
	if z.idx != nil {
		r, ok := z.idx.Get(m)
		if !ok {
			return 0, false
		}
		return scoreOf(r.Value), true
	}
	for ci := range z.chunks {
		ch := &z.chunks[ci]
		for i := range ch.ents {
			if e := ch.at(i); e.m == m {
				return e.s, true
			}
		}
	}
	return 0, false
}

// scoreOf reads a score as the index keeps it.
func scoreOf(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }

// set gives member m score s, adding it if new (and converting the set
// as lim says), and reports whether it was new.
func (z *zsetObj) set(m string, s float64, lim CollLimits) bool {
	old, had := z.score(m)
	if had {
		if z.idx == nil && s == 0 {
			s = 0
		}
		if math.Float64bits(old) == math.Float64bits(s) {
			return false
		}
		z.remove(m, old)
	}
	z.insert(m, s, lim)
	return !had
}

// insert adds member m, which is not there, with score s.
func (z *zsetObj) insert(m string, s float64, lim CollLimits) {
	if z.idx == nil && (int64(z.n+1) > lim.ZSetEntries || int64(len(m)) > lim.ZSetValue) {
		z.convert()
	}
	if z.idx == nil && s == 0 {
		s = 0 // -0 becomes 0 in a listpack
	}
	e := zent{m, s}
	z.n++
	z.vh += zentHash(m, s)
	z.mem += zentMem(m)
	if z.idx != nil {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(s))
		z.idx.Set(m, b[:], 0, 0, 0, 0)
	}
	if len(z.chunks) == 0 {
		z.chunks = []zchunk{newZChunk(e)}
		z.rebuildFen()
		return
	}
	ci, pos := z.locate(e)
	ch := &z.chunks[ci]
	if ch.len() < zchunkMax {
		ch.insert(pos, e)
		z.fenAdd(ci, 1)
		return
	}
	if ci == len(z.chunks)-1 && pos == zchunkMax {
		// Past the last member (as when a set is built in order, from a
		// packed value or a sorted result): the full chunk stays full
		// and a new one is added after it, with no rebuild of the
		// Fenwick tree. Splitting in halves rebuilt it on every split,
		// the square of the length in all (seconds for a million).
		z.chunks = append(z.chunks, newZChunk(e))
		z.fenAppend()
		return
	}
	ch.insert(pos, e)
	right := ch.split(ch.len() / 2)
	z.chunks = slices.Insert(z.chunks, ci+1, right)
	z.rebuildFen()
}

// fenAppend extends the Fenwick tree to a chunk added after the last: its
// node covers the chunks from i-lowbit(i)+1 to i (1-based).
func (z *zsetObj) fenAppend() {
	i := len(z.chunks)
	z.fen = append(z.fen, z.chunks[i-1].len()+z.before(i-1)-z.before(i-i&-i))
}

// remove removes member m, which is there with score s.
func (z *zsetObj) remove(m string, s float64) {
	e := zent{m, s}
	ci, pos := z.locate(e)
	z.n--
	z.vh -= zentHash(m, s)
	z.mem -= zentMem(m)
	if z.idx != nil {
		z.idx.Delete(m)
	}
	ch := &z.chunks[ci]
	ch.remove(pos)
	if ch.len() > 0 {
		z.fenAdd(ci, -1)
		return
	}
	z.chunks = slices.Delete(z.chunks, ci, ci+1)
	z.rebuildFen()
}

// del removes member m and reports whether it was there.
func (z *zsetObj) del(m string) bool {
	s, ok := z.score(m)
	if ok {
		z.remove(m, s)
	}
	return ok
}

// locate returns the chunk and the position in it where e is or would go.
func (z *zsetObj) locate(e zent) (ci, pos int) {
	ci = min(sort.Search(len(z.chunks), func(i int) bool { return !zless(z.chunks[i].last(), e) }), len(z.chunks)-1)
	return ci, z.chunks[ci].search(e)
}

// convert makes a listpack a skiplist: the index is built.
func (z *zsetObj) convert() {
	if z.idx == nil {
		z.buildIndex()
	}
}

func (z *zsetObj) buildIndex() {
	z.idx = slab.NewGrowing()
	var b [8]byte
	for ci := range z.chunks {
		ch := &z.chunks[ci]
		for i := range ch.ents {
			e := ch.at(i)
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(e.s))
			z.idx.Set(e.m, b[:], 0, 0, 0, 0)
		}
	}
}

func (z *zsetObj) rebuildFen() {
	z.fen = make([]int, len(z.chunks)+1)
	for i := range z.chunks {
		z.fen[i+1] += z.chunks[i].len()
		if j := (i + 1) + (i+1)&-(i+1); j < len(z.fen) {
			z.fen[j] += z.fen[i+1]
		}
	}
}

func (z *zsetObj) fenAdd(ci, d int) {
	for i := ci + 1; i < len(z.fen); i += i & -i {
		z.fen[i] += d
	}
}

// before returns the number of members in the chunks before ci.
func (z *zsetObj) before(ci int) int {
	n := 0
	for i := ci; i > 0; i -= i & -i {
		n += z.fen[i]
	}
	return n
}

// seek returns the chunk and position of the member at rank r (0-based,
// r < n).
func (z *zsetObj) seek(r int) (ci, pos int) {
	i, step := 0, 1
	for step*2 < len(z.fen) {
		step *= 2
	}
	for ; step > 0; step /= 2 {
		if i+step < len(z.fen) && z.fen[i+step] <= r {
			i += step
			r -= z.fen[i]
		}
	}
	return i, r
}

// rank returns member m's rank (0-based, lowest score first).
func (z *zsetObj) rank(m string) (int, bool) {
	s, ok := z.score(m)
	if !ok {
		return 0, false
	}
	ci, pos := z.locate(zent{m, s})
	return z.before(ci) + pos, true
}

// at returns the member at rank r.
func (z *zsetObj) at(r int) zent {
	ci, pos := z.seek(r)
	return z.chunks[ci].at(pos)
}

// count returns how many members f is false for, f being false then true
// along the order (a lower bound).
func (z *zsetObj) count(f func(zent) bool) int {
	ci := sort.Search(len(z.chunks), func(i int) bool { return f(z.chunks[i].last()) })
	if ci == len(z.chunks) {
		return z.n
	}
	ch := &z.chunks[ci]
	return z.before(ci) + sort.Search(ch.len(), func(i int) bool { return f(ch.at(i)) })
}

// each calls fn for the members of ranks lo to hi-1, in order (reverse:
// from hi-1 down to lo), until fn returns false.
func (z *zsetObj) each(lo, hi int, reverse bool, fn func(zent) bool) {
	if lo >= hi {
		return
	}
	if !reverse {
		ci, pos := z.seek(lo)
		for n := hi - lo; n > 0; ci, pos = ci+1, 0 {
			ch := &z.chunks[ci]
			for i := pos; i < min(ch.len(), pos+n); i++ {
				if !fn(ch.at(i)) {
					return
				}
			}
			n -= min(ch.len(), pos+n) - pos
		}
		return
	}
	ci, pos := z.seek(hi - 1)
	for n := hi - lo; n > 0; {
		ch := &z.chunks[ci]
		for ; pos >= 0 && n > 0; pos-- {
			if !fn(ch.at(pos)) {
				return
			}
			n--
		}
		if ci--; ci >= 0 {
			pos = z.chunks[ci].len() - 1
		}
	}
}

// slice returns copies of the members of ranks lo to hi-1 (reverse:
// from hi-1 down).
func (z *zsetObj) slice(lo, hi int, reverse bool) []zent {
	if lo >= hi {
		return nil
	}
	out := make([]zent, 0, hi-lo)
	z.each(lo, hi, reverse, func(e zent) bool {
		out = append(out, e)
		return true
	})
	return out
}

// zsetApplyOps are the sorted set operations an EffectApply carries: ZADD
// of members with their absolute scores (score, member pairs, as ZADD
// takes them; scores in strconv's shortest form) and ZREM of members.
var zsetApplyOps = map[string]applyOp{
	"ZADD": {typ: TypeZSet, min: 2, max: -1, check: func(args [][]byte) error {
		if len(args)%2 != 0 {
			return fmt.Errorf("a score without a member")
		}
		for i := 0; i < len(args); i += 2 {
			if _, err := parseStoredScore(args[i]); err != nil {
				return err
			}
		}
		return nil
	}, apply: func(e *Engine, c coll, args [][]byte) {
		z := c.(*zsetObj)
		for i := 0; i < len(args); i += 2 {
			s, _ := parseStoredScore(args[i])
			z.set(string(args[i+1]), s, e.climits)
		}
	}},
	"ZREM": {typ: TypeZSet, min: 1, max: -1, apply: func(_ *Engine, c coll, args [][]byte) {
		z := c.(*zsetObj)
		for _, m := range args {
			z.del(string(m))
		}
	}},
}
