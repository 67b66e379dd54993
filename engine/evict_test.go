package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

// keySize is the accounted memory of a key named key holding val.
func keySize(key, val string, volatile bool) int64 {
	return engine.KeyMemory(len(key), len(val), volatile)
}

// limit sets maxmemory (and the policy, samples 64 unless given) on v.
func (v *env) limit(maxMemory int64, p engine.Policy) {
	c := engine.DefaultEviction
	c.MaxMemory, c.Policy, c.Samples = maxMemory, p, 64
	v.e.SetEviction(c)
}

// live reports which of keys exist in db 0, without touching them.
func (v *env) live(keys ...string) map[string]bool {
	out := map[string]bool{}
	for _, k := range keys {
		out[k] = v.e.Exists(0, []string{k}) == 1
	}
	return out
}

func TestMemoryAccountingExact(t *testing.T) {
	v := newEnv(t)
	base := int64(16 * engine.DBOverhead)
	used := func() int64 { return v.e.Memory().Used }
	require.Equal(t, base, used(), "an empty keyspace")

	v.set(t, "k", "vvv", 0)
	require.Equal(t, base+keySize("k", "vvv", false), used())
	v.set(t, "k", "vvvvv", time.Minute)
	require.Equal(t, base+keySize("k", "vvvvv", true), used(), "overwritten, with an expiry")
	require.True(t, v.e.Persist(0, "k"))
	require.Equal(t, base+keySize("k", "vvvvv", false), used(), "persisted")
	v.setDB(t, 3, "other", "x", 0)
	require.Equal(t, base+keySize("k", "vvvvv", false)+keySize("other", "x", false), used())
	v.e.FlushDB(3)
	require.Equal(t, base+keySize("k", "vvvvv", false), used(), "FLUSHDB")
	require.Equal(t, 1, v.e.Del(0, []string{"k"}))
	require.Equal(t, base, used(), "deleted")
	peak := v.e.Memory().Peak
	require.Equal(t, base+keySize("k", "vvvvv", false)+keySize("other", "x", false), peak, "the peak, before FLUSHDB")
}

// TestMemoryAccountingProperty: after random operations of every kind the
// count kept change by change equals the count recomputed from the entries
// (CheckInvariants), on the primary and on an engine that applies its
// effects; both count the same when no APPEND left spare capacity.
func TestMemoryAccountingProperty(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 42))
			v := newEnv(t, withDatabases(3))
			replica := newEnv(t, withDatabases(3))
			replica.e.SetRole(nil, true)
			key := func() string { return "k" + strconv.Itoa(r.IntN(40)) }
			val := func() []byte { return make([]byte, r.IntN(300)) }
			appended := false
			for i := range 3000 {
				d := r.IntN(3)
				now := v.now()
				switch r.IntN(14) {
				case 0, 1, 2:
					var at int64
					if r.IntN(2) == 0 {
						at = now + int64(r.IntN(5000)+1)
					}
					v.e.Set(d, key(), val(), engine.SetOptions{ExpireAt: at, KeepTTL: at == 0 && r.IntN(2) == 0})
				case 3:
					_, _ = v.e.Append(d, key(), val())
					appended = true
				case 4:
					_, _ = v.e.SetRange(d, key(), int64(r.IntN(100)), val())
				case 5:
					v.e.Del(d, []string{key(), key()})
				case 6:
					v.e.Expire(d, key(), now+int64(r.IntN(3000))-500, engine.ExpireAlways)
				case 7:
					v.e.Persist(d, key())
				case 8:
					_, _ = v.e.Rename(d, key(), key(), r.IntN(2) == 0)
				case 9:
					_, _ = v.e.Move(d, key(), r.IntN(3))
				case 10:
					_, _ = v.e.Copy(d, key(), r.IntN(3), key(), r.IntN(2) == 0)
				case 11:
					_, _ = v.e.IncrBy(d, key(), 1)
				case 12:
					if r.IntN(20) == 0 {
						v.e.FlushDB(d)
					} else {
						v.e.Get(d, key())
					}
				case 13:
					pol := []engine.Policy{engine.AllKeysLRU, engine.AllKeysLFU, engine.AllKeysRandom, engine.VolatileTTL, engine.VolatileLRU, engine.NoEviction}[r.IntN(6)]
					v.limit(v.e.Memory().Used-int64(r.IntN(2000)), pol)
					_ = v.e.FreeMemory()
					v.limit(0, pol)
				}
				v.clk.Advance(time.Duration(r.IntN(50)) * time.Millisecond)
				v.e.ActiveExpireCycle(time.Second)
				for _, g := range v.sink.Take() {
					replica.e.Apply(g, nil)
				}
				if i%100 == 0 {
					require.NoError(t, v.e.CheckInvariants(), "after op %d", i)
					require.NoError(t, replica.e.CheckInvariants(), "after op %d", i)
				}
			}
			require.Equal(t, v.e.Digest(), replica.e.Digest())
			if !appended {
				require.Equal(t, v.e.Memory().Used, replica.e.Memory().Used)
			}
			// A keyspace installed at once counts the same as one built
			// key by key.
			fresh := newEnv(t, withDatabases(3))
			fresh.e.Replace(replica.e.Items(), nil)
			require.NoError(t, fresh.e.CheckInvariants())
			require.Equal(t, replica.e.Memory().Used, fresh.e.Memory().Used)
		})
	}
}

