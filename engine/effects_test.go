package engine_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

func TestEffectKindString(t *testing.T) {
	cases := map[engine.EffectKind]string{
		engine.EffectSet:      "set",
		engine.EffectDelete:   "delete",
		engine.EffectExpire:   "expire",
		engine.EffectFlushDB:  "flushdb",
		engine.EffectFlushAll: "flushall",
		0:                     "unknown",
		99:                    "unknown",
	}
	for k, want := range cases {
		t.Run(want+strconv.Itoa(int(k)), func(t *testing.T) {
			require.Equal(t, want, k.String())
		})
	}
}

func TestEffects(t *testing.T) {
	bs := func(kv ...string) [][]byte {
		out := make([][]byte, len(kv))
		for i, s := range kv {
			out[i] = []byte(s)
		}
		return out
	}
	cases := []struct {
		name string
		pre  func(t *testing.T, v *env)
		op   func(t *testing.T, v *env)
		want func(now int64) [][]engine.Effect
	}{
		{
			name: "INCR records Set of the new value with the kept ExpireAt",
			pre:  func(t *testing.T, v *env) { v.set(t, "n", "41", time.Minute) },
			op: func(t *testing.T, v *env) {
				_, err := v.e.IncrBy(0, "n", 1)
				require.NoError(t, err)
			},
			want: func(now int64) [][]engine.Effect { return groups(group(efSet(0, "n", "42", now+60000))) },
		},
		{
			name: "MSET records one Set per key in one call",
			op:   func(t *testing.T, v *env) { v.e.MSet(2, bs("a", "1", "b", "2", "c", "3"), false) },
			want: func(int64) [][]engine.Effect {
				return groups(group(efSet(2, "a", "1", 0), efSet(2, "b", "2", 0), efSet(2, "c", "3", 0)))
			},
		},
		{
			name: "RENAME records Delete and Set in one call",
			pre:  func(t *testing.T, v *env) { v.set(t, "a", "v", time.Minute) },
			op: func(t *testing.T, v *env) {
				_, err := v.e.Rename(0, "a", "b", false)
				require.NoError(t, err)
			},
			want: func(now int64) [][]engine.Effect { return groups(group(efDel(0, "a"), efSet(0, "b", "v", now+60000))) },
		},
		{
			name: "lazy expiry on Get records a Delete",
			pre: func(t *testing.T, v *env) {
				v.set(t, "k", "v", time.Second)
				v.clk.Advance(2 * time.Second)
			},
			op:   func(t *testing.T, v *env) { v.e.Get(0, "k") },
			want: func(int64) [][]engine.Effect { return groups(group(efDel(0, "k"))) },
		},
		{
			name: "lazy expiry of several keys in one MGET is one group",
			pre: func(t *testing.T, v *env) {
				v.set(t, "a", "v", time.Second)
				v.set(t, "b", "v", time.Second)
				v.clk.Advance(2 * time.Second)
			},
			op:   func(t *testing.T, v *env) { v.e.MGet(0, []string{"a", "x", "b"}) },
			want: func(int64) [][]engine.Effect { return groups(group(efDel(0, "a"), efDel(0, "b"))) },
		},
		{
			name: "each call is its own group",
			op: func(t *testing.T, v *env) {
				v.e.Set(0, "a", []byte("1"), engine.SetOptions{})
				v.e.Set(0, "b", []byte("2"), engine.SetOptions{})
				v.e.Del(0, []string{"a", "b"})
			},
			want: func(int64) [][]engine.Effect {
				return groups(group(efSet(0, "a", "1", 0)), group(efSet(0, "b", "2", 0)), group(efDel(0, "a"), efDel(0, "b")))
			},
		},
		{
			name: "SET with expiry",
			op: func(t *testing.T, v *env) {
				v.e.Set(5, "a", []byte("1"), engine.SetOptions{ExpireAt: t0 + 1234})
			},
			want: func(int64) [][]engine.Effect { return groups(group(efSet(5, "a", "1", t0+1234))) },
		},
		{
			name: "EXPIRE then PERSIST",
			pre:  func(t *testing.T, v *env) { v.set(t, "k", "v", 0) },
			op: func(t *testing.T, v *env) {
				require.True(t, v.e.Expire(0, "k", t0+5000, engine.ExpireAlways))
				require.True(t, v.e.Persist(0, "k"))
			},
			want: func(int64) [][]engine.Effect { return groups(group(efExp(0, "k", t0+5000)), group(efExp(0, "k", 0))) },
		},
		{
			name: "APPEND records the whole new value",
			pre:  func(t *testing.T, v *env) { v.set(t, "k", "abc", 0) },
			op: func(t *testing.T, v *env) {
				_, err := v.e.Append(0, "k", []byte("def"))
				require.NoError(t, err)
			},
			want: func(int64) [][]engine.Effect { return groups(group(efSet(0, "k", "abcdef", 0))) },
		},
		{
			name: "SETRANGE records the whole new value",
			pre:  func(t *testing.T, v *env) { v.set(t, "k", "abc", 0) },
			op: func(t *testing.T, v *env) {
				_, err := v.e.SetRange(0, "k", 1, []byte("X"))
				require.NoError(t, err)
			},
			want: func(int64) [][]engine.Effect { return groups(group(efSet(0, "k", "aXc", 0))) },
		},
		{
			name: "INCRBYFLOAT records the printed value",
			pre:  func(t *testing.T, v *env) { v.set(t, "k", "10.50", 0) },
			op: func(t *testing.T, v *env) {
				_, err := v.e.IncrByFloat(0, "k", []byte("0.1"))
				require.NoError(t, err)
			},
			want: func(int64) [][]engine.Effect { return groups(group(efSet(0, "k", "10.6", 0))) },
		},
		{
			name: "COPY records a Set in the target db",
			pre:  func(t *testing.T, v *env) { v.set(t, "k", "v", 0) },
			op: func(t *testing.T, v *env) {
				_, err := v.e.Copy(0, "k", 4, "k2", false)
				require.NoError(t, err)
			},
			want: func(int64) [][]engine.Effect { return groups(group(efSet(4, "k2", "v", 0))) },
		},
		{
			name: "FLUSHDB and FLUSHALL",
			op: func(t *testing.T, v *env) {
				v.e.FlushDB(7)
				v.e.FlushAll()
			},
			want: func(int64) [][]engine.Effect {
				return groups(group(engine.Effect{Kind: engine.EffectFlushDB, DB: 7}), group(engine.Effect{Kind: engine.EffectFlushAll}))
			},
		},
		{
			name: "read-only calls record nothing",
			pre: func(t *testing.T, v *env) {
				v.set(t, "k", "v", time.Minute)
				v.set(t, "n", "1", 0)
			},
			op: func(t *testing.T, v *env) {
				v.e.Get(0, "k")
				v.e.Get(0, "missing")
				v.e.MGet(0, []string{"k", "missing"})
				v.e.StrLen(0, "k")
				v.e.GetRange(0, "k", 0, -1)
				v.e.GetEx(0, "k", engine.ExpireChange{})
				v.e.GetEx(0, "n", engine.ExpireChange{Persist: true})
				v.e.Exists(0, []string{"k", "missing"})
				v.e.Touch(0, []string{"k"})
				v.e.Type(0, "k")
				v.e.Keys(0, "*")
				v.e.Scan(0, 0, "*", 10, "")
				v.e.RandomKey(0)
				v.e.TTL(0, "k")
				v.e.ExpireTime(0, "k")
				v.e.Encoding(0, "k")
				v.e.DBSize(0)
				v.e.Len()
				v.e.Keyspace()
				v.e.Digest()
				v.e.DigestValue(0, []string{"k"})
				v.e.Items()
				v.e.Stats()
				v.e.ResetStats()
				v.e.NowMs()
				v.e.ActiveExpireCycle(time.Millisecond)
			},
		},
		{
			name: "failed and no-op writes record nothing",
			pre: func(t *testing.T, v *env) {
				v.set(t, "k", "v", time.Minute)
				v.set(t, "plain", "p", 0)
				v.setDB(t, 1, "k", "other", 0)
			},
			op: func(t *testing.T, v *env) {
				require.False(t, v.e.Set(0, "k", []byte("x"), engine.SetOptions{NX: true}).Done)
				require.False(t, v.e.Set(0, "missing", []byte("x"), engine.SetOptions{XX: true}).Done)
				require.False(t, v.e.MSet(0, bs("new", "1", "k", "2"), true))
				require.Zero(t, v.e.Del(0, []string{"missing"}))
				_, ok, _ := v.e.GetDel(0, "missing")
				require.False(t, ok)
				ok, err := v.e.Rename(0, "k", "plain", true)
				require.NoError(t, err)
				require.False(t, ok)
				ok, err = v.e.Rename(0, "k", "k", false)
				require.NoError(t, err)
				require.True(t, ok)
				_, err = v.e.Rename(0, "missing", "x", false)
				require.ErrorIs(t, err, engine.ErrNoSuchKey)
				require.False(t, v.e.Expire(0, "k", t0+1, engine.ExpireNX))
				require.False(t, v.e.Expire(0, "plain", t0+1e6, engine.ExpireGT))
				require.False(t, v.e.Expire(0, "missing", t0+1e6, engine.ExpireAlways))
				require.False(t, v.e.Persist(0, "plain"))
				ok, err = v.e.Move(0, "k", 1)
				require.NoError(t, err)
				require.False(t, ok)
				_, err = v.e.Move(0, "k", 0)
				require.ErrorIs(t, err, engine.ErrSameObject)
				ok, err = v.e.Copy(0, "k", 1, "k", false)
				require.NoError(t, err)
				require.False(t, ok)
				_, err = v.e.Copy(0, "k", 0, "k", true)
				require.ErrorIs(t, err, engine.ErrSameObject)
				_, err = v.e.IncrBy(0, "k", 1)
				require.ErrorIs(t, err, engine.ErrNotInteger)
				_, err = v.e.IncrByFloat(0, "k", []byte("1"))
				require.ErrorIs(t, err, engine.ErrNotFloat)
				_, err = v.e.IncrByFloat(0, "missing", []byte("inf"))
				require.ErrorIs(t, err, engine.ErrNaNOrInf)
				n, err := v.e.SetRange(0, "missing", 3, nil)
				require.NoError(t, err)
				require.Zero(t, n)
				n, err = v.e.SetRange(0, "k", 0, []byte{})
				require.NoError(t, err)
				require.Equal(t, 1, n)
			},
		},
		{
			name: "oversized writes record nothing",
			pre: func(t *testing.T, v *env) {
				v2 := newEnv(t, withMaxValueSize(4))
				*v = *v2
				v.set(t, "k", "abc", 0)
			},
			op: func(t *testing.T, v *env) {
				_, err := v.e.Append(0, "k", []byte("de"))
				require.ErrorIs(t, err, engine.ErrTooLarge)
				_, err = v.e.SetRange(0, "k", 4, []byte("x"))
				require.ErrorIs(t, err, engine.ErrTooLarge)
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.pre != nil {
				c.pre(t, v)
			}
			now := v.now()
			c.op(t, v)
			var want [][]engine.Effect
			if c.want != nil {
				want = c.want(now)
			}
			requireEffects(t, want, v.sink.Take())
		})
	}
}

