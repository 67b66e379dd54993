package node

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logClock is a settable clock for MemLog, in Unix milliseconds.
type logClock struct{ ms atomic.Int64 }

func (c *logClock) now() time.Time { return time.UnixMilli(c.ms.Load()) }

func newLogClock(ms int64) *logClock {
	c := &logClock{}
	c.ms.Store(ms)
	return c
}

// setEffect is a Set of key k (database 0) to value v.
func setEffect(k, v string) engine.Effect {
	return engine.Effect{Kind: engine.EffectSet, Key: k, Value: []byte(v)}
}

// recordSingles records n single-effect groups and returns the sequence of
// the last one.
func recordSingles(l *MemLog, n int) uint64 {
	for i := range n {
		publishing{l}.Record([]engine.Effect{setEffect(fmt.Sprintf("k%d", i), "v")}, engine.Digest{}, l.now().UnixMilli())
	}
	return l.Last()
}

// readAll reads every entry from seq on.
func readAll(t *testing.T, l *MemLog, seq uint64) []frame.Entry {
	t.Helper()
	out, err := l.Read(seq, 1<<30, nil)
	require.NoError(t, err)
	return out
}

// requireContiguous checks that entries run from first without a hole.
func requireContiguous(t *testing.T, entries []frame.Entry, first uint64) {
	t.Helper()
	for i, e := range entries {
		require.Equal(t, first+uint64(i), e.Seq, "entry %d", i)
	}
}

func TestMemLogSequence(t *testing.T) {
	for _, tc := range []struct {
		name      string
		next      uint64
		wantFirst uint64
	}{
		{"zero means one", 0, 1},
		{"one", 1, 1},
		{"continues a promoted history", 42, 42},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewMemLog(8, 16, tc.next, newLogClock(1000).now)
			require.Equal(t, tc.wantFirst-1, l.Last(), "empty log: Last is the sequence before the next")
			require.Equal(t, tc.wantFirst, l.First())
			got, err := l.Read(tc.wantFirst, 10, nil)
			require.NoError(t, err)
			require.Empty(t, got)

			publishing{l}.Record([]engine.Effect{setEffect("a", "1")}, engine.Digest{}, l.now().UnixMilli())
			publishing{l}.Record([]engine.Effect{setEffect("b", "2")}, engine.Digest{}, l.now().UnixMilli())
			require.Equal(t, tc.wantFirst, l.First())
			require.Equal(t, tc.wantFirst+1, l.Last())
			entries := readAll(t, l, tc.wantFirst)
			require.Len(t, entries, 2)
			requireContiguous(t, entries, tc.wantFirst)
			require.Equal(t, "a", entries[0].Effect.Key)
			require.Equal(t, "b", entries[1].Effect.Key)
			for _, e := range entries {
				require.Equal(t, 1, e.Group, "a lone effect is a group of one")
			}
		})
	}
}

func TestMemLogGroups(t *testing.T) {
	const dbs = 4
	flushAll := engine.Effect{Kind: engine.EffectFlushAll}
	for _, tc := range []struct {
		name    string
		effects []engine.Effect
		want    []engine.Effect // what the log holds, in order
	}{
		{
			name:    "one effect",
			effects: []engine.Effect{setEffect("a", "1")},
			want:    []engine.Effect{setEffect("a", "1")},
		},
		{
			name: "three effects are one group of three",
			effects: []engine.Effect{
				setEffect("a", "1"),
				{Kind: engine.EffectDelete, DB: 2, Key: "b"},
				{Kind: engine.EffectExpire, DB: 3, Key: "c", ExpireAt: 1234},
			},
			want: []engine.Effect{
				setEffect("a", "1"),
				{Kind: engine.EffectDelete, DB: 2, Key: "b"},
				{Kind: engine.EffectExpire, DB: 3, Key: "c", ExpireAt: 1234},
			},
		},
		{
			name:    "FLUSHALL is one FLUSH per database",
			effects: []engine.Effect{flushAll},
			want: []engine.Effect{
				{Kind: engine.EffectFlushDB, DB: 0}, {Kind: engine.EffectFlushDB, DB: 1},
				{Kind: engine.EffectFlushDB, DB: 2}, {Kind: engine.EffectFlushDB, DB: 3},
			},
		},
		{
			name:    "FLUSHALL inside a group counts all its FLUSHes",
			effects: []engine.Effect{setEffect("a", "1"), flushAll, setEffect("b", "2")},
			want: []engine.Effect{
				setEffect("a", "1"),
				{Kind: engine.EffectFlushDB, DB: 0}, {Kind: engine.EffectFlushDB, DB: 1},
				{Kind: engine.EffectFlushDB, DB: 2}, {Kind: engine.EffectFlushDB, DB: 3},
				setEffect("b", "2"),
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newLogClock(5000)
			l := NewMemLog(100, dbs, 7, clk.now)
			publishing{l}.Record([]engine.Effect{setEffect("before", "x")}, engine.Digest{}, l.now().UnixMilli())
			clk.ms.Store(6000)
			publishing{l}.Record(tc.effects, engine.Digest{}, l.now().UnixMilli())
			clk.ms.Store(7000)
			publishing{l}.Record([]engine.Effect{setEffect("after", "y")}, engine.Digest{}, l.now().UnixMilli())

			entries := readAll(t, l, 7)
			require.Len(t, entries, len(tc.want)+2)
			requireContiguous(t, entries, 7)
			require.Equal(t, 1, entries[0].Group)
			require.Equal(t, 1, entries[len(entries)-1].Group)
			group := entries[1 : len(entries)-1]
			for i, e := range group {
				require.Equal(t, tc.want[i], e.Effect, "entry %d", i)
				require.Equal(t, len(tc.want), e.Group, "entry %d: Group is the size of the whole group", i)
				require.Equal(t, int64(6000), e.TimeMs, "entry %d: one group, one time", i)
			}
		})
	}
}

