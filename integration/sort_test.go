package integration

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSortReplies holds for redis-server too: SORT and SORT_RO of lists,
// sets and sorted sets, numeric and ALPHA, ASC and DESC, LIMIT, BY and GET
// patterns (keys and hash fields, "#", a pattern without '*'), the native
// order of BY nosort, STORE (a missing value stored as ""; an empty result
// deletes the destination), and the errors, in Redis's words.
func TestSortReplies(t *testing.T) {
	t.Parallel()
	nums := func(v ...string) []any {
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out
	}
	scriptTest(t, map[string][]step{
		"numbers and LIMIT": {
			{cmd: []any{"RPUSH", "l", "3", "1", "2", "10", "-5", "2.5", "1e2", " 7"}, want: 8},
			{cmd: []any{"SORT", "l"}, want: nums("-5", "1", "2", "2.5", "3", " 7", "10", "1e2")},
			{cmd: []any{"SORT", "l", "DESC"}, want: nums("1e2", "10", " 7", "3", "2.5", "2", "1", "-5")},
			{cmd: []any{"SORT", "l", "LIMIT", "1", "3"}, want: nums("1", "2", "2.5")},
			{cmd: []any{"SORT", "l", "LIMIT", "-5", "2"}, want: nums("-5", "1")},
			{cmd: []any{"SORT", "l", "LIMIT", "6", "-1"}, want: nums("10", "1e2")},
			{cmd: []any{"SORT", "l", "LIMIT", "10", "2"}, want: []any{}},
			{cmd: []any{"SORT", "l", "LIMIT", "0", "0"}, want: []any{}},
			{cmd: []any{"SORT", "l", "ALPHA"}, want: nums(" 7", "-5", "1", "10", "1e2", "2", "2.5", "3")},
			{cmd: []any{"SORT", "l", "ALPHA", "DESC", "LIMIT", "0", "3"}, want: nums("3", "2.5", "2")},
			{cmd: []any{"SORT_RO", "l", "DESC", "LIMIT", "0", "2"}, want: nums("1e2", "10")},
			{cmd: []any{"RPUSH", "e", "", "3", "2", "3"}, want: 4},
			{cmd: []any{"SORT", "e"}, want: nums("", "2", "3", "3")},
			{cmd: []any{"SORT", "missing"}, want: []any{}},
		},
		"native order": {
			{cmd: []any{"RPUSH", "l", "c", "a", "d", "b"}, want: 4},
			{cmd: []any{"SORT", "l", "BY", "nosort"}, want: nums("c", "a", "d", "b")},
			{cmd: []any{"SORT", "l", "BY", "nosort", "DESC"}, want: nums("b", "d", "a", "c")},
			{cmd: []any{"SORT", "l", "BY", "nosort", "LIMIT", "1", "2"}, want: nums("a", "d")},
			{cmd: []any{"SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"}, want: nums("d", "a")},
			{cmd: []any{"ZADD", "z", "3", "c", "1", "a", "2", "b", "10", "x"}, want: 4},
			{cmd: []any{"SORT", "z", "BY", "nosort"}, want: nums("a", "b", "c", "x")},
			{cmd: []any{"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"}, want: nums("c", "b")},
			{cmd: []any{"SORT", "z", "ALPHA", "DESC"}, want: nums("x", "c", "b", "a")},
			{cmd: []any{"SADD", "s", "5", "3", "9", "1"}, want: 4},
			{cmd: []any{"SORT", "s"}, want: nums("1", "3", "5", "9")},
			// Stored, a set kept in its native order is sorted (ALPHA).
			{cmd: []any{"SADD", "t", "b", "10", "a", "9"}, want: 4},
			{cmd: []any{"SORT", "t", "BY", "nosort", "STORE", "dst"}, want: 4},
			{cmd: []any{"LRANGE", "dst", "0", "-1"}, want: nums("10", "9", "a", "b")},
		},
		"BY and GET": {
			{cmd: []any{"RPUSH", "l", "1", "2", "3", "4"}, want: 4},
			{cmd: []any{"MSET", "w_1", "40", "w_2", "10", "w_3", "30", "w_x", "1"}, want: "OK"},
			{cmd: []any{"SORT", "l", "BY", "w_*"}, want: nums("4", "2", "3", "1")},
			{cmd: []any{"SORT", "l", "BY", "w_*", "DESC", "GET", "#", "GET", "w_*"}, want: []any{"1", "40", "3", "30", "2", "10", "4", nil}},
			{cmd: []any{"HSET", "h_1", "f", "d", "n", "x"}, want: 2},
			{cmd: []any{"HSET", "h_2", "f", "b"}, want: 1},
			{cmd: []any{"HSET", "h_3", "f", "a"}, want: 1},
			{cmd: []any{"HSET", "h_4", "f", "c"}, want: 1},
			{cmd: []any{"SORT", "l", "BY", "h_*->f", "ALPHA", "GET", "h_*->f", "GET", "h_*->n"}, want: []any{"a", nil, "b", nil, "c", nil, "d", "x"}},
			{cmd: []any{"SORT", "l", "GET", "nostar", "LIMIT", "0", "1"}, want: []any{nil}},
			{cmd: []any{"SORT", "l", "BY", "w_*", "GET", "w_*", "STORE", "dst"}, want: 4},
			{cmd: []any{"LRANGE", "dst", "0", "-1"}, want: nums("", "10", "30", "40")},
			{cmd: []any{"EXPIRE", "dst", "100"}, want: 1},
			{cmd: []any{"SORT", "l", "STORE", "dst"}, want: 4},
			{cmd: []any{"TTL", "dst"}, want: -1},
			{cmd: []any{"SET", "str", "x"}, want: "OK"},
			{cmd: []any{"SORT", "l", "LIMIT", "0", "2", "STORE", "str"}, want: 2},
			{cmd: []any{"LRANGE", "str", "0", "-1"}, want: nums("1", "2")},
			{cmd: []any{"SORT", "nothing", "STORE", "str"}, want: 0},
			{cmd: []any{"EXISTS", "str"}, want: 0},
		},
		"errors": {
			{cmd: []any{"RPUSH", "bad", "a", "1"}, want: 2},
			{cmd: []any{"SORT", "bad"}, err: "ERR One or more scores can't be converted into double"},
			{cmd: []any{"SORT", "bad", "ALPHA"}, want: nums("1", "a")},
			{cmd: []any{"RPUSH", "nan", "nan", "1"}, want: 2},
			{cmd: []any{"SORT", "nan"}, err: "ERR One or more scores can't be converted into double"},
			{cmd: []any{"RPUSH", "sp", " ", "1"}, want: 2},
			{cmd: []any{"SORT", "sp"}, err: "ERR One or more scores can't be converted into double"},
			{cmd: []any{"SET", "str", "x"}, want: "OK"},
			{cmd: []any{"SORT", "str"}, err: "WRONGTYPE Operation against a key holding the wrong kind of value"},
			{cmd: []any{"SORT", "bad", "LIMIT", "1"}, err: "ERR syntax error"},
			{cmd: []any{"SORT", "bad", "LIMIT", "a", "1"}, err: "ERR value is not an integer or out of range"},
			{cmd: []any{"SORT", "bad", "FOO"}, err: "ERR syntax error"},
			{cmd: []any{"SORT_RO", "bad", "ALPHA", "STORE", "x"}, err: "ERR syntax error"},
			{cmd: []any{"SORT"}, err: "ERR wrong number of arguments for 'sort' command"},
		},
	})
}

