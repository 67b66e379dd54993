package engine_test

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

func TestSet(t *testing.T) {
	const key = "k"
	type tc struct {
		name string
		// pre prepares db 0; now is the clock when the call runs.
		pre  func(t *testing.T, v *env)
		opts func(now int64) engine.SetOptions
		want engine.SetResult
		// wantVal nil: the key must be missing afterwards.
		wantVal *string
		wantTTL int64 // TTL after the call (-1 none, -2 missing)
		effects func(now int64) [][]engine.Effect
	}
	existing := func(t *testing.T, v *env) { v.set(t, key, "old", 0) }
	existingTTL := func(t *testing.T, v *env) { v.set(t, key, "old", 10*time.Second) }
	expiredKey := func(t *testing.T, v *env) {
		v.set(t, key, "old", time.Second)
		v.clk.Advance(2 * time.Second)
	}
	none := func(int64) engine.SetOptions { return engine.SetOptions{} }
	setV := func(now int64) [][]engine.Effect { return groups(group(efSet(0, key, "v", 0))) }
	noEffects := func(int64) [][]engine.Effect { return nil }

	cases := []tc{
		{name: "new key", opts: none, want: engine.SetResult{Done: true},
			wantVal: ptr("v"), wantTTL: -1, effects: setV},
		{name: "overwrite", pre: existing, opts: none, want: engine.SetResult{Done: true},
			wantVal: ptr("v"), wantTTL: -1, effects: setV},
		{name: "overwrite clears ttl", pre: existingTTL, opts: none, want: engine.SetResult{Done: true},
			wantVal: ptr("v"), wantTTL: -1, effects: setV},
		{name: "NX missing", opts: func(int64) engine.SetOptions { return engine.SetOptions{NX: true} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: -1, effects: setV},
		{name: "NX existing", pre: existing, opts: func(int64) engine.SetOptions { return engine.SetOptions{NX: true} },
			want: engine.SetResult{}, wantVal: ptr("old"), wantTTL: -1, effects: noEffects},
		{name: "XX missing", opts: func(int64) engine.SetOptions { return engine.SetOptions{XX: true} },
			want: engine.SetResult{}, wantVal: nil, wantTTL: -2, effects: noEffects},
		{name: "XX existing", pre: existingTTL, opts: func(int64) engine.SetOptions { return engine.SetOptions{XX: true} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: -1, effects: setV},
		{name: "GET missing", opts: func(int64) engine.SetOptions { return engine.SetOptions{Get: true} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: -1, effects: setV},
		{name: "GET existing", pre: existing, opts: func(int64) engine.SetOptions { return engine.SetOptions{Get: true} },
			want: engine.SetResult{Done: true, Old: []byte("old"), HadOld: true}, wantVal: ptr("v"), wantTTL: -1, effects: setV},
		{name: "NX GET existing returns old and keeps it", pre: existing,
			opts: func(int64) engine.SetOptions { return engine.SetOptions{NX: true, Get: true} },
			want: engine.SetResult{Old: []byte("old"), HadOld: true}, wantVal: ptr("old"), wantTTL: -1, effects: noEffects},
		{name: "NX GET missing", opts: func(int64) engine.SetOptions { return engine.SetOptions{NX: true, Get: true} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: -1, effects: setV},
		{name: "XX GET missing", opts: func(int64) engine.SetOptions { return engine.SetOptions{XX: true, Get: true} },
			want: engine.SetResult{}, wantVal: nil, wantTTL: -2, effects: noEffects},
		{name: "KEEPTTL existing with ttl", pre: existingTTL,
			opts: func(int64) engine.SetOptions { return engine.SetOptions{KeepTTL: true} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: 10000,
			effects: func(now int64) [][]engine.Effect { return groups(group(efSet(0, key, "v", now+10000))) }},
		{name: "KEEPTTL existing without ttl", pre: existing,
			opts: func(int64) engine.SetOptions { return engine.SetOptions{KeepTTL: true} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: -1, effects: setV},
		{name: "KEEPTTL missing", opts: func(int64) engine.SetOptions { return engine.SetOptions{KeepTTL: true} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: -1, effects: setV},
		{name: "KEEPTTL XX GET", pre: existingTTL,
			opts: func(int64) engine.SetOptions { return engine.SetOptions{KeepTTL: true, XX: true, Get: true} },
			want: engine.SetResult{Done: true, Old: []byte("old"), HadOld: true}, wantVal: ptr("v"), wantTTL: 10000,
			effects: func(now int64) [][]engine.Effect { return groups(group(efSet(0, key, "v", now+10000))) }},
		{name: "ExpireAt future", opts: func(now int64) engine.SetOptions { return engine.SetOptions{ExpireAt: now + 5000} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: 5000,
			effects: func(now int64) [][]engine.Effect { return groups(group(efSet(0, key, "v", now+5000))) }},
		{name: "ExpireAt future replaces ttl", pre: existingTTL,
			opts: func(now int64) engine.SetOptions { return engine.SetOptions{ExpireAt: now + 1} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: 1,
			effects: func(now int64) [][]engine.Effect { return groups(group(efSet(0, key, "v", now+1))) }},
		{name: "ExpireAt past on existing deletes", pre: existing,
			opts: func(now int64) engine.SetOptions { return engine.SetOptions{ExpireAt: now - 1000} },
			want: engine.SetResult{Done: true}, wantVal: nil, wantTTL: -2,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, key))) }},
		{name: "ExpireAt past on existing with GET", pre: existingTTL,
			opts: func(now int64) engine.SetOptions { return engine.SetOptions{ExpireAt: 1, Get: true} },
			want: engine.SetResult{Done: true, Old: []byte("old"), HadOld: true}, wantVal: nil, wantTTL: -2,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, key))) }},
		// Nothing is created, yet the key was written (a WATCH of it
		// fails, a client caching it is told): a delete, as of an expiry.
		{name: "ExpireAt past on missing creates nothing",
			opts: func(now int64) engine.SetOptions { return engine.SetOptions{ExpireAt: now - 1} },
			want: engine.SetResult{Done: true}, wantVal: nil, wantTTL: -2,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, key))) }},
		{name: "ExpireAt past XX on missing", opts: func(now int64) engine.SetOptions { return engine.SetOptions{ExpireAt: now - 1, XX: true} },
			want: engine.SetResult{}, wantVal: nil, wantTTL: -2, effects: noEffects},
		{name: "ExpireAt past NX on existing is refused", pre: existing,
			opts: func(now int64) engine.SetOptions { return engine.SetOptions{ExpireAt: now - 1, NX: true} },
			want: engine.SetResult{}, wantVal: ptr("old"), wantTTL: -1, effects: noEffects},
		{name: "NX on lazily expired key", pre: expiredKey,
			opts: func(int64) engine.SetOptions { return engine.SetOptions{NX: true} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: -1,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, key), efSet(0, key, "v", 0))) }},
		{name: "XX on lazily expired key", pre: expiredKey,
			opts: func(int64) engine.SetOptions { return engine.SetOptions{XX: true, Get: true} },
			want: engine.SetResult{}, wantVal: nil, wantTTL: -2,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, key))) }},
		{name: "KEEPTTL on lazily expired key has no ttl", pre: expiredKey,
			opts: func(int64) engine.SetOptions { return engine.SetOptions{KeepTTL: true} },
			want: engine.SetResult{Done: true}, wantVal: ptr("v"), wantTTL: -1,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, key), efSet(0, key, "v", 0))) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.pre != nil {
				c.pre(t, v)
			}
			now := v.now()
			r := v.e.Set(0, key, []byte("v"), c.opts(now))
			require.Equal(t, c.want, r)
			requireEffects(t, c.effects(now), v.sink.Take())
			v.requireValue(t, 0, key, c.wantVal)
			require.Equal(t, c.wantTTL, v.e.TTL(0, key))
		})
	}

	t.Run("value is copied", func(t *testing.T) {
		v := newEnv(t)
		buf := []byte("abc")
		v.e.Set(0, key, buf, engine.SetOptions{})
		buf[0] = 'X'
		got, ok := v.e.Get(0, key)
		require.True(t, ok)
		require.Equal(t, "abc", string(got))
	})
	t.Run("empty value", func(t *testing.T) {
		v := newEnv(t)
		r := v.e.Set(0, key, []byte{}, engine.SetOptions{})
		require.True(t, r.Done)
		got, ok := v.e.Get(0, key)
		require.True(t, ok)
		require.Empty(t, got)
		require.Equal(t, 1, v.e.Exists(0, []string{key}))
	})
	t.Run("databases are separate", func(t *testing.T) {
		v := newEnv(t)
		v.setDB(t, 3, key, "three", 0)
		_, ok := v.e.Get(0, key)
		require.False(t, ok)
		got, ok := v.e.Get(3, key)
		require.True(t, ok)
		require.Equal(t, "three", string(got))
	})
}

