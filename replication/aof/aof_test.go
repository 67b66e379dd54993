package aof

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

// aofLogger discards logs (LoadAOF needs a non-nil logger for its warning).
func aofLogger() *slog.Logger {
	if os.Getenv("NADB_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

const aofDBs = 16

// openAOFAt opens the one-segment log at path (created when missing) for
// history (replID, base) whose last operation on disk is last.
func openAOFAt(path, replID string, base, last uint64, policy FsyncPolicy) (*AOF, error) {
	var segs []Segment
	if _, err := os.Stat(path); err == nil {
		segs = []Segment{{Base: base, Path: path, ReplID: replID, Role: RolePrimary}}
	}
	return OpenAOF(AOFOptions{Segments: segs, NameFor: func(uint64) string { return path },
		ReplID: replID, Role: RolePrimary, Last: last, Policy: policy, Logger: aofLogger()})
}

// aofSource is a primary's write path persisted to an AOF: an engine whose
// sink is a MemLog that appends to the file.
type aofSource struct {
	eng *engine.Engine
	log *testLog
	aof *AOF
}

// newAOFSource opens (or creates) the AOF at path for history (replID,
// base) and returns an engine logging into it from sequence next.
func newAOFSource(t *testing.T, path, replID string, base, next uint64, policy FsyncPolicy) *aofSource {
	t.Helper()
	a, err := openAOFAt(path, replID, base, base, policy)
	require.NoError(t, err)
	l := newTestLog(aofDBs, next)
	l.SetAOF(a)
	eng := engine.New(engine.Options{Databases: aofDBs, Sink: l})
	return &aofSource{eng: eng, log: l, aof: a}
}

// groupsOf returns the log's entries from seq on as their groups.
func groupsOf(t *testing.T, l *testLog, seq uint64) [][]engine.Effect {
	t.Helper()
	var out [][]engine.Effect
	var cur []engine.Effect
	for _, e := range readAll(t, l, seq) {
		cur = append(cur, e.Effect)
		if len(cur) >= max(e.Group, 1) {
			out = append(out, cur)
			cur = nil
		}
	}
	require.Empty(t, cur, "the log ends inside a group")
	return out
}

// writeWorkload makes the engine produce every kind of effect; the last
// group is a single SET so the file ends with a one-frame group.
func writeWorkload(eng *engine.Engine) {
	later := time.Now().Add(time.Hour).UnixMilli()
	eng.Set(0, "plain", []byte("value"), engine.SetOptions{})
	eng.Set(0, "ttl", []byte("expires"), engine.SetOptions{ExpireAt: later})
	eng.Set(1, "\xff\x00bin\x80key", []byte{0, 1, 2, 0xfe, 0xff, '"', '\\'}, engine.SetOptions{})
	eng.Set(1, "empty", []byte{}, engine.SetOptions{})
	eng.Set(2, "gone", []byte("soon"), engine.SetOptions{})
	eng.Del(2, []string{"gone"})
	eng.Expire(0, "plain", later+5000, engine.ExpireAlways)
	eng.Set(3, "x", []byte("y"), engine.SetOptions{})
	eng.FlushDB(3)
	eng.FlushAll()
	eng.MSet(0, [][]byte{[]byte("m1"), []byte("v1"), []byte("m\xc3\x28"), []byte("\xc3\x28"), []byte("m3"), []byte("v3")}, false)
	eng.Set(5, "ttl5", []byte("t"), engine.SetOptions{ExpireAt: later})
	eng.Expire(5, "ttl5", 0, engine.ExpireAlways) // PERSIST-like
	eng.Set(7, "last", []byte("single"), engine.SetOptions{})
}

// applyHistory applies h to a fresh engine and returns its digest.
func applyHistory(h *History) engine.Digest {
	eng := engine.New(engine.Options{Databases: aofDBs})
	for _, g := range h.Groups {
		eng.Apply(g, nil)
	}
	return eng.Digest()
}

// frameBounds returns the start offset of every frame of a file and, last,
// its size.
func frameBounds(t *testing.T, b []byte) []int {
	t.Helper()
	var out []int
	off := 0
	for off < len(b) {
		out = append(out, off)
		require.LessOrEqual(t, off+4, len(b))
		off += 4 + int(binary.BigEndian.Uint32(b[off:]))
	}
	require.Equal(t, len(b), off)
	return append(out, off)
}

// writeFile writes b to a fresh file in a temp dir and returns its path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// sampleAOF writes the workload to a new AOF (base 41) and returns the file
// bytes, the expected groups and the source digest.
func sampleAOF(t *testing.T) (b []byte, groups [][]engine.Effect, digest engine.Digest) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sample.aof")
	src := newAOFSource(t, path, "sample-repl-id", 41, 42, FsyncEverySec)
	writeWorkload(src.eng)
	require.NoError(t, src.aof.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b, groupsOf(t, src.log, 42), src.eng.Digest()
}

func TestAOFRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nadb.aof")
	const base = 1000
	src := newAOFSource(t, path, "0123456789abcdef", base, base+1, FsyncEverySec)
	writeWorkload(src.eng)
	require.NoError(t, src.aof.Close())

	want := groupsOf(t, src.log, base+1)
	h, err := loadAOF(path, aofDBs, aofLogger())
	require.NoError(t, err)
	require.NotNil(t, h)
	require.Equal(t, "0123456789abcdef", h.ReplID)
	require.Equal(t, uint64(base), h.Base)
	require.Equal(t, src.log.Last(), h.Last)
	require.Equal(t, want, h.Groups)

	// FLUSHALL is one group of one FLUSH per database.
	var flushAll []engine.Effect
	for _, g := range h.Groups {
		if len(g) == aofDBs {
			flushAll = g
		}
	}
	require.Len(t, flushAll, aofDBs, "no FLUSHALL group")
	for db, ef := range flushAll {
		require.Equal(t, engine.Effect{Kind: engine.EffectFlushDB, DB: db}, ef)
	}
	// The MSET is one group of three.
	require.Contains(t, h.Groups, []engine.Effect{
		{Kind: engine.EffectSet, Key: "m1", Value: []byte("v1")},
		{Kind: engine.EffectSet, Key: "m\xc3\x28", Value: []byte("\xc3\x28")},
		{Kind: engine.EffectSet, Key: "m3", Value: []byte("v3")},
	})

	require.Equal(t, src.eng.Digest(), applyHistory(h))
	require.NotEqual(t, engine.New(engine.Options{}).Digest(), applyHistory(h))
}

func TestAOFReopenAndAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nadb.aof")
	src := newAOFSource(t, path, "rid", 0, 1, FsyncAlways)
	writeWorkload(src.eng)
	require.NoError(t, src.aof.Close())
	size1 := fileSize(t, path)

	h, err := loadAOF(path, aofDBs, aofLogger())
	require.NoError(t, err)
	require.Equal(t, src.log.Last(), h.Last)

	// Restart: the engine is rebuilt from the history, as the server does.
	a, err := openAOFAt(path, h.ReplID, h.Base, h.Last, FsyncAlways)
	require.NoError(t, err)
	l := newTestLog(aofDBs, h.Base+1)
	eng := engine.New(engine.Options{Databases: aofDBs, Sink: l})
	for _, g := range h.Groups {
		eng.Apply(g, nil)
		l.Record(g, engine.Digest{}, 0)
	}
	require.Equal(t, h.Last, l.Last())
	l.SetAOF(a)
	eng.Set(9, "after", []byte("restart"), engine.SetOptions{})
	eng.MSet(9, [][]byte{[]byte("a"), []byte("1"), []byte("b"), []byte("2")}, false)
	eng.Del(0, []string{"m1"})
	require.NoError(t, a.WaitDurable(l.Last()))
	require.NoError(t, a.Close())

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Greater(t, len(b), int(size1))
	// Exactly one header: the first frame of the old file.
	bounds := frameBounds(t, b)
	var op frame.Op
	var dec frame.Decoder
	headers := 0
	for i := 0; i+1 < len(bounds); i++ {
		_, err := dec.DecodeFrame(b[bounds[i]:bounds[i+1]], &op)
		require.NoError(t, err)
		if op.Type == frame.OpMetadata {
			headers++
		}
	}
	require.Equal(t, 1, headers)

	h2, err := loadAOF(path, aofDBs, aofLogger())
	require.NoError(t, err)
	require.Equal(t, h.ReplID, h2.ReplID)
	require.Equal(t, h.Base, h2.Base)
	require.Equal(t, l.Last(), h2.Last)
	require.Equal(t, groupsOf(t, l, h.Base+1), h2.Groups)
	require.Equal(t, eng.Digest(), applyHistory(h2))
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	return st.Size()
}

