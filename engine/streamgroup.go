package engine

import (
	"slices"
	"strconv"
	"strings"
)

// Consumer groups of a stream. A group has a name, the last ID it
// delivered, the number of entries it read (-1 when not known, as Redis's
// SCG_INVALID_ENTRIES_READ), its consumers (each a name and the time it
// was last seen) and its pending entries list (PEL): each entry delivered
// and not yet acknowledged, with its consumer, the time of its last
// delivery and how many times it was delivered. Everything is kept in
// order (groups and consumers by name, the PEL by ID), as Redis's radix
// trees keep them, so that listings come in Redis's order.
//
// Every change is made, on a primary, with the times it read from the
// engine clock, and reported as APPLY operations that carry those times
// (streamGroupOps), so that a replica's groups are the primary's to the
// millisecond. A group's hash is recomputed from its packed form when it
// changes (O(its pending entries and consumers)).

// unknownRead is a group's entries read when not known.
const unknownRead int64 = -1

// pelEntry is one pending entry of a group.
type pelEntry struct {
	id       StreamID
	consumer string
	time     int64  // Unix ms of the last delivery
	count    uint64 // deliveries
}

func (p *pelEntry) hash() uint64 {
	var b [96]byte
	w := p.id.Append(b[:0])
	w = strconv.AppendInt(append(w, ' '), p.time, 10)
	w = strconv.AppendUint(append(w, ' '), p.count, 10)
	return mix(elemHash(w)^elemHash(p.consumer), kD)
}

// streamConsumer is one consumer of a group.
type streamConsumer struct {
	name    string
	seen    int64 // Unix ms it was last seen
	pending int   // its entries in the group's PEL
}

func (c *streamConsumer) hash() uint64 {
	var b [24]byte
	return mix(elemHash(c.name)^elemHash(strconv.AppendInt(b[:0], c.seen, 10)), kE)
}

// streamGroup is one consumer group. Its hash sums one hash per consumer
// and per pending entry, kept up to date by each change (so a change
// costs O(log) plus the slice insertion, never a pass over the group),
// and mixes in its name and position.
type streamGroup struct {
	name      string
	last      StreamID
	read      int64
	consumers []streamConsumer // by name
	pel       []pelEntry       // by ID
	sum       uint64           // Σ of the consumers' and pending entries' hashes
	hash      uint64
	mem       int64
}

// Accounted memory of a group's parts.
const (
	groupOverhead    = 96
	consumerOverhead = 48
	pelOverhead      = 56
)

// pack appends the group's packed form: its name, last ID, entries read,
// consumers (count, then name and seen time each) and pending entries
// (count, then ID, consumer, delivery time and deliveries each).
func (g *streamGroup) pack(dst []byte) []byte {
	var b [48]byte
	dst = AppendPacked(dst, g.name)
	dst = AppendPacked(dst, g.last.Append(b[:0]))
	dst = AppendPacked(dst, strconv.AppendInt(b[:0], g.read, 10))
	dst = AppendPacked(dst, strconv.AppendInt(b[:0], int64(len(g.consumers)), 10))
	for _, c := range g.consumers {
		dst = AppendPacked(dst, c.name)
		dst = AppendPacked(dst, strconv.AppendInt(b[:0], c.seen, 10))
	}
	dst = AppendPacked(dst, strconv.AppendInt(b[:0], int64(len(g.pel)), 10))
	for _, p := range g.pel {
		dst = AppendPacked(dst, p.id.Append(b[:0]))
		dst = AppendPacked(dst, p.consumer)
		dst = AppendPacked(dst, strconv.AppendInt(b[:0], p.time, 10))
		dst = AppendPacked(dst, strconv.AppendUint(b[:0], p.count, 10))
	}
	return dst
}

// rehash brings the group's hash up to date with its sum and position.
func (g *streamGroup) rehash() {
	var b [96]byte
	pos := AppendPacked(b[:0], g.name)
	pos = AppendPacked(pos, g.last.Append(nil))
	pos = AppendPacked(pos, strconv.AppendInt(nil, g.read, 10))
	g.hash = mix(g.sum+elemHash(pos), kF)
}

func (g *streamGroup) clone() *streamGroup {
	c := *g
	c.consumers, c.pel = slices.Clone(g.consumers), slices.Clone(g.pel)
	return &c
}

func compareConsumer(c streamConsumer, n string) int { return strings.Compare(c.name, n) }

// consumer returns the index of the consumer name, or -1.
func (g *streamGroup) consumer(name string) int {
	i, ok := slices.BinarySearchFunc(g.consumers, name, compareConsumer)
	if !ok {
		return -1
	}
	return i
}

