package engine_test

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// queueSink hands effect groups to a replica goroutine. Record only copies
// under its own mutex: it must not call back into the engine.
type queueSink struct {
	mu     sync.Mutex
	groups [][]engine.Effect
}

func (s *queueSink) Record(effects []engine.Effect, _ engine.Digest, _ int64) {
	g := make([]engine.Effect, len(effects))
	copy(g, effects)
	for i := range g {
		if g[i].Value != nil {
			g[i].Value = append([]byte{}, g[i].Value...) // the engine may write over it later
		}
	}
	s.mu.Lock()
	s.groups = append(s.groups, g)
	s.mu.Unlock()
}

func (s *queueSink) take() [][]engine.Effect {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups
	s.groups = nil
	return g
}

// TestConcurrentMixedOps runs random commands from several goroutines on
// one engine while other goroutines read, expire, snapshot and advance the
// clock, and a replica applies the effect stream as it arrives. Run with
// -race. At the end the replica must equal the primary: effects are
// reported in apply order even under contention.
func TestConcurrentMixedOps(t *testing.T) {
	const workers = 8
	opsPerWorker := 3000
	if testing.Short() {
		opsPerWorker = 500
	}
	clk := newFakeClock()
	sink := &queueSink{}
	primary := engine.New(engine.Options{Databases: propDBs, Clock: clk, Sink: sink, MaxValueSize: propMaxSize})
	replica := engine.New(engine.Options{Databases: propDBs, Clock: clk})
	replica.SetReplica(true)

	var writers sync.WaitGroup
	var helpers sync.WaitGroup
	stop := make(chan struct{})
	var failures atomic.Int64

	for w := range workers {
		writers.Add(1)
		go func() {
			defer writers.Done()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			for range opsPerWorker {
				if r.IntN(10) == 0 {
					clk.Advance(time.Duration(r.IntN(30)) * time.Millisecond)
				}
				o := randomOp(r, clk.Ms())
				if o.kind == opScan {
					o.kind = opKeys // scanAll uses require; keep it on the test goroutine
				}
				o.runEngine(t, primary)
			}
		}()
	}

	// Clock, expiry and whole-keyspace readers.
	helpers.Add(3)
	go func() {
		defer helpers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			clk.Advance(time.Duration(rand.IntN(20)) * time.Millisecond)
			primary.ActiveExpireCycle(time.Millisecond)
			runtime.Gosched() // let the writers in between cycles
		}
	}()
	go func() {
		defer helpers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			items := primary.Items()
			for _, it := range items {
				_ = bytes.Clone(it.Value) // read every byte we were handed
			}
			primary.Digest()
			primary.Keyspace()
			primary.Stats()
			primary.Len()
			for d := range propDBs {
				primary.DBSize(d)
				var cursor uint64
				for i := 0; i < 5; i++ {
					cursor, _ = primary.Scan(d, cursor, "*", 3, "")
					if cursor == 0 {
						break
					}
				}
			}
		}
	}()
	// The replica applies groups as they come and reads concurrently.
	go func() {
		defer helpers.Done()
		for {
			for _, g := range sink.take() {
				replica.Apply(g, nil)
			}
			replica.Get(0, "a")
			replica.Digest()
			select {
			case <-stop:
				return
			default:
			}
		}
	}()

	// Readers that keep returned values while writers append to the key:
	// the bytes a reader holds must never change.
	helpers.Add(1)
	go func() {
		defer helpers.Done()
		r := rand.New(rand.NewPCG(7, 7))
		for {
			select {
			case <-stop:
				return
			default:
			}
			k := propKeys[r.IntN(len(propKeys))]
			v, ok := primary.Get(0, k)
			if !ok {
				continue
			}
			before := bytes.Clone(v)
			for range 10 {
				_, _ = primary.Append(0, k, []byte("z")) // may hit ErrTooLarge
			}
			if !bytes.Equal(before, v) {
				failures.Add(1)
			}
		}
	}()

	writers.Wait()
	close(stop)
	helpers.Wait()
	for _, g := range sink.take() {
		replica.Apply(g, nil)
	}
	require.Zero(t, failures.Load(), "a value handed to a reader changed")
	require.NoError(t, primary.CheckInvariants())
	require.NoError(t, replica.CheckInvariants())
	require.Equal(t, sortedSnapshot(primary), sortedSnapshot(replica))
	require.Equal(t, primary.Digest(), replica.Digest())
	t.Logf("%d keys, stats %+v, fake time advanced %v", primary.Len(), primary.Stats(), time.Duration(clk.Ms()-t0)*time.Millisecond)
}

