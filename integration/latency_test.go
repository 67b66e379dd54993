package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLatency: the latency monitor records a command that runs past
// latency-monitor-threshold, LATENCY LATEST, HISTORY, GRAPH and RESET show
// and forget it, and LATENCY HISTOGRAM counts every command in Redis's
// buckets; errors byte for byte as redis-server 7.0 (the figures depend on
// time, so their shapes are checked).
func TestLatency(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx := context.Background()
	rdb := s.Client()
	requireExactReplies(t, dialRaw(t, s.Addr()), []exactStep{
		{[]string{"LATENCY", "FOO"}, "-ERR unknown subcommand 'FOO'. Try LATENCY HELP.\r\n"},
		{[]string{"LATENCY", "HISTORY"}, "-ERR wrong number of arguments for 'latency|history' command\r\n"},
		{[]string{"LATENCY", "GRAPH", "command"}, "-ERR No samples available for event 'command'\r\n"},
		{[]string{"LATENCY", "LATEST"}, "*0\r\n"},
		{[]string{"LATENCY", "HISTORY", "command"}, "*0\r\n"},
	})
	require.NoError(t, rdb.ConfigSet(ctx, "latency-monitor-threshold", "50").Err())
	before := time.Now().Unix()
	require.NoError(t, rdb.Do(ctx, "DEBUG", "SLEEP", "0.1").Err())
	latest, err := rdb.Do(ctx, "LATENCY", "LATEST").Slice()
	require.NoError(t, err)
	require.Len(t, latest, 1)
	ev := latest[0].([]any)
	require.Equal(t, "command", ev[0])
	at, last, most := ev[1].(int64), ev[2].(int64), ev[3].(int64)
	require.InDelta(t, before, at, 5)
	require.GreaterOrEqual(t, last, int64(100))
	require.GreaterOrEqual(t, most, last)
	hist, err := rdb.Do(ctx, "LATENCY", "HISTORY", "command").Slice()
	require.NoError(t, err)
	require.Equal(t, []any{[]any{at, last}}, hist)
	graph, err := rdb.Do(ctx, "LATENCY", "GRAPH", "command").Text()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(graph, "command - high "), "%q", graph)
	require.Equal(t, int64(1), rdb.Do(ctx, "LATENCY", "RESET").Val())
	require.Equal(t, int64(0), rdb.Do(ctx, "LATENCY", "RESET", "command").Val())
	latest, err = rdb.Do(ctx, "LATENCY", "LATEST").Slice()
	require.NoError(t, err)
	require.Empty(t, latest)

	// The histogram: every SET counted once, in a bucket Redis labels.
	labels := map[int64]bool{}
	for k := range 21 {
		labels[(int64(1)<<(k+10)+int64(1)<<(k+3)-1)/1000] = true
	}
	require.NoError(t, rdb.Do(ctx, "CONFIG", "RESETSTAT").Err())
	for range 5 {
		require.NoError(t, rdb.Set(ctx, "k", "v", 0).Err())
	}
	h, err := rdb.Do(ctx, "LATENCY", "HISTOGRAM", "set", "nosuch").Result()
	require.NoError(t, err)
	cmds := h.(map[any]any)
	require.Len(t, cmds, 1)
	set := cmds["set"].(map[any]any)
	require.Equal(t, int64(5), set["calls"])
	buckets := set["histogram_usec"].(map[any]any)
	require.NotEmpty(t, buckets)
	var top, cum int64
	for label, n := range buckets {
		require.True(t, labels[label.(int64)], "bucket %v", label)
		if label.(int64) > top {
			top, cum = label.(int64), n.(int64)
		}
	}
	require.Equal(t, int64(5), cum, "cumulative at the highest bucket: %v", buckets)
	empty, err := rdb.Do(ctx, "LATENCY", "HISTOGRAM", "nosuch").Result()
	require.NoError(t, err)
	require.Empty(t, empty)
}
