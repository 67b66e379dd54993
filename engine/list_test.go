package engine_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// listModel is the obvious list the engine's must behave as.
type listModel map[string][][]byte

func (m listModel) norm(key string, start, stop int64) (int64, int64, bool) {
	n := int64(len(m[key]))
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	start = max(start, 0)
	if start > stop || start >= n {
		return 0, 0, false
	}
	return start, min(stop, n-1), true
}

func (m listModel) pop(key string, left bool, count int) [][]byte {
	l := m[key]
	count = min(count, len(l))
	var out [][]byte
	for range count {
		if left {
			out, l = append(out, l[0]), l[1:]
		} else {
			out, l = append(out, l[len(l)-1]), l[:len(l)-1]
		}
	}
	m.store(key, l)
	return out
}

func (m listModel) store(key string, l [][]byte) {
	if len(l) == 0 {
		delete(m, key)
	} else {
		m[key] = l
	}
}

// TestListProperty runs random list commands on the engine and on a
// model, with chunks of a few entries or bytes so that nodes fill, split
// and empty all the time, and requires equal answers and contents, the
// engine's invariants after each step (the record's value hash and
// memory are the object's, and rebuilding from the packed form gives the
// same), and a replica replaying the recorded effects reaching the same
// digest.
func TestListProperty(t *testing.T) {
	for _, size := range []int64{1, 3, 7, -1, -2} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			v := newEnv(t, func(o *engine.Options) {
				o.CollLimits = engine.CollLimits{ListSize: size, SetInts: 512, ZSetEntries: 128, ZSetValue: 64}
			})
			e := v.e
			rng := rand.New(rand.NewPCG(uint64(size+10), 7))
			m := listModel{}
			keys := []string{"a", "b", "c"}
			elem := func() []byte {
				if rng.IntN(10) == 0 {
					return bytes.Repeat([]byte{'x'}, rng.IntN(3000)) // crosses the byte limits
				}
				return []byte(fmt.Sprint(rng.IntN(6)))
			}
			idx := func(key string) int64 { return int64(rng.IntN(2*len(m[key])+3) - len(m[key]) - 1) }
			for step := range 3000 {
				key := keys[rng.IntN(len(keys))]
				var what string
				switch op := rng.IntN(13); op {
				case 0, 1:
					elems := [][]byte{elem(), elem(), elem()}[:1+rng.IntN(3)]
					left := op == 0
					n, err := e.LPush(0, key, elems, left, rng.IntN(5) == 0)
					require.NoError(t, err)
					if n > 0 {
						l := m[key]
						for _, x := range elems {
							if left {
								l = append([][]byte{x}, l...)
							} else {
								l = append(l, x)
							}
						}
						m[key] = l
					}
					require.Equal(t, len(m[key]), n)
					what = "push"
				case 2, 3:
					left, count := op == 2, 1+rng.IntN(4)
					got, found, err := e.LPop(0, key, left, count)
					require.NoError(t, err)
					_, had := m[key]
					require.Equal(t, had, found)
					if found {
						require.Equal(t, m.pop(key, left, count), got)
					}
					what = "pop"
				case 4:
					start, stop := idx(key), idx(key)
					got, err := e.LRange(0, key, start, stop)
					require.NoError(t, err)
					want := [][]byte{}
					if s, p, ok := m.norm(key, start, stop); ok {
						want = m[key][s : p+1]
					}
					if len(m[key]) == 0 {
						want = nil
					}
					require.Equal(t, len(want), len(got))
					for i := range want {
						require.Equal(t, want[i], got[i])
					}
					what = "lrange"
				case 5:
					i, x := idx(key), elem()
					err := e.LSet(0, key, i, x)
					n := int64(len(m[key]))
					j := i
					if j < 0 {
						j += n
					}
					switch {
					case n == 0:
						require.ErrorIs(t, err, engine.ErrNoSuchKey)
					case j < 0 || j >= n:
						require.ErrorIs(t, err, engine.ErrIndexOutOfRange)
					default:
						require.NoError(t, err)
						m[key][j] = x
					}
					what = "lset"
				case 6:
					pivot, x, before := elem(), elem(), rng.IntN(2) == 0
					n, err := e.LInsert(0, key, before, pivot, x)
					require.NoError(t, err)
					l := m[key]
					at := slices.IndexFunc(l, func(y []byte) bool { return bytes.Equal(y, pivot) })
					switch {
					case len(l) == 0:
						require.Equal(t, 0, n)
					case at < 0:
						require.Equal(t, -1, n)
					default:
						if !before {
							at++
						}
						m[key] = slices.Insert(slices.Clone(l), at, x)
						require.Equal(t, len(m[key]), n)
					}
					what = "linsert"
				case 7:
					count, x := int64(rng.IntN(5)-2), elem()
					n, err := e.LRem(0, key, count, x)
					require.NoError(t, err)
					l, removed := slices.Clone(m[key]), 0
					limit := max(count, -count)
					if count >= 0 {
						for i := 0; i < len(l) && (limit == 0 || int64(removed) < limit); {
							if bytes.Equal(l[i], x) {
								l = slices.Delete(l, i, i+1)
								removed++
							} else {
								i++
							}
						}
					} else {
						for i := len(l) - 1; i >= 0 && int64(removed) < limit; i-- {
							if bytes.Equal(l[i], x) {
								l = slices.Delete(l, i, i+1)
								removed++
							}
						}
					}
					require.Equal(t, removed, n)
					m.store(key, l)
					what = "lrem"
				case 8:
					start, stop := idx(key), idx(key)
					require.NoError(t, e.LTrim(0, key, start, stop))
					if s, p, ok := m.norm(key, start, stop); ok {
						m.store(key, m[key][s:p+1])
					} else {
						delete(m, key)
					}
					what = "ltrim"
				case 9:
					dst := keys[rng.IntN(len(keys))]
					from, to := rng.IntN(2) == 0, rng.IntN(2) == 0
					got, ok, err := e.LMove(0, key, dst, from, to)
					require.NoError(t, err)
					require.Equal(t, len(m[key]) > 0, ok)
					if ok {
						x := m.pop(key, from, 1)[0]
						require.Equal(t, x, got)
						if to {
							m[dst] = append([][]byte{x}, m[dst]...)
						} else {
							m[dst] = append(m[dst], x)
						}
					}
					what = "lmove"
				case 10:
					i := idx(key)
					got, ok, err := e.LIndex(0, key, i)
					require.NoError(t, err)
					n := int64(len(m[key]))
					if i < 0 {
						i += n
					}
					require.Equal(t, i >= 0 && i < n, ok)
					if ok {
						require.Equal(t, m[key][i], got)
					}
					what = "lindex"
				case 11:
					x := elem()
					rank := int64(rng.IntN(5) - 2)
					if rank == 0 {
						rank = 1
					}
					got, err := e.LPos(0, key, x, engine.LPosOptions{Rank: rank, Count: 0})
					require.NoError(t, err)
					var want []int64
					l := m[key]
					for k := range l {
						i := k
						if rank < 0 {
							i = len(l) - 1 - k
						}
						if bytes.Equal(l[i], x) {
							want = append(want, int64(i))
						}
					}
					want = want[min(int(max(rank, -rank))-1, len(want)):]
					require.Equal(t, len(want), len(got))
					for i := range want {
						require.Equal(t, want[i], got[i])
					}
					what = "lpos"
				case 12:
					left, count := rng.IntN(2) == 0, 1+rng.IntN(3)
					k, got, err := e.LMPop(0, keys, left, count)
					require.NoError(t, err)
					want := ""
					for _, kk := range keys {
						if len(m[kk]) > 0 {
							want = kk
							break
						}
					}
					require.Equal(t, want, k)
					if k != "" {
						require.Equal(t, m.pop(k, left, count), got)
					}
					what = "lmpop"
				}
				for _, k := range keys {
					got, err := e.LRange(0, k, 0, -1)
					require.NoError(t, err)
					require.Equal(t, len(m[k]), len(got), "step %d %s key %s", step, what, k)
					for i := range got {
						require.Equal(t, m[k][i], got[i], "step %d %s key %s elem %d", step, what, k, i)
					}
				}
				require.NoError(t, e.CheckInvariants(), "step %d %s", step, what)
			}
			replay(t, v)
		})
	}
}

