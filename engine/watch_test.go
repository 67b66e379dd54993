package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// TestGroupIsOneEffectGroup: the writes made through a Group's Engine
// reach the sink as one group, after the group ends.
func TestGroupIsOneEffectGroup(t *testing.T) {
	sink := &recSink{}
	e := engine.New(engine.Options{Clock: newFakeClock(), Sink: sink})
	e.Group(func(tx *engine.Engine) {
		tx.Set(0, "a", []byte("1"), engine.SetOptions{})
		_, err := tx.IncrBy(0, "a", 1)
		require.NoError(t, err)
		tx.Set(0, "b", []byte("x"), engine.SetOptions{})
		require.Equal(t, 2, tx.DBSize(0), "reads inside the group see its writes")
		require.Empty(t, sink.Take(), "nothing is reported before the group ends")
	})
	groups := sink.Take()
	require.Len(t, groups, 1)
	require.Len(t, groups[0], 3)
	require.Equal(t, "2", string(groups[0][1].Value))
}

// TestWatchTouched: a watch sees its key's writes, deletes, expiry changes,
// the flush of its database (when the key existed) and a passed expiry
// time, and nothing else.
func TestWatchTouched(t *testing.T) {
	clock := newFakeClock()
	e := engine.New(engine.Options{Clock: clock})
	e.Set(0, "k", []byte("v"), engine.SetOptions{})
	for name, c := range map[string]struct {
		change  func()
		touched bool
	}{
		"another key":         {func() { e.Set(0, "other", []byte("v"), engine.SetOptions{}) }, false},
		"same name, other db": {func() { e.Set(1, "k", []byte("v"), engine.SetOptions{}) }, false},
		"overwrite":           {func() { e.Set(0, "k", []byte("v"), engine.SetOptions{}) }, true},
		"delete":              {func() { e.Del(0, []string{"k"}) }, true},
		"expire":              {func() { e.Expire(0, "k", t0+1e6, engine.ExpireAlways) }, true},
		"flush of another db": {func() { e.FlushDB(1) }, false},
		"flush of its db":     {func() { e.FlushDB(0) }, true},
		"read":                {func() { e.Get(0, "k") }, false},
	} {
		t.Run(name, func(t *testing.T) {
			e.Set(0, "k", []byte("v"), engine.SetOptions{})
			e.Set(1, "k", []byte("v"), engine.SetOptions{})
			w := []engine.Watch{e.Watch(0, "k")}
			defer e.Unwatch(w)
			c.change()
			require.Equal(t, c.touched, e.Touched(w))
		})
	}
	// Nothing writes, but the key's time passes.
	e.Set(0, "k", []byte("v"), engine.SetOptions{ExpireAt: clock.Ms() + 10})
	w := []engine.Watch{e.Watch(0, "k")}
	require.False(t, e.Touched(w))
	clock.Advance(20 * time.Millisecond)
	require.True(t, e.Touched(w), "live at WATCH, expired since")
	e.Unwatch(w)

	// A key that did not exist: flushing its database changes nothing.
	e.Del(0, []string{"absent"})
	w = []engine.Watch{e.Watch(0, "absent")}
	e.FlushDB(0)
	require.False(t, e.Touched(w))
	e.Unwatch(w)
}
