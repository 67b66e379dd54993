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
	} {
		f.Add(seed, uint8(0))
	}
	f.Fuzz(func(t *testing.T, words []byte, target uint8) {
		e := engine.New(engine.Options{Databases: 1})
		must(e.SAdd(0, "set", bs("1", "2", "three")))
		e.Set(0, "string", []byte("v"), engine.SetOptions{})
		keys := []string{"set", "string", "missing", "list", "zset"}
		key := keys[int(target)%len(keys)]
		if engine.CheckApply(words) == nil {
			e.Apply([]engine.Effect{{Kind: engine.EffectApply, Key: key, Value: words}}, nil)
		}
		for _, typ := range []engine.ValueType{engine.TypeList, engine.TypeSet, engine.TypeZSet} {
			if engine.CheckObject(typ, words) == nil {
				e.Apply([]engine.Effect{{Kind: engine.EffectObject, Type: typ, Key: key, Value: words}}, nil)
			}
		}
		if err := e.CheckInvariants(); err != nil {
			t.Fatalf("after %q on %s: %v", words, key, err)
		}
	})
}