func TestNoEvictionRefusesOnlyAboveTheLimit(t *testing.T) {
	v := newEnv(t)
	v.set(t, "a", "1", 0)
	used := v.e.Memory().Used
	v.limit(used, engine.NoEviction)
	require.NoError(t, v.e.FreeMemory(), "at the limit is not above it")
	v.set(t, "b", "2", 0)
	require.ErrorIs(t, v.e.FreeMemory(), engine.ErrOOM)
	require.Equal(t, map[string]bool{"a": true, "b": true}, v.live("a", "b"), "noeviction deletes nothing")
	require.Empty(t, v.sink.Take())
	require.Zero(t, v.e.Stats().EvictedKeys)
	v.e.Del(0, []string{"b"})
	require.NoError(t, v.e.FreeMemory())
}

func TestNoLimitNeverEvicts(t *testing.T) {
	v := newEnv(t)
	for i := range 100 {
		v.set(t, strconv.Itoa(i), "x", 0)
	}
	v.limit(0, engine.AllKeysRandom)
	require.NoError(t, v.e.FreeMemory())
	require.Equal(t, 100, v.e.Len())
}

func TestAllKeysLRUEvictsTheLeastRecentlyUsed(t *testing.T) {
	v := newEnv(t)
	for _, k := range []string{"a", "b", "c"} {
		v.set(t, k, "v", 0)
		v.clk.Advance(time.Second)
	}
	v.e.Get(0, "a") // a is now the most recent; b the least
	v.clk.Advance(time.Second)
	v.limit(v.e.Memory().Used-1, engine.AllKeysLRU)
	require.NoError(t, v.e.FreeMemory())
	require.Equal(t, map[string]bool{"a": true, "b": false, "c": true}, v.live("a", "b", "c"))
	requireEffects(t, groups(group(efDel(0, "b"))), v.sink.Take())
	require.Equal(t, int64(1), v.e.Stats().EvictedKeys)
}

func TestAllKeysLRUKeepsAHotSet(t *testing.T) {
	v := newEnv(t)
	var hot, all []string
	for i := range 200 {
		k := fmt.Sprintf("key:%03d", i)
		all = append(all, k)
		if i%20 == 0 {
			hot = append(hot, k)
		}
		v.set(t, k, "0123456789", 0)
		v.clk.Advance(time.Millisecond)
	}
	v.clk.Advance(time.Second)
	for _, k := range hot {
		v.e.Get(0, k)
	}
	v.limit(v.e.Memory().Used/2, engine.AllKeysLRU)
	require.NoError(t, v.e.FreeMemory())
	require.LessOrEqual(t, v.e.Memory().Used, v.e.Memory().MaxMemory)
	for _, k := range hot {
		require.True(t, v.live(k)[k], "hot key %s evicted", k)
	}
	require.Less(t, v.e.Len(), 110)
}

func TestAllKeysLFUEvictsTheLeastFrequentlyUsed(t *testing.T) {
	v := newEnv(t)
	c := engine.DefaultEviction
	c.Policy, c.LFULogFactor = engine.AllKeysLFU, 0 // every access counts
	v.e.SetEviction(c)
	for _, k := range []string{"a", "b", "c"} {
		v.set(t, k, "v", 0)
	}
	for range 3 {
		v.e.Get(0, "a")
		v.e.Get(0, "c")
	}
	v.e.Get(0, "b")
	freq := func(k string) int {
		f, ok, err := v.e.Freq(0, k)
		require.NoError(t, err)
		require.True(t, ok)
		return f
	}
	// A new key starts at 5; under the SET the lookup found nothing.
	require.Equal(t, 8, freq("a"))
	require.Equal(t, 6, freq("b"))
	c.MaxMemory, c.Samples = v.e.Memory().Used-1, 64
	v.e.SetEviction(c)
	require.NoError(t, v.e.FreeMemory())
	require.Equal(t, map[string]bool{"a": true, "b": false, "c": true}, v.live("a", "b", "c"))
}