func TestGet(t *testing.T) {
	cases := []struct {
		name    string
		pre     func(t *testing.T, v *env)
		want    *string
		effects [][]engine.Effect
	}{
		{name: "missing", want: nil},
		{name: "present", pre: func(t *testing.T, v *env) { v.set(t, "k", "v", 0) }, want: ptr("v")},
		{name: "with ttl not yet due", pre: func(t *testing.T, v *env) {
			v.set(t, "k", "v", time.Second)
			v.clk.Advance(999 * time.Millisecond)
		}, want: ptr("v")},
		{name: "expired is deleted lazily", pre: func(t *testing.T, v *env) {
			v.set(t, "k", "v", time.Second)
			v.clk.Advance(1001 * time.Millisecond)
		}, want: nil, effects: groups(group(efDel(0, "k")))},
		{name: "other db", pre: func(t *testing.T, v *env) { v.setDB(t, 1, "k", "v", 0) }, want: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.pre != nil {
				c.pre(t, v)
			}
			got, ok := v.e.Get(0, "k")
			if c.want == nil {
				require.False(t, ok)
				require.Nil(t, got)
			} else {
				require.True(t, ok)
				require.Equal(t, *c.want, string(got))
			}
			requireEffects(t, c.effects, v.sink.Take())
		})
	}
	t.Run("expired key is removed from DBSize", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "v", time.Second)
		v.clk.Advance(2 * time.Second)
		require.Equal(t, 1, v.e.DBSize(0), "not deleted before it is touched")
		_, ok := v.e.Get(0, "k")
		require.False(t, ok)
		require.Equal(t, 0, v.e.DBSize(0))
		require.Equal(t, int64(1), v.e.Stats().ExpiredKeys)
	})
	t.Run("returned value survives overwrite and append", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "abc", 0)
		_, err := v.e.Append(0, "k", []byte("def")) // now has spare capacity
		require.NoError(t, err)
		got, _ := v.e.Get(0, "k")
		_, err = v.e.Append(0, "k", []byte("ghi"))
		require.NoError(t, err)
		v.e.Set(0, "k", []byte("zzzzzz"), engine.SetOptions{})
		_, err = v.e.SetRange(0, "k", 0, []byte("yy"))
		require.NoError(t, err)
		require.Equal(t, "abcdef", string(got))
	})
}