// seeConsumer creates the consumer name if missing and sets the time it
// was seen; it reports whether it created it.
func (g *streamGroup) seeConsumer(name string, at int64) bool {
	i, ok := slices.BinarySearchFunc(g.consumers, name, compareConsumer)
	if ok {
		c := &g.consumers[i]
		g.sum -= c.hash()
		c.seen = at
		g.sum += c.hash()
		return false
	}
	g.consumers = slices.Insert(g.consumers, i, streamConsumer{name: name, seen: at})
	g.sum += g.consumers[i].hash()
	g.mem += consumerOverhead + int64(len(name))
	return true
}

// delConsumer removes the consumer name and its pending entries, and
// returns how many it had.
func (g *streamGroup) delConsumer(name string) int {
	i := g.consumer(name)
	if i < 0 {
		return 0
	}
	c := g.consumers[i]
	g.sum -= c.hash()
	g.mem -= consumerOverhead + int64(len(name))
	g.consumers = slices.Delete(g.consumers, i, i+1)
	if c.pending > 0 {
		g.pel = slices.DeleteFunc(g.pel, func(p pelEntry) bool {
			if p.consumer == name {
				g.sum -= p.hash()
				g.mem -= pelOverhead
				return true
			}
			return false
		})
	}
	return c.pending
}

// pending returns the index of id in the PEL (or where it would go) and
// whether it is there.
func (g *streamGroup) pending(id StreamID) (int, bool) {
	return slices.BinarySearchFunc(g.pel, id, func(p pelEntry, id StreamID) int { return p.id.Compare(id) })
}

// countPending adds n to the pending count of consumer name (which
// exists).
func (g *streamGroup) countPending(name string, n int) {
	if i := g.consumer(name); i >= 0 {
		g.consumers[i].pending += n
	}
}

// setPending makes id pending for consumer (which exists), delivered at
// time, count times.
func (g *streamGroup) setPending(id StreamID, consumer string, time int64, count uint64) {
	i, ok := g.pending(id)
	p := pelEntry{id, consumer, time, count}
	if ok {
		old := &g.pel[i]
		g.sum -= old.hash()
		if old.consumer != consumer {
			g.countPending(old.consumer, -1)
			g.countPending(consumer, 1)
		}
		*old = p
		g.sum += p.hash()
		return
	}
	g.pel = slices.Insert(g.pel, i, p)
	g.sum += p.hash()
	g.mem += pelOverhead
	g.countPending(consumer, 1)
}

// ack removes id from the PEL, reporting whether it was there.
func (g *streamGroup) ack(id StreamID) bool {
	i, ok := g.pending(id)
	if ok {
		p := &g.pel[i]
		g.sum -= p.hash()
		g.mem -= pelOverhead
		g.countPending(p.consumer, -1)
		if i < len(g.pel)/2 {
			// Nearer the start (the oldest, which consumers mostly
			// acknowledge first): the entries before it move up and the
			// slice starts one later, rather than all those after it
			// moving down (5 ms an XACK of the oldest of a million).
			copy(g.pel[1:i+1], g.pel[:i])
			g.pel[0] = pelEntry{}
			g.pel = g.pel[1:]
		} else {
			g.pel = slices.Delete(g.pel, i, i+1)
		}
	}
	return ok
}

// consumerPending is the number of pending entries of consumer name.
func (g *streamGroup) consumerPending(name string) int {
	if i := g.consumer(name); i >= 0 {
		return g.consumers[i].pending
	}
	return 0
}

// group returns the index of the group name in s, or -1.
func (s *streamObj) group(name string) int {
	i, ok := slices.BinarySearchFunc(s.groups, name, func(g *streamGroup, n string) int { return strings.Compare(g.name, n) })
	if !ok {
		return -1
	}
	return i
}

// groupsChanged brings the stream's sums up to date after groups changed
// (each changed group rehashed first).
func (s *streamObj) groupsChanged() {
	s.ghash, s.gmem = 0, 0
	for _, g := range s.groups {
		s.ghash += g.hash
		s.gmem += g.mem
	}
}

// changeGroup runs fn on the group name (which must exist) and brings the
// hashes up to date.
func (s *streamObj) changeGroup(i int, fn func(g *streamGroup)) {
	fn(s.groups[i])
	s.groups[i].rehash()
	s.groupsChanged()
}

// addGroup adds a group (name not present).
func (s *streamObj) addGroup(name string, last StreamID, read int64) {
	i, _ := slices.BinarySearchFunc(s.groups, name, func(g *streamGroup, n string) int { return strings.Compare(g.name, n) })
	g := &streamGroup{name: name, last: last, read: read, mem: groupOverhead + int64(len(name))}
	g.rehash()
	s.groups = slices.Insert(s.groups, i, g)
	s.groupsChanged()
}

