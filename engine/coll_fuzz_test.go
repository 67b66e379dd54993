package engine_test

import (
	"testing"

	"github.com/nadb-server/nadb-server/engine"
)

// FuzzApply: whatever packed words CheckApply accepts (an APPLY frame that
// a secondary would take) replays on an engine holding keys of every type
// without a panic and leaves its invariants whole; whatever it refuses is
// never applied. Likewise for whole values that CheckObject accepts.
func FuzzApply(f *testing.F) {
	p := func(words ...string) []byte {
		var b []byte
		for _, w := range words {
			b = engine.AppendPacked(b, w)
		}
		return b
	}
	for _, seed := range [][]byte{
		p("SADD", "a", "b"), p("SREM", "a"), p("RPUSH", "x"), p("LPOP", "2"), p("LSET", "-1", "z"),
		p("LINSERT", "0", "v"), p("LREM", "0", "x"), p("LTRIM", "1", "-1"), p("ZADD", "1.5", "m"),
		p("ZADD", "inf", "m", "-inf", "n"), p("ZREM", "m"), p("ZADD", "nan", "m"), []byte("3:SAD"),
		p("XADD", "5-1", "f", "v"), p("XDEL", "5-1", "1-0"), p("XTRIM", "3"), p("XSETID", "9-9", "4", "2-0"),
		p("9-9", "3", "2-0", "1", "5-1", "1", "f", "v", "0"), p("0-0", "0", "0-0", "0", "0"),
		p("XGCREATE", "g", "0-0", "-1"), p("XGSETID", "g", "3-1", "1"), p("XCSEEN", "g", "c", "100"),
		p("XPELSET", "g", "c", "3-1", "100", "2"), p("XACK", "g", "3-1"), p("XCDEL", "g", "c"), p("XGDESTROY", "g"),
		p("9-9", "3", "2-0", "1", "5-1", "1", "f", "v", "1", "g", "5-1", "1", "1", "c", "7", "1", "5-1", "c", "7", "1"),
	} {
		f.Add(seed, uint8(0))
	}
	f.Fuzz(func(t *testing.T, words []byte, target uint8) {
		e := engine.New(engine.Options{Databases: 1})
		must(e.SAdd(0, "set", bs("1", "2", "three")))
		e.Set(0, "string", []byte("v"), engine.SetOptions{})
		if _, _, err := e.XAdd(0, "stream", engine.XAddID{ID: engine.StreamID{Ms: 3, Seq: 1}}, bs("a", "b"), false, nil); err != nil {
			t.Fatal(err)
		}
		if err := e.XGroupCreate(0, "stream", "g", engine.GroupID{}, false, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.XReadGroup(0, "g", "c", []engine.GroupRead{{Key: "stream", New: true}}, 0, false); err != nil {
			t.Fatal(err)
		}
		keys := []string{"set", "string", "missing", "list", "zset", "stream"}
		key := keys[int(target)%len(keys)]
		if engine.CheckApply(words) == nil {
			e.Apply([]engine.Effect{{Kind: engine.EffectApply, Key: key, Value: words}}, nil)
		}
		for _, typ := range []engine.ValueType{engine.TypeList, engine.TypeSet, engine.TypeZSet, engine.TypeStream} {
			if engine.CheckObject(typ, words) == nil {
				e.Apply([]engine.Effect{{Kind: engine.EffectObject, Type: typ, Key: key, Value: words}}, nil)
			}
		}
		if err := e.CheckInvariants(); err != nil {
			t.Fatalf("after %q on %s: %v", words, key, err)
		}
	})
}
