package integration

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStaleDataFollowsTheLink: a secondary with replica-serve-stale-data no
// serves reads while its link is up, answers MASTERDOWN while its primary
// is gone, and serves again once the link is back.
func TestStaleDataFollowsTheLink(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	p := startNode(t)
	require.NoError(t, p.rdb.Set(ctx, "k", "v", 0).Err())
	s := startSecondary(t, p, "--replica-serve-stale-data", "no")
	s.waitInfo("replication", "master_link_status", "up")
	requireConverged(t, p, s)
	require.Equal(t, "v", s.rdb.Get(ctx, "k").Val())

	p.kill()
	s.waitInfo("replication", "master_link_status", "down")
	err := s.rdb.Get(ctx, "k").Err()
	require.EqualError(t, err, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
	// A script declared with a shebang line needs allow-stale to run.
	require.EqualError(t, s.rdb.Eval(ctx, "#!lua flags=no-writes\nreturn 1", nil).Err(),
		"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
	require.Equal(t, int64(1), s.rdb.Eval(ctx, "#!lua flags=no-writes,allow-stale\nreturn 1", nil).Val())
	// So is a script without it, and one with it cannot read stale keys.
	require.EqualError(t, s.rdb.Eval(ctx, "return redis.call('GET', 'k')", nil).Err(),
		"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
	requireScriptErr(t, s.rdb.Eval(ctx, "#!lua flags=no-writes,allow-stale\nreturn redis.call('GET', 'k')", nil).Err(),
		"ERR Can not execute the command on a stale replica")

	p.restart() // without persistence: it comes back empty
	require.NoError(t, p.rdb.Set(ctx, "k2", "v2", 0).Err())
	s.waitInfo("replication", "master_link_status", "up")
	requireConverged(t, p, s)
	require.Equal(t, "v2", s.rdb.Get(ctx, "k2").Val())
}