func TestAOFTornTail(t *testing.T) {
	b, groups, _ := sampleAOF(t)
	bounds := frameBounds(t, b)
	size := len(b)
	lastStart := bounds[len(bounds)-2]
	require.Len(t, groups[len(groups)-1], 1, "the workload must end with a single-operation group")
	dir := t.TempDir()

	t.Run("every length inside the last frame", func(t *testing.T) {
		for n := lastStart; n < size; n++ {
			p := writeFile(t, dir, "torn.aof", b[:n])
			h, err := loadAOF(p, aofDBs, aofLogger())
			require.NoError(t, err, "length %d", n)
			require.Equal(t, groups[:len(groups)-1], h.Groups, "length %d", n)
			require.Equal(t, uint64(41), h.Base)
			require.Equal(t, uint64(41+len(bounds)-3), h.Last, "length %d", n)
			got, err := os.ReadFile(p)
			require.NoError(t, err)
			require.Equal(t, b[:lastStart], got, "length %d: the file is not cut back to the last complete group", n)
		}
	})

	t.Run("torn multi-operation group", func(t *testing.T) {
		// Cut the file after the MSET group (three frames), then tear it.
		var msetEnd int
		seq, nth := 0, 1 // nth 0 is the header
		for gi, g := range groups {
			nth += len(g)
			if len(g) == 3 {
				msetEnd = nth
				seq = gi
				break
			}
		}
		require.NotZero(t, msetEnd)
		file := b[:bounds[msetEnd]]
		groupStart := bounds[msetEnd-3]
		for _, n := range []int{
			bounds[msetEnd-1] + 1,  // inside the last member's length
			bounds[msetEnd-1] + 10, // inside its payload
			bounds[msetEnd] - 1,    // one byte short
			bounds[msetEnd-1],      // two complete members of three
			bounds[msetEnd-2],      // one complete member of three
			bounds[msetEnd-2] + 7,  // inside the second member
			groupStart + 3,         // inside the first member's length
		} {
			p := writeFile(t, dir, "group.aof", file[:n])
			h, err := loadAOF(p, aofDBs, aofLogger())
			require.NoError(t, err, "length %d", n)
			require.Equal(t, groups[:seq], h.Groups, "length %d", n)
			require.Equal(t, uint64(41+msetEnd-4), h.Last, "length %d", n)
			require.Equal(t, int64(groupStart), fileSize(t, p), "length %d", n)
		}
	})

	t.Run("bit flip in the last frame's payload", func(t *testing.T) {
		for i := lastStart + 4; i < size; i++ {
			for _, mask := range []byte{0x01, 0x20, 0x80} {
				c := bytes.Clone(b)
				c[i] ^= mask
				p := writeFile(t, dir, "flip.aof", c)
				h, err := loadAOF(p, aofDBs, aofLogger())
				require.NoError(t, err, "byte %d mask %#x", i, mask)
				require.Equal(t, groups[:len(groups)-1], h.Groups, "byte %d mask %#x", i, mask)
				require.Equal(t, int64(lastStart), fileSize(t, p), "byte %d mask %#x", i, mask)
			}
		}
	})
}

