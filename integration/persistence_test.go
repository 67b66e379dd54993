package integration

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// aofArgs turn on the append-only log with the given fsync policy.
func aofArgs(fsync string) []string {
	return []string{"--appendonly", "yes", "--appendfsync", fsync}
}

// segmentPath is the log segment that holds the operations after sequence
// base, in a server's data directory.
func segmentPath(dir string, base uint64) string {
	return filepath.Join(dir, fmt.Sprintf("nadb-%020d.aof", base))
}

// snapshotPath is the snapshot at sequence seq in a server's data directory.
func snapshotPath(dir string, seq uint64) string {
	return filepath.Join(dir, fmt.Sprintf("nadb-%020d.snap", seq))
}

// dirFiles is what a data directory holds, by the numbers in the names.
type dirFiles struct {
	Segments  []uint64 // bases, oldest first
	Snapshots []uint64 // sequences, oldest first
	Other     []string // any other file name
}

var dataFileName = regexp.MustCompile(`^nadb-(\d{20})\.(aof|snap)$`)

// listData reads a data directory.
func listData(t *testing.T, dir string) dirFiles {
	t.Helper()
	files, err := scanData(dir)
	require.NoError(t, err)
	return files
}

// scanData reads a data directory; it is listData for polling functions,
// which must not fail the test themselves.
func scanData(dir string) (dirFiles, error) {
	var out dirFiles
	ents, err := os.ReadDir(dir)
	if err != nil {
		return out, err
	}
	for _, e := range ents {
		if e.Name() == lockFile {
			continue
		}
		m := dataFileName.FindStringSubmatch(e.Name())
		if m == nil {
			out.Other = append(out.Other, e.Name())
			continue
		}
		n, err := strconv.ParseUint(m[1], 10, 64)
		if err != nil {
			return out, err
		}
		if m[2] == "aof" {
			out.Segments = append(out.Segments, n)
		} else {
			out.Snapshots = append(out.Snapshots, n)
		}
	}
	slices.Sort(out.Segments)
	slices.Sort(out.Snapshots)
	return out, nil
}

// lastSegment is the newest segment of a data directory.
func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	files := listData(t, dir)
	require.NotEmpty(t, files.Segments, "no log segment in %s", dir)
	return segmentPath(dir, files.Segments[len(files.Segments)-1])
}

// dirBytes is the total size of the regular files of dir.
// lockFile is the file a running node locks in its data directory; it
// holds no data.
const lockFile = "nadb.lock"

func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var total int64
	for _, e := range ents {
		info, err := e.Info()
		require.NoError(t, err)
		if info.Mode().IsRegular() && e.Name() != lockFile {
			total += info.Size()
		}
	}
	return total
}

// copyDir copies the regular files of src into a new temporary directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644))
	}
	return dst
}

// readDirBytes reads every data file of dir (not the lock file, which
// names the last process that ran on it), by name.
func readDirBytes(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, e := range ents {
		if e.Name() == lockFile {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = data
	}
	return out
}

// aofFrame is where one NADB frame (4-byte big-endian length, then the
// payload) lies in a log segment or snapshot.
type aofFrame struct {
	Start, End int // End is exclusive
}

// readAOFFrames splits a log segment or snapshot into its frames, failing
// the test if it does not end on a frame boundary.
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

// frameJSON is the part of a frame's JSON payload the tests look at.
type frameJSON struct {
	Type     string `json:"type"`
	Sequence uint64 `json:"sequence"`
	Data     struct {
		ReplID string `json:"repl_id"`
		Mode   string `json:"mode"`
		Key    string `json:"key"`
		Count  uint64 `json:"count"`
	} `json:"data"`
}

// decodeFrame parses the payload of frame f of data.
func decodeFrame(t *testing.T, data []byte, f aofFrame) frameJSON {
	t.Helper()
	var out frameJSON
	require.NoError(t, json.Unmarshal(data[f.Start+4:f.End], &out), "frame at offset %d: %q", f.Start, data[f.Start+4:f.End])
	return out
}

// segmentHeader reads the METADATA frame that starts a log segment.
func segmentHeader(t *testing.T, path string) frameJSON {
	t.Helper()
	// Only the first frame: the segment may be in the middle of an append
	// (a live log), so its tail need not end on a frame boundary yet.
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(data), 4, "%s is empty", path)
	end := 4 + int(binary.BigEndian.Uint32(data))
	require.LessOrEqual(t, end, len(data), "%s: first frame incomplete", path)
	h := decodeFrame(t, data, aofFrame{Start: 0, End: end})
	require.Equal(t, "METADATA", h.Type, "%s: first frame", path)
	return h
}

