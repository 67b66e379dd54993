package slab

import (
	"os"
	"strconv"
	"strings"
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

// vmFlags returns the VmFlags of the mapping that holds addr, from
// /proc/self/smaps.
func vmFlags(t *testing.T, addr uintptr) []string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/smaps")
	require.NoError(t, err)
	inside := false
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && !strings.HasSuffix(fields[0], ":") {
			from, err1 := strconv.ParseUint(lo, 16, 64)
			to, err2 := strconv.ParseUint(hi, 16, 64)
			inside = err1 == nil && err2 == nil && uint64(addr) >= from && uint64(addr) < to
			continue
		}
		if inside && fields[0] == "VmFlags:" {
			return fields[1:]
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return nil
}

// A full-size shared slab asks for huge pages: the mapping that holds it
// carries the advice ("hg").
func TestSlabAdvisedHuge(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	tb := New()
	tb.Set("k", []byte("v"), 0, 0, 0, 0)
	buf := tb.slabs.chunks[tb.slabs.cur].buf
	require.Equal(t, chunkSize, cap(buf))
	start := uintptr(unsafe.Pointer(unsafe.SliceData(buf[:1])))
	require.Contains(t, vmFlags(t, start), "hg")
	require.Contains(t, vmFlags(t, start+uintptr(cap(buf))-1), "hg")
}
