package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// persistInfo reads INFO persistence of a node.
func (n *node) persistInfo() map[string]string {
	n.t.Helper()
	return n.requireInfo("persistence")
}

// waitSaves polls INFO persistence until the node has written saves
// snapshots since it started (SAVE and BGSAVE count in rdb_saves,
// BGREWRITEAOF and automatic rewrites in aof_rewrites) and none is running
// or scheduled, and returns the fields. The server's log must agree.
func (n *node) waitSaves(saves int) map[string]string {
	n.t.Helper()
	var last map[string]string
	require.EventuallyWithT(n.t, func(c *assert.CollectT) {
		m, err := n.info(context.Background(), "persistence")
		if !assert.NoError(c, err) {
			return
		}
		last = m
		assert.GreaterOrEqual(c, snapshotCount(c, m), saves, "rdb_saves + aof_rewrites")
		assert.Equal(c, "0", m["rdb_bgsave_in_progress"])
		assert.Equal(c, "0", m["aof_rewrite_in_progress"])
		assert.Equal(c, "0", m["aof_rewrite_scheduled"])
	}, convergeTimeout, pollInterval, "waiting for %d snapshots:\n%s", saves, n.Output())
	require.Equal(n.t, saves, snapshotCount(n.t, last), "rdb_saves + aof_rewrites")
	require.Equal(n.t, "ok", last["rdb_last_bgsave_status"])
	require.Equal(n.t, "ok", last["aof_last_bgrewrite_status"])
	require.NotContains(n.t, n.Output(), "snapshot failed")
	// The process's output is copied in by another goroutine: the line
	// may land a moment after INFO says the snapshot is done.
	require.Eventually(n.t, func() bool { return strings.Count(n.Output(), `msg="snapshot written"`) >= saves },
		convergeTimeout, pollInterval, "snapshots in the server's log")
	require.Equal(n.t, saves, strings.Count(n.Output(), `msg="snapshot written"`), "snapshots in the server's log")
	return last
}

// snapshotCount is rdb_saves + aof_rewrites.
func snapshotCount(t require.TestingT, m map[string]string) int {
	saves, err1 := strconv.Atoi(m["rdb_saves"])
	rewrites, err2 := strconv.Atoi(m["aof_rewrites"])
	require.NoError(t, err1)
	require.NoError(t, err2)
	return saves + rewrites
}

// writeBig sets prefix:0 .. prefix:n-1 to values of size bytes, pipelined.
func writeBig(t *testing.T, rdb *redis.Client, prefix string, n, size int) {
	t.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 200 {
		pipe := rdb.Pipeline()
		for i := start; i < min(start+200, n); i++ {
			val := fmt.Sprintf("%d:", i) + strings.Repeat("v", size)
			pipe.Set(ctx, fmt.Sprintf("%s:%d", prefix, i), val, 0)
		}
		_, err := pipe.Exec(ctx)
		require.NoError(t, err)
	}
}

// requireSnapshotOnly checks the data directory holds exactly one snapshot
// and the one segment that continues it, and returns the snapshot's
// sequence.
func requireSnapshotOnly(t *testing.T, dir string) uint64 {
	t.Helper()
	files := listData(t, dir)
	require.Len(t, files.Snapshots, 1, "snapshots in %s: %v", dir, files)
	s := files.Snapshots[0]
	require.Equal(t, []uint64{s}, files.Segments, "the covered segments are gone; the one after the snapshot remains")
	require.Empty(t, files.Other, "no temporary or stray files")
	return s
}

