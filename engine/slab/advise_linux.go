package slab

import (
	"syscall"
	"unsafe"
)

const (
	// hugePage is the size of a transparent huge page on the platforms
	// this builds for.
	hugePage = 2 << 20
	// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14), which the
	// syscall package does not name.
	madvPopulateWrite = 23
)

// adviseHuge asks the kernel to back the whole huge pages inside the
// memory of slots with huge pages (MADV_HUGEPAGE; a no-op where
// transparent huge pages are off). An index is probed at random, one
// cache line per lookup: with 4 KiB pages nearly every lookup of a large
// index also misses the TLB. An index reserved for a load is touched all
// over as it fills, so huge pages cost it no memory. Failure is harmless
// and ignored.
func adviseHuge(slots []slot) {
	size := uintptr(len(slots)) * unsafe.Sizeof(slot{})
	if size < 2*hugePage {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(slots)))
	from := (start + hugePage - 1) &^ (hugePage - 1)
	to := (start + size) &^ (hugePage - 1)
	if to <= from {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(slots))), size)
	_ = syscall.Madvise(b[from-start:to-start], syscall.MADV_HUGEPAGE)
}

// adviseHugeSlab asks the kernel to back the memory around a shared slab
// with huge pages: the 2 MiB blocks that the slab overlaps, rounded out,
// so that a 1 MiB slab still lands in a block the advice covers whole.
// Records are read at random, one or two cache lines per lookup, across
// a keyspace far larger than the TLB covers with 4 KiB pages; with huge
// pages a lookup stops paying a page walk as well. The Go heap around a
// slab is dense (it is mostly other slabs), so the rounding costs no
// memory to speak of. Only addresses are passed (no pointer is made to
// memory outside buf). Failure is harmless and ignored.
func adviseHugeSlab(buf []byte) {
	if cap(buf) == 0 {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(buf[:1])))
	from := start &^ (hugePage - 1)
	to := (start + uintptr(cap(buf)) + hugePage - 1) &^ (hugePage - 1)
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, from, to-from, syscall.MADV_HUGEPAGE)
}

// prefault maps every page of buf's capacity at once
// (MADV_POPULATE_WRITE), instead of one page fault per page as records
// are appended: a table being loaded fills its slabs right away, and on
// a virtual machine a page fault costs several microseconds. Failure (an
// older kernel) is harmless and ignored.
func prefault(buf []byte) {
	if cap(buf) > 0 {
		_ = syscall.Madvise(buf[:cap(buf)], madvPopulateWrite)
	}
}
