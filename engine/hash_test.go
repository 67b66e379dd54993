package engine_test

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// hashModel is the model of a keyspace of hashes and strings: a map per
// key, or a string.
type hashModel map[string]any // map[string]string or string

func (m hashModel) hash(k string) (map[string]string, bool) {
	h, ok := m[k].(map[string]string)
	return h, ok
}

// items turns the model into snapshot items of database 0.
func (m hashModel) items() []engine.Item {
	var out []engine.Item
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out = append(out, engine.Item{Key: k, Value: []byte(v)})
		case map[string]string:
			var p []byte
			for _, f := range slices.Sorted(maps.Keys(v)) {
				p = engine.AppendPacked(engine.AppendPacked(p, f), v[f])
			}
			out = append(out, engine.Item{Key: k, Type: engine.TypeHash, Value: p})
		}
	}
	return out
}

// snapModel reads a snapshot back into a model.
func snapModel(t *testing.T, items []engine.Item) hashModel {
	m := hashModel{}
	for _, it := range items {
		if it.Type == engine.TypeString {
			m[it.Key] = string(it.Value)
			continue
		}
		h := map[string]string{}
		var f []byte
		odd := false
		require.NoError(t, engine.EachPacked(it.Value, func(el []byte) bool {
			if odd {
				h[string(f)] = string(el)
			}
			f, odd = el, !odd
			return true
		}))
		m[it.Key] = h
	}
	return m
}

// TestHashProperties runs random hash and string operations against the
// engine and a map model, with small listpack limits so hashes change
// encoding, and checks after every step: every reply against the model,
// the engine's invariants (digest and memory recomputed), a replica fed
// the effects holding the same digest, snapshots taken midway unchanged
// by the writes that follow (copy on write), and a keyspace loaded from
// the model having the engine's digest.
func TestHashProperties(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			lim := func(o *engine.Options) { o.HashLimits = engine.HashLimits{Entries: 4, Value: 8} }
			v := newEnv(t, lim)
			replica := newEnv(t, lim).e
			m := hashModel{}
			key := func() string { return "k" + strconv.Itoa(rng.IntN(6)) }
			field := func() string { return "f" + strconv.Itoa(rng.IntN(8)) }
			val := func() string { return strconv.Itoa(rng.IntN(1000)) + string(make([]byte, rng.IntN(3)*4)) }
			type held struct {
				snap *engine.Snapshot
				want hashModel
			}
			var snaps []held
			for step := range 400 {
				k := key()
				h, isHash := m.hash(k)
				_, isStr := m[k].(string)
				switch op := rng.IntN(12); op {
				case 0, 1, 2:
					pairs := [][]byte{}
					for range 1 + rng.IntN(3) {
						pairs = append(pairs, []byte(field()), []byte(val()))
					}
					n, err := v.e.HSet(0, k, pairs, false)
					if isStr {
						require.ErrorIs(t, err, engine.ErrWrongType)
						break
					}
					require.NoError(t, err)
					if !isHash {
						h = map[string]string{}
						m[k] = h
					}
					added := 0
					for i := 0; i < len(pairs); i += 2 {
						if _, had := h[string(pairs[i])]; !had {
							added++
						}
						h[string(pairs[i])] = string(pairs[i+1])
					}
					require.Equal(t, added, n)
				case 3, 4:
					fs := [][]byte{[]byte(field()), []byte(field())}
					n, err := v.e.HDel(0, k, fs)
					if isStr {
						require.ErrorIs(t, err, engine.ErrWrongType)
						break
					}
					require.NoError(t, err)
					want := 0
					for _, f := range fs {
						if _, had := h[string(f)]; had {
							delete(h, string(f))
							want++
						}
					}
					if isHash && len(h) == 0 {
						delete(m, k)
					}
					require.Equal(t, want, n)
				case 5:
					f := field()
					got, err := v.e.HIncrBy(0, k, []byte(f), 3)
					cur, had := h[f]
					_, notInt := strconv.ParseInt(cur, 10, 64)
					switch {
					case isStr:
						require.ErrorIs(t, err, engine.ErrWrongType)
					case had && notInt != nil:
						require.ErrorIs(t, err, engine.ErrHashNotInteger)
					default:
						require.NoError(t, err)
						n, _ := strconv.ParseInt(cur, 10, 64)
						require.Equal(t, n+3, got)
						if !isHash {
							h = map[string]string{}
							m[k] = h
						}
						h[f] = strconv.FormatInt(n+3, 10)
					}
				case 6:
					f := field()
					got, ok, err := v.e.HGet(0, k, []byte(f))
					if isStr {
						require.ErrorIs(t, err, engine.ErrWrongType)
						break
					}
					want, had := h[f]
					require.Equal(t, had, ok)
					require.Equal(t, want, got)
				case 7:
					all, err := v.e.HGetAll(0, k)
					if isStr {
						require.ErrorIs(t, err, engine.ErrWrongType)
						break
					}
					got := map[string]string{}
					for i := 0; i < len(all); i += 2 {
						got[all[i]] = all[i+1]
					}
					if !isHash {
						require.Empty(t, got)
					} else {
						require.Equal(t, h, got)
					}
				case 8:
					v.e.Set(0, k, []byte(val()), engine.SetOptions{})
					m[k] = ""
					m[k], _ = v.e.Get(0, k)
					m[k] = string(m[k].([]byte))
				case 9:
					dst := key()
					_, err := v.e.Rename(0, k, dst, false)
					if m[k] == nil {
						require.ErrorIs(t, err, engine.ErrNoSuchKey)
						break
					}
					require.NoError(t, err)
					if dst != k {
						m[dst] = m[k]
						delete(m, k)
					}
				case 10:
					dst := key()
					ok, err := v.e.Copy(0, k, 0, dst, true)
					if dst == k {
						require.ErrorIs(t, err, engine.ErrSameObject)
						break
					}
					require.Equal(t, m[k] != nil, ok)
					switch x := m[k].(type) {
					case string:
						m[dst] = x
					case map[string]string:
						m[dst] = maps.Clone(x)
					}
				case 11:
					if rng.IntN(3) == 0 && len(snaps) < 3 {
						snaps = append(snaps, held{v.e.Capture(nil), snapModel(t, m.items())})
					} else if len(snaps) > 0 {
						s := snaps[0]
						snaps = snaps[1:]
						var items []engine.Item
						s.snap.Each(func(it *engine.Item) bool {
							items = append(items, *it)
							return true
						})
						s.snap.Release()
						require.Equal(t, s.want, snapModel(t, items), "step %d: a snapshot changed", step)
					}
				}
				for _, g := range v.sink.Take() {
					replica.Apply(g, nil)
				}
				require.Equal(t, v.e.Digest(), replica.Digest(), "step %d", step)
				require.NoError(t, v.e.CheckInvariants(), "step %d", step)
				require.NoError(t, replica.CheckInvariants(), "step %d", step)
				require.Equal(t, engine.DigestOf(m.items()), v.e.Digest(), "step %d", step)
				for k := range m {
					require.Equal(t, map[bool]string{true: "hash", false: "string"}[m.isHash(k)], v.e.Type(0, k))
				}
			}
			for _, s := range snaps {
				s.snap.Release()
			}
			// A keyspace loaded from the model has the same digest.
			loaded := newEnv(t, lim).e
			loaded.Replace(m.items(), nil)
			require.Equal(t, v.e.Digest(), loaded.Digest())
			require.NoError(t, loaded.CheckInvariants())
		})
	}
}