func TestMGet(t *testing.T) {
	v := newEnv(t)
	v.set(t, "a", "1", 0)
	v.set(t, "b", "2", time.Second)
	v.set(t, "c", "", 0)
	v.clk.Advance(2 * time.Second)
	got := v.e.MGet(0, []string{"a", "b", "missing", "c", "a"})
	require.Len(t, got, 5)
	require.Equal(t, []byte("1"), got[0])
	require.Nil(t, got[1], "expired")
	require.Nil(t, got[2], "missing")
	require.NotNil(t, got[3], "empty string is not missing")
	require.Empty(t, got[3])
	require.Equal(t, []byte("1"), got[4])
	requireEffects(t, groups(group(efDel(0, "b"))), v.sink.Take())
	st := v.e.Stats()
	require.Equal(t, int64(3), st.Hits)
	require.Equal(t, int64(2), st.Misses)

	t.Run("no keys", func(t *testing.T) {
		v := newEnv(t)
		require.Empty(t, v.e.MGet(0, nil))
	})
}

func TestMSet(t *testing.T) {
	pairs := func(kv ...string) [][]byte {
		out := make([][]byte, len(kv))
		for i, s := range kv {
			out[i] = []byte(s)
		}
		return out
	}
	cases := []struct {
		name    string
		pre     func(t *testing.T, v *env)
		pairs   [][]byte
		nx      bool
		want    bool
		vals    map[string]*string
		effects [][]engine.Effect
	}{
		{name: "all new", pairs: pairs("a", "1", "b", "2", "c", "3"), want: true,
			vals:    map[string]*string{"a": ptr("1"), "b": ptr("2"), "c": ptr("3")},
			effects: groups(group(efSet(0, "a", "1", 0), efSet(0, "b", "2", 0), efSet(0, "c", "3", 0)))},
		{name: "overwrites and clears ttl", pre: func(t *testing.T, v *env) { v.set(t, "a", "old", time.Hour) },
			pairs: pairs("a", "1"), want: true, vals: map[string]*string{"a": ptr("1")},
			effects: groups(group(efSet(0, "a", "1", 0)))},
		{name: "duplicate key last wins", pairs: pairs("a", "1", "a", "2"), want: true,
			vals:    map[string]*string{"a": ptr("2")},
			effects: groups(group(efSet(0, "a", "1", 0), efSet(0, "a", "2", 0)))},
		{name: "nx none exist", pairs: pairs("a", "1", "b", "2"), nx: true, want: true,
			vals:    map[string]*string{"a": ptr("1"), "b": ptr("2")},
			effects: groups(group(efSet(0, "a", "1", 0), efSet(0, "b", "2", 0)))},
		{name: "nx one exists stores nothing", pre: func(t *testing.T, v *env) { v.set(t, "b", "old", 0) },
			pairs: pairs("a", "1", "b", "2"), nx: true, want: false,
			vals: map[string]*string{"a": nil, "b": ptr("old")}},
		{name: "nx expired key does not count", pre: func(t *testing.T, v *env) {
			v.set(t, "b", "old", time.Second)
			v.clk.Advance(time.Minute)
		}, pairs: pairs("a", "1", "b", "2"), nx: true, want: true,
			vals:    map[string]*string{"a": ptr("1"), "b": ptr("2")},
			effects: groups(group(efDel(0, "b"), efSet(0, "a", "1", 0), efSet(0, "b", "2", 0)))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.pre != nil {
				c.pre(t, v)
			}
			require.Equal(t, c.want, v.e.MSet(0, c.pairs, c.nx))
			requireEffects(t, c.effects, v.sink.Take())
			for k, want := range c.vals {
				v.requireValue(t, 0, k, want)
				if want != nil {
					require.Equal(t, int64(-1), v.e.TTL(0, k))
				}
			}
		})
	}
	t.Run("values are copied", func(t *testing.T) {
		v := newEnv(t)
		p := pairs("a", "xyz")
		v.e.MSet(0, p, false)
		p[1][0] = '!'
		v.requireValue(t, 0, "a", ptr("xyz"))
	})
}

func TestGetDel(t *testing.T) {
	cases := []struct {
		name    string
		pre     func(t *testing.T, v *env)
		want    *string
		effects [][]engine.Effect
	}{
		{name: "missing", want: nil},
		{name: "present", pre: func(t *testing.T, v *env) { v.set(t, "k", "v", 0) },
			want: ptr("v"), effects: groups(group(efDel(0, "k")))},
		{name: "present with ttl", pre: func(t *testing.T, v *env) { v.set(t, "k", "v", time.Hour) },
			want: ptr("v"), effects: groups(group(efDel(0, "k")))},
		{name: "expired", pre: func(t *testing.T, v *env) {
			v.set(t, "k", "v", time.Second)
			v.clk.Advance(time.Hour)
		}, want: nil, effects: groups(group(efDel(0, "k")))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.pre != nil {
				c.pre(t, v)
			}
			got, ok, _ := v.e.GetDel(0, "k")
			if c.want == nil {
				require.False(t, ok)
				require.Nil(t, got)
			} else {
				require.True(t, ok)
				require.Equal(t, *c.want, string(got))
			}
			requireEffects(t, c.effects, v.sink.Take())
			v.requireValue(t, 0, "k", nil)
			require.Equal(t, 0, v.e.DBSize(0))
		})
	}
}

