package engine_test

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nadb-server/nadb-server/engine"
)

func TestDel(t *testing.T) {
	cases := []struct {
		name    string
		keys    []string
		want    int
		left    []string
		effects [][]engine.Effect
	}{
		{name: "none", keys: nil, want: 0, left: []string{"a", "b", "ttl"}},
		{name: "missing", keys: []string{"nope"}, want: 0, left: []string{"a", "b", "ttl"}},
		{name: "one", keys: []string{"a"}, want: 1, left: []string{"b", "ttl"},
			effects: groups(group(efDel(0, "a")))},
		{name: "several and missing", keys: []string{"a", "nope", "ttl"}, want: 2, left: []string{"b"},
			effects: groups(group(efDel(0, "a"), efDel(0, "ttl")))},
		{name: "duplicates count once", keys: []string{"a", "a", "a"}, want: 1, left: []string{"b", "ttl"},
			effects: groups(group(efDel(0, "a")))},
		{name: "expired does not count but is removed", keys: []string{"old"}, want: 0, left: []string{"a", "b", "ttl"},
			effects: groups(group(efDel(0, "old")))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			v.set(t, "old", "x", time.Second)
			v.clk.Advance(2 * time.Second)
			v.set(t, "a", "1", 0)
			v.set(t, "b", "2", 0)
			v.set(t, "ttl", "3", time.Hour)
			v.setDB(t, 1, "a", "other db", 0)
			require.Equal(t, c.want, v.e.Del(0, c.keys))
			requireEffects(t, c.effects, v.sink.Take())
			require.ElementsMatch(t, c.left, v.e.Keys(0, "*"))
			require.Equal(t, 1, v.e.Exists(1, []string{"a"}), "other db untouched")
		})
	}
}

func TestExists(t *testing.T) {
	v := newEnv(t)
	v.set(t, "a", "1", 0)
	v.set(t, "b", "", 0)
	v.set(t, "x", "1", time.Second)
	v.clk.Advance(2 * time.Second)
	cases := []struct {
		name string
		keys []string
		want int
	}{
		{"none", nil, 0},
		{"one", []string{"a"}, 1},
		{"empty value exists", []string{"b"}, 1},
		{"missing", []string{"nope"}, 0},
		{"expired", []string{"x"}, 0},
		{"duplicates count twice", []string{"a", "a"}, 2},
		{"mixed", []string{"a", "nope", "b", "a", "x"}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, v.e.Exists(0, c.keys))
			require.Equal(t, c.want, v.e.Touch(0, c.keys))
		})
	}
}

func TestType(t *testing.T) {
	v := newEnv(t)
	v.set(t, "a", "1", 0)
	v.set(t, "x", "1", time.Second)
	v.clk.Advance(2 * time.Second)
	require.Equal(t, "string", v.e.Type(0, "a"))
	require.Equal(t, "none", v.e.Type(0, "nope"))
	require.Equal(t, "none", v.e.Type(0, "x"))
	require.Equal(t, "none", v.e.Type(1, "a"))
}

