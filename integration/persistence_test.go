package integration

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// aofArgs turn on the append-only file with the given fsync policy.
func aofArgs(fsync string) []string {
	return []string{"--appendonly", "yes", "--appendfsync", fsync}
}

// aofPath is the append-only file of a server started with --dir dir.
func aofPath(dir string) string { return filepath.Join(dir, "nadb.aof") }

// aofFrame is where one NADB frame (4-byte big-endian length, then the
// payload) lies in an append-only file.
type aofFrame struct {
	Start, End int // End is exclusive
}

// readAOFFrames splits an append-only file into its frames, failing the
// test if it does not end on a frame boundary.
func readAOFFrames(t *testing.T, path string) ([]byte, []aofFrame) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var frames []aofFrame
	for off := 0; off < len(data); {
		require.LessOrEqual(t, off+4, len(data), "%s: partial length prefix at offset %d", path, off)
		end := off + 4 + int(binary.BigEndian.Uint32(data[off:]))
		require.LessOrEqual(t, end, len(data), "%s: frame at offset %d runs past the end", path, off)
		frames = append(frames, aofFrame{Start: off, End: end})
		off = end
	}
	return data, frames
}

// startAOFNode starts a primary with appendfsync always and checks the file
// exists from the start.
func startAOFNode(t *testing.T) *node {
	t.Helper()
	n := startNode(t, aofArgs("always")...)
	require.FileExists(t, aofPath(n.Dir))
	return n
}

// stopNode stops a node with SIGTERM, expecting a clean exit, and holds
// its ports until restart, as kill does.
func (n *node) stop() {
	n.t.Helper()
	require.Equal(n.t, 0, n.Stop(), "exit code after SIGTERM:\n%s", n.Output())
	n.kill() // already exited: only holds the ports
}

// TestPersistenceKill9UnderLoad kills a primary with appendfsync always at
// a random moment of a concurrent write load, restarts it on the same
// directory, and checks no acknowledged write was lost, over many cycles.
func TestPersistenceKill9UnderLoad(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	cycles, writers := 20, 6
	if testing.Short() {
		cycles = 3
	}
	ctx := context.Background()
	n := startAOFNode(t)
	acked := map[string]string{} // every key whose SET answered OK, with its value
	for cycle := range cycles {
		// No retries: a retried SET after the kill would only add noise.
		rdb := redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1, PoolSize: writers,
			ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
		// Kill once this many writes of the cycle were acknowledged, so the
		// moment is random but the load has really started, however slow
		// the machine.
		killAfter := int64(1 + rand.IntN(400))
		var (
			count    atomic.Int64
			reached  = make(chan struct{})
			once     sync.Once
			wg       sync.WaitGroup
			mu       sync.Mutex // guards the results
			results  = map[string]string{}
			firstErr = make([]error, writers)
		)
		for w := range writers {
			wg.Go(func() {
				for i := 0; ; i++ {
					key := fmt.Sprintf("k%d:%d:%d", w, cycle, i)
					val := fmt.Sprintf("v%d-%d-%d", w, cycle, i)
					if err := rdb.Set(ctx, key, val, 0).Err(); err != nil {
						firstErr[w] = err
						return
					}
					mu.Lock()
					results[key] = val
					mu.Unlock()
					if count.Add(1) == killAfter {
						once.Do(func() { close(reached) })
					}
				}
			})
		}
		select {
		case <-reached:
		case <-time.After(convergeTimeout):
			n.kill()
			wg.Wait()
			t.Fatalf("cycle %d: %d writes acknowledged in %v, want %d; errors %v", cycle, count.Load(), convergeTimeout, killAfter, firstErr)
		}
		n.kill()
		wg.Wait()
		_ = rdb.Close()
		for w, err := range firstErr {
			require.Error(t, err, "cycle %d writer %d stopped without an error", cycle, w)
		}
		mu.Lock()
		for k, v := range results {
			acked[k] = v
		}
		mu.Unlock()

		n.restart()
		requireKeys(t, n.rdb, acked, fmt.Sprintf("cycle %d (killed after %d acknowledged writes)", cycle, killAfter))
		info := n.requireInfo("persistence")
		require.Equal(t, "1", info["aof_enabled"])
		require.Equal(t, "ok", info["aof_last_write_status"])
	}
	t.Logf("%d cycles, %d acknowledged keys, %s file", cycles, len(acked), fileSize(t, aofPath(n.Dir)))
}

// requireKeys checks every key of want holds its value, reading in batches.
func requireKeys(t *testing.T, rdb *redis.Client, want map[string]string, where string) {
	t.Helper()
	ctx := context.Background()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	var missing []string
	for start := 0; start < len(keys); start += 500 {
		batch := keys[start:min(start+500, len(keys))]
		vals, err := rdb.MGet(ctx, batch...).Result()
		require.NoError(t, err)
		for i, k := range batch {
			if vals[i] != want[k] {
				missing = append(missing, fmt.Sprintf("%s=%v", k, vals[i]))
			}
		}
	}
	require.Empty(t, missing, "%s: %d of %d acknowledged keys lost or wrong", where, len(missing), len(keys))
}

