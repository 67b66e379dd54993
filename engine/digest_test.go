package engine_test

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// digestSink keeps the digest each group was reported with.
type digestSink struct {
	mu   sync.Mutex
	last engine.Digest
	n    int
}

func (s *digestSink) Record(_ []engine.Effect, d engine.Digest, _ int64) {
	s.mu.Lock()
	s.last, s.n = d, s.n+1
	s.mu.Unlock()
}

// TestDigestIncremental runs random workloads of every operation kind and
// checks, after every operation, that the digest kept up to date change by
// change equals the digest computed from scratch over the data, and that
// the sink saw the digest of the data its effects produced.
func TestDigestIncremental(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			clk := newFakeClock()
			sink := &digestSink{}
			e := engine.New(engine.Options{Databases: propDBs, Clock: clk, Sink: sink, MaxValueSize: propMaxSize})
			r := rand.New(rand.NewPCG(seed, 0xd16e57))
			for i := range 3000 {
				clk.Advance(time.Duration(r.IntN(120)) * time.Millisecond)
				o := randomOp(r, clk.Ms())
				before := sink.n
				o.runEngine(t, e)
				d := e.Digest()
				require.Equal(t, engine.DigestOf(e.Items()), d, "op %d: %s", i, o)
				if sink.n > before {
					require.Equal(t, d, sink.last, "op %d: %s reported another digest", i, o)
				}
				if i%500 == 0 {
					require.NoError(t, e.CheckInvariants())
				}
			}
			require.NoError(t, e.CheckInvariants())
		})
	}
}

// TestDigestOrderIndependent builds one dataset along random write orders,
// with detours (keys written and overwritten, expiries set and removed,
// keys deleted again) that must leave no trace.
func TestDigestOrderIndependent(t *testing.T) {
	type kv struct {
		db       int
		key, val string
		at       int64
	}
	var want []kv
	for i := range 400 {
		var at int64
		if i%3 == 0 {
			at = t0 + 3_600_000 + int64(i)
		}
		want = append(want, kv{i % propDBs, "k" + strconv.Itoa(i), "v" + strconv.Itoa(i*7), at})
	}
	var ref engine.Digest
	for seed := uint64(1); seed <= 5; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		e := engine.New(engine.Options{Databases: propDBs, Clock: newFakeClock()})
		order := slices.Clone(want)
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, x := range order {
			if r.IntN(3) == 0 { // a detour: another value, another expiry, a deleted neighbour
				e.Set(x.db, x.key, []byte("old"), engine.SetOptions{ExpireAt: t0 + 60_000})
				e.Set(x.db, x.key+"-gone", []byte("x"), engine.SetOptions{})
				e.Del(x.db, []string{x.key + "-gone"})
			}
			e.Set(x.db, x.key, []byte(x.val), engine.SetOptions{ExpireAt: x.at})
		}
		got := e.Digest()
		require.Equal(t, engine.DigestOf(e.Items()), got)
		if seed == 1 {
			ref = got
			continue
		}
		require.Equal(t, ref, got, "seed %d", seed)
	}
	// Through Apply (a secondary) and Replace (a load) too.
	items := make([]engine.Item, 0, len(want))
	effects := make([]engine.Effect, 0, len(want))
	for _, x := range want {
		items = append(items, engine.Item{DB: x.db, Key: x.key, Value: []byte(x.val), ExpireAt: x.at})
		effects = append(effects, engine.Effect{Kind: engine.EffectSet, DB: x.db, Key: x.key, Value: []byte(x.val), ExpireAt: x.at})
	}
	a := engine.New(engine.Options{Databases: propDBs, Clock: newFakeClock()})
	a.Apply(effects, nil)
	require.Equal(t, ref, a.Digest())
	b := engine.New(engine.Options{Databases: propDBs, Clock: newFakeClock()})
	b.Set(0, "to be replaced", []byte("x"), engine.SetOptions{})
	b.Replace(items, nil)
	require.Equal(t, ref, b.Digest())
	require.Equal(t, ref, engine.DigestOf(items))
}