// TestSnapshotCommands checks the replies of SAVE, BGSAVE, BGSAVE SCHEDULE,
// BGREWRITEAOF and LASTSAVE, idle and while a snapshot is being written,
// and what INFO persistence and the data directory show afterwards.
func TestSnapshotCommands(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	n := startAOFNode(t)
	info := n.persistInfo()
	started := atoi(t, info["rdb_last_save_time"])
	require.Equal(t, started, n.rdb.LastSave(ctx).Val(), "LASTSAVE of a fresh server")
	writeKeys(t, n.rdb, "k", 100)
	require.Equal(t, "100", n.persistInfo()["rdb_changes_since_last_save"])

	runSteps(t, n.rdb, []step{
		{cmd: []any{"SAVE"}, want: "OK"},
		{cmd: []any{"BGSAVE", "now"}, err: "ERR syntax error"},
		{cmd: []any{"BGSAVE", "SCHEDULE", "x"}, err: "ERR syntax error"},
		{cmd: []any{"SAVE", "x"}, err: "ERR wrong number of arguments for 'save' command"},
		{cmd: []any{"BGREWRITEAOF", "x"}, err: "ERR wrong number of arguments for 'bgrewriteaof' command"},
		{cmd: []any{"LASTSAVE", "x"}, err: "ERR wrong number of arguments for 'lastsave' command"},
	})
	info = n.persistInfo()
	require.Equal(t, "1", info["rdb_saves"])
	require.Equal(t, "0", info["aof_rewrites"], "SAVE counts as an RDB save, as in Redis")
	require.Equal(t, "0", info["rdb_changes_since_last_save"])
	require.Equal(t, "ok", info["rdb_last_bgsave_status"])
	require.Equal(t, "0", info["rdb_last_bgsave_time_sec"])
	require.Equal(t, uint64(100), requireSnapshotOnly(t, n.Dir))
	require.Equal(t, "1", info["nadb_log_segments"])

	// LASTSAVE has a resolution of one second: save until it moves.
	saves := 1
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for n.rdb.LastSave(ctx).Val() <= started {
		require.True(t, time.Now().Before(deadline), "LASTSAVE did not move past %d in 10 s of saves", started)
		<-tick.C
		require.Equal(t, "OK", n.rdb.Save(ctx).Val())
		saves++
	}
	info = n.persistInfo()
	require.Equal(t, strconv.Itoa(saves), info["rdb_saves"])
	require.Equal(t, info["rdb_last_save_time"], strconv.FormatInt(n.rdb.LastSave(ctx).Val(), 10))

	// Idle: each background form starts a snapshot.
	for _, tc := range []struct {
		cmd  []any
		want string
	}{
		{[]any{"BGSAVE"}, "Background saving started"},
		{[]any{"bgsave", "schedule"}, "Background saving started"},
		{[]any{"BGREWRITEAOF"}, "Background append only file rewriting started"},
	} {
		require.NoError(t, n.rdb.Set(ctx, fmt.Sprint(tc.cmd...), "x", 0).Err())
		got, err := n.rdb.Do(ctx, tc.cmd...).Text()
		require.NoError(t, err, "%v", tc.cmd)
		require.Equal(t, tc.want, got, "%v", tc.cmd)
		saves++
		n.waitSaves(saves)
		requireSnapshotOnly(t, n.Dir)
	}

	// Busy: a snapshot of about 24 MB takes long enough for a pipeline of
	// commands to reach the server while it is written. During a BGSAVE,
	// as in Redis, BGSAVE (even with SCHEDULE) and SAVE are refused and
	// BGREWRITEAOF is scheduled.
	writeBig(t, n.rdb, "big", 3000, 8<<10)
	cmds := busyPipeline(t, n, "BGSAVE", "BGSAVE", "SAVE", "BGSAVE SCHEDULE", "BGREWRITEAOF", "LASTSAVE")
	require.Equal(t, "Background saving started", cmds[0].Val())
	requireRedisErr(t, cmds[1].Err(), "ERR Background save already in progress")
	requireRedisErr(t, cmds[2].Err(), "ERR Background save already in progress")
	requireRedisErr(t, cmds[3].Err(), "ERR Background save already in progress")
	require.Equal(t, "Background append only file rewriting scheduled", cmds[4].Val())
	require.Equal(t, n.rdb.LastSave(ctx).Val(), cmds[5].Val(), "LASTSAVE is the last finished save")
	// The one started, then the scheduled rewrite.
	saves += 2
	info = n.waitSaves(saves)

	// During a BGREWRITEAOF, as in Redis: BGSAVE is refused unless
	// SCHEDULE'd, BGREWRITEAOF is refused.
	cmds = busyPipeline(t, n, "BGREWRITEAOF", "BGSAVE", "BGSAVE SCHEDULE", "BGREWRITEAOF")
	require.Equal(t, "Background append only file rewriting started", cmds[0].Val())
	requireRedisErr(t, cmds[1].Err(), "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
	require.Equal(t, "Background saving scheduled", cmds[2].Val())
	requireRedisErr(t, cmds[3].Err(), "ERR Background append only file rewriting already in progress")
	saves += 2
	info = n.waitSaves(saves)
	require.Equal(t, "-1", info["rdb_current_bgsave_time_sec"])
	seq := requireSnapshotOnly(t, n.Dir)
	require.Equal(t, n.requireInfo("replication")["master_repl_offset"], strconv.FormatUint(seq, 10))
	require.Equal(t, "0", info["rdb_changes_since_last_save"])
}

// busyPipeline sends BGSAVE and then the other commands in one pipeline,
// so they arrive while the snapshot BGSAVE started is being written.
func busyPipeline(t *testing.T, n *node, commands ...string) []*redis.Cmd {
	t.Helper()
	ctx := context.Background()
	pipe := n.rdb.Pipeline()
	var cmds []*redis.Cmd
	for _, c := range commands {
		var args []any
		for _, f := range strings.Fields(c) {
			args = append(args, f)
		}
		cmds = append(cmds, pipe.Do(ctx, args...))
	}
	_, _ = pipe.Exec(ctx)
	return cmds
}

// TestSnapshotInfoDuringSave reads INFO persistence while a BGSAVE is
// written, as a monitoring system does: it must say a save is in
// progress, and the save must still succeed. (INFO persistence used to
// delete the snapshot's temporary file, failing the save.)
func TestSnapshotInfoDuringSave(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	n := startAOFNode(t)
	writeBig(t, n.rdb, "big", 3000, 8<<10)
	cmds := busyPipeline(t, n, "BGSAVE", "INFO persistence")
	require.Equal(t, "Background saving started", cmds[0].Val())
	busy := infoFields(t, cmds[1].Val().(string))
	require.Equal(t, "1", busy["rdb_bgsave_in_progress"])
	require.Equal(t, "0", busy["aof_rewrite_in_progress"], "a BGSAVE is not an AOF rewrite")
	require.Equal(t, "0", busy["aof_rewrite_scheduled"])
	require.Equal(t, "0", busy["rdb_current_bgsave_time_sec"])
	require.Equal(t, "-1", busy["aof_current_rewrite_time_sec"])
	var last map[string]string
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		m, err := n.info(context.Background(), "persistence")
		if assert.NoError(c, err) {
			last = m
			assert.Equal(c, "0", m["rdb_bgsave_in_progress"])
		}
	}, convergeTimeout, pollInterval)
	require.Equal(t, "ok", last["rdb_last_bgsave_status"], "the save succeeds:\n%s", n.Output())
	require.Equal(t, "1", last["rdb_saves"])
	requireSnapshotOnly(t, n.Dir)
}