func fileSize(t *testing.T, path string) string {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	return strconv.FormatInt(st.Size(), 10) + "-byte"
}

// TestPersistencePartialResyncAfterPrimaryRestart restarts a persistent
// primary, cleanly and with kill -9: it keeps its replication ID and offset,
// and its secondary resumes with a partial resync.
func TestPersistencePartialResyncAfterPrimaryRestart(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	for _, mode := range []string{"sigterm", "kill9"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			p := startAOFNode(t)
			s := startSecondary(t, p)
			writeKeys(t, p.rdb, "before", 200)
			before := requireConverged(t, p, s)
			pRepl := p.requireInfo("replication")
			pStats := p.requireInfo("stats")
			sRepl := s.requireInfo("replication")
			require.Equal(t, "1", pStats["sync_full"])
			require.Equal(t, "1", sRepl["nadb_full_syncs"])

			if mode == "sigterm" {
				p.stop()
			} else {
				// Every write above was acknowledged, so fsynced: kill -9
				// loses nothing.
				p.kill()
			}
			s.waitInfo("replication", "master_link_status", "down")
			p.restart()

			after := p.requireInfo("replication")
			require.Equal(t, pRepl["master_replid"], after["master_replid"], "replication ID after restart")
			require.Equal(t, before.Offset, after["master_repl_offset"], "offset after restart")
			require.Equal(t, before.Digest, p.rdb.Do(ctx, "DEBUG", "DIGEST").Val(), "digest after restart")

			s.waitInfo("replication", "master_link_status", "up")
			writeKeys(t, p.rdb, "after", 100)
			final := requireConverged(t, p, s)
			require.Equal(t, atoi(t, before.Offset)+100, atoi(t, final.Offset))

			pStats2 := p.requireInfo("stats") // counted since the restart
			sRepl2 := s.requireInfo("replication")
			require.GreaterOrEqual(t, atoi(t, pStats2["sync_partial_ok"]), int64(1), "primary sync_partial_ok since restart")
			require.Equal(t, "0", pStats2["sync_full"], "primary sync_full since restart")
			require.Equal(t, "0", pStats2["sync_partial_err"], "primary sync_partial_err since restart")
			require.Greater(t, atoi(t, sRepl2["nadb_partial_syncs"]), atoi(t, sRepl["nadb_partial_syncs"]))
			require.Equal(t, sRepl["nadb_full_syncs"], sRepl2["nadb_full_syncs"], "secondary full syncs")
			require.Equal(t, pRepl["master_replid"], sRepl2["master_replid"])
			require.Equal(t, int64(300), s.rdb.DBSize(ctx).Val())
		})
	}
}

// TestPersistenceTornTail damages the end of the file as a crash in the
// middle of a write would: the server cuts the incomplete frame off, says
// so, and keeps everything before it.
func TestPersistenceTornTail(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	const keys = 50
	cases := []struct {
		name string
		// damage changes the file's bytes; it returns how many bytes the
		// server should drop and whether the last key survives.
		damage func(data []byte, last aofFrame) ([]byte, int, bool)
	}{
		{"truncated last frame", func(data []byte, last aofFrame) ([]byte, int, bool) {
			return data[:len(data)-3], last.End - last.Start - 3, false
		}},
		{"last frame cut inside its length prefix", func(data []byte, last aofFrame) ([]byte, int, bool) {
			return data[:last.Start+2], 2, false
		}},
		{"partial frame appended", func(data []byte, last aofFrame) ([]byte, int, bool) {
			// The first bytes of a frame like the last one: what a crash
			// while appending leaves.
			torn := data[last.Start : last.Start+(last.End-last.Start)/2]
			return append(data, torn...), len(torn), true
		}},
		{"garbage appended", func(data []byte, last aofFrame) ([]byte, int, bool) {
			return append(data, 0, 0, 0x10), 3, true
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			n := startAOFNode(t)
			writeKeys(t, n.rdb, "key", keys)
			n.stop()

			path := aofPath(n.Dir)
			data, frames := readAOFFrames(t, path)
			require.Len(t, frames, 1+keys, "a header and one frame per SET")
			damaged, dropped, lastKept := tc.damage(data, frames[len(frames)-1])
			require.NoError(t, os.WriteFile(path, damaged, 0o644))

			n.restart()
			out := n.Output()
			require.Contains(t, out, "append-only file ends with an incomplete write; cutting it off")
			require.Contains(t, out, "bytes_dropped="+strconv.Itoa(dropped))
			for i := range keys - 1 {
				require.Equal(t, strconv.Itoa(i), n.rdb.Get(ctx, fmt.Sprintf("key:%d", i)).Val(), "key:%d", i)
			}
			last := fmt.Sprintf("key:%d", keys-1)
			if lastKept {
				require.Equal(t, strconv.Itoa(keys-1), n.rdb.Get(ctx, last).Val())
			} else {
				require.Equal(t, int64(0), n.rdb.Exists(ctx, last).Val(), "%s was in the torn frame", last)
			}
			wantKeys := int64(keys - 1)
			if lastKept {
				wantKeys = keys
			}
			require.Equal(t, wantKeys, n.rdb.DBSize(ctx).Val())

			// The file was cut back to whole frames, and new writes append
			// after them and survive another restart.
			_, frames = readAOFFrames(t, path)
			require.Len(t, frames, 1+int(wantKeys))
			require.Equal(t, strconv.FormatInt(wantKeys, 10), n.requireInfo("replication")["master_repl_offset"], "offset after the cut")
			require.NoError(t, n.rdb.Set(ctx, "after", "cut", 0).Err())
			n.restart()
			require.Equal(t, "cut", n.rdb.Get(ctx, "after").Val())
			require.Equal(t, wantKeys+1, n.rdb.DBSize(ctx).Val())
		})
	}
}

