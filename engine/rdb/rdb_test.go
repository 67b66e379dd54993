package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

func pack(els ...string) []byte {
	var p []byte
	for _, e := range els {
		p = engine.AppendPacked(p, e)
	}
	return p
}

// randomElement is a short or long, text or integer or binary element.
func randomElement(rng *rand.Rand) string {
	switch rng.IntN(6) {
	case 0:
		return strconv.FormatInt(rng.Int64N(1<<40)-1<<39, 10)
	case 1:
		return strconv.Itoa(rng.IntN(300) - 150)
	case 2:
		b := make([]byte, rng.IntN(5000))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return string(b)
	case 3:
		return ""
	}
	return fmt.Sprint("e", rng.IntN(100000))
}

// randomItem is a value of type typ, packed, and an encoding of it.
func randomItem(rng *rand.Rand, typ engine.ValueType) (*engine.Item, string) {
	it := &engine.Item{Type: typ}
	n := 1 + rng.IntN(300)
	seen := map[string]bool{}
	distinct := func() string {
		for {
			e := randomElement(rng)
			if !seen[e] {
				seen[e] = true
				return e
			}
		}
	}
	switch typ {
	case engine.TypeString:
		it.Value = []byte(randomElement(rng))
		return it, "raw"
	case engine.TypeList:
		for range n {
			it.Value = engine.AppendPacked(it.Value, randomElement(rng))
		}
		return it, "quicklist"
	case engine.TypeHash:
		for range n {
			it.Value = engine.AppendPacked(engine.AppendPacked(it.Value, distinct()), randomElement(rng))
		}
		return it, []string{"listpack", "hashtable"}[rng.IntN(2)]
	case engine.TypeSet:
		if rng.IntN(2) == 0 {
			for range n {
				it.Value = engine.AppendPacked(it.Value, distinct())
			}
			return it, "hashtable"
		}
		for v := int64(rng.IntN(10)) - 1<<40; n > 0; n-- {
			it.Value = engine.AppendPacked(it.Value, strconv.FormatInt(v, 10))
			v += 1 + rng.Int64N(1<<uint(rng.IntN(40)))
		}
		return it, "intset"
	case engine.TypeZSet:
		scores := []float64{0, 1, -1, 2.5, 1e300, -1e-300, math.Inf(1), math.Inf(-1), 0.1}
		for range n {
			s := scores[rng.IntN(len(scores))]
			if rng.IntN(2) == 0 {
				s = rng.NormFloat64() * 1e6
			}
			it.Value = engine.AppendPacked(engine.AppendPacked(it.Value, distinct()), strconv.FormatFloat(s, 'g', -1, 64))
		}
		return it, []string{"listpack", "skiplist"}[rng.IntN(2)]
	}
	return randomStream(rng, n), "stream"
}

// randomStream is a packed stream of n entries with groups.
func randomStream(rng *rand.Rand, n int) *engine.Item {
	var ids []engine.StreamID
	id := engine.StreamID{Ms: uint64(rng.IntN(1000)), Seq: uint64(rng.IntN(3))}
	for range n {
		ids = append(ids, id)
		if rng.IntN(2) == 0 {
			id.Seq++
		} else {
			id = engine.StreamID{Ms: id.Ms + 1 + uint64(rng.IntN(1000)), Seq: uint64(rng.IntN(5))}
		}
	}
	w := func(ws ...string) []string { return ws }
	last := ids[n-1].String()
	words := w(last, strconv.Itoa(n+rng.IntN(10)), "0-0", strconv.Itoa(n))
	for _, id := range ids {
		words = append(words, id.String())
		if rng.IntN(3) > 0 {
			words = append(words, "2", "f", randomElement(rng), "g", randomElement(rng))
		} else {
			words = append(words, "1", randomElement(rng), randomElement(rng))
		}
	}
	ng := rng.IntN(3)
	words = append(words, strconv.Itoa(ng))
	for g := range ng {
		words = append(words, fmt.Sprint("group", g), ids[rng.IntN(n)].String(), strconv.Itoa(rng.IntN(n+1)-1), "2", "alice", "1700000000000", "bob", "-5")
		var pel []string
		np := 0
		for _, id := range ids {
			if rng.IntN(4) == 0 {
				pel = append(pel, id.String(), []string{"alice", "bob"}[rng.IntN(2)], strconv.Itoa(rng.IntN(1<<30)), strconv.Itoa(1+rng.IntN(9)))
				np++
			}
		}
		words = append(append(words, strconv.Itoa(np)), pel...)
	}
	return &engine.Item{Type: engine.TypeStream, Value: pack(words...)}
}

var allTypes = []engine.ValueType{engine.TypeString, engine.TypeList, engine.TypeHash, engine.TypeSet, engine.TypeZSet, engine.TypeStream}

