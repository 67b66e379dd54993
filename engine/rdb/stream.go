package rdb

import (
	"bytes"
	"encoding/binary"
	"math"
	"sort"
	"strconv"

	"github.com/nadb-server/nadb-server/engine"
)

// A stream in RDB (type 19, Redis 7.0; 15 before, 21 in 7.2): its entries
// in listpacks, each keyed by its first entry's ID (16 bytes, big-endian)
// and beginning with a master entry (live count, deleted count, the
// master fields, 0); each entry then is flags, the ID's two differences
// from the key's, the fields and values (only the values when the fields
// are the master's, flag 2), and its number of elements; a deleted entry
// is flagged 1. Then the number of entries, the last ID, (19 and 21:) the
// first ID, the largest deleted ID and the entries ever added; then the
// consumer groups, each with its name, last ID, (19, 21:) entries read,
// pending entries (raw ID, delivery time, deliveries) and consumers
// (name, seen time, (21:) active time, the IDs of its pending entries).

const (
	streamDeleted    = 1
	streamSameFields = 2
	// Redis's defaults for stream-node-max-entries and -bytes: where it
	// begins a new node.
	streamNodeEntries = 100
	streamNodeBytes   = 4096
)

// streamReader walks the words of a packed stream.
type streamReader struct {
	ws  [][]byte
	bad bool
}

func (s *streamReader) next() []byte {
	if len(s.ws) == 0 {
		s.bad = true
		return nil
	}
	w := s.ws[0]
	s.ws = s.ws[1:]
	return w
}

func (s *streamReader) num() int64 {
	n, err := strconv.ParseInt(string(s.next()), 10, 64)
	if err != nil {
		s.bad = true
	}
	return n
}

func (s *streamReader) unum() uint64 {
	n, err := strconv.ParseUint(string(s.next()), 10, 64)
	if err != nil {
		s.bad = true
	}
	return n
}

func (s *streamReader) count() int {
	n := s.num()
	if n < 0 || n > int64(len(s.ws)) {
		s.bad = true
		return 0
	}
	return int(n)
}

func (s *streamReader) id() engine.StreamID {
	id, hasSeq, ok := engine.ParseStreamID(s.next(), 0)
	if !ok || !hasSeq {
		s.bad = true
	}
	return id
}

func appendID(dst []byte, id engine.StreamID) []byte {
	return appendLen(appendLen(dst, id.Ms), id.Seq)
}

func rawID(id engine.StreamID) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 16), id.Ms)
	return binary.BigEndian.AppendUint64(b, id.Seq)
}

type streamEntry struct {
	id    engine.StreamID
	pairs [][]byte // field, value, ...
}

// encodeStream writes the packed stream p as Redis 7.0 does.
func encodeStream(dst, p []byte) ([]byte, error) {
	ws, err := words(p)
	if err != nil {
		return dst, err
	}
	s := &streamReader{ws: ws}
	last, added, maxDel := s.id(), s.unum(), s.id()
	ents := make([]streamEntry, s.count())
	for i := range ents {
		ents[i].id = s.id()
		n := s.count()
		if 2*n > len(s.ws) {
			return dst, ErrBadData
		}
		ents[i].pairs, s.ws = s.ws[:2*n], s.ws[2*n:]
	}
	if s.bad {
		return dst, ErrBadData
	}
	nodes := streamNodes(ents)
	dst = appendLen(append(dst, typeStream2), uint64(len(nodes)))
	for _, nd := range nodes {
		dst = appendRaw(dst, rawID(nd.key))
		dst = appendRaw(dst, nd.lp)
	}
	dst = appendLen(dst, uint64(len(ents)))
	dst = appendID(dst, last)
	var first engine.StreamID
	if len(ents) > 0 {
		first = ents[0].id
	}
	dst = appendID(dst, first)
	dst = appendID(dst, maxDel)
	dst = appendLen(dst, added)
	ng := s.count()
	dst = appendLen(dst, uint64(ng))
	for range ng {
		name, glast, read := s.next(), s.id(), s.num()
		type consumer struct {
			name []byte
			seen int64
			ids  []engine.StreamID
		}
		cs := make([]consumer, s.count())
		for i := range cs {
			cs[i].name, cs[i].seen = s.next(), s.num()
		}
		dst = appendRaw(dst, name)
		dst = appendID(dst, glast)
		dst = appendLen(dst, uint64(read)) // -1, unknown, as 2^64-1
		np := s.count()
		dst = appendLen(dst, uint64(np))
		for range np {
			id, cname, t, n := s.id(), s.next(), s.num(), s.unum()
			dst = append(dst, rawID(id)...)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(t))
			dst = appendLen(dst, n)
			for i := range cs {
				if bytes.Equal(cs[i].name, cname) {
					cs[i].ids = append(cs[i].ids, id)
				}
			}
		}
		dst = appendLen(dst, uint64(len(cs)))
		for _, c := range cs {
			dst = appendRaw(dst, c.name)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(c.seen))
			dst = appendLen(dst, uint64(len(c.ids)))
			for _, id := range c.ids {
				dst = append(dst, rawID(id)...)
			}
		}
	}
	if s.bad || len(s.ws) != 0 {
		return dst, ErrBadData
	}
	return dst, nil
}