// TestPersistenceCorruptMidLog damages a frame well before the end of the
// file: the server must refuse to start, name the file and offset, and
// leave the file alone.
func TestPersistenceCorruptMidLog(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	const keys = 40
	cases := []struct {
		name   string
		damage func(data []byte, f aofFrame)
	}{
		{"payload byte flipped", func(data []byte, f aofFrame) {
			data[(f.Start+4+f.End)/2] ^= 0x01
		}},
		{"length prefix beyond the end of the file", func(data []byte, f aofFrame) {
			// Still under the frame size limit, but longer than the rest of
			// the file: indistinguishable from a torn frame by length alone.
			binary.BigEndian.PutUint32(data[f.Start:], uint32(len(data)))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := startAOFNode(t)
			writeKeys(t, n.rdb, "key", keys)
			n.stop()

			path := aofPath(n.Dir)
			data, frames := readAOFFrames(t, path)
			require.Len(t, frames, 1+keys)
			mid := frames[len(frames)/2]
			tc.damage(data, mid)
			require.NoError(t, os.WriteFile(path, data, 0o644))

			ports := freePorts(t, 2)
			args := append([]string{"--port", strconv.Itoa(ports[0])}, baseArgs(n.Dir, ports[1])...)
			code, out := runUntilExit(t, append(args, aofArgs("always")...)...)
			require.NotEqual(t, 0, code, "exit code; output:\n%s", out)
			require.Contains(t, out, "append-only file is corrupt")
			require.Contains(t, out, path)
			require.Contains(t, out, fmt.Sprintf("at offset %d", mid.Start))
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, data, after, "the refused file was modified")
		})
	}
}

// runUntilExit runs the server binary with args, expecting it to exit by
// itself within startTimeout without ever answering PING on its --port.
// It returns the exit code and the combined output.
func runUntilExit(t *testing.T, args ...string) (int, string) {
	t.Helper()
	out := &lockedBuffer{}
	cmd := exec.Command(serverBin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	setPdeathsig(cmd)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var port string
	for i, a := range args {
		if a == "--port" && i+1 < len(args) {
			port = args[i+1]
		}
	}
	deadline := time.After(startTimeout)
	for {
		select {
		case err := <-done:
			var exitErr *exec.ExitError
			if err != nil && !errors.As(err, &exitErr) {
				t.Fatalf("waiting for %s: %v", serverBin, err)
			}
			return cmd.ProcessState.ExitCode(), out.String()
		case <-deadline:
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%s still running %v after start, want an exit:\n%s", target, startTimeout, out.String())
		case <-time.After(20 * time.Millisecond):
			if port != "" && ping(net.JoinHostPort("127.0.0.1", port)) == nil {
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("%s answered PING on port %s, want an exit:\n%s", target, port, out.String())
			}
		}
	}
}

// TestPersistenceInfo checks INFO persistence reports the append-only file.
func TestPersistenceInfo(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "0"},
		{[]string{"--appendonly", "no"}, "0"},
		{aofArgs("always"), "1"},
		{aofArgs("everysec"), "1"},
		{aofArgs("no"), "1"},
	} {
		t.Run(strings.Join(append([]string{"args"}, tc.args...), " "), func(t *testing.T) {
			t.Parallel()
			n := startNode(t, tc.args...)
			info := n.requireInfo("persistence")
			require.Equal(t, tc.want, info["aof_enabled"])
			require.Equal(t, "ok", info["aof_last_write_status"])
			if tc.want == "1" {
				require.FileExists(t, aofPath(n.Dir))
			} else {
				require.NoFileExists(t, aofPath(n.Dir))
			}
		})
	}
}
