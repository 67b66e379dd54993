package engine_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// recObserver records what an engine.Observer hears, one line per call.
type recObserver struct {
	mu    sync.Mutex
	calls []string
}

func (o *recObserver) add(s string) {
	o.mu.Lock()
	o.calls = append(o.calls, s)
	o.mu.Unlock()
}

func (o *recObserver) KeyChanged(origin int64, key string) {
	o.add("key " + key + " by " + itoa(origin))
}
func (o *recObserver) AllChanged(origin int64) { o.add("all by " + itoa(origin)) }
func (o *recObserver) ChangesDone()            { o.add("done") }

// Take returns the calls so far and forgets them.
func (o *recObserver) Take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := o.calls
	o.calls = nil
	return c
}

func itoa(n int64) string { return time.Duration(n).String() }

// TestObserverHearsEveryChange: each change is reported with the origin of
// the view that made it, expiries and evictions as nobody's, a group's
// changes together, a flush as every key, a replica's applied stream and a
// full resynchronisation as nobody's.
func TestObserverHearsEveryChange(t *testing.T) {
	v := newEnv(t)
	o := &recObserver{}
	v.e.SetObserver(o)
	a := v.e.As(7)
	require.Equal(t, int64(7), a.Origin())

	a.Set(0, "k", []byte("v"), engine.SetOptions{})
	require.Equal(t, []string{"key k by 7ns", "done"}, o.Take())

	// Reads change nothing; a write that changes nothing reports nothing.
	a.Get(0, "k")
	a.Del(0, []string{"missing"})
	require.Empty(t, o.Take())

	a.MSet(0, [][]byte{[]byte("a"), []byte("1"), []byte("b"), []byte("2")}, false)
	require.Equal(t, []string{"key a by 7ns", "key b by 7ns", "done"}, o.Take())

	// A Group's view keeps its origin; the group is one section.
	a.Group(func(tx *engine.Engine) {
		tx.Set(1, "x", []byte("1"), engine.SetOptions{})
		tx.Expire(1, "x", v.now()+10_000, engine.ExpireAlways)
	})
	require.Equal(t, []string{"key x by 7ns", "key x by 7ns", "done"}, o.Take())

	// An expired key deleted by another client's read is nobody's change.
	v.e.As(9).Set(0, "e", []byte("v"), engine.SetOptions{ExpireAt: v.now() + 10})
	o.Take()
	v.clk.Advance(time.Second)
	v.e.As(9).Get(0, "e")
	require.Equal(t, []string{"key e by 0s", "done"}, o.Take())

	// A flush is every key, once.
	a.FlushAll()
	require.Equal(t, []string{"all by 7ns", "done"}, o.Take())

	// A replica's applied stream is nobody's, with one done per Apply.
	v.e.Apply([]engine.Effect{
		{Kind: engine.EffectSet, DB: 0, Key: "r", Value: []byte("1")},
		{Kind: engine.EffectFlushDB, DB: 3},
	}, nil)
	require.Equal(t, []string{"key r by 0s", "all by 0s", "done"}, o.Take())

	// A full resynchronisation replaces every key.
	l := v.e.NewLoader()
	require.NoError(t, l.Add(&engine.Item{DB: 0, Key: "n", Value: []byte("1")}))
	l.Commit(nil)
	require.Equal(t, []string{"all by 0s", "done"}, o.Take())

	// Without an observer nothing is reported, and nothing breaks.
	v.e.SetObserver(nil)
	a.Set(0, "k", []byte("w"), engine.SetOptions{})
	require.Empty(t, o.Take())
}
