package slab

import (
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// residentPages counts the pages of b (page-aligned) that are in memory.
func residentPages(t *testing.T, b []byte) (resident, pages int) {
	t.Helper()
	ps := syscall.Getpagesize()
	require.Zero(t, uintptr(unsafe.Pointer(unsafe.SliceData(b)))%uintptr(ps), "a slab starts on a page")
	vec := make([]byte, (len(b)+ps-1)/ps)
	_, _, errno := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)), uintptr(unsafe.Pointer(unsafe.SliceData(vec))))
	require.Zero(t, errno)
	for _, v := range vec {
		resident += int(v & 1)
	}
	return resident, len(vec)
}

// A table told to prefault has every page of a new slab in memory as soon
// as its first record is written.
func TestPrefault(t *testing.T) {
	tb := New()
	tb.Prefault(true)
	tb.Set("k", []byte("v"), 0, 0, 0, 0)
	buf := tb.slabs.chunks[tb.slabs.cur].buf
	resident, pages := residentPages(t, buf[:cap(buf)])
	require.Equal(t, pages, resident)
}
