package engine_test

import (
	"fmt"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
)

// BenchmarkLoader1M builds a keyspace of 1M keys with 100-byte values
// through a Loader told their number, as a full resynchronisation or a
// restart does, and reports the time per key.
func BenchmarkLoader1M(b *testing.B) {
	const n = 1000000
	items := make([]engine.Item, n)
	val := make([]byte, 100)
	for i := range val {
		val[i] = 'x'
	}
	for i := range items {
		items[i] = engine.Item{Key: (fmt.Sprintf("key:%09d", i*7919%n)), Value: val, Type: engine.TypeString}
	}
	e := engine.New(engine.Options{})
	b.ResetTimer()
	for range b.N {
		l := e.NewLoader()
		l.Expect(n)
		for i := range items {
			if err := l.Add(&items[i]); err != nil {
				b.Fatal(err)
			}
		}
		l.Commit(nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
}
