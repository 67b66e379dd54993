//go:build linux && !race

package slab

import (
	"runtime"
	"syscall"
)

// mapSlots maps size zeroed bytes for a slot array, or returns nil (the
// caller then takes them from the Go heap).
func mapSlots(size int) *slotMem {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	if err != nil {
		return nil
	}
	m := &slotMem{b: b}
	c := runtime.AddCleanup(m, unmapSlots, b)
	m.stop = c.Stop
	return m
}

func unmapSlots(b []byte) { _ = syscall.Munmap(b) }
