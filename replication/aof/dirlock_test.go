package aof

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

// TestOpenLocksDir: two Opens of one directory, even in one process,
// cannot both hold it: the second is refused with ErrDirLocked naming the
// directory and the holder, and succeeds once the first unlocks.
func TestOpenLocksDir(t *testing.T) {
	dir := t.TempDir()
	open := func() (*Opened, error) {
		return Open(OpenOptions{Dir: dir, Engine: engine.New(engine.Options{Databases: 16}), AppendOnly: true, Policy: FsyncNo})
	}
	first, err := open()
	require.NoError(t, err)
	require.NotNil(t, first.Lock)

	_, err = open()
	require.ErrorIs(t, err, ErrDirLocked)
	require.EqualError(t, err, "data directory in use: "+dir+" is locked by process "+strconv.Itoa(os.Getpid()))
	pid, held := DirHolder(dir)
	require.True(t, held)
	require.Equal(t, os.Getpid(), pid)

	require.NoError(t, first.Log.Close())
	first.Lock.Unlock()
	first.Lock.Unlock() // a second Unlock does nothing
	_, held = DirHolder(dir)
	require.False(t, held, "an unlocked directory names no holder")

	second, err := open()
	require.NoError(t, err)
	require.NoError(t, second.Log.Close())
	second.Lock.Unlock()
}

// TestOpenUsesCallersLock: Open with the caller's lock does not lock again,
// and a failed Open leaves the caller's lock held.
func TestOpenUsesCallersLock(t *testing.T) {
	dir := t.TempDir()
	lock, err := LockDir(dir)
	require.NoError(t, err)
	defer lock.Unlock()
	o, err := Open(OpenOptions{Dir: dir, Engine: engine.New(engine.Options{Databases: 16}), Lock: lock})
	require.NoError(t, err)
	require.Same(t, lock, o.Lock)

	// A directory that cannot load: the caller's lock stays held.
	require.NoError(t, os.WriteFile(SegmentPath(dir, 5), []byte("junk"), 0o644))
	_, err = Open(OpenOptions{Dir: dir, Engine: engine.New(engine.Options{Databases: 16}), AppendOnly: true, Lock: lock})
	require.Error(t, err)
	_, err = LockDir(dir)
	require.ErrorIs(t, err, ErrDirLocked)
}

// TestCheckLockedDir: check-log reads a directory a node holds (with a
// note naming it) but refuses to fix it, for a directory as for one of its
// segments; a segment outside any data directory gets no lock file.
func TestCheckLockedDir(t *testing.T) {
	dir := t.TempDir()
	o, err := Open(OpenOptions{Dir: dir, Engine: engine.New(engine.Options{Databases: 16}), AppendOnly: true, Policy: FsyncNo})
	require.NoError(t, err)
	defer o.Lock.Unlock()
	defer o.Log.Close()
	note := "note: process " + strconv.Itoa(os.Getpid()) + " holds " + dir + " (a running node): a last segment may end in a write in progress"

	report, ok, err := CheckDir(dir, 16, false)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, note, report[0])
	_, _, err = CheckDir(dir, 16, true)
	require.ErrorIs(t, err, ErrDirLocked)
	require.ErrorContains(t, err, "--fix changes files a running node writes: stop it first")

	seg := SegmentPath(dir, 0)
	report, _, err = CheckAOF(seg, 16, false)
	require.NoError(t, err)
	require.Equal(t, note, report[0])
	_, _, err = CheckAOF(seg, 16, true)
	require.ErrorIs(t, err, ErrDirLocked)

	lone := filepath.Join(t.TempDir(), "copy.aof")
	b, err := os.ReadFile(seg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(lone, b, 0o644))
	_, _, err = CheckAOF(lone, 16, true)
	require.NoError(t, err)
	require.NoFileExists(t, filepath.Join(filepath.Dir(lone), lockFileName))
}