func TestGetEx(t *testing.T) {
	cases := []struct {
		name    string
		ttl     time.Duration // of the existing key; -1: no key
		change  func(now int64) engine.ExpireChange
		wantOK  bool
		wantTTL int64
		effects func(now int64) [][]engine.Effect
	}{
		{name: "missing", ttl: -1, change: func(int64) engine.ExpireChange { return engine.ExpireChange{} },
			wantOK: false, wantTTL: -2},
		{name: "missing with set", ttl: -1, change: func(now int64) engine.ExpireChange { return engine.ExpireChange{Set: true, At: now + 1000} },
			wantOK: false, wantTTL: -2},
		{name: "no change keeps ttl", ttl: time.Minute, change: func(int64) engine.ExpireChange { return engine.ExpireChange{} },
			wantOK: true, wantTTL: 60000},
		{name: "set on key without ttl", ttl: 0, change: func(now int64) engine.ExpireChange { return engine.ExpireChange{Set: true, At: now + 5000} },
			wantOK: true, wantTTL: 5000,
			effects: func(now int64) [][]engine.Effect { return groups(group(efExp(0, "k", now+5000))) }},
		{name: "set replaces ttl", ttl: time.Minute, change: func(now int64) engine.ExpireChange { return engine.ExpireChange{Set: true, At: now + 5000} },
			wantOK: true, wantTTL: 5000,
			effects: func(now int64) [][]engine.Effect { return groups(group(efExp(0, "k", now+5000))) }},
		{name: "set in the past deletes", ttl: time.Minute, change: func(now int64) engine.ExpireChange { return engine.ExpireChange{Set: true, At: now - 1} },
			wantOK: true, wantTTL: -2,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, "k"))) }},
		{name: "set to zero time deletes", ttl: 0, change: func(int64) engine.ExpireChange { return engine.ExpireChange{Set: true, At: 1} },
			wantOK: true, wantTTL: -2,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, "k"))) }},
		{name: "persist with ttl", ttl: time.Minute, change: func(int64) engine.ExpireChange { return engine.ExpireChange{Persist: true} },
			wantOK: true, wantTTL: -1,
			effects: func(int64) [][]engine.Effect { return groups(group(efExp(0, "k", 0))) }},
		{name: "persist without ttl records nothing", ttl: 0, change: func(int64) engine.ExpireChange { return engine.ExpireChange{Persist: true} },
			wantOK: true, wantTTL: -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.ttl >= 0 {
				v.set(t, "k", "v", c.ttl)
			}
			now := v.now()
			got, ok, _ := v.e.GetEx(0, "k", c.change(now))
			require.Equal(t, c.wantOK, ok)
			if ok {
				require.Equal(t, "v", string(got))
			} else {
				require.Nil(t, got)
			}
			var want [][]engine.Effect
			if c.effects != nil {
				want = c.effects(now)
			}
			requireEffects(t, want, v.sink.Take())
			require.Equal(t, c.wantTTL, v.e.TTL(0, "k"))
		})
	}
	t.Run("expired key", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "v", time.Second)
		v.clk.Advance(time.Minute)
		_, ok, _ := v.e.GetEx(0, "k", engine.ExpireChange{Persist: true})
		require.False(t, ok)
		requireEffects(t, groups(group(efDel(0, "k"))), v.sink.Take())
	})
}