// TestConcurrentCounters checks atomicity of read-modify-write commands.
func TestConcurrentCounters(t *testing.T) {
	v := newEnv(t)
	const workers, n = 8, 1000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if _, err := v.e.IncrBy(0, "counter", 1); err != nil {
					t.Error(err)
					return
				}
				if _, err := v.e.Append(0, "log", []byte{byte('a' + w)}); err != nil {
					t.Error(err)
					return
				}
				v.e.MSet(1, [][]byte{[]byte("x"), []byte(strconv.Itoa(i)), []byte("y"), []byte(strconv.Itoa(i))}, false)
				if got := v.e.MGet(1, []string{"x", "y"}); !bytes.Equal(got[0], got[1]) {
					t.Errorf("torn MSET: x=%q y=%q", got[0], got[1])
					return
				}
			}
		}()
	}
	wg.Wait()
	v.requireValue(t, 0, "counter", ptr(strconv.Itoa(workers*n)))
	require.Equal(t, workers*n, must(v.e.StrLen(0, "log")))
	x, _ := v.e.Get(1, "x")
	y, _ := v.e.Get(1, "y")
	require.Equal(t, string(x), string(y), "MSET is atomic")
	// Every INCR was recorded with its own value, in order.
	var last int64
	for _, g := range v.sink.Take() {
		for _, ef := range g {
			if ef.Key == "counter" {
				n, err := strconv.ParseInt(string(ef.Value), 10, 64)
				require.NoError(t, err)
				require.Equal(t, last+1, n)
				last = n
			}
		}
	}
	require.Equal(t, int64(workers*n), last)
}

// TestCaptureReadWhileWriting reads a snapshot without the lock while
// another goroutine overwrites values in place, appends, changes expiries,
// deletes and reads (LRU clocks): the snapshot is what the keyspace held at
// Capture, and -race finds no byte read by one and written by the other.
func TestCaptureReadWhileWriting(t *testing.T) {
	e := engine.New(engine.Options{Clock: newFakeClock(), Eviction: engine.EvictionConfig{Policy: engine.AllKeysLRU}})
	const n = 5000
	want := map[string]string{}
	for i := range n {
		k, v := "k"+strconv.Itoa(i), strconv.Itoa(1_000_000+i)
		e.Set(0, k, []byte(v), engine.SetOptions{})
		if i%4 == 0 {
			// 9 bytes in a greedy record with room for 16: later appends
			// fit in place.
			_, err := e.Append(0, k, []byte("-a"))
			require.NoError(t, err)
			v += "-a"
		}
		want[k] = v
	}
	snap := e.Capture(nil)
	defer snap.Release()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		rnd := rand.New(rand.NewPCG(3, 4))
		for {
			select {
			case <-stop:
				return
			default:
			}
			k := "k" + strconv.Itoa(rnd.IntN(n))
			switch rnd.IntN(5) {
			case 0:
				e.Set(0, k, []byte(strconv.Itoa(2_000_000+rnd.IntN(n))), engine.SetOptions{})
			case 1:
				_, _ = e.Append(0, k, []byte("x"))
			case 2:
				e.Expire(0, k, t0+1_000_000, engine.ExpireAlways)
			case 3:
				e.Get(0, k)
			case 4:
				e.Del(0, []string{k})
			}
		}
	})
	for range 3 {
		got := map[string]string{}
		snap.Each(func(it *engine.Item) bool {
			require.Zero(t, it.ExpireAt, it.Key)
			got[it.Key] = string(it.Value)
			return true
		})
		require.Equal(t, want, got)
	}
	close(stop)
	wg.Wait()
}
