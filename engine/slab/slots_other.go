//go:build !linux

package slab

// mapSlots maps nothing here: slot arrays stay in the Go heap.
func mapSlots(int) *slotMem { return nil }

func unmapSlots([]byte) {}
