//go:build !linux

package slab

// adviseHuge, adviseHugeSlab and prefault do nothing here (see advise_linux.go).
func adviseHuge([]slot) {}

func adviseHugeSlab([]byte) {}

func prefault([]byte) {}