func TestEffectValuesAreStable(t *testing.T) {
	// The Sink contract lets a sink keep Value bytes: they must never change
	// afterwards, whatever later writes do to the key.
	v := newEnv(t)
	v.set(t, "k", "a", 0)
	var recorded []engine.Effect
	keep := func() {
		for _, g := range v.sink.Take() {
			recorded = append(recorded, g...)
		}
	}
	var want []string
	for i := range 50 {
		_, err := v.e.Append(0, "k", []byte{byte('b' + i%20)})
		require.NoError(t, err)
		keep()
		want = append(want, string(recorded[len(recorded)-1].Value))
	}
	_, err := v.e.SetRange(0, "k", 0, []byte("ZZZ"))
	require.NoError(t, err)
	_, err = v.e.Rename(0, "k", "k2", false)
	require.NoError(t, err)
	_, err = v.e.Append(0, "k2", []byte("tail"))
	require.NoError(t, err)
	_, err = v.e.IncrBy(0, "n", 5)
	require.NoError(t, err)
	keep()
	for i := range want {
		require.Equal(t, want[i], string(recorded[i].Value), "effect %d changed after it was reported", i)
	}
}

func TestSetSink(t *testing.T) {
	v := newEnv(t)
	other := &recSink{}
	v.e.Set(0, "a", []byte("1"), engine.SetOptions{})
	v.e.SetSink(other)
	v.e.Set(0, "b", []byte("2"), engine.SetOptions{})
	requireEffects(t, groups(group(efSet(0, "a", "1", 0))), v.sink.Take())
	requireEffects(t, groups(group(efSet(0, "b", "2", 0))), other.Take())
	v.e.SetSink(nil)
	v.e.Set(0, "c", []byte("3"), engine.SetOptions{})
	require.Empty(t, other.Take())
	require.Empty(t, v.sink.Take())
	got, ok := v.e.Get(0, "c")
	require.True(t, ok)
	require.Equal(t, "3", string(got))
}