func (m hashModel) isHash(k string) bool { _, ok := m.hash(k); return ok }

// TestHashWatchAndScan: WATCH sees every kind of hash change, and SCAN's
// TYPE filter and TYPE tell hashes from strings.
func TestHashWatchAndScan(t *testing.T) {
	v := newEnv(t)
	e := v.e
	for name, change := range map[string]func(){
		"hset":    func() { _, _ = e.HSet(0, "h", [][]byte{[]byte("f"), []byte("2")}, false) },
		"hdel":    func() { _, _ = e.HDel(0, "h", [][]byte{[]byte("f")}) },
		"hincrby": func() { _, _ = e.HIncrBy(0, "h", []byte("n"), 1) },
		"rename":  func() { _, _ = e.Rename(0, "h2", "h", false) },
	} {
		_, err := e.HSet(0, "h", [][]byte{[]byte("f"), []byte("1")}, false)
		require.NoError(t, err)
		_, _ = e.HSet(0, "h2", [][]byte{[]byte("x"), []byte("1")}, false)
		w := e.Watch(0, "h")
		change()
		require.True(t, e.Touched([]engine.Watch{w}), name)
		e.Unwatch([]engine.Watch{w})
	}
	e.Del(0, []string{"h2"})
	e.Set(0, "s", []byte("v"), engine.SetOptions{})
	_, _ = e.HSet(0, "h", [][]byte{[]byte("f"), []byte("1")}, false)
	_, keys := e.Scan(0, 0, "*", 1000, "hash")
	require.ElementsMatch(t, []string{"h"}, keys)
	_, keys = e.Scan(0, 0, "*", 1000, "STRING")
	require.ElementsMatch(t, []string{"s"}, keys)
	require.Equal(t, "hash", e.Type(0, "h"))
	enc, _ := e.Encoding(0, "h")
	require.Equal(t, "listpack", enc)
	_, _, err := e.GetAppend(nil, 0, "h")
	require.ErrorIs(t, err, engine.ErrWrongType)
	_, err = e.IncrBy(0, "h", 1)
	require.ErrorIs(t, err, engine.ErrWrongType)
	r := e.Set(0, "h", []byte("x"), engine.SetOptions{Get: true})
	require.ErrorIs(t, r.Err, engine.ErrWrongType)
	require.Equal(t, "hash", e.Type(0, "h"))
	e.Set(0, "h", []byte("x"), engine.SetOptions{}) // SET replaces any type
	require.Equal(t, "string", e.Type(0, "h"))
}

// TestHashEviction: hashes count in the memory the eviction policy
// frees, both forms, and an evicted hash leaves nothing in the side table
// (CheckInvariants, at cleanup).
func TestHashEviction(t *testing.T) {
	v := newEnv(t)
	for i := range 100 {
		k := "h" + strconv.Itoa(i)
		n := 3
		if i%10 == 0 {
			n = 600 // a hashtable
		}
		for j := range n {
			_, err := v.e.HSet(0, k, [][]byte{[]byte("field" + strconv.Itoa(j)), []byte("value")}, false)
			require.NoError(t, err)
		}
	}
	v.sink.Take()
	before := v.e.Memory().Used
	v.limit(before/3, engine.AllKeysRandom)
	require.NoError(t, v.e.FreeMemory())
	require.LessOrEqual(t, v.e.Memory().Used, before/3)
	require.Less(t, v.e.Len(), 100)
	for _, g := range v.sink.Take() {
		for _, ef := range g {
			require.Equal(t, engine.EffectDelete, ef.Kind)
		}
	}
	require.NoError(t, v.e.CheckInvariants())
}
