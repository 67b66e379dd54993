package aof

import "fmt"

// CheckDir verifies every snapshot and log segment of a data directory and
// that the segments follow one another, and describes what it found in
// lines meant for a person. ok reports a directory that loads without
// losing anything. With fix, a damaged last segment is cut at the end of
// its last intact group; damage anywhere else is only reported.
func CheckDir(dir string, dbs int, fix bool) (report []string, ok bool, err error) {
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
		report = append(report, fmt.Sprintf("%s: snapshot at sequence %d of replication ID %s, %d keys", p, s, snap.ReplID, len(snap.Items)))
	}
	if len(files.Snapshots) > 0 && !validSnap {
		ok = false
	}
	segs := files.Segments
	if validSnap {
		// As a start does: segments the snapshot covers are dropped; the
		// log must then start exactly at the snapshot.
		for len(segs) > 1 && segs[1] <= snapSeq {
			report = append(report, fmt.Sprintf("%s: covered by the snapshot at %d (a start deletes it)", SegmentPath(dir, segs[0]), snapSeq))
			segs = segs[1:]
		}
		switch {
		case len(segs) == 1 && segs[0] < snapSeq:
			report = append(report, fmt.Sprintf("%s: older than the snapshot at %d and not continuing it (a start sets it aside)", SegmentPath(dir, segs[0]), snapSeq))
			segs = nil
		case len(segs) > 1 && segs[0] < snapSeq:
			ok = false
			report = append(report, fmt.Sprintf("%s: the log does not continue the snapshot at %d (no segment starts there)", SegmentPath(dir, segs[0]), snapSeq))
		case len(segs) > 0 && segs[0] > snapSeq:
			ok = false
			report = append(report, fmt.Sprintf("%s: gap: the snapshot stops at sequence %d", SegmentPath(dir, segs[0]), snapSeq))
		}
	} else if len(segs) > 0 && segs[0] != 0 {
		ok = false
		report = append(report, fmt.Sprintf("%s: starts after sequence %d, but no snapshot holds what comes before", SegmentPath(dir, segs[0]), segs[0]))
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
			ok = false
			report = append(report, fmt.Sprintf("  its header says sequence %d, its name %d", h.Base, base))
		}
		if i > 0 && base != prevLast {
			ok = false
			report = append(report, fmt.Sprintf("  gap: the previous segment ends at sequence %d", prevLast))
		}
		if h != nil {
			prevLast = h.Last
		}
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
