package engine_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// t0 is the fake clock's starting time, in Unix milliseconds.
const t0 int64 = 1_700_000_000_000

// fakeClock is a settable engine.Clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.UnixMilli(t0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to Unix millisecond ms.
func (c *fakeClock) Set(ms int64) {
	c.mu.Lock()
	c.t = time.UnixMilli(ms)
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Ms returns the clock in Unix milliseconds.
func (c *fakeClock) Ms() int64 { return c.Now().UnixMilli() }

// recSink records every Record call as one group, copying the slice and
// the values as the Sink contract requires.
type recSink struct {
	mu     sync.Mutex
	groups [][]engine.Effect
}

func (s *recSink) Record(effects []engine.Effect, _ engine.Digest, _ int64) {
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

// Take returns the groups recorded so far and forgets them.
func (s *recSink) Take() [][]engine.Effect {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups
	s.groups = nil
	return g
}

// env is an engine wired to a fake clock and a recording sink.
type env struct {
	e    *engine.Engine
	clk  *fakeClock
	sink *recSink
}

func newEnv(t testing.TB, opts ...func(*engine.Options)) *env {
	t.Helper()
	clk := newFakeClock()
	sink := &recSink{}
	o := engine.Options{Databases: 16, Clock: clk, Sink: sink}
	for _, f := range opts {
		f(&o)
	}
	v := &env{e: engine.New(o), clk: clk, sink: sink}
	if tt, ok := t.(*testing.T); ok {
		tt.Cleanup(func() {
			if !tt.Failed() {
				require.NoError(tt, v.e.CheckInvariants())
			}
		})
	}
	return v
}

func withMaxValueSize(n int64) func(*engine.Options) {
	return func(o *engine.Options) { o.MaxValueSize = n }
}

func withDatabases(n int) func(*engine.Options) {
	return func(o *engine.Options) { o.Databases = n }
}

// now returns the clock in Unix ms.
func (v *env) now() int64 { return v.clk.Ms() }

// set stores key=val in db 0 (ttl 0: no expiry) and discards the effects.
func (v *env) set(t testing.TB, key, val string, ttl time.Duration) {
	t.Helper()
	v.setDB(t, 0, key, val, ttl)
}

func (v *env) setDB(t testing.TB, d int, key, val string, ttl time.Duration) {
	t.Helper()
	var at int64
	if ttl != 0 {
		at = v.now() + ttl.Milliseconds()
	}
	r := v.e.Set(d, key, []byte(val), engine.SetOptions{ExpireAt: at})
	require.True(t, r.Done)
	v.sink.Take()
}

// requireValue asserts key's value in db d (want nil: missing), without
// disturbing the recorded effects or the stats.
func (v *env) requireValue(t testing.TB, d int, key string, want *string) {
	t.Helper()
	items := v.e.Items()
	now := v.now()
	for _, it := range items {
		if it.DB == d && it.Key == key && (it.ExpireAt == 0 || it.ExpireAt > now) {
			require.NotNil(t, want, "key %q should be missing, holds %q", key, it.Value)
			require.Equal(t, *want, string(it.Value), "value of %q", key)
			return
		}
	}
	require.Nil(t, want, "key %q should hold %v", key, want)
}

// expireAtOf returns key's stored ExpireAt in db d straight from a
// snapshot (-2 when the key is not stored at all), not disturbing anything.
func (v *env) expireAtOf(d int, key string) int64 {
	for _, it := range v.e.Items() {
		if it.DB == d && it.Key == key {
			return it.ExpireAt
		}
	}
	return -2
}

func ptr(s string) *string { return &s }

// Effect builders.
func efSet(d int, key, val string, at int64) engine.Effect {
	return engine.Effect{Kind: engine.EffectSet, DB: d, Key: key, Value: []byte(val), ExpireAt: at}
}

func efDel(d int, key string) engine.Effect {
	return engine.Effect{Kind: engine.EffectDelete, DB: d, Key: key}
}

func efExp(d int, key string, at int64) engine.Effect {
	return engine.Effect{Kind: engine.EffectExpire, DB: d, Key: key, ExpireAt: at}
}

func group(ef ...engine.Effect) []engine.Effect { return ef }

func groups(g ...[]engine.Effect) [][]engine.Effect { return g }

// requireEffects compares recorded groups with the expected ones, showing a
// readable diff.
func requireEffects(t testing.TB, want, got [][]engine.Effect) {
	t.Helper()
	require.Equal(t, fmtGroups(want), fmtGroups(got))
}

func fmtGroups(gs [][]engine.Effect) []string {
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		parts := make([]string, len(g))
		for i, ef := range g {
			parts[i] = fmtEffect(ef)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	return out
}

func fmtEffect(ef engine.Effect) string {
	switch ef.Kind {
	case engine.EffectSet:
		return fmt.Sprintf("set db=%d %q=%q at=%d", ef.DB, ef.Key, ef.Value, ef.ExpireAt)
	case engine.EffectDelete:
		return fmt.Sprintf("delete db=%d %q", ef.DB, ef.Key)
	case engine.EffectExpire:
		return fmt.Sprintf("expire db=%d %q at=%d", ef.DB, ef.Key, ef.ExpireAt)
	case engine.EffectFlushDB:
		return fmt.Sprintf("flushdb db=%d", ef.DB)
	case engine.EffectFlushAll:
		return "flushall"
	}
	return fmt.Sprintf("unknown %+v", ef)
}

// sortedSnapshot returns a snapshot in a canonical order, for comparing two
// engines exactly (including stored-but-expired keys).
func sortedSnapshot(e *engine.Engine) []string {
	items := e.Items()
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprintf("%d/%q=%q@%d", it.DB, it.Key, it.Value, it.ExpireAt)
	}
	slices.Sort(out)
	return out
}

// noPanic runs f and turns a panic into a test failure.
func noPanic(t testing.TB, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
	}()
	f()
}

const zeroDigest = "0000000000000000000000000000000000000000"

// must returns v, for calls whose error the test does not look at.
func must[T any](v T, _ error) T { return v }