func TestAOFCorruptMidLog(t *testing.T) {
	b, _, _ := sampleAOF(t)
	bounds := frameBounds(t, b)
	dir := t.TempDir()

	requireCorrupt := func(t *testing.T, c []byte, offset int, what string) {
		t.Helper()
		p := writeFile(t, dir, "corrupt.aof", c)
		h, err := loadAOF(p, aofDBs, aofLogger())
		require.Error(t, err, what)
		require.Nil(t, h, what)
		require.ErrorIs(t, err, ErrCorruptLog, what)
		require.Contains(t, err.Error(), p, what)
		require.Contains(t, err.Error(), "offset "+strconv.Itoa(offset), what)
		got, rerr := os.ReadFile(p)
		require.NoError(t, rerr)
		require.Equal(t, c, got, "%s: the file was modified", what)
	}

	t.Run("payload bit flips", func(t *testing.T) {
		// Every payload byte of the header, of the first data frame and
		// of the frame before the last.
		for _, fi := range []int{0, 1, len(bounds) - 3} {
			for i := bounds[fi] + 4; i < bounds[fi+1]; i++ {
				c := bytes.Clone(b)
				c[i] ^= 0x01
				what := fmt.Sprintf("frame %d byte %d", fi, i)
				if fi == 0 {
					// A damaged header: the header is the bad frame.
					requireCorrupt(t, c, 0, what)
					continue
				}
				requireCorrupt(t, c, bounds[fi], what)
			}
		}
	})

	t.Run("length prefix bit flips", func(t *testing.T) {
		// A frame in the middle whose length prefix is damaged must not
		// be taken for a torn tail: that would silently drop every
		// later frame.
		fi := 2
		var silent []string
		for i := bounds[fi]; i < bounds[fi]+4; i++ {
			for bit := range 8 {
				c := bytes.Clone(b)
				c[i] ^= 1 << bit
				p := writeFile(t, dir, "len.aof", c)
				h, err := loadAOF(p, aofDBs, aofLogger())
				got, rerr := os.ReadFile(p)
				require.NoError(t, rerr)
				if !errors.Is(err, ErrCorruptLog) {
					n := 0
					if h != nil {
						n = len(h.Groups)
					}
					silent = append(silent, fmt.Sprintf("byte %d bit %d: err %v, %d groups kept, file cut from %d to %d bytes",
						i-bounds[fi], bit, err, n, len(c), len(got)))
					continue
				}
				require.Equal(t, c, got, "byte %d bit %d: the file was modified", i, bit)
			}
		}
		require.Empty(t, silent, "length-prefix damage to frame %d of %d (offset %d) taken for a torn tail", fi, len(bounds)-1, bounds[fi])
	})

	var enc frame.Encoder
	encodeOp := func(op *frame.Op) []byte {
		f, err := enc.AppendFrame(nil, op)
		require.NoError(t, err)
		return f
	}
	header := func(seq uint64) []byte {
		return encodeOp(&frame.Op{Type: frame.OpMetadata, Sequence: seq, Timestamp: 1, ReplID: []byte("r"), Has: frame.FieldReplID})
	}
	set := func(seq uint64) []byte {
		return encodeOp(&frame.Op{Type: frame.OpSet, Sequence: seq, Timestamp: 1, Key: []byte("k"), Value: []byte("v"), DB: []byte("0"),
			Has: frame.FieldKey | frame.FieldValue | frame.FieldDB})
	}

	t.Run("no header", func(t *testing.T) {
		c := append(set(1), set(2)...)
		requireCorrupt(t, c, 0, "no header")
	})

	t.Run("sequence gap", func(t *testing.T) {
		c := header(10)
		c = append(c, set(11)...)
		off := len(c)
		c = append(c, set(13)...)
		c = append(c, set(14)...)
		requireCorrupt(t, c, off, "gap")
	})

	t.Run("sequence repeated", func(t *testing.T) {
		c := header(10)
		c = append(c, set(11)...)
		off := len(c)
		c = append(c, set(11)...)
		c = append(c, set(12)...)
		requireCorrupt(t, c, off, "repeat")
	})

	t.Run("valid hand-made file", func(t *testing.T) {
		c := header(10)
		c = append(c, set(11)...)
		c = append(c, set(12)...)
		p := writeFile(t, dir, "ok.aof", c)
		h, err := loadAOF(p, aofDBs, aofLogger())
		require.NoError(t, err)
		require.Equal(t, &History{ReplID: "r", Role: RolePrimary, Base: 10, Last: 12, Groups: [][]engine.Effect{
			{{Kind: engine.EffectSet, Key: "k", Value: []byte("v")}},
			{{Kind: engine.EffectSet, Key: "k", Value: []byte("v")}},
		}}, h)
	})
}