type streamNode struct {
	key engine.StreamID
	lp  []byte
}

// streamNodes packs the entries into listpacks as Redis appends them: a
// new node when the current one holds streamNodeEntries or would reach
// streamNodeBytes, its master fields those of its first entry.
func streamNodes(ents []streamEntry) []streamNode {
	var nodes []streamNode
	var w *lpWriter
	var master streamEntry
	count := 0
	var num [24]byte
	end := func() {
		if w == nil {
			return
		}
		lp := w.finish()
		// The master entry's live count, its first element, was written
		// as 0: a count of at most streamNodeEntries (< 128) is one byte
		// as well, so it is written over in place.
		lp[lpHeaderSize] = byte(count)
		nodes = append(nodes, streamNode{master.id, lp})
	}
	for _, en := range ents {
		size := 0
		for _, x := range en.pairs {
			size += len(x)
		}
		if w != nil && (count >= streamNodeEntries || w.size()+size >= streamNodeBytes) {
			end()
			w = nil
		}
		if w == nil {
			master, count = en, 0
			w = newLP(256)
			w.addInt(0) // count, fixed at the end
			w.addInt(0) // deleted
			w.addInt(int64(len(en.pairs) / 2))
			for i := 0; i < len(en.pairs); i += 2 {
				w.add(en.pairs[i])
			}
			w.addInt(0) // the master entry's end
		}
		same := len(en.pairs) == len(master.pairs)
		for i := 0; same && i < len(en.pairs); i += 2 {
			same = bytes.Equal(en.pairs[i], master.pairs[i])
		}
		flags := int64(0)
		if same {
			flags = streamSameFields
		}
		w.addInt(flags)
		w.add(strconv.AppendInt(num[:0], int64(en.id.Ms-master.id.Ms), 10))
		w.add(strconv.AppendInt(num[:0], int64(en.id.Seq-master.id.Seq), 10))
		n := len(en.pairs) / 2
		if same {
			for i := 1; i < len(en.pairs); i += 2 {
				w.add(en.pairs[i])
			}
			w.addInt(int64(n + 3))
		} else {
			w.addInt(int64(n))
			for _, x := range en.pairs {
				w.add(x)
			}
			w.addInt(int64(2*n + 4))
		}
		count++
	}
	end()
	return nodes
}