// TestSetRole: the sink and replica mode move together. A secondary's
// engine neither logs nor deletes an expired key on its own; the primary's
// deletes it and logs the deletion to the new sink.
func TestSetRole(t *testing.T) {
	v := newEnv(t)
	v.set(t, "k", "v", time.Second)
	v.sink.Take()
	v.clk.Advance(time.Minute)

	v.e.SetRole(nil, true)
	_, ok := v.e.Get(0, "k")
	require.False(t, ok, "an expired key is hidden on a secondary")
	require.Zero(t, v.e.ActiveExpireCycle(time.Second))
	require.Equal(t, 1, v.e.DBSize(0), "a secondary deletes nothing on its own")
	require.Empty(t, v.sink.Take())

	log := &recSink{}
	v.e.SetRole(log, false)
	_, ok = v.e.Get(0, "k")
	require.False(t, ok)
	require.Zero(t, v.e.DBSize(0))
	requireEffects(t, groups(group(engine.Effect{Kind: engine.EffectDelete, DB: 0, Key: "k"})), log.Take())
	require.Empty(t, v.sink.Take())
}

func TestActiveExpireCycle(t *testing.T) {
	t.Run("deletes expired keys only", func(t *testing.T) {
		v := newEnv(t)
		expired := map[string]bool{}
		for d := range 3 {
			for i := range 50 {
				k := "dead" + strconv.Itoa(i)
				v.setDB(t, d, k, "v", time.Second)
				expired[strconv.Itoa(d)+"/"+k] = true
				v.setDB(t, d, "live"+strconv.Itoa(i), "v", time.Hour)
				v.setDB(t, d, "plain"+strconv.Itoa(i), "v", 0)
			}
		}
		v.clk.Advance(time.Minute)
		v.e.ResetStats()
		total := 0
		for i := 0; i < 10000 && total < 150; i++ {
			total += v.e.ActiveExpireCycle(time.Second)
		}
		require.Equal(t, 150, total)
		require.Equal(t, int64(150), v.e.Stats().ExpiredKeys)
		deleted := map[string]bool{}
		for _, g := range v.sink.Take() {
			for _, ef := range g {
				require.Equal(t, engine.EffectDelete, ef.Kind)
				id := strconv.Itoa(ef.DB) + "/" + ef.Key
				require.True(t, expired[id], "deleted live key %s", id)
				require.False(t, deleted[id], "deleted %s twice", id)
				deleted[id] = true
			}
		}
		require.Len(t, deleted, 150)
		for d := range 3 {
			require.Equal(t, 100, v.e.DBSize(d))
			require.Equal(t, 50, v.e.Keyspace()[d].Expires)
		}
		require.Zero(t, v.e.ActiveExpireCycle(time.Second))
		require.Empty(t, v.sink.Take())
	})
	t.Run("nothing to do", func(t *testing.T) {
		v := newEnv(t)
		require.Zero(t, v.e.ActiveExpireCycle(time.Second))
		v.set(t, "k", "v", time.Hour)
		v.set(t, "p", "v", 0)
		require.Zero(t, v.e.ActiveExpireCycle(time.Second))
		require.Empty(t, v.sink.Take())
	})
	t.Run("large expired population is cleared over calls", func(t *testing.T) {
		v := newEnv(t)
		for i := range 5000 {
			v.e.Set(0, strconv.Itoa(i), []byte("v"), engine.SetOptions{ExpireAt: t0 + 1000})
		}
		v.sink.Take()
		v.clk.Advance(time.Minute)
		total := 0
		for i := 0; i < 10000 && v.e.DBSize(0) > 0; i++ {
			total += v.e.ActiveExpireCycle(time.Second)
		}
		require.Equal(t, 5000, total)
		require.Equal(t, 0, v.e.DBSize(0))
		require.Equal(t, int64(5000), v.e.Stats().ExpiredKeys)
	})
	t.Run("replica deletes nothing", func(t *testing.T) {
		v := newEnv(t)
		for i := range 100 {
			v.set(t, strconv.Itoa(i), "v", time.Second)
		}
		v.e.SetReplica(true)
		v.clk.Advance(time.Minute)
		for range 10 {
			require.Zero(t, v.e.ActiveExpireCycle(time.Second))
		}
		require.Equal(t, 100, v.e.DBSize(0))
		require.Empty(t, v.sink.Take())
		require.Zero(t, v.e.Stats().ExpiredKeys)
	})
}