func TestAOFMissingFile(t *testing.T) {
	h, err := loadAOF(filepath.Join(t.TempDir(), "none.aof"), aofDBs, aofLogger())
	require.NoError(t, err)
	require.Nil(t, h)
}

// TestAOFEmptyFile: a crash between OpenAOF creating the file and writing
// its header leaves an empty file. OpenAOF treats an empty file as new (it
// writes the header), so LoadAOF should too rather than refuse to start.
func TestAOFEmptyFile(t *testing.T) {
	p := writeFile(t, t.TempDir(), "empty.aof", nil)
	h, err := loadAOF(p, aofDBs, aofLogger())
	require.NoError(t, err, "an empty file (crash before the header was written) should load as no history")
	require.Nil(t, h)
}

// waitWithin runs f in a goroutine and fails unless it returns within d.
func waitWithin(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("did not return within %v", d)
		return nil
	}
}

func TestAOFWaitDurable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy FsyncPolicy
		within time.Duration
	}{
		{"always", FsyncAlways, 500 * time.Millisecond},
		{"everysec", FsyncEverySec, 500 * time.Millisecond},
		{"no", FsyncNo, 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "nadb.aof")
			src := newAOFSource(t, path, "rid", 0, 1, tc.policy)
			defer src.aof.Close()
			require.Equal(t, tc.policy, src.aof.Policy())
			before := fileSize(t, path)
			src.eng.Set(0, "k", []byte("durable"), engine.SetOptions{})
			seq := src.log.Last()
			start := time.Now()
			require.NoError(t, waitWithin(t, tc.within+2*time.Second, func() error { return src.aof.Wait(seq) }))
			require.Less(t, time.Since(start), tc.within)
			require.NoError(t, src.aof.WriteError())
			require.Greater(t, fileSize(t, path), before)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			require.True(t, bytes.Contains(b, []byte(`"durable"`)))

			// Concurrent writers all get acknowledged.
			errs := make(chan error, 8)
			for i := range 8 {
				go func() {
					src.eng.Set(1, fmt.Sprint("c", i), []byte("v"), engine.SetOptions{})
					errs <- src.aof.Wait(src.log.Last())
				}()
			}
			for range 8 {
				select {
				case err := <-errs:
					require.NoError(t, err)
				case <-time.After(tc.within + 2*time.Second):
					t.Fatal("a concurrent writer was not acknowledged")
				}
			}
		})
	}
}

