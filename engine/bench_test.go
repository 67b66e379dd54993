package engine_test

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
)

// nopSink stands in for the replication log: it sees every effect group but
// keeps nothing, so the benchmarks include the cost of reporting.
type nopSink struct{ n int }

func (s *nopSink) Record(effects []engine.Effect, _ engine.Digest, _ int64) { s.n += len(effects) }

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	return keys
}

// BenchmarkSet stores 16-byte values over a 1M-key space: new keys at first,
// overwrites once b.N passes the key count.
func BenchmarkSet(b *testing.B) {
	keys := benchKeys(1 << 20)
	e := engine.New(engine.Options{Clock: newFakeClock(), Sink: &nopSink{}})
	val := []byte("0123456789abcdef")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e.Set(0, keys[i&(len(keys)-1)], val, engine.SetOptions{})
	}
}

// BenchmarkGet reads random keys of a 1M-key table.
func BenchmarkGet(b *testing.B) {
	keys := benchKeys(1 << 20)
	e := engine.New(engine.Options{Clock: newFakeClock()})
	val := []byte("0123456789abcdef")
	for _, k := range keys {
		e.Set(0, k, val, engine.SetOptions{})
	}
	r := rand.New(rand.NewPCG(1, 2))
	order := make([]int, 1<<16)
	for i := range order {
		order[i] = r.IntN(len(keys))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, ok := e.Get(0, keys[order[i&(len(order)-1)]]); !ok {
			b.Fatal("missing key")
		}
	}
}

// BenchmarkGetParallel is BenchmarkGet from GOMAXPROCS goroutines: it shows
// the cost of the single engine mutex under contention.
func BenchmarkGetParallel(b *testing.B) {
	keys := benchKeys(1 << 20)
	e := engine.New(engine.Options{Clock: newFakeClock()})
	for _, k := range keys {
		e.Set(0, k, []byte("v"), engine.SetOptions{})
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 3))
		for pb.Next() {
			e.Get(0, keys[r.IntN(len(keys))])
		}
	})
}

// BenchmarkIncr increments one of 1024 counters (with a TTL, so the kept
// expiry is part of the cost).
func BenchmarkIncr(b *testing.B) {
	keys := benchKeys(1024)
	clk := newFakeClock()
	e := engine.New(engine.Options{Clock: clk, Sink: &nopSink{}})
	for _, k := range keys {
		e.Set(0, k, []byte("0"), engine.SetOptions{ExpireAt: clk.Ms() + 3_600_000})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := e.IncrBy(0, keys[i&(len(keys)-1)], 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCapture is what a snapshot of a million keys holds the lock for
// (Capture and Release), and what reading it costs after (Each).
func BenchmarkCapture(b *testing.B) {
	keys := benchKeys(1 << 20)
	e := engine.New(engine.Options{Clock: newFakeClock()})
	val := make([]byte, 100)
	for _, k := range keys {
		e.Set(0, k, val, engine.SetOptions{})
	}
	b.Run("locked", func(b *testing.B) {
		for b.Loop() {
			e.Capture(nil).Release()
		}
	})
	b.Run("each", func(b *testing.B) {
		snap := e.Capture(nil)
		defer snap.Release()
		n := 0
		for b.Loop() {
			snap.Each(func(it *engine.Item) bool {
				n += len(it.Value)
				return true
			})
		}
	})
}

// BenchmarkHSetListpack changes one field of a hash of 500 fields, the
// largest kind of listpack, whose record is rewritten on every change.
func BenchmarkHSetListpack(b *testing.B) { benchHash(b, 500, true) }

// BenchmarkHGetListpack reads one field of a hash of 500 fields.
func BenchmarkHGetListpack(b *testing.B) { benchHash(b, 500, false) }

// BenchmarkHSetHashtable changes one field of a hash of 10000 fields.
func BenchmarkHSetHashtable(b *testing.B) { benchHash(b, 10000, true) }

func benchHash(b *testing.B, n int, write bool) {
	e := engine.New(engine.Options{})
	for i := range n {
		if _, err := e.HSet(0, "h", [][]byte{[]byte("field:" + strconv.Itoa(i)), []byte("value")}, false); err != nil {
			b.Fatal(err)
		}
	}
	f := []byte("field:" + strconv.Itoa(n/2))
	v := []byte("other")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if write {
			_, _ = e.HSet(0, "h", [][]byte{f, v}, false)
		} else {
			_, _, _ = e.HGet(0, "h", f)
		}
	}
}
