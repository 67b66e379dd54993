package aof

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/nadb-server/nadb-server/engine"
)

// CheckDir verifies every snapshot and log segment of a data directory and
// that the segments follow one another, and describes what it found in
// lines meant for a person. ok reports a directory that loads without
// losing anything. With fix, a damaged last segment is cut at the end of
// its last intact group; damage anywhere else is only reported.
//
// A check without fix reads a directory a running node holds (its last
// segment may then end in a write in progress, which the report says);
// with fix it takes the directory's lock and refuses (ErrDirLocked) while
// a node holds it.
func CheckDir(dir string, dbs int, fix bool) (report []string, ok bool, err error) {
	note, unlock, err := checkLock(dir, fix, true)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	report, ok, err = checkDir(dir, dbs, fix)
	return append(note, report...), ok, err
}

// checkLock is check-log's part of the directory lock: with fix it takes
// dir's lock (when always is set or a lock file exists: a file checked
// outside any data directory gets no lock file), without it reports a
// running holder in a note.
func checkLock(dir string, fix, always bool) (note []string, unlock func(), err error) {
	if !fix {
		if pid, held := DirHolder(dir); held {
			note = []string{fmt.Sprintf("note: process %d holds %s (a running node): a last segment may end in a write in progress", pid, dir)}
		}
		return note, func() {}, nil
	}
	if _, err := os.Stat(filepath.Join(dir, lockFileName)); err != nil && !always {
		return nil, func() {}, nil
	}
	l, err := LockDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("--fix changes files a running node writes: stop it first: %w", err)
	}
	return nil, l.Unlock, nil
}

func checkDir(dir string, dbs int, fix bool) (report []string, ok bool, err error) {
	files, err := ListDir(dir)
	if err != nil {
		return nil, false, err
	}
	ok = true
	if len(files.Snapshots) == 0 && len(files.Segments) == 0 {
		return []string{dir + ": no snapshot and no log segment"}, true, nil
	}
	validSnap := false
	var snapSeq uint64 // the newest valid snapshot's sequence, which a start loads
	for _, s := range files.Snapshots {
		p := SnapshotPath(dir, s)
		snap, err := ReadSnapshot(p, dbs, nil)
		if err != nil {
			report = append(report, fmt.Sprintf("%v (a start skips it)", err))
			continue
		}
		if !validSnap {
			snapSeq = s
		}
		validSnap = true
		keys, libs := len(snap.Items), ""
		if keys > 0 && snap.Items[0].Type == engine.TypeFunctions {
			keys, libs = keys-1, " and the function libraries" // first, and no key
		}
		report = append(report, fmt.Sprintf("%s: snapshot at sequence %d of replication ID %s, %d keys%s", p, s, snap.ReplID, keys, libs))
	}
	if len(files.Snapshots) > 0 && !validSnap {
		ok = false
	}
	segs := files.Segments
	if validSnap {
		// Segments the snapshot covers are not read (a start deletes them).
		for len(segs) > 1 && segs[1] <= snapSeq {
			report = append(report, fmt.Sprintf("%s: covered by the snapshot at %d (a start deletes it)", SegmentPath(dir, segs[0]), snapSeq))
			segs = segs[1:]
		}
		if len(segs) == 1 && segs[0] < snapSeq {
			report = append(report, fmt.Sprintf("%s: older than the snapshot at %d and not continuing it (a start sets it aside)", SegmentPath(dir, segs[0]), snapSeq))
			segs = nil
		}
	}
	var prevLast uint64
	for i, base := range segs {
		p := SegmentPath(dir, base)
		last := i == len(segs)-1
		lines, segOK, h, err := checkSegment(p, dbs, fix && last)
		if err != nil {
			return report, false, err
		}
		report = append(report, lines...)
		if !segOK {
			ok = false
			if !last {
				report = append(report, "  this is not the last segment: cutting it would lose the segments after it; restore it from a copy or remove the directory's files from here on")
			}
		}
		if h != nil && h.Base != base {
			report = append(report, fmt.Sprintf("  its header says sequence %d, its name %d", h.Base, base))
		}
		if i > 0 && base != prevLast {
			report = append(report, fmt.Sprintf("  gap: the previous segment ends at sequence %d", prevLast))
		}
		if h != nil {
			prevLast = h.Last
		}
	}
	// The verdict on the directory as a whole (which snapshot, which
	// segments, gaps, a log that does not continue its snapshot) is the
	// start's own: a dry run of Recover, which changes nothing, after any
	// --fix above.
	if _, err := recoverDir(dir, dbs, true, nil, nil, true, nil, nil); err != nil {
		ok = false
		report = append(report, fmt.Sprintf("a start refuses this directory: %v", err))
	}
	if ok {
		report = append(report, "ok")
	}
	return report, ok, nil
}

// checkSegment checks one segment of a directory, reading it once.
func checkSegment(path string, dbs int, fix bool) ([]string, bool, *History, error) {
	report, ok, h, err := checkAOF(path, dbs, fix)
	if err != nil {
		return report, false, nil, err
	}
	// CheckAOF ends a sound file's report with "ok"; the directory's
	// verdict comes once, at the end.
	if n := len(report); n > 0 && report[n-1] == "ok" {
		report = report[:n-1]
	}
	return report, ok, h, nil
}