func TestLFUCounterIsLogarithmicAndDecays(t *testing.T) {
	v := newEnv(t)
	v.e.SetEviction(engine.EvictionConfig{Policy: engine.AllKeysLFU, LFULogFactor: 10, LFUDecayTime: 1})
	v.set(t, "k", "v", 0)
	for range 1000 {
		v.e.Get(0, "k")
	}
	f, _, err := v.e.Freq(0, "k")
	require.NoError(t, err)
	// Redis's table for lfu-log-factor 10: 1000 hits give about 18.
	require.GreaterOrEqual(t, f, 12)
	require.LessOrEqual(t, f, 26)
	v.clk.Advance(3 * time.Minute)
	g, _, err := v.e.Freq(0, "k")
	require.NoError(t, err)
	require.Equal(t, f-3, g, "one decrement per lfu-decay-time minute")
	v.clk.Advance(time.Hour)
	g, _, _ = v.e.Freq(0, "k")
	require.Zero(t, g)

	v.e.SetEviction(engine.EvictionConfig{Policy: engine.AllKeysLFU, LFULogFactor: 10, LFUDecayTime: 0})
	v.e.Get(0, "k")
	v.clk.Advance(time.Hour)
	g, _, _ = v.e.Freq(0, "k")
	require.Positive(t, g, "lfu-decay-time 0: no decay")
}

func TestAllKeysRandomEvictsUntilUnderTheLimit(t *testing.T) {
	v := newEnv(t)
	for i := range 100 {
		v.setDB(t, i%4, strconv.Itoa(i), "0123456789", time.Duration(i%2)*time.Hour)
	}
	v.limit(v.e.Memory().Used*3/4, engine.AllKeysRandom)
	require.NoError(t, v.e.FreeMemory())
	m := v.e.Memory()
	require.LessOrEqual(t, m.Used, m.MaxMemory)
	evicted := v.e.Stats().EvictedKeys
	require.Equal(t, int64(100-v.e.Len()), evicted)
	require.Less(t, m.MaxMemory-m.Used, keySize("99", "0123456789", true), "no more than needed")
	deletes := 0
	for _, g := range v.sink.Take() {
		for _, ef := range g {
			require.Equal(t, engine.EffectDelete, ef.Kind)
			deletes++
		}
	}
	require.Equal(t, int(evicted), deletes)
	// Databases take turns.
	for d := range 4 {
		require.Less(t, v.e.DBSize(d), 25, "db %d", d)
	}
}

func TestVolatilePoliciesEvictOnlyKeysWithAnExpiry(t *testing.T) {
	for _, p := range []engine.Policy{engine.VolatileLRU, engine.VolatileLFU, engine.VolatileRandom, engine.VolatileTTL} {
		t.Run(p.String(), func(t *testing.T) {
			v := newEnv(t)
			var persistent, volatile []string
			for i := range 60 {
				k := "k" + strconv.Itoa(i)
				if i%3 == 0 {
					v.set(t, k, "value", time.Hour+time.Duration(i)*time.Second)
					volatile = append(volatile, k)
				} else {
					v.set(t, k, "value", 0)
					persistent = append(persistent, k)
				}
			}
			v.limit(v.e.Memory().Used-1, p)
			require.NoError(t, v.e.FreeMemory())
			require.Equal(t, 59, v.e.Len())
			for k, ok := range v.live(persistent...) {
				require.True(t, ok, "persistent key %s evicted", k)
			}
			// Below what the persistent keys take alone: every volatile
			// key goes, then the policy has nothing left to evict.
			v.limit(v.e.Memory().Used-int64(len(volatile))*keySize("k00", "value", true), p)
			require.ErrorIs(t, v.e.FreeMemory(), engine.ErrOOM)
			require.Equal(t, len(persistent), v.e.Len())
			for k, ok := range v.live(persistent...) {
				require.True(t, ok, "persistent key %s evicted", k)
			}
		})
	}
}

