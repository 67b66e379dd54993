package aof

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFileName is the file a node locks in its data directory.
const lockFileName = "nadb.lock"

// ErrDirLocked is returned by LockDir when another process holds the
// data directory.
var ErrDirLocked = errors.New("data directory in use")

// LockDir takes an exclusive lock (flock) on dir's lock file, so that two
// nodes never write the same log segments: a second node pointed at the
// same directory gets ErrDirLocked, naming the holder's process id. The
// lock lasts until unlock is called or the process ends, however it ends.
func LockDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := ""
		if b, rerr := os.ReadFile(path); rerr == nil && len(strings.TrimSpace(string(b))) > 0 {
			holder = " by process " + strings.TrimSpace(string(b))
		}
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked%s (another nadb-server uses it; give each node its own --dir)", ErrDirLocked, dir, holder)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