func TestReplicaMode(t *testing.T) {
	setup := func(t *testing.T) *env {
		v := newEnv(t)
		v.e.SetReplica(true)
		now := v.now()
		v.e.Apply([]engine.Effect{
			efSet(0, "dying", "d", now+1000),
			efSet(0, "live", "l", now+3_600_000),
			efSet(0, "plain", "p", 0),
			efSet(2, "dying", "d2", now+1000),
		}, nil)
		v.clk.Advance(2 * time.Second)
		return v
	}
	t.Run("expired keys are hidden", func(t *testing.T) {
		v := setup(t)
		_, ok := v.e.Get(0, "dying")
		require.False(t, ok)
		require.Equal(t, []string{"", "p"}, func() []string {
			got := v.e.MGet(0, []string{"dying", "plain"})
			return []string{string(got[0]), string(got[1])}
		}())
		require.Equal(t, 0, v.e.Exists(0, []string{"dying"}))
		require.Equal(t, 2, v.e.Exists(0, []string{"live", "plain", "dying"}))
		require.Equal(t, int64(-2), v.e.TTL(0, "dying"))
		require.Equal(t, int64(-2), v.e.ExpireTime(0, "dying"))
		require.Equal(t, "none", v.e.Type(0, "dying"))
		require.Equal(t, 0, must(v.e.StrLen(0, "dying")))
		require.Empty(t, must(v.e.GetRange(0, "dying", 0, -1)))
		_, ok = v.e.Encoding(0, "dying")
		require.False(t, ok)
		require.ElementsMatch(t, []string{"live", "plain"}, v.e.Keys(0, "*"))
		require.Len(t, scanAll(t, v.e, 0, "*", 10, "", nil), 2)
		require.Equal(t, []string{zeroDigest}, v.e.DigestValue(0, []string{"dying"}))
	})
	t.Run("expired keys are never deleted", func(t *testing.T) {
		v := setup(t)
		v.e.Get(0, "dying")
		v.e.Get(2, "dying")
		v.e.Exists(0, []string{"dying"})
		v.e.TTL(0, "dying")
		v.e.Del(0, []string{"dying"}) // a replica would not run it; it must not see the key
		for range 20 {
			require.Zero(t, v.e.ActiveExpireCycle(time.Second))
			v.e.RandomKey(2)
		}
		require.Equal(t, 3, v.e.DBSize(0))
		require.Equal(t, 1, v.e.DBSize(2))
		require.Empty(t, v.sink.Take())
		require.Zero(t, v.e.Stats().ExpiredKeys)
	})
	t.Run("digest matches the primary's once its deletes arrive", func(t *testing.T) {
		// The expired keys a replica hides are still stored, and counted,
		// until the primary's DELETE: the digest is of the data the two
		// hold at one sequence.
		v := setup(t)
		p := newEnv(t)
		p.clk.Set(v.now())
		p.set(t, "live", "l", time.Hour-2*time.Second)
		p.set(t, "plain", "p", 0)
		require.NotEqual(t, p.e.Digest(), v.e.Digest())
		v.e.Apply([]engine.Effect{efDel(0, "dying"), efDel(2, "dying")}, nil)
		require.Equal(t, p.e.Digest(), v.e.Digest())
	})
	t.Run("primary's delete removes it", func(t *testing.T) {
		v := setup(t)
		v.e.Apply([]engine.Effect{efDel(0, "dying"), efDel(2, "dying")}, nil)
		require.Equal(t, 2, v.e.DBSize(0))
		require.Equal(t, 0, v.e.DBSize(2))
	})
	t.Run("primary's expire revives it", func(t *testing.T) {
		v := setup(t)
		v.e.Apply([]engine.Effect{efExp(0, "dying", 0)}, nil)
		got, ok := v.e.Get(0, "dying")
		require.True(t, ok)
		require.Equal(t, "d", string(got))
	})
	t.Run("misses are counted", func(t *testing.T) {
		v := setup(t)
		v.e.ResetStats()
		v.e.Get(0, "dying")
		v.e.Get(0, "plain")
		require.Equal(t, engine.Stats{Hits: 1, Misses: 1}, v.e.Stats())
	})
	t.Run("switching back to primary deletes lazily", func(t *testing.T) {
		v := setup(t)
		v.e.SetReplica(false)
		_, ok := v.e.Get(0, "dying")
		require.False(t, ok)
		requireEffects(t, groups(group(efDel(0, "dying"))), v.sink.Take())
		require.Equal(t, 2, v.e.DBSize(0))
		require.Equal(t, 1, v.e.ActiveExpireCycle(time.Second))
		require.Equal(t, 0, v.e.DBSize(2))
	})
}