// hasTombstones reports whether an entry after from may have been deleted
// (Redis's streamRangeHasTombstones with no end).
func (s *streamObj) hasTombstones(from StreamID) bool {
	if s.live == 0 || s.maxDel == (StreamID{}) || s.firstID().Compare(s.maxDel) > 0 {
		return false // no entry left before the latest deletion
	}
	return s.maxDel.Compare(from) >= 0
}

// firstID is the ID of the first entry (0-0 when empty).
func (s *streamObj) firstID() StreamID {
	if len(s.ents) == 0 {
		return StreamID{}
	}
	return s.ents[0].id
}

// distance estimates the entries read up to and including id, as Redis's
// streamEstimateDistanceFromFirstEverEntry (-1: not known).
func (s *streamObj) distance(id StreamID) int64 {
	if s.added == 0 {
		return 0
	}
	added := int64(s.added)
	if len(s.ents) == 0 && id.Compare(s.last) < 1 {
		return added
	}
	switch c := id.Compare(s.last); {
	case c == 0:
		return added
	case c > 0:
		return unknownRead
	}
	first := s.firstID()
	if s.maxDel == (StreamID{}) || s.maxDel.Compare(first) < 0 {
		switch id.Compare(first) {
		case -1:
			return added - int64(s.live)
		case 0:
			return added - int64(s.live) + 1
		}
	}
	return unknownRead
}

// lag returns a group's lag, as XINFO shows it (false: not known).
func (s *streamObj) lag(g *streamGroup) (int64, bool) {
	if s.added == 0 {
		return 0, true
	}
	if g.read != unknownRead && !s.hasTombstones(g.last) {
		return int64(s.added) - g.read, true
	}
	if read := s.distance(g.last); read != unknownRead {
		return int64(s.added) - read, true
	}
	return 0, false
}

// deliver advances g past id (an entry it delivers), counting it read as
// Redis does.
func (s *streamObj) deliver(g *streamGroup, id StreamID) {
	if id.Compare(g.last) <= 0 {
		return
	}
	if g.read != unknownRead && !s.hasTombstones(id) {
		g.read++
	} else if s.added != 0 {
		g.read = s.distance(id)
	}
	g.last = id
}

// entryAt returns the entry with id, or nil.
func (s *streamObj) entryAt(id StreamID) *streamEntry {
	i := s.search(id)
	if i < len(s.ents) && s.ents[i].id == id && !s.ents[i].dead() {
		return &s.ents[i]
	}
	return nil
}

// parseGroups reads the groups of a packed stream from words, refusing
// groups out of order, consumers out of order, pending entries out of
// order or naming a consumer the group does not have.
func (s *streamObj) parseGroups(words [][]byte) bool {
	next := func() ([]byte, bool) {
		if len(words) == 0 {
			return nil, false
		}
		w := words[0]
		words = words[1:]
		return w, true
	}
	num := func() (int64, bool) {
		w, ok := next()
		if !ok {
			return 0, false
		}
		n, err := strconv.ParseInt(string(w), 10, 64)
		return n, err == nil
	}
	count := func() (int, bool) {
		n, ok := num()
		return int(n), ok && n >= 0 && n <= int64(len(words))
	}
	id := func() (StreamID, bool) {
		w, ok := next()
		if !ok {
			return StreamID{}, false
		}
		v, hasSeq, ok := ParseStreamID(w, 0)
		return v, ok && hasSeq
	}
	ng, ok := count()
	if !ok {
		return false
	}
	for range ng {
		name, ok1 := next()
		last, ok2 := id()
		read, ok3 := num()
		nc, ok4 := count()
		if !ok1 || !ok2 || !ok3 || !ok4 || read < unknownRead {
			return false
		}
		if n := len(s.groups); n > 0 && s.groups[n-1].name >= string(name) {
			return false
		}
		g := &streamGroup{name: string(name), last: last, read: read, mem: groupOverhead + int64(len(name))}
		for range nc {
			cn, ok1 := next()
			seen, ok2 := num()
			if !ok1 || !ok2 || (len(g.consumers) > 0 && g.consumers[len(g.consumers)-1].name >= string(cn)) {
				return false
			}
			g.seeConsumer(string(cn), seen)
		}
		np, ok := count()
		if !ok {
			return false
		}
		for range np {
			pid, ok1 := id()
			cn, ok2 := next()
			t, ok3 := num()
			cnt, ok4 := num()
			if !ok1 || !ok2 || !ok3 || !ok4 || cnt < 0 || g.consumer(string(cn)) < 0 ||
				(len(g.pel) > 0 && g.pel[len(g.pel)-1].id.Compare(pid) >= 0) {
				return false
			}
			g.setPending(pid, string(cn), t, uint64(cnt))
		}
		g.rehash()
		s.groups = append(s.groups, g)
	}
	s.groupsChanged()
	return len(words) == 0
}

