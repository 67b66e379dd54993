package engine_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// setModel is what the sets of database 0 should hold: members by key,
// and whether each set has become a hashtable (which it stays).
type setModel struct {
	sets    map[string]map[string]bool
	table   map[string]bool
	maxInts int
}

func isInt(m string) bool { _, ok := engine.ParseInt([]byte(m)); return ok }

// add records members added to key (as SADD or a replay does).
func (m *setModel) add(key string, ms ...string) int {
	s := m.sets[key]
	if s == nil {
		s = map[string]bool{}
		m.sets[key] = s
	}
	n := 0
	for _, x := range ms {
		if !s[x] {
			s[x] = true
			n++
			if !isInt(x) || len(s) > m.maxInts {
				m.table[key] = true
			}
		}
	}
	return n
}

func (m *setModel) remove(key string, ms ...string) int {
	n := 0
	for _, x := range ms {
		if m.sets[key][x] {
			delete(m.sets[key], x)
			n++
		}
	}
	if len(m.sets[key]) == 0 {
		m.drop(key)
	}
	return n
}

func (m *setModel) drop(key string) {
	delete(m.sets, key)
	delete(m.table, key)
}

// store records a computed set stored under key, as a new set.
func (m *setModel) store(key string, res map[string]bool) {
	m.drop(key)
	if len(res) > 0 {
		m.add(key, keysSorted(res)...)
	}
}

func keysSorted(s map[string]bool) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func strs(bb [][]byte) []string {
	out := make([]string, len(bb))
	for i, b := range bb {
		out[i] = string(b)
	}
	return out
}

func sortedStrs(bb [][]byte) []string {
	out := strs(bb)
	slices.Sort(out)
	return out
}

// algebra computes op over the model's sets of keys.
func (m *setModel) algebra(op engine.SetOp, keys []string) map[string]bool {
	out := map[string]bool{}
	switch op {
	case engine.SetUnion:
		for _, k := range keys {
			for x := range m.sets[k] {
				out[x] = true
			}
		}
	case engine.SetInter:
		for x := range m.sets[keys[0]] {
			in := true
			for _, k := range keys[1:] {
				in = in && m.sets[k][x]
			}
			if in {
				out[x] = true
			}
		}
	case engine.SetDiff:
		for x := range m.sets[keys[0]] {
			in := false
			for _, k := range keys[1:] {
				in = in || m.sets[k][x]
			}
			if !in {
				out[x] = true
			}
		}
	}
	return out
}

var setPool = []string{"0", "1", "2", "3", "7", "-1", "-40000", "70000", "-5000000000", "9223372036854775807", "-9223372036854775808",
	"01", "+1", "-0", "a", "b", "c", "member", "", "x y"}