// startAOFNode starts a primary with appendfsync always (and extra
// arguments) and checks the first log segment exists from the start.
func startAOFNode(t *testing.T, extra ...string) *node {
	t.Helper()
	n := startNode(t, append(aofArgs("always"), extra...)...)
	require.FileExists(t, segmentPath(n.Dir, 0))
	return n
}

// stop stops a node with SIGTERM, expecting a clean exit, and holds its
// ports until restart, as kill does.
func (n *node) stop() {
	n.t.Helper()
	require.Equal(n.t, 0, n.Stop(), "exit code after SIGTERM:\n%s", n.Output())
	n.kill() // already exited: only holds the ports
}

// digest is DEBUG DIGEST of a node.
func (n *node) digest() string {
	n.t.Helper()
	d, err := n.rdb.Do(context.Background(), "DEBUG", "DIGEST").Text()
	require.NoError(n.t, err)
	return d
}

// soakCycles is the number of kill cycles of a kill -9 test: def, or
// NADB_SOAK_CYCLES when set (make soak sets it to run many more).
func soakCycles(t *testing.T, def int) int {
	t.Helper()
	v := os.Getenv("NADB_SOAK_CYCLES")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "NADB_SOAK_CYCLES")
	require.Positive(t, n, "NADB_SOAK_CYCLES")
	return n
}

// TestPersistenceKill9UnderLoad kills a primary with appendfsync always at
// a random moment of a concurrent write load, restarts it on the same
// directory, and checks no acknowledged write was lost, over many cycles.
// Segments are small, so kills also land around segment cuts.
func TestPersistenceKill9UnderLoad(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	cycles, writers := soakCycles(t, 20), 6
	if testing.Short() {
		cycles = 3
	}
	n := startAOFNode(t, "--aof-segment-size", "16kb")
	acked := map[string]string{} // every key whose SET answered OK, with its value
	for cycle := range cycles {
		// Kill once this many writes of the cycle were acknowledged, so the
		// moment is random but the load has really started, however slow
		// the machine.
		killAfter := int64(1 + rand.IntN(400))
		maps.Copy(acked, killUnderLoad(t, n, writers, killAfter, fmt.Sprint(cycle)))
		n.restart()
		requireKeys(t, n.rdb, acked, fmt.Sprintf("cycle %d (killed after %d acknowledged writes)", cycle, killAfter))
		info := n.requireInfo("persistence")
		require.Equal(t, "1", info["aof_enabled"])
		require.Equal(t, "ok", info["aof_last_write_status"])
	}
	files := listData(t, n.Dir)
	require.Greater(t, len(files.Segments), 1, "the log was cut into segments")
	t.Logf("%d cycles, %d acknowledged keys, %d segments, %d bytes", cycles, len(acked), len(files.Segments), dirBytes(t, n.Dir))
}

// killUnderLoad runs writers clients that SET unique keys (named after
// tag) on n as fast as they can, kills n with SIGKILL once killAfter
// writes were acknowledged, and returns every key whose SET answered OK,
// with its value. Every writer must then have failed: none stops early.
func killUnderLoad(t *testing.T, n *node, writers int, killAfter int64, tag string) map[string]string {
	t.Helper()
	ctx := context.Background()
	// No retries: a retried SET after the kill would only add noise.
	rdb := redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1, PoolSize: writers,
		ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
	defer rdb.Close()
	var (
		count    atomic.Int64
		reached  = make(chan struct{})
		once     sync.Once
		wg       sync.WaitGroup
		mu       sync.Mutex // guards results
		results  = map[string]string{}
		firstErr = make([]error, writers)
	)
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("k%s:%d:%d", tag, w, i)
				val := fmt.Sprintf("v%s-%d-%d", tag, w, i)
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
		t.Fatalf("%s: %d writes acknowledged in %v, want %d; errors %v", tag, count.Load(), convergeTimeout, killAfter, firstErr)
	}
	n.kill()
	wg.Wait()
	for w, err := range firstErr {
		require.Error(t, err, "%s: writer %d stopped without an error", tag, w)
	}
	return results
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

