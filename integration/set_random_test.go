package integration

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// requireSameMembers requires got to hold exactly want's members, in any
// order (a hashtable set's order is its own), each once.
func requireSameMembers(t *testing.T, want, got []string, msg ...any) {
	t.Helper()
	w, g := slices.Clone(want), slices.Clone(got)
	slices.Sort(w)
	slices.Sort(g)
	require.Equal(t, w, g, msg...)
}

// requireDistinctMembersOf requires every element of got to be in set and
// none to repeat.
func requireDistinctMembersOf(t *testing.T, set map[string]bool, got []string, msg ...any) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range got {
		require.True(t, set[m], "%q is not a member %v", m, msg)
		require.False(t, seen[m], "%q repeated %v", m, msg)
		seen[m] = true
	}
}

// TestSetRandomReplies checks the replies that are random or whose order
// is the encoding's by their properties, on an intset, a small hashtable
// and a large one: SMEMBERS and the set algebra as multisets,
// SRANDMEMBER's and SPOP's counts, distinctness and membership, a full
// SSCAN returning every member even while the set grows.
func TestSetRandomReplies(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.Client()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		n    int
		elem func(i int) string
	}{
		{"ints", 20, strconv.Itoa},
		{"small", 20, func(i int) string { return "m" + strconv.Itoa(i) }},
		{"large", 2000, func(i int) string { return "member:" + strconv.Itoa(i) }},
	} {
		k := "rand:" + tc.name
		var all []string
		set := map[string]bool{}
		for i := range tc.n {
			all = append(all, tc.elem(i))
			set[tc.elem(i)] = true
		}
		require.NoError(t, c.SAdd(ctx, k, toAny(all)...).Err())
		requireSameMembers(t, all, c.SMembers(ctx, k).Val())

		// The algebra against a set of the even members and a stranger.
		even := k + ":even"
		var evens, odds []string
		for i, m := range all {
			if i%2 == 0 {
				evens = append(evens, m)
			} else {
				odds = append(odds, m)
			}
		}
		require.NoError(t, c.SAdd(ctx, even, append(toAny(evens), "stranger")...).Err())
		requireSameMembers(t, evens, c.SInter(ctx, k, even).Val())
		requireSameMembers(t, odds, c.SDiff(ctx, k, even).Val())
		requireSameMembers(t, append(slices.Clone(all), "stranger"), c.SUnion(ctx, k, even).Val())
		require.Equal(t, int64(len(evens)), c.SInterCard(ctx, 0, k, even).Val())
		require.Equal(t, int64(3), c.SInterCard(ctx, 3, k, even).Val())
		require.Equal(t, int64(len(odds)), c.SDiffStore(ctx, k+":d", k, even).Val())
		requireSameMembers(t, odds, c.SMembers(ctx, k+":d").Val())

		for _, count := range []int{1, 3, tc.n / 2, tc.n - 1, tc.n, tc.n + 5} {
			got := c.SRandMemberN(ctx, k, int64(count)).Val()
			require.Len(t, got, min(count, tc.n), "SRANDMEMBER %d", count)
			requireDistinctMembersOf(t, set, got, "SRANDMEMBER", count)
		}
		for _, count := range []int{-1, -7, -3 * tc.n} {
			got := c.SRandMemberN(ctx, k, int64(count)).Val()
			require.Len(t, got, -count)
			for _, m := range got {
				require.True(t, set[m], "SRANDMEMBER %d gave %q", count, m)
			}
		}
		one := c.SRandMember(ctx, k).Val()
		require.True(t, set[one])

		// A full SSCAN returns every member, even with members added
		// between its calls.
		found := map[string]bool{}
		var cursor uint64
		for step := 0; ; step++ {
			page, next, err := c.SScan(ctx, k, cursor, "", 7).Result()
			require.NoError(t, err)
			for _, m := range page {
				found[m] = true
			}
			require.NoError(t, c.SAdd(ctx, k+":grow", "g"+strconv.Itoa(step)).Err())
			if step%3 == 0 {
				require.NoError(t, c.SAdd(ctx, k, "extra"+strconv.Itoa(step)).Err())
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
		for _, m := range all {
			require.True(t, found[m], "SSCAN missed %q", m)
		}
		if extra := extraMembers(ctx, c, k, set); len(extra) > 0 {
			require.NoError(t, c.SRem(ctx, k, toAny(extra)...).Err())
		}

		// SPOP: distinct members that leave the set.
		left := copySet(set)
		for _, count := range []int{1, 2, tc.n / 3} {
			got := c.SPopN(ctx, k, int64(count)).Val()
			require.Len(t, got, count)
			requireDistinctMembersOf(t, left, got, "SPOP", count)
			for _, m := range got {
				delete(left, m)
			}
			require.Equal(t, int64(len(left)), c.SCard(ctx, k).Val())
		}
		m := c.SPop(ctx, k).Val()
		require.True(t, left[m])
		delete(left, m)
		rest := c.SPopN(ctx, k, int64(tc.n)).Val()
		requireSameMembers(t, keysOf(left), rest)
		require.Zero(t, c.Exists(ctx, k).Val())
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func copySet(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// extraMembers returns the members of key that are not in set.
func extraMembers(ctx context.Context, c *redis.Client, key string, set map[string]bool) []string {
	var out []string
	for _, m := range c.SMembers(ctx, key).Val() {
		if !set[m] {
			out = append(out, m)
		}
	}
	return out
}

// TestSPopRebuildsFewLeft: SPOP of most of a hashtable set builds the set
// again from what remains, as Redis does (its third case: left x 5 <= count),
// so integers alone make an intset again; fewer popped leave it as it was.
func TestSPopRebuildsFewLeft(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := s.Client()
	ctx := context.Background()
	for _, tc := range []struct {
		pop  int64
		want string
	}{{10, "intset"}, {11, "intset"}, {9, "hashtable"}} {
		key := fmt.Sprint("s", tc.pop)
		require.NoError(t, c.SAdd(ctx, key, "a", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12).Err())
		require.NoError(t, c.SRem(ctx, key, "a").Err())
		require.Len(t, c.SPopN(ctx, key, tc.pop).Val(), int(tc.pop))
		require.Equal(t, tc.want, c.ObjectEncoding(ctx, key).Val(), "SPOP %d of 12", tc.pop)
	}
}