func TestAppend(t *testing.T) {
	cases := []struct {
		name    string
		max     int64
		pre     func(t *testing.T, v *env)
		arg     string
		wantLen int
		wantErr error
		wantVal *string
		wantTTL int64
		wantEnc string
		effects func(now int64) [][]engine.Effect
	}{
		{name: "new key", arg: "hello", wantLen: 5, wantVal: ptr("hello"), wantTTL: -1, wantEnc: "embstr",
			effects: func(int64) [][]engine.Effect { return groups(group(efSet(0, "k", "hello", 0))) }},
		{name: "new key integer", arg: "123", wantLen: 3, wantVal: ptr("123"), wantTTL: -1, wantEnc: "int",
			effects: func(int64) [][]engine.Effect { return groups(group(efSet(0, "k", "123", 0))) }},
		{name: "new key empty", arg: "", wantLen: 0, wantVal: ptr(""), wantTTL: -1, wantEnc: "embstr",
			effects: func(int64) [][]engine.Effect { return groups(group(efSet(0, "k", "", 0))) }},
		{name: "existing", pre: func(t *testing.T, v *env) { v.set(t, "k", "Hello", 0) }, arg: " World",
			wantLen: 11, wantVal: ptr("Hello World"), wantTTL: -1, wantEnc: "raw",
			effects: func(int64) [][]engine.Effect { return groups(group(efSet(0, "k", "Hello World", 0))) }},
		{name: "existing integer becomes raw", pre: func(t *testing.T, v *env) { v.set(t, "k", "12", 0) }, arg: "3",
			wantLen: 3, wantVal: ptr("123"), wantTTL: -1, wantEnc: "raw",
			effects: func(int64) [][]engine.Effect { return groups(group(efSet(0, "k", "123", 0))) }},
		{name: "keeps ttl", pre: func(t *testing.T, v *env) { v.set(t, "k", "ab", 30*time.Second) }, arg: "c",
			wantLen: 3, wantVal: ptr("abc"), wantTTL: 30000, wantEnc: "raw",
			effects: func(now int64) [][]engine.Effect { return groups(group(efSet(0, "k", "abc", now+30000))) }},
		{name: "expired key starts over", pre: func(t *testing.T, v *env) {
			v.set(t, "k", "old", time.Second)
			v.clk.Advance(time.Minute)
		}, arg: "new", wantLen: 3, wantVal: ptr("new"), wantTTL: -1, wantEnc: "embstr",
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, "k"), efSet(0, "k", "new", 0))) }},
		{name: "up to the limit", max: 10, pre: func(t *testing.T, v *env) { v.set(t, "k", "12345", 0) }, arg: "67890",
			wantLen: 10, wantVal: ptr("1234567890"), wantTTL: -1, wantEnc: "raw",
			effects: func(int64) [][]engine.Effect { return groups(group(efSet(0, "k", "1234567890", 0))) }},
		{name: "too large", max: 10, pre: func(t *testing.T, v *env) { v.set(t, "k", "12345", time.Minute) }, arg: "678901",
			wantErr: engine.ErrTooLarge, wantVal: ptr("12345"), wantTTL: 60000, wantEnc: "int"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t, withMaxValueSize(c.max))
			if c.pre != nil {
				c.pre(t, v)
			}
			now := v.now()
			n, err := v.e.Append(0, "k", []byte(c.arg))
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
			} else {
				require.NoError(t, err)
				require.Equal(t, c.wantLen, n)
			}
			var want [][]engine.Effect
			if c.effects != nil {
				want = c.effects(now)
			}
			requireEffects(t, want, v.sink.Take())
			v.requireValue(t, 0, "k", c.wantVal)
			require.Equal(t, c.wantTTL, v.e.TTL(0, "k"))
			enc, ok := v.e.Encoding(0, "k")
			require.True(t, ok)
			require.Equal(t, c.wantEnc, enc)
		})
	}
	t.Run("argument is copied for a new key", func(t *testing.T) {
		v := newEnv(t)
		arg := []byte("abc")
		_, err := v.e.Append(0, "k", arg)
		require.NoError(t, err)
		arg[0] = 'X'
		v.requireValue(t, 0, "k", ptr("abc"))
	})
	t.Run("many appends", func(t *testing.T) {
		v := newEnv(t)
		var want strings.Builder
		var held [][]byte
		var heldWant []string
		for i := range 200 {
			s := strconv.Itoa(i)
			want.WriteString(s)
			n, err := v.e.Append(0, "k", []byte(s))
			require.NoError(t, err)
			require.Equal(t, want.Len(), n)
			got, _ := v.e.Get(0, "k")
			held = append(held, got)
			heldWant = append(heldWant, want.String())
		}
		v.requireValue(t, 0, "k", ptr(want.String()))
		for i := range held {
			require.Equal(t, heldWant[i], string(held[i]), "value read after append %d changed", i)
		}
	})
}

func TestStrLen(t *testing.T) {
	v := newEnv(t)
	v.set(t, "s", "hello", 0)
	v.set(t, "e", "", 0)
	v.set(t, "x", "gone", time.Second)
	v.clk.Advance(time.Minute)
	cases := []struct {
		key  string
		want int
	}{{"s", 5}, {"e", 0}, {"missing", 0}, {"x", 0}}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			require.Equal(t, c.want, must(v.e.StrLen(0, c.key)))
		})
	}
}

func TestParseInt(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"-1", -1, true},
		{"10", 10, true},
		{"1234567890", 1234567890, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"18446744073709551615", 0, false},
		{"18446744073709551616", 0, false},
		{"99999999999999999999", 0, false},
		{"-99999999999999999999", 0, false},
		{"000000000000000000001", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"+", 0, false},
		{"-0", 0, false},
		{"00", 0, false},
		{"01", 0, false},
		{"-01", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1\n", 0, false},
		{"1\x00", 0, false},
		{"1.0", 0, false},
		{"1e3", 0, false},
		{"0x10", 0, false},
		{"abc", 0, false},
		{"12a", 0, false},
		{"--1", 0, false},
	}
	for _, c := range cases {
		t.Run(strconv.Quote(c.in), func(t *testing.T) {
			got, ok := engine.ParseInt([]byte(c.in))
			require.Equal(t, c.ok, ok)
			require.Equal(t, c.want, got)
			if ok {
				require.Equal(t, c.in, strconv.FormatInt(got, 10), "round trip")
			}
		})
	}
	t.Run("agrees with strconv on canonical integers", func(t *testing.T) {
		for _, n := range []int64{0, 1, -1, 9, 10, 99, 100, math.MaxInt64 - 1, math.MinInt64 + 1, math.MaxInt32, math.MinInt32} {
			got, ok := engine.ParseInt([]byte(strconv.FormatInt(n, 10)))
			require.True(t, ok, "%d", n)
			require.Equal(t, n, got)
		}
	})
}