// segmentedLog is a data directory whose log spans several segments: keys
// key:0 .. key:keys-1 written with a 1 KiB segment size, then tail:0 ..
// tail:tailKeys-1, all in the last segment, so that its last frames are
// ordinary SETs and not a header.
type segmentedLog struct {
	dir string
	// digests[i] is DEBUG DIGEST after the first i writes (digests[0]:
	// empty), so a restart that kept exactly i writes can be checked.
	digests []string
	writes  int // operations logged (the sequence of the last one)
}

const (
	segmentedKeys = 40
	tailKeys      = 5
)

// writeSegmentedLog runs a primary with appendfsync always and a 1 KiB
// segment size, writes one key at a time recording the digest after each,
// and stops it cleanly. The node's ports stay held until the test ends.
func writeSegmentedLog(t *testing.T) segmentedLog {
	t.Helper()
	ctx := context.Background()
	n := startAOFNode(t, "--aof-segment-size", "1kb")
	out := segmentedLog{dir: n.Dir, digests: []string{n.digest()}}
	set := func(key string, val int) {
		require.NoError(t, n.rdb.Set(ctx, key, val, 0).Err())
		out.writes++
		out.digests = append(out.digests, n.digest())
	}
	for i := range segmentedKeys {
		set(fmt.Sprintf("key:%d", i), i)
	}
	// No more cuts: the tail keys stay in the last segment.
	require.NoError(t, n.rdb.ConfigSet(ctx, "aof-segment-size", "64mb").Err())
	for i := range tailKeys {
		set(fmt.Sprintf("tail:%d", i), i)
	}
	n.stop()
	files := listData(t, out.dir)
	require.GreaterOrEqual(t, len(files.Segments), 4, "a 1 KiB segment size cuts %d SETs into several segments", segmentedKeys)
	require.Empty(t, files.Snapshots)
	// The segments chain: each starts where the one before ends.
	next := uint64(0)
	for _, base := range files.Segments {
		path := segmentPath(out.dir, base)
		data, frames := readAOFFrames(t, path)
		h := decodeFrame(t, data, frames[0])
		require.Equal(t, "METADATA", h.Type, path)
		require.Equal(t, "primary", h.Data.Mode, path)
		require.Equal(t, base, h.Sequence, "%s: header sequence", path)
		require.Equal(t, next, base, "%s: starts where the previous segment ends", path)
		for _, f := range frames[1:] {
			next++
			require.Equal(t, next, decodeFrame(t, data, f).Sequence, "%s at offset %d", path, f.Start)
		}
	}
	require.Equal(t, uint64(out.writes), next, "operations in the segments")
	return out
}

// startOnDir starts a server with appendfsync always on a data directory
// of the test's choosing.
func startOnDir(t *testing.T, dir string, extra ...string) (*Server, *redis.Client) {
	t.Helper()
	s := startServer(t, append(append([]string{"--dir", dir}, aofArgs("always")...), extra...)...)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), ReadTimeout: clientTimeout, WriteTimeout: clientTimeout})
	t.Cleanup(func() { _ = c.Close() })
	return s, c
}

// requireLoaded checks a server loaded exactly the first writes operations
// of a segmentedLog.
func requireLoaded(t *testing.T, c *redis.Client, log segmentedLog, writes int) {
	t.Helper()
	ctx := context.Background()
	require.Equal(t, log.digests[writes], c.Do(ctx, "DEBUG", "DIGEST").Val(), "digest after loading %d operations", writes)
	info := infoFields(t, c.Info(ctx, "replication").Val())
	require.Equal(t, strconv.Itoa(writes), info["master_repl_offset"], "offset after loading")
}