// TestSortStoreReplicates: SORT ... STORE on a primary leaves the same
// list on its secondary, including over a destination of another type and
// an empty result that deletes it; SORT on a secondary is refused as a
// write, SORT_RO answers.
func TestSortStoreReplicates(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p, s := startLinkedPair(t)
	c := p.rdb
	require.NoError(t, c.RPush(ctx, "l", 3, 1, 2).Err())
	require.NoError(t, c.MSet(ctx, "w_1", "b", "w_2", "a", "w_3", "c", "other", "string").Err())
	require.Equal(t, int64(3), c.Do(ctx, "SORT", "l", "BY", "w_*", "ALPHA", "GET", "w_*", "STORE", "other").Val())
	require.Equal(t, int64(3), c.Do(ctx, "SORT", "l", "DESC", "STORE", "d").Val())
	require.Equal(t, int64(0), c.Do(ctx, "SORT", "none", "STORE", "w_1").Val())
	requireConverged(t, p, s)
	require.Equal(t, []string{"a", "b", "c"}, s.rdb.LRange(ctx, "other", 0, -1).Val())
	require.Equal(t, []string{"3", "2", "1"}, s.rdb.LRange(ctx, "d", 0, -1).Val())
	require.Equal(t, int64(0), s.rdb.Exists(ctx, "w_1").Val())
	requireRedisErr(t, s.rdb.Do(ctx, "SORT", "l").Err(), errReadOnlyReplica)
	require.Equal(t, []any{"1", "2", "3"}, s.rdb.Do(ctx, "SORT_RO", "l").Val())
}