// TestMemLogKeepsNewest checks what partial resync relies on: at least the
// newest size entries stay readable, in order, and older positions report
// aof.ErrCompacted once they have gone.
func TestMemLogKeepsNewest(t *testing.T) {
	for _, tc := range []struct {
		size, writes int
	}{
		{1, 3}, {1, 100}, {4, 4}, {4, 5}, {4, 100}, {50, 49}, {50, 51}, {50, 1000}, {100, 10000},
	} {
		t.Run(fmt.Sprintf("size %d writes %d", tc.size, tc.writes), func(t *testing.T) {
			l := NewMemLog(tc.size, 16, 1, newLogClock(1).now)
			last := recordSingles(l, tc.writes)
			require.Equal(t, uint64(tc.writes), last)
			first := l.First()
			require.GreaterOrEqual(t, first, uint64(1))
			require.LessOrEqual(t, first, last+1-uint64(min(tc.size, tc.writes)),
				"the newest %d entries must still be readable", tc.size)

			entries := readAll(t, l, first)
			require.Len(t, entries, int(last-first+1))
			requireContiguous(t, entries, first)
			require.Equal(t, fmt.Sprintf("k%d", tc.writes-1), entries[len(entries)-1].Effect.Key)

			limited, err := l.Read(first, 2, nil)
			require.NoError(t, err)
			require.Len(t, limited, min(2, len(entries)))

			beyond, err := l.Read(last+1, 10, nil)
			require.NoError(t, err, "the next position is not compacted, just empty")
			require.Empty(t, beyond)

			if first > 1 {
				_, err := l.Read(first-1, 10, nil)
				require.ErrorIs(t, err, aof.ErrCompacted)
				_, err = l.Read(1, 10, nil)
				require.ErrorIs(t, err, aof.ErrCompacted)
			}
			if tc.writes >= 16*tc.size && tc.writes > 16 {
				require.Greater(t, first, uint64(1), "a log written far past its size must have evicted")
			}
		})
	}
}

// TestMemLogBoundedBySize checks the documented bound: "It keeps the newest
// size entries, more while a pin needs them, up to hardSize."
func TestMemLogBoundedBySize(t *testing.T) {
	t.Run("unpinned log holds size entries", func(t *testing.T) {
		for _, size := range []int{1, 4, 50} {
			l := NewMemLog(size, 16, 1, newLogClock(1).now)
			for i := range 200 {
				publishing{l}.Record([]engine.Effect{setEffect("k", "v")}, engine.Digest{}, l.now().UnixMilli())
				held := l.Last() - l.First() + 1
				require.Equal(t, uint64(min(i+1, size)), held,
					"size %d after %d writes: First %d Last %d", size, i+1, l.First(), l.Last())
			}
		}
	})
	t.Run("pinned log holds at most hardSize entries", func(t *testing.T) {
		l := NewMemLog(4, 16, 1, newLogClock(1).now)
		l.hardSize = 40
		unpin := l.Pin(1)
		defer unpin()
		for i := range 200 {
			publishing{l}.Record([]engine.Effect{setEffect("k", "v")}, engine.Digest{}, l.now().UnixMilli())
			held := l.Last() - l.First() + 1
			require.LessOrEqual(t, held, uint64(40), "after %d writes: First %d Last %d", i+1, l.First(), l.Last())
		}
	})
}

