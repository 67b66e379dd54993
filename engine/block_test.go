package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// blockZPop registers, as BZPOPMIN (BZPOPMAX when max) does, a sorted
// set waiter on keys of database 0 after a failed attempt in the same
// group; served holds what its pop got once it is served.
func blockZPop(t *testing.T, e *engine.Engine, max bool, keys ...string) (w *engine.Waiter, served *[]engine.ZMember) {
	t.Helper()
	got := new([]engine.ZMember)
	w = &engine.Waiter{DB: 0, Keys: keys, Type: engine.TypeZSet}
	w.Serve = func(tx *engine.Engine, key string) {
		ms, err := tx.ZPop(0, key, 1, max)
		require.NoError(t, err)
		*got = ms
	}
	e.Group(func(tx *engine.Engine) {
		key, _, err := tx.ZMPop(0, keys, 1, max)
		require.NoError(t, err)
		require.Empty(t, key)
		tx.Block(w)
	})
	return w, got
}

// requireServed requires that w was served with member m.
func requireServed(t *testing.T, e *engine.Engine, w *engine.Waiter, got *[]engine.ZMember, m string) {
	t.Helper()
	select {
	case <-w.Done():
	default:
		t.Fatalf("waiter not served (want %s)", m)
	}
	require.Equal(t, engine.Served, e.State(w))
	require.Len(t, *got, 1)
	require.Equal(t, m, (*got)[0].Member)
}

// TestBlockZSetWaiters: sorted set waiters are served in the order they
// blocked by the write that made their key a sorted set, under its lock,
// their pops joining its effect group; list waiters of the same key wait
// for a list.
func TestBlockZSetWaiters(t *testing.T) {
	v := newEnv(t)
	e := v.e
	list := &engine.Waiter{DB: 0, Keys: []string{"k"}, Type: engine.TypeList}
	var listGot []byte
	list.Serve = func(tx *engine.Engine, key string) {
		elems, _, err := tx.LPop(0, key, true, 1)
		require.NoError(t, err)
		listGot = elems[0]
	}
	e.Group(func(tx *engine.Engine) { tx.Block(list) })
	w1, got1 := blockZPop(t, e, false, "k")
	w2, got2 := blockZPop(t, e, true, "other", "k")
	w3, got3 := blockZPop(t, e, false, "k")
	require.Equal(t, 4, e.Blocked())
	v.sink.Take()

	n, _, _, err := e.ZAdd(0, "k", engine.ZAddOptions{}, []float64{1, 2, 3}, [][]byte{[]byte("a"), []byte("b"), []byte("c")})
	require.NoError(t, err)
	require.Equal(t, 3, n)
	requireServed(t, e, w1, got1, "a")
	requireServed(t, e, w2, got2, "c")
	requireServed(t, e, w3, got3, "b")
	require.Len(t, v.sink.Take(), 1, "the ZADD and the three pops are one group")
	card, err := e.ZCard(0, "k")
	require.NoError(t, err)
	require.Zero(t, card)
	require.Equal(t, 1, e.Blocked())
	select {
	case <-list.Done():
		t.Fatal("a list waiter served by a ZADD")
	default:
	}

	// A string on the key serves nobody; a list serves the list waiter.
	e.Set(0, "k", []byte("v"), engine.SetOptions{})
	require.Equal(t, 1, e.Blocked())
	e.Del(0, []string{"k"})
	_, err = e.LPush(0, "k", [][]byte{[]byte("x")}, false, false)
	require.NoError(t, err)
	<-list.Done()
	require.Equal(t, "x", string(listGot))
	require.Zero(t, e.Blocked())
}