// TestSnapshotInfoSizes checks INFO persistence's sizes against the files
// on disk, across segment cuts and snapshots.
func TestSnapshotInfoSizes(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	n := startAOFNode(t, "--aof-segment-size", "1kb")
	requireSizes := func(where string) map[string]string {
		t.Helper()
		m := n.persistInfo()
		files := listData(t, n.Dir)
		require.Equal(t, strconv.Itoa(len(files.Segments)), m["nadb_log_segments"], where)
		require.Equal(t, strconv.FormatInt(dirBytes(t, n.Dir), 10), m["aof_current_size"], "%s: aof_current_size against %d segments and %d snapshots", where, len(files.Segments), len(files.Snapshots))
		return m
	}
	requireSizes("at the start")
	for round := range 3 {
		writeKeys(t, n.rdb, fmt.Sprintf("r%d", round), 40)
		requireSizes(fmt.Sprintf("round %d, after the writes", round))
		require.Equal(t, "OK", n.rdb.Save(ctx).Val())
		m := requireSizes(fmt.Sprintf("round %d, after SAVE", round))
		require.Equal(t, m["aof_current_size"], m["aof_base_size"], "round %d: nothing written since the snapshot", round)
	}
}

// TestSnapshotWritesDuringRewrite writes unique keys from several clients
// while BGREWRITEAOF runs again and again, then kills the server (once
// right after a rewrite started): every acknowledged key survives, and a
// finished rewrite leaves one snapshot and the segment after it.
func TestSnapshotWritesDuringRewrite(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	const writers = 4
	ctx := context.Background()
	n := startAOFNode(t)
	rdb := redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1, PoolSize: writers,
		ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
	defer rdb.Close()
	var (
		mu      sync.Mutex // guards acked
		acked   = map[string]string{}
		count   atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
		errs    = make([]error, writers)
		advance = func(by int64) {
			t.Helper()
			target := count.Load() + by
			require.Eventually(t, func() bool { return count.Load() >= target }, convergeTimeout, time.Millisecond,
				"acknowledged writes did not reach %d", target)
		}
	)
	for w := range writers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				key, val := fmt.Sprintf("w%d:%d", w, i), strings.Repeat(strconv.Itoa(i), 20)
				if err := rdb.Set(ctx, key, val, 0).Err(); err != nil {
					errs[w] = err
					return
				}
				mu.Lock()
				acked[key] = val
				mu.Unlock()
				count.Add(1)
			}
		})
	}
	defer func() {
		stop.Store(true)
		n.kill()
		wg.Wait()
	}()

	for round := range 3 {
		advance(300)
		require.Equal(t, "Background append only file rewriting started", n.rdb.BgRewriteAOF(ctx).Val(), "round %d", round)
		n.waitSaves(round + 1)
		// The covered segments are gone as soon as the rewrite is counted,
		// writes or not.
		s := requireSnapshotOnly(t, n.Dir)
		snapData, frames := readAOFFrames(t, snapshotPath(n.Dir, s))
		h := decodeFrame(t, snapData, frames[0])
		require.Equal(t, "snapshot", h.Data.Mode)
		require.Equal(t, s, h.Sequence)
		keys := uint64(0)
		for _, f := range frames[1 : len(frames)-1] {
			switch op := decodeFrame(t, snapData, f); op.Type {
			case "SNAPSHOT_BATCH":
				keys += op.Data.Count
			case "SET":
				keys++
			default:
				t.Fatalf("a %s frame in a snapshot", op.Type)
			}
		}
		require.Equal(t, keys, h.Data.Count, "the keys of the frames between the header and the end marker")
		require.Equal(t, "SNAPSHOT_END", decodeFrame(t, snapData, frames[len(frames)-1]).Type)
		require.GreaterOrEqual(t, h.Data.Count, uint64(300*(round+1)), "keys in the snapshot")
	}
	// One more rewrite, and a kill -9 while it may still be running.
	advance(300)
	require.Equal(t, "Background append only file rewriting started", n.rdb.BgRewriteAOF(ctx).Val())
	advance(50)
	n.kill()
	wg.Wait() // every writer fails once the server is gone
	stop.Store(true)
	for w, err := range errs {
		require.Error(t, err, "writer %d stopped without an error", w)
	}

	n.restart()
	requireKeys(t, n.rdb, acked, "after kill -9 during a rewrite")
	size := n.rdb.DBSize(ctx).Val()
	require.GreaterOrEqual(t, size, int64(len(acked)))
	require.LessOrEqual(t, size, int64(len(acked)+writers), "at most one unacknowledged write per writer")
	require.Empty(t, listData(t, n.Dir).Other, "no temporary file left by the interrupted snapshot")
	t.Logf("%d acknowledged keys", len(acked))

	// And the restarted server compacts as well.
	require.Equal(t, "Background append only file rewriting started", n.rdb.BgRewriteAOF(ctx).Val())
	n.waitSaves(1)
	requireSnapshotOnly(t, n.Dir)
	want := n.digest()
	n.restart()
	require.Equal(t, want, n.digest())
}