func TestMemLogPin(t *testing.T) {
	t.Run("a pin keeps entries beyond size until unpinned", func(t *testing.T) {
		l := NewMemLog(4, 16, 1, newLogClock(1).now)
		recordSingles(l, 10)
		pinAt := l.Last() - 1 // an entry that is in the log now
		unpin := l.Pin(pinAt)
		last := recordSingles(l, 500)
		entries, err := l.Read(pinAt, 1<<30, nil)
		require.NoError(t, err, "a pinned position never leaves the log below the hard limit")
		require.Len(t, entries, int(last-pinAt+1))
		requireContiguous(t, entries, pinAt)
		require.LessOrEqual(t, l.First(), pinAt)

		unpin()
		recordSingles(l, 2000)
		_, err = l.Read(pinAt, 1, nil)
		require.ErrorIs(t, err, aof.ErrCompacted, "unpinned entries are evicted again")
	})
	t.Run("the oldest pin wins", func(t *testing.T) {
		l := NewMemLog(4, 16, 1, newLogClock(1).now)
		recordSingles(l, 3)
		unpinOld := l.Pin(2)
		recordSingles(l, 50)
		unpinNew := l.Pin(40)
		recordSingles(l, 300)
		_, err := l.Read(2, 1, nil)
		require.NoError(t, err)
		unpinOld()
		recordSingles(l, 1000)
		_, err = l.Read(2, 1, nil)
		require.ErrorIs(t, err, aof.ErrCompacted)
		_, err = l.Read(40, 1, nil)
		require.NoError(t, err, "the other pin still holds")
		unpinNew()
		unpinNew() // unpinning twice is harmless
		recordSingles(l, 3000)
		_, err = l.Read(40, 1, nil)
		require.ErrorIs(t, err, aof.ErrCompacted)
	})
	t.Run("the next position pinned keeps what comes after", func(t *testing.T) {
		// The primary pins S+1 while it sends a snapshot at S.
		l := NewMemLog(4, 16, 1, newLogClock(1).now)
		S := recordSingles(l, 20)
		unpin := l.Pin(S + 1)
		defer unpin()
		recordSingles(l, 200)
		entries, err := l.Read(S+1, 1<<30, nil)
		require.NoError(t, err)
		require.Len(t, entries, 200)
		requireContiguous(t, entries, S+1)
	})
	t.Run("the hard limit overrides a pin", func(t *testing.T) {
		l := NewMemLog(4, 16, 1, newLogClock(1).now)
		l.hardSize = 40
		unpin := l.Pin(1)
		defer unpin()
		last := recordSingles(l, 200)
		_, err := l.Read(1, 1, nil)
		require.ErrorIs(t, err, aof.ErrCompacted)
		first := l.First()
		held := last - first + 1
		require.Greater(t, held, uint64(4), "up to the hard limit, the pin still holds entries beyond size")
		require.LessOrEqual(t, held, uint64(40))
		entries := readAll(t, l, first)
		requireContiguous(t, entries, first)
		require.Equal(t, last, entries[len(entries)-1].Seq)
	})
}