// TestPersistenceTornTailEveryOffset cuts the last frame of the last
// segment at every byte offset, as a crash in the middle of its write
// would: each start drops exactly the incomplete frame, says so, and loads
// everything before it from every segment.
func TestPersistenceTornTailEveryOffset(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	log := writeSegmentedLog(t)
	path := lastSegment(t, log.dir)
	_, frames := readAOFFrames(t, path)
	last := frames[len(frames)-1]
	for cut := last.Start; cut < last.End; cut++ {
		dropped := cut - last.Start
		t.Run(fmt.Sprintf("dropped_%d", dropped), func(t *testing.T) {
			t.Parallel()
			dir := copyDir(t, log.dir)
			seg := filepath.Join(dir, filepath.Base(path))
			require.NoError(t, os.Truncate(seg, int64(cut)))
			s, c := startOnDir(t, dir)
			if dropped > 0 {
				s.requireLogged(t, "log segment ends with an incomplete write; cutting it off")
			}
			out := s.Output()
			if dropped == 0 {
				// Cut on the frame boundary: a whole file, nothing to say.
				require.NotContains(t, out, "incomplete write")
			} else {
				require.Contains(t, out, "log segment ends with an incomplete write; cutting it off")
				require.Contains(t, out, filepath.Base(seg))
				require.Contains(t, out, "bytes_dropped="+strconv.Itoa(dropped)+" ")
			}
			requireLoaded(t, c, log, log.writes-1)
			st, err := os.Stat(seg)
			require.NoError(t, err)
			require.Equal(t, int64(last.Start), st.Size(), "the segment was cut back to its last whole frame")
		})
	}
}

// TestPersistenceTornTail damages the end of the last segment in other ways
// a crash can: the server cuts the incomplete write off, says so, keeps
// everything before it, and appends new writes after the cut.
func TestPersistenceTornTail(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	log := writeSegmentedLog(t)
	cases := []struct {
		name string
		// damage changes the file's bytes; it returns how many bytes the
		// server should drop and whether the last key survives.
		damage func(data []byte, last aofFrame) ([]byte, int, bool)
	}{
		{"truncated last frame", func(data []byte, last aofFrame) ([]byte, int, bool) {
			return data[:len(data)-3], last.End - last.Start - 3, false
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
			dir := copyDir(t, log.dir)
			path := lastSegment(t, dir)
			data, frames := readAOFFrames(t, path)
			damaged, dropped, lastKept := tc.damage(data, frames[len(frames)-1])
			require.NoError(t, os.WriteFile(path, damaged, 0o644))

			n := startNode(t, append([]string{"--dir", dir}, aofArgs("always")...)...)
			out := n.Output()
			require.Contains(t, out, "log segment ends with an incomplete write; cutting it off")
			require.Contains(t, out, "bytes_dropped="+strconv.Itoa(dropped)+" ")
			kept := log.writes
			if !lastKept {
				kept--
			}
			requireLoaded(t, n.rdb, log, kept)
			last := fmt.Sprintf("tail:%d", tailKeys-1)
			require.Equal(t, lastKept, n.rdb.Exists(ctx, last).Val() == 1, "%s kept", last)

			// The segment was cut back to whole frames, and new writes
			// append after them and survive another restart.
			_, after := readAOFFrames(t, path)
			require.Len(t, after, len(frames)-(log.writes-kept))
			require.NoError(t, n.rdb.Set(ctx, "after", "cut", 0).Err())
			want := n.digest()
			n.restart()
			require.Equal(t, "cut", n.rdb.Get(ctx, "after").Val())
			require.Equal(t, want, n.digest())
			require.Equal(t, strconv.Itoa(kept+1), n.requireInfo("replication")["master_repl_offset"])
		})
	}
}

// checkLog runs nadb-server check-log with args and returns its stdout and
// exit code.
func checkLog(t *testing.T, args ...string) (string, int) {
	t.Helper()
	stdout, stderr, code := runCmd(t, time.Minute, "", serverBin, append([]string{"check-log"}, args...)...)
	require.Empty(t, stderr, "check-log %v", args)
	return stdout, code
}

