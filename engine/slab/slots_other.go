//go:build !linux || race

package slab

// mapSlots maps nothing here: slot arrays stay in the Go heap. Under the
// race detector too, which does not see accesses to mapped memory: a race
// on an index must be reported (the mapping's tests run without -race,
// see the Makefile).
func mapSlots(int) *slotMem { return nil }

func unmapSlots([]byte) {}