// pending reports whether c holds a notification, taking it.
func pending(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestMemLogSubscribe(t *testing.T) {
	l := NewMemLog(16, 16, 1, newLogClock(1).now)
	c1, unsub1 := l.Subscribe(false)
	c2, unsub2 := l.Subscribe(false)
	defer unsub2()
	require.False(t, pending(c1), "nothing before the first append")

	publishing{l}.Record([]engine.Effect{setEffect("a", "1")}, engine.Digest{}, l.now().UnixMilli())
	require.True(t, pending(c1), "notified after Record returns")
	require.False(t, pending(c1), "one notification per append")
	require.True(t, pending(c2), "every subscriber is notified")

	for range 5 {
		publishing{l}.Record([]engine.Effect{setEffect("a", "1")}, engine.Digest{}, l.now().UnixMilli())
	}
	require.True(t, pending(c1), "notifications coalesce")
	require.False(t, pending(c1), "into one")
	require.True(t, pending(c2))

	unsub1()
	unsub1() // unsubscribing twice is harmless
	publishing{l}.Record([]engine.Effect{setEffect("a", "1")}, engine.Digest{}, l.now().UnixMilli())
	require.False(t, pending(c1), "nothing after unsubscribe")
	require.True(t, pending(c2), "the other subscriber is still notified")
}

// TestMemLogWakesOncePerPipeline: an append does not wake the senders by
// itself; Wake (a client's WriteDone) does, once for everything appended
// before it, and a timer does for appends no Wake follows.
func TestMemLogWakesOncePerPipeline(t *testing.T) {
	l := NewMemLog(64, 16, 1, newLogClock(1).now)
	c, unsub := l.Subscribe(false)
	for range 3 {
		l.Record([]engine.Effect{setEffect("a", "1")}, engine.Digest{}, l.now().UnixMilli())
	}
	l.Wake()
	require.True(t, pending(c), "Wake wakes the senders for what was appended")
	l.Wake()
	require.False(t, pending(c), "a Wake with nothing appended since wakes no one")

	l.Record([]engine.Effect{setEffect("b", "1")}, engine.Digest{}, l.now().UnixMilli())
	require.Eventually(t, func() bool { return pending(c) }, 5*time.Second, time.Millisecond,
		"an append no Wake follows reaches the senders through the timer")

	unsub()
	l.Record([]engine.Effect{setEffect("c", "1")}, engine.Digest{}, l.now().UnixMilli())
	l.mu.Lock()
	armed, due := l.wakeArmed, l.wakeDue.Load()
	l.mu.Unlock()
	require.False(t, armed || due, "with no sender left, an append arms nothing")
}

func TestMemLogTimeOf(t *testing.T) {
	clk := newLogClock(1_700_000_000_000)
	l := NewMemLog(2, 16, 10, clk.now)
	_, ok := l.TimeOf(10)
	require.False(t, ok, "nothing logged yet")

	times := []int64{1_700_000_000_000, 1_700_000_000_250, 1_700_000_001_000}
	for _, ms := range times {
		clk.ms.Store(ms)
		publishing{l}.Record([]engine.Effect{setEffect("k", "v")}, engine.Digest{}, l.now().UnixMilli())
	}
	for i, ms := range times {
		seq := uint64(10 + i)
		got, ok := l.TimeOf(seq)
		if seq < l.First() {
			require.False(t, ok, "seq %d left the log", seq)
			continue
		}
		require.True(t, ok, "seq %d", seq)
		require.Equal(t, ms, got, "seq %d", seq)
		e, err := l.Read(seq, 1, nil)
		require.NoError(t, err)
		require.Equal(t, ms, e[0].TimeMs)
	}
	_, ok = l.TimeOf(l.Last() + 1)
	require.False(t, ok, "not logged yet")
	_, ok = l.TimeOf(9)
	require.False(t, ok, "before the history began")

	recordSingles(l, 100)
	_, ok = l.TimeOf(10)
	require.False(t, ok, "evicted")
	got, ok := l.TimeOf(l.Last())
	require.True(t, ok)
	require.Equal(t, times[len(times)-1], got)
}

// TestMemLogAsEngineSink drives the log from an engine with concurrent
// writers and a concurrent reader that follows it through Subscribe, the
// way a sender does: sequences are contiguous and every group is whole.
func TestMemLogAsEngineSink(t *testing.T) {
	const writers, perWriter = 4, 200
	l := NewMemLog(1<<16, 16, 1, time.Now)
	eng := engine.New(engine.Options{Sink: publishing{l}})
	notify, unsub := l.Subscribe(false)
	defer unsub()

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				k := fmt.Sprintf("w%d-%d", w, i)
				if i%10 == 0 {
					eng.MSet(w, [][]byte{[]byte(k + "a"), []byte("1"), []byte(k + "b"), []byte("2"), []byte(k + "c"), []byte("3")}, false)
				} else {
					eng.Set(w, k, []byte("v"), engine.SetOptions{})
				}
			}
		})
	}
	want := uint64(writers * (perWriter + perWriter/10*2))
	next := uint64(1)
	var buf []frame.Entry
	group, left := 0, 0 // the group being read and how many of it are still to come
	deadline := time.After(10 * time.Second)
	for next <= want {
		var err error
		buf, err = l.Read(next, 64, buf[:0]) // 64 is not a multiple of 3: groups straddle reads
		require.NoError(t, err)
		for _, e := range buf {
			require.Equal(t, next, e.Seq)
			if left == 0 {
				group, left = e.Group, e.Group
				require.Contains(t, []int{1, 3}, group, "seq %d", e.Seq)
			}
			require.Equal(t, group, e.Group, "seq %d: a group is never interleaved with another", e.Seq)
			left--
			next++
		}
		if len(buf) == 0 {
			select {
			case <-notify:
			case <-deadline:
				require.FailNow(t, "reader stalled", "at %d of %d", next, want)
			}
		}
	}
	wg.Wait()
	require.Zero(t, left, "the last group is whole")
	require.Equal(t, want, l.Last())
}