// TestDigestFixed pins the digest of a small dataset. Nodes of different
// versions compare digests at checkpoints: a change of the hash (a seed, a
// constant, the layout of a key's term) must be deliberate, and documented
// as a protocol change, never an accident.
func TestDigestFixed(t *testing.T) {
	e := engine.New(engine.Options{Databases: 16, Clock: newFakeClock()})
	e.Set(0, "user:1", []byte("Alice"), engine.SetOptions{})
	e.Set(0, "counter", []byte("42"), engine.SetOptions{ExpireAt: 1_700_000_100_000})
	e.Set(3, "", []byte(""), engine.SetOptions{})
	e.Set(15, "binary\x00key", []byte("\xff\xfe long enough to take the sixteen-byte loop twice"), engine.SetOptions{})
	require.Equal(t, "2bdf0411715ff0fee76608636f1128f1", e.Digest().String())
	// A string longer than 4 KiB is hashed by pieces of 4 KiB (since the
	// second version of the digest: docs/PROTOCOL.md, "The digest").
	e.Set(1, "long", bytes.Repeat([]byte("0123456789"), 1000), engine.SetOptions{})
	require.Equal(t, "87901f8960271f07cc880e998562a635", e.Digest().String())
}

// TestDigestDistinguishes checks that the changes a replication bug could
// make (one value, one expiry, one database, a key's name, a key too many)
// each change the digest, and that two keys cannot cancel out.
func TestDigestDistinguishes(t *testing.T) {
	base := func() *engine.Engine {
		e := engine.New(engine.Options{Databases: 16, Clock: newFakeClock()})
		e.Set(0, "a", []byte("1"), engine.SetOptions{})
		e.Set(0, "b", []byte("2"), engine.SetOptions{ExpireAt: t0 + 5000})
		return e
	}
	ref := base().Digest()
	for name, change := range map[string]func(e *engine.Engine){
		"value":          func(e *engine.Engine) { e.Set(0, "a", []byte("2"), engine.SetOptions{}) },
		"expiry":         func(e *engine.Engine) { e.Expire(0, "b", t0+5001, engine.ExpireAlways) },
		"persist":        func(e *engine.Engine) { e.Persist(0, "b") },
		"database":       func(e *engine.Engine) { _, _ = e.Move(0, "a", 1) },
		"name":           func(e *engine.Engine) { _, _ = e.Rename(0, "a", "A", false) },
		"one more":       func(e *engine.Engine) { e.Set(5, "a", []byte("1"), engine.SetOptions{}) },
		"swapped values": func(e *engine.Engine) { e.MSet(0, [][]byte{[]byte("a"), []byte("2"), []byte("b"), []byte("1")}, false) },
		"twice the same in two dbs": func(e *engine.Engine) {
			e.Set(1, "a", []byte("1"), engine.SetOptions{})
			e.Set(2, "a", []byte("1"), engine.SetOptions{})
		},
	} {
		e := base()
		change(e)
		require.NotEqual(t, ref, e.Digest(), name)
		require.Equal(t, engine.DigestOf(e.Items()), e.Digest(), name)
	}
	e := base()
	e.FlushDB(0)
	require.True(t, e.Digest().IsZero())
	_, err := engine.ParseDigest("xyz")
	require.ErrorIs(t, err, engine.ErrBadDigest)
}

// BenchmarkDigestSet is the cost the digest adds to a SET: the key's and
// the value's hashes and the two 128-bit updates (compare BenchmarkSet).
func BenchmarkDigestSet(b *testing.B) {
	e := engine.New(engine.Options{Databases: 16, Clock: newFakeClock()})
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	val := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e.Set(0, keys[i&(len(keys)-1)], val, engine.SetOptions{})
	}
}
