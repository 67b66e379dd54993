package engine

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// A list is a quicklist, as Redis's: a sequence of nodes, each a chunk of
// packed elements (lnode) filled up to list-max-listpack-size, so that an
// element costs its bytes and two to ten bytes of framing rather than a Go
// string each. An element is framed as uvarint(len), its bytes, and the
// same varint bytes reversed, so that a node is walked from either end.
// A node keeps free room before its first element, so that pushing at the
// head of a list is as cheap as pushing at its tail.
//
// The value hash is a polynomial in the element hashes, mod 2^64:
// vh = Σ H(e_i)·B^i, B odd (invertible). Pushing and popping at either
// end update it in O(1); other edits recompute it. It depends on the
// elements and their order only, never on how they are chunked.

// listBase is B; listBaseInv is its inverse mod 2^64.
const listBase uint64 = 0x9e3779b97f4a7c15

var listBaseInv = func() uint64 {
	x := listBase // Newton's iteration: 5 steps double 3 good bits past 64
	for range 5 {
		x *= 2 - listBase*x
	}
	return x
}()

// elemHash is H(e).
func elemHash[S ~string | ~[]byte](e S) uint64 { return mix(hash64(kD, e)^kE, kF) | 1 }

// elemSize is the bytes element e takes framed in a node: what a list
// accounts for it.
func elemSize(n int) int { return n + 2*uvarintLen(uint64(n)) }

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// lnode is one chunk of a list: n elements framed in b[off:].
type lnode struct {
	b   []byte
	off int
	n   int
}

func (nd *lnode) size() int { return len(nd.b) - nd.off }

// first returns the element at the node's head and its framed size.
func (nd *lnode) first() ([]byte, int) { return frameAt(nd.b, nd.off) }

// frameAt returns the element framed at b[i:] and its framed size.
func frameAt(b []byte, i int) ([]byte, int) {
	ln, k := binary.Uvarint(b[i:])
	s := i + k
	return b[s : s+int(ln)], 2*k + int(ln)
}

// last returns the element at the node's tail and its framed size.
func (nd *lnode) last() ([]byte, int) { return frameBefore(nd.b, len(nd.b)) }