func TestAOFCloseFlushes(t *testing.T) {
	for _, policy := range []FsyncPolicy{FsyncAlways, FsyncEverySec, FsyncNo} {
		t.Run(strconv.Itoa(int(policy)), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "nadb.aof")
			src := newAOFSource(t, path, "rid", 5, 6, policy)
			for i := range 50 {
				src.eng.Set(i%aofDBs, fmt.Sprint("k", i), []byte(fmt.Sprint("v", i)), engine.SetOptions{})
			}
			src.eng.Set(0, "very-last", []byte("write"), engine.SetOptions{})
			require.NoError(t, src.aof.Close())
			require.NoError(t, src.aof.Close(), "a second Close")
			// Waiting after Close does not block.
			require.NoError(t, waitWithin(t, 2*time.Second, func() error { return src.aof.Wait(src.log.Last()) }))

			h, err := loadAOF(path, aofDBs, aofLogger())
			require.NoError(t, err)
			require.Equal(t, src.log.Last(), h.Last)
			require.Equal(t, uint64(5), h.Base)
			require.Len(t, h.Groups, 51)
			require.Equal(t, engine.Effect{Kind: engine.EffectSet, Key: "very-last", Value: []byte("write")}, h.Groups[50][0])
			require.Equal(t, src.eng.Digest(), applyHistory(h))
		})
	}
}

