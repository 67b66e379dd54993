package slab

import "unsafe"

// An index's slot array is the one large allocation of a table that is
// not a slab, and the only one that becomes garbage as the table grows:
// each doubling leaves the previous array behind once its entries have
// moved. In the Go heap that array waited for the next collection, and its
// pages for the scavenger, so how much of it a process still held after a
// load depended on when the collector last ran: up to a sixth of the
// index's bytes per key. A large array is mapped from the system instead
// (makeSlots) and unmapped the moment the index stops using it: what a
// table holds in memory is what it uses.

// slotMapMin is the smallest slot array that is mapped rather than taken
// from the Go heap: a mapping is whole pages and a system call each way.
const slotMapMin = 256 << 10

// slotMem is a mapped slot array (nil for one in the Go heap). If the
// index that holds it is dropped without freeing it (a table let go of
// whole, by FLUSHALL say), a cleanup unmaps it once the collector finds it
// unreachable.
type slotMem struct {
	b    []byte
	stop func() // cancels the cleanup
}

// makeSlots returns n zeroed slots and, when they are mapped, their
// mapping, which freeSlots releases.
func makeSlots(n int) ([]slot, *slotMem) {
	size := n * int(unsafe.Sizeof(slot{}))
	if size >= slotMapMin {
		if m := mapSlots(size); m != nil {
			return unsafe.Slice((*slot)(unsafe.Pointer(unsafe.SliceData(m.b))), n), m
		}
	}
	return make([]slot, n), nil
}

// freeSlots releases slots made by makeSlots with m: nothing may use them
// afterwards. A Go heap array (m nil) is left to the collector.
func freeSlots(m *slotMem) {
	if m != nil {
		m.stop()
		unmapSlots(m.b)
	}
}
