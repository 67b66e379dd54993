package engine_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// tickClock moves forward one millisecond each time it is read, and
// counts the reads.
type tickClock struct {
	mu    sync.Mutex
	ms    int64
	reads int
}

func (c *tickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ms++
	c.reads++
	return time.UnixMilli(c.ms)
}

func (c *tickClock) Reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// timeSink keeps the time of each group.
type timeSink struct{ at []int64 }

func (s *timeSink) Record(_ []engine.Effect, _ engine.Digest, atMs int64) { s.at = append(s.at, atMs) }

// A critical section reads the clock once: a write, its expiry checks,
// its access time and the sink's group time all share that reading, and
// a transaction keeps one time throughout, as Redis does.
func TestOneClockReadPerSection(t *testing.T) {
	clk := &tickClock{ms: t0}
	sink := &timeSink{}
	eng := engine.New(engine.Options{Clock: clk, Sink: sink})

	eng.Set(0, "a", []byte("1"), engine.SetOptions{})
	require.Equal(t, 1, clk.Reads())
	require.Equal(t, []int64{t0 + 1}, sink.at)

	// A key that expires at the section's own time is still alive in it;
	// the next section, a millisecond later, finds it gone.
	eng.Group(func(tx *engine.Engine) {
		tx.Set(0, "b", []byte("2"), engine.SetOptions{ExpireAt: t0 + 3})
		_, ok := tx.Get(0, "b")
		require.True(t, ok)
		tx.Set(0, "c", []byte("3"), engine.SetOptions{})
	})
	require.Equal(t, 2, clk.Reads())
	require.Equal(t, []int64{t0 + 1, t0 + 2}, sink.at)

	// Each GET is a section of its own, with one read each: the first
	// reads t0+3, the key's last millisecond, the second t0+4.
	_, ok := eng.Get(0, "b")
	require.True(t, ok)
	_, ok = eng.Get(0, "b")
	require.False(t, ok)
	require.Equal(t, 4, clk.Reads())
}