// TestAOFReopenWaitDurable: after a restart, a write command that changes
// nothing (DEL of a missing key) makes the server wait for the last logged
// sequence, which is already on disk. With appendfsync always it must not
// block.
func TestAOFReopenWaitDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nadb.aof")
	src := newAOFSource(t, path, "rid", 0, 1, FsyncAlways)
	writeWorkload(src.eng)
	require.NoError(t, src.aof.Close())
	h, err := loadAOF(path, aofDBs, aofLogger())
	require.NoError(t, err)

	// As cmd/nadb-server's openPersistence does.
	a, err := openAOFAt(path, h.ReplID, h.Base, h.Last, FsyncAlways)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.WaitDurable(h.Last) }()
	select {
	case err := <-done:
		require.NoError(t, err)
		require.NoError(t, a.Close())
	case <-time.After(3 * time.Second):
		require.NoError(t, a.Close()) // unblocks the waiter
		<-done
		t.Fatalf("WaitDurable(%d) on a reopened file (OpenAOF base %d) still blocked after 3s", h.Last, h.Base)
	}
}

// TestAOFWriteError makes the file unwritable by closing its descriptor
// under the AOF (white box: the package has no seam for a failing file).
func TestAOFWriteError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nadb.aof")
	src := newAOFSource(t, path, "rid", 0, 1, FsyncAlways)
	src.eng.Set(0, "ok", []byte("1"), engine.SetOptions{})
	require.NoError(t, src.aof.WaitDurable(src.log.Last()))
	require.NoError(t, src.aof.WriteError())

	require.NoError(t, src.aof.f.Close())
	src.eng.Set(0, "lost", []byte("2"), engine.SetOptions{})
	err := waitWithin(t, 3*time.Second, func() error { return src.aof.WaitDurable(src.log.Last()) })
	require.Error(t, err)
	require.ErrorIs(t, err, os.ErrClosed)
	require.ErrorIs(t, src.aof.WriteError(), os.ErrClosed)
	// Later waiters see the error at once.
	require.Error(t, waitWithin(t, time.Second, func() error { return src.aof.WaitDurable(src.log.Last()) }))
	require.Error(t, src.aof.Close())

	h, err := loadAOF(path, aofDBs, aofLogger())
	require.NoError(t, err)
	require.Equal(t, uint64(1), h.Last)
}