func TestApply(t *testing.T) {
	cases := []struct {
		name    string
		pre     []engine.Effect
		effects []engine.Effect
		want    []string // sortedSnapshot
	}{
		{name: "set", effects: []engine.Effect{efSet(0, "a", "1", 0)}, want: []string{`0/"a"="1"@0`}},
		{name: "set with expiry", effects: []engine.Effect{efSet(1, "a", "1", t0+5)}, want: []string{`1/"a"="1"@1700000000005`}},
		{name: "set overwrites and clears expiry", pre: []engine.Effect{efSet(0, "a", "1", t0+5)},
			effects: []engine.Effect{efSet(0, "a", "2", 0)}, want: []string{`0/"a"="2"@0`}},
		{name: "delete", pre: []engine.Effect{efSet(0, "a", "1", t0+5), efSet(0, "b", "2", 0)},
			effects: []engine.Effect{efDel(0, "a")}, want: []string{`0/"b"="2"@0`}},
		{name: "delete missing is a no-op", effects: []engine.Effect{efDel(0, "a")}, want: []string{}},
		{name: "expire", pre: []engine.Effect{efSet(0, "a", "1", 0)},
			effects: []engine.Effect{efExp(0, "a", t0+9)}, want: []string{`0/"a"="1"@1700000000009`}},
		{name: "expire zero persists", pre: []engine.Effect{efSet(0, "a", "1", t0+9)},
			effects: []engine.Effect{efExp(0, "a", 0)}, want: []string{`0/"a"="1"@0`}},
		{name: "expire missing is a no-op", effects: []engine.Effect{efExp(0, "a", t0)}, want: []string{}},
		{name: "expire in the past keeps the key stored", pre: []engine.Effect{efSet(0, "a", "1", 0)},
			effects: []engine.Effect{efExp(0, "a", 1)}, want: []string{`0/"a"="1"@1`}},
		{name: "flushdb", pre: []engine.Effect{efSet(0, "a", "1", 0), efSet(1, "b", "2", t0+1)},
			effects: []engine.Effect{{Kind: engine.EffectFlushDB, DB: 1}}, want: []string{`0/"a"="1"@0`}},
		{name: "flushall", pre: []engine.Effect{efSet(0, "a", "1", 0), efSet(1, "b", "2", t0+1)},
			effects: []engine.Effect{{Kind: engine.EffectFlushAll}}, want: []string{}},
		{name: "group applied in order", effects: []engine.Effect{
			efSet(0, "a", "1", 0), efDel(0, "a"), efSet(0, "a", "2", t0+1), efExp(0, "a", t0+2), efSet(0, "b", "3", 0),
			{Kind: engine.EffectFlushDB, DB: 0}, efSet(0, "c", "4", 0),
		}, want: []string{`0/"c"="4"@0`}},
		{name: "unknown kind is ignored", effects: []engine.Effect{{Kind: 99, DB: 0, Key: "a"}}, want: []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			v.e.SetReplica(true)
			v.e.Apply(c.pre, nil)
			calls := 0
			v.e.Apply(c.effects, func(engine.Digest) { calls++ })
			require.Equal(t, 1, calls, "commit runs once")
			require.Equal(t, c.want, sortedSnapshot(v.e))
			require.Empty(t, v.sink.Take(), "Apply does not report")
		})
	}
	t.Run("empty group still commits", func(t *testing.T) {
		v := newEnv(t)
		calls := 0
		v.e.Apply(nil, func(engine.Digest) { calls++ })
		require.Equal(t, 1, calls)
	})
	t.Run("commit sees the group applied atomically", func(t *testing.T) {
		v := newEnv(t)
		// commit runs under the engine lock, so another goroutine's read
		// cannot observe the state between Apply's effects and its commit.
		pos := 0
		done := make(chan struct{})
		var seen []string
		go func() {
			defer close(done)
			for i := 0; i < 200; i++ {
				got := v.e.MGet(0, []string{"a", "b"})
				seen = append(seen, string(got[0])+"/"+string(got[1]))
			}
		}()
		for i := 1; i <= 200; i++ {
			s := strconv.Itoa(i)
			v.e.Apply([]engine.Effect{efSet(0, "a", s, 0), efSet(0, "b", s, 0)}, func(engine.Digest) { pos = i })
		}
		<-done
		require.Equal(t, 200, pos)
		for _, s := range seen {
			if s == "/" {
				continue
			}
			var a, b string
			for i := range s {
				if s[i] == '/' {
					a, b = s[:i], s[i+1:]
				}
			}
			require.Equal(t, a, b, "torn group %q", s)
		}
	})
}

