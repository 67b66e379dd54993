package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWholeValueLargerThanAnArgument: a primary's frame can carry a whole
// value far larger than any one argument a client may send (here a list
// of 80 MiB of control bytes: a frame of over 100 MiB, base64), and its
// secondaries take it, live and in a full sync, whatever
// proto-max-bulk-len says. A secondary limited by its own argument size
// (100 MiB at least) refused such a frame forever, and stayed behind.
func TestWholeValueLargerThanAnArgument(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	small := []string{"--proto-max-bulk-len", "1mb"}
	p := startNode(t, small...)
	s1 := startSecondary(t, p, small...)
	s1.waitInfo("replication", "master_link_status", "up")

	element := strings.Repeat("\x01", 1<<20)
	elements := make([]any, 10)
	for i := range elements {
		elements[i] = element
	}
	for range 8 {
		require.NoError(t, p.rdb.RPush(ctx, "big", elements...).Err())
	}
	require.NoError(t, p.rdb.Copy(ctx, "big", "big2", 0, false).Err())
	require.NoError(t, p.rdb.Set(ctx, "marker", "1", 0).Err())
	requireConverged(t, p, s1)
	require.Equal(t, int64(80), s1.rdb.LLen(ctx, "big2").Val())

	s2 := startSecondary(t, p, small...)
	requireConverged(t, p, s1, s2)
	require.Equal(t, "1", s2.rdb.Get(ctx, "marker").Val())
}
