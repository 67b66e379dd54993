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

// ErrDirLocked is returned by LockDir (and so by Open and check-log --fix)
// when another holder has the data directory.
var ErrDirLocked = errors.New("data directory in use")

// DirLock is the exclusive lock of one data directory: a flock on
// <dir>/nadb.lock, which also records the holder's process id. It lasts
// until Unlock or the end of the process, however it ends. flock belongs
// to the open file, so a second LockDir of the same directory fails even
// in the same process.
type DirLock struct {
	f *os.File
}

// LockDir takes dir's lock, so that two nodes never write the same files.
// When another process (or another LockDir in this one) holds it, the
// error wraps ErrDirLocked and names the directory and the holder's
// process id.
func LockDir(dir string) (*DirLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked%s", ErrDirLocked, dir, holderOf(path))
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &DirLock{f: f}, nil
}

// Unlock releases the lock and clears the process id from the lock file.
// The file itself stays (removing it would let a third process lock a new
// file while a second still holds the old one). Unlock of a nil or
// released lock does nothing.
func (l *DirLock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
	l.f = nil
}

// DirHolder names the process that seems to hold dir's lock now (the live
// process whose id the lock file records), for a check that reads a
// directory without locking it. It only reads: probing with flock could
// make a node starting at that instant refuse. A holder killed with -9
// whose pid was reused since can be named wrongly; it is a hint.
func DirHolder(dir string) (pid int, held bool) {
	b, err := os.ReadFile(filepath.Join(dir, lockFileName))
	if err != nil {
		return 0, false
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0, false
	}
	return pid, true
}

// holderOf returns " by process <pid>" from the lock file at path, or ""
// when it names none.
func holderOf(path string) string {
	b, err := os.ReadFile(path)
	if pid := strings.TrimSpace(string(b)); err == nil && pid != "" {
		return " by process " + pid
	}
	return ""
}