// publishing is an engine sink that publishes each group as soon as it is
// logged, as a client's WriteDone does right after its write: tests that
// drive a MemLog through an engine see each write readable, and in the log
// on disk, at once.
type publishing struct{ *MemLog }

func (p publishing) Record(effects []engine.Effect, d engine.Digest, atMs int64) {
	p.MemLog.Record(effects, d, atMs)
	p.MemLog.Publish()
}

// TestMemLogRecordDoesNotEncode: Record, which runs under the engine lock,
// only numbers the effects; the frames are built by Publish, after the
// lock, once per operation however many readers read them.
func TestMemLogRecordDoesNotEncode(t *testing.T) {
	l := NewMemLog(1000, 16, 1, time.Now)
	eng := engine.New(engine.Options{Sink: l})
	for i := range 100 {
		eng.Set(0, fmt.Sprint("k", i), []byte("v"), engine.SetOptions{})
		eng.MSet(1, [][]byte{[]byte("a"), []byte("1"), []byte("b"), []byte("2")}, false)
	}
	require.Zero(t, l.Encodes(), "nothing is encoded while recording")
	l.Publish()
	require.Zero(t, l.Encodes(), "no reader and no disk log: nothing needs a frame yet")
	for range 3 { // three readers, as three senders
		entries := readAll(t, l, 1)
		require.Len(t, entries, 300)
		for _, e := range entries {
			require.NotEmpty(t, e.Frame, "entry %d has its frame", e.Seq)
		}
	}
	require.Equal(t, int64(300), l.Encodes(), "each operation encoded once, by the first reader")

	// With a subscriber (a sender), Publish encodes at once.
	_, unsub := l.Subscribe(false)
	defer unsub()
	eng.Set(0, "late", []byte("v"), engine.SetOptions{})
	require.Equal(t, int64(300), l.Encodes())
	l.Publish()
	require.Equal(t, int64(301), l.Encodes())
	readAll(t, l, 1)
	require.Equal(t, int64(301), l.Encodes())
}

// TestMemLogByteLimit: a burst of large values is bounded in bytes, not
// only in entries, and the ring gives its memory back when it empties.
func TestMemLogByteLimit(t *testing.T) {
	l := NewMemLog(1_000_000, 16, 1, time.Now)
	l.SetByteLimit(1 << 20)
	big := strings.Repeat("x", 100<<10)
	for i := range 200 {
		publishing{l}.Record([]engine.Effect{setEffect(fmt.Sprint("k", i), big)}, engine.Digest{}, l.now().UnixMilli())
	}
	kept := l.Last() - l.First() + 1
	require.LessOrEqual(t, kept, uint64(11), "about 1 MiB of 100 KiB values")
	require.GreaterOrEqual(t, kept, uint64(4))
	l.mu.Lock()
	ring, bytes := len(l.ring), l.bytes
	l.mu.Unlock()
	require.LessOrEqual(t, bytes, int64(1<<20)+int64(len(big))*2+4096)
	require.LessOrEqual(t, ring, 64, "the ring shrank back")

	// A pin holds entries past the limit, up to ten times it.
	unpin := l.Pin(l.First())
	for i := range 300 {
		publishing{l}.Record([]engine.Effect{setEffect(fmt.Sprint("p", i), big)}, engine.Digest{}, l.now().UnixMilli())
	}
	kept = l.Last() - l.First() + 1
	require.Greater(t, kept, uint64(11), "the pin holds entries")
	require.LessOrEqual(t, kept, uint64(110), "but not beyond ten times the limit")
	unpin()
}

