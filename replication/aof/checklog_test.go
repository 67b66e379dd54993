package aof

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

// writeCheckFile writes an append-only file of 20 single SETs and one
// 3-key MSET group at the end, and returns its path and size.
func writeCheckFile(t *testing.T) (string, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nadb.aof")
	src := newAOFSource(t, path, "rid", 0, 1, FsyncAlways)
	for i := range 20 {
		src.eng.Set(0, fmt.Sprint("k", i), []byte(fmt.Sprint("v", i)), engine.SetOptions{})
	}
	src.eng.MSet(0, [][]byte{[]byte("a"), []byte("1"), []byte("b"), []byte("2"), []byte("c"), []byte("3")}, false)
	require.NoError(t, src.aof.Close())
	st, err := os.Stat(path)
	require.NoError(t, err)
	return path, st.Size()
}

func TestCheckAOF(t *testing.T) {
	t.Run("sound file", func(t *testing.T) {
		path, _ := writeCheckFile(t)
		report, ok, err := CheckAOF(path, aofDBs, false)
		require.NoError(t, err)
		require.True(t, ok)
		require.Contains(t, strings.Join(report, "\n"), "sequences 1..23, 23 operations in 21 groups")
		require.Equal(t, "ok", report[len(report)-1])
	})
	t.Run("torn tail is reported, then repaired", func(t *testing.T) {
		path, size := writeCheckFile(t)
		require.NoError(t, os.Truncate(path, size-3))
		report, ok, err := CheckAOF(path, aofDBs, false)
		require.NoError(t, err)
		require.False(t, ok)
		require.Contains(t, strings.Join(report, "\n"), "incomplete write")
		after, _ := os.Stat(path)
		require.Equal(t, size-3, after.Size(), "checking alone changes nothing")

		_, ok, err = CheckAOF(path, aofDBs, true)
		require.NoError(t, err)
		require.True(t, ok)
		h, err := loadAOF(path, aofDBs, nil)
		require.NoError(t, err)
		require.Equal(t, uint64(20), h.Last, "the torn MSET group is dropped whole, the SETs before it kept")
	})
	t.Run("corruption mid-file is reported, then cut", func(t *testing.T) {
		path, size := writeCheckFile(t)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		data[size/2] ^= 0x01
		require.NoError(t, os.WriteFile(path, data, 0o644))
		report, ok, err := CheckAOF(path, aofDBs, false)
		require.NoError(t, err)
		require.False(t, ok)
		text := strings.Join(report, "\n")
		require.Contains(t, text, "append-only file is corrupt")
		require.Contains(t, text, "at offset")
		_, err = loadAOF(path, aofDBs, nil)
		require.ErrorIs(t, err, ErrCorruptLog, "a start still refuses the file")

		_, ok, err = CheckAOF(path, aofDBs, true)
		require.NoError(t, err)
		require.True(t, ok)
		h, err := loadAOF(path, aofDBs, nil)
		require.NoError(t, err)
		require.Less(t, h.Last, uint64(23))
		report, ok, err = CheckAOF(path, aofDBs, false)
		require.NoError(t, err)
		require.True(t, ok, "%v", report)
	})
	t.Run("missing file", func(t *testing.T) {
		_, _, err := CheckAOF(filepath.Join(t.TempDir(), "none.aof"), aofDBs, false)
		require.ErrorIs(t, err, os.ErrNotExist)
	})
}