// TestSnapshotRestartLoadsSnapshotAndTail restarts a server whose data
// directory holds a snapshot and operations after it (several databases,
// expiries, overwrites, deletions, a FLUSHDB): the dataset, replication ID
// and offset come back, from the snapshot plus the tail.
func TestSnapshotRestartLoadsSnapshotAndTail(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	n := startAOFNode(t)
	db3 := redis.NewClient(&redis.Options{Addr: n.Addr(), DB: 3})
	defer db3.Close()

	writeKeys(t, n.rdb, "snap", 300)
	writeKeys(t, db3, "three", 50)
	require.NoError(t, n.rdb.Expire(ctx, "snap:1", time.Hour).Err())
	require.NoError(t, n.rdb.IncrBy(ctx, "counter", 10).Err())
	require.Equal(t, "OK", n.rdb.Save(ctx).Val())
	s := requireSnapshotOnly(t, n.Dir)
	require.Equal(t, uint64(300+50+2), s)

	// The tail: overwrites, deletions, new keys, expiries, a FLUSHDB.
	writeKeys(t, n.rdb, "tail", 200)
	for i := range 30 {
		require.NoError(t, n.rdb.Set(ctx, fmt.Sprintf("snap:%d", i*3), "new", 0).Err())
		require.NoError(t, n.rdb.Del(ctx, fmt.Sprintf("snap:%d", i*3+2)).Err())
	}
	require.NoError(t, n.rdb.IncrBy(ctx, "counter", 5).Err())
	require.NoError(t, n.rdb.Expire(ctx, "tail:7", time.Hour).Err())
	require.NoError(t, db3.FlushDB(ctx).Err())
	writeKeys(t, db3, "three-again", 5)
	want := n.digest()
	repl := n.requireInfo("replication")
	offset := atoi(t, repl["master_repl_offset"])
	require.Greater(t, offset, int64(s))
	st, err := os.Stat(snapshotPath(n.Dir, s))
	require.NoError(t, err)
	// A snapshot interrupted by a crash leaves a temporary file: a start
	// removes it.
	require.NoError(t, os.WriteFile(snapshotPath(n.Dir, s+1000)+".tmp", []byte("half a snapshot"), 0o644))

	for _, mode := range []string{"sigterm", "kill9"} {
		if mode == "sigterm" {
			n.stop()
		} else {
			n.kill()
		}
		n.restart()
		where := "after a restart by " + mode
		require.Equal(t, want, n.digest(), where)
		after := n.requireInfo("replication")
		require.Equal(t, repl["master_replid"], after["master_replid"], where)
		require.Equal(t, repl["master_repl_offset"], after["master_repl_offset"], where)
		out := n.Output()
		require.Contains(t, out, "data directory loaded", where)
		require.Contains(t, out, fmt.Sprintf("snapshot=true snapshot_sequence=%d operations=%d sequence=%d", s, offset-int64(s), offset), where)
		require.Equal(t, "15", n.rdb.Get(ctx, "counter").Val(), where)
		require.Equal(t, "new", n.rdb.Get(ctx, "snap:0").Val(), where)
		require.Equal(t, int64(0), n.rdb.Exists(ctx, "snap:2").Val(), where)
		require.Equal(t, int64(5), db3.DBSize(ctx).Val(), where)
		for _, key := range []string{"snap:1", "tail:7"} {
			ttl := n.rdb.TTL(ctx, key).Val()
			require.True(t, ttl > 50*time.Minute && ttl <= time.Hour, "%s: TTL of %s is %v", where, key, ttl)
		}
		// LASTSAVE is when the loaded snapshot was written.
		require.Equal(t, st.ModTime().Unix(), n.rdb.LastSave(ctx).Val(), where)
		require.Equal(t, uint64(s), listData(t, n.Dir).Snapshots[0], where)
		require.Empty(t, listData(t, n.Dir).Other, where)
	}
}