// TestMemLogBoundedWithoutReaders: with no reader and no disk log, nothing
// needs frames, and the log keeps its bounds as it records, without
// waiting for a Publish (INFO's repl_backlog_first_byte_offset moves at
// once).
func TestMemLogBoundedWithoutReaders(t *testing.T) {
	l := NewMemLog(100, 16, 1, time.Now)
	for i := range 5000 {
		l.Record([]engine.Effect{setEffect(fmt.Sprint("k", i), "v")}, engine.Digest{}, l.now().UnixMilli())
	}
	require.Equal(t, uint64(5000), l.Last())
	require.Equal(t, uint64(4901), l.First(), "the newest 100 entries kept")
	require.Zero(t, l.Encodes())
	l.mu.Lock()
	ring := len(l.ring)
	l.mu.Unlock()
	require.LessOrEqual(t, ring, 256, "the ring stays near the entry limit")
}

// TestSetMaxLogBytes: repl-backlog-size changed at run time bounds the
// primary's operation log and a secondary's backlog at once.
func TestSetMaxLogBytes(t *testing.T) {
	leakCheck(t)
	p := startNode(t, func(o *NodeOptions) { o.MaxOperationLog = 1000 })
	s := startNode(t, func(o *NodeOptions) { o.MaxOperationLog = 1000 })
	follow(t, s, p.addr)
	// The link's first sync done, so that the writes below reach the
	// secondary's backlog through the live stream, not inside a snapshot
	// (a loaded machine can delay the handshake past them).
	p.eng.Set(0, "first", []byte("v"), engine.SetOptions{})
	requireConverged(t, p, s)
	v := make([]byte, 16<<10)
	for i := range 64 {
		p.eng.Set(0, fmt.Sprint("k", i), v, engine.SetOptions{})
	}
	requireConverged(t, p, s)
	// held returns the bytes and entries n's log keeps.
	held := func(n *tnode) (int64, int) {
		n.node.mu.Lock()
		var l *MemLog
		if n.node.prim != nil {
			l = n.node.prim.log.(*MemLog)
		} else {
			n.node.sec.mu.Lock()
			l = n.node.sec.backlog
			n.node.sec.mu.Unlock()
		}
		n.node.mu.Unlock()
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.bytes, l.n
	}
	const limit = 128 << 10
	for _, n := range []*tnode{p, s} {
		bytes, _ := held(n)
		require.Greater(t, bytes, int64(4*limit), "no byte bound yet")
	}

	p.node.SetMaxLogBytes(limit)
	s.node.SetMaxLogBytes(limit)
	// The bound applies as the logs take their next operations (a
	// sender's pin moves with its stream).
	i := 0
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		i++
		p.eng.Set(0, fmt.Sprint("after", i), []byte("x"), engine.SetOptions{})
		for _, n := range []*tnode{p, s} {
			bytes, entries := held(n)
			assert.LessOrEqual(c, bytes, int64(limit))
			assert.Positive(c, entries)
		}
	}, convergeWait, pollEvery)
	requireConverged(t, p, s)
}

// batchOps returns the operations entries carry as a sender puts them on
// the wire: a batch whole (from its first entry to its last), every other
// entry by its own frame. It fails if an entry has neither.
func batchOps(t *testing.T, entries []frame.Entry) (ops []engine.Effect, batches int) {
	t.Helper()
	var d frame.Decoder
	var op, item frame.Op
	var b frame.Builder
	for i := 0; i < len(entries); i++ {
		e := &entries[i]
		if e.BatchLen > 0 {
			_, err := d.DecodeFrame(e.Batch, &op)
			require.NoError(t, err)
			require.Equal(t, e.Seq, op.Sequence)
			require.NoError(t, frame.EachOpBatchEntry(&op, func(be *frame.Entry) error {
				require.Equal(t, entries[i].Seq, be.Seq)
				b.Fill(&item, be, be.TimeMs)
				ef, _, err := frame.EffectOf(&item, 16, 0)
				ops = append(ops, ef)
				i++
				return err
			}))
			i--
			batches++
			continue
		}
		require.NotNil(t, e.Frame, "entry %d is in no batch that starts here and has no frame", e.Seq)
		_, err := d.DecodeFrame(e.Frame, &op)
		require.NoError(t, err)
		ef, _, err := frame.EffectOf(&op, 16, 0)
		require.NoError(t, err)
		ops = append(ops, ef)
	}
	return ops, batches
}