// sortedPairs is a sorted set's packed pairs by member (a skiplist's
// payload lists them from the highest score down).
func sortedPairs(t *testing.T, p []byte) map[string]string {
	ws, err := words(p)
	require.NoError(t, err)
	m := map[string]string{}
	for i := 0; i < len(ws); i += 2 {
		m[string(ws[i])] = string(ws[i+1])
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 600 {
		typ := allTypes[i%len(allTypes)]
		it, enc := randomItem(rng, typ)
		p, err := Encode(nil, it, enc)
		require.NoError(t, err)
		gt, gv, err := Decode(p)
		require.NoError(t, err, "%v %s", typ, enc)
		require.Equal(t, typ, gt)
		if enc == "skiplist" {
			require.Equal(t, sortedPairs(t, it.Value), sortedPairs(t, gv))
			continue
		}
		require.Equal(t, string(it.Value), string(gv), "%v %s", typ, enc)
	}
}

// Every byte of a payload is covered: a flipped bit or a cut is refused
// by the checksum, and an object cut inside with a fresh footer is
// refused, never read past its end.
func TestDecodeRefusesDamage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 120 {
		it, enc := randomItem(rng, allTypes[i%len(allTypes)])
		p, err := Encode(nil, it, enc)
		require.NoError(t, err)
		bad := bytes.Clone(p)
		bad[rng.IntN(len(bad))] ^= 1 << rng.IntN(8)
		_, _, err = Decode(bad)
		require.ErrorIs(t, err, ErrPayload)
		_, _, err = Decode(p[:rng.IntN(len(p))])
		require.Error(t, err)
		obj := p[:len(p)-10]
		cut := AppendFooter(bytes.Clone(obj[:rng.IntN(len(obj))]), 0)
		_, _, err = Decode(cut)
		require.ErrorIs(t, err, ErrBadData)
	}
}

// zl builds a ziplist of the elements, integers encoded as integers.
func zl(els ...string) []byte {
	body := []byte{}
	prev := 0
	for _, e := range els {
		start := len(body)
		if prev < 254 {
			body = append(body, byte(prev))
		} else {
			body = binary.LittleEndian.AppendUint32(append(body, 0xfe), uint32(prev))
		}
		v, err := strconv.ParseInt(e, 10, 64)
		switch {
		case err != nil || strconv.FormatInt(v, 10) != e:
			if len(e) < 64 {
				body = append(body, byte(len(e)))
			} else {
				body = binary.BigEndian.AppendUint32(append(body, 0x80), uint32(len(e)))
			}
			body = append(body, e...)
		case v >= 0 && v <= 12:
			body = append(body, 0xf1+byte(v))
		case v >= math.MinInt8 && v <= math.MaxInt8:
			body = append(body, 0xfe, byte(v))
		case v >= math.MinInt16 && v <= math.MaxInt16:
			body = binary.LittleEndian.AppendUint16(append(body, 0xc0), uint16(v))
		case v >= -1<<23 && v < 1<<23:
			body = append(body, 0xf0, byte(v), byte(v>>8), byte(v>>16))
		case v >= math.MinInt32 && v <= math.MaxInt32:
			body = binary.LittleEndian.AppendUint32(append(body, 0xd0), uint32(v))
		default:
			body = binary.LittleEndian.AppendUint64(append(body, 0xe0), uint64(v))
		}
		prev = len(body) - start
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(10+len(body)+1))
	out = binary.LittleEndian.AppendUint32(out, 0) // the tail's offset: not read
	out = binary.LittleEndian.AppendUint16(out, uint16(len(els)))
	return append(append(out, body...), 0xff)
}