// TestSnapshotDamaged damages the only snapshot, which the log no longer
// backs: a start must refuse rather than come up with a partial dataset.
func TestSnapshotDamaged(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	n := startAOFNode(t)
	writeKeys(t, n.rdb, "k", 50)
	require.Equal(t, "OK", n.rdb.Save(ctx).Val())
	writeKeys(t, n.rdb, "after", 5)
	n.stop()
	s := requireSnapshotOnly(t, n.Dir)
	for _, tc := range []struct {
		name   string
		damage func(data []byte, frames []aofFrame) []byte
	}{
		{"byte flipped in a key", func(data []byte, frames []aofFrame) []byte {
			f := frames[len(frames)/2]
			data[(f.Start+4+f.End)/2] ^= 0x01
			return data
		}},
		{"end marker missing", func(data []byte, frames []aofFrame) []byte {
			return data[:frames[len(frames)-1].Start]
		}},
		{"frame of keys missing", func(data []byte, frames []aofFrame) []byte {
			f := frames[1]
			return append(data[:f.Start:f.Start], data[f.End:]...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyDir(t, n.Dir)
			path := snapshotPath(dir, s)
			data, frames := readAOFFrames(t, path)
			require.NoError(t, os.WriteFile(path, tc.damage(data, frames), 0o644))
			before := readDirBytes(t, dir)
			code, out := runOnDir(t, dir)
			require.NotEqual(t, 0, code, out)
			require.Contains(t, out, "skipping a damaged snapshot")
			require.Contains(t, out, "no snapshot in "+dir+" can be read")
			require.Equal(t, before, readDirBytes(t, dir), "the refused files were modified")
		})
	}
}

// TestSnapshotAutoRewrite lowers auto-aof-rewrite-min-size and
// aof-segment-size with CONFIG SET: once the log has grown past the
// minimum, a rewrite starts by itself and the segments it covers go.
func TestSnapshotAutoRewrite(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	n := startAOFNode(t)
	for _, kv := range [][2]string{
		{"auto-aof-rewrite-percentage", "0"}, // held back while the log grows
		{"aof-segment-size", "16kb"},
		{"auto-aof-rewrite-min-size", "64kb"},
	} {
		require.NoError(t, n.rdb.ConfigSet(ctx, kv[0], kv[1]).Err(), "CONFIG SET %s %s", kv[0], kv[1])
	}
	writeBig(t, n.rdb, "k", 400, 512)
	info := n.persistInfo()
	segs := atoi(t, info["nadb_log_segments"])
	require.GreaterOrEqual(t, segs, int64(10), "a 16 KiB segment size cuts ~250 KB of writes")
	require.Len(t, listData(t, n.Dir).Segments, int(segs))
	require.Equal(t, "0", info["aof_rewrites"], "no automatic rewrite with auto-aof-rewrite-percentage 0")
	require.GreaterOrEqual(t, dirBytes(t, n.Dir), int64(64<<10))
	want := n.digest()

	require.NoError(t, n.rdb.ConfigSet(ctx, "auto-aof-rewrite-percentage", "100").Err())
	info = n.waitSaves(1)
	n.requireLogged(t, "starting an automatic rewrite")
	require.Equal(t, "1", info["nadb_log_segments"])
	s := requireSnapshotOnly(t, n.Dir)
	require.Equal(t, uint64(400), s)

	n.restart()
	require.Equal(t, want, n.digest())
}

// TestSnapshotAppendOnlyNo saves without a log: the snapshot is what a
// restart loads, under a new replication ID; writes after it are lost.
// Switching appendonly on and off again keeps the snapshot's data.
func TestSnapshotAppendOnlyNo(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	ctx := context.Background()
	n := startNode(t) // the harness passes --appendonly no
	require.Equal(t, "0", n.persistInfo()["aof_enabled"])
	writeKeys(t, n.rdb, "k", 200)
	require.Equal(t, "OK", n.rdb.Save(ctx).Val())
	files := listData(t, n.Dir)
	require.Equal(t, []uint64{200}, files.Snapshots)
	require.Empty(t, files.Segments, "appendonly no writes no log")
	want := n.digest()
	replID := n.requireInfo("replication")["master_replid"]
	require.NoError(t, n.rdb.Set(ctx, "unsaved", "1", 0).Err())

	n.kill()
	n.restart()
	require.Equal(t, want, n.digest(), "the snapshot's dataset")
	require.Equal(t, int64(0), n.rdb.Exists(ctx, "unsaved").Val(), "written after the snapshot, with no log")
	require.NotEqual(t, replID, n.requireInfo("replication")["master_replid"], "a snapshot without its log starts a new history")
	n.requireLogged(t, "snapshot=true snapshot_sequence=200")

	// appendonly yes on the same directory: the snapshot, then a log.
	n.extra = aofArgs("always")
	n.restart()
	require.Equal(t, want, n.digest())
	require.NoError(t, n.rdb.Set(ctx, "logged", "1", 0).Err())
	withLog := n.digest()
	n.kill()
	n.restart()
	require.Equal(t, withLog, n.digest(), "the snapshot and the log after it")
	require.Equal(t, []uint64{200}, listData(t, n.Dir).Snapshots)
	require.NotEmpty(t, listData(t, n.Dir).Segments)

	// appendonly no again: the segments are not loaded; SAVE then removes
	// them, since they are older than its snapshot.
	n.extra = nil
	n.restart()
	n.requireLogged(t, "appendonly is off: the log segments in the data directory are not loaded")
	require.Equal(t, want, n.digest())
	require.Equal(t, "OK", n.rdb.Save(ctx).Val())
	files = listData(t, n.Dir)
	require.Len(t, files.Snapshots, 1)
	require.Empty(t, files.Segments)
	n.restart()
	require.Equal(t, want, n.digest())
	require.NotContains(t, n.Output(), "appendonly is off")
}
