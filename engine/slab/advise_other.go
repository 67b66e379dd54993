//go:build !linux

package slab

// adviseHuge and prefault do nothing here (see advise_linux.go).
func adviseHuge([]slot) {}

func prefault([]byte) {}
