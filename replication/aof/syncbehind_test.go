package aof

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/stretchr/testify/require"
)

// blockedSync opens an everysec log in dir whose once-a-second fsync, when
// it comes, waits for release; started receives once it has begun.
func blockedSync(t *testing.T, dir string) (src *aofSource, started <-chan struct{}, release chan struct{}) {
	t.Helper()
	a, err := OpenAOF(AOFOptions{NameFor: func(b uint64) string { return filepath.Join(dir, segmentName(b)) },
		ReplID: "rid", Role: RolePrimary, Policy: FsyncEverySec, Logger: aofLogger()})
	require.NoError(t, err)
	l := newTestLog(aofDBs, 1)
	l.SetAOF(a)
	src = &aofSource{eng: engine.New(engine.Options{Databases: aofDBs, Sink: l}), log: l, aof: a}
	st, rel := make(chan struct{}, 1), make(chan struct{})
	a.mu.Lock()
	a.beforeSync = func() {
		select {
		case st <- struct{}{}:
		default:
		}
		<-rel
	}
	a.mu.Unlock()
	return src, st, rel
}

// TestEverySecFsyncAcrossAReset: a Reset closes the file without an fsync
// while the fsync of the second waits; that fsync then finds the file
// closed, and must not count it as fsynced (only a cut closes a file after
// its own fsync): WaitDurable would return for a write no fsync covered.
func TestEverySecFsyncAcrossAReset(t *testing.T) {
	src, started, release := blockedSync(t, t.TempDir())
	defer src.aof.Close()
	settled := make(chan struct{}, 1)
	src.aof.mu.Lock()
	src.aof.afterSync = func() { settled <- struct{}{} }
	src.aof.mu.Unlock()
	first := writeUntilFsync(t, src, started)
	inReset, finish := make(chan struct{}), make(chan struct{})
	var finishOnce sync.Once
	end := func() { finishOnce.Do(func() { close(finish) }) }
	defer end() // a failure below must not leave the Reset (and Close) waiting
	resetDone := make(chan error, 1)
	go func() {
		resetDone <- src.aof.Reset(100, "rid2", RolePrimary, func() error {
			close(inReset)
			<-finish
			return nil
		})
	}()
	<-inReset // the file is closed, not fsynced
	close(release)
	select {
	case <-settled:
	case <-time.After(5 * time.Second):
		t.Fatal("the fsync's outcome was not settled")
	}
	require.Less(t, syncedAt(src.aof), first, "the fsync of a file a Reset closed counted")
	end()
	require.NoError(t, <-resetDone)
	require.NoError(t, src.aof.WriteError())
}

// writeUntilFsync writes one key, waits until it is written and until the
// fsync of the second has begun (blockedSync's started), and returns the
// write's sequence.
func writeUntilFsync(t *testing.T, src *aofSource, started <-chan struct{}) uint64 {
	t.Helper()
	src.eng.Set(0, "a", []byte("1"), engine.SetOptions{})
	first := src.log.Last()
	require.NoError(t, waitWithin(t, 5*time.Second, func() error { return src.aof.WaitWritten(first) }))
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the once-a-second fsync did not start")
	}
	return first
}

func syncedAt(a *AOF) uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.synced
}

// TestEverySecFsyncHoldsNoWriter: with appendfsync everysec a write is
// acknowledged once written, and the fsync of the second runs beside the
// writers: a slow disk no longer stops every client for as long as it
// takes.
func TestEverySecFsyncHoldsNoWriter(t *testing.T) {
	src, started, release := blockedSync(t, t.TempDir())
	defer src.aof.Close()
	defer close(release)
	first := writeUntilFsync(t, src, started)
	// The fsync is held: writers are still acknowledged.
	for i := range 20 {
		src.eng.Set(0, fmt.Sprint("k", i), []byte("v"), engine.SetOptions{})
		require.NoError(t, waitWithin(t, 5*time.Second, func() error { return src.aof.Wait(src.log.Last()) }))
	}
	require.Less(t, syncedAt(src.aof), first, "nothing is fsynced while the fsync is held")
	release <- struct{}{}
	require.Eventually(t, func() bool { return syncedAt(src.aof) >= first }, 5*time.Second, time.Millisecond)
	require.NoError(t, src.aof.WriteError())
}

// TestEverySecFsyncAcrossACut: a segment cut during the fsync closes the
// file it syncs; the cut fsyncs that segment itself, and the closed file
// is no fsync failure (which would refuse writes until a restart).
func TestEverySecFsyncAcrossACut(t *testing.T) {
	dir := t.TempDir()
	src, started, release := blockedSync(t, dir)
	defer src.aof.Close()
	first := writeUntilFsync(t, src, started)
	src.log.mu.Lock()
	src.aof.Cut(first, "rid", RolePrimary)
	src.log.mu.Unlock()
	src.eng.Set(0, "b", []byte("2"), engine.SetOptions{})
	require.NoError(t, waitWithin(t, 5*time.Second, func() error { return src.aof.WaitWritten(src.log.Last()) }))
	_, err := os.Stat(filepath.Join(dir, segmentName(first)))
	require.NoError(t, err, "the cut made its segment")
	close(release)
	require.Eventually(t, func() bool { return syncedAt(src.aof) >= first }, 5*time.Second, time.Millisecond)
	require.NoError(t, src.aof.WriteError())
	src.eng.Set(0, "c", []byte("3"), engine.SetOptions{})
	require.NoError(t, waitWithin(t, 5*time.Second, func() error { return src.aof.Wait(src.log.Last()) }))
}