// TestSetsAgainstModel runs random set commands against a map model with
// a small intset limit, so that sets are converted back and forth through
// deletion: replies, encodings and invariants are checked as it goes, a
// snapshot taken midway keeps its captured value while the sets change
// (copy on write), and replaying the recorded effects on a second engine
// gives the same digest.
func TestSetsAgainstModel(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			limits := engine.DefaultCollLimits
			limits.SetInts = 4
			v := newEnv(t, func(o *engine.Options) { o.CollLimits = limits })
			e := v.e
			r := rand.New(rand.NewPCG(seed, 0x5e75))
			m := &setModel{sets: map[string]map[string]bool{}, table: map[string]bool{}, maxInts: 4}
			keys := []string{"k0", "k1", "k2", "k3", "str"}
			require.True(t, e.Set(0, "str", []byte("string"), engine.SetOptions{}).Done) // replayed too
			key := func() string { return keys[r.IntN(len(keys))] }
			members := func() [][]byte {
				out := make([][]byte, 1+r.IntN(5))
				for i := range out {
					out[i] = []byte(setPool[r.IntN(len(setPool))])
				}
				return out
			}
			checkErr := func(k string, err error) bool {
				t.Helper()
				if k == "str" {
					require.ErrorIs(t, err, engine.ErrWrongType)
					return false
				}
				require.NoError(t, err)
				return true
			}
			var snapItems []engine.Item
			var snapDigest engine.Digest
			var release func()
			for step := range 3000 {
				k := key()
				switch r.IntN(12) {
				case 0, 1:
					ms := members()
					n, err := e.SAdd(0, k, ms)
					if checkErr(k, err) {
						require.Equal(t, m.add(k, strs(ms)...), n)
					}
				case 2:
					ms := members()
					n, err := e.SRem(0, k, ms)
					if checkErr(k, err) {
						require.Equal(t, m.remove(k, strs(ms)...), n)
					}
				case 3:
					count := int64(r.IntN(4))
					got, err := e.SPop(0, k, count)
					if checkErr(k, err) {
						require.Len(t, got, min(int(count), len(m.sets[k])))
						for _, x := range strs(got) {
							require.True(t, m.sets[k][x], "SPOP gave %q", x)
						}
						m.remove(k, strs(got)...)
					}
				case 4:
					count := int64(r.IntN(9) - 4)
					got, err := e.SRandMember(0, k, count)
					if checkErr(k, err) {
						n := len(m.sets[k])
						switch {
						case n == 0 || count == 0:
							require.Empty(t, got)
						case count < 0:
							require.Len(t, got, int(-count))
						default:
							require.Len(t, got, min(int(count), n))
							require.Len(t, slices.Compact(sortedStrs(got)), len(got), "SRANDMEMBER repeated")
						}
						for _, x := range strs(got) {
							require.True(t, m.sets[k][x])
						}
					}
				case 5:
					dst, x := key(), setPool[r.IntN(len(setPool))]
					ok, err := e.SMove(0, k, dst, []byte(x))
					switch {
					case m.sets[k] == nil && k != "str":
						require.NoError(t, err)
						require.False(t, ok)
					case k == "str" || dst == "str":
						require.ErrorIs(t, err, engine.ErrWrongType)
					default:
						require.NoError(t, err)
						require.Equal(t, m.sets[k][x], ok)
						if ok && k != dst {
							m.remove(k, x)
							m.add(dst, x)
						}
					}
				case 6, 7:
					op := engine.SetOp(r.IntN(3))
					ks := []string{key(), key()}
					if r.IntN(3) == 0 {
						ks = append(ks, key())
					}
					want := m.algebra(op, ks)
					wrong := slices.Contains(ks, "str")
					if r.IntN(2) == 0 {
						got, err := e.SetAlgebra(0, op, ks)
						if wrong {
							require.ErrorIs(t, err, engine.ErrWrongType)
							break
						}
						require.NoError(t, err)
						require.Equal(t, keysSorted(want), sortedStrs(got), "%v %v", op, ks)
						break
					}
					if k == "str" {
						k = "k0" // the string stays a string
					}
					n, err := e.SetAlgebraStore(0, op, k, ks)
					if wrong {
						require.ErrorIs(t, err, engine.ErrWrongType)
						break
					}
					require.NoError(t, err)
					require.Equal(t, len(want), n)
					m.store(k, want)
				case 8:
					limit := int64(r.IntN(4))
					ks := []string{key(), key()}
					n, err := e.SInterCard(0, ks, limit)
					if slices.Contains(ks, "str") {
						require.ErrorIs(t, err, engine.ErrWrongType)
						break
					}
					require.NoError(t, err)
					want := len(m.algebra(engine.SetInter, ks))
					if limit > 0 {
						want = min(want, int(limit))
					}
					require.Equal(t, want, n)
				case 9:
					x := setPool[r.IntN(len(setPool))]
					ok, err := e.SIsMember(0, k, []byte(x))
					if checkErr(k, err) {
						require.Equal(t, m.sets[k][x], ok)
					}
					oks, err := e.SMIsMember(0, k, [][]byte{[]byte(x), []byte("zz")})
					if checkErr(k, err) {
						require.Equal(t, []bool{m.sets[k][x], false}, oks)
					}
				case 10:
					got := map[string]bool{}
					var cursor uint64
					for {
						next, page, err := e.SScan(0, k, cursor, "*", 2)
						if !checkErr(k, err) {
							break
						}
						for _, x := range page {
							got[string(x)] = true
						}
						if cursor = next; cursor == 0 {
							break
						}
					}
					if k != "str" {
						require.Equal(t, keysSorted(m.sets[k]), keysSorted(got))
					}
				case 11:
					switch {
					case release == nil && step < 2000:
						snapItems, release = e.Snapshot(func(d engine.Digest) { snapDigest = d })
					case release != nil:
						require.Equal(t, snapDigest, engine.DigestOf(snapItems))
						release()
						release = nil
					}
				}
				if k != "str" {
					n, err := e.SCard(0, k)
					require.NoError(t, err)
					require.Equal(t, len(m.sets[k]), n)
					if enc, ok := e.Encoding(0, k); ok {
						want := engine.EncodingIntset
						if m.table[k] {
							want = engine.EncodingHashtable
						}
						require.Equal(t, want, enc, "key %s holding %v", k, keysSorted(m.sets[k]))
						ms, err := e.SMembers(0, k)
						require.NoError(t, err)
						if want == engine.EncodingIntset {
							require.True(t, slices.IsSortedFunc(ms, func(a, b []byte) int {
								x, _ := engine.ParseInt(a)
								y, _ := engine.ParseInt(b)
								return cmp.Compare(x, y)
							}), "intset members out of order: %q", ms)
						}
					}
				}
				if step%100 == 0 {
					require.NoError(t, e.CheckInvariants())
				}
			}
			if release != nil {
				require.Equal(t, snapDigest, engine.DigestOf(snapItems))
				release()
			}
			require.NoError(t, e.CheckInvariants())
			replay(t, v)
		})
	}
}