// TestMemLogBatches: with only subscribers that take batches and no disk
// log, Publish encodes each run of operations once as OP_BATCH frames;
// ReadBatches returns them whole (past max if it must), encodes the
// operations of a batch it cannot return whole on their own, and Read
// (a sender that takes no batches) gets every operation's own frame.
func TestMemLogBatches(t *testing.T) {
	l := NewMemLog(100000, 16, 1, time.Now)
	_, unsub := l.Subscribe(true)
	defer unsub()
	want := make([]engine.Effect, 0, 3000)
	for i := range 3000 {
		ef := setEffect(fmt.Sprint("k", i), strings.Repeat("v", i%300))
		want = append(want, ef)
		l.Record([]engine.Effect{ef}, engine.Digest{}, 1_700_000_000_000)
		if i == 9 || i == 2999 {
			l.Publish() // a batch of 10, then ~2990 operations in batches of 64 KiB
		}
	}
	require.Equal(t, int64(3000), l.Encodes(), "each operation encoded once")
	require.Greater(t, l.Batches(), int64(3))

	entries, err := l.ReadBatches(1, 1<<30, nil)
	require.NoError(t, err)
	requireContiguous(t, entries, 1)
	got, batches := batchOps(t, entries)
	require.Equal(t, want, got)
	require.Equal(t, int(l.Batches()), batches)
	require.Equal(t, int64(3000), l.Encodes(), "reading the batches encodes nothing")
	for _, e := range entries[:10] {
		require.Nil(t, e.Frame, "no frame of its own for an operation in a batch")
	}

	// max ends inside the first batch: the batch comes whole.
	entries, err = l.ReadBatches(1, 3, nil)
	require.NoError(t, err)
	require.Len(t, entries, 10)

	// From the middle of a batch: those before the next batch get frames
	// of their own.
	entries, err = l.ReadBatches(5, 1<<30, nil)
	require.NoError(t, err)
	requireContiguous(t, entries, 5)
	got, _ = batchOps(t, entries)
	require.Equal(t, want[4:], got)
	require.Equal(t, int64(3006), l.Encodes(), "six operations encoded on their own")

	// A sender that takes no batches reads frames: the rest get theirs.
	entries = readAll(t, l, 1)
	for _, e := range entries {
		require.NotNil(t, e.Frame, "entry %d", e.Seq)
		require.Zero(t, e.BatchLen)
	}
	got, _ = batchOps(t, entries)
	require.Equal(t, want, got)

	// Once a subscriber that takes no batches is there, Publish encodes
	// frames, not batches.
	_, unsub2 := l.Subscribe(false)
	defer unsub2()
	before := l.Batches()
	l.Record([]engine.Effect{setEffect("late", "v")}, engine.Digest{}, 1_700_000_000_000)
	l.Publish()
	require.Equal(t, before, l.Batches())
	entries, err = l.ReadBatches(3001, 10, nil)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.NotNil(t, entries[0].Frame)
}

// TestMemLogBatchEvicted: a batch whose first entries left the log is
// read from the first entry still there, each operation by its own frame.
func TestMemLogBatchEvicted(t *testing.T) {
	l := NewMemLog(20, 16, 1, time.Now)
	_, unsub := l.Subscribe(true)
	defer unsub()
	for i := range 30 {
		l.Record([]engine.Effect{setEffect(fmt.Sprint("k", i), "v")}, engine.Digest{}, 1_700_000_000_000)
	}
	l.Publish() // one batch of 30, of which the first 10 go at once
	require.Equal(t, uint64(11), l.First())
	entries, err := l.ReadBatches(11, 100, nil)
	require.NoError(t, err)
	requireContiguous(t, entries, 11)
	got, batches := batchOps(t, entries)
	require.Zero(t, batches)
	require.Len(t, got, 20)
	require.Equal(t, "k10", got[0].Key)
}