func FuzzLoadAOF(f *testing.F) {
	var enc frame.Encoder
	var file []byte
	add := func(op *frame.Op) {
		var err error
		file, err = enc.AppendFrame(file, op)
		if err != nil {
			f.Fatal(err)
		}
	}
	add(&frame.Op{Type: frame.OpMetadata, Sequence: 7, Timestamp: 1, ReplID: []byte("rid"), Has: frame.FieldReplID})
	add(&frame.Op{Type: frame.OpSet, Sequence: 8, Timestamp: 1.5, Key: []byte("k"), Value: []byte{0xff, 0}, DB: []byte("3"),
		ExpireAtMs: 1 << 41, TTL: 5, Has: frame.FieldKey | frame.FieldValue | frame.FieldDB | frame.FieldExpireAt | frame.FieldTTL})
	add(&frame.Op{Type: frame.OpDelete, Sequence: 9, Timestamp: 2, Key: []byte("k"), Group: 2, Has: frame.FieldKey | frame.FieldGroup})
	add(&frame.Op{Type: frame.OpFlush, Sequence: 10, Timestamp: 2, DB: []byte("1"), Group: 2, Has: frame.FieldDB | frame.FieldGroup})
	add(&frame.Op{Type: frame.OpSetTTL, Sequence: 11, Timestamp: 3, Key: []byte("x"), ExpireAtMs: 0, Has: frame.FieldKey | frame.FieldExpireAt})
	// Two groups in one OP_BATCH frame, as the node's log writes them.
	var be frame.OpBatchEncoder
	batch, err := be.AppendBatch(nil, []frame.Entry{
		{Seq: 12, Group: 1, TimeMs: 4000, Effect: engine.Effect{Kind: engine.EffectSet, DB: 2, Key: "b", Value: []byte("v")}},
		{Seq: 13, Group: 2, TimeMs: 4000, Effect: engine.Effect{Kind: engine.EffectDelete, Key: "b"}},
		{Seq: 14, Group: 2, TimeMs: 4000, Effect: engine.Effect{Kind: engine.EffectExpire, Key: "k", ExpireAt: 1 << 41}},
	})
	if err != nil {
		f.Fatal(err)
	}
	file = append(file, batch...)
	f.Add(file)
	f.Add([]byte{})
	for _, n := range []int{3, 4, 20, len(file) / 2, len(file) - 1} {
		f.Add(bytes.Clone(file[:n]))
	}
	for _, i := range []int{0, 3, 10, len(file) / 2, len(file) - 5} {
		c := bytes.Clone(file)
		c[i] ^= 0x10
		f.Add(c)
	}
	dir := f.TempDir()
	logger := aofLogger()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.aof")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		h, err := loadAOF(p, aofDBs, logger)
		if err != nil {
			if !errors.Is(err, ErrCorruptLog) {
				t.Fatalf("error not wrapping ErrCorruptLog: %v", err)
			}
			got, rerr := os.ReadFile(p)
			if rerr != nil || !bytes.Equal(got, data) {
				t.Fatalf("a failed load changed the file")
			}
			return
		}
		if h == nil {
			// No history: the file was empty or held only a torn header,
			// which is cut away.
			if got, rerr := os.ReadFile(p); rerr != nil || len(got) != 0 {
				t.Fatalf("nil history but the file still holds %d bytes", len(got))
			}
			return
		}
		got, rerr := os.ReadFile(p)
		if rerr != nil || !bytes.HasPrefix(data, got) {
			t.Fatalf("the file is not a prefix of what was written")
		}
		if h.Last < h.Base {
			t.Fatalf("Last %d before Base %d", h.Last, h.Base)
		}
		h2, err := loadAOF(p, aofDBs, logger)
		if err != nil {
			t.Fatalf("second load: %v", err)
		}
		if !historiesEqual(h, h2) {
			t.Fatalf("second load differs:\n%+v\n%+v", h, h2)
		}
		if fi, _ := os.Stat(p); fi.Size() != int64(len(got)) {
			t.Fatalf("second load cut the file again")
		}
		// Handed out one at a time (a start that applies as it reads),
		// the groups are the same, each continuing the one before.
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		streamed := &History{ReplID: h.ReplID, Base: h.Base, Last: h.Base}
		sc, err := scanAOF(f, p, aofDBs, 0, nil, func(g []engine.Effect, before, last uint64) {
			if before != streamed.Last || last <= before {
				t.Fatalf("group %d..%d after %d", before+1, last, streamed.Last)
			}
			streamed.Groups = append(streamed.Groups, g)
			streamed.Last = last
		})
		if err != nil || sc.history == nil || len(sc.history.Groups) != 0 {
			t.Fatalf("streamed scan: %v, history %+v", err, sc.history)
		}
		if !historiesEqual(h, streamed) {
			t.Fatalf("streamed groups differ:\n%+v\n%+v", h, streamed)
		}
	})
}

func historiesEqual(a, b *History) bool {
	if a.ReplID != b.ReplID || a.Base != b.Base || a.Last != b.Last || len(a.Groups) != len(b.Groups) {
		return false
	}
	for i := range a.Groups {
		if len(a.Groups[i]) != len(b.Groups[i]) {
			return false
		}
		for j := range a.Groups[i] {
			x, y := a.Groups[i][j], b.Groups[i][j]
			if x.Kind != y.Kind || x.DB != y.DB || x.Key != y.Key || x.ExpireAt != y.ExpireAt || !bytes.Equal(x.Value, y.Value) {
				return false
			}
		}
	}
	return true
}

// loadAOF reads one segment file as a start would (Recover reads a whole
// directory): a missing file gives a nil History; a torn or corrupt last
// frame is cut off with a warning; damage elsewhere fails with
// ErrCorruptLog naming the file and offset.
func loadAOF(path string, dbs int, logger *slog.Logger) (*History, error) {
	var progress func(read, size int64)
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc, err := scanAOF(f, path, dbs, 0, progress, nil)
	if err != nil {
		return nil, err
	}
	if sc.corrupt != nil {
		return nil, sc.corrupt
	}
	if sc.good < sc.size {
		if sc.history == nil {
			logger.Warn("append-only file has only a torn header; starting a new one", "file", path, "bytes_dropped", sc.size)
		} else {
			logger.Warn("append-only file ends with an incomplete write; cutting it off", "file", path, "bytes_dropped", sc.size-sc.good, "last_sequence", sc.history.Last)
		}
		if err := f.Truncate(sc.good); err != nil {
			return nil, err
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
	}
	return sc.history, nil
}