// TestPersistenceCorruptMidLog damages the log where a crash cannot: the
// server must refuse to start, name the file and offset, and leave the
// files alone; check-log finds the same damage and --fix cuts the segment
// at the last intact frame.
func TestPersistenceCorruptMidLog(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	log := writeSegmentedLog(t)
	// middle picks the segment to damage: the last one, or one in the
	// middle of the chain.
	middle := func(t *testing.T, dir string) (string, bool) {
		segs := listData(t, dir).Segments
		return segmentPath(dir, segs[len(segs)/2]), false
	}
	lastSeg := func(t *testing.T, dir string) (string, bool) { return lastSegment(t, dir), true }
	cases := []struct {
		name   string
		pick   func(t *testing.T, dir string) (string, bool)
		damage func(data []byte, f aofFrame)
		// flipped damage is found by check-log, which can repair it.
		checkable bool
	}{
		{"payload byte flipped in the last segment", lastSeg, func(data []byte, f aofFrame) {
			data[(f.Start+4+f.End)/2] ^= 0x01
		}, true},
		{"payload byte flipped in an earlier segment", middle, func(data []byte, f aofFrame) {
			data[(f.Start+4+f.End)/2] ^= 0x01
		}, true},
		{"length prefix beyond the end of the last segment", lastSeg, func(data []byte, f aofFrame) {
			// Still under the frame size limit, but longer than the rest of
			// the file: indistinguishable from a torn frame by length alone.
			binary.BigEndian.PutUint32(data[f.Start:], uint32(len(data)))
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyDir(t, log.dir)
			path, isLast := tc.pick(t, dir)
			data, frames := readAOFFrames(t, path)
			require.GreaterOrEqual(t, len(frames), 4, "%s: a header and at least three SETs", path)
			mid := frames[len(frames)/2]
			midSeq := decodeFrame(t, data, mid).Sequence
			tc.damage(data, mid)
			require.NoError(t, os.WriteFile(path, data, 0o644))
			before := readDirBytes(t, dir)

			code, out := runOnDir(t, dir)
			require.NotEqual(t, 0, code, "exit code; output:\n%s", out)
			require.Contains(t, out, "append-only file is corrupt")
			require.Contains(t, out, path)
			require.Contains(t, out, fmt.Sprintf("at offset %d", mid.Start))
			require.Equal(t, before, readDirBytes(t, dir), "the refused files were modified")

			// check-log finds the damage at the same place...
			report, code := checkLog(t, path)
			require.Equal(t, 1, code, report)
			require.Contains(t, report, fmt.Sprintf("%s at offset %d", path, mid.Start))
			require.Contains(t, report, fmt.Sprintf("intact up to offset %d", mid.Start))
			require.Equal(t, before, readDirBytes(t, dir), "check-log without --fix modified the files")
			// ...and --fix cuts the segment there.
			report, code = checkLog(t, path, "--fix")
			require.Equal(t, 0, code, report)
			require.Contains(t, report, fmt.Sprintf("repaired: cut to %d bytes", mid.Start))
			report, code = checkLog(t, path)
			require.Equal(t, 0, code, report)
			require.Contains(t, report, "ok")

			if isLast {
				// The repaired log loads up to the damaged frame.
				_, c := startOnDir(t, dir)
				requireLoaded(t, c, log, int(midSeq)-1)
				return
			}
			// Cutting an earlier segment leaves a gap before the next one:
			// still refused, naming the segment after the gap.
			segs := listData(t, dir).Segments
			i := slices.Index(segs, segmentHeader(t, path).Sequence)
			require.Less(t, i, len(segs)-1)
			next := segmentPath(dir, segs[i+1])
			code, out = runOnDir(t, dir)
			require.NotEqual(t, 0, code, "exit code; output:\n%s", out)
			require.Contains(t, out, next+" starts after sequence")
			require.Contains(t, out, fmt.Sprintf("the log before it stops at %d", midSeq-1))
		})
	}
}