func TestVolatileTTLEvictsTheSoonestToExpire(t *testing.T) {
	v := newEnv(t)
	v.set(t, "late", "v", 30*time.Second)
	v.set(t, "soon", "v", 10*time.Second)
	v.set(t, "middle", "v", 20*time.Second)
	v.set(t, "never", "v", 0)
	v.limit(v.e.Memory().Used-1, engine.VolatileTTL)
	require.NoError(t, v.e.FreeMemory())
	require.Equal(t, map[string]bool{"late": true, "soon": false, "middle": true, "never": true}, v.live("late", "soon", "middle", "never"))
	v.limit(v.e.Memory().Used-1, engine.VolatileTTL)
	require.NoError(t, v.e.FreeMemory())
	require.Equal(t, map[string]bool{"late": true, "middle": false}, v.live("late", "middle"))
}

// TestEvictionsReplicate: evictions are Delete effects; an engine applying
// them holds exactly the same keys; a replica never evicts on its own,
// whatever its limit, and never refuses.
func TestEvictionsReplicate(t *testing.T) {
	primary := newEnv(t)
	replica := newEnv(t)
	replica.e.SetRole(nil, true)
	replica.limit(1, engine.AllKeysLRU)
	primary.limit(20*keySize("k00", "0123456789", false)+16*engine.DBOverhead, engine.AllKeysLRU)
	for i := range 100 {
		require.NoError(t, primary.e.FreeMemory())
		primary.e.Set(0, fmt.Sprintf("k%02d", i), []byte("0123456789"), engine.SetOptions{})
		for _, g := range primary.sink.Take() {
			replica.e.Apply(g, nil)
		}
		require.NoError(t, replica.e.FreeMemory())
		primary.clk.Advance(time.Millisecond)
	}
	require.Equal(t, primary.e.Digest(), replica.e.Digest())
	require.Equal(t, sortedSnapshot(primary.e), sortedSnapshot(replica.e))
	// Eviction runs before a write, as in Redis: the last write may take
	// the memory one key above the limit, until the next write.
	require.Equal(t, int64(79), primary.e.Stats().EvictedKeys)
	require.Zero(t, replica.e.Stats().EvictedKeys)
	require.Equal(t, 21, replica.e.Len())
}

func TestObjectFreqAndIdleTime(t *testing.T) {
	v := newEnv(t)
	v.set(t, "k", "v", 0)
	v.clk.Advance(5500 * time.Millisecond)

	_, found, err := v.e.Freq(0, "missing")
	require.NoError(t, err)
	require.False(t, found, "a missing key is reported before the policy")
	_, found, err = v.e.Freq(0, "k")
	require.True(t, found)
	require.ErrorIs(t, err, engine.ErrNotLFU)

	secs, found, err := v.e.IdleTime(0, "k")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, int64(5), secs)
	// EXISTS, TYPE and TTL do not count as accesses; GET and TOUCH do.
	v.e.Exists(0, []string{"k"})
	v.e.Type(0, "k")
	v.e.TTL(0, "k")
	secs, _, _ = v.e.IdleTime(0, "k")
	require.Equal(t, int64(5), secs)
	v.e.Touch(0, []string{"k"})
	secs, _, _ = v.e.IdleTime(0, "k")
	require.Zero(t, secs)
	v.clk.Advance(2 * time.Second)
	v.e.Get(0, "k")
	secs, _, _ = v.e.IdleTime(0, "k")
	require.Zero(t, secs)

	v.e.SetEviction(engine.EvictionConfig{Policy: engine.VolatileLFU, LFULogFactor: 10, LFUDecayTime: 1})
	_, found, err = v.e.IdleTime(0, "k")
	require.True(t, found)
	require.ErrorIs(t, err, engine.ErrLFU)
	v.set(t, "new", "v", 0)
	f, _, err := v.e.Freq(0, "new")
	require.NoError(t, err)
	require.Equal(t, 5, f, "a new key's counter")
}

func TestPolicyNames(t *testing.T) {
	for _, name := range []string{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		p, ok := engine.ParsePolicy(name)
		require.True(t, ok, name)
		require.Equal(t, name, p.String())
	}
	p, ok := engine.ParsePolicy("ALLKEYS-LRU")
	require.True(t, ok)
	require.Equal(t, engine.AllKeysLRU, p)
	_, ok = engine.ParsePolicy("lru")
	require.False(t, ok)
	require.True(t, engine.AllKeysLFU.LFU())
	require.False(t, engine.VolatileLRU.LFU())
}
