//go:build linux && !race

package slab

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// mappedAt reports whether the process has memory mapped at addr
// (/proc/self/maps).
func mappedAt(t *testing.T, addr uintptr) bool {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var from, to uintptr
		if _, err := fmt.Sscanf(sc.Text(), "%x-%x", &from, &to); err == nil && from <= addr && addr < to {
			return true
		}
	}
	require.NoError(t, sc.Err())
	return false
}

// TestIndexUnmapsWhatItLeaves: a large slot array is mapped, and unmapped
// as soon as the index stops using it (a move ends, a resize, a shrink),
// not when a collection and the scavenger get to it.
func TestIndexUnmapsWhatItLeaves(t *testing.T) {
	m := newModel(t, 5)
	x := &m.tab.keys
	i := 0
	for x.mem == nil {
		m.set(fmt.Sprint("k", i), []byte("v"), 0, 0, 0)
		i++
	}
	require.GreaterOrEqual(t, len(x.slots)*int(unsafe.Sizeof(slot{})), slotMapMin)
	first := uintptr(unsafe.Pointer(unsafe.SliceData(x.slots)))
	require.True(t, mappedAt(t, first))

	// Grow once more: the first mapping is left when the move ends.
	mem := x.mem
	for x.mem == mem || x.old != nil {
		m.set(fmt.Sprint("k", i), []byte("v"), 0, 0, 0)
		i++
	}
	require.Nil(t, x.oldMem)
	require.False(t, mappedAt(t, first), "the array the index moved from is unmapped")
	m.check()

	// A resize (Reserve) leaves the second one at once.
	second := uintptr(unsafe.Pointer(unsafe.SliceData(x.slots)))
	m.tab.Reserve(4 * x.count)
	require.False(t, mappedAt(t, second))
	m.check()

	// Deleting nearly everything shrinks the index back into the Go heap.
	third := uintptr(unsafe.Pointer(unsafe.SliceData(x.slots)))
	for j := range i - 10 {
		m.del(fmt.Sprint("k", j))
	}
	m.tab.keys.finishMove()
	require.Nil(t, x.mem)
	require.False(t, mappedAt(t, third))
	m.check()
	require.NoError(t, m.tab.Verify())
}

// TestDroppedTableUnmapsItsIndex: a table let go of whole (FLUSHALL
// replaces the tables) gives its mapped index back once the collector
// finds it unreachable.
func TestDroppedTableUnmapsItsIndex(t *testing.T) {
	addr := func() uintptr {
		tab := New()
		for i := 0; tab.keys.mem == nil; i++ {
			tab.Set(fmt.Sprint("k", i), []byte("v"), 0, 0, 0, 0)
		}
		return uintptr(unsafe.Pointer(unsafe.SliceData(tab.keys.slots)))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for mappedAt(t, addr) {
		require.True(t, time.Now().Before(deadline), "the dropped index is still mapped")
		runtime.GC()
		runtime.Gosched() // the cleanup runs on a goroutine of its own
	}
}