// TestListEqualValuesEqualHash: lists with the same elements have the
// same digest whatever the pushes, pops and edits that built them.
func TestListEqualValuesEqualHash(t *testing.T) {
	a, b := newEnv(t).e, newEnv(t).e
	must(a.LPush(0, "k", bs("3", "2", "1"), true, false))
	must(b.LPush(0, "k", bs("0", "1", "x", "3"), false, false))
	_, _, err := b.LPop(0, "k", true, 1)
	require.NoError(t, err)
	require.NoError(t, b.LSet(0, "k", 1, []byte("2")))
	require.Equal(t, a.Digest(), b.Digest())
	must(b.LInsert(0, "k", true, []byte("3"), []byte("y")))
	require.NotEqual(t, a.Digest(), b.Digest())
	must(b.LRem(0, "k", 0, []byte("y")))
	require.Equal(t, a.Digest(), b.Digest())
	_, _, err = a.LMove(0, "k", "k", true, false) // 2 3 1
	require.NoError(t, err)
	require.NotEqual(t, a.Digest(), b.Digest())
}

// TestListMemoryCompact: a million short elements cost close to Redis's
// quicklist (their bytes and a few bytes each), not a Go string each.
func TestListMemoryCompact(t *testing.T) {
	e := engine.New(engine.Options{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	batch := make([][]byte, 1000)
	for i := range 1000 {
		for j := range batch {
			batch[j] = fmt.Appendf(nil, "e%d", i*1000+j)
		}
		must(e.LPush(0, "big", batch, false, false))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc-before.HeapAlloc) / 1e6
	require.Less(t, heap, 16.0, "heap bytes per element of 6 or 7 bytes")
	per := float64(e.Memory().Used) / 1e6
	require.Less(t, per, 12.0, "accounted bytes per element")
	require.Greater(t, per, 7.0, "accounted bytes per element")
	require.NoError(t, e.CheckInvariants())
	runtime.KeepAlive(e)
}

// TestListApplyRefusesBadWords: malformed list operations never reach a
// list.
func TestListApplyRefusesBadWords(t *testing.T) {
	op := func(words ...string) []byte {
		var p []byte
		for _, w := range words {
			p = engine.AppendPacked(p, w)
		}
		return p
	}
	for _, p := range [][]byte{op("LPUSH"), op("LPOP"), op("LPOP", "-1"), op("LPOP", "x"), op("LSET", "1"), op("LSET", "-1", "v"),
		op("LINSERT", "x", "v"), op("LTRIM", "1"), op("LTRIM", "0", "-1"), op("LREM", "x", "v"), op("LMOVE", "LEFT", "UP"), op("RPOP", "1", "2")} {
		require.Error(t, engine.CheckApply(p), "%q", p)
	}
	for _, p := range [][]byte{op("LPUSH", "a"), op("RPUSH", "a", "b"), op("LPOP", "3"), op("LSET", "0", "v"), op("LINSERT", "2", "v"),
		op("LREM", "-2", "v"), op("LTRIM", "0", "3"), op("LMOVE", "LEFT", "RIGHT")} {
		require.NoError(t, engine.CheckApply(p), "%q", p)
	}
}