// streamGroupOps are the APPLY operations of consumer groups:
//
//	XGCREATE group last-id entries-read
//	XGSETID group last-id entries-read
//	XGDESTROY group
//	XCSEEN group consumer time        (creates the consumer if missing)
//	XCDEL group consumer              (with its pending entries)
//	XPELSET group consumer (id time deliveries)...
//	XACK group id...
var streamGroupOps = map[string]applyOp{
	"XGCREATE": {typ: TypeStream, min: 3, max: 3, check: checkGroupPos, apply: func(_ *Engine, c coll, args [][]byte) {
		s := c.(*streamObj)
		if s.group(string(args[0])) < 0 {
			last, _, _ := ParseStreamID(args[1], 0)
			read, _ := strconv.ParseInt(string(args[2]), 10, 64)
			s.addGroup(string(args[0]), last, read)
		}
	}},
	"XGSETID": {typ: TypeStream, min: 3, max: 3, check: checkGroupPos, apply: func(_ *Engine, c coll, args [][]byte) {
		s := c.(*streamObj)
		if i := s.group(string(args[0])); i >= 0 {
			last, _, _ := ParseStreamID(args[1], 0)
			read, _ := strconv.ParseInt(string(args[2]), 10, 64)
			s.changeGroup(i, func(g *streamGroup) { g.last, g.read = last, read })
		}
	}},
	"XGDESTROY": {typ: TypeStream, min: 1, max: 1, apply: func(_ *Engine, c coll, args [][]byte) {
		s := c.(*streamObj)
		if i := s.group(string(args[0])); i >= 0 {
			s.groups = slices.Delete(s.groups, i, i+1)
			s.groupsChanged()
		}
	}},
	"XCSEEN": {typ: TypeStream, min: 3, max: 3, check: func(args [][]byte) error { return checkInts(args[2:]) }, apply: func(_ *Engine, c coll, args [][]byte) {
		s := c.(*streamObj)
		if i := s.group(string(args[0])); i >= 0 {
			at, _ := strconv.ParseInt(string(args[2]), 10, 64)
			s.changeGroup(i, func(g *streamGroup) { g.seeConsumer(string(args[1]), at) })
		}
	}},
	"XCDEL": {typ: TypeStream, min: 2, max: 2, apply: func(_ *Engine, c coll, args [][]byte) {
		s := c.(*streamObj)
		if i := s.group(string(args[0])); i >= 0 {
			s.changeGroup(i, func(g *streamGroup) { g.delConsumer(string(args[1])) })
		}
	}},
	"XPELSET": {typ: TypeStream, min: 5, max: -1, check: func(args [][]byte) error {
		if (len(args)-2)%3 != 0 {
			return errBadStream
		}
		for i := 2; i < len(args); i += 3 {
			if checkStreamIDs(args[i:i+1]) != nil || checkInts(args[i+1:i+3]) != nil || args[i+2][0] == '-' {
				return errBadStream
			}
		}
		return nil
	}, apply: func(_ *Engine, c coll, args [][]byte) {
		s := c.(*streamObj)
		i := s.group(string(args[0]))
		if i < 0 || s.groups[i].consumer(string(args[1])) < 0 {
			return // the primary makes the consumer first
		}
		s.changeGroup(i, func(g *streamGroup) {
			for j := 2; j < len(args); j += 3 {
				id, _, _ := ParseStreamID(args[j], 0)
				t, _ := strconv.ParseInt(string(args[j+1]), 10, 64)
				n, _ := strconv.ParseUint(string(args[j+2]), 10, 64)
				g.setPending(id, string(args[1]), t, n)
			}
		})
	}},
	"XACK": {typ: TypeStream, min: 2, max: -1, check: func(args [][]byte) error { return checkStreamIDs(args[1:]) }, apply: func(_ *Engine, c coll, args [][]byte) {
		s := c.(*streamObj)
		if i := s.group(string(args[0])); i >= 0 {
			s.changeGroup(i, func(g *streamGroup) {
				for _, a := range args[1:] {
					id, _, _ := ParseStreamID(a, 0)
					g.ack(id)
				}
			})
		}
	}},
}

// checkGroupPos checks XGCREATE's and XGSETID's last ID and entries read.
func checkGroupPos(args [][]byte) error {
	if checkStreamIDs(args[1:2]) != nil {
		return errBadStream
	}
	if n, err := strconv.ParseInt(string(args[2]), 10, 64); err != nil || n < unknownRead {
		return errBadStream
	}
	return nil
}

// checkInts refuses words that are not decimal 64-bit integers.
func checkInts(args [][]byte) error {
	for _, a := range args {
		if _, err := strconv.ParseInt(string(a), 10, 64); err != nil {
			return errBadStream
		}
	}
	return nil
}