// decodeStream reads a stream of RDB type t into r.out, packed.
func decodeStream(r *reader, t byte) error {
	nodes, err := r.count()
	if err != nil {
		return err
	}
	var ents []streamEntry
	for range nodes {
		key, err := r.string()
		if err != nil || len(key) != 16 {
			return ErrBadData
		}
		lp, err := r.string()
		if err != nil {
			return err
		}
		if ents, err = nodeEntries(ents, engine.StreamID{Ms: binary.BigEndian.Uint64(key), Seq: binary.BigEndian.Uint64(key[8:])}, lp); err != nil {
			return err
		}
	}
	var nums [5]uint64 // length, last ms, last seq, then (19, 21) first ms, first seq
	for i := range 3 {
		if nums[i], err = r.uint(); err != nil {
			return err
		}
	}
	length, last := nums[0], engine.StreamID{Ms: nums[1], Seq: nums[2]}
	if length != uint64(len(ents)) || (len(ents) > 0 && ents[len(ents)-1].id.Compare(last) > 0) {
		return ErrBadData
	}
	added, maxDel := length, engine.StreamID{}
	if t != typeStream {
		for i := range 5 { // first ID (not kept: it is the first entry's), largest deleted ID, added
			if nums[i], err = r.uint(); err != nil {
				return err
			}
		}
		maxDel, added = engine.StreamID{Ms: nums[2], Seq: nums[3]}, nums[4]
		if added < length || maxDel.Compare(last) > 0 {
			return ErrBadData
		}
	}
	var b [48]byte
	r.out = engine.AppendPacked(r.out, last.Append(b[:0]))
	r.out = engine.AppendPacked(r.out, strconv.AppendUint(b[:0], added, 10))
	r.out = engine.AppendPacked(r.out, maxDel.Append(b[:0]))
	r.out = engine.AppendPacked(r.out, strconv.AppendInt(b[:0], int64(len(ents)), 10))
	for _, en := range ents {
		r.out = engine.AppendPacked(r.out, en.id.Append(b[:0]))
		r.out = engine.AppendPacked(r.out, strconv.AppendInt(b[:0], int64(len(en.pairs)/2), 10))
		for _, x := range en.pairs {
			r.out = engine.AppendPacked(r.out, x)
		}
	}
	var first engine.StreamID
	if len(ents) > 0 {
		first = ents[0].id
	}
	return decodeGroups(r, t, estimator{added, uint64(len(ents)), last, first, maxDel})
}

// nodeEntries appends the live entries of a stream listpack keyed by
// master to ents, checking that IDs increase.
func nodeEntries(ents []streamEntry, master engine.StreamID, lp []byte) ([]streamEntry, error) {
	var els [][]byte
	if err := eachListpack(lp, func(el []byte) error {
		els = append(els, append([]byte(nil), el...))
		return nil
	}); err != nil {
		return nil, err
	}
	i := 0
	num := func() (int64, bool) {
		if i >= len(els) {
			return 0, false
		}
		v, err := strconv.ParseInt(string(els[i]), 10, 64)
		i++
		return v, err == nil
	}
	live, ok1 := num()
	deleted, ok2 := num()
	nf, ok3 := num()
	if !ok1 || !ok2 || !ok3 || live < 0 || deleted < 0 || nf <= 0 || nf > int64(len(els)-i) {
		return nil, ErrBadData
	}
	fields := els[i : i+int(nf)]
	i += int(nf)
	if end, ok := num(); !ok || end != 0 {
		return nil, ErrBadData
	}
	seen := int64(0)
	for i < len(els) {
		start := i
		flags, ok1 := num()
		dms, ok2 := num()
		dseq, ok3 := num()
		if !ok1 || !ok2 || !ok3 || flags&^(streamDeleted|streamSameFields) != 0 {
			return nil, ErrBadData
		}
		en := streamEntry{id: engine.StreamID{Ms: master.Ms + uint64(dms), Seq: master.Seq + uint64(dseq)}}
		if flags&streamSameFields != 0 {
			if i+int(nf) > len(els) {
				return nil, ErrBadData
			}
			for j, f := range fields {
				en.pairs = append(en.pairs, f, els[i+j])
			}
			i += int(nf)
		} else {
			n, ok := num()
			if !ok || n <= 0 || n > int64(len(els)-i)/2 {
				return nil, ErrBadData
			}
			en.pairs = els[i : i+2*int(n)]
			i += 2 * int(n)
		}
		if lpCount, ok := num(); !ok || lpCount != int64(i-start-1) {
			return nil, ErrBadData
		}
		seen++
		if flags&streamDeleted != 0 {
			deleted--
			continue
		}
		if len(ents) > 0 && en.id.Compare(ents[len(ents)-1].id) <= 0 {
			return nil, ErrBadData
		}
		ents = append(ents, en)
		live--
	}
	if live != 0 || deleted != 0 || seen == 0 {
		return nil, ErrBadData
	}
	return ents, nil
}

// estimator gives a group of a version 1 stream (type 15, without
// entries read) Redis's estimate of its entries read.
type estimator struct {
	added, length       uint64
	last, first, maxDel engine.StreamID
}

