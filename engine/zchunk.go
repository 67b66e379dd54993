package engine

import (
	"slices"
	"sort"
	"unsafe"
)

// zchunk is one sorted run of a sorted set's members. Their bytes lie in
// buf, one buffer of the chunk's own, and ents lists them in order: where
// each lies in buf, and its score. Neither holds a pointer, so the
// collector marks a chunk's two buffers and reads nothing in them: a
// member is no object of its own (with a Go string per member, a few
// large sorted sets gave every collection cycle millions of objects to
// mark, and the collector took half of the CPU of any command that
// allocated, bench/RESULTS.md).
//
// A member's bytes are never written over once they are in buf, since
// the strings at hands out alias them: a new member's bytes go after the
// others, into buf's spare room, or with the members still there into a
// new buffer when there is none; a removed member's stay until then. The
// old buffer lives on as long as a string handed out refers to it. A
// chunk whose members take less than a quarter of its buffer moves them
// to a new one, so that removals free memory too.
type zchunk struct {
	buf  []byte
	ents []zslot
	live int // the bytes of buf its members take
}

// zslot is one member of a chunk: its bytes, buf[off:off+n], and score.
type zslot struct {
	off, n uint32
	s      float64
}

func (c *zchunk) len() int { return len(c.ents) }

// at returns the member at position i, its string aliasing buf.
func (c *zchunk) at(i int) zent {
	x := c.ents[i]
	if x.n == 0 {
		return zent{"", x.s}
	}
	return zent{unsafe.String(&c.buf[x.off], int(x.n)), x.s}
}

// last returns the chunk's last member.
func (c *zchunk) last() zent { return c.at(len(c.ents) - 1) }

// search returns the position where e is or would go.
func (c *zchunk) search(e zent) int {
	return sort.Search(len(c.ents), func(i int) bool { return !zless(c.at(i), e) })
}

// insert puts e at position pos.
func (c *zchunk) insert(pos int, e zent) {
	if len(c.buf)+len(e.m) > cap(c.buf) {
		c.repack(len(e.m))
	}
	off := len(c.buf)
	c.buf = append(c.buf, e.m...)
	c.live += len(e.m)
	if len(c.ents) == cap(c.ents) {
		// Grow by a few slots, not by doubling: a chunk's spare room
		// is memory every member pays for.
		grown := make([]zslot, len(c.ents), min(len(c.ents)+zchunkGrow, zchunkMax+1))
		copy(grown, c.ents)
		c.ents = grown
	}
	c.ents = slices.Insert(c.ents, pos, zslot{uint32(off), uint32(len(e.m)), e.s})
}

// remove removes the member at position pos (its bytes stay until the
// next repack).
func (c *zchunk) remove(pos int) {
	c.live -= int(c.ents[pos].n)
	c.ents = slices.Delete(c.ents, pos, pos+1)
	if cap(c.buf) > 4*c.live+256 {
		c.repack(0)
	}
}

// repack moves the members into a new buffer with room for more bytes
// after them, and a quarter more.
func (c *zchunk) repack(more int) {
	need := c.live + more
	buf := make([]byte, 0, max(need+need/4, 64))
	for i := range c.ents {
		x := &c.ents[i]
		off := len(buf)
		buf = append(buf, c.buf[x.off:x.off+x.n]...)
		x.off = uint32(off)
	}
	c.buf = buf
}

// split returns a chunk of the members from pos on, which this one no
// longer holds. The two share the buffer: the new one sees it with no
// spare room, so that only this one writes past the bytes they share.
func (c *zchunk) split(pos int) zchunk {
	right := zchunk{buf: c.buf[:len(c.buf):len(c.buf)], ents: slices.Clone(c.ents[pos:])}
	for _, x := range right.ents {
		right.live += int(x.n)
	}
	c.ents = slices.Clone(c.ents[:pos])
	c.live -= right.live
	return right
}

// clone returns a copy sharing the buffer, which the copy sees with no
// spare room (as split's new chunk does): c itself is not written, as a
// snapshot may be reading it.
func (c *zchunk) clone() zchunk {
	return zchunk{buf: c.buf[:len(c.buf):len(c.buf)], ents: slices.Clone(c.ents), live: c.live}
}

// newZChunk returns a chunk of member e alone.
func newZChunk(e zent) zchunk {
	c := zchunk{ents: make([]zslot, 0, zchunkGrow)}
	c.insert(0, e)
	return c
}