// TestDecodeOlderTypes reads the object types Redis wrote before 7.0
// (ziplists, linked lists, text scores, streams without entries read) and
// 7.2's, built by hand.
func TestDecodeOlderTypes(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), 300))
	els := []string{"a", "0", "12", "13", "-128", "300", "-70000", "5000000", "3000000000", "-9223372036854775808", long, ""}
	str := func(s string) []byte { return appendString(nil, []byte(s)) }
	cases := []struct {
		name string
		obj  []byte
		typ  engine.ValueType
		want []byte
	}{
		{"ziplist list", append([]byte{typeListZiplist}, appendRaw(nil, zl(els...))...), engine.TypeList, pack(els...)},
		{"quicklist of ziplists", append(append([]byte{typeListQuicklist, 2}, appendRaw(nil, zl(els[:5]...))...), appendRaw(nil, zl(els[5:]...))...), engine.TypeList, pack(els...)},
		{"linked list", append(append(append([]byte{typeList, 3}, str("a")...), str("7")...), str(long)...), engine.TypeList, pack("a", "7", long)},
		{"quicklist with a plain node", append(append([]byte{typeListQuicklist2, 2, 1}, str(long)...), append([]byte{2}, appendRaw(nil, listpackOf("b", "9"))...)...), engine.TypeList, pack(long, "b", "9")},
		{"ziplist hash", append([]byte{typeHashZiplist}, appendRaw(nil, zl("f", "1", "g", long))...), engine.TypeHash, pack("f", "1", "g", long)},
		{"ziplist zset", append([]byte{typeZSetZiplist}, appendRaw(nil, zl("a", "1", "b", "2.5", "c", "-inf"))...), engine.TypeZSet, pack("a", "1", "b", "2.5", "c", "-Inf")},
		{"text scores", append(append(append([]byte{typeZSet, 2}, str("a")...), append([]byte{3}, "1.5"...)...), append(str("b"), 255)...), engine.TypeZSet, pack("a", "1.5", "b", "-Inf")},
		{"listpack set (7.2)", append([]byte{typeSetListpack}, appendRaw(nil, listpackOf("x", "-3"))...), engine.TypeSet, pack("x", "-3")},
		{"intset of 64 bits", append([]byte{typeSetIntset}, appendRaw(nil, appendIntset(nil, []int64{-1 << 40, 5}))...), engine.TypeSet, pack("-1099511627776", "5")},
		{"LZF string", []byte{typeString, 0xc3, 6, 12, 1, 'a', 'b', 0xe0, 1, 1}, engine.TypeString, []byte("abababababab")},
	}
	for _, tc := range cases {
		typ, val, err := Decode(AppendFooter(tc.obj, 0))
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.typ, typ, tc.name)
		require.Equal(t, string(tc.want), string(val), tc.name)
	}
}

func listpackOf(els ...string) []byte {
	w := newLP(0)
	for _, e := range els {
		w.add([]byte(e))
	}
	return w.finish()
}

// TestDecodeStreamVersions reads one stream written as Redis 7.0 does
// (type 19), as Redis 6.2 did (15: no first ID, largest deleted ID,
// entries added nor entries read, which are then estimated as Redis
// does) and as 7.2 does (21: each consumer's active time).
func TestDecodeStreamVersions(t *testing.T) {
	p := pack("5-1", "3", "0-0", "3",
		"1-1", "1", "a", "1", "2-1", "1", "a", "2", "5-1", "2", "a", "3", "b", "4",
		"2", "g1", "2-1", "2", "1", "alice", "77", "1", "1-1", "alice", "88", "3",
		"g2", "5-1", "3", "0", "0")
	obj, err := Encode(nil, &engine.Item{Type: engine.TypeStream, Value: p}, "stream")
	require.NoError(t, err)
	_, got, err := Decode(obj)
	require.NoError(t, err)
	require.Equal(t, string(p), string(got))

	// The same stream in the older and the newer layouts.
	nodes := streamNodes([]streamEntry{
		{engine.StreamID{Ms: 1, Seq: 1}, [][]byte{[]byte("a"), []byte("1")}},
		{engine.StreamID{Ms: 2, Seq: 1}, [][]byte{[]byte("a"), []byte("2")}},
		{engine.StreamID{Ms: 5, Seq: 1}, [][]byte{[]byte("a"), []byte("3"), []byte("b"), []byte("4")}},
	})
	require.Len(t, nodes, 1)
	build := func(typ byte) []byte {
		o := appendLen([]byte{typ}, 1)
		o = appendRaw(appendRaw(o, rawID(nodes[0].key)), nodes[0].lp)
		o = appendID(appendLen(o, 3), engine.StreamID{Ms: 5, Seq: 1})
		if typ != typeStream { // first ID, largest deleted ID, entries added
			o = appendLen(appendID(appendID(o, engine.StreamID{Ms: 1, Seq: 1}), engine.StreamID{}), 3)
		}
		o = appendLen(o, 2)
		group := func(name string, last engine.StreamID, read uint64, pel bool) {
			o = appendID(appendRaw(o, []byte(name)), last)
			if typ != typeStream {
				o = appendLen(o, read)
			}
			if pel {
				o = append(appendLen(o, 1), rawID(engine.StreamID{Ms: 1, Seq: 1})...)
				o = appendLen(binary.LittleEndian.AppendUint64(o, 88), 3)
				o = binary.LittleEndian.AppendUint64(appendRaw(appendLen(o, 1), []byte("alice")), 77)
				if typ == typeStream3 {
					o = binary.LittleEndian.AppendUint64(o, 99)
				}
				o = append(appendLen(o, 1), rawID(engine.StreamID{Ms: 1, Seq: 1})...)
			} else {
				o = appendLen(appendLen(o, 0), 0)
			}
		}
		group("g1", engine.StreamID{Ms: 2, Seq: 1}, 2, true)
		group("g2", engine.StreamID{Ms: 5, Seq: 1}, 3, false)
		return o
	}
	for _, typ := range []byte{typeStream2, typeStream3, typeStream} {
		_, got, err := Decode(AppendFooter(build(typ), 0))
		require.NoError(t, err, "type %d", typ)
		want := p
		if typ == typeStream {
			// No largest deleted ID: g1's entries read is unknown past the
			// first entry; g2 is at the last ID, so it read every entry.
			want = bytes.Replace(p, []byte("2:g13:2-11:2"), []byte("2:g13:2-12:-1"), 1)
		}
		require.Equal(t, string(want), string(got), "type %d", typ)
	}
}