func (e estimator) read(id engine.StreamID) int64 {
	switch {
	case e.added == 0:
		return 0
	case e.length == 0 && id.Compare(e.last) <= 0, id.Compare(e.last) == 0:
		return int64(e.added)
	case id.Compare(e.last) > 0:
		return -1
	}
	if e.maxDel == (engine.StreamID{}) || e.maxDel.Compare(e.first) < 0 {
		switch id.Compare(e.first) {
		case -1:
			return int64(e.added - e.length)
		case 0:
			return int64(e.added - e.length + 1)
		}
	}
	return -1
}

// decodeGroups reads a stream's consumer groups into r.out, packed.
func decodeGroups(r *reader, t byte, est estimator) error {
	ng, err := r.count()
	if err != nil {
		return err
	}
	var b [48]byte
	r.out = engine.AppendPacked(r.out, strconv.AppendInt(b[:0], int64(ng), 10))
	type pending struct {
		id       engine.StreamID
		time     int64
		count    uint64
		consumer []byte
	}
	for range ng {
		name, err := r.string()
		if err != nil {
			return err
		}
		var g [2]uint64
		for i := range g {
			if g[i], err = r.uint(); err != nil {
				return err
			}
		}
		last := engine.StreamID{Ms: g[0], Seq: g[1]}
		read := est.read(last)
		if t != typeStream {
			v, err := r.uint()
			if err != nil {
				return err
			}
			if read = int64(v); v == math.MaxUint64 {
				read = -1
			} else if v > math.MaxInt64 {
				return ErrBadData
			}
		}
		np, err := r.count()
		if err != nil {
			return err
		}
		pel := make([]pending, np)
		for i := range pel {
			raw, err := r.take(16)
			if err != nil {
				return err
			}
			tm, err := r.take(8)
			if err != nil {
				return err
			}
			pel[i].id = engine.StreamID{Ms: binary.BigEndian.Uint64(raw), Seq: binary.BigEndian.Uint64(raw[8:])}
			pel[i].time = int64(binary.LittleEndian.Uint64(tm))
			if pel[i].count, err = r.uint(); err != nil {
				return err
			}
			if i > 0 && pel[i].id.Compare(pel[i-1].id) <= 0 {
				return ErrBadData
			}
		}
		nc, err := r.count()
		if err != nil {
			return err
		}
		r.out = engine.AppendPacked(r.out, name)
		r.out = engine.AppendPacked(r.out, last.Append(b[:0]))
		r.out = engine.AppendPacked(r.out, strconv.AppendInt(b[:0], read, 10))
		r.out = engine.AppendPacked(r.out, strconv.AppendInt(b[:0], int64(nc), 10))
		for range nc {
			cname, err := r.string()
			if err != nil {
				return err
			}
			skip := uint64(8) // seen time; 7.2's active time after it
			if t == typeStream3 {
				skip = 16
			}
			tm, err := r.take(skip)
			if err != nil {
				return err
			}
			r.out = engine.AppendPacked(r.out, cname)
			r.out = engine.AppendPacked(r.out, strconv.AppendInt(b[:0], int64(binary.LittleEndian.Uint64(tm)), 10))
			n, err := r.count()
			if err != nil {
				return err
			}
			for range n {
				raw, err := r.take(16)
				if err != nil {
					return err
				}
				id := engine.StreamID{Ms: binary.BigEndian.Uint64(raw), Seq: binary.BigEndian.Uint64(raw[8:])}
				j := sort.Search(len(pel), func(k int) bool { return pel[k].id.Compare(id) >= 0 })
				if j == len(pel) || pel[j].id != id || pel[j].consumer != nil {
					return ErrBadData // not pending in the group, or another's
				}
				pel[j].consumer = cname
			}
		}
		r.out = engine.AppendPacked(r.out, strconv.AppendInt(b[:0], int64(np), 10))
		for _, p := range pel {
			if p.consumer == nil || p.count > math.MaxInt64 {
				return ErrBadData // a pending entry of no consumer
			}
			r.out = engine.AppendPacked(r.out, p.id.Append(b[:0]))
			r.out = engine.AppendPacked(r.out, p.consumer)
			r.out = engine.AppendPacked(r.out, strconv.AppendInt(b[:0], p.time, 10))
			r.out = engine.AppendPacked(r.out, strconv.AppendUint(b[:0], p.count, 10))
		}
	}
	return nil
}
