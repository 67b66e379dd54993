package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/nadb-server/nadb-server/replication/aof"
	"github.com/stretchr/testify/require"
)

func TestCheckLogCommand(t *testing.T) {
	runCheck := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(append([]string{"check-log"}, args...), func(string) string { return "" }, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	path := filepath.Join(t.TempDir(), "nadb.aof")
	a, err := aof.OpenAOF(aof.AOFOptions{NameFor: func(uint64) string { return path }, ReplID: "rid", Policy: aof.FsyncAlways})
	require.NoError(t, err)
	require.NoError(t, a.Close())

	code, out, _ := runCheck(path)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "ok")

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte{0, 0, 1})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	code, out, _ = runCheck(path)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "incomplete write")

	code, out, _ = runCheck(path, "--fix")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "repaired")
	code, _, _ = runCheck(path)
	require.Equal(t, 0, code)

	code, _, errOut := runCheck()
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "usage")
	code, _, errOut = runCheck(filepath.Join(t.TempDir(), "missing.aof"))
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "missing.aof")
	code, _, errOut = runCheck(path, "--databases", "x")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "'databases'")
}

// TestCheckLogDirectory checks a whole data directory: a snapshot and the
// segments after it, then the same with a damaged snapshot, a torn last
// segment (repaired by --fix) and a gap between segments.
func TestCheckLogDirectory(t *testing.T) {
	runCheck := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(append([]string{"check-log"}, args...), func(string) string { return "" }, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	dir := t.TempDir()
	_, err := aof.WriteSnapshot(dir, aof.SnapshotHeader{ReplID: "rid", Seq: 7}, nil, nil)
	require.NoError(t, err)
	a, err := aof.OpenAOF(aof.AOFOptions{
		NameFor: func(b uint64) string { return aof.SegmentPath(dir, b) },
		ReplID:  "rid", Last: 7, Policy: aof.FsyncAlways})
	require.NoError(t, err)
	require.NoError(t, a.Close())

	code, out := runCheck(dir)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "snapshot at sequence 7")
	require.Contains(t, out, "ok")

	seg := aof.SegmentPath(dir, 7)
	f, err := os.OpenFile(seg, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte{0, 0, 1})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	code, out = runCheck(dir)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "incomplete write")
	code, out = runCheck(dir, "--fix")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "repaired")

	// A segment that does not continue the one before it.
	require.NoError(t, os.WriteFile(aof.SegmentPath(dir, 9), nil, 0o644))
	b, err := os.ReadFile(seg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(aof.SegmentPath(dir, 9), bytes.Replace(b, []byte(`"sequence":7`), []byte(`"sequence":9`), 1), 0o644))
	code, out = runCheck(dir)
	require.Equal(t, 1, code, out)
	require.NotContains(t, out, "\nok")
	require.NoError(t, os.Remove(aof.SegmentPath(dir, 9)))

	snap := aof.SnapshotPath(dir, 7)
	b, err = os.ReadFile(snap)
	require.NoError(t, err)
	b[len(b)-3] ^= 1
	require.NoError(t, os.WriteFile(snap, b, 0o644))
	code, out = runCheck(dir)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "a start skips it")
}

// TestCheckLogFixRefusesALockedDirectory: --fix rewrites files, so it
// refuses a directory a running node holds; a check without --fix reads
// it.
func TestCheckLogFixRefusesALockedDirectory(t *testing.T) {
	dir := t.TempDir()
	lock, err := aof.LockDir(dir)
	require.NoError(t, err)
	defer lock.Unlock()
	var out, errOut bytes.Buffer
	code := run([]string{"check-log", dir, "--fix"}, func(string) string { return "" }, &out, &errOut)
	require.Equal(t, 2, code, out.String())
	require.Contains(t, errOut.String(), dir+" is locked")
	out.Reset()
	code = run([]string{"check-log", dir}, func(string) string { return "" }, &out, &errOut)
	require.Equal(t, 0, code, out.String())
}