// TestMemLogLargeGroupNotBatched: a group larger than a batch (4,000 SETs
// of 1 KiB in one MSET) goes one frame per operation, so no frame grows
// with the group; the groups around it still go in batches.
func TestMemLogLargeGroupNotBatched(t *testing.T) {
	l := NewMemLog(100000, 16, 1, time.Now)
	_, unsub := l.Subscribe(true)
	defer unsub()
	l.Record([]engine.Effect{setEffect("before", "v")}, engine.Digest{}, 1_700_000_000_000)
	group := make([]engine.Effect, 4000)
	for i := range group {
		group[i] = setEffect(fmt.Sprint("k", i), strings.Repeat("v", 1024))
	}
	l.Record(group, engine.Digest{}, 1_700_000_000_000)
	l.Record([]engine.Effect{setEffect("after", "v")}, engine.Digest{}, 1_700_000_000_000)
	l.Publish()
	var entries []frame.Entry
	for len(entries) < 4002 { // a read returns up to readBytes
		var err error
		entries, err = l.ReadBatches(uint64(len(entries))+1, 1<<30, entries)
		require.NoError(t, err)
	}
	require.Len(t, entries, 4002)
	require.Equal(t, 1, entries[0].BatchLen)
	require.Equal(t, 1, entries[4001].BatchLen)
	for _, e := range entries[1:4001] {
		require.Zero(t, e.BatchLen)
		require.NotNil(t, e.Frame)
		require.Less(t, len(e.Frame), 2048, "entry %d", e.Seq)
	}
	got, _ := batchOps(t, entries)
	require.Len(t, got, 4002)
}

// TestMemLogIdleKeepsNothing: the log of a history no secondary follows yet
// numbers its operations and knows the last one's digest, but keeps
// neither entries nor copies of values, until a secondary asks (Keep,
// Subscribe or Pin); from then on it keeps them as before.
func TestMemLogIdleKeepsNothing(t *testing.T) {
	for _, start := range []struct {
		name  string
		begin func(l *MemLog) (end func())
		first uint64 // First after 150 more operations
	}{
		{"Keep", func(l *MemLog) func() { l.Keep(); return func() {} }, 551},
		{"Subscribe", func(l *MemLog) func() { _, unsub := l.Subscribe(false); return unsub }, 551},
		{"Pin", func(l *MemLog) func() { return l.Pin(l.Last() + 1) }, 501},
	} {
		t.Run(start.name, func(t *testing.T) {
			l := NewMemLog(100, 16, 1, time.Now)
			l.Idle()
			for i := range 500 {
				d := engine.Digest{Hi: uint64(i), Lo: 7}
				l.Record([]engine.Effect{setEffect(fmt.Sprint("k", i), strings.Repeat("v", 100))}, d, l.now().UnixMilli())
			}
			l.Publish()
			require.Equal(t, uint64(500), l.Last(), "every operation numbered")
			require.Equal(t, uint64(501), l.First(), "none kept")
			d, ok := l.DigestAt(500)
			require.True(t, ok, "the last operation's digest is known")
			require.Equal(t, engine.Digest{Hi: 499, Lo: 7}, d)
			_, ok = l.DigestAt(499)
			require.False(t, ok)
			l.mu.Lock()
			n, values := l.n, cap(l.values)
			l.mu.Unlock()
			require.Zero(t, n)
			require.Zero(t, values, "no value was copied")
			require.Zero(t, l.Encodes())

			end := start.begin(l)
			defer end()
			recordSingles(l, 150)
			require.Equal(t, uint64(650), l.Last())
			require.Equal(t, start.first, l.First(), "kept once asked: the newest 100, or all a pin needs")
			requireContiguous(t, readAll(t, l, start.first), start.first)
			end()
			recordSingles(l, 10)
			require.Equal(t, uint64(561), l.First(), "still kept after the reader left")
		})
	}
}

// TestMemLogIdleWithDiskLog: an idle log with a log on disk hands it every
// operation, in order, and keeps the newest as a log that is not idle
// does: a snapshot's header takes its last operation's digest from them
// rather than from the file.
func TestMemLogIdleWithDiskLog(t *testing.T) {
	l := NewMemLog(100, 16, 1, time.Now)
	l.Idle()
	disk := newFakeLog("h")
	l.SetAOF(disk)
	for i := range 300 {
		publishing{l}.Record([]engine.Effect{setEffect(fmt.Sprint("k", i), "v")}, engine.Digest{}, l.now().UnixMilli())
	}
	disk.mu.Lock()
	got := len(disk.entries)
	for i, e := range disk.entries {
		require.Equal(t, uint64(i+1), e.Seq)
	}
	disk.mu.Unlock()
	require.Equal(t, 300, got, "every operation reached the disk log")
	require.Equal(t, uint64(300), l.Last())
	require.Equal(t, uint64(201), l.First(), "the newest 100 kept")
	ef, ok := l.EffectAt(300)
	require.True(t, ok)
	require.Equal(t, "k299", ef.Key)
}