func TestIncrBy(t *testing.T) {
	cases := []struct {
		name    string
		pre     *string // existing value (nil: missing)
		delta   int64
		want    int64
		wantErr error
	}{
		{name: "missing incr", delta: 1, want: 1},
		{name: "missing decr", delta: -1, want: -1},
		{name: "missing zero", delta: 0, want: 0},
		{name: "existing", pre: ptr("10"), delta: 5, want: 15},
		{name: "to negative", pre: ptr("3"), delta: -10, want: -7},
		{name: "negative plus negative", pre: ptr("-5"), delta: -10, want: -15},
		{name: "zero value", pre: ptr("0"), delta: 1, want: 1},
		{name: "max", pre: ptr("9223372036854775806"), delta: 1, want: math.MaxInt64},
		{name: "min", pre: ptr("-9223372036854775807"), delta: -1, want: math.MinInt64},
		{name: "max plus min", pre: ptr("9223372036854775807"), delta: math.MinInt64, want: -1},
		{name: "min plus max", pre: ptr("-9223372036854775808"), delta: math.MaxInt64, want: -1},
		{name: "overflow up", pre: ptr("9223372036854775807"), delta: 1, wantErr: engine.ErrOverflow},
		{name: "overflow up big", pre: ptr("1"), delta: math.MaxInt64, wantErr: engine.ErrOverflow},
		{name: "overflow down", pre: ptr("-9223372036854775808"), delta: -1, wantErr: engine.ErrOverflow},
		{name: "overflow down big", pre: ptr("-2"), delta: math.MinInt64, wantErr: engine.ErrOverflow},
		{name: "not integer", pre: ptr("abc"), delta: 1, wantErr: engine.ErrNotInteger},
		{name: "leading space", pre: ptr(" 1"), delta: 1, wantErr: engine.ErrNotInteger},
		{name: "trailing space", pre: ptr("1 "), delta: 1, wantErr: engine.ErrNotInteger},
		{name: "leading zero", pre: ptr("01"), delta: 1, wantErr: engine.ErrNotInteger},
		{name: "plus sign", pre: ptr("+1"), delta: 1, wantErr: engine.ErrNotInteger},
		{name: "empty", pre: ptr(""), delta: 1, wantErr: engine.ErrNotInteger},
		{name: "float", pre: ptr("1.5"), delta: 1, wantErr: engine.ErrNotInteger},
		{name: "too big", pre: ptr("9223372036854775808"), delta: -1, wantErr: engine.ErrNotInteger},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.pre != nil {
				v.set(t, "k", *c.pre, 0)
			}
			got, err := v.e.IncrBy(0, "k", c.delta)
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
				require.Empty(t, v.sink.Take(), "a failed INCR records nothing")
				if c.pre == nil {
					v.requireValue(t, 0, "k", nil)
				} else {
					v.requireValue(t, 0, "k", c.pre)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
			s := strconv.FormatInt(c.want, 10)
			requireEffects(t, groups(group(efSet(0, "k", s, 0))), v.sink.Take())
			v.requireValue(t, 0, "k", &s)
			enc, _ := v.e.Encoding(0, "k")
			require.Equal(t, "int", enc)
		})
	}
	t.Run("keeps ttl", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "10", 10*time.Second)
		at := v.now() + 10000
		v.clk.Advance(3 * time.Second)
		got, err := v.e.IncrBy(0, "k", 1)
		require.NoError(t, err)
		require.Equal(t, int64(11), got)
		requireEffects(t, groups(group(efSet(0, "k", "11", at))), v.sink.Take())
		require.Equal(t, int64(7000), v.e.TTL(0, "k"))
		require.Equal(t, at, v.e.ExpireTime(0, "k"))
	})
	t.Run("expired key counts as zero", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "10", time.Second)
		v.clk.Advance(time.Minute)
		got, err := v.e.IncrBy(0, "k", 5)
		require.NoError(t, err)
		require.Equal(t, int64(5), got)
		requireEffects(t, groups(group(efDel(0, "k"), efSet(0, "k", "5", 0))), v.sink.Take())
		require.Equal(t, int64(-1), v.e.TTL(0, "k"))
	})
	t.Run("repeated", func(t *testing.T) {
		v := newEnv(t)
		for i := 1; i <= 1000; i++ {
			got, err := v.e.IncrBy(0, "k", 1)
			require.NoError(t, err)
			require.Equal(t, int64(i), got)
		}
		v.requireValue(t, 0, "k", ptr("1000"))
	})
}

func TestParseFloat(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"-1", -1, true},
		{"1.5", 1.5, true},
		{"-1.5", -1.5, true},
		{"+1.5", 1.5, true},
		{".5", 0.5, true},
		{"1.", 1, true},
		{"00.5", 0.5, true},
		{"1e3", 1000, true},
		{"1E3", 1000, true},
		{"5.0e3", 5000, true},
		{"2.0e-2", 0.02, true},
		{"0x1p4", 16, true},
		{"10.50", 10.5, true},
		{"inf", math.Inf(1), true},
		{"+inf", math.Inf(1), true},
		{"-inf", math.Inf(-1), true},
		{"infinity", math.Inf(1), true},
		{"", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"\t1", 0, false},
		{"1\n", 0, false},
		{"abc", 0, false},
		{"1e", 0, false},
		{"1.5.5", 0, false},
		{"--1", 0, false},
		{"nan", 0, false},
		{"NaN", 0, false},
		{"-nan", 0, false},
		{"infinit", 0, false},
		{"1\x00", 0, false},
	}
	for _, c := range cases {
		t.Run(strconv.Quote(c.in), func(t *testing.T) {
			got, ok := engine.ParseFloat([]byte(c.in))
			require.Equal(t, c.ok, ok)
			if ok {
				require.Equal(t, c.want, got)
			}
		})
	}
}