// frameBefore returns the element framed just before b[:end] and its
// framed size.
func frameBefore(b []byte, end int) ([]byte, int) {
	var ln uint64
	k := 0
	for shift := 0; ; shift += 7 {
		c := b[end-1-k]
		k++
		ln |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	e := end - k
	return b[e-int(ln) : e], 2*k + int(ln)
}

// appendFrame appends element e, framed, to dst.
func appendFrame(dst, e []byte) []byte {
	var v [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(v[:], uint64(len(e)))
	dst = append(dst, v[:k]...)
	dst = append(dst, e...)
	for i := k - 1; i >= 0; i-- {
		dst = append(dst, v[i])
	}
	return dst
}

// prepend frames e before the node's first element.
func (nd *lnode) prepend(e []byte) {
	need := elemSize(len(e))
	if nd.off < need {
		room := max(need, min(nd.size()+need, 1024))
		nb := make([]byte, room+nd.size(), room+nd.size()+64)
		copy(nb[room:], nd.b[nd.off:])
		nd.b, nd.off = nb, room
	}
	nd.off -= need
	appendFrame(nd.b[nd.off:nd.off], e)
	nd.n++
}

// each calls fn for the node's elements from index from on, in order,
// until fn returns false; it reports whether fn always returned true.
func (nd *lnode) each(fn func(e []byte) bool) bool {
	for i := nd.off; i < len(nd.b); {
		e, k := frameAt(nd.b, i)
		if !fn(e) {
			return false
		}
		i += k
	}
	return true
}

// listObj is one list.
type listObj struct {
	nodes []*lnode
	n     int
	vh    uint64 // Σ H(e_i)·B^i
	pw    uint64 // B^n
	mem   int64  // Σ elemSize
	lim   int64  // list-max-listpack-size when it was created
}

func newList(l CollLimits) coll { return newListObj(l.ListSize) }

func newListObj(lim int64) *listObj { return &listObj{pw: 1, lim: lim} }

func (l *listObj) typ() ValueType    { return TypeList }
func (l *listObj) length() int       { return l.n }
func (l *listObj) valueHash() uint64 { return l.vh }
func (l *listObj) memory() int64     { return l.mem }
func (l *listObj) encoding() string  { return "quicklist" }

func (l *listObj) clone() coll {
	c := *l
	c.nodes = make([]*lnode, len(l.nodes))
	for i, nd := range l.nodes {
		c.nodes[i] = &lnode{b: append([]byte(nil), nd.b[nd.off:]...), n: nd.n}
	}
	return &c
}

func (l *listObj) pack(dst []byte) []byte {
	l.each(0, l.n-1, func(e []byte) bool {
		dst = AppendPacked(dst, e)
		return true
	})
	return dst
}

func listFromPacked(p []byte, lim CollLimits) (coll, error) {
	l := newListObj(lim.ListSize)
	if err := EachPacked(p, func(el []byte) bool { l.pushBack(el); return true }); err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	return l, nil
}

// nodeBytesLimit is the largest node in bytes: for a negative
// list-max-listpack-size its size class, else Redis's 8 KiB safety limit.
func (l *listObj) nodeBytesLimit() int {
	if l.lim >= 0 {
		return 8 << 10
	}
	return 4 << 10 << min(-l.lim-1, 4)
}

// fullNodeCap is the capacity to give a new end node of a list that
// already fills one: the node byte limit, so that pushes fill it without
// growing it again and again (each growth a copy, the old array garbage).
// 0 under a count limit, whose node size is not known.
func (l *listObj) fullNodeCap() int {
	if l.lim > 0 {
		return 0
	}
	return l.nodeBytesLimit()
}

// seal trims a node that will take no more pushes to its elements' size
// when its spare room is more than an eighth of them: a list's full nodes
// then cost their elements, as Redis's listpacks do.
func (nd *lnode) seal() {
	if spare := nd.off + cap(nd.b) - len(nd.b); spare > nd.size()/8 {
		nd.b, nd.off = append([]byte(nil), nd.b[nd.off:]...), 0
	}
}

// fits reports whether node nd can take one more element framed in size
// bytes. An empty node takes any element.
func (l *listObj) fits(nd *lnode, size int) bool {
	if nd.n == 0 {
		return true
	}
	if l.lim > 0 && int64(nd.n) >= l.lim {
		return false
	}
	return nd.size()+size <= l.nodeBytesLimit()
}

// pushFront adds e at the head.
func (l *listObj) pushFront(e []byte) {
	size := elemSize(len(e))
	if len(l.nodes) == 0 || !l.fits(l.nodes[0], size) {
		nd := &lnode{}
		if len(l.nodes) > 0 {
			l.nodes[0].seal()
			if c := l.fullNodeCap(); c > 0 {
				nd.b, nd.off = make([]byte, c), c // filled from its end
			}
		}
		l.nodes = append(l.nodes, nil)
		copy(l.nodes[1:], l.nodes)
		l.nodes[0] = nd
	}
	l.nodes[0].prepend(e)
	l.n++
	l.vh = elemHash(e) + listBase*l.vh
	l.pw *= listBase
	l.mem += int64(size)
}

// pushBack adds e at the tail.
func (l *listObj) pushBack(e []byte) {
	size := elemSize(len(e))
	if len(l.nodes) == 0 || !l.fits(l.nodes[len(l.nodes)-1], size) {
		nd := &lnode{}
		if len(l.nodes) > 0 {
			l.nodes[len(l.nodes)-1].seal()
			nd.b = make([]byte, 0, l.fullNodeCap())
		}
		l.nodes = append(l.nodes, nd)
	}
	nd := l.nodes[len(l.nodes)-1]
	nd.b = appendFrame(nd.b, e)
	nd.n++
	l.vh += elemHash(e) * l.pw
	l.pw *= listBase
	l.n++
	l.mem += int64(size)
}

// popFront removes the head element and returns it (a copy). The list
// must not be empty.
func (l *listObj) popFront() []byte {
	nd := l.nodes[0]
	e, k := nd.first()
	out := append([]byte(nil), e...)
	nd.off += k
	if nd.n--; nd.n == 0 {
		l.nodes[0] = nil
		l.nodes = l.nodes[1:]
	}
	l.n--
	l.vh = (l.vh - elemHash(out)) * listBaseInv
	l.pw *= listBaseInv
	l.mem -= int64(k)
	return out
}

// popBack removes the tail element and returns it (a copy). The list must
// not be empty.
func (l *listObj) popBack() []byte {
	nd := l.nodes[len(l.nodes)-1]
	e, k := nd.last()
	out := append([]byte(nil), e...)
	nd.b = nd.b[:len(nd.b)-k]
	if nd.n--; nd.n == 0 {
		l.nodes[len(l.nodes)-1] = nil
		l.nodes = l.nodes[:len(l.nodes)-1]
	}
	l.n--
	l.pw *= listBaseInv
	l.vh -= elemHash(out) * l.pw
	l.mem -= int64(k)
	return out
}

// pop removes count elements (at most the length) from the head (left)
// or the tail, and returns them in the order popped.
func (l *listObj) pop(left bool, count int) [][]byte {
	count = min(count, l.n)
	out := make([][]byte, 0, count)
	for range count {
		if left {
			out = append(out, l.popFront())
		} else {
			out = append(out, l.popBack())
		}
	}
	return out
}

// locate returns the node holding element i (0 <= i < n), its index among
// the nodes and i's index inside it, walking from the nearer end.
func (l *listObj) locate(i int) (int, int) {
	if i < l.n/2 {
		for ni, nd := range l.nodes {
			if i < nd.n {
				return ni, i
			}
			i -= nd.n
		}
	} else {
		j := l.n - 1 - i // from the tail
		for ni := len(l.nodes) - 1; ni >= 0; ni-- {
			nd := l.nodes[ni]
			if j < nd.n {
				return ni, nd.n - 1 - j
			}
			j -= nd.n
		}
	}
	panic("engine: list index out of range")
}

// offsetOf returns where element j of node nd starts in nd.b, and the
// element.
func (nd *lnode) offsetOf(j int) (int, []byte, int) {
	if j < nd.n/2 {
		i := nd.off
		for {
			e, k := frameAt(nd.b, i)
			if j == 0 {
				return i, e, k
			}
			i += k
			j--
		}
	}
	end := len(nd.b)
	for j = nd.n - 1 - j; ; j-- {
		e, k := frameBefore(nd.b, end)
		if j == 0 {
			return end - k, e, k
		}
		end -= k
	}
}

// index returns element i (0 <= i < n), aliasing the list.
func (l *listObj) index(i int) []byte {
	ni, j := l.locate(i)
	_, e, _ := l.nodes[ni].offsetOf(j)
	return e
}

// each calls fn for elements start..stop (0 <= start, stop < n), in
// order, until fn returns false. The elements alias the list.
func (l *listObj) each(start, stop int, fn func(e []byte) bool) {
	if start > stop || l.n == 0 {
		return
	}
	ni, j := l.locate(start)
	left := stop - start + 1
	for ; ni < len(l.nodes) && left > 0; ni++ {
		nd := l.nodes[ni]
		i := nd.off
		if j > 0 {
			i, _, _ = nd.offsetOf(j)
			j = 0
		}
		for ; i < len(nd.b) && left > 0; left-- {
			e, k := frameAt(nd.b, i)
			if !fn(e) {
				return
			}
			i += k
		}
	}
}

// eachReverse calls fn for elements stop..start (0 <= start, stop < n),
// from stop down, until fn returns false.
func (l *listObj) eachReverse(start, stop int, fn func(e []byte) bool) {
	if start > stop || l.n == 0 {
		return
	}
	ni, j := l.locate(stop)
	left := stop - start + 1
	for ; ni >= 0 && left > 0; ni-- {
		nd := l.nodes[ni]
		end := len(nd.b)
		if j >= 0 && j < nd.n-1 {
			s, _, k := nd.offsetOf(j)
			end = s + k
		}
		j = -1
		for ; end > nd.off && left > 0; left-- {
			e, k := frameBefore(nd.b, end)
			if !fn(e) {
				return
			}
			end -= k
		}
	}
}

// set replaces element i (0 <= i < n) by e.
func (l *listObj) set(i int, e []byte) {
	ni, j := l.locate(i)
	nd := l.nodes[ni]
	s, old, k := nd.offsetOf(j)
	l.vh += (elemHash(e) - elemHash(old)) * powB(i)
	l.mem += int64(elemSize(len(e)) - k)
	nb := make([]byte, 0, nd.size()-k+elemSize(len(e)))
	nb = append(nb, nd.b[nd.off:s]...)
	nb = appendFrame(nb, e)
	nb = append(nb, nd.b[s+k:]...)
	nd.b, nd.off = nb, 0
}

// powB is B^i.
func powB(i int) uint64 {
	r, b := uint64(1), listBase
	for ; i > 0; i >>= 1 {
		if i&1 != 0 {
			r *= b
		}
		b *= b
	}
	return r
}

// insert puts e before element i (0 <= i <= n; n appends).
func (l *listObj) insert(i int, e []byte) {
	switch i {
	case 0:
		l.pushFront(e)
		return
	case l.n:
		l.pushBack(e)
		return
	}
	ni, j := l.locate(i)
	nd := l.nodes[ni]
	s, _, _ := nd.offsetOf(j)
	nb := make([]byte, 0, nd.size()+elemSize(len(e)))
	nb = append(nb, nd.b[nd.off:s]...)
	nb = appendFrame(nb, e)
	nb = append(nb, nd.b[s:]...)
	nd.b, nd.off = nb, 0
	nd.n++
	l.n++
	l.mem += int64(elemSize(len(e)))
	if nd.n > 1 && (nd.size() > l.nodeBytesLimit() || (l.lim > 0 && int64(nd.n) > l.lim)) {
		l.split(ni)
	}
	l.rehash()
}

// split cuts node ni in two halves.
func (l *listObj) split(ni int) {
	nd := l.nodes[ni]
	h := nd.n / 2
	s, _, _ := nd.offsetOf(h)
	right := &lnode{b: append([]byte(nil), nd.b[s:]...), n: nd.n - h}
	nd.b, nd.n = nd.b[:s], h
	l.nodes = append(l.nodes, nil)
	copy(l.nodes[ni+2:], l.nodes[ni+1:])
	l.nodes[ni+1] = right
}

// rehash recomputes the value hash and B^n from the elements.
func (l *listObj) rehash() {
	var vh uint64
	pw := uint64(1)
	l.each(0, l.n-1, func(e []byte) bool {
		vh += elemHash(e) * pw
		pw *= listBase
		return true
	})
	l.vh, l.pw = vh, pw
}

// removeMatching removes up to count elements equal to e (all of them
// when count is 0), from the tail when count < 0, and returns how many
// it removed. The list is rebuilt.
func (l *listObj) removeMatching(count int64, e []byte) int {
	limit := int(max(min(count, 1<<40), -1<<40))
	if limit < 0 {
		limit = -limit
	}
	drop := make([]bool, l.n)
	removed := 0
	mark := func(i int) func([]byte) bool {
		return func(x []byte) bool {
			if string(x) == string(e) {
				drop[i] = true
				removed++
			}
			return limit == 0 || removed < limit
		}
	}
	if count >= 0 {
		i := 0
		l.each(0, l.n-1, func(x []byte) bool { ok := mark(i)(x); i++; return ok })
	} else {
		i := l.n - 1
		l.eachReverse(0, l.n-1, func(x []byte) bool { ok := mark(i)(x); i--; return ok })
	}
	if removed == 0 {
		return 0
	}
	nl := newListObj(l.lim)
	i := 0
	l.each(0, l.n-1, func(x []byte) bool {
		if !drop[i] {
			nl.pushBack(x)
		}
		i++
		return true
	})
	*l = *nl
	return removed
}

// trim keeps elements start..stop (0 <= start <= stop < n), popping the
// others from both ends.
func (l *listObj) trim(start, stop int) {
	back := l.n - 1 - stop
	for range start {
		l.dropFront()
	}
	for range back {
		l.dropBack()
	}
}

// dropFront and dropBack are popFront and popBack without a copy of the
// element.
func (l *listObj) dropFront() {
	nd := l.nodes[0]
	e, k := nd.first()
	l.vh = (l.vh - elemHash(e)) * listBaseInv
	nd.off += k
	if nd.n--; nd.n == 0 {
		l.nodes[0] = nil
		l.nodes = l.nodes[1:]
	}
	l.n--
	l.pw *= listBaseInv
	l.mem -= int64(k)
}

func (l *listObj) dropBack() {
	nd := l.nodes[len(l.nodes)-1]
	e, k := nd.last()
	l.pw *= listBaseInv
	l.vh -= elemHash(e) * l.pw
	nd.b = nd.b[:len(nd.b)-k]
	if nd.n--; nd.n == 0 {
		l.nodes[len(l.nodes)-1] = nil
		l.nodes = l.nodes[:len(l.nodes)-1]
	}
	l.n--
	l.mem -= int64(k)
}

// listApplyOps are the list operations an EffectApply carries: LPUSH and
// RPUSH of elements (in push order), LPOP and RPOP of a count, LSET of an
// absolute index, LINSERT before an absolute index (the length appends),
// LREM of a count and an element, LTRIM to an absolute range, and LMOVE
// of one element from one end of a list to an end of the same list.
var listApplyOps = map[string]applyOp{
	"LPUSH": {typ: TypeList, min: 1, max: -1, apply: func(_ *Engine, c coll, args [][]byte) {
		for _, x := range args {
			c.(*listObj).pushFront(x)
		}
	}},
	"RPUSH": {typ: TypeList, min: 1, max: -1, apply: func(_ *Engine, c coll, args [][]byte) {
		for _, x := range args {
			c.(*listObj).pushBack(x)
		}
	}},
	"LPOP": {typ: TypeList, min: 1, max: 1, check: checkCounts, apply: func(_ *Engine, c coll, args [][]byte) {
		c.(*listObj).pop(true, int(mustCount(args[0])))
	}},
	"RPOP": {typ: TypeList, min: 1, max: 1, check: checkCounts, apply: func(_ *Engine, c coll, args [][]byte) {
		c.(*listObj).pop(false, int(mustCount(args[0])))
	}},
	"LSET": {typ: TypeList, min: 2, max: 2, check: checkCounts1, apply: func(_ *Engine, c coll, args [][]byte) {
		l := c.(*listObj)
		if i := mustCount(args[0]); i < int64(l.n) {
			l.set(int(i), args[1])
		}
	}},
	"LINSERT": {typ: TypeList, min: 2, max: 2, check: checkCounts1, apply: func(_ *Engine, c coll, args [][]byte) {
		l := c.(*listObj)
		if i := mustCount(args[0]); i <= int64(l.n) {
			l.insert(int(i), args[1])
		}
	}},
	"LREM": {typ: TypeList, min: 2, max: 2, check: func(args [][]byte) error {
		_, err := parseCount(args[0], true)
		return err
	}, apply: func(_ *Engine, c coll, args [][]byte) {
		n, _ := parseCount(args[0], true)
		c.(*listObj).removeMatching(n, args[1])
	}},
	"LTRIM": {typ: TypeList, min: 2, max: 2, check: checkCounts, apply: func(_ *Engine, c coll, args [][]byte) {
		l := c.(*listObj)
		start, stop := mustCount(args[0]), mustCount(args[1])
		if start <= stop && stop < int64(l.n) {
			l.trim(int(start), int(stop))
		}
	}},
	"LMOVE": {typ: TypeList, min: 2, max: 2, check: func(args [][]byte) error {
		for _, a := range args {
			if string(a) != "LEFT" && string(a) != "RIGHT" {
				return fmt.Errorf("%q is not LEFT or RIGHT", a)
			}
		}
		return nil
	}, apply: func(_ *Engine, c coll, args [][]byte) {
		l := c.(*listObj)
		if l.n > 0 {
			l.rotate(string(args[0]) == "LEFT", string(args[1]) == "LEFT")
		}
	}},
}

// rotate moves one element from an end of the list to an end (LMOVE of a
// list to itself). The list must not be empty.
func (l *listObj) rotate(fromLeft, toLeft bool) {
	var e []byte
	if fromLeft {
		e = l.popFront()
	} else {
		e = l.popBack()
	}
	if toLeft {
		l.pushFront(e)
	} else {
		l.pushBack(e)
	}
}

// parseCount parses a decimal count: non-negative unless signed.
func parseCount(b []byte, signed bool) (int64, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || (!signed && n < 0) {
		return 0, fmt.Errorf("%q is not a count", b)
	}
	return n, nil
}

func mustCount(b []byte) int64 {
	n, _ := parseCount(b, false)
	return n
}

// checkCounts accepts arguments that are all counts.
func checkCounts(args [][]byte) error {
	for _, a := range args {
		if _, err := parseCount(a, false); err != nil {
			return err
		}
	}
	return nil
}

// checkCounts1 accepts a count then anything.
func checkCounts1(args [][]byte) error { return checkCounts(args[:1]) }