func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", false}, // Redis's stringmatchlen: an empty string matches only ""
		{"", "", true},
		{"**", "", false},
		{"[a-]", "]", true},
		{"[a-]", "-", false},
		{"[--]", "-", true},
		{"[\x00-\xff]", "\x80", false},
		{"[\x00-\xff]", "\xff", true},
		{"[\x00-\xff]", "\x00", true},
		{"*", "anything", true},
		{"**", "abc", true},
		{"", "", true},
		{"", "a", false},
		{"a", "", false},
		{"?", "", false},
		{"*?", "", false},
		{"?", "a", true},
		{"?", "ab", false},
		{"??", "ab", true},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "ab", false},
		{"ab", "abc", false},
		// Redis documentation examples.
		{"h?llo", "hello", true},
		{"h?llo", "hallo", true},
		{"h?llo", "hxllo", true},
		{"h?llo", "hllo", false},
		{"h*llo", "hllo", true},
		{"h*llo", "heeeello", true},
		{"h*llo", "hello world", false},
		{"h[ae]llo", "hello", true},
		{"h[ae]llo", "hallo", true},
		{"h[ae]llo", "hillo", false},
		{"h[^e]llo", "hallo", true},
		{"h[^e]llo", "hbllo", true},
		{"h[^e]llo", "hello", false},
		{"h[a-b]llo", "hallo", true},
		{"h[a-b]llo", "hbllo", true},
		{"h[a-b]llo", "hcllo", false},
		// Sets.
		{"[abc]", "a", true},
		{"[abc]", "c", true},
		{"[abc]", "d", false},
		{"[abc]", "", false},
		{"[abc]", "ab", false},
		{"[^a]", "a", false},
		{"[^a]", "b", true},
		{"[^a]", "", false},
		{"[a-c]", "b", true},
		{"[a-c]", "d", false},
		{"[c-a]", "b", true}, // reversed range
		{"[^a-c]x", "dx", true},
		{"[^a-c]x", "bx", false},
		{"[a-cx-z]", "y", true},
		{"[a-cx-z]", "m", false},
		{"[0-9]*", "7abc", true},
		{"[0-9]*", "abc", false},
		{`[\]]`, "]", true},
		{`[\]]`, "a", false},
		{`[a\-z]`, "-", true},
		{`[a\-z]`, "b", false},
		{`[\^]`, "^", true},
		{"[*]", "*", true},
		{"[*]", "a", false},
		{"[?]", "?", true},
		{"[?]", "a", false},
		{"[abc", "a", true}, // unterminated set: as Redis, the set runs to the end
		// Escapes.
		{`\*`, "*", true},
		{`\*`, "a", false},
		{`\*`, "", false},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{`\?`, "?", true},
		{`\?`, "a", false},
		{`\[a]`, "[a]", true},
		{`\[a]`, "a", false},
		{`\\`, `\`, true},
		{`\a`, "a", true},
		{`a\`, `a\`, true}, // trailing backslash is literal
		{`*\*`, "abc*", true},
		{`*\*`, "abc", false},
		// Stars and backtracking.
		{"a*", "a", true},
		{"a*", "abc", true},
		{"a*", "ba", false},
		{"*a", "ba", true},
		{"*a", "ab", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXcYb", false},
		{"*ab*ab*", "xxabyyabzz", true},
		{"*ab*ab*", "xxabyyazz", false},
		{"*a?c", "abxabc", true},
		{"*[0-9]", "abc1", true},
		{"*[0-9]", "abc1x", false},
		{"user:*:name", "user:42:name", true},
		{"user:*:name", "user:42:age", false},
		{"*:*", "a:b", true},
		{"*:*", "ab", false},
		// Bytes, not runes.
		{"?", "é", false},
		{"??", "é", true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%q~%q", c.pattern, c.s), func(t *testing.T) {
			require.Equal(t, c.want, engine.Match(c.pattern, c.s))
		})
	}
	t.Run("hostile pattern finishes fast", func(t *testing.T) {
		s := strings.Repeat("a", 10000)
		start := time.Now()
		require.False(t, engine.Match("*a*a*a*a*a*a*a*a*b", s))
		require.False(t, engine.Match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", s))
		require.False(t, engine.Match("*[a]*[a]*[a]*?*?*?*a*b", s))
		require.True(t, engine.Match("*a*a*a*a*a*a*a*a*a", s))
		require.Less(t, time.Since(start), 2*time.Second)
	})
	t.Run("hostile pattern through Keys", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, strings.Repeat("a", 10000), "v", 0)
		start := time.Now()
		require.Empty(t, v.e.Keys(0, "*a*a*a*a*a*a*a*a*b"))
		require.Less(t, time.Since(start), 2*time.Second)
	})
}

func TestKeys(t *testing.T) {
	v := newEnv(t)
	for _, k := range []string{"hello", "hallo", "hxllo", "hllo", "heeeello", "hillo", "a*b", "a?b", "user:1", "user:2", "other"} {
		v.set(t, k, "v", 0)
	}
	v.set(t, "hexpired", "v", time.Second)
	v.setDB(t, 1, "hello1", "v", 0)
	v.clk.Advance(2 * time.Second)
	cases := []struct {
		pattern string
		want    []string
	}{
		{"*", []string{"hello", "hallo", "hxllo", "hllo", "heeeello", "hillo", "a*b", "a?b", "user:1", "user:2", "other"}},
		{"h?llo", []string{"hello", "hallo", "hxllo", "hillo"}},
		{"h*llo", []string{"hello", "hallo", "hxllo", "hllo", "heeeello", "hillo"}},
		{"h[ae]llo", []string{"hello", "hallo"}},
		{"h[^e]llo", []string{"hallo", "hxllo", "hillo"}},
		{"h[a-h]llo", []string{"hello", "hallo"}},
		{`a\*b`, []string{"a*b"}},
		{`a\?b`, []string{"a?b"}},
		{"a?b", []string{"a*b", "a?b"}},
		{"user:*", []string{"user:1", "user:2"}},
		{"other", []string{"other"}},
		{"nomatch*", nil},
		{"h*", []string{"hello", "hallo", "hxllo", "hllo", "heeeello", "hillo"}},
	}
	for _, c := range cases {
		t.Run(c.pattern, func(t *testing.T) {
			require.ElementsMatch(t, c.want, v.e.Keys(0, c.pattern))
		})
	}
	t.Run("empty db", func(t *testing.T) {
		require.Empty(t, v.e.Keys(5, "*"))
	})
	t.Run("expired keys are hidden and not deleted", func(t *testing.T) {
		require.Equal(t, 12, v.e.DBSize(0))
		require.Empty(t, v.sink.Take())
	})
}

// scanAll runs a full SCAN of db d and returns how often each key came back.
func scanAll(t *testing.T, e *engine.Engine, d int, pattern string, count int, typ string, between func(step int)) map[string]int {
	t.Helper()
	seen := make(map[string]int)
	var cursor uint64
	for step := 0; ; step++ {
		require.Less(t, step, 10_000_000, "scan does not terminate")
		var keys []string
		cursor, keys = e.Scan(d, cursor, pattern, count, typ)
		for _, k := range keys {
			seen[k]++
		}
		if cursor == 0 {
			return seen
		}
		if between != nil {
			between(step)
		}
	}
}

func requireSeen(t *testing.T, seen map[string]int, key string) {
	t.Helper()
	if seen[key] == 0 {
		t.Fatalf("key %q was not returned by the scan", key)
	}
}

func TestScan(t *testing.T) {
	t.Run("empty db", func(t *testing.T) {
		v := newEnv(t)
		cursor, keys := v.e.Scan(0, 0, "*", 10, "")
		require.Zero(t, cursor)
		require.Empty(t, keys)
	})
	t.Run("10k keys every key returned", func(t *testing.T) {
		v := newEnv(t)
		for i := range 10000 {
			v.e.Set(0, "key:"+strconv.Itoa(i), []byte("v"), engine.SetOptions{})
		}
		for _, count := range []int{1, 10, 100, 100000} {
			t.Run("count="+strconv.Itoa(count), func(t *testing.T) {
				seen := scanAll(t, v.e, 0, "*", count, "", nil)
				require.Len(t, seen, 10000)
				for i := range 10000 {
					requireSeen(t, seen, "key:"+strconv.Itoa(i))
				}
				for k, n := range seen {
					if n != 1 {
						t.Fatalf("a stable table returned %q %d times", k, n)
					}
				}
			})
		}
	})
	t.Run("count below one uses the default", func(t *testing.T) {
		v := newEnv(t)
		for i := range 100 {
			v.set(t, strconv.Itoa(i), "v", 0)
		}
		seen := scanAll(t, v.e, 0, "*", 0, "", nil)
		require.Len(t, seen, 100)
		seen = scanAll(t, v.e, 0, "*", -5, "", nil)
		require.Len(t, seen, 100)
	})
	t.Run("stable keys survive growth and shrinking", func(t *testing.T) {
		for seed := uint64(1); seed <= 5; seed++ {
			t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
				v := newEnv(t)
				r := rand.New(rand.NewPCG(seed, seed*7))
				const stable = 1000
				for i := range stable {
					v.e.Set(0, "stable:"+strconv.Itoa(i), []byte("v"), engine.SetOptions{})
				}
				minB, maxB := v.e.BucketCount(0), v.e.BucketCount(0)
				var temp []string
				next := 0
				seen := scanAll(t, v.e, 0, "*", 1+r.IntN(20), "", func(step int) {
					switch r.IntN(4) {
					case 0: // big growth
						n := 500 + r.IntN(5000)
						for range n {
							k := "temp:" + strconv.Itoa(next)
							next++
							v.e.Set(0, k, []byte("v"), engine.SetOptions{})
							temp = append(temp, k)
						}
					case 1: // shrink back
						v.e.Del(0, temp)
						temp = temp[:0]
					case 2: // some churn
						for range 50 {
							k := "temp:" + strconv.Itoa(next)
							next++
							v.e.Set(0, k, []byte("v"), engine.SetOptions{})
							temp = append(temp, k)
						}
						if len(temp) > 25 {
							v.e.Del(0, temp[:25])
							temp = temp[25:]
						}
					}
					minB = min(minB, v.e.BucketCount(0))
					maxB = max(maxB, v.e.BucketCount(0))
				})
				for i := range stable {
					requireSeen(t, seen, "stable:"+strconv.Itoa(i))
				}
				t.Logf("buckets ranged %d..%d", minB, maxB)
			})
		}
	})
	t.Run("table grows and shrinks under a scan", func(t *testing.T) {
		v := newEnv(t)
		for i := range 500 {
			v.set(t, "s"+strconv.Itoa(i), "v", 0)
		}
		small := v.e.BucketCount(0)
		var temp []string
		grown, shrunk := false, false
		seen := scanAll(t, v.e, 0, "*", 10, "", func(step int) {
			if step%2 == 0 {
				for i := range 2500 {
					k := fmt.Sprintf("t%d-%d", step, i)
					temp = append(temp, k)
					v.e.Set(0, k, []byte("v"), engine.SetOptions{})
				}
				grown = grown || v.e.BucketCount(0) >= 4*small
			} else {
				v.e.Del(0, temp)
				temp = temp[:0]
				shrunk = shrunk || (grown && v.e.BucketCount(0) < 4*small)
			}
		})
		require.True(t, grown, "table grew during the scan")
		require.True(t, shrunk, "table shrank back during the scan")
		for i := range 500 {
			requireSeen(t, seen, "s"+strconv.Itoa(i))
		}
	})
	t.Run("match filter", func(t *testing.T) {
		v := newEnv(t)
		for i := range 100 {
			v.set(t, "user:"+strconv.Itoa(i), "v", 0)
		}
		for i := range 50 {
			v.set(t, "other:"+strconv.Itoa(i), "v", 0)
		}
		seen := scanAll(t, v.e, 0, "user:*", 10, "", nil)
		require.Len(t, seen, 100)
		for k := range seen {
			require.True(t, strings.HasPrefix(k, "user:"), k)
		}
		seen = scanAll(t, v.e, 0, "user:?", 10, "", nil)
		require.Len(t, seen, 10)
		seen = scanAll(t, v.e, 0, "nothing*", 10, "", nil)
		require.Empty(t, seen)
	})
	t.Run("type filter", func(t *testing.T) {
		v := newEnv(t)
		for i := range 100 {
			v.set(t, strconv.Itoa(i), "v", 0)
		}
		require.Len(t, scanAll(t, v.e, 0, "*", 10, "string", nil), 100)
		require.Empty(t, scanAll(t, v.e, 0, "*", 10, "list", nil))
		require.Empty(t, scanAll(t, v.e, 0, "*", 10, "hash", nil))
		require.Len(t, scanAll(t, v.e, 0, "1*", 10, "string", nil), 11)
	})
	t.Run("expired keys are not returned", func(t *testing.T) {
		v := newEnv(t)
		for i := range 100 {
			ttl := time.Duration(0)
			if i%2 == 0 {
				ttl = time.Second
			}
			v.set(t, strconv.Itoa(i), "v", ttl)
		}
		v.clk.Advance(2 * time.Second)
		seen := scanAll(t, v.e, 0, "*", 10, "", nil)
		require.Len(t, seen, 50)
		for k := range seen {
			n, _ := strconv.Atoi(k)
			require.Equal(t, 1, n%2, k)
		}
	})
	t.Run("other db", func(t *testing.T) {
		v := newEnv(t)
		v.setDB(t, 2, "x", "v", 0)
		require.Empty(t, scanAll(t, v.e, 0, "*", 10, "", nil))
		require.Equal(t, map[string]int{"x": 1}, scanAll(t, v.e, 2, "*", 10, "", nil))
	})
	t.Run("deletes the expired keys it visits", func(t *testing.T) {
		// As Redis 7.0's SCAN does: an expiry, reported as a delete.
		v := newEnv(t)
		v.set(t, "a", "v", time.Second)
		v.clk.Advance(time.Minute)
		require.Empty(t, scanAll(t, v.e, 0, "*", 10, "", nil))
		require.Equal(t, [][]engine.Effect{{{Kind: engine.EffectDelete, DB: 0, Key: "a"}}}, v.sink.Take())
		require.Equal(t, int64(1), v.e.Stats().ExpiredKeys)
	})
}

func TestRandomKey(t *testing.T) {
	t.Run("empty db", func(t *testing.T) {
		v := newEnv(t)
		k, ok := v.e.RandomKey(0)
		require.False(t, ok)
		require.Empty(t, k)
	})
	t.Run("single key", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "only", "v", 0)
		for range 20 {
			k, ok := v.e.RandomKey(0)
			require.True(t, ok)
			require.Equal(t, "only", k)
		}
		require.Empty(t, v.sink.Take())
	})
	t.Run("returns every key eventually", func(t *testing.T) {
		v := newEnv(t)
		for i := range 10 {
			v.set(t, strconv.Itoa(i), "v", 0)
		}
		seen := map[string]bool{}
		for range 2000 {
			k, ok := v.e.RandomKey(0)
			require.True(t, ok)
			seen[k] = true
		}
		require.Len(t, seen, 10)
	})
	t.Run("only expired keys on a primary", func(t *testing.T) {
		v := newEnv(t)
		for i := range 50 {
			v.set(t, strconv.Itoa(i), "v", time.Second)
		}
		v.clk.Advance(time.Minute)
		k, ok := v.e.RandomKey(0)
		require.False(t, ok)
		require.Empty(t, k)
		require.Equal(t, 0, v.e.DBSize(0), "expired keys met are deleted")
		var dels int
		for _, g := range v.sink.Take() {
			for _, ef := range g {
				require.Equal(t, engine.EffectDelete, ef.Kind)
				dels++
			}
		}
		require.Equal(t, 50, dels)
	})
	t.Run("live key among expired on a primary", func(t *testing.T) {
		v := newEnv(t)
		for i := range 50 {
			v.set(t, strconv.Itoa(i), "v", time.Second)
		}
		v.set(t, "live", "v", 0)
		v.clk.Advance(time.Minute)
		k, ok := v.e.RandomKey(0)
		require.True(t, ok)
		require.Equal(t, "live", k)
	})
	t.Run("replica with only expired keys terminates", func(t *testing.T) {
		v := newEnv(t)
		for i := range 1000 {
			v.set(t, strconv.Itoa(i), "v", time.Second)
		}
		v.e.SetReplica(true)
		v.clk.Advance(time.Minute)
		done := make(chan struct{})
		go func() {
			defer close(done)
			// Like Redis, a replica that cannot delete gives up after 100
			// draws and returns a logically expired key.
			k, ok := v.e.RandomKey(0)
			require.True(t, ok)
			require.NotEmpty(t, k)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("RandomKey did not terminate")
		}
		require.Equal(t, 1000, v.e.DBSize(0))
		require.Empty(t, v.sink.Take())
	})
	t.Run("replica with a live key among expired", func(t *testing.T) {
		v := newEnv(t)
		for i := range 5 {
			v.set(t, strconv.Itoa(i), "v", time.Second)
		}
		v.set(t, "live", "v", 0)
		v.e.SetReplica(true)
		v.clk.Advance(time.Minute)
		for range 10 {
			k, ok := v.e.RandomKey(0)
			// 100 tries over 6 keys: missing the live key is vanishingly rare.
			require.True(t, ok)
			require.Equal(t, "live", k)
		}
		require.Equal(t, 6, v.e.DBSize(0))
	})
}

func TestRename(t *testing.T) {
	cases := []struct {
		name      string
		pre       func(t *testing.T, v *env)
		src, dst  string
		nx        bool
		want      bool
		wantErr   error
		vals      map[string]*string
		ttl       map[string]int64
		effects   func(now int64) [][]engine.Effect
		wantEnc   string
		encodeKey string
	}{
		{name: "missing src", src: "nope", dst: "b", wantErr: engine.ErrNoSuchKey},
		{name: "missing src nx", src: "nope", dst: "b", nx: true, wantErr: engine.ErrNoSuchKey},
		{name: "missing src same name", src: "nope", dst: "nope", wantErr: engine.ErrNoSuchKey},
		{name: "expired src", pre: func(t *testing.T, v *env) {
			v.set(t, "a", "1", time.Second)
			v.clk.Advance(time.Minute)
		}, src: "a", dst: "b", wantErr: engine.ErrNoSuchKey,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, "a"))) }},
		{name: "same name", pre: func(t *testing.T, v *env) { v.set(t, "a", "1", time.Minute) },
			src: "a", dst: "a", want: true, vals: map[string]*string{"a": ptr("1")}, ttl: map[string]int64{"a": 60000}},
		{name: "same name nx", pre: func(t *testing.T, v *env) { v.set(t, "a", "1", 0) },
			src: "a", dst: "a", nx: true, want: false, vals: map[string]*string{"a": ptr("1")}},
		{name: "to new name", pre: func(t *testing.T, v *env) { v.set(t, "a", "1", 0) },
			src: "a", dst: "b", want: true, vals: map[string]*string{"a": nil, "b": ptr("1")},
			ttl:     map[string]int64{"b": -1},
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, "a"), efSet(0, "b", "1", 0))) }},
		{name: "keeps ttl", pre: func(t *testing.T, v *env) { v.set(t, "a", "1", time.Minute) },
			src: "a", dst: "b", want: true, vals: map[string]*string{"a": nil, "b": ptr("1")},
			ttl: map[string]int64{"b": 60000, "a": -2},
			effects: func(now int64) [][]engine.Effect {
				return groups(group(efDel(0, "a"), efSet(0, "b", "1", now+60000)))
			}},
		{name: "overwrites dst and its ttl", pre: func(t *testing.T, v *env) {
			v.set(t, "a", "1", 0)
			v.set(t, "b", "2", time.Minute)
		}, src: "a", dst: "b", want: true, vals: map[string]*string{"a": nil, "b": ptr("1")},
			ttl:     map[string]int64{"b": -1},
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, "a"), efSet(0, "b", "1", 0))) }},
		{name: "nx dst exists", pre: func(t *testing.T, v *env) {
			v.set(t, "a", "1", 0)
			v.set(t, "b", "2", 0)
		}, src: "a", dst: "b", nx: true, want: false, vals: map[string]*string{"a": ptr("1"), "b": ptr("2")}},
		{name: "nx dst missing", pre: func(t *testing.T, v *env) { v.set(t, "a", "1", 0) },
			src: "a", dst: "b", nx: true, want: true, vals: map[string]*string{"a": nil, "b": ptr("1")},
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, "a"), efSet(0, "b", "1", 0))) }},
		{name: "nx dst expired", pre: func(t *testing.T, v *env) {
			v.set(t, "b", "2", time.Second)
			v.clk.Advance(time.Minute)
			v.set(t, "a", "1", 0)
		}, src: "a", dst: "b", nx: true, want: true, vals: map[string]*string{"a": nil, "b": ptr("1")},
			effects: func(int64) [][]engine.Effect {
				return groups(group(efDel(0, "b"), efDel(0, "a"), efSet(0, "b", "1", 0)))
			}},
		{name: "keeps raw encoding", pre: func(t *testing.T, v *env) {
			v.set(t, "a", "1", 0)
			_, err := v.e.Append(0, "a", []byte("2"))
			require.NoError(t, err)
			v.sink.Take()
		}, src: "a", dst: "b", want: true, vals: map[string]*string{"b": ptr("12")},
			effects:   func(int64) [][]engine.Effect { return groups(group(efDel(0, "a"), efSet(0, "b", "12", 0))) },
			wantEnc:   "raw",
			encodeKey: "b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.pre != nil {
				c.pre(t, v)
			}
			now := v.now()
			got, err := v.e.Rename(0, c.src, c.dst, c.nx)
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
				require.False(t, got)
			} else {
				require.NoError(t, err)
				require.Equal(t, c.want, got)
			}
			var want [][]engine.Effect
			if c.effects != nil {
				want = c.effects(now)
			}
			requireEffects(t, want, v.sink.Take())
			for k, val := range c.vals {
				v.requireValue(t, 0, k, val)
			}
			for k, ttl := range c.ttl {
				require.Equal(t, ttl, v.e.TTL(0, k), k)
			}
			if c.wantEnc != "" {
				enc, _ := v.e.Encoding(0, c.encodeKey)
				require.Equal(t, c.wantEnc, enc)
			}
		})
	}
}

func TestExpire(t *testing.T) {
	const cur = 10_000 // existing ttl in ms, when the key has one
	type state int
	const (
		missing state = iota
		noTTL
		withTTL
	)
	cases := []struct {
		name    string
		state   state
		at      int64 // relative to now
		cond    engine.ExpireCond
		want    bool
		wantTTL int64 // afterwards
	}{
		{"missing always", missing, 5000, engine.ExpireAlways, false, -2},
		{"missing nx", missing, 5000, engine.ExpireNX, false, -2},
		{"missing xx", missing, 5000, engine.ExpireXX, false, -2},
		{"missing gt", missing, 5000, engine.ExpireGT, false, -2},
		{"missing lt", missing, 5000, engine.ExpireLT, false, -2},
		{"missing past", missing, -5000, engine.ExpireAlways, false, -2},

		{"no ttl always", noTTL, 5000, engine.ExpireAlways, true, 5000},
		{"no ttl nx", noTTL, 5000, engine.ExpireNX, true, 5000},
		{"no ttl xx", noTTL, 5000, engine.ExpireXX, false, -1},
		{"no ttl gt fails", noTTL, 5000, engine.ExpireGT, false, -1},
		{"no ttl gt far future fails", noTTL, 1 << 40, engine.ExpireGT, false, -1},
		{"no ttl lt succeeds", noTTL, 5000, engine.ExpireLT, true, 5000},
		{"no ttl past deletes", noTTL, -1, engine.ExpireAlways, true, -2},
		{"no ttl past nx deletes", noTTL, -1, engine.ExpireNX, true, -2},
		{"no ttl past lt deletes", noTTL, -1, engine.ExpireLT, true, -2},
		{"no ttl past gt fails", noTTL, -1, engine.ExpireGT, false, -1},
		{"no ttl past xx fails", noTTL, -1, engine.ExpireXX, false, -1},

		{"ttl always later", withTTL, 20000, engine.ExpireAlways, true, 20000},
		{"ttl always earlier", withTTL, 5000, engine.ExpireAlways, true, 5000},
		{"ttl nx fails", withTTL, 5000, engine.ExpireNX, false, cur},
		{"ttl xx", withTTL, 5000, engine.ExpireXX, true, 5000},
		{"ttl gt later", withTTL, 20000, engine.ExpireGT, true, 20000},
		{"ttl gt equal fails", withTTL, cur, engine.ExpireGT, false, cur},
		{"ttl gt earlier fails", withTTL, 5000, engine.ExpireGT, false, cur},
		{"ttl lt earlier", withTTL, 5000, engine.ExpireLT, true, 5000},
		{"ttl lt equal fails", withTTL, cur, engine.ExpireLT, false, cur},
		{"ttl lt later fails", withTTL, 20000, engine.ExpireLT, false, cur},
		{"ttl past deletes", withTTL, -1, engine.ExpireAlways, true, -2},
		{"ttl past xx deletes", withTTL, -1, engine.ExpireXX, true, -2},
		{"ttl past lt deletes", withTTL, -1, engine.ExpireLT, true, -2},
		{"ttl past gt fails", withTTL, -1, engine.ExpireGT, false, cur},
		{"ttl past nx fails", withTTL, -1, engine.ExpireNX, false, cur},
		{"ttl epoch zero deletes", withTTL, -t0 + 1, engine.ExpireAlways, true, -2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			switch c.state {
			case noTTL:
				v.set(t, "k", "v", 0)
			case withTTL:
				v.set(t, "k", "v", cur*time.Millisecond)
			}
			now := v.now()
			at := now + c.at
			require.Equal(t, c.want, v.e.Expire(0, "k", at, c.cond))
			var want [][]engine.Effect
			switch {
			case c.want && c.wantTTL == -2:
				want = groups(group(efDel(0, "k")))
			case c.want:
				want = groups(group(efExp(0, "k", at)))
			}
			requireEffects(t, want, v.sink.Take())
			require.Equal(t, c.wantTTL, v.e.TTL(0, "k"))
			if c.wantTTL >= 0 {
				require.Equal(t, now+c.wantTTL, v.e.ExpireTime(0, "k"))
			}
		})
	}
	t.Run("expired key", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "v", time.Second)
		v.clk.Advance(time.Minute)
		require.False(t, v.e.Expire(0, "k", v.now()+1000, engine.ExpireAlways))
		requireEffects(t, groups(group(efDel(0, "k"))), v.sink.Take())
	})
	t.Run("key expires when its time comes", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "v", 0)
		require.True(t, v.e.Expire(0, "k", v.now()+100, engine.ExpireAlways))
		v.clk.Advance(99 * time.Millisecond)
		require.Equal(t, 1, v.e.Exists(0, []string{"k"}))
		v.clk.Advance(2 * time.Millisecond)
		require.Equal(t, 0, v.e.Exists(0, []string{"k"}))
	})
}

func TestTTLAndExpireTime(t *testing.T) {
	v := newEnv(t)
	v.set(t, "plain", "v", 0)
	v.set(t, "ttl", "v", 10*time.Second)
	at := v.now() + 10000
	require.Equal(t, int64(-2), v.e.TTL(0, "missing"))
	require.Equal(t, int64(-2), v.e.ExpireTime(0, "missing"))
	require.Equal(t, int64(-1), v.e.TTL(0, "plain"))
	require.Equal(t, int64(-1), v.e.ExpireTime(0, "plain"))
	require.Equal(t, int64(10000), v.e.TTL(0, "ttl"))
	require.Equal(t, at, v.e.ExpireTime(0, "ttl"))
	v.clk.Advance(2500 * time.Millisecond)
	require.Equal(t, int64(7500), v.e.TTL(0, "ttl"))
	require.Equal(t, at, v.e.ExpireTime(0, "ttl"))
	v.clk.Advance(7499 * time.Millisecond)
	require.Equal(t, int64(1), v.e.TTL(0, "ttl"))
	v.clk.Advance(2 * time.Millisecond)
	require.Equal(t, int64(-2), v.e.TTL(0, "ttl"))
	require.Equal(t, int64(-2), v.e.ExpireTime(0, "ttl"))
	requireEffects(t, groups(group(efDel(0, "ttl"))), v.sink.Take())
}

func TestPersist(t *testing.T) {
	cases := []struct {
		name    string
		ttl     time.Duration // -1: missing
		want    bool
		effects [][]engine.Effect
	}{
		{"missing", -1, false, nil},
		{"no ttl", 0, false, nil},
		{"ttl", time.Minute, true, groups(group(efExp(0, "k", 0)))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.ttl >= 0 {
				v.set(t, "k", "v", c.ttl)
			}
			require.Equal(t, c.want, v.e.Persist(0, "k"))
			requireEffects(t, c.effects, v.sink.Take())
			if c.ttl >= 0 {
				require.Equal(t, int64(-1), v.e.TTL(0, "k"))
				v.clk.Advance(time.Hour)
				require.Equal(t, 1, v.e.Exists(0, []string{"k"}))
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "v", time.Second)
		v.clk.Advance(time.Minute)
		require.False(t, v.e.Persist(0, "k"))
		requireEffects(t, groups(group(efDel(0, "k"))), v.sink.Take())
	})
}

func TestMove(t *testing.T) {
	cases := []struct {
		name     string
		pre      func(t *testing.T, v *env)
		src, dst int
		want     bool
		wantErr  error
		at0, at1 *string // value of "k" in db 0 and db 1 afterwards
		effects  [][]engine.Effect
	}{
		{name: "same db", pre: func(t *testing.T, v *env) { v.set(t, "k", "v", 0) },
			src: 0, dst: 0, wantErr: engine.ErrSameObject, at0: ptr("v")},
		{name: "missing", src: 0, dst: 1, want: false},
		{name: "moves", pre: func(t *testing.T, v *env) { v.set(t, "k", "v", 0) },
			src: 0, dst: 1, want: true, at1: ptr("v"),
			effects: groups(group(efDel(0, "k"), efSet(1, "k", "v", 0)))},
		{name: "target exists", pre: func(t *testing.T, v *env) {
			v.set(t, "k", "v", 0)
			v.setDB(t, 1, "k", "other", 0)
		}, src: 0, dst: 1, want: false, at0: ptr("v"), at1: ptr("other")},
		{name: "target expired", pre: func(t *testing.T, v *env) {
			v.setDB(t, 1, "k", "other", time.Second)
			v.clk.Advance(time.Minute)
			v.set(t, "k", "v", 0)
		}, src: 0, dst: 1, want: true, at1: ptr("v"),
			effects: groups(group(efDel(1, "k"), efDel(0, "k"), efSet(1, "k", "v", 0)))},
		{name: "source expired", pre: func(t *testing.T, v *env) {
			v.set(t, "k", "v", time.Second)
			v.clk.Advance(time.Minute)
		}, src: 0, dst: 1, want: false, effects: groups(group(efDel(0, "k")))},
		{name: "back", pre: func(t *testing.T, v *env) { v.setDB(t, 1, "k", "v", 0) },
			src: 1, dst: 0, want: true, at0: ptr("v"),
			effects: groups(group(efDel(1, "k"), efSet(0, "k", "v", 0)))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.pre != nil {
				c.pre(t, v)
			}
			got, err := v.e.Move(c.src, "k", c.dst)
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, c.want, got)
			requireEffects(t, c.effects, v.sink.Take())
			v.requireValue(t, 0, "k", c.at0)
			v.requireValue(t, 1, "k", c.at1)
		})
	}
	t.Run("keeps ttl", func(t *testing.T) {
		// Redis: SET m x EX 100; MOVE m 1; TTL m in db 1 -> 100.
		v := newEnv(t)
		v.set(t, "k", "v", time.Minute)
		at := v.now() + 60000
		ok, err := v.e.Move(0, "k", 1)
		require.NoError(t, err)
		require.True(t, ok)
		requireEffects(t, groups(group(efDel(0, "k"), efSet(1, "k", "v", at))), v.sink.Take())
		require.Equal(t, int64(60000), v.e.TTL(1, "k"))
		require.Equal(t, at, v.e.ExpireTime(1, "k"))
		require.Equal(t, 1, v.e.Keyspace()[0].Expires)
	})
	t.Run("keeps raw encoding", func(t *testing.T) {
		v := newEnv(t)
		_, err := v.e.SetRange(0, "k", 0, []byte("12"))
		require.NoError(t, err)
		ok, err := v.e.Move(0, "k", 1)
		require.NoError(t, err)
		require.True(t, ok)
		enc, _ := v.e.Encoding(1, "k")
		require.Equal(t, "raw", enc)
	})
}

func TestCopy(t *testing.T) {
	cases := []struct {
		name    string
		pre     func(t *testing.T, v *env)
		dstDB   int
		dst     string
		replace bool
		want    bool
		wantErr error
		dstVal  *string
		dstTTL  int64
		effects func(now int64) [][]engine.Effect
	}{
		{name: "same key same db", pre: func(t *testing.T, v *env) { v.set(t, "src", "v", 0) },
			dstDB: 0, dst: "src", wantErr: engine.ErrSameObject, dstVal: ptr("v"), dstTTL: -1},
		{name: "same key same db replace", pre: func(t *testing.T, v *env) { v.set(t, "src", "v", 0) },
			dstDB: 0, dst: "src", replace: true, wantErr: engine.ErrSameObject, dstVal: ptr("v"), dstTTL: -1},
		{name: "missing src", dstDB: 0, dst: "dst", want: false, dstTTL: -2},
		{name: "new dst", pre: func(t *testing.T, v *env) { v.set(t, "src", "v", 0) },
			dstDB: 0, dst: "dst", want: true, dstVal: ptr("v"), dstTTL: -1,
			effects: func(int64) [][]engine.Effect { return groups(group(efSet(0, "dst", "v", 0))) }},
		{name: "keeps ttl", pre: func(t *testing.T, v *env) { v.set(t, "src", "v", time.Minute) },
			dstDB: 0, dst: "dst", want: true, dstVal: ptr("v"), dstTTL: 60000,
			effects: func(now int64) [][]engine.Effect { return groups(group(efSet(0, "dst", "v", now+60000))) }},
		{name: "dst exists", pre: func(t *testing.T, v *env) {
			v.set(t, "src", "v", 0)
			v.set(t, "dst", "old", time.Minute)
		}, dstDB: 0, dst: "dst", want: false, dstVal: ptr("old"), dstTTL: 60000},
		{name: "dst exists replace", pre: func(t *testing.T, v *env) {
			v.set(t, "src", "v", 0)
			v.set(t, "dst", "old", time.Minute)
		}, dstDB: 0, dst: "dst", replace: true, want: true, dstVal: ptr("v"), dstTTL: -1,
			effects: func(int64) [][]engine.Effect { return groups(group(efSet(0, "dst", "v", 0))) }},
		{name: "dst expired", pre: func(t *testing.T, v *env) {
			v.set(t, "dst", "old", time.Second)
			v.clk.Advance(time.Minute)
			v.set(t, "src", "v", 0)
		}, dstDB: 0, dst: "dst", want: true, dstVal: ptr("v"), dstTTL: -1,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, "dst"), efSet(0, "dst", "v", 0))) }},
		{name: "other db same name", pre: func(t *testing.T, v *env) { v.set(t, "src", "v", time.Minute) },
			dstDB: 3, dst: "src", want: true, dstVal: ptr("v"), dstTTL: 60000,
			effects: func(now int64) [][]engine.Effect { return groups(group(efSet(3, "src", "v", now+60000))) }},
		{name: "other db exists", pre: func(t *testing.T, v *env) {
			v.set(t, "src", "v", 0)
			v.setDB(t, 3, "dst", "old", 0)
		}, dstDB: 3, dst: "dst", want: false, dstVal: ptr("old"), dstTTL: -1},
		{name: "other db replace", pre: func(t *testing.T, v *env) {
			v.set(t, "src", "v", 0)
			v.setDB(t, 3, "dst", "old", 0)
		}, dstDB: 3, dst: "dst", replace: true, want: true, dstVal: ptr("v"), dstTTL: -1,
			effects: func(int64) [][]engine.Effect { return groups(group(efSet(3, "dst", "v", 0))) }},
		{name: "src expired", pre: func(t *testing.T, v *env) {
			v.set(t, "src", "v", time.Second)
			v.clk.Advance(time.Minute)
		}, dstDB: 0, dst: "dst", want: false, dstTTL: -2,
			effects: func(int64) [][]engine.Effect { return groups(group(efDel(0, "src"))) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			if c.pre != nil {
				c.pre(t, v)
			}
			now := v.now()
			got, err := v.e.Copy(0, "src", c.dstDB, c.dst, c.replace)
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, c.want, got)
			var want [][]engine.Effect
			if c.effects != nil {
				want = c.effects(now)
			}
			requireEffects(t, want, v.sink.Take())
			v.requireValue(t, c.dstDB, c.dst, c.dstVal)
			require.Equal(t, c.dstTTL, v.e.TTL(c.dstDB, c.dst))
		})
	}
	t.Run("copy is independent", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "src", "ab", 0)
		// Give the source spare capacity so an in-place append is possible.
		_, err := v.e.Append(0, "src", []byte("c"))
		require.NoError(t, err)
		ok, err := v.e.Copy(0, "src", 0, "dst", false)
		require.NoError(t, err)
		require.True(t, ok)
		_, err = v.e.Append(0, "src", []byte("SRC"))
		require.NoError(t, err)
		_, err = v.e.Append(0, "dst", []byte("DST"))
		require.NoError(t, err)
		v.requireValue(t, 0, "src", ptr("abcSRC"))
		v.requireValue(t, 0, "dst", ptr("abcDST"))
		_, err = v.e.SetRange(0, "dst", 0, []byte("X"))
		require.NoError(t, err)
		v.requireValue(t, 0, "src", ptr("abcSRC"))
		v.requireValue(t, 0, "dst", ptr("XbcDST"))
		_, err = v.e.IncrBy(0, "src", 1)
		require.ErrorIs(t, err, engine.ErrNotInteger)
		v.e.Set(0, "src", []byte("1"), engine.SetOptions{})
		v.requireValue(t, 0, "dst", ptr("XbcDST"))
	})
	t.Run("copy keeps encoding", func(t *testing.T) {
		v := newEnv(t)
		_, err := v.e.Append(0, "src", []byte("1"))
		require.NoError(t, err)
		_, err = v.e.Append(0, "src", []byte("2"))
		require.NoError(t, err)
		_, err = v.e.Copy(0, "src", 1, "src", false)
		require.NoError(t, err)
		enc, _ := v.e.Encoding(1, "src")
		require.Equal(t, "raw", enc)
		v.set(t, "i", "42", 0)
		_, err = v.e.Copy(0, "i", 1, "i", false)
		require.NoError(t, err)
		enc, _ = v.e.Encoding(1, "i")
		require.Equal(t, "int", enc)
	})
}

func TestEncoding(t *testing.T) {
	cases := []struct {
		name string
		make func(t *testing.T, v *env)
		want string
	}{
		{"small int", func(t *testing.T, v *env) { v.set(t, "k", "123", 0) }, "int"},
		{"zero", func(t *testing.T, v *env) { v.set(t, "k", "0", 0) }, "int"},
		{"negative int", func(t *testing.T, v *env) { v.set(t, "k", "-1", 0) }, "int"},
		{"max int64", func(t *testing.T, v *env) { v.set(t, "k", "9223372036854775807", 0) }, "int"},
		{"min int64", func(t *testing.T, v *env) { v.set(t, "k", "-9223372036854775808", 0) }, "int"},
		{"beyond int64", func(t *testing.T, v *env) { v.set(t, "k", "12345678901234567890", 0) }, "embstr"},
		{"leading zero", func(t *testing.T, v *env) { v.set(t, "k", "01", 0) }, "embstr"},
		{"plus sign", func(t *testing.T, v *env) { v.set(t, "k", "+1", 0) }, "embstr"},
		{"float", func(t *testing.T, v *env) { v.set(t, "k", "1.5", 0) }, "embstr"},
		{"empty", func(t *testing.T, v *env) { v.set(t, "k", "", 0) }, "embstr"},
		{"word", func(t *testing.T, v *env) { v.set(t, "k", "hello", 0) }, "embstr"},
		{"44 bytes", func(t *testing.T, v *env) { v.set(t, "k", strings.Repeat("x", 44), 0) }, "embstr"},
		{"45 bytes", func(t *testing.T, v *env) { v.set(t, "k", strings.Repeat("x", 45), 0) }, "raw"},
		{"long digits", func(t *testing.T, v *env) { v.set(t, "k", strings.Repeat("1", 50), 0) }, "raw"},
		{"after append", func(t *testing.T, v *env) {
			v.set(t, "k", "a", 0)
			_, err := v.e.Append(0, "k", []byte("b"))
			require.NoError(t, err)
		}, "raw"},
		{"after append of digits", func(t *testing.T, v *env) {
			v.set(t, "k", "1", 0)
			_, err := v.e.Append(0, "k", []byte("2"))
			require.NoError(t, err)
		}, "raw"},
		{"append creating key", func(t *testing.T, v *env) {
			_, err := v.e.Append(0, "k", []byte("ab"))
			require.NoError(t, err)
		}, "embstr"},
		{"after setrange", func(t *testing.T, v *env) {
			_, err := v.e.SetRange(0, "k", 0, []byte("ab"))
			require.NoError(t, err)
		}, "raw"},
		{"after incr", func(t *testing.T, v *env) {
			_, err := v.e.IncrBy(0, "k", 5)
			require.NoError(t, err)
		}, "int"},
		{"set after append is fresh", func(t *testing.T, v *env) {
			v.set(t, "k", "a", 0)
			_, err := v.e.Append(0, "k", []byte("b"))
			require.NoError(t, err)
			v.set(t, "k", "ab", 0)
		}, "embstr"},
		{"incr after append", func(t *testing.T, v *env) {
			v.set(t, "k", "1", 0)
			_, err := v.e.Append(0, "k", []byte("2"))
			require.NoError(t, err)
			_, err = v.e.IncrBy(0, "k", 1)
			require.NoError(t, err)
		}, "int"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newEnv(t)
			c.make(t, v)
			got, ok := v.e.Encoding(0, "k")
			require.True(t, ok)
			require.Equal(t, c.want, got)
		})
	}
	t.Run("missing", func(t *testing.T) {
		v := newEnv(t)
		got, ok := v.e.Encoding(0, "k")
		require.False(t, ok)
		require.Empty(t, got)
	})
	t.Run("expired", func(t *testing.T) {
		v := newEnv(t)
		v.set(t, "k", "1", time.Second)
		v.clk.Advance(time.Minute)
		_, ok := v.e.Encoding(0, "k")
		require.False(t, ok)
	})
}

func TestDBSizeFlush(t *testing.T) {
	v := newEnv(t, withDatabases(4))
	require.Equal(t, 4, v.e.Databases())
	require.True(t, v.e.ValidDB(0))
	require.True(t, v.e.ValidDB(3))
	require.False(t, v.e.ValidDB(4))
	require.False(t, v.e.ValidDB(-1))
	for d := range 4 {
		require.Equal(t, 0, v.e.DBSize(d))
	}
	for i := range 10 {
		v.setDB(t, 0, strconv.Itoa(i), "v", 0)
		v.setDB(t, 1, strconv.Itoa(i), "v", 0)
	}
	v.setDB(t, 0, "ttl", "v", time.Second)
	v.setDB(t, 2, "x", "v", 0)
	require.Equal(t, 11, v.e.DBSize(0))
	require.Equal(t, 10, v.e.DBSize(1))
	require.Equal(t, 1, v.e.DBSize(2))
	require.Equal(t, 22, v.e.Len())

	t.Run("counts expired keys not yet deleted", func(t *testing.T) {
		v.clk.Advance(time.Minute)
		require.Equal(t, 11, v.e.DBSize(0))
		require.Equal(t, 0, v.e.Exists(0, []string{"ttl"}))
		require.Equal(t, 10, v.e.DBSize(0))
		v.sink.Take()
	})
	t.Run("flushdb", func(t *testing.T) {
		v.e.FlushDB(1)
		requireEffects(t, groups(group(engine.Effect{Kind: engine.EffectFlushDB, DB: 1})), v.sink.Take())
		require.Equal(t, 0, v.e.DBSize(1))
		require.Equal(t, 10, v.e.DBSize(0))
		require.Equal(t, 1, v.e.DBSize(2))
		require.Empty(t, v.e.Keys(1, "*"))
	})
	t.Run("flushdb empty db still records", func(t *testing.T) {
		v.e.FlushDB(3)
		requireEffects(t, groups(group(engine.Effect{Kind: engine.EffectFlushDB, DB: 3})), v.sink.Take())
	})
	t.Run("flushall", func(t *testing.T) {
		v.e.FlushAll()
		requireEffects(t, groups(group(engine.Effect{Kind: engine.EffectFlushAll})), v.sink.Take())
		for d := range 4 {
			require.Equal(t, 0, v.e.DBSize(d))
		}
		require.Equal(t, 0, v.e.Len())
		require.True(t, v.e.Digest().IsZero())
	})
	t.Run("usable after flush", func(t *testing.T) {
		v.setDB(t, 1, "k", "v", time.Minute)
		require.Equal(t, 1, v.e.DBSize(1))
		require.Equal(t, int64(60000), v.e.TTL(1, "k"))
	})
	t.Run("defaults", func(t *testing.T) {
		e := engine.New(engine.Options{})
		require.Equal(t, 16, e.Databases())
		require.InDelta(t, time.Now().UnixMilli(), e.NowMs(), 5000)
		e.Set(0, "k", []byte("v"), engine.SetOptions{}) // nil sink is fine
		_, err := e.Append(0, "k", []byte(strings.Repeat("x", 1<<20)))
		require.NoError(t, err, "default max size is 512 MiB")
	})
	t.Run("NowMs uses the clock", func(t *testing.T) {
		require.Equal(t, v.now(), v.e.NowMs())
		v.clk.Advance(time.Second)
		require.Equal(t, v.now(), v.e.NowMs())
	})
}

func TestKeyspace(t *testing.T) {
	v := newEnv(t)
	require.Empty(t, v.e.Keyspace())
	v.setDB(t, 0, "a", "v", 0)
	v.setDB(t, 0, "b", "v", 10*time.Second)
	v.setDB(t, 0, "c", "v", 20*time.Second)
	v.setDB(t, 3, "d", "v", 0)
	v.setDB(t, 7, "e", "v", 4*time.Second)
	require.Equal(t, []engine.KeyspaceInfo{
		{DB: 0, Keys: 3, Expires: 2, AvgTTL: 15000},
		{DB: 3, Keys: 1, Expires: 0, AvgTTL: 0},
		{DB: 7, Keys: 1, Expires: 1, AvgTTL: 4000},
	}, v.e.Keyspace())

	v.clk.Advance(2 * time.Second)
	ks := v.e.Keyspace()
	require.Equal(t, int64(13000), ks[0].AvgTTL)
	require.Equal(t, int64(2000), ks[2].AvgTTL)

	require.True(t, v.e.Persist(0, "c"))
	v.e.Del(3, []string{"d"})
	require.Equal(t, []engine.KeyspaceInfo{
		{DB: 0, Keys: 3, Expires: 1, AvgTTL: 8000},
		{DB: 7, Keys: 1, Expires: 1, AvgTTL: 2000},
	}, v.e.Keyspace())

	v.clk.Advance(time.Hour)
	ks = v.e.Keyspace()
	require.Equal(t, int64(0), ks[0].AvgTTL, "an expired key contributes 0, never negative")
	require.Equal(t, 3, ks[0].Keys, "expired keys not yet deleted are counted")
}

// digestFill writes the same 1000 keys, over several databases and with
// and without expiry, in the order perm gives.
func digestFill(t *testing.T, v *env, perm []int) {
	for _, i := range perm {
		d := i % 4
		var at int64
		if i%3 == 0 {
			at = t0 + 3_600_000 + int64(i)
		}
		r := v.e.Set(d, "key:"+strconv.Itoa(i), []byte("value:"+strconv.Itoa(i*i)), engine.SetOptions{ExpireAt: at})
		require.True(t, r.Done)
	}
}

func TestDigest(t *testing.T) {
	const n = 1000
	ordered := make([]int, n)
	for i := range ordered {
		ordered[i] = i
	}
	shuffled := rand.New(rand.NewPCG(42, 43)).Perm(n)

	t.Run("empty is zero", func(t *testing.T) {
		v := newEnv(t)
		require.True(t, v.e.Digest().IsZero())
		v.set(t, "k", "v", 0)
		require.False(t, v.e.Digest().IsZero())
		v.e.Del(0, []string{"k"})
		require.True(t, v.e.Digest().IsZero())
	})
	t.Run("order independent", func(t *testing.T) {
		a, b := newEnv(t), newEnv(t)
		digestFill(t, a, ordered)
		digestFill(t, b, shuffled)
		da := a.e.Digest()
		require.Len(t, da.String(), 32)
		back, err := engine.ParseDigest(da.String())
		require.NoError(t, err)
		require.Equal(t, da, back)
		require.Equal(t, da, b.e.Digest())
		require.Equal(t, da, a.e.Digest(), "stable")
	})
	mutations := []struct {
		name string
		f    func(t *testing.T, v *env)
	}{
		{"one value", func(t *testing.T, v *env) {
			v.e.Set(1, "key:1", []byte("value:2"), engine.SetOptions{KeepTTL: true})
		}},
		{"one expiry", func(t *testing.T, v *env) {
			require.True(t, v.e.Expire(0, "key:0", t0+3_600_001, engine.ExpireAlways))
		}},
		{"expiry added", func(t *testing.T, v *env) {
			require.True(t, v.e.Expire(1, "key:1", t0+3_600_001, engine.ExpireAlways))
		}},
		{"expiry removed", func(t *testing.T, v *env) {
			require.True(t, v.e.Persist(0, "key:0"))
		}},
		{"one db", func(t *testing.T, v *env) {
			ok, err := v.e.Move(1, "key:1", 2)
			require.NoError(t, err)
			require.True(t, ok)
		}},
		{"one key renamed", func(t *testing.T, v *env) {
			ok, err := v.e.Rename(1, "key:1", "key:1x", false)
			require.NoError(t, err)
			require.True(t, ok)
		}},
		{"one key added", func(t *testing.T, v *env) { v.set(t, "extra", "", 0) }},
		{"one key deleted", func(t *testing.T, v *env) { require.Equal(t, 1, v.e.Del(2, []string{"key:2"})) }},
		{"value moved into key", func(t *testing.T, v *env) {
			// "ab"="c" and "a"="bc" must differ.
			v.e.Del(1, []string{"key:1"})
			v.e.Set(1, "key:1v", []byte("alue:1"), engine.SetOptions{})
		}},
	}
	base := newEnv(t)
	digestFill(t, base, ordered)
	want := base.e.Digest()
	for _, m := range mutations {
		t.Run("changes with "+m.name, func(t *testing.T) {
			v := newEnv(t)
			digestFill(t, v, shuffled)
			require.Equal(t, want, v.e.Digest())
			m.f(t, v)
			require.NotEqual(t, want, v.e.Digest())
		})
	}
	t.Run("expired keys count until deleted", func(t *testing.T) {
		// As in Redis's DEBUG DIGEST: a key whose time passed is still
		// stored (a secondary holds it until its primary's DELETE), so it
		// is part of the data the nodes hold in common.
		a, b := newEnv(t), newEnv(t)
		a.set(t, "live", "v", 0)
		b.set(t, "live", "v", 0)
		b.set(t, "dying", "v", time.Second)
		require.NotEqual(t, a.e.Digest(), b.e.Digest())
		a.clk.Advance(time.Minute)
		b.clk.Advance(time.Minute)
		require.NotEqual(t, a.e.Digest(), b.e.Digest())
		require.Equal(t, 2, b.e.DBSize(0), "Digest does not delete")
		require.Empty(t, b.sink.Take())
		_, ok := b.e.Get(0, "dying") // deleted by the read
		require.False(t, ok)
		require.Equal(t, a.e.Digest(), b.e.Digest())
	})
	t.Run("same key in two dbs does not cancel", func(t *testing.T) {
		v := newEnv(t)
		v.setDB(t, 0, "k", "v", 0)
		v.setDB(t, 1, "k", "v", 0)
		require.False(t, v.e.Digest().IsZero())
	})
}

func TestDigestValue(t *testing.T) {
	v := newEnv(t)
	v.set(t, "a", "hello", 0)
	v.set(t, "e", "", 0)
	v.set(t, "x", "gone", time.Second)
	v.clk.Advance(time.Minute)
	sum := func(s string) string {
		h := sha1.Sum([]byte(s))
		return hex.EncodeToString(h[:])
	}
	got := v.e.DigestValue(0, []string{"a", "missing", "e", "x", "a"})
	require.Equal(t, []string{sum("hello"), zeroDigest, sum(""), zeroDigest, sum("hello")}, got)
	require.Empty(t, v.e.DigestValue(0, nil))
	require.Equal(t, []string{zeroDigest}, v.e.DigestValue(1, []string{"a"}))
	require.Empty(t, v.sink.Take())
	require.Equal(t, 3, v.e.DBSize(0))
}

// TestPrefetchChangesNothing: Prefetch is a hint. It counts no hit or
// miss, records no access, expires nothing, reports no effect, and takes
// any database number and any key.
func TestPrefetchChangesNothing(t *testing.T) {
	v := newEnv(t)
	for i := range 3000 {
		v.set(t, fmt.Sprint("k", i), "v", 0)
	}
	v.set(t, "gone", "v", time.Second)
	v.clk.Advance(5500 * time.Millisecond)
	v.sink.Take()
	stats, digest := v.e.Stats(), v.e.Digest()
	keys := [][]byte{[]byte("k1"), []byte("gone"), []byte("absent"), nil, []byte("k2999"), []byte("k1")}
	for i := range 3000 {
		keys = append(keys, []byte(fmt.Sprint("k", i)))
	}
	for _, d := range []int{0, 1, 15, -1, 16, 1 << 30} {
		v.e.Prefetch(d, keys)
		v.e.Prefetch(d, nil)
	}
	require.Equal(t, stats, v.e.Stats())
	require.Equal(t, digest, v.e.Digest())
	require.Empty(t, v.sink.Take(), "no effect reported")
	require.Equal(t, 3001, v.e.DBSize(0), "the expired key is still there: nothing was looked up")
	secs, found, err := v.e.IdleTime(0, "k1")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, int64(5), secs, "no access recorded")
}

// TestPrefetchNeverWaits: with the engine lock held (a busy script's
// group), Prefetch returns at once.
func TestPrefetchNeverWaits(t *testing.T) {
	v := newEnv(t)
	v.set(t, "k", "v", 0)
	done := make(chan struct{})
	v.e.Group(func(tx *engine.Engine) {
		go func() {
			v.e.Prefetch(0, [][]byte{[]byte("k"), []byte("j")})
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Prefetch waited for the lock")
		}
		tx.Prefetch(0, [][]byte{[]byte("k"), []byte("j")}) // inside the group: nothing, no deadlock
	})
}
