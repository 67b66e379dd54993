package integration

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// fillDisk writes zeros to path until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	chunk := make([]byte, 16<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			return
		}
	}
}

// TestPersistenceDiskFull runs a primary whose data directory is a 1 MiB
// tmpfs. When the disk fills, the write in flight is not acknowledged,
// later writes get MISCONF, SAVE fails, reads keep working, and writes and
// saves resume once space is freed; nothing acknowledged is lost.
func TestPersistenceDiskFull(t *testing.T) {
	nadbOnly(t)
	if os.Geteuid() != 0 {
		skipOrFail(t, "mounting a small tmpfs needs root")
	}
	fs := filepath.Join(t.TempDir(), "fs")
	require.NoError(t, os.Mkdir(fs, 0o755))
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", fs).CombinedOutput(); err != nil {
		skipOrFail(t, "cannot mount a tmpfs: %v: %s", err, out)
	}
	// Registered before the server starts, so it runs after the server
	// was killed.
	t.Cleanup(func() { _ = exec.Command("umount", "-l", fs).Run() })

	args := []string{"--dir", fs, "--appendonly", "yes", "--appendfsync", "always"}
	s := startServer(t, args...)
	// No retries: a write whose connection is closed must stay failed.
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "before", "v", 0).Err())

	filler := filepath.Join(fs, "filler")
	fillDisk(t, filler)
	big := strings.Repeat("x", 8000)
	require.Error(t, c.Set(ctx, "in-flight", big, 0).Err(), "a write that cannot be logged is not acknowledged")
	err := c.Set(ctx, "refused", big, 0).Err()
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "MISCONF Errors writing to the AOF file"), "got %v", err)
	var rerr redis.Error
	require.True(t, errors.As(err, &rerr), "MISCONF is an error reply, the connection stays usable")
	require.Equal(t, "v", c.Get(ctx, "before").Val(), "reads keep working")
	require.Contains(t, c.Info(ctx, "persistence").Val(), "aof_last_write_status:err")
	// A snapshot cannot be written either: SAVE fails with Redis's bare
	// reply, and leaves no partial file behind.
	requireRedisErr(t, c.Do(ctx, "SAVE").Err(), "ERR")
	info := c.Info(ctx, "persistence").Val()
	require.Contains(t, info, "rdb_last_bgsave_status:err")
	require.Contains(t, info, "rdb_saves:0")
	files := listData(t, fs)
	require.Empty(t, files.Snapshots)
	require.Equal(t, []string{"filler"}, files.Other, "no temporary snapshot left")

	require.NoError(t, os.Remove(filler))
	require.Eventually(t, func() bool { return c.Set(ctx, "after", "1", 0).Err() == nil }, 20*time.Second, 50*time.Millisecond,
		"writes resume once the disk has room")
	require.Contains(t, c.Info(ctx, "persistence").Val(), "aof_last_write_status:ok")
	require.Equal(t, "OK", c.Save(ctx).Val(), "SAVE works again")
	require.Contains(t, c.Info(ctx, "persistence").Val(), "rdb_last_bgsave_status:ok")
	require.Len(t, listData(t, fs).Snapshots, 1)
	require.NoError(t, c.Set(ctx, "after-save", "1", 0).Err())

	// Everything acknowledged is in the file.
	s.Kill()
	s2 := startServer(t, args...)
	c2 := s2.Client()
	require.Equal(t, "v", c2.Get(ctx, "before").Val())
	require.Equal(t, "1", c2.Get(ctx, "after").Val())
	require.Equal(t, "1", c2.Get(ctx, "after-save").Val())
	require.Equal(t, int64(0), c2.Exists(ctx, "refused").Val(), "a write refused with MISCONF was never applied")
	// The write in flight was applied but not acknowledged: it may be
	// there or not.
	require.Contains(t, []int64{3, 4}, c2.DBSize(ctx).Val())
}