func TestIncrByFloat(t *testing.T) {
	cases := []struct {
		name    string
		pre     *string
		delta   string
		want    string
		wantErr error
	}{
		{name: "missing", delta: "1.5", want: "1.5"},
		{name: "missing integer delta", delta: "3", want: "3"},
		{name: "redis doc 10.50 + 0.1", pre: ptr("10.50"), delta: "0.1", want: "10.6"},
		{name: "redis doc 10.6 - 5", pre: ptr("10.6"), delta: "-5", want: "5.6"},
		{name: "redis doc 5.0e3 + 2.0e2", pre: ptr("5.0e3"), delta: "2.0e2", want: "5200"},
		{name: "integer value", pre: ptr("10"), delta: "0.25", want: "10.25"},
		{name: "to zero", pre: ptr("1.5"), delta: "-1.5", want: "0"},
		{name: "small", pre: ptr("0"), delta: "1e-5", want: "0.00001"},
		{name: "large", pre: ptr("1e20"), delta: "0", want: "100000000000000000000"},
		{name: "not a float", pre: ptr("abc"), delta: "1", wantErr: engine.ErrNotFloat},
		{name: "spaces", pre: ptr(" 1"), delta: "1", wantErr: engine.ErrNotFloat},
		{name: "empty", pre: ptr(""), delta: "1", wantErr: engine.ErrNotFloat},
		{name: "stored nan", pre: ptr("nan"), delta: "1", wantErr: engine.ErrNotFloat},
		{name: "plus inf delta", delta: "inf", wantErr: engine.ErrNaNOrInf},
		{name: "minus inf delta", pre: ptr("1"), delta: "-inf", wantErr: engine.ErrNaNOrInf},
		{name: "stored inf", pre: ptr("inf"), delta: "1", wantErr: engine.ErrNaNOrInf},
		{name: "inf minus inf", pre: ptr("inf"), delta: "-inf", wantErr: engine.ErrNaNOrInf},
		{name: "0.1 + 0.2 as Redis", pre: ptr("0.1"), delta: "0.2", want: "0.3"},
		{name: "tiny rounds to 0", delta: "1e-20", want: "0"},
		{name: "minus zero", delta: "-0", want: "0"},
		{name: "17 decimals", delta: "1.23456789e-10", want: "0.00000000012345679"},
		{name: "hex", delta: "0x10", want: "16"},
		{name: "digit separator", delta: "1_000", wantErr: engine.ErrNotFloat},
		{name: "nan delta", pre: ptr("1"), delta: "nan", wantErr: engine.ErrNotFloat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.pre != nil {
				v.set(t, "k", *c.pre, 0)
			}
			got, err := v.e.IncrByFloat(0, "k", []byte(c.delta))
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
				require.Nil(t, got)
				require.Empty(t, v.sink.Take())
				if c.pre == nil {
					v.requireValue(t, 0, "k", nil)
				} else {
					v.requireValue(t, 0, "k", c.pre)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, string(got))
			requireEffects(t, groups(group(efSet(0, "k", c.want, 0))), v.sink.Take())
			v.requireValue(t, 0, "k", &c.want)
		})
	}
	t.Run("beyond float64, as a long double", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "1e308", 0)
		got, err := v.e.IncrByFloat(0, "k", []byte("1e308"))
		require.NoError(t, err)
		require.Len(t, strings.TrimSuffix(string(got), "."), 309)
		_, err = v.e.IncrByFloat(0, "k", []byte("1e5000"))
		require.ErrorIs(t, err, engine.ErrNotFloat, "beyond a long double's range")
	})
	t.Run("keeps ttl", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "1.5", time.Minute)
		at := v.now() + 60000
		got, err := v.e.IncrByFloat(0, "k", []byte("1"))
		require.NoError(t, err)
		require.Equal(t, "2.5", string(got))
		requireEffects(t, groups(group(efSet(0, "k", "2.5", at))), v.sink.Take())
		require.Equal(t, at, v.e.ExpireTime(0, "k"))
	})
}