// TestSetDigestValueIgnoresEncoding: DEBUG DIGEST-VALUE and the digest are
// the same for equal sets whether they are intsets or hashtables, and a
// set's packed form rebuilds it.
func TestSetDigestValueIgnoresEncoding(t *testing.T) {
	v := newEnv(t)
	e := v.e
	ints := bs("10", "2", "-3", "70000")
	must(e.SAdd(0, "intset", ints))
	must(e.SAdd(0, "table", append(bs("x"), ints...)))
	must(e.SRem(0, "table", bs("x")))
	enc, _ := e.Encoding(0, "intset")
	require.Equal(t, engine.EncodingIntset, enc)
	enc, _ = e.Encoding(0, "table")
	require.Equal(t, engine.EncodingHashtable, enc)
	dv := e.DigestValue(0, []string{"intset", "table"})
	require.Equal(t, dv[0], dv[1])

	a := engine.New(engine.Options{Databases: 1})
	b := engine.New(engine.Options{Databases: 1})
	must(a.SAdd(0, "s", ints))
	must(b.SAdd(0, "s", append(bs("x"), ints...)))
	must(b.SRem(0, "s", bs("x")))
	require.Equal(t, a.Digest(), b.Digest())

	// Mixed members: the same digest value in any order of addition.
	must(e.SAdd(0, "m1", bs("b", "1", "a", "-5")))
	must(e.SAdd(0, "m2", bs("-5", "a", "1", "b")))
	dv = e.DigestValue(0, []string{"m1", "m2"})
	require.Equal(t, dv[0], dv[1])
	replay(t, v)
}

// TestSetIntsetWidths: members at every width, and crossing them, keep
// their order and values.
func TestSetIntsetWidths(t *testing.T) {
	v := newEnv(t)
	e := v.e
	var want []int64
	for _, x := range []int64{5, -32768, 32767, 32768, -2147483649, 2147483647, -9223372036854775808, 9223372036854775807, 0, -1} {
		must(e.SAdd(0, "w", bs(strconv.FormatInt(x, 10))))
		want = append(want, x)
		slices.Sort(want)
		enc, _ := e.Encoding(0, "w")
		require.Equal(t, engine.EncodingIntset, enc)
		got := must(e.SMembers(0, "w"))
		require.Len(t, got, len(want))
		for i, g := range got {
			require.Equal(t, strconv.FormatInt(want[i], 10), string(g))
		}
	}
	require.Equal(t, 2, must(e.SRem(0, "w", bs("-9223372036854775808", "9223372036854775807"))))
	require.Equal(t, 8, must(e.SCard(0, "w")))
	require.NoError(t, e.CheckInvariants())
	replay(t, v)
}

// TestSPopRebuildReplicated: an SPOP that leaves few members builds the
// set again (an intset when they are integers, as Redis's third case
// does), and a replica's set takes the same encoding and keeps the key's
// expiry.
func TestSPopRebuildReplicated(t *testing.T) {
	v := newEnv(t)
	e := v.e
	members := make([][]byte, 1000) // past set-max-intset-entries: a hashtable
	for i := range members {
		members[i] = []byte(strconv.Itoa(i))
	}
	_, err := e.SAdd(0, "s", members)
	require.NoError(t, err)
	require.True(t, e.Expire(0, "s", v.clk.Ms()+3600_000, engine.ExpireAlways))
	popped, err := e.SPop(0, "s", 900)
	require.NoError(t, err)
	require.Len(t, popped, 900)
	r := replay(t, v)
	for _, eng := range []*engine.Engine{e, r} {
		enc, ok := eng.Encoding(0, "s")
		require.True(t, ok)
		require.Equal(t, "intset", enc)
		n, err := eng.SCard(0, "s")
		require.NoError(t, err)
		require.Equal(t, 100, n)
	}
	require.Equal(t, e.ExpireTime(0, "s"), r.ExpireTime(0, "s"))
}
