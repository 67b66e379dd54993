package engine_test

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// TestSnapshotViewsUnderWrites: sets, sorted sets and hashes written while
// up to three snapshots hold them, each snapshot read by its own goroutine
// while the writes go on (run with -race), give every snapshot the values
// it captured (the digest noted at Capture). With every hashtable value
// read through a view, with some and with none (copy on write alone).
func TestSnapshotViewsUnderWrites(t *testing.T) {
	for _, min := range []int64{0, 32 << 10, 1 << 62} {
		t.Run(strconv.FormatInt(min, 10), func(t *testing.T) {
			v := newEnv(t)
			e := v.e
			engine.SetViewMin(e, min)
			rng := rand.New(rand.NewPCG(7, uint64(min)))
			key := func() string { return string("szh"[rng.IntN(3)]) + strconv.Itoa(rng.IntN(4)) }
			member := func() []byte {
				if rng.IntN(4) == 0 {
					return []byte(strconv.Itoa(rng.IntN(3000))) // integers: intsets too
				}
				return []byte("m" + strconv.Itoa(rng.IntN(3000)))
			}
			some := func() [][]byte {
				out := make([][]byte, 1+rng.IntN(40))
				for i := range out {
					out[i] = member()
				}
				return out
			}
			type held struct {
				snap  *engine.Snapshot
				at    engine.Digest
				items chan []engine.Item
			}
			var live []held
			views := 0
			check := func(h held) {
				items := <-h.items
				require.Equal(t, h.at, engine.DigestOf(items), "a snapshot's values changed under it")
				views += engine.SnapshotViews(h.snap)
				h.snap.Release()
			}
			for step := range 6000 {
				k := key()
				switch op := rng.IntN(100); {
				case op < 30:
					switch k[0] {
					case 's':
						_, _ = e.SAdd(rng.IntN(2), k, some())
					case 'z':
						ms := some()
						sc := make([]float64, len(ms))
						for i := range sc {
							sc[i] = float64(rng.IntN(50))
						}
						_, _, _, _ = e.ZAdd(rng.IntN(2), k, engine.ZAddOptions{}, sc, ms)
					default:
						ms := some()
						pairs := make([][]byte, 0, 2*len(ms))
						for _, m := range ms {
							pairs = append(pairs, m, []byte(strconv.Itoa(rng.IntN(1e6))))
						}
						_, _ = e.HSet(rng.IntN(2), k, pairs, false)
					}
				case op < 45:
					switch k[0] {
					case 's':
						_, _ = e.SRem(0, k, some())
					case 'z':
						_, _ = e.ZIncrBy(0, k, 1, member())
					default:
						_, _ = e.HDel(0, k, some())
					}
				case op < 50:
					switch k[0] {
					case 's':
						_, _ = e.SPop(0, k, int64(rng.IntN(30)))
					case 'z':
						_, _ = e.ZRem(0, k, some())
					default:
						_, _ = e.HIncrBy(0, k, member(), 3)
					}
				case op < 52:
					e.Del(rng.IntN(2), []string{k})
				case op < 55:
					_, _ = e.Rename(0, k, string(k[0])+strconv.Itoa(rng.IntN(4)), false)
				case op < 57:
					_, _ = e.Move(rng.IntN(2), k, rng.IntN(2))
				case op < 59:
					_, _ = e.Copy(0, k, rng.IntN(2), string(k[0])+strconv.Itoa(rng.IntN(4)), true)
				case op < 63:
					if len(live) < 3 {
						h := held{items: make(chan []engine.Item, 1)}
						h.snap = e.Capture(func(d engine.Digest) { h.at = d })
						// Read at once, while the writes that follow
						// change what it holds.
						go func() { h.items <- snapshotItems(h.snap) }()
						live = append(live, h)
					} else {
						check(live[0])
						live = live[1:]
					}
				}
				if step%500 == 0 {
					require.NoError(t, e.CheckInvariants(), "step %d", step)
				}
			}
			for _, h := range live {
				check(h)
			}
			replay(t, v)
			if min == 0 {
				require.Positive(t, views, "no snapshot read a value through a view")
			} else if min == 1<<62 {
				require.Zero(t, views)
			}
		})
	}
}

// TestSnapshotIgnoresLoadedValues: values a full resynchronisation loads
// (Replace) after a snapshot was taken are none of the snapshot's: their
// first write gives it no view, and it still reads what it captured.
func TestSnapshotIgnoresLoadedValues(t *testing.T) {
	v := newEnv(t)
	e := v.e
	engine.SetViewMin(e, 0)
	e.Set(0, "old", []byte("v"), engine.SetOptions{}) // the snapshot holds no collection
	var at engine.Digest
	snap := e.Capture(func(d engine.Digest) { at = d })
	defer snap.Release()
	members := make([][]byte, 600) // past set-max-intset-entries: a table
	for i := range members {
		members[i] = []byte("m" + strconv.Itoa(i))
	}
	loaded := newEnv(t).e
	_, err := loaded.SAdd(0, "s", members)
	require.NoError(t, err)
	items := snapshotItems(loaded.Capture(nil))
	e.Replace(items, nil)
	_, err = e.SAdd(0, "s", bs("new"))
	require.NoError(t, err)
	require.Equal(t, at, engine.DigestOf(snapshotItems(snap)))
	require.Zero(t, engine.SnapshotViews(snap), "a loaded value was given to a snapshot taken before it")
}

// TestSnapshotting: the engine reports a snapshot from its Capture until
// its Release, whichever of several is released first.
func TestSnapshotting(t *testing.T) {
	e := newEnv(t).e
	require.False(t, e.Snapshotting(), "no snapshot yet")
	a := e.Capture(nil)
	b := e.Capture(nil)
	require.True(t, e.Snapshotting())
	a.Release()
	require.True(t, e.Snapshotting(), "one is still held")
	a.Release() // a second Release changes nothing
	require.True(t, e.Snapshotting())
	b.Release()
	require.False(t, e.Snapshotting(), "every snapshot released")
}