func TestSnapshotReplace(t *testing.T) {
	fill := func(t *testing.T, v *env) {
		for d := range 4 {
			for i := range 200 {
				var ttl time.Duration
				if i%4 == 0 {
					ttl = time.Duration(i+1) * time.Second
				}
				v.setDB(t, d, "k"+strconv.Itoa(i), "v"+strconv.Itoa(i*d), ttl)
			}
		}
		v.set(t, "dying", "x", time.Second)
		_, err := v.e.Append(0, "k1", []byte("appended"))
		require.NoError(t, err)
		v.sink.Take()
		v.clk.Advance(10 * time.Millisecond)
	}
	t.Run("replace of a snapshot reproduces the primary", func(t *testing.T) {
		p := newEnv(t)
		fill(t, p)
		snapCalls := 0
		items, release := p.e.Snapshot(func(engine.Digest) { snapCalls++ })
		defer release()
		require.Equal(t, 1, snapCalls)
		require.Len(t, items, 4*200+1)

		r := newEnv(t)
		r.clk.Set(p.now())
		r.set(t, "stale", "will be dropped", 0)
		r.setDB(t, 9, "stale", "will be dropped", time.Hour)
		commits := 0
		r.e.Replace(items, func(engine.Digest) { commits++ })
		require.Equal(t, 1, commits)
		require.Equal(t, p.e.Digest(), r.e.Digest())
		require.Equal(t, sortedSnapshot(p.e), sortedSnapshot(r.e))
		require.Equal(t, p.e.Keyspace(), r.e.Keyspace())
		for d := range 16 {
			require.Equal(t, p.e.DBSize(d), r.e.DBSize(d), "db %d", d)
		}
		require.Empty(t, r.sink.Take(), "Replace does not report")

		// The replaced keyspace behaves: expiry bookkeeping works.
		p.clk.Advance(time.Hour)
		r.clk.Advance(time.Hour)
		require.Equal(t, p.e.Digest(), r.e.Digest())
		for i := 0; i < 1000 && r.e.Len() > 4*150; i++ {
			r.e.ActiveExpireCycle(time.Second)
		}
		require.Equal(t, 4*150, r.e.Len())
		require.NoError(t, r.e.CheckInvariants())
	})
	t.Run("snapshot includes expired keys not yet deleted", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "dying", "x", time.Second)
		v.clk.Advance(time.Minute)
		items := v.e.Items()
		require.Equal(t, []engine.Item{{DB: 0, Key: "dying", Value: []byte("x"), ExpireAt: t0 + 1000}}, items)
		require.Empty(t, v.sink.Take())
	})
	t.Run("empty snapshot empties", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "v", 0)
		v.e.Replace(nil, nil)
		require.Equal(t, 0, v.e.Len())
		require.True(t, v.e.Digest().IsZero())
	})
	t.Run("duplicate items: last wins", func(t *testing.T) {
		v := newEnv(t)
		v.e.Replace([]engine.Item{
			{DB: 0, Key: "k", Value: []byte("1"), ExpireAt: t0 + 100},
			{DB: 0, Key: "k", Value: []byte("2")},
			{DB: 1, Key: "k", Value: []byte("3")},
			{DB: 1, Key: "k", Value: []byte("4"), ExpireAt: t0 + 200},
		}, nil)
		require.Equal(t, []string{`0/"k"="2"@0`, `1/"k"="4"@1700000000200`}, sortedSnapshot(v.e))
		require.NoError(t, v.e.CheckInvariants())
	})
	t.Run("self replace", func(t *testing.T) {
		v := newEnv(t)
		fill(t, v)
		d := v.e.Digest()
		v.e.Replace(v.e.Items(), nil)
		require.Equal(t, d, v.e.Digest())
	})
}