// TestPersistenceBrokenChain damages the chain of segments rather than a
// frame: an earlier segment with a torn end, or a segment missing. A start
// must refuse and name the file rather than load a log with a hole.
func TestPersistenceBrokenChain(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	log := writeSegmentedLog(t)
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string, segs []uint64) []string // what the output must hold
	}{
		{"earlier segment torn", func(t *testing.T, dir string, segs []uint64) []string {
			path := segmentPath(dir, segs[1])
			st, err := os.Stat(path)
			require.NoError(t, err)
			require.NoError(t, os.Truncate(path, st.Size()-3))
			_, frames := readAOFFramesLenient(t, path)
			// The torn frame starts where the last whole one ends.
			return []string{path, fmt.Sprintf("at offset %d", frames[len(frames)-1].End), "incomplete write in a segment that is not the last"}
		}},
		{"middle segment missing", func(t *testing.T, dir string, segs []uint64) []string {
			require.NoError(t, os.Remove(segmentPath(dir, segs[1])))
			return []string{segmentPath(dir, segs[2]) + " starts after sequence", fmt.Sprintf("the log before it stops at %d", segs[1])}
		}},
		{"first segment missing", func(t *testing.T, dir string, segs []uint64) []string {
			require.NoError(t, os.Remove(segmentPath(dir, segs[0])))
			return []string{segmentPath(dir, segs[1]) + " starts after sequence", "no snapshot holds what comes before"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyDir(t, log.dir)
			want := tc.damage(t, dir, listData(t, dir).Segments)
			before := readDirBytes(t, dir)
			code, out := runOnDir(t, dir)
			require.NotEqual(t, 0, code, "exit code; output:\n%s", out)
			require.Contains(t, out, "append-only file is corrupt")
			for _, w := range want {
				require.Contains(t, out, w)
			}
			require.Equal(t, before, readDirBytes(t, dir), "the refused files were modified")
		})
	}
}

// readAOFFramesLenient splits a file into its whole frames, ignoring an
// incomplete one at the end.
func readAOFFramesLenient(t *testing.T, path string) ([]byte, []aofFrame) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var frames []aofFrame
	for off := 0; off+4 <= len(data); {
		end := off + 4 + int(binary.BigEndian.Uint32(data[off:]))
		if end > len(data) {
			break
		}
		frames = append(frames, aofFrame{Start: off, End: end})
		off = end
	}
	return data, frames
}

// runOnDir runs a server with appendonly on dir, expecting it to refuse to
// start; it returns the exit code and output.
func runOnDir(t *testing.T, dir string) (int, string) {
	t.Helper()
	ports := freePorts(t, 2)
	args := append([]string{"--port", strconv.Itoa(ports[0])}, baseArgs(dir, ports[1])...)
	return runUntilExit(t, append(args, aofArgs("always")...)...)
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

// TestPersistenceInfo checks INFO persistence reports the log, and that
// only appendonly yes writes segments.
func TestPersistenceInfo(t *testing.T) {
	nadbOnly(t)
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "0"}, // the harness passes --appendonly no
		{[]string{"--appendonly", "no"}, "0"},
		{[]string{"--appendonly", "yes"}, "1"},
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
			for field, want := range map[string]string{
				"loading": "0", "async_loading": "0", "rdb_changes_since_last_save": "0",
				"rdb_bgsave_in_progress": "0", "rdb_last_bgsave_status": "ok", "rdb_saves": "0",
				"rdb_last_bgsave_time_sec": "-1", "rdb_current_bgsave_time_sec": "-1",
				"aof_rewrite_in_progress": "0", "aof_rewrite_scheduled": "0", "aof_rewrites": "0",
				"aof_last_bgrewrite_status": "ok", "aof_current_rewrite_time_sec": "-1",
			} {
				require.Equal(t, want, info[field], "INFO persistence %s", field)
			}
			started := atoi(t, info["rdb_last_save_time"])
			require.InDelta(t, time.Now().Unix(), started, 60, "rdb_last_save_time of a fresh server is its start")
			files := listData(t, n.Dir)
			require.Empty(t, files.Snapshots)
			if tc.want == "1" {
				require.Equal(t, []uint64{0}, files.Segments)
				require.Equal(t, "1", info["nadb_log_segments"])
				require.Equal(t, strconv.FormatInt(dirBytes(t, n.Dir), 10), info["aof_current_size"])
				h := segmentHeader(t, segmentPath(n.Dir, 0))
				require.Equal(t, "primary", h.Data.Mode)
				require.Equal(t, n.requireInfo("replication")["master_replid"], h.Data.ReplID)
				require.NoError(t, n.rdb.Set(context.Background(), "k", "v", 0).Err())
				require.Equal(t, "1", n.requireInfo("persistence")["rdb_changes_since_last_save"])
			} else {
				require.Empty(t, files.Segments)
				require.NotContains(t, info, "nadb_log_segments")
				require.NotContains(t, info, "aof_current_size")
			}
		})
	}
}
