package aof

import (
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/nadb-server/nadb-server/engine"
	"github.com/nadb-server/nadb-server/replication/frame"
	"github.com/stretchr/testify/require"
)

// Tests of reading the log back from its segments (disklog.go).

// requireSameEntries checks that disk entries match the in-memory log's:
// sequence, effect and group size (and the time, to the millisecond).
func requireSameEntries(t *testing.T, want, got []frame.Entry, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		w, g := want[i], got[i]
		require.Equal(t, w.Seq, g.Seq, "%s: entry %d", what, i)
		require.Equal(t, w.Effect, g.Effect, "%s: entry %d (sequence %d)", what, i, w.Seq)
		require.Equal(t, w.Group, g.Group, "%s: entry %d (sequence %d)", what, i, w.Seq)
		require.InDelta(t, w.TimeMs, g.TimeMs, 1, "%s: entry %d (sequence %d)", what, i, w.Seq)
	}
}

// diskWorkload writes singles, groups, expiries and deletions to src with
// several segment cuts, and returns the sequences that start a group.
func diskWorkload(src *persistSource, n int) []uint64 {
	later := time.Now().Add(time.Hour).UnixMilli()
	var starts []uint64
	for i := range n {
		starts = append(starts, src.log.Last()+1)
		switch i % 6 {
		case 0:
			src.mset(fmt.Sprint("g", i, "-"), 3)
		case 1:
			src.eng.Set(i%aofDBs, fmt.Sprint("ttl", i), []byte{0, 0xff, byte(i)}, engine.SetOptions{ExpireAt: later})
		case 2:
			src.eng.Del(0, []string{fmt.Sprint("g", i-2, "-1")})
		case 3:
			src.eng.Expire(1, fmt.Sprint("ttl", i-2), later+1000, engine.ExpireAlways)
		case 4:
			if i%5 == 4 {
				src.eng.FlushDB(2)
			} else {
				src.set(fmt.Sprint("k", i), "v")
			}
		default:
			src.set(fmt.Sprint("k", i), fmt.Sprint("value ", i))
		}
	}
	return starts
}

func TestDiskCursorReadsAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "A", 250)
	starts := diskWorkload(src, 60)
	last := src.log.Last()
	src.flushed(t)
	require.GreaterOrEqual(t, len(src.aof.Segments()), 5)

	shared := &Cursor{aof: src.aof, replID: "A", dbs: aofDBs}
	defer shared.Close()
	for _, x := range starts {
		want, err := src.log.Read(x, math.MaxInt, nil)
		require.NoError(t, err)
		c := &Cursor{aof: src.aof, replID: "A", dbs: aofDBs}
		got, err := c.Read(x, math.MaxInt, last, nil)
		c.Close()
		require.NoError(t, err, "from %d", x)
		requireSameEntries(t, want, got, fmt.Sprint("from ", x))

		got, err = shared.Read(x, math.MaxInt, last, nil)
		require.NoError(t, err, "shared cursor from %d", x)
		requireSameEntries(t, want, got, fmt.Sprint("shared cursor from ", x))
	}

	t.Run("max and limit", func(t *testing.T) {
		c := &Cursor{aof: src.aof, replID: "A", dbs: aofDBs}
		defer c.Close()
		var got []frame.Entry
		var f *os.File
		for next := uint64(1); next <= last; {
			before := len(got)
			var err error
			got, err = c.Read(next, 7, last, got)
			require.NoError(t, err)
			require.LessOrEqual(t, len(got)-before, 7)
			require.Positive(t, len(got)-before, "no progress at %d", next)
			if f != nil && c.f == f {
				require.Equal(t, got[before].Seq, next)
			}
			f = c.f
			next = got[len(got)-1].Seq + 1
		}
		want, err := src.log.Read(1, math.MaxInt, nil)
		require.NoError(t, err)
		requireSameEntries(t, want, got, "seven at a time")

		for _, x := range []uint64{1, starts[10], last - 2} {
			got, err := c.Read(x, math.MaxInt, x+2, nil)
			require.NoError(t, err)
			requireSameEntries(t, want[x-1:x+2], got, fmt.Sprint("limit from ", x))
		}
		got, err = c.Read(last+1, 10, last, nil)
		require.NoError(t, err)
		require.Empty(t, got)
		got, err = c.Read(5, 0, last, nil)
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("sequential reads keep the file", func(t *testing.T) {
		c := &Cursor{aof: src.aof, replID: "A", dbs: aofDBs}
		defer c.Close()
		got, err := c.Read(1, 2, last, nil)
		require.NoError(t, err)
		require.Len(t, got, 2)
		f := c.f
		got, err = c.Read(3, 1, last, got)
		require.NoError(t, err)
		require.Len(t, got, 3)
		require.Same(t, f, c.f, "a sequential read reopened the segment")
	})

	t.Run("before the log", func(t *testing.T) {
		c := &Cursor{aof: src.aof, replID: "A", dbs: aofDBs}
		defer c.Close()
		_, err := c.Read(0, 10, last, nil)
		require.ErrorIs(t, err, ErrCompacted)
	})
}

func TestDiskCursorCompacted(t *testing.T) {
	t.Run("segment deleted by a snapshot", func(t *testing.T) {
		dir := t.TempDir()
		src := newPersistSource(t, dir, "A", 200)
		diskWorkload(src, 30)
		src.flushed(t)
		segs := src.aof.Segments()
		require.Greater(t, len(segs), 3)
		src.saveAt(t, "A", true)
		src.set("after", "save")
		src.flushed(t)
		c := &Cursor{aof: src.aof, replID: "A", dbs: aofDBs}
		defer c.Close()
		_, err := c.Read(1, 10, src.log.Last(), nil)
		require.ErrorIs(t, err, ErrCompacted)
		_, err = c.Read(segs[2].Base+1, 10, src.log.Last(), nil)
		require.ErrorIs(t, err, ErrCompacted)
	})

	t.Run("segment file gone from under the list", func(t *testing.T) {
		dir := t.TempDir()
		src := newPersistSource(t, dir, "A", 200)
		diskWorkload(src, 30)
		src.flushed(t)
		segs := src.aof.Segments()
		require.NoError(t, os.Remove(segs[1].Path))
		c := &Cursor{aof: src.aof, replID: "A", dbs: aofDBs}
		defer c.Close()
		_, err := c.Read(segs[1].Base+1, 10, src.log.Last(), nil)
		require.ErrorIs(t, err, ErrCompacted)
		// Reading from the segment before runs into the hole.
		got, err := c.Read(1, math.MaxInt, src.log.Last(), nil)
		require.ErrorIs(t, err, ErrCompacted)
		require.Len(t, got, int(segs[1].Base), "the entries before the hole are returned")
	})

	t.Run("another history in the range", func(t *testing.T) {
		dir := t.TempDir()
		src := newPersistSource(t, dir, "A", 200)
		diskWorkload(src, 20)
		promoted := src.log.Last()
		require.True(t, src.aof.Continue(promoted, "B", RolePrimary)) // a promotion
		diskWorkload(src, 20)
		src.flushed(t)
		last := src.log.Last()

		for _, tc := range []struct {
			replID string
			from   uint64
			ok     bool
		}{
			{"A", 1, false},                // runs into B's segments
			{"A", promoted, false},         // A's last entry, then B's
			{"B", 1, false},                // A's segments
			{"B", promoted + 1, true},      // only B's
			{"B", promoted + 5, true},      // only B's
			{"C", promoted + 1, false},     // nobody's
			{"A", promoted + 1, false},     // B's
			{"B", promoted - 3, false},     // starts in A's
			{"B", last, true},              // the last entry
			{"B", promoted + 1 + 20, true}, // further in
		} {
			c := &Cursor{aof: src.aof, replID: tc.replID, dbs: aofDBs}
			got, err := c.Read(tc.from, math.MaxInt, last, nil)
			c.Close()
			what := fmt.Sprintf("history %s from %d", tc.replID, tc.from)
			if !tc.ok {
				require.ErrorIs(t, err, ErrCompacted, what)
				continue
			}
			require.NoError(t, err, what)
			want, err := src.log.Read(tc.from, math.MaxInt, nil)
			require.NoError(t, err)
			requireSameEntries(t, want, got, what)
		}
		a, ok := src.aof.HistoryStart("B")
		require.True(t, ok)
		require.Equal(t, promoted, a)
		_, ok = src.aof.HistoryStart("A")
		require.False(t, ok, "A's segments are followed by B's: no partial resync of A")
	})
}

// TestDiskCursorFollowsLaterCuts: cursors opened on the newest segment
// read on into the segments cut after they opened it.
func TestDiskCursorFollowsLaterCuts(t *testing.T) {
	dir := t.TempDir()
	src := newPersistSource(t, dir, "A", 0)
	for i := range 5 {
		src.set(fmt.Sprint("k", i), "v")
	}
	src.flushed(t)
	// One cursor reads everything at once, one an entry at a time.
	steps := []int{math.MaxInt, 1}
	cursors := make([]*Cursor, len(steps))
	for i := range cursors {
		c := &Cursor{aof: src.aof, replID: "A", dbs: aofDBs}
		defer c.Close()
		got, err := c.Read(1, math.MaxInt, src.log.Last(), nil)
		require.NoError(t, err)
		require.Len(t, got, 5)
		require.Equal(t, uint64(math.MaxUint64), c.segEnd, "opened as the newest segment")
		cursors[i] = c
	}

	// Two cuts after the cursors opened their segment.
	src.mset("m", 2)
	src.aof.Cut(src.log.Last(), "A", RolePrimary)
	src.set("x", "1")
	src.mset("n", 3)
	src.aof.Cut(src.log.Last(), "A", RolePrimary)
	src.set("y", "2")
	src.flushed(t)
	require.Len(t, src.aof.Segments(), 3)
	want, err := src.log.Read(6, math.MaxInt, nil)
	require.NoError(t, err)

	for i, c := range cursors {
		var all []frame.Entry
		for from := uint64(6); from <= src.log.Last(); {
			got, err := c.Read(from, steps[i], src.log.Last(), nil)
			require.NoError(t, err, "from %d", from)
			require.NotEmpty(t, got, "no progress at %d", from)
			all = append(all, got...)
			from = got[len(got)-1].Seq + 1
		}
		requireSameEntries(t, want, all, fmt.Sprint("after the cuts, step ", steps[i]))
	}
}