func TestStats(t *testing.T) {
	cases := []struct {
		name         string
		op           func(v *env)
		hits, misses int64
	}{
		{"get hit", func(v *env) { v.e.Get(0, "k") }, 1, 0},
		{"get miss", func(v *env) { v.e.Get(0, "missing") }, 0, 1},
		{"get expired is a miss", func(v *env) { v.e.Get(0, "dying") }, 0, 1},
		{"mget counts each key", func(v *env) { v.e.MGet(0, []string{"k", "missing", "k", "dying"}) }, 2, 2},
		{"strlen", func(v *env) { v.e.StrLen(0, "k"); v.e.StrLen(0, "missing") }, 1, 1},
		{"getrange", func(v *env) { v.e.GetRange(0, "k", 0, 1); v.e.GetRange(0, "missing", 0, 1) }, 1, 1},
		{"getdel", func(v *env) { v.e.GetDel(0, "k"); v.e.GetDel(0, "missing") }, 1, 1},
		{"getex", func(v *env) { v.e.GetEx(0, "k", engine.ExpireChange{}); v.e.GetEx(0, "missing", engine.ExpireChange{}) }, 1, 1},
		{"ttl", func(v *env) { v.e.TTL(0, "k"); v.e.TTL(0, "missing") }, 1, 1},
		{"expiretime", func(v *env) { v.e.ExpireTime(0, "k"); v.e.ExpireTime(0, "missing") }, 1, 1},
		{"writes do not count", func(v *env) {
			v.e.Set(0, "k", []byte("2"), engine.SetOptions{})
			v.e.Set(0, "new", []byte("2"), engine.SetOptions{NX: true})
			_, _ = v.e.IncrBy(0, "k", 1)
			_, _ = v.e.IncrByFloat(0, "k", []byte("1"))
			_, _ = v.e.Append(0, "k", []byte("x"))
			_, _ = v.e.SetRange(0, "k", 0, []byte("x"))
			v.e.MSet(0, [][]byte{[]byte("a"), []byte("b")}, false)
			v.e.Del(0, []string{"a", "missing"})
			v.e.Expire(0, "k", t0+1e6, engine.ExpireAlways)
			v.e.Persist(0, "k")
			_, _ = v.e.Rename(0, "k", "k2", false)
			_, _ = v.e.Move(0, "k2", 2)
		}, 0, 0},
		// COPY reads its source, as Redis's does.
		{"copy", func(v *env) { _, _ = v.e.Copy(0, "k", 1, "k2", false); _, _ = v.e.Copy(0, "missing", 1, "k3", false) }, 1, 1},
		{"metadata does not count", func(v *env) {
			v.e.Keys(0, "*")
			v.e.Scan(0, 0, "*", 10, "")
			v.e.DBSize(0)
			v.e.Encoding(0, "k")
			v.e.RandomKey(0)
			v.e.Digest()
			v.e.DigestValue(0, []string{"k"})
			v.e.Keyspace()
		}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			v.set(t, "k", "hello", 0)
			v.set(t, "dying", "x", time.Second)
			v.clk.Advance(time.Minute)
			require.Equal(t, engine.Stats{}, v.e.Stats())
			c.op(v)
			st := v.e.Stats()
			require.Equal(t, c.hits, st.Hits, "hits")
			require.Equal(t, c.misses, st.Misses, "misses")
		})
	}
	t.Run("expired keys and reset", func(t *testing.T) {
		v := newEnv(t)
		for i := range 5 {
			v.set(t, strconv.Itoa(i), "v", time.Second)
		}
		v.clk.Advance(time.Minute)
		v.e.Get(0, "0")
		v.e.Exists(0, []string{"1", "2"})
		v.e.Del(0, []string{"3"})
		st := v.e.Stats()
		require.Equal(t, int64(4), st.ExpiredKeys)
		v.e.ResetStats()
		require.Equal(t, engine.Stats{}, v.e.Stats())
		v.e.Get(0, "4")
		require.Equal(t, engine.Stats{Misses: 1, ExpiredKeys: 1}, v.e.Stats())
	})
}