func TestGetRange(t *testing.T) {
	const s = "This is a string"
	cases := []struct {
		start, end int64
		want       string
	}{
		// Redis documentation examples.
		{0, 3, "This"},
		{-3, -1, "ing"},
		{0, -1, s},
		{10, 100, "string"},
		// Both positive.
		{0, 0, "T"},
		{3, 3, "s"},
		{15, 15, "g"},
		{5, 3, ""},
		{16, 16, ""},
		{16, 100, ""},
		{100, 200, ""},
		{0, 15, s},
		{0, 16, s},
		// Both negative.
		{-1, -1, "g"},
		{-16, -16, "T"},
		{-16, -1, s},
		{-1, -5, ""},
		{-100, -1, s},
		{-100, -50, "T"}, // Redis 7 clamps both to 0
		{-17, -17, "T"},
		// Mixed.
		{0, -100, "T"}, // Redis 7: end clamps to 0
		{-100, 100, s},
		{-6, 100, "string"},
		{10, -1, "string"},
		{10, -6, "s"},
		{10, -7, ""},
		{-1, 0, ""},
		{-1, 100, "g"},
		// Extremes.
		{math.MinInt64, math.MaxInt64, s},
		{math.MaxInt64, math.MaxInt64, ""},
		{math.MinInt64, math.MinInt64, "T"},
		{math.MinInt64, -1, s},
		{0, math.MinInt64, "T"},
	}
	v := newEnv(t)
	v.set(t, "k", s, 0)
	v.set(t, "empty", "", 0)
	for _, c := range cases {
		t.Run(strconv.FormatInt(c.start, 10)+","+strconv.FormatInt(c.end, 10), func(t *testing.T) {
			require.Equal(t, c.want, string(must(v.e.GetRange(0, "k", c.start, c.end))))
		})
	}
	t.Run("missing key", func(t *testing.T) {
		require.Empty(t, must(v.e.GetRange(0, "missing", 0, -1)))
	})
	t.Run("empty value", func(t *testing.T) {
		for _, r := range [][2]int64{{0, -1}, {0, 0}, {-1, -1}, {-100, 100}} {
			require.Empty(t, must(v.e.GetRange(0, "empty", r[0], r[1])))
		}
	})
	require.Empty(t, v.sink.Take())
}

func TestSetRange(t *testing.T) {
	cases := []struct {
		name    string
		max     int64
		pre     *string
		ttl     time.Duration
		offset  int64
		arg     string
		wantLen int
		wantErr error
		wantVal *string
		effect  bool // a Set of wantVal is recorded
	}{
		{name: "missing at 0", offset: 0, arg: "abc", wantLen: 3, wantVal: ptr("abc"), effect: true},
		{name: "missing pads with zero bytes", offset: 3, arg: "ab", wantLen: 5, wantVal: ptr("\x00\x00\x00ab"), effect: true},
		{name: "redis doc Hello World", pre: ptr("Hello World"), offset: 6, arg: "Redis", wantLen: 11, wantVal: ptr("Hello Redis"), effect: true},
		{name: "inside", pre: ptr("Hello"), offset: 1, arg: "EL", wantLen: 5, wantVal: ptr("HELlo"), effect: true},
		{name: "overlapping the end", pre: ptr("Hello"), offset: 3, arg: "LOOO", wantLen: 7, wantVal: ptr("HelLOOO"), effect: true},
		{name: "at the end", pre: ptr("Hello"), offset: 5, arg: "!", wantLen: 6, wantVal: ptr("Hello!"), effect: true},
		{name: "past the end pads", pre: ptr("Hello"), offset: 8, arg: "x", wantLen: 9, wantVal: ptr("Hello\x00\x00\x00x"), effect: true},
		{name: "empty value on missing key creates nothing", offset: 0, arg: "", wantLen: 0, wantVal: nil},
		{name: "empty value far offset on missing key", offset: 1 << 40, arg: "", wantLen: 0, wantVal: nil},
		{name: "empty value on existing key", pre: ptr("abc"), offset: 10, arg: "", wantLen: 3, wantVal: ptr("abc")},
		{name: "keeps ttl", pre: ptr("abc"), ttl: time.Minute, offset: 1, arg: "X", wantLen: 3, wantVal: ptr("aXc"), effect: true},
		{name: "up to the limit", max: 10, offset: 7, arg: "abc", wantLen: 10, wantVal: ptr("\x00\x00\x00\x00\x00\x00\x00abc"), effect: true},
		{name: "too large on missing key", max: 10, offset: 8, arg: "abc", wantErr: engine.ErrTooLarge, wantVal: nil},
		{name: "too large on existing key", max: 10, pre: ptr("abc"), offset: 10, arg: "x", wantErr: engine.ErrTooLarge, wantVal: ptr("abc")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t, withMaxValueSize(c.max))
			if c.pre != nil {
				v.set(t, "k", *c.pre, c.ttl)
			}
			wantTTL := int64(-1)
			var at int64
			if c.ttl != 0 {
				wantTTL = c.ttl.Milliseconds()
				at = v.now() + wantTTL
			}
			n, err := v.e.SetRange(0, "k", c.offset, []byte(c.arg))
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
			} else {
				require.NoError(t, err)
				require.Equal(t, c.wantLen, n)
			}
			var want [][]engine.Effect
			if c.effect {
				want = groups(group(efSet(0, "k", *c.wantVal, at)))
			}
			requireEffects(t, want, v.sink.Take())
			v.requireValue(t, 0, "k", c.wantVal)
			if c.wantVal == nil {
				require.Equal(t, 0, v.e.DBSize(0))
				return
			}
			require.Equal(t, wantTTL, v.e.TTL(0, "k"))
			if c.effect {
				enc, _ := v.e.Encoding(0, "k")
				require.Equal(t, "raw", enc)
			}
		})
	}
	t.Run("readers keep the old bytes", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "hello", 0)
		got, _ := v.e.Get(0, "k")
		_, err := v.e.SetRange(0, "k", 0, []byte("J"))
		require.NoError(t, err)
		require.Equal(t, "hello", string(got))
		v.requireValue(t, 0, "k", ptr("Jello"))
	})
}