// TestDecodeStreamNodeShort: a stream node whose master entry names more
// fields than the node holds is refused (it crashed the server once).
func TestDecodeStreamNodeShort(t *testing.T) {
	_, _, err := Decode(AppendFooter([]byte("\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x10\x00\x00\x00\x04\x00\x01\x01\x00\x01\x02\x01\x81\x66\x02\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 0))
	require.ErrorIs(t, err, ErrBadData)
}

// addSeeds adds n random objects of every type (their payloads without
// the footer) to f's corpus, from a generator seeded with seed.
func addSeeds(f *testing.F, seed uint64, n int) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for i := range n {
		it, enc := randomItem(rng, allTypes[i%len(allTypes)])
		if len(it.Value) > 2000 {
			continue
		}
		p, err := Encode(nil, it, enc)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p[:len(p)-10])
	}
}

// FuzzDecode: Decode never panics nor reads past its input, and what it
// takes, Encode writes back to the same value.
func FuzzDecode(f *testing.F) {
	addSeeds(f, 5, 30)
	f.Add(append([]byte{typeListZiplist}, appendRaw(nil, zl("a", "1", "-70000"))...))
	// A stream node whose master entry names more fields than it holds
	// (it crashed the server once).
	f.Add([]byte("\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x10\x00\x00\x00\x04\x00\x01\x01\x00\x01\x02\x01\x81\x66\x02\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, obj []byte) {
		typ, val, err := Decode(AppendFooter(bytes.Clone(obj), 0))
		if err != nil {
			return
		}
		enc := map[engine.ValueType]string{engine.TypeZSet: "listpack", engine.TypeSet: "hashtable", engine.TypeHash: "hashtable"}[typ]
		p, err := Encode(nil, &engine.Item{Type: typ, Value: val}, enc)
		if err != nil {
			t.Fatalf("decoded %v %q but cannot encode it: %v", typ, val, err)
		}
		typ2, val2, err := Decode(p)
		if err != nil || typ2 != typ || !bytes.Equal(val, val2) {
			t.Fatalf("%v %q encoded then decoded: %v %q %v", typ, val, typ2, val2, err)
		}
	})
}

// FuzzRestore: whatever payload Decode takes, the engine either refuses
// it (ErrBadValue) or restores a key whose DUMP decodes to a value the
// engine restores again to the same dump: nothing a client can send makes
// a key that cannot be dumped, or dumps differently once restored.
func FuzzRestore(f *testing.F) {
	addSeeds(f, 7, 24)
	e := engine.New(engine.Options{})
	f.Fuzz(func(t *testing.T, obj []byte) {
		typ, val, err := Decode(AppendFooter(bytes.Clone(obj), 0))
		if err != nil {
			return
		}
		o := engine.RestoreOptions{Replace: true, IdleSecs: -1, Freq: -1}
		if err := e.Restore(&engine.Item{Key: "k", Type: typ, Value: val}, o); err != nil {
			if !errors.Is(err, engine.ErrBadValue) {
				t.Fatalf("restore of %v %q: %v", typ, val, err)
			}
			return
		}
		dump := func(key string) []byte {
			it, enc, ok := e.Dump(0, key)
			if !ok {
				t.Fatalf("%s restored but missing", key)
			}
			p, err := Encode(nil, &it, enc)
			if err != nil {
				t.Fatalf("restored %v cannot be dumped: %v", typ, err)
			}
			return p
		}
		first := dump("k")
		typ2, val2, err := Decode(first)
		if err != nil {
			t.Fatalf("our own dump does not decode: %v", err)
		}
		if err := e.Restore(&engine.Item{Key: "k2", Type: typ2, Value: val2}, o); err != nil {
			t.Fatalf("our own dump does not restore: %v", err)
		}
		if second := dump("k2"); !bytes.Equal(first, second) {
			t.Fatalf("dump, restore, dump differs:\n%q\n%q", first, second)
		}
	})
}
